#include "engine/limit_operator.h"

#include <algorithm>
#include <utility>

#include "engine/key_table.h"

namespace sluice::engine {

Result<std::unique_ptr<LimitOperator>> LimitOperator::Create(const Schema& input, int64_t n,
                                                             std::function<void()> on_limit, const OperatorContext& ctx,
                                                             int64_t offset) {
  if (n < 0) return Status::InvalidArgument("LIMIT must not be negative");
  if (offset < 0) return Status::InvalidArgument("OFFSET must not be negative");
  return std::unique_ptr<LimitOperator>(
      new LimitOperator(input, n, offset, std::move(on_limit), KeyGroupOf(HashKey(""), ctx.num_key_groups)));
}

Status LimitOperator::Process(Batch& batch) {
  const int live = batch.active_rows();
  // The live rows whose place in the stream is in [offset, offset + n).
  const int64_t end = n_ > INT64_MAX - offset_ ? INT64_MAX : offset_ + n_;
  const int first = static_cast<int>(std::clamp<int64_t>(offset_ - seen_, 0, live));
  const int last = static_cast<int>(std::clamp<int64_t>(end - seen_, 0, live));
  seen_ += live;
  if (last > first) {
    // Keep that range: position k of the new selection takes live row first + k
    // (it was read before any write reached its slot).
    int32_t* sel = batch.mutable_selection();
    for (int k = first; k < last; ++k) sel[k - first] = batch.active_row(k);
    batch.SetSelection(last - first);
    SLUICE_RETURN_IF_ERROR(Emit(batch));
  }
  if (seen_ >= end && on_limit_) std::exchange(on_limit_, nullptr)();
  return Status::Ok();
}

Status LimitOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  if (kg != key_group_ || seen_ == 0) return Status::Ok();
  SnapshotWriter w(out);
  w.Put<uint8_t>(1);
  w.Put<int64_t>(seen_);
  return Status::Ok();
}

Status LimitOperator::RestoreKeyGroup(int, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version = 0;
  int64_t seen = 0;
  if (!r.Get(&version) || version != 1 || !r.Get(&seen) || !r.done() || seen < 0) {
    return Status::Corruption("limit snapshot: malformed");
  }
  seen_ += seen;
  return Status::Ok();
}

}  // namespace sluice::engine
