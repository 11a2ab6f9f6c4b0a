#include "engine/interval_join_operator.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/clock.h"
#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

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
  IntervalJoinSpec is{spec.left_keys, spec.right_keys, -1, -1, 0, 0};
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

Status IntervalJoinOperator::EmitPair(const Batch& left, int lr, const Batch& right, int rr) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  const int nl = left.num_columns();
  for (int c = 0; c < nl; ++c) out_.column(c).CopyRow(left.column(c), lr, row);
  for (int c = 0; c < right.num_columns(); ++c) out_.column(nl + c).CopyRow(right.column(c), rr, row);
  out_.set_num_rows(row + 1);
  return Status::Ok();
}

void IntervalJoinOperator::Insert(int side, const Batch& batch, int row, uint32_t key_entry, int64_t ts,
                                  int64_t expire) {
  Side& s = sides_[side];
  if (s.current_chunk < 0 || s.chunks[s.current_chunk]->num_rows() == s.capacity) {
    // A full chunk whose rows all expired while it was current is free now.
    if (s.current_chunk >= 0 && s.chunk_live[s.current_chunk] == 0) s.free_chunks.push_back(s.current_chunk);
    if (!s.free_chunks.empty()) {
      s.current_chunk = s.free_chunks.back();
      s.free_chunks.pop_back();
      s.chunks[s.current_chunk]->Clear();
    } else {
      s.current_chunk = static_cast<int32_t>(s.chunks.size());
      s.chunks.push_back(std::make_unique<Batch>(s.schema, s.capacity));
      s.chunk_live.push_back(0);
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
  s.nodes[n] = Node{ts, expire, -1, head - 1, key_entry, s.current_chunk, at, true};
  if (head > 0) s.nodes[head - 1].prev = n;
  head = n + 1;
  s.expiry.emplace(expire, n);
  ++s.live_rows;
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
    const int64_t e = other.index.Find(self.keys.key(k), self.keys.hash(k));
    if (e >= 0) {
      for (int32_t m = *reinterpret_cast<const int32_t*>(other.index.payload(static_cast<uint32_t>(e))) - 1; m >= 0;
           m = other.nodes[m].next) {
        const Node& node = other.nodes[m];
        if (node.ts < lo || node.ts > hi) continue;
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
      Insert(side, batch, r, ke, ts, expire);
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
  for (int k = 0; k < batch.active_rows(); ++k) {
    const int r = batch.active_row(k);
    if (batch.row_kind(r) != RowKind::kInsert) {
      return Status::Unsupported("a regular join over an updating input is not supported yet");
    }
    const int64_t e = other.index.Find(self.keys.key(k), self.keys.hash(k));
    if (e >= 0) {
      for (int32_t m = *reinterpret_cast<const int32_t*>(other.index.payload(static_cast<uint32_t>(e))) - 1; m >= 0;
           m = other.nodes[m].next) {
        const Node& node = other.nodes[m];
        const Batch& stored = *other.chunks[node.chunk];
        if (side == 0) {
          SLUICE_RETURN_IF_ERROR(EmitPair(batch, r, stored, node.row));
        } else {
          SLUICE_RETURN_IF_ERROR(EmitPair(stored, node.row, batch, r));
        }
      }
    }
    bool inserted;
    const uint32_t ke = self.index.FindOrInsert(self.keys.key(k), self.keys.hash(k), &inserted);
    Insert(side, batch, r, ke, 0, expire);
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

void IntervalJoinOperator::Expire(int64_t before) {
  for (int side = 0; side < 2; ++side) {
    Side& s = sides_[side];
    while (!s.expiry.empty() && s.expiry.top().first < before) {
      auto [expire, n] = s.expiry.top();
      s.expiry.pop();
      if (s.nodes[n].alive && s.nodes[n].expire == expire) Remove(side, n);
    }
  }
}

Status IntervalJoinOperator::OnProcessingTime(int64_t now_ms) {
  if (regular_ && ttl_ms_ > 0) {
    Expire(now_ms + 1);  // rows whose TTL ends at or before now
    metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  }
  return Operator::OnProcessingTime(now_ms);
}

Status IntervalJoinOperator::OnWatermark(int64_t watermark) {
  watermark_ = std::max(watermark_, watermark);
  if (!regular_) Expire(watermark_);
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

int64_t IntervalJoinOperator::StateBytes() const {
  int64_t bytes = 0;
  for (const Side& s : sides_) {
    bytes += s.index.MemoryBytes() + static_cast<int64_t>(s.nodes.capacity() * sizeof(Node));
    for (const auto& c : s.chunks) bytes += static_cast<int64_t>(c->MemoryBytes());
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   u8  mode: 0 = interval join, 1 = regular join (must match the restoring operator)
//   i64 watermark the operator had reached (restore keeps the larger one)
//   then the left side, then the right side, each:
//     u32 rows, each:
//       i64 ts      interval join: the row's event time; regular join: 0
//       i64 expire  interval join: the event time from which the row can match
//                   nothing more (left: ts + upper, right: ts - lower);
//                   regular join: the absolute processing time (ms since the
//                   epoch) at which its TTL ends, or INT64_MAX without TTL
//       bytes row   the whole input row (snapshot_rows.h)
//
// Rows of one key are written oldest first, so a restore rebuilds each key's
// list in the same order and probes emit pairs in the same order. The key is
// recomputed from the row, and a row whose key is not in key group `kg` makes
// the snapshot corrupt. Regular-join TTL therefore continues across a restore
// by the wall clock: a row restored after its expiry goes at the next
// OnProcessingTime.

namespace {
constexpr uint8_t kJoinSnapshotVersion = 1;
}  // namespace

Status IntervalJoinOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kJoinSnapshotVersion);
  w.Put<uint8_t>(regular_ ? 1 : 0);
  w.Put<int64_t>(watermark_);
  std::string scratch;
  std::vector<int32_t> chain;
  for (const Side& s : sides_) {
    auto in_group = [&](uint32_t e) {
      return s.index.alive(e) && KeyGroupOf(s.index.hash(e), ctx_.num_key_groups) == kg;
    };
    auto head = [&](uint32_t e) { return *reinterpret_cast<const int32_t*>(s.index.payload(e)) - 1; };
    uint32_t rows = 0;
    for (uint32_t e = 0; e < s.index.size(); ++e) {
      if (!in_group(e)) continue;
      for (int32_t n = head(e); n >= 0; n = s.nodes[n].next) ++rows;
    }
    w.Put<uint32_t>(rows);
    for (uint32_t e = 0; e < s.index.size(); ++e) {
      if (!in_group(e)) continue;
      chain.clear();
      for (int32_t n = head(e); n >= 0; n = s.nodes[n].next) chain.push_back(n);
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // the list is newest first
        const Node& node = s.nodes[*it];
        w.Put<int64_t>(node.ts);
        w.Put<int64_t>(node.expire);
        PutRow(*s.chunks[node.chunk], node.row, &w, &scratch);
      }
    }
  }
  return Status::Ok();
}

Status IntervalJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version, mode;
  int64_t watermark;
  if (!r.Get(&version) || version != kJoinSnapshotVersion || !r.Get(&mode) || !r.Get(&watermark)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: bad header", name(), kg));
  }
  if (mode != (regular_ ? 1 : 0)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {} was made by a{} join", name(), kg,
                                          mode == 1   ? " regular"
                                          : mode == 0 ? "n interval"
                                                      : " unknown"));
  }
  watermark_ = std::max(watermark_, watermark);
  for (int side = 0; side < 2; ++side) {
    Side& s = sides_[side];
    uint32_t rows;
    if (!r.Get(&rows)) return Status::Corruption(fmt::format("{} snapshot: truncated side {}", name(), side));
    Batch one(s.schema, 1);
    for (uint32_t i = 0; i < rows; ++i) {
      int64_t ts, expire;
      std::string_view row;
      if (!r.Get(&ts) || !r.Get(&expire) || !r.GetBytes(&row)) {
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
      Insert(side, one, 0, ke, ts, expire);
    }
  }
  if (!r.done()) return Status::Corruption(fmt::format("{} snapshot: trailing bytes", name()));
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
