#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "engine/operator.h"

namespace sluice::engine {

// Makes processing time the time of the operators after it, so that a window
// aggregation over a PROCTIME() attribute runs on the wall clock (Flink's
// processing-time windows) with the event-time window operators unchanged:
//   - each row's `time_column` is set to the clock's reading when the row
//     reaches this operator (read once per batch), and no row is late;
//   - OnProcessingTime(now) becomes a watermark `now` downstream, so a window
//     [start, end) fires once the clock reaches `end`;
//   - event-time watermarks from upstream are not forwarded, except the final
//     one (kMaxWatermark, end of a bounded input), which fires every open
//     window, as Flink does when its input ends.
// Place it in the same task as the window operator (after the exchange): the
// time a row is assigned and the time windows fire are then one clock read
// by one thread, so no row can reach a window that has already fired.
//
// Thread-safety: not thread-safe; one instance per worker. The clock
// (OperatorContext::clock, null: the system clock) must outlive it.
class ProcessingTimeOperator : public Operator {
 public:
  static Result<std::unique_ptr<ProcessingTimeOperator>> Create(const Schema& input, int time_column,
                                                                const OperatorContext& ctx);

  std::string name() const override { return "processing-time"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  Status OnProcessingTime(int64_t now_ms) override;

 private:
  ProcessingTimeOperator(Schema schema, int time_column, const Clock* clock)
      : schema_(std::move(schema)), time_column_(time_column), clock_(clock) {}

  Schema schema_;
  int time_column_;
  const Clock* clock_;
  int64_t emitted_ = kMinWatermark;  // the last watermark sent downstream
};

}  // namespace sluice::engine
