#include "engine/interval_join_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "engine/clock.h"
#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

// Whether row `ar` of `a` and row `br` of `b` (same schema) hold equal values.
bool SameRow(const Batch& a, int ar, const Batch& b, int br) {
  for (int c = 0; c < a.num_columns(); ++c) {
    const Column& x = a.column(c);
    const Column& y = b.column(c);
    if (x.IsValid(ar) != y.IsValid(br)) return false;
    if (x.IsNull(ar)) continue;
    if (x.type() == DataType::kString) {
      if (x.GetString(ar) != y.GetString(br)) return false;
      continue;
    }
    const int w = PhysicalWidth(x.type());
    if (std::memcmp(x.data<char>() + static_cast<size_t>(ar) * w, y.data<char>() + static_cast<size_t>(br) * w, w) !=
        0) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<IntervalJoinOperator>> IntervalJoinOperator::Create(const Schema& left, const Schema& right,
                                                                           IntervalJoinSpec spec,
                                                                           const OperatorContext& ctx) {
  if (spec.left_keys.size() != spec.right_keys.size() || spec.left_keys.empty()) {
    return Status::InvalidArgument("an interval join needs the same number (at least one) of key columns per side");
  }
  for (size_t i = 0; i < spec.left_keys.size(); ++i) {
    int l = spec.left_keys[i], r = spec.right_keys[i];
    if (l < 0 || l >= left.size() || r < 0 || r >= right.size()) {
      return Status::InvalidArgument("interval join key column out of range");
    }
    if (left.field(l).type != right.field(r).type) {
      return Status::InvalidArgument(fmt::format("interval join keys {} {} and {} {} have different types; CAST one",
                                                 left.field(l).name, DataTypeName(left.field(l).type),
                                                 right.field(r).name, DataTypeName(right.field(r).type)));
    }
  }
  for (auto [schema, t] : {std::pair{&left, spec.left_time}, std::pair{&right, spec.right_time}}) {
    if (t < 0 || t >= schema->size() || schema->field(t).type != DataType::kTimestamp) {
      return Status::InvalidArgument("an interval join needs the TIMESTAMP(3) event-time column of each input");
    }
  }
  if (spec.lower_ms > spec.upper_ms) {
    return Status::InvalidArgument(fmt::format(
        "interval join bounds [{}, {}] ms are empty: lower must not exceed upper", spec.lower_ms, spec.upper_ms));
  }
  std::vector<Field> fields = left.fields();
  for (const Field& f : right.fields()) {
    Field g = f;
    while (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == g.name; })) g.name += "0";
    fields.push_back(g);
  }
  return std::unique_ptr<IntervalJoinOperator>(
      new IntervalJoinOperator(Schema(fields), std::move(spec), ctx, left, right));
}

Result<std::unique_ptr<IntervalJoinOperator>> IntervalJoinOperator::CreateRegular(const Schema& left,
                                                                                  const Schema& right,
                                                                                  RegularJoinSpec spec,
                                                                                  const OperatorContext& ctx) {
  if (spec.state_ttl_ms < 0) return Status::InvalidArgument("state TTL must not be negative");
  // Reuse the interval join's validation with placeholder time columns.
  IntervalJoinSpec is{spec.left_keys, spec.right_keys, -1, -1, 0, 0, spec.type};
  int lt = -1, rt = -1;
  for (int i = 0; i < left.size() && lt < 0; ++i) lt = left.field(i).type == DataType::kTimestamp ? i : -1;
  for (int i = 0; i < right.size() && rt < 0; ++i) rt = right.field(i).type == DataType::kTimestamp ? i : -1;
  Schema l = left, r = right;
  if (lt < 0 || rt < 0) {
    // No time columns needed: validate keys against schemas extended by a dummy TIMESTAMP.
    std::vector<Field> lf = left.fields(), rf = right.fields();
    lf.push_back({"$t", DataType::kTimestamp});
    rf.push_back({"$t", DataType::kTimestamp});
    l = Schema(lf);
    r = Schema(rf);
    lt = l.size() - 1;
    rt = r.size() - 1;
  }
  is.left_time = lt;
  is.right_time = rt;
  SLUICE_RETURN_IF_ERROR(Create(l, r, is, ctx).status());  // the same key and bound checks
  std::vector<Field> fields = left.fields();
  for (const Field& f : right.fields()) {
    Field g = f;
    while (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == g.name; })) g.name += "0";
    fields.push_back(g);
  }
  is.left_time = -1;
  is.right_time = -1;
  std::unique_ptr<IntervalJoinOperator> op(new IntervalJoinOperator(Schema(fields), std::move(is), ctx, left, right));
  op->regular_ = true;
  op->ttl_ms_ = spec.state_ttl_ms;
  return op;
}

IntervalJoinOperator::IntervalJoinOperator(Schema output, IntervalJoinSpec spec, const OperatorContext& ctx,
                                           const Schema& left, const Schema& right)
    : output_schema_(output),
      spec_(std::move(spec)),
      ctx_(ctx),
      sides_{Side(left, spec_.left_keys, ctx.batch_capacity), Side(right, spec_.right_keys, ctx.batch_capacity)},
      out_(std::move(output), ctx.batch_capacity),
      late_{Batch(left, ctx.batch_capacity), Batch(right, ctx.batch_capacity)} {}

Status IntervalJoinOperator::OnBarrier(int64_t checkpoint_id) {
  SLUICE_RETURN_IF_ERROR(Flush());
  return TwoInputOperator::OnBarrier(checkpoint_id);
}

Status IntervalJoinOperator::Flush() {
  for (int s = 0; s < 2; ++s) {
    if (late_[s].num_rows() == 0) continue;
    Sink* sink = s == 0 ? ctx_.late_sink : ctx_.right_late_sink;
    if (sink) SLUICE_RETURN_IF_ERROR(sink->Write(late_[s]));
    late_[s].Clear();
  }
  if (out_.num_rows() == 0) return Status::Ok();
  Status st = Emit(out_);
  out_.Clear();
  return st;
}

Status IntervalJoinOperator::SendLate(int side, const Batch& batch, int row) {
  metrics().Add(metrics().late_rows, 1);
  Sink* sink = side == 0 ? ctx_.late_sink : ctx_.right_late_sink;
  if (!sink) return Status::Ok();
  if (late_[side].num_rows() == late_[side].capacity()) {
    SLUICE_RETURN_IF_ERROR(sink->Write(late_[side]));
    late_[side].Clear();
  }
  late_[side].AppendRow(batch, row);
  return Status::Ok();
}

Status IntervalJoinOperator::EmitPair(const Batch& left, int lr, const Batch& right, int rr, RowKind kind) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  const int nl = left.num_columns();
  for (int c = 0; c < nl; ++c) out_.column(c).CopyRow(left.column(c), lr, row);
  for (int c = 0; c < right.num_columns(); ++c) out_.column(nl + c).CopyRow(right.column(c), rr, row);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[row] = kind;
  out_.set_num_rows(row + 1);
  return Status::Ok();
}

Status IntervalJoinOperator::EmitPadded(int side, const Batch& batch, int r, RowKind kind) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  const int nl = sides_[0].schema.size();
  const int from = side == 0 ? 0 : nl;
  const int to = side == 0 ? nl : out_.num_columns();
  for (int c = 0; c < out_.num_columns(); ++c) {
    Column& col = out_.column(c);
    if (c >= from && c < to) {
      col.CopyRow(batch.column(c - from), r, row);
      continue;
    }
    col.SetNull(row);
    const int w = PhysicalWidth(col.type());
    std::memset(col.data<char>() + static_cast<size_t>(row) * w, 0, w);
  }
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[row] = kind;
  out_.set_num_rows(row + 1);
  return Status::Ok();
}

int32_t IntervalJoinOperator::Insert(int side, const Batch& batch, int row, uint32_t key_entry, int64_t ts,
                                     int64_t expire) {
  Side& s = sides_[side];
  if (s.current_chunk < 0 || s.chunks[s.current_chunk]->num_rows() == s.capacity) {
    // A full chunk whose rows all expired while it was current is free now.
    if (s.current_chunk >= 0) {
      if (s.chunk_live[s.current_chunk] == 0) s.free_chunks.push_back(s.current_chunk);
      const int64_t bytes = static_cast<int64_t>(s.chunks[s.current_chunk]->MemoryBytes());
      s.stored_chunk_bytes += bytes - s.chunk_bytes[s.current_chunk];
      s.chunk_bytes[s.current_chunk] = bytes;
    }
    if (!s.free_chunks.empty()) {
      s.current_chunk = s.free_chunks.back();
      s.free_chunks.pop_back();
      s.chunks[s.current_chunk]->Clear();
      s.stored_chunk_bytes -= s.chunk_bytes[s.current_chunk];  // measured live while current
      s.chunk_bytes[s.current_chunk] = 0;
    } else {
      s.current_chunk = static_cast<int32_t>(s.chunks.size());
      s.chunks.push_back(std::make_unique<Batch>(s.schema, s.capacity));
      s.chunk_live.push_back(0);
      s.chunk_bytes.push_back(0);
    }
  }
  Batch& chunk = *s.chunks[s.current_chunk];
  const int at = chunk.num_rows();
  chunk.AppendRow(batch, row);
  ++s.chunk_live[s.current_chunk];
  int32_t n;
  if (!s.free_nodes.empty()) {
    n = s.free_nodes.back();
    s.free_nodes.pop_back();
  } else {
    n = static_cast<int32_t>(s.nodes.size());
    s.nodes.emplace_back();
  }
  int32_t& head = *reinterpret_cast<int32_t*>(s.index.payload(key_entry));
  s.nodes[n] = Node{ts, expire, -1, head - 1, key_entry, s.current_chunk, at, 0, true};
  if (head > 0) s.nodes[head - 1].prev = n;
  head = n + 1;
  s.expiry.push(expire, s.next_seq++, n);
  ++s.live_rows;
  return n;
}

void IntervalJoinOperator::Remove(int side, int32_t n) {
  Side& s = sides_[side];
  Node& node = s.nodes[n];
  if (node.prev >= 0) {
    s.nodes[node.prev].next = node.next;
  } else {
    *reinterpret_cast<int32_t*>(s.index.payload(node.key_entry)) = node.next + 1;
    if (node.next < 0) s.index.Erase(node.key_entry);  // the key has no row left
  }
  if (node.next >= 0) s.nodes[node.next].prev = node.prev;
  node.alive = false;
  s.free_nodes.push_back(n);
  --s.live_rows;
  if (--s.chunk_live[node.chunk] == 0 && node.chunk != s.current_chunk) s.free_chunks.push_back(node.chunk);
}

Status IntervalJoinOperator::ProcessSide(int side, Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  Side& self = sides_[side];
  Side& other = sides_[1 - side];
  self.keys.Encode(batch);
  if (regular_) return ProcessRegular(side, batch);
  const std::vector<int>& keys = side == 0 ? spec_.left_keys : spec_.right_keys;
  const int tcol = side == 0 ? spec_.left_time : spec_.right_time;
  const Column& times = batch.column(tcol);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (times.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    const int64_t ts = times.data<int64_t>()[r];
    if (batch.late_watermark(r) != kNotLate || ts < watermark_) {
      SLUICE_RETURN_IF_ERROR(SendLate(side, batch, r));
      continue;
    }
    // Probe the other side: right.ts in [left.ts + lower, left.ts + upper].
    const int64_t lo = side == 0 ? ts + spec_.lower_ms : ts - spec_.upper_ms;
    const int64_t hi = side == 0 ? ts + spec_.upper_ms : ts - spec_.lower_ms;
    int32_t matches = 0;
    const int64_t e = JoinKeyIsNull(batch, r, keys) ? -1 : other.index.Find(self.keys.key(k), self.keys.hash(k));
    if (e >= 0) {
      for (int32_t m = *reinterpret_cast<const int32_t*>(other.index.payload(static_cast<uint32_t>(e))) - 1; m >= 0;
           m = other.nodes[m].next) {
        Node& node = other.nodes[m];
        if (node.ts < lo || node.ts > hi) continue;
        ++node.matches;
        ++matches;
        const Batch& stored = *other.chunks[node.chunk];
        if (side == 0) {
          SLUICE_RETURN_IF_ERROR(EmitPair(batch, r, stored, node.row));
        } else {
          SLUICE_RETURN_IF_ERROR(EmitPair(stored, node.row, batch, r));
        }
      }
    }
    // Keep the row while a future row of the other side could still match it.
    const int64_t expire = side == 0 ? ts + spec_.upper_ms : ts - spec_.lower_ms;
    if (expire >= watermark_) {
      bool inserted;
      const uint32_t ke = self.index.FindOrInsert(self.keys.key(k), self.keys.hash(k), &inserted);
      self.nodes[Insert(side, batch, r, ke, ts, expire)].matches = matches;
    } else if (matches == 0 && IsOuterSide(spec_.type, side)) {
      SLUICE_RETURN_IF_ERROR(EmitPadded(side, batch, r, RowKind::kInsert));  // its interval has passed already
    }
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status IntervalJoinOperator::ProcessRegular(int side, Batch& batch) {
  Side& self = sides_[side];
  Side& other = sides_[1 - side];
  const Clock* clock = ctx_.clock ? ctx_.clock : SystemClock::Default();
  const int64_t expire = ttl_ms_ > 0 ? clock->NowMillis() + ttl_ms_ : kMaxWatermark;
  const bool self_outer = IsOuterSide(spec_.type, side);
  const bool other_outer = IsOuterSide(spec_.type, 1 - side);
  const std::vector<int>& keys = side == 0 ? spec_.left_keys : spec_.right_keys;
  for (int k = 0; k < batch.active_rows(); ++k) {
    const int r = batch.active_row(k);
    const RowKind kind = batch.row_kind(r);
    if (kind == RowKind::kUpdateBefore || kind == RowKind::kDelete) {
      SLUICE_RETURN_IF_ERROR(RetractRegular(side, batch, k, r));
      continue;
    }
    int32_t matches = 0;
    const int64_t e = JoinKeyIsNull(batch, r, keys) ? -1 : other.index.Find(self.keys.key(k), self.keys.hash(k));
    if (e >= 0) {
      for (int32_t m = *reinterpret_cast<const int32_t*>(other.index.payload(static_cast<uint32_t>(e))) - 1; m >= 0;
           m = other.nodes[m].next) {
        Node& node = other.nodes[m];
        const Batch& stored = *other.chunks[node.chunk];
        // Its first match: the other row's padded version goes.
        if (other_outer && node.matches == 0) {
          SLUICE_RETURN_IF_ERROR(EmitPadded(1 - side, stored, node.row, RowKind::kDelete));
        }
        ++node.matches;
        ++matches;
        if (side == 0) {
          SLUICE_RETURN_IF_ERROR(EmitPair(batch, r, stored, node.row));
        } else {
          SLUICE_RETURN_IF_ERROR(EmitPair(stored, node.row, batch, r));
        }
      }
    }
    if (matches == 0 && self_outer) SLUICE_RETURN_IF_ERROR(EmitPadded(side, batch, r, RowKind::kInsert));
    bool inserted;
    const uint32_t ke = self.index.FindOrInsert(self.keys.key(k), self.keys.hash(k), &inserted);
    self.nodes[Insert(side, batch, r, ke, 0, expire)].matches = matches;
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status IntervalJoinOperator::RetractRegular(int side, Batch& batch, int k, int r) {
  Side& self = sides_[side];
  Side& other = sides_[1 - side];
  // The stored row the retraction takes back (any one of equal duplicates).
  int32_t found = -1;
  const int64_t se = self.index.Find(self.keys.key(k), self.keys.hash(k));
  if (se >= 0) {
    for (int32_t n = *reinterpret_cast<const int32_t*>(self.index.payload(static_cast<uint32_t>(se))) - 1; n >= 0;
         n = self.nodes[n].next) {
      if (SameRow(*self.chunks[self.nodes[n].chunk], self.nodes[n].row, batch, r)) {
        found = n;
        break;
      }
    }
  }
  // As Flink, the pairs with the other side's current rows are retracted even
  // when the row itself is no longer stored (its TTL ended).
  int32_t matches = 0;
  const int64_t e = JoinKeyIsNull(batch, r, side == 0 ? spec_.left_keys : spec_.right_keys)
                        ? -1
                        : other.index.Find(self.keys.key(k), self.keys.hash(k));
  if (e >= 0) {
    for (int32_t m = *reinterpret_cast<const int32_t*>(other.index.payload(static_cast<uint32_t>(e))) - 1; m >= 0;
         m = other.nodes[m].next) {
      Node& node = other.nodes[m];
      const Batch& stored = *other.chunks[node.chunk];
      ++matches;
      if (side == 0) {
        SLUICE_RETURN_IF_ERROR(EmitPair(batch, r, stored, node.row, RowKind::kDelete));
      } else {
        SLUICE_RETURN_IF_ERROR(EmitPair(stored, node.row, batch, r, RowKind::kDelete));
      }
      // Its last match went: the other row stands alone again.
      if (node.matches > 0 && --node.matches == 0 && IsOuterSide(spec_.type, 1 - side)) {
        SLUICE_RETURN_IF_ERROR(EmitPadded(1 - side, stored, node.row, RowKind::kInsert));
      }
    }
  }
  if (matches == 0 && IsOuterSide(spec_.type, side)) {
    SLUICE_RETURN_IF_ERROR(EmitPadded(side, batch, r, RowKind::kDelete));
  }
  if (found >= 0) Remove(side, found);
  return Status::Ok();
}

Status IntervalJoinOperator::Expire(int64_t before, Unmatched unmatched) {
  for (int side = 0; side < 2; ++side) {
    Side& s = sides_[side];
    const bool emit = unmatched == Unmatched::kEmit && IsOuterSide(spec_.type, side);
    while (!s.expiry.empty() && std::get<0>(s.expiry.top()) < before) {
      auto [expire, seq, n] = s.expiry.top();
      s.expiry.pop();
      if (!s.nodes[n].alive || s.nodes[n].expire != expire) continue;
      if (emit && s.nodes[n].matches == 0) {
        SLUICE_RETURN_IF_ERROR(EmitPadded(side, *s.chunks[s.nodes[n].chunk], s.nodes[n].row, RowKind::kInsert));
      }
      Remove(side, n);
    }
  }
  return Status::Ok();
}

Status IntervalJoinOperator::OnProcessingTime(int64_t now_ms) {
  if (regular_ && ttl_ms_ > 0) {
    // Rows whose TTL ends at or before now; expiry retracts nothing (Flink's state TTL).
    SLUICE_RETURN_IF_ERROR(Expire(now_ms + 1, Unmatched::kDrop));
    metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  }
  return Operator::OnProcessingTime(now_ms);
}

Status IntervalJoinOperator::OnWatermark(int64_t watermark) {
  watermark_ = std::max(watermark_, watermark);
  if (!regular_) SLUICE_RETURN_IF_ERROR(Expire(watermark_, Unmatched::kEmit));
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

int64_t IntervalJoinOperator::StateBytes() const {
  int64_t bytes = 0;
  for (const Side& s : sides_) {
    bytes += s.index.MemoryBytes() + static_cast<int64_t>(s.nodes.capacity() * sizeof(Node)) + s.stored_chunk_bytes;
    if (s.current_chunk >= 0) bytes += static_cast<int64_t>(s.chunks[s.current_chunk]->MemoryBytes());
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 2 (1: written before outer joins; read as an inner join's,
//       without `type` and `matches`)
//   u8  mode: 0 = interval join, 1 = regular join (must match the restoring operator)
//   u8  type: JoinType (0 inner, 1 left, 2 right, 3 full; must match too)
//   i64 watermark the operator had reached (restore keeps the larger one)
//   then the left side, then the right side, each:
//     u32 rows, each:
//       i64 ts      interval join: the row's event time; regular join: 0
//       i64 expire  interval join: the event time from which the row can match
//                   nothing more (left: ts + upper, right: ts - lower);
//                   regular join: the absolute processing time (ms since the
//                   epoch) at which its TTL ends, or INT64_MAX without TTL
//       i32 matches rows of the other side it has joined with (an outer
//                   side's row is padded with NULLs while this is 0)
//       bytes row   the whole input row (snapshot_rows.h)
//
// Rows of one key are written oldest first, so a restore rebuilds each key's
// list in the same order and probes emit pairs in the same order. The key is
// recomputed from the row, and a row whose key is not in key group `kg` makes
// the snapshot corrupt. Regular-join TTL therefore continues across a restore
// by the wall clock: a row restored after its expiry goes at the next
// OnProcessingTime.

namespace {
constexpr uint8_t kJoinSnapshotVersion = 2;
constexpr uint8_t kJoinSnapshotVersionInnerOnly = 1;
}  // namespace

Status IntervalJoinOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  std::vector<std::string> one;
  SLUICE_RETURN_IF_ERROR(SnapshotKeyGroups({kg}, &one));
  out->append(one[0]);
  return Status::Ok();
}

Status IntervalJoinOperator::SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
  // One pass over each side's keys buckets them by key group.
  std::vector<int> slot(ctx_.num_key_groups, -1);
  for (size_t i = 0; i < kgs.size(); ++i) slot[kgs[i]] = static_cast<int>(i);
  out->assign(kgs.size(), std::string());
  for (std::string& o : *out) {
    SnapshotWriter w(&o);
    w.Put<uint8_t>(kJoinSnapshotVersion);
    w.Put<uint8_t>(regular_ ? 1 : 0);
    w.Put<uint8_t>(static_cast<uint8_t>(spec_.type));
    w.Put<int64_t>(watermark_);
  }
  std::string scratch;
  std::vector<int32_t> chain;
  std::vector<std::vector<uint32_t>> keys(kgs.size());
  for (const Side& s : sides_) {
    auto head = [&](uint32_t e) { return *reinterpret_cast<const int32_t*>(s.index.payload(e)) - 1; };
    for (auto& k : keys) k.clear();
    for (uint32_t e = 0; e < s.index.size(); ++e) {
      if (!s.index.alive(e)) continue;
      const int i = slot[KeyGroupOf(s.index.hash(e), ctx_.num_key_groups)];
      if (i >= 0) keys[i].push_back(e);
    }
    for (size_t i = 0; i < kgs.size(); ++i) {
      SnapshotWriter w(&(*out)[i]);
      uint32_t rows = 0;
      for (uint32_t e : keys[i]) {
        for (int32_t n = head(e); n >= 0; n = s.nodes[n].next) ++rows;
      }
      w.Put<uint32_t>(rows);
      for (uint32_t e : keys[i]) {
        chain.clear();
        for (int32_t n = head(e); n >= 0; n = s.nodes[n].next) chain.push_back(n);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // the list is newest first
          const Node& node = s.nodes[*it];
          w.Put<int64_t>(node.ts);
          w.Put<int64_t>(node.expire);
          w.Put<int32_t>(node.matches);
          PutRow(*s.chunks[node.chunk], node.row, &w, &scratch);
        }
      }
    }
  }
  return Status::Ok();
}

Status IntervalJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version, mode, type = static_cast<uint8_t>(JoinType::kInner);
  int64_t watermark;
  if (!r.Get(&version) || (version != kJoinSnapshotVersion && version != kJoinSnapshotVersionInnerOnly) ||
      !r.Get(&mode) || (version == kJoinSnapshotVersion && !r.Get(&type)) || !r.Get(&watermark)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: bad header", name(), kg));
  }
  if (mode != (regular_ ? 1 : 0)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {} was made by a{} join", name(), kg,
                                          mode == 1   ? " regular"
                                          : mode == 0 ? "n interval"
                                                      : " unknown"));
  }
  if (type != static_cast<uint8_t>(spec_.type)) {
    return Status::Corruption(fmt::format(
        "{} snapshot of key group {} was made by a join of type {}, this one is {}; restore it into "
        "the same join type",
        name(), kg, type <= 3 ? JoinTypeName(static_cast<JoinType>(type)) : "unknown", JoinTypeName(spec_.type)));
  }
  watermark_ = std::max(watermark_, watermark);
  for (int side = 0; side < 2; ++side) {
    Side& s = sides_[side];
    uint32_t rows;
    if (!r.Get(&rows)) return Status::Corruption(fmt::format("{} snapshot: truncated side {}", name(), side));
    Batch one(s.schema, 1);
    for (uint32_t i = 0; i < rows; ++i) {
      int64_t ts, expire;
      int32_t matches = 0;
      std::string_view row;
      if (!r.Get(&ts) || !r.Get(&expire) || (version == kJoinSnapshotVersion && !r.Get(&matches)) ||
          !r.GetBytes(&row)) {
        return Status::Corruption(fmt::format("{} snapshot: truncated row", name()));
      }
      one.Clear();
      SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, name()));
      s.keys.Encode(one);
      if (KeyGroupOf(s.keys.hash(0), ctx_.num_key_groups) != kg) {
        return Status::Corruption(
            fmt::format("{} snapshot of key group {} holds a row of another key group", name(), kg));
      }
      bool inserted;
      const uint32_t ke = s.index.FindOrInsert(s.keys.key(0), s.keys.hash(0), &inserted);
      s.nodes[Insert(side, one, 0, ke, ts, expire)].matches = matches;
    }
  }
  if (!r.done()) return Status::Corruption(fmt::format("{} snapshot: trailing bytes", name()));
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
