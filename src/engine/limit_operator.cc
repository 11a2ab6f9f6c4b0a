#include "engine/limit_operator.h"

#include <algorithm>
#include <utility>

#include "engine/key_table.h"

namespace sluice::engine {

Result<std::unique_ptr<LimitOperator>> LimitOperator::Create(const Schema& input, int64_t n,
                                                             std::function<void()> on_limit,
                                                             const OperatorContext& ctx) {
  if (n < 0) return Status::InvalidArgument("LIMIT must not be negative");
  return std::unique_ptr<LimitOperator>(
      new LimitOperator(input, n, std::move(on_limit), KeyGroupOf(HashKey(""), ctx.num_key_groups)));
}

Status LimitOperator::Process(Batch& batch) {
  const int live = batch.active_rows();
  const int take = static_cast<int>(std::min<int64_t>(live, n_ - passed_));
  if (take <= 0) {
    if (on_limit_) std::exchange(on_limit_, nullptr)();  // LIMIT 0
    return Status::Ok();
  }
  if (take < live) {
    // Keep the first `take` live rows: a selection's prefix, or rows 0..take-1.
    if (!batch.has_selection()) {
      int32_t* sel = batch.mutable_selection();
      for (int i = 0; i < take; ++i) sel[i] = i;
    }
    batch.SetSelection(take);
  }
  passed_ += take;
  SLUICE_RETURN_IF_ERROR(Emit(batch));
  if (passed_ == n_ && on_limit_) std::exchange(on_limit_, nullptr)();
  return Status::Ok();
}

Status LimitOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  if (kg != key_group_ || passed_ == 0) return Status::Ok();
  SnapshotWriter w(out);
  w.Put<uint8_t>(1);
  w.Put<int64_t>(passed_);
  return Status::Ok();
}

Status LimitOperator::RestoreKeyGroup(int, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version = 0;
  int64_t passed = 0;
  if (!r.Get(&version) || version != 1 || !r.Get(&passed) || !r.done() || passed < 0) {
    return Status::Corruption("limit snapshot: malformed");
  }
  passed_ += passed;
  return Status::Ok();
}

}  // namespace sluice::engine
