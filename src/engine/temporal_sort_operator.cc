#include "engine/temporal_sort_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kSnapshotVersion = 1;

bool Sortable(DataType t) {
  return t == DataType::kInt64 || t == DataType::kInt32 || t == DataType::kDouble || t == DataType::kTimestamp ||
         t == DataType::kDate;
}

std::vector<int> AllColumns(const Schema& s) {
  std::vector<int> all(s.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

}  // namespace

Result<std::unique_ptr<TemporalSortOperator>> TemporalSortOperator::Create(const Schema& input, TemporalSortSpec spec,
                                                                           const OperatorContext& ctx) {
  if (spec.time_column < 0 || spec.time_column >= input.size() ||
      input.field(spec.time_column).type != DataType::kTimestamp) {
    return Status::InvalidArgument("a temporal sort orders by a TIMESTAMP event-time column first");
  }
  if (spec.then.size() > 2) return Status::InvalidArgument("a temporal sort takes at most two more columns");
  for (const auto& t : spec.then) {
    if (t.column < 0 || t.column >= input.size() || !Sortable(input.field(t.column).type)) {
      return Status::InvalidArgument("after the event time, a temporal sort orders by numbers or timestamps");
    }
  }
  return std::unique_ptr<TemporalSortOperator>(new TemporalSortOperator(input, std::move(spec), ctx));
}

TemporalSortOperator::TemporalSortOperator(const Schema& input, TemporalSortSpec spec, const OperatorContext& ctx)
    : schema_(input),
      spec_(std::move(spec)),
      ctx_(ctx),
      rows_(AllColumns(input)),
      own_key_group_(KeyGroupOf(HashKey(""), ctx.num_key_groups)),
      out_(input, ctx.batch_capacity) {
  if (ctx.late_sink) late_ = std::make_unique<Batch>(input, ctx.batch_capacity);
}

bool TemporalSortOperator::Before(const Pending& a, const Pending& b) const {
  if (a.ts != b.ts) return a.ts < b.ts;
  for (size_t i = 0; i < spec_.then.size(); ++i) {
    const bool an = a.null_mask & (1u << i), bn = b.null_mask & (1u << i);
    const bool desc = spec_.then[i].descending;
    if (an != bn) return desc ? bn : an;
    if (an) continue;
    int cmp;
    if (schema_.field(spec_.then[i].column).type == DataType::kDouble) {
      double x, y;
      std::memcpy(&x, &a.then[i], 8);
      std::memcpy(&y, &b.then[i], 8);
      cmp = x < y ? -1 : x > y ? 1 : 0;
    } else {
      cmp = a.then[i] < b.then[i] ? -1 : a.then[i] > b.then[i] ? 1 : 0;
    }
    if (cmp != 0) return desc ? cmp > 0 : cmp < 0;
  }
  return a.seq < b.seq;
}

void TemporalSortOperator::Add(const Batch& batch, int row, std::string_view bytes) {
  Pending p{};
  p.ts = batch.column(spec_.time_column).data<int64_t>()[row];
  for (size_t i = 0; i < spec_.then.size(); ++i) {
    const Column& col = batch.column(spec_.then[i].column);
    if (col.IsNull(row)) {
      p.null_mask |= static_cast<uint8_t>(1u << i);
    } else if (col.type() == DataType::kInt32 || col.type() == DataType::kDate) {
      p.then[i] = col.data<int32_t>()[row];
    } else if (col.type() == DataType::kDouble) {
      std::memcpy(&p.then[i], &col.data<double>()[row], 8);
    } else {
      p.then[i] = col.data<int64_t>()[row];
    }
  }
  p.seq = seq_++;
  p.offset = static_cast<uint32_t>(arena_.size());
  p.length = static_cast<uint32_t>(bytes.size());
  arena_.insert(arena_.end(), bytes.begin(), bytes.end());
  pending_.push_back(p);
}

Status TemporalSortOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  rows_.Encode(batch);
  const Column& times = batch.column(spec_.time_column);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (times.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    // Late: older than the watermark of its partition or of this operator.
    if (times.data<int64_t>()[r] < std::max(batch.late_watermark(r), watermark_)) {
      metrics().Add(metrics().late_rows, 1);
      if (late_) {
        if (late_->num_rows() == late_->capacity()) {
          SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(*late_));
          late_->Clear();
        }
        late_->AppendRow(batch, r);
      }
      continue;
    }
    Add(batch, r, rows_.key(k));
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status TemporalSortOperator::Flush() {
  if (late_ && late_->num_rows() > 0) {
    SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(*late_));
    late_->Clear();
  }
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status TemporalSortOperator::OnWatermark(int64_t watermark) {
  if (watermark > watermark_) {
    watermark_ = watermark;
    // Rows older than the watermark are final: nothing can come before them.
    auto ready_end =
        std::partition(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.ts < watermark_; });
    std::sort(pending_.begin(), ready_end, [&](const Pending& a, const Pending& b) { return Before(a, b); });
    for (auto it = pending_.begin(); it != ready_end; ++it) {
      if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
      SLUICE_RETURN_IF_ERROR(AppendEncodedRow({arena_.data() + it->offset, it->length}, &out_, name()));
    }
    // Keep the others, their bytes in a fresh arena.
    keep_.assign(ready_end, pending_.end());
    compacted_.clear();
    for (Pending& p : keep_) {
      const uint32_t at = static_cast<uint32_t>(compacted_.size());
      compacted_.insert(compacted_.end(), arena_.begin() + p.offset, arena_.begin() + p.offset + p.length);
      p.offset = at;
    }
    pending_.swap(keep_);
    arena_.swap(compacted_);
    SLUICE_RETURN_IF_ERROR(Flush());
    metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  }
  return EmitWatermark(watermark);
}

int64_t TemporalSortOperator::StateBytes() const {
  return static_cast<int64_t>(pending_.capacity() * sizeof(Pending) + arena_.capacity() +
                              keep_.capacity() * sizeof(Pending) + compacted_.capacity());
}

// Snapshot (only in the key group of the empty key, where every row goes):
//   u8 version = 1, i64 watermark, u32 rows, each: bytes row (arrival order)
Status TemporalSortOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  if (kg != own_key_group_) return Status::Ok();
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  w.Put<int64_t>(watermark_);
  std::vector<const Pending*> by_seq;
  for (const Pending& p : pending_) by_seq.push_back(&p);
  std::sort(by_seq.begin(), by_seq.end(), [](const Pending* a, const Pending* b) { return a->seq < b->seq; });
  w.Put<uint32_t>(static_cast<uint32_t>(by_seq.size()));
  for (const Pending* p : by_seq) w.PutBytes({arena_.data() + p->offset, p->length});
  return Status::Ok();
}

Status TemporalSortOperator::RestoreKeyGroup(int kg, std::string_view data) {
  if (data.empty()) return Status::Ok();
  SnapshotReader r(data);
  uint8_t version = 0;
  int64_t watermark = 0;
  uint32_t n = 0;
  if (!r.Get(&version) || version != kSnapshotVersion || !r.Get(&watermark) || !r.Get(&n)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: bad header", name(), kg));
  }
  watermark_ = std::max(watermark_, watermark);
  Batch one(schema_, 1);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view row;
    if (!r.GetBytes(&row))
      return Status::Corruption(fmt::format("{} snapshot of key group {} is truncated", name(), kg));
    one.Clear();
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, name()));
    Add(one, 0, row);
  }
  return Status::Ok();
}

}  // namespace sluice::engine
