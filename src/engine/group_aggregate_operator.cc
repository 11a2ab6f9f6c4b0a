#include "engine/group_aggregate_operator.h"

#include <fmt/format.h>

#include <cstring>
#include <functional>

#include "common/logging.h"

namespace sluice::engine {

Result<std::unique_ptr<GroupAggregateOperator>> GroupAggregateOperator::Create(
    const Schema& input, std::vector<int> key_columns, std::vector<AggregateSpec> aggregates, int time_column,
    const OperatorContext& ctx, int64_t state_ttl_ms) {
  SLUICE_ASSIGN_OR_RETURN(AggregateLayout layout, AggregateLayout::Create(aggregates, input, time_column));
  if (state_ttl_ms < 0) return Status::InvalidArgument("state TTL must not be negative");
  if (state_ttl_ms > 0 && layout.has_distinct()) {
    return Status::Unsupported("a state TTL with COUNT(DISTINCT ...) is not supported yet");
  }
  std::vector<Field> key_fields;
  for (int c : key_columns) {
    if (c < 0 || c >= input.size()) return Status::InvalidArgument(fmt::format("key column ${} out of range", c));
    key_fields.push_back(input.field(c));
  }
  std::vector<Field> out = key_fields;
  for (int i = 0; i < layout.size(); ++i) out.push_back(layout.output_field(i));
  std::unique_ptr<GroupAggregateOperator> op(
      new GroupAggregateOperator(Schema(out), std::move(key_columns), std::move(layout), Schema(key_fields), ctx));
  op->ttl_ms_ = state_ttl_ms;
  op->clock_ = ctx.clock ? ctx.clock : SystemClock::Default();
  for (int i = 0; i < op->layout_.size(); ++i) {
    if (op->layout_.external(i)) op->external_.push_back(i);
  }
  op->arrivals_.resize(op->external_.size());
  if (ctx.state_store) {
    if (op->layout_.has_distinct() || state_ttl_ms > 0 || !op->external_.empty()) {
      if (ctx.worker == 0) {
        SLUICE_LOG_INFO("state",
                        "group-aggregate with {}: its state stays in memory (state.backend 'rocksdb' does not "
                        "cover it yet)",
                        state_ttl_ms > 0        ? "a state TTL"
                        : op->external_.empty() ? "COUNT(DISTINCT ...)"
                                                : "FIRST_VALUE/LAST_VALUE over an updating input");
      }
    } else {
      op->cache_ = std::make_unique<StateCache>(ctx.state_store, ctx.operator_id, ctx.num_key_groups,
                                                std::max<int64_t>(1, ctx.state_cache_entries));
    }
  }
  return op;
}

Status GroupAggregateOperator::OnProcessingTime(int64_t now_ms) {
  now_ms_ = now_ms;
  while (ttl_ms_ > 0 && !expiry_.empty() && expiry_.front().first <= now_ms) {
    const uint32_t e = expiry_.front().second;
    const int64_t expire = expiry_.front().first;
    expiry_.pop_front();
    if (table_.alive(e) && last_touch_[e] + ttl_ms_ == expire) {  // untouched for the TTL
      table_.Erase(e);
      for (size_t x = 0; x < external_.size(); ++x) {
        if (e < arrivals_[x].size()) arrivals_[x][e] = ArrivalValues{};
      }
    }
  }
  return Operator::OnProcessingTime(now_ms);
}

GroupAggregateOperator::GroupAggregateOperator(Schema output, std::vector<int> keys, AggregateLayout layout,
                                               Schema key_schema, const OperatorContext& ctx)
    : output_schema_(output),
      keys_(std::move(keys)),
      layout_(std::move(layout)),
      key_schema_(std::move(key_schema)),
      table_(layout_.payload_bytes()),
      distinct_(12),
      out_(std::move(output), ctx.batch_capacity),
      entries_(ctx.batch_capacity),
      num_key_groups_(ctx.num_key_groups) {}

namespace {

// Key group of a COUNT DISTINCT entry: that of its group key prefix.
int DistinctKeyGroup(const KeyTable& distinct, uint32_t e, int num_key_groups) {
  int32_t glen;
  std::memcpy(&glen, distinct.payload(e) + 8, 4);
  return KeyGroupOf(HashKey(distinct.key(e).substr(0, glen)), num_key_groups);
}

constexpr uint8_t kSnapshotVersion = 1;
constexpr uint8_t kSnapshotVersionWithArrivals = 2;  // retractable FIRST/LAST_VALUE values after each group

}  // namespace

Status GroupAggregateOperator::PrepareSnapshot() {
  if (!cache_) return Status::Ok();
  return cache_->WriteBack(table_, [&](uint32_t e, std::string* v) {
    if (layout_.IsEmpty(table_, e)) return false;
    layout_.EncodeValue(table_, e, v);
    return true;
  });
}

Status GroupAggregateOperator::EvictIfFull() {
  return cache_->Evict(&table_, [&](uint32_t e, std::string* v) {
    if (layout_.IsEmpty(table_, e)) return false;
    layout_.EncodeValue(table_, e, v);
    return true;
  });
}

Status GroupAggregateOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  std::vector<std::string> one;
  SLUICE_RETURN_IF_ERROR(SnapshotKeyGroups({kg}, &one));
  out->append(one[0]);
  return Status::Ok();
}

namespace {

// Key groups `kgs` of a group table and its distinct-value table, each
// written as SnapshotKeyGroup() writes it, in one pass over each table.
// `per_group` (version 2) appends what follows each group.
void SnapshotTables(const AggregateLayout& layout, const KeyTable& table, const KeyTable& distinct, int num_key_groups,
                    const std::vector<int>& kgs, std::vector<std::string>* out,
                    const std::function<void(uint32_t, SnapshotWriter*)>& per_group = nullptr) {
  std::vector<int> slot(num_key_groups, -1);
  for (size_t i = 0; i < kgs.size(); ++i) slot[kgs[i]] = static_cast<int>(i);
  std::vector<std::vector<uint32_t>> entries(kgs.size()), values(kgs.size());
  std::vector<size_t> bytes(kgs.size(), 9);
  for (uint32_t e = 0; e < table.size(); ++e) {
    if (!table.alive(e)) continue;
    const int s = slot[KeyGroupOf(table.hash(e), num_key_groups)];
    if (s < 0) continue;
    entries[s].push_back(e);
    bytes[s] += 8 + table.key(e).size() + static_cast<size_t>(table.payload_bytes());
  }
  for (uint32_t e = 0; e < distinct.size(); ++e) {
    const int s = slot[DistinctKeyGroup(distinct, e, num_key_groups)];
    if (s < 0) continue;
    values[s].push_back(e);
    bytes[s] += 20 + distinct.key(e).size();
  }
  out->assign(kgs.size(), std::string());
  for (size_t i = 0; i < kgs.size(); ++i) {
    (*out)[i].reserve(bytes[i]);  // exact without string aggregates: no regrowth
    SnapshotWriter w(&(*out)[i]);
    w.Put<uint8_t>(per_group ? kSnapshotVersionWithArrivals : kSnapshotVersion);
    w.Put<uint32_t>(static_cast<uint32_t>(entries[i].size()));
    for (uint32_t e : entries[i]) {
      layout.WriteEntry(table, e, &w);
      if (per_group) per_group(e, &w);
    }
    w.Put<uint32_t>(static_cast<uint32_t>(values[i].size()));
    for (uint32_t e : values[i]) {
      w.PutBytes(distinct.key(e));
      w.PutBytes(std::string_view(reinterpret_cast<const char*>(distinct.payload(e)), 12));
    }
  }
}

// The tables copied at a barrier, serialized on the checkpoint thread.
class GroupTablesCapture final : public StateCapture {
 public:
  GroupTablesCapture(const AggregateLayout& layout, const KeyTable& table, const KeyTable& distinct, int num_key_groups,
                     std::vector<int> kgs)
      : layout_(layout),
        table_(table.payload_bytes()),
        distinct_(distinct.payload_bytes()),
        num_key_groups_(num_key_groups),
        kgs_(std::move(kgs)) {
    table.CopyEntriesTo(&table_);
    distinct.CopyEntriesTo(&distinct_);
  }
  Status Serialize(std::vector<std::string>* out) override {
    SnapshotTables(layout_, table_, distinct_, num_key_groups_, kgs_, out);
    return Status::Ok();
  }

 private:
  const AggregateLayout layout_;
  KeyTable table_;
  KeyTable distinct_;
  const int num_key_groups_;
  const std::vector<int> kgs_;
};

}  // namespace

Status GroupAggregateOperator::SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
  if (cache_) {
    out->assign(kgs.size(), std::string());  // in the RocksDB checkpoint
    return Status::Ok();
  }
  if (external_.empty()) {
    SnapshotTables(layout_, table_, distinct_, num_key_groups_, kgs, out);
  } else {
    SnapshotTables(layout_, table_, distinct_, num_key_groups_, kgs, out,
                   [this](uint32_t e, SnapshotWriter* w) { WriteArrivals(e, w); });
  }
  return Status::Ok();
}

Result<std::unique_ptr<StateCapture>> GroupAggregateOperator::CaptureKeyGroups(const std::vector<int>& kgs) const {
  // The arrival-ordered values of FIRST/LAST_VALUE are not copied: serialized now.
  if (cache_ || !external_.empty()) return KeyedState::CaptureKeyGroups(kgs);
  // A copy of the tables costs a memcpy of the state; serializing it (about
  // four times longer) then runs beside the next batches.
  return std::unique_ptr<StateCapture>(
      std::make_unique<GroupTablesCapture>(layout_, table_, distinct_, num_key_groups_, kgs));
}

Status GroupAggregateOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  uint32_t n, m;
  if (!r.Get(&version) || (version != kSnapshotVersion && version != kSnapshotVersionWithArrivals) || !r.Get(&n)) {
    return Status::Corruption(fmt::format("group-aggregate snapshot of key group {}: bad header", kg));
  }
  if ((version == kSnapshotVersionWithArrivals) == external_.empty()) {
    return Status::Corruption(fmt::format(
        "group-aggregate snapshot of key group {}: it {} the arrival order of FIRST_VALUE/LAST_VALUE values, the "
        "query {}",
        kg, version == kSnapshotVersionWithArrivals ? "holds" : "lacks",
        external_.empty() ? "has no such aggregate" : "needs it"));
  }
  for (uint32_t i = 0; i < n; ++i) {
    // With RocksDB: a snapshot of the in-memory backend is loaded through
    // the cache (changing the backend across a restore).
    uint32_t e;
    SLUICE_RETURN_IF_ERROR(layout_.ReadEntry(&r, &table_, &e));
    if (!external_.empty()) SLUICE_RETURN_IF_ERROR(ReadArrivals(e, &r));
    if (cache_) {
      cache_->MarkDirty(e);
      SLUICE_RETURN_IF_ERROR(EvictIfFull());
    }
  }
  if (!r.Get(&m)) return Status::Corruption("group-aggregate snapshot: missing distinct values");
  for (uint32_t i = 0; i < m; ++i) {
    std::string_view key, payload;
    if (!r.GetBytes(&key) || !r.GetBytes(&payload) || payload.size() != 12) {
      return Status::Corruption("group-aggregate snapshot: truncated distinct value");
    }
    bool inserted;
    uint32_t e = distinct_.FindOrInsert(key, HashKey(key), &inserted);
    std::memcpy(distinct_.payload(e), payload.data(), 12);
  }
  if (!r.done()) return Status::Corruption("group-aggregate snapshot: trailing bytes");
  return Status::Ok();
}

Status GroupAggregateOperator::EmitRow(RowKind kind, uint32_t e) {
  if (out_.num_rows() == out_.capacity()) {
    SLUICE_RETURN_IF_ERROR(Emit(out_));
    out_.Clear();
  }
  const int row = out_.num_rows();
  out_.set_num_rows(row + 1);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[row] = kind;
  KeyEncoder::Decode(table_.key(e), key_schema_, &out_, 0, row);
  layout_.Finalize(table_, e, &out_, key_schema_.size(), row);
  return Status::Ok();
}

Status GroupAggregateOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  if (ttl_ms_ > 0) now_ms_ = clock_->NowMillis();
  if (static_cast<int>(entries_.size()) < batch.capacity()) entries_.resize(batch.capacity());
  keys_.Encode(batch);
  if (cache_) {
    SLUICE_RETURN_IF_ERROR(cache_->Fetch(
        &table_, keys_, n, [&](uint32_t e, std::string_view v) { return layout_.DecodeValue(v, &table_, e); }));
  }
  // Row by row: each input row yields its own changelog rows, so the output
  // does not depend on how rows were batched.
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    const RowKind kind = batch.row_kind(r);
    const int sign = (kind == RowKind::kInsert || kind == RowKind::kUpdateAfter) ? 1 : -1;
    bool inserted;
    const uint32_t e = table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    entries_[k] = e;
    if (cache_) cache_->MarkDirty(e);
    if (ttl_ms_ > 0) {
      if (last_touch_.size() <= e) last_touch_.resize(e + 1);
      last_touch_[e] = now_ms_;
      expiry_.emplace_back(now_ms_ + ttl_ms_, e);
    }
    const bool had = !layout_.IsEmpty(table_, e);
    if (!had && sign < 0) continue;  // retraction of a group we do not have: nothing to retract
    if (had) SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kUpdateBefore, e));
    int32_t one = k;
    SLUICE_RETURN_IF_ERROR(layout_.Accumulate(batch, &one, 1, entries_.data(), keys_, &table_, &distinct_, sign));
    if (!external_.empty()) UpdateExternal(batch, r, e, sign);
    if (layout_.IsEmpty(table_, e)) {
      // The group is gone: turn the -U just written into a -D.
      out_.mutable_row_kinds()[out_.num_rows() - 1] = RowKind::kDelete;
    } else {
      SLUICE_RETURN_IF_ERROR(EmitRow(had ? RowKind::kUpdateAfter : RowKind::kInsert, e));
    }
  }
  if (out_.num_rows() > 0) {
    SLUICE_RETURN_IF_ERROR(Emit(out_));
    out_.Clear();
  }
  if (cache_) {
    SLUICE_RETURN_IF_ERROR(EvictIfFull());
  } else if (layout_.has_string_values() && table_.blob_size() > (1u << 16) &&
             table_.blob_size() > 2 * blob_after_compaction_) {
    layout_.CompactStrings(&table_, &blob_scratch_, [&](uint32_t e) { return table_.alive(e); });
    blob_after_compaction_ = table_.blob_size();
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

GroupAggregateOperator::ArrivalValues& GroupAggregateOperator::Arrivals(size_t x, uint32_t e) {
  if (arrivals_[x].size() <= e) arrivals_[x].resize(e + 1);
  return arrivals_[x][e];
}

void GroupAggregateOperator::UpdateExternal(const Batch& batch, int r, uint32_t e, int sign) {
  thread_local std::string bytes;
  for (size_t x = 0; x < external_.size(); ++x) {
    const Column& col = batch.column(layout_.arg_column(external_[x]));
    if (col.IsNull(r)) continue;  // NULLs are skipped, as on insert
    bytes.clear();
    AggregateLayout::ValueBytes(col, r, &bytes);
    ArrivalValues& av = Arrivals(x, e);
    if (sign > 0) {
      const uint64_t seq = next_seq_++;
      av.by_seq.emplace(seq, bytes);
      av.seqs[bytes].push_back(seq);
      continue;
    }
    // Flink's retracting FIRST/LAST_VALUE remove the earliest copy of the value.
    auto it = av.seqs.find(bytes);
    if (it == av.seqs.end()) continue;  // never added here
    av.by_seq.erase(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) av.seqs.erase(it);
  }
  SetExternalResults(e);
}

void GroupAggregateOperator::SetExternalResults(uint32_t e) {
  for (size_t x = 0; x < external_.size(); ++x) {
    const int ai = external_[x];
    const ArrivalValues& av = Arrivals(x, e);
    const std::string* value = nullptr;
    if (!av.by_seq.empty()) {
      value = layout_.kind(ai) == AggKind::kFirstValue ? &av.by_seq.begin()->second : &av.by_seq.rbegin()->second;
    }
    layout_.SetExternalValue(&table_, e, ai, value);
  }
}

void GroupAggregateOperator::WriteArrivals(uint32_t e, SnapshotWriter* w) const {
  for (size_t x = 0; x < external_.size(); ++x) {
    if (e >= arrivals_[x].size()) {
      w->Put<uint32_t>(0);
      continue;
    }
    const ArrivalValues& av = arrivals_[x][e];
    w->Put<uint32_t>(static_cast<uint32_t>(av.by_seq.size()));
    for (const auto& [seq, value] : av.by_seq) w->PutBytes(value);
  }
}

Status GroupAggregateOperator::ReadArrivals(uint32_t e, SnapshotReader* r) {
  for (size_t x = 0; x < external_.size(); ++x) {
    uint32_t n;
    if (!r->Get(&n)) return Status::Corruption("group-aggregate snapshot: truncated FIRST/LAST_VALUE values");
    ArrivalValues& av = Arrivals(x, e);
    av = ArrivalValues{};
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view value;
      if (!r->GetBytes(&value)) return Status::Corruption("group-aggregate snapshot: truncated FIRST/LAST_VALUE value");
      const uint64_t seq = next_seq_++;  // renumbered in the saved order
      av.by_seq.emplace(seq, std::string(value));
      av.seqs[std::string(value)].push_back(seq);
    }
  }
  SetExternalResults(e);
  return Status::Ok();
}

}  // namespace sluice::engine
