#include "engine/processing_time_operator.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/clock.h"

namespace sluice::engine {

Result<std::unique_ptr<ProcessingTimeOperator>> ProcessingTimeOperator::Create(const Schema& input, int time_column,
                                                                               const OperatorContext& ctx) {
  if (time_column < 0 || time_column >= input.size() || input.field(time_column).type != DataType::kTimestamp) {
    return Status::InvalidArgument(fmt::format("processing time needs a TIMESTAMP column; column {} of ({}) is not one",
                                               time_column, input.ToString()));
  }
  const Clock* clock = ctx.clock ? ctx.clock : SystemClock::Default();
  return std::unique_ptr<ProcessingTimeOperator>(new ProcessingTimeOperator(input, time_column, clock));
}

Status ProcessingTimeOperator::Process(Batch& batch) {
  // Never behind what has fired: a clock stepping back (NTP) must not make a
  // row late for a window the operator already closed.
  const int64_t now = std::max(clock_->NowMillis(), emitted_);
  Column& t = batch.column(time_column_);
  int64_t* ts = t.data<int64_t>();
  const int n = batch.active_rows();
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    ts[r] = now;
    t.SetValid(r);
  }
  if (batch.has_late_rows()) {
    int64_t* late = batch.mutable_late_watermarks();
    std::fill(late, late + batch.num_rows(), kNotLate);
  }
  return Emit(batch);
}

Status ProcessingTimeOperator::OnWatermark(int64_t watermark) {
  if (watermark != kMaxWatermark || emitted_ == kMaxWatermark) return Status::Ok();
  emitted_ = kMaxWatermark;
  return EmitWatermark(kMaxWatermark);
}

Status ProcessingTimeOperator::OnProcessingTime(int64_t now_ms) {
  if (now_ms > emitted_) {
    emitted_ = now_ms;
    SLUICE_RETURN_IF_ERROR(EmitWatermark(now_ms));
  }
  return Operator::OnProcessingTime(now_ms);
}

}  // namespace sluice::engine
