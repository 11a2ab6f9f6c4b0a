#include "engine/temporal_join_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kTemporalJoinSnapshotVersion = 1;

bool AnyNull(const Batch& batch, const std::vector<int>& columns, int row) {
  for (int c : columns) {
    if (batch.column(c).IsNull(row)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<TemporalJoinOperator>> TemporalJoinOperator::Create(const Schema& left, const Schema& right,
                                                                           TemporalJoinSpec spec,
                                                                           const OperatorContext& ctx) {
  if (spec.left_keys.empty() || spec.left_keys.size() != spec.right_keys.size()) {
    return Status::InvalidArgument("a temporal join needs the same number (at least one) of key columns per side");
  }
  for (size_t i = 0; i < spec.left_keys.size(); ++i) {
    const int l = spec.left_keys[i], r = spec.right_keys[i];
    if (l < 0 || l >= left.size() || r < 0 || r >= right.size()) {
      return Status::InvalidArgument("temporal join key column out of range");
    }
    if (left.field(l).type != right.field(r).type) {
      return Status::InvalidArgument(fmt::format("temporal join keys {} {} and {} {} have different types; CAST one",
                                                 left.field(l).name, DataTypeName(left.field(l).type),
                                                 right.field(r).name, DataTypeName(right.field(r).type)));
    }
  }
  for (auto [schema, t] : {std::pair{&left, spec.left_time}, std::pair{&right, spec.right_time}}) {
    if (t < 0 || t >= schema->size() || schema->field(t).type != DataType::kTimestamp) {
      return Status::InvalidArgument(
          "an event-time temporal join needs the TIMESTAMP(3) event-time column of each "
          "input");
    }
  }
  std::vector<Field> fields = left.fields();
  for (const Field& f : right.fields()) {
    Field g = f;
    while (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == g.name; })) g.name += "0";
    fields.push_back(g);
  }
  return std::unique_ptr<TemporalJoinOperator>(
      new TemporalJoinOperator(left, right, std::move(spec), ctx, Schema(fields)));
}

TemporalJoinOperator::TemporalJoinOperator(const Schema& left, const Schema& right, TemporalJoinSpec spec,
                                           const OperatorContext& ctx, Schema out)
    : left_schema_(left),
      right_schema_(right),
      spec_(std::move(spec)),
      ctx_(ctx),
      out_schema_(std::move(out)),
      left_keys_(spec_.left_keys),
      right_keys_(spec_.right_keys),
      timers_(ctx.num_key_groups),
      out_(out_schema_, ctx.batch_capacity) {}

TemporalJoinOperator::KeyState& TemporalJoinOperator::StateOf(std::string_view key) {
  key_scratch_.assign(key.data(), key.size());
  return keys_[key_scratch_];
}

TemporalJoinOperator::Entry TemporalJoinOperator::Store(KeyState* st, const Batch& batch, int row, int64_t time,
                                                        RowKind kind) {
  const size_t at = st->bytes.size();
  EncodeRow(batch, row, &st->bytes);
  const uint32_t length = static_cast<uint32_t>(st->bytes.size() - at);
  state_bytes_ += length + static_cast<int64_t>(sizeof(Entry));
  return Entry{time, static_cast<uint32_t>(at), length, kind};
}

void TemporalJoinOperator::AddVersion(KeyState* st, const Entry& e) {
  auto pos = std::upper_bound(st->versions.begin(), st->versions.end(), e.time,
                              [](int64_t t, const Entry& v) { return t < v.time; });
  st->versions.insert(pos, e);
}

void TemporalJoinOperator::ArmTimer(std::string_view key, KeyState* st, int64_t time) {
  if (time >= st->timer) return;
  if (st->timer != kNoTimer) timers_.Delete(TimeDomain::kEventTime, key, 0, st->timer);
  timers_.Register(TimeDomain::kEventTime, key, 0, time);
  st->timer = time;
}

Status TemporalJoinOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  left_keys_.Encode(batch);
  const Column& tcol = batch.column(spec_.left_time);
  const int64_t* ts = tcol.data<int64_t>();
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (tcol.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    if (AnyNull(batch, spec_.left_keys, r)) {
      // Matches no version, ever: a LEFT join emits it now.
      if (spec_.type == TemporalJoinSpec::Type::kLeft) {
        scratch_.clear();
        EncodeRow(batch, r, &scratch_);
        SLUICE_RETURN_IF_ERROR(EmitJoined(scratch_, nullptr));
      }
      continue;
    }
    KeyState& st = StateOf(left_keys_.key(k));
    st.left.push_back(Store(&st, batch, r, ts[r], RowKind::kInsert));
    ArmTimer(left_keys_.key(k), &st, ts[r]);
  }
  return Flush();
}

Status TemporalJoinOperator::ProcessRight(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  right_keys_.Encode(batch);
  const Column& tcol = batch.column(spec_.right_time);
  const int64_t* ts = tcol.data<int64_t>();
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    const RowKind kind = batch.row_kind(r);
    if (kind == RowKind::kUpdateBefore) continue;  // the +U that follows is the new version
    if (tcol.IsNull(r) || AnyNull(batch, spec_.right_keys, r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    KeyState& st = StateOf(right_keys_.key(k));
    AddVersion(&st, Store(&st, batch, r, ts[r], kind == RowKind::kDelete ? RowKind::kDelete : RowKind::kInsert));
    // Visited when the watermark passes it, to prune the versions it replaces.
    ArmTimer(right_keys_.key(k), &st, ts[r]);
  }
  metrics().state_bytes.store(state_bytes_, std::memory_order_relaxed);
  return Status::Ok();
}

Status TemporalJoinOperator::OnWatermark(int64_t watermark) {
  if (watermark <= watermark_) return Status::Ok();
  watermark_ = watermark;
  SLUICE_RETURN_IF_ERROR(
      timers_.Advance(TimeDomain::kEventTime, watermark,
                      [&](std::string_view key, int64_t, int64_t) { return Visit(key, watermark); }));
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(state_bytes_, std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

Status TemporalJoinOperator::Visit(std::string_view key, int64_t watermark) {
  key_scratch_.assign(key.data(), key.size());
  auto it = keys_.find(key_scratch_);
  if (it == keys_.end()) return Status::Ok();
  KeyState& st = it->second;
  st.timer = kNoTimer;  // this visit consumed it
  size_t kept = 0;
  for (const Entry& e : st.left) {
    if (e.time > watermark) {
      st.left[kept++] = e;
      continue;
    }
    // The version valid at e.time: the last one with time <= e.time.
    auto v = std::upper_bound(st.versions.begin(), st.versions.end(), e.time,
                              [](int64_t t, const Entry& x) { return t < x.time; });
    const std::string_view left_row(st.bytes.data() + e.offset, e.length);
    if (v != st.versions.begin() && std::prev(v)->kind != RowKind::kDelete) {
      const std::string_view right_row(st.bytes.data() + std::prev(v)->offset, std::prev(v)->length);
      SLUICE_RETURN_IF_ERROR(EmitJoined(left_row, &right_row));
    } else if (spec_.type == TemporalJoinSpec::Type::kLeft) {
      SLUICE_RETURN_IF_ERROR(EmitJoined(left_row, nullptr));
    }
    st.dead_bytes += e.length;
    state_bytes_ -= e.length + static_cast<int64_t>(sizeof(Entry));
  }
  st.left.resize(kept);
  // Versions older than the latest one at or before the watermark can no
  // longer be chosen (left rows still waiting are all later than it).
  auto latest = std::upper_bound(st.versions.begin(), st.versions.end(), watermark,
                                 [](int64_t t, const Entry& x) { return t < x.time; });
  size_t drop = latest == st.versions.begin() ? 0 : static_cast<size_t>(latest - st.versions.begin()) - 1;
  // A deletion at or before the watermark leaves nothing valid behind it.
  if (latest != st.versions.begin() && std::prev(latest)->kind == RowKind::kDelete) ++drop;
  for (size_t i = 0; i < drop; ++i) {
    st.dead_bytes += st.versions[i].length;
    state_bytes_ -= st.versions[i].length + static_cast<int64_t>(sizeof(Entry));
  }
  st.versions.erase(st.versions.begin(), st.versions.begin() + static_cast<std::ptrdiff_t>(drop));
  if (st.left.empty() && st.versions.empty()) {
    keys_.erase(it);
    return Status::Ok();
  }
  if (st.dead_bytes > st.bytes.size() / 2) Compact(&st);
  // Next visit: the first waiting left row, or the first version after the
  // watermark that makes an older one obsolete.
  int64_t next = kNoTimer;
  for (const Entry& e : st.left) next = std::min(next, e.time);
  auto later = std::upper_bound(st.versions.begin(), st.versions.end(), watermark,
                                [](int64_t t, const Entry& x) { return t < x.time; });
  if (later != st.versions.end()) {
    if (later != st.versions.begin()) {
      next = std::min(next, later->time);
    } else if (st.versions.size() >= 2) {
      next = std::min(next, st.versions[1].time);
    } else if (later->kind == RowKind::kDelete) {
      next = std::min(next, later->time);  // a lone deletion goes once passed
    }
  }
  if (next != kNoTimer) ArmTimer(key, &st, next);
  return Status::Ok();
}

void TemporalJoinOperator::Compact(KeyState* st) {
  std::string bytes;
  bytes.reserve(st->bytes.size() - st->dead_bytes);
  for (auto* list : {&st->left, &st->versions}) {
    for (Entry& e : *list) {
      const uint32_t at = static_cast<uint32_t>(bytes.size());
      bytes.append(st->bytes, e.offset, e.length);
      e.offset = at;
    }
  }
  st->bytes = std::move(bytes);
  st->dead_bytes = 0;
}

Status TemporalJoinOperator::EmitJoined(std::string_view left_row, const std::string_view* right_row) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  out_.set_num_rows(row + 1);
  KeyEncoder::Decode(left_row, left_schema_, &out_, 0, row);
  const int nl = left_schema_.size();
  if (right_row) {
    KeyEncoder::Decode(*right_row, right_schema_, &out_, nl, row);
  } else {
    for (int c = 0; c < right_schema_.size(); ++c) out_.column(nl + c).SetNull(row);
  }
  return Status::Ok();
}

Status TemporalJoinOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

size_t TemporalJoinOperator::versions_in_state() const {
  size_t n = 0;
  for (const auto& [key, st] : keys_) n += st.versions.size();
  return n;
}

void TemporalJoinOperator::SnapshotKey(const std::string& key, const KeyState& st, SnapshotWriter* w) const {
  w->PutBytes(key);
  w->Put<int64_t>(st.timer);
  w->Put<uint32_t>(static_cast<uint32_t>(st.left.size()));
  for (const Entry& e : st.left) {
    w->Put<int64_t>(e.time);
    w->PutBytes(std::string_view(st.bytes.data() + e.offset, e.length));
  }
  w->Put<uint32_t>(static_cast<uint32_t>(st.versions.size()));
  for (const Entry& e : st.versions) {
    w->Put<int64_t>(e.time);
    w->Put<uint8_t>(static_cast<uint8_t>(e.kind));
    w->PutBytes(std::string_view(st.bytes.data() + e.offset, e.length));
  }
}

Status TemporalJoinOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  std::vector<std::string> blobs;
  SLUICE_RETURN_IF_ERROR(SnapshotKeyGroups({kg}, &blobs));
  out->append(blobs[0]);
  return Status::Ok();
}

Status TemporalJoinOperator::SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
  out->assign(kgs.size(), std::string());
  std::unordered_map<int, size_t> slot;
  for (size_t i = 0; i < kgs.size(); ++i) slot[kgs[i]] = i;
  // One scan of the keys, bucketed by key group.
  std::vector<std::vector<const std::pair<const std::string, KeyState>*>> by_group(kgs.size());
  for (const auto& entry : keys_) {
    auto s = slot.find(KeyGroupOf(HashKey(entry.first), ctx_.num_key_groups));
    if (s != slot.end()) by_group[s->second].push_back(&entry);
  }
  for (size_t i = 0; i < kgs.size(); ++i) {
    SnapshotWriter w(&(*out)[i]);
    w.Put<uint8_t>(kTemporalJoinSnapshotVersion);
    w.Put<uint32_t>(static_cast<uint32_t>(by_group[i].size()));
    for (const auto* entry : by_group[i]) SnapshotKey(entry->first, entry->second, &w);
  }
  return Status::Ok();
}

Status TemporalJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  auto corrupt = [&](std::string_view what) {
    return Status::Corruption(fmt::format("temporal join snapshot of key group {}: {}", kg, what));
  };
  SnapshotReader r(data);
  uint8_t version;
  uint32_t nkeys;
  if (!r.Get(&version) || version != kTemporalJoinSnapshotVersion) return corrupt("unknown version");
  if (!r.Get(&nkeys)) return corrupt("truncated");
  for (uint32_t i = 0; i < nkeys; ++i) {
    std::string_view key;
    uint32_t nleft, nversions;
    if (!r.GetBytes(&key)) return corrupt("truncated key");
    if (KeyGroupOf(HashKey(key), ctx_.num_key_groups) != kg) return corrupt("a key of another key group");
    KeyState& st = StateOf(key);
    int64_t timer;
    if (!r.Get(&timer) || !r.Get(&nleft)) return corrupt("truncated");
    for (uint32_t j = 0; j < nleft; ++j) {
      int64_t time;
      std::string_view row;
      if (!r.Get(&time) || !r.GetBytes(&row) || !IsEncodedRow(row, left_schema_)) return corrupt("bad left row");
      const uint32_t at = static_cast<uint32_t>(st.bytes.size());
      st.bytes.append(row);
      st.left.push_back(Entry{time, at, static_cast<uint32_t>(row.size()), RowKind::kInsert});
      state_bytes_ += static_cast<int64_t>(row.size() + sizeof(Entry));
    }
    if (!r.Get(&nversions)) return corrupt("truncated");
    for (uint32_t j = 0; j < nversions; ++j) {
      int64_t time;
      uint8_t kind;
      std::string_view row;
      if (!r.Get(&time) || !r.Get(&kind) || !r.GetBytes(&row) || !IsEncodedRow(row, right_schema_) ||
          (kind != static_cast<uint8_t>(RowKind::kInsert) && kind != static_cast<uint8_t>(RowKind::kDelete))) {
        return corrupt("bad version");
      }
      const uint32_t at = static_cast<uint32_t>(st.bytes.size());
      st.bytes.append(row);
      AddVersion(&st, Entry{time, at, static_cast<uint32_t>(row.size()), static_cast<RowKind>(kind)});
      state_bytes_ += static_cast<int64_t>(row.size() + sizeof(Entry));
    }
    if (timer != kNoTimer) ArmTimer(key, &st, timer);
  }
  if (!r.done()) return corrupt("trailing bytes");
  return Status::Ok();
}

}  // namespace sluice::engine
