#include "engine/global_window_operator.h"

#include <fmt/format.h>

namespace sluice::engine {

std::string GlobalTrigger::ToString() const {
  std::string s;
  switch (kind) {
    case Kind::kCount: s = fmt::format("count({})", count); break;
    case Kind::kEventTime: s = fmt::format("every {} ms of event time", interval_ms); break;
    case Kind::kProcessingTime: s = fmt::format("every {} ms of processing time", interval_ms); break;
  }
  if (purge) s += ", purging";
  if (fire_at_end) s += ", firing at end of input";
  return s;
}

Result<std::unique_ptr<GlobalWindowOperator>> GlobalWindowOperator::Create(const Schema& input,
                                                                           std::vector<int> key_columns,
                                                                           int time_column, GlobalTrigger trigger,
                                                                           std::vector<AggregateSpec> aggregates,
                                                                           const OperatorContext& ctx) {
  if (trigger.kind == GlobalTrigger::Kind::kCount ? trigger.count < 1 : trigger.interval_ms < 1) {
    return Status::InvalidArgument(
        fmt::format("global window trigger {}: the count or interval must be positive", trigger.ToString()));
  }
  if (trigger.kind == GlobalTrigger::Kind::kEventTime && time_column < 0) {
    return Status::InvalidArgument("an event-time trigger needs an event-time column");
  }
  SLUICE_ASSIGN_OR_RETURN(AggregateLayout layout, AggregateLayout::Create(aggregates, input, time_column));
  if (layout.has_distinct()) return Status::Unsupported("COUNT(DISTINCT ...) in a global window is not supported yet");
  std::vector<Field> key_fields;
  for (int c : key_columns) {
    if (c < 0 || c >= input.size()) return Status::InvalidArgument(fmt::format("key column ${} out of range", c));
    key_fields.push_back(input.field(c));
  }
  std::vector<Field> out = key_fields;
  for (int i = 0; i < layout.size(); ++i) out.push_back(layout.output_field(i));
  return std::unique_ptr<GlobalWindowOperator>(new GlobalWindowOperator(
      Schema(out), std::move(key_columns), std::move(layout), Schema(key_fields), trigger, ctx));
}

GlobalWindowOperator::GlobalWindowOperator(Schema output, std::vector<int> keys, AggregateLayout layout,
                                           Schema key_schema, GlobalTrigger trigger, const OperatorContext& ctx)
    : output_schema_(output),
      keys_(std::move(keys)),
      layout_(std::move(layout)),
      key_schema_(std::move(key_schema)),
      trigger_(trigger),
      table_(layout_.payload_bytes()),
      no_distinct_(12),
      entries_(ctx.batch_capacity),
      out_(std::move(output), ctx.batch_capacity),
      num_key_groups_(ctx.num_key_groups) {}

Status GlobalWindowOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  if (static_cast<int>(entries_.size()) < batch.capacity()) entries_.resize(batch.capacity());
  keys_.Encode(batch);
  for (int k = 0; k < n; ++k) {
    if (batch.row_kind(batch.active_row(k)) != RowKind::kInsert) {
      return Status::Unsupported("a global window takes an append-only input (it received an update or a delete)");
    }
  }
  // The window entry of live row k (inserted empty if the key has none).
  auto entry = [&](int k) {
    bool inserted;
    const uint32_t e = table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    if (since_fire_.size() <= e) since_fire_.resize(e + 1);
    if (inserted) since_fire_[e] = 0;
    entries_[k] = e;
    return e;
  };
  if (trigger_.kind != GlobalTrigger::Kind::kCount) {
    for (int k = 0; k < n; ++k) entry(k);
    // Time triggers fire between batches: accumulate the batch at once.
    if (static_cast<int>(all_rows_.size()) < n) {
      all_rows_.resize(batch.capacity());
      for (size_t k = 0; k < all_rows_.size(); ++k) all_rows_[k] = static_cast<int32_t>(k);
    }
    SLUICE_RETURN_IF_ERROR(
        layout_.Accumulate(batch, all_rows_.data(), n, entries_.data(), keys_, &table_, &no_distinct_, +1));
    for (int k = 0; k < n; ++k) ++since_fire_[entries_[k]];
  } else {
    // A count trigger fires right after a key's count-th row: row by row, so
    // the result does not depend on batch boundaries.
    // Entries are looked up row by row: a purging firing erases one.
    for (int k = 0; k < n; ++k) {
      const uint32_t e = entry(k);
      const int32_t one = k;
      SLUICE_RETURN_IF_ERROR(layout_.Accumulate(batch, &one, 1, entries_.data(), keys_, &table_, &no_distinct_, +1));
      if (++since_fire_[e] == trigger_.count) SLUICE_RETURN_IF_ERROR(Fire(e));
    }
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  if (layout_.has_string_values() && table_.blob_size() > (1u << 16) &&
      table_.blob_size() > 2 * blob_after_compaction_) {
    layout_.CompactStrings(&table_, &blob_scratch_, [&](uint32_t e) { return table_.alive(e); });
    blob_after_compaction_ = table_.blob_size();
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status GlobalWindowOperator::Fire(uint32_t e) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  out_.set_num_rows(row + 1);
  KeyEncoder::Decode(table_.key(e), key_schema_, &out_, 0, row);
  layout_.Finalize(table_, e, &out_, key_schema_.size(), row);
  since_fire_[e] = 0;
  if (trigger_.purge) table_.Erase(e);
  return Status::Ok();
}

Status GlobalWindowOperator::FireAll() {
  for (uint32_t e = 0; e < table_.size(); ++e) {
    // A purged window is gone; a kept one fires again even if unchanged, as
    // Flink's continuous triggers do.
    if (table_.alive(e)) SLUICE_RETURN_IF_ERROR(Fire(e));
  }
  return Flush();
}

Status GlobalWindowOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status GlobalWindowOperator::OnWatermark(int64_t watermark) {
  if (trigger_.kind == GlobalTrigger::Kind::kEventTime && watermark != kMaxWatermark) {
    // The last boundary at or below the watermark; one firing however many
    // boundaries the watermark jumped.
    const int64_t i = trigger_.interval_ms;
    const int64_t boundary = (watermark >= 0 ? watermark / i : (watermark - i + 1) / i) * i;
    if (boundary > fired_boundary_) {
      if (fired_boundary_ != kMinWatermark) SLUICE_RETURN_IF_ERROR(FireAll());
      fired_boundary_ = boundary;
    }
  }
  return EmitWatermark(watermark);
}

Status GlobalWindowOperator::OnProcessingTime(int64_t now_ms) {
  if (trigger_.kind == GlobalTrigger::Kind::kProcessingTime) {
    const int64_t i = trigger_.interval_ms;
    const int64_t boundary = now_ms / i * i;
    if (next_processing_fire_ == 0) {
      next_processing_fire_ = boundary + i;
    } else if (now_ms >= next_processing_fire_) {
      SLUICE_RETURN_IF_ERROR(FireAll());
      next_processing_fire_ = boundary + i;
    }
  }
  return Operator::OnProcessingTime(now_ms);
}

Status GlobalWindowOperator::Finish() {
  if (trigger_.fire_at_end) {
    for (uint32_t e = 0; e < table_.size(); ++e) {
      // Only what the last firing did not already emit.
      if (table_.alive(e) && since_fire_[e] > 0) SLUICE_RETURN_IF_ERROR(Fire(e));
    }
    SLUICE_RETURN_IF_ERROR(Flush());
  }
  return Operator::Finish();
}

namespace {
constexpr uint8_t kSnapshotVersion = 1;
}  // namespace

Status GlobalWindowOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  uint32_t n = 0;
  for (uint32_t e = 0; e < table_.size(); ++e)
    n += table_.alive(e) && KeyGroupOf(table_.hash(e), num_key_groups_) == kg;
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  w.Put<int64_t>(fired_boundary_);
  w.Put<uint32_t>(n);
  for (uint32_t e = 0; e < table_.size(); ++e) {
    if (!table_.alive(e) || KeyGroupOf(table_.hash(e), num_key_groups_) != kg) continue;
    layout_.WriteEntry(table_, e, &w);
    w.Put<int64_t>(since_fire_[e]);
  }
  return Status::Ok();
}

Status GlobalWindowOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  int64_t boundary;
  uint32_t n;
  if (!r.Get(&version) || version != kSnapshotVersion || !r.Get(&boundary) || !r.Get(&n)) {
    return Status::Corruption(fmt::format("global-window snapshot of key group {}: bad header", kg));
  }
  fired_boundary_ = std::max(fired_boundary_, boundary);
  for (uint32_t i = 0; i < n; ++i) {
    SnapshotReader peek = r;  // the entry starts with its key
    std::string_view key;
    if (!peek.GetBytes(&key)) return Status::Corruption("global-window snapshot: truncated entry");
    SLUICE_RETURN_IF_ERROR(layout_.ReadEntry(&r, &table_));
    int64_t since;
    if (!r.Get(&since)) return Status::Corruption("global-window snapshot: truncated entry");
    const uint32_t e = static_cast<uint32_t>(table_.Find(key, HashKey(key)));
    if (since_fire_.size() <= e) since_fire_.resize(e + 1);
    since_fire_[e] = since;
  }
  if (!r.done()) return Status::Corruption("global-window snapshot: trailing bytes");
  return Status::Ok();
}

}  // namespace sluice::engine
