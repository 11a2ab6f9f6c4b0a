#include "engine/window_rank_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kSnapshotVersion = 1;

std::vector<int> AllColumns(const Schema& s) {
  std::vector<int> all(s.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

bool Sortable(DataType t) {
  return t == DataType::kInt64 || t == DataType::kInt32 || t == DataType::kDouble || t == DataType::kTimestamp ||
         t == DataType::kDate;
}

}  // namespace

Result<std::unique_ptr<WindowRankOperator>> WindowRankOperator::Create(const Schema& input, WindowRankSpec spec,
                                                                       const OperatorContext& ctx) {
  auto check = [&](int c, const char* what) -> Status {
    if (c < 0 || c >= input.size()) return Status::InvalidArgument(fmt::format("window rank: {} out of range", what));
    return Status::Ok();
  };
  for (int k : spec.partition_keys) SLUICE_RETURN_IF_ERROR(check(k, "partition key"));
  if (spec.order.empty() || spec.order.size() > 2) {
    return Status::InvalidArgument("window rank: one or two ORDER BY columns");
  }
  for (const auto& o : spec.order) {
    SLUICE_RETURN_IF_ERROR(check(o.column, "order column"));
    if (!Sortable(input.field(o.column).type)) {
      return Status::InvalidArgument(fmt::format("window rank orders by a number or a timestamp, not {} ({})",
                                                 input.field(o.column).name, DataTypeName(input.field(o.column).type)));
    }
  }
  if (spec.n < 1) return Status::InvalidArgument("window rank: N must be at least 1");
  std::vector<Field> fields = input.fields();
  if (spec.window_end_column >= 0) {
    SLUICE_RETURN_IF_ERROR(check(spec.window_end_column, "window_end column"));
  } else {
    SLUICE_RETURN_IF_ERROR(check(spec.time_column, "time column"));
    if (spec.window.kind == WindowKind::kSession || spec.window.size_ms <= 0 || spec.window.slide_ms <= 0) {
      return Status::InvalidArgument("window rank: a TUMBLE, HOP or CUMULATE window");
    }
    for (const char* n : {"window_start", "window_end", "window_time"}) fields.push_back({n, DataType::kTimestamp});
  }
  if (spec.emit_rank) fields.push_back({"rownum", DataType::kInt64});
  return std::unique_ptr<WindowRankOperator>(
      new WindowRankOperator(input, Schema(std::move(fields)), std::move(spec), ctx));
}

WindowRankOperator::WindowRankOperator(const Schema& input, Schema output, WindowRankSpec spec,
                                       const OperatorContext& ctx)
    : input_(input),
      output_(std::move(output)),
      spec_(std::move(spec)),
      ctx_(ctx),
      keys_(spec_.partition_keys),
      rows_(AllColumns(input)),
      out_(output_, ctx.batch_capacity) {
  if (ctx.late_sink) late_ = std::make_unique<Batch>(input_, ctx.batch_capacity);
}

bool WindowRankOperator::Before(const Candidate& a, const Candidate& b) const {
  for (size_t i = 0; i < spec_.order.size(); ++i) {
    const bool an = a.null_mask & (1u << i), bn = b.null_mask & (1u << i);
    const bool desc = spec_.order[i].descending;
    if (an != bn) return desc ? bn : an;  // NULLs first ascending, last descending
    if (an) continue;
    int cmp;
    if (input_.field(spec_.order[i].column).type == DataType::kDouble) {
      double x, y;
      std::memcpy(&x, &a.sort[i], 8);
      std::memcpy(&y, &b.sort[i], 8);
      cmp = x < y ? -1 : x > y ? 1 : 0;
    } else {
      cmp = a.sort[i] < b.sort[i] ? -1 : a.sort[i] > b.sort[i] ? 1 : 0;
    }
    if (cmp != 0) return desc ? cmp > 0 : cmp < 0;
  }
  return a.seq < b.seq;  // ties: arrival order
}

WindowRankOperator::Candidate WindowRankOperator::CandidateOf(const Batch& batch, int row) const {
  Candidate c{};
  for (size_t i = 0; i < spec_.order.size(); ++i) {
    const Column& col = batch.column(spec_.order[i].column);
    if (col.IsNull(row)) {
      c.null_mask |= static_cast<uint8_t>(1u << i);
      continue;
    }
    switch (col.type()) {
      case DataType::kInt32:
      case DataType::kDate: c.sort[i] = col.data<int32_t>()[row]; break;
      case DataType::kDouble: std::memcpy(&c.sort[i], &col.data<double>()[row], 8); break;
      default: c.sort[i] = col.data<int64_t>()[row]; break;
    }
  }
  return c;
}

void WindowRankOperator::Offer(int64_t end, std::string_view key, uint64_t hash, Candidate c, std::string_view row) {
  auto it = panes_.find(end);
  if (it == panes_.end()) {
    Pane pane;
    if (!free_panes_.empty()) {
      pane = std::move(free_panes_.back());
      free_panes_.pop_back();
    }
    it = panes_.emplace(end, std::move(pane)).first;
  }
  Pane& pane = it->second;
  bool inserted = false;
  const uint32_t e = pane.keys.FindOrInsert(key, hash, &inserted);
  const size_t n = static_cast<size_t>(spec_.n);
  if (inserted) {
    if (pane.counts.size() <= e) pane.counts.resize(e + 1, 0);
    pane.counts[e] = 0;
    if (pane.cands.size() < (static_cast<size_t>(e) + 1) * n) pane.cands.resize((static_cast<size_t>(e) + 1) * n);
  }
  Candidate* block = pane.cands.data() + static_cast<size_t>(e) * n;
  int32_t& count = pane.counts[e];
  int32_t slot = count;
  if (static_cast<size_t>(count) == n) {
    // Full: replace the worst kept row if the newcomer ranks before it.
    int32_t worst = 0;
    for (int32_t i = 1; i < count; ++i) {
      if (Before(block[worst], block[i])) worst = i;
    }
    if (!Before(c, block[worst])) return;
    slot = worst;
    pane.garbage += block[worst].length;
  } else {
    ++count;
  }
  c.offset = static_cast<uint32_t>(pane.rows.size());
  c.length = static_cast<uint32_t>(row.size());
  pane.rows.insert(pane.rows.end(), row.begin(), row.end());
  block[slot] = c;
  // Rows pushed out of the top N: rewrite the arena once they dominate it.
  if (pane.garbage > (size_t{1} << 16) && pane.garbage * 2 > pane.rows.size()) Compact(pane);
}

void WindowRankOperator::Compact(Pane& pane) {
  const size_t n = static_cast<size_t>(spec_.n);
  compacted_.clear();
  for (uint32_t e = 0; e < pane.keys.size(); ++e) {
    if (!pane.keys.alive(e)) continue;
    Candidate* block = pane.cands.data() + static_cast<size_t>(e) * n;
    for (int32_t i = 0; i < pane.counts[e]; ++i) {
      const uint32_t at = static_cast<uint32_t>(compacted_.size());
      compacted_.insert(compacted_.end(), pane.rows.begin() + block[i].offset,
                        pane.rows.begin() + block[i].offset + block[i].length);
      block[i].offset = at;
    }
  }
  pane.rows.swap(compacted_);
  pane.garbage = 0;
}

Status WindowRankOperator::SendLate(const Batch& batch, int row) {
  metrics().Add(metrics().late_rows, 1);
  if (!late_) return Status::Ok();
  if (late_->num_rows() == late_->capacity()) {
    SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(*late_));
    late_->Clear();
  }
  late_->AppendRow(batch, row);
  return Status::Ok();
}

Status WindowRankOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  keys_.Encode(batch);
  rows_.Encode(batch);
  const int time_col = spec_.window_end_column >= 0 ? spec_.window_end_column : spec_.time_column;
  const Column& times = batch.column(time_col);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (times.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    const int64_t ts = times.data<int64_t>()[r];
    // Windows that had closed in the row's partition (or here) do not take it.
    const int64_t closed = std::max(batch.late_watermark(r), watermark_);
    Candidate c = CandidateOf(batch, r);
    c.seq = seq_++;
    bool taken = false;
    auto offer = [&](int64_t end) {
      if (end <= closed) return;
      Offer(end, keys_.key(k), keys_.hash(k), c, rows_.key(k));
      taken = true;
    };
    if (spec_.window_end_column >= 0) {
      offer(ts);
    } else {
      ForEachWindowEnd(spec_.window, ts, offer);
    }
    if (!taken) SLUICE_RETURN_IF_ERROR(SendLate(batch, r));
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status WindowRankOperator::Flush() {
  if (late_ && late_->num_rows() > 0) {
    SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(*late_));
    late_->Clear();
  }
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status WindowRankOperator::Fire(int64_t end, Pane& pane) {
  const size_t n = static_cast<size_t>(spec_.n);
  const int in_cols = input_.size();
  for (uint32_t e = 0; e < pane.keys.size(); ++e) {
    if (!pane.keys.alive(e)) continue;
    Candidate* block = pane.cands.data() + static_cast<size_t>(e) * n;
    const int32_t count = pane.counts[e];
    order_.resize(count);
    std::iota(order_.begin(), order_.end(), 0);
    std::sort(order_.begin(), order_.end(), [&](int a, int b) { return Before(block[a], block[b]); });
    for (int32_t rank = 0; rank < count; ++rank) {
      if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
      const Candidate& c = block[order_[rank]];
      const int row = out_.num_rows();
      KeyEncoder::Decode({pane.rows.data() + c.offset, c.length}, input_, &out_, 0, row);
      int col = in_cols;
      auto put = [&](int64_t v) {
        Column& column = out_.column(col++);
        column.SetValid(row);
        column.data<int64_t>()[row] = v;
      };
      if (spec_.window_end_column < 0) {
        put(WindowStartOf(spec_.window, end));
        put(end);
        put(end - 1);
      }
      if (spec_.emit_rank) put(rank + 1);
      out_.set_num_rows(row + 1);
    }
  }
  return Status::Ok();
}

Status WindowRankOperator::OnWatermark(int64_t watermark) {
  if (watermark > watermark_) watermark_ = watermark;
  while (!panes_.empty() && panes_.begin()->first <= watermark_) {
    auto node = panes_.extract(panes_.begin());
    SLUICE_RETURN_IF_ERROR(Fire(node.key(), node.mapped()));
    Pane& done = node.mapped();
    done.keys.Clear();
    done.rows.clear();
    done.garbage = 0;
    free_panes_.push_back(std::move(done));
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

int64_t WindowRankOperator::StateBytes() const {
  int64_t bytes = 0;
  for (const auto& [end, pane] : panes_) {
    bytes += pane.keys.MemoryBytes() + static_cast<int64_t>(pane.cands.capacity() * sizeof(Candidate) +
                                                            pane.counts.capacity() * 4 + pane.rows.capacity());
  }
  return bytes;
}

// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   i64 watermark
//   then per open window and key of the group:
//     i64 window end, bytes key, u32 count, count x (bytes row) in no order
//
// The sort keys are read back from the rows; arrival order among equal rows
// is their order in the snapshot.
Status WindowRankOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  w.Put<int64_t>(watermark_);
  const size_t n = static_cast<size_t>(spec_.n);
  for (const auto& [end, pane] : panes_) {
    for (uint32_t e = 0; e < pane.keys.size(); ++e) {
      if (!pane.keys.alive(e) || KeyGroupOf(pane.keys.hash(e), ctx_.num_key_groups) != kg) continue;
      const Candidate* block = pane.cands.data() + static_cast<size_t>(e) * n;
      std::vector<int> by_seq(pane.counts[e]);
      std::iota(by_seq.begin(), by_seq.end(), 0);
      std::sort(by_seq.begin(), by_seq.end(), [&](int a, int b) { return block[a].seq < block[b].seq; });
      w.Put<int64_t>(end);
      w.PutBytes(pane.keys.key(e));
      w.Put<uint32_t>(static_cast<uint32_t>(pane.counts[e]));
      for (int i : by_seq) w.PutBytes({pane.rows.data() + block[i].offset, block[i].length});
    }
  }
  return Status::Ok();
}

Status WindowRankOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version = 0;
  int64_t watermark = 0;
  if (!r.Get(&version) || version != kSnapshotVersion || !r.Get(&watermark)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: bad header", name(), kg));
  }
  watermark_ = std::max(watermark_, watermark);
  Batch one(input_, 1);
  while (!r.done()) {
    int64_t end = 0;
    std::string_view key, row;
    uint32_t count = 0;
    if (!r.Get(&end) || !r.GetBytes(&key) || !r.Get(&count)) {
      return Status::Corruption(fmt::format("{} snapshot of key group {} is truncated", name(), kg));
    }
    for (uint32_t i = 0; i < count; ++i) {
      if (!r.GetBytes(&row))
        return Status::Corruption(fmt::format("{} snapshot of key group {} is truncated", name(), kg));
      one.Clear();
      SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, name()));
      Candidate c = CandidateOf(one, 0);
      c.seq = seq_++;
      Offer(end, key, HashKey(key), c, row);
    }
  }
  return Status::Ok();
}

}  // namespace sluice::engine
