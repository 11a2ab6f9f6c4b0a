#include "engine/window_join_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

Result<std::unique_ptr<WindowJoinOperator>> WindowJoinOperator::Create(const Schema& left, const Schema& right,
                                                                       WindowJoinSpec spec,
                                                                       const OperatorContext& ctx) {
  if (spec.window.kind == WindowKind::kSession) {
    return Status::Unsupported("window joins over session windows are not supported; use TUMBLE, HOP or CUMULATE");
  }
  if (spec.window.size_ms <= 0 || spec.window.slide_ms <= 0 ||
      (spec.window.kind == WindowKind::kCumulate && spec.window.size_ms % spec.window.slide_ms != 0)) {
    return Status::InvalidArgument(fmt::format("bad window for a window join: {}", spec.window.ToString()));
  }
  if (spec.left_keys.size() != spec.right_keys.size() || spec.left_keys.empty()) {
    return Status::InvalidArgument("a window join needs the same number (at least one) of key columns per side");
  }
  for (size_t i = 0; i < spec.left_keys.size(); ++i) {
    int l = spec.left_keys[i], r = spec.right_keys[i];
    if (l < 0 || l >= left.size() || r < 0 || r >= right.size() || left.field(l).type != right.field(r).type) {
      return Status::InvalidArgument("window join key columns must exist on both sides with equal types");
    }
  }
  for (auto [schema, t] : {std::pair{&left, spec.left_time}, std::pair{&right, spec.right_time}}) {
    if (t < 0 || t >= schema->size() || schema->field(t).type != DataType::kTimestamp) {
      return Status::InvalidArgument("a window join needs the TIMESTAMP(3) event-time column of each input");
    }
  }
  const bool per_side = spec.window_columns == WindowJoinSpec::WindowColumns::kPerSide;
  std::vector<Field> fields;
  if (!per_side) fields = {{"window_start", DataType::kTimestamp}, {"window_end", DataType::kTimestamp}};
  auto add = [&](Field g) {
    while (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == g.name; })) g.name += "0";
    fields.push_back(std::move(g));
  };
  for (const Schema* s : {&left, &right}) {
    for (const Field& f : s->fields()) add(f);
    if (per_side) {
      for (const char* n : {"window_start", "window_end", "window_time"}) add({n, DataType::kTimestamp});
    }
  }
  return std::unique_ptr<WindowJoinOperator>(new WindowJoinOperator(Schema(fields), std::move(spec), ctx, left, right));
}

WindowJoinOperator::WindowJoinOperator(Schema output, WindowJoinSpec spec, const OperatorContext& ctx,
                                       const Schema& left, const Schema& right)
    : output_schema_(output),
      spec_(std::move(spec)),
      ctx_(ctx),
      schemas_{left, right},
      keys_{KeyEncoder(spec_.left_keys), KeyEncoder(spec_.right_keys)},
      out_(std::move(output), ctx.batch_capacity),
      late_{Batch(left, ctx.batch_capacity), Batch(right, ctx.batch_capacity)} {
  if (spec_.window_columns == WindowJoinSpec::WindowColumns::kPerSide) {
    side_offset_[1] = left.size() + 3;
  } else {
    side_offset_[0] = 2;
    side_offset_[1] = 2 + left.size();
  }
}

int64_t WindowJoinOperator::WindowStart(int64_t end) const { return WindowStartOf(spec_.window, end); }

WindowJoinOperator::Pane* WindowJoinOperator::GetPane(int64_t end) {
  auto it = panes_.find(end);
  if (it != panes_.end()) return it->second.get();
  std::unique_ptr<Pane> pane;
  if (!free_panes_.empty()) {
    pane = std::move(free_panes_.back());
    free_panes_.pop_back();
  } else {
    pane = std::make_unique<Pane>();
  }
  Pane* raw = pane.get();
  panes_.emplace(end, std::move(pane));
  return raw;
}

void WindowJoinOperator::Store(Pane* pane, int side, const Batch& batch, int row, uint32_t key_entry) {
  auto& chunks = pane->chunks[side];
  auto& next = pane->next[side];
  const int cap = ctx_.batch_capacity;
  const int32_t id = static_cast<int32_t>(next.size());
  if (id % cap == 0 && static_cast<size_t>(id / cap) == chunks.size()) {
    chunks.push_back(std::make_unique<Batch>(schemas_[side], cap));
  }
  Batch& chunk = *chunks[id / cap];
  chunk.AppendRow(batch, row);
  int32_t* heads = reinterpret_cast<int32_t*>(pane->index.payload(key_entry));
  next.push_back(heads[side] - 1);
  heads[side] = id + 1;
}

Status WindowJoinOperator::SendLate(int side, const Batch& batch, int row) {
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

Status WindowJoinOperator::OnBarrier(int64_t checkpoint_id) {
  SLUICE_RETURN_IF_ERROR(Flush());
  return TwoInputOperator::OnBarrier(checkpoint_id);
}

Status WindowJoinOperator::Flush() {
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

Status WindowJoinOperator::ProcessSide(int side, Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  keys_[side].Encode(batch);
  const Column& times = batch.column(side == 0 ? spec_.left_time : spec_.right_time);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (times.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    const int64_t ts = times.data<int64_t>()[r];
    // Windows that had closed in the row's partition (or here) do not take it.
    const int64_t closed = std::max(batch.late_watermark(r), watermark_);
    bool taken = false;
    Status s;
    ForEachWindowEnd(spec_.window, ts, [&](int64_t end) {
      if (end <= closed) return;
      Pane* pane = GetPane(end);
      bool inserted;
      uint32_t e = pane->index.FindOrInsert(keys_[side].key(k), keys_[side].hash(k), &inserted);
      Store(pane, side, batch, r, e);
      taken = true;
    });
    if (!taken) SLUICE_RETURN_IF_ERROR(SendLate(side, batch, r));
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

void WindowJoinOperator::PutSide(int side, int64_t end, const Batch* b, int br, int row) {
  const int at = side_offset_[side];
  const int n = schemas_[side].size();
  auto set_time = [&](int c, int64_t v) {
    Column& col = out_.column(c);
    if (b) {
      col.SetValid(row);
      col.data<int64_t>()[row] = v;
    } else {
      col.SetNull(row);
      col.data<int64_t>()[row] = 0;
    }
  };
  for (int c = 0; c < n; ++c) {
    Column& col = out_.column(at + c);
    if (b) {
      col.CopyRow(b->column(c), br, row);
    } else {
      col.SetNull(row);
      const int w = PhysicalWidth(col.type());
      std::memset(col.data<char>() + static_cast<size_t>(row) * w, 0, w);
    }
  }
  if (spec_.window_columns == WindowJoinSpec::WindowColumns::kPerSide) {
    set_time(at + n, WindowStart(end));
    set_time(at + n + 1, end);
    set_time(at + n + 2, end - 1);
  }
}

Status WindowJoinOperator::EmitPair(int64_t end, const Batch* l, int lr, const Batch* r, int rr) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  if (spec_.window_columns == WindowJoinSpec::WindowColumns::kShared) {
    out_.column(0).SetValid(row);
    out_.column(1).SetValid(row);
    out_.column(0).data<int64_t>()[row] = WindowStart(end);
    out_.column(1).data<int64_t>()[row] = end;
  }
  PutSide(0, end, l, lr, row);
  PutSide(1, end, r, rr, row);
  out_.set_num_rows(row + 1);
  return Status::Ok();
}

Status WindowJoinOperator::FirePane(int64_t end, Pane* pane) {
  const int cap = ctx_.batch_capacity;
  for (uint32_t e = 0; e < pane->index.size(); ++e) {
    if (!pane->index.alive(e)) continue;
    const int32_t* heads = reinterpret_cast<const int32_t*>(pane->index.payload(e));
    const int any = heads[0] != 0 ? 0 : 1;
    const int32_t first = heads[any] - 1;
    const bool null_key = first >= 0 && JoinKeyIsNull(*pane->chunks[any][first / cap], first % cap,
                                                      any == 0 ? spec_.left_keys : spec_.right_keys);
    if (heads[0] == 0 || heads[1] == 0 || null_key) {
      // The rows of one side have no partner: they stand alone if that side is outer.
      for (int side = 0; side < 2; ++side) {
        if (heads[side] == 0 || !IsOuterSide(spec_.type, side)) continue;
        for (int32_t a = heads[side] - 1; a >= 0; a = pane->next[side][a]) {
          const Batch* b = pane->chunks[side][a / cap].get();
          SLUICE_RETURN_IF_ERROR(side == 0 ? EmitPair(end, b, a % cap, nullptr, 0)
                                           : EmitPair(end, nullptr, 0, b, a % cap));
        }
      }
      continue;
    }
    for (int32_t a = heads[0] - 1; a >= 0; a = pane->next[0][a]) {
      for (int32_t b = heads[1] - 1; b >= 0; b = pane->next[1][b]) {
        SLUICE_RETURN_IF_ERROR(
            EmitPair(end, pane->chunks[0][a / cap].get(), a % cap, pane->chunks[1][b / cap].get(), b % cap));
      }
    }
  }
  return Status::Ok();
}

Status WindowJoinOperator::OnWatermark(int64_t watermark) {
  watermark_ = std::max(watermark_, watermark);
  while (!panes_.empty() && panes_.begin()->first <= watermark_) {
    auto node = panes_.extract(panes_.begin());
    SLUICE_RETURN_IF_ERROR(FirePane(node.key(), node.mapped().get()));
    Pane* pane = node.mapped().get();
    pane->index.Clear();
    for (int s = 0; s < 2; ++s) {
      for (auto& c : pane->chunks[s]) c->Clear();
      pane->chunks[s].clear();
      pane->next[s].clear();
    }
    free_panes_.push_back(std::move(node.mapped()));
  }
  SLUICE_RETURN_IF_ERROR(Flush());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

int64_t WindowJoinOperator::StateBytes() const {
  int64_t bytes = 0;
  for (const auto& [end, pane] : panes_) {
    bytes += pane->index.MemoryBytes();
    for (int s = 0; s < 2; ++s) {
      for (const auto& c : pane->chunks[s]) bytes += static_cast<int64_t>(c->MemoryBytes());
    }
  }
  return bytes;
}

// ---------------------------------------------------------------------------
// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   i64 watermark the operator had reached (restore keeps the larger one)
//   u32 windows holding rows of the key group, each (by increasing end):
//     i64 window end
//     then the left side, then the right side, each:
//       u32 rows, each: bytes row (the whole input row, snapshot_rows.h)
//
// Rows of one key are written oldest first per window and side, so a restore
// rebuilds the same lists and the window fires the same pairs in the same
// order. The key is recomputed from the row; a row whose key is not in key
// group `kg` makes the snapshot corrupt. Stored row positions (which depend on
// the batch capacity) are not written.

namespace {
constexpr uint8_t kWindowJoinSnapshotVersion = 1;
}  // namespace

Status WindowJoinOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kWindowJoinSnapshotVersion);
  w.Put<int64_t>(watermark_);
  const int cap = ctx_.batch_capacity;
  auto in_group = [&](const Pane& pane, uint32_t e) {
    return pane.index.alive(e) && KeyGroupOf(pane.index.hash(e), ctx_.num_key_groups) == kg;
  };
  uint32_t npanes = 0;
  for (const auto& [end, pane] : panes_) {
    for (uint32_t e = 0; e < pane->index.size(); ++e) {
      if (in_group(*pane, e)) {
        ++npanes;
        break;
      }
    }
  }
  w.Put<uint32_t>(npanes);
  std::string scratch;
  std::vector<int32_t> chain;
  for (const auto& [end, pane] : panes_) {
    bool any = false;
    for (uint32_t e = 0; e < pane->index.size() && !any; ++e) any = in_group(*pane, e);
    if (!any) continue;
    w.Put<int64_t>(end);
    for (int side = 0; side < 2; ++side) {
      uint32_t rows = 0;
      for (uint32_t e = 0; e < pane->index.size(); ++e) {
        if (!in_group(*pane, e)) continue;
        const int32_t* heads = reinterpret_cast<const int32_t*>(pane->index.payload(e));
        for (int32_t a = heads[side] - 1; a >= 0; a = pane->next[side][a]) ++rows;
      }
      w.Put<uint32_t>(rows);
      for (uint32_t e = 0; e < pane->index.size(); ++e) {
        if (!in_group(*pane, e)) continue;
        const int32_t* heads = reinterpret_cast<const int32_t*>(pane->index.payload(e));
        chain.clear();
        for (int32_t a = heads[side] - 1; a >= 0; a = pane->next[side][a]) chain.push_back(a);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // lists are newest first
          PutRow(*pane->chunks[side][*it / cap], *it % cap, &w, &scratch);
        }
      }
    }
  }
  return Status::Ok();
}

Status WindowJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  int64_t watermark;
  uint32_t npanes;
  if (!r.Get(&version) || version != kWindowJoinSnapshotVersion || !r.Get(&watermark) || !r.Get(&npanes)) {
    return Status::Corruption(fmt::format("window-join snapshot of key group {}: bad header", kg));
  }
  watermark_ = std::max(watermark_, watermark);
  Batch one[2] = {Batch(schemas_[0], 1), Batch(schemas_[1], 1)};
  for (uint32_t i = 0; i < npanes; ++i) {
    int64_t end;
    if (!r.Get(&end)) return Status::Corruption("window-join snapshot: truncated window");
    Pane* pane = nullptr;
    for (int side = 0; side < 2; ++side) {
      uint32_t rows;
      if (!r.Get(&rows)) return Status::Corruption("window-join snapshot: truncated window");
      for (uint32_t j = 0; j < rows; ++j) {
        std::string_view row;
        if (!r.GetBytes(&row)) return Status::Corruption("window-join snapshot: truncated row");
        one[side].Clear();
        SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one[side], "window-join"));
        keys_[side].Encode(one[side]);
        if (KeyGroupOf(keys_[side].hash(0), ctx_.num_key_groups) != kg) {
          return Status::Corruption(
              fmt::format("window-join snapshot of key group {} holds a row of another key group", kg));
        }
        if (!pane) pane = GetPane(end);
        bool inserted;
        const uint32_t e = pane->index.FindOrInsert(keys_[side].key(0), keys_[side].hash(0), &inserted);
        Store(pane, side, one[side], 0, e);
      }
    }
  }
  if (!r.done()) return Status::Corruption("window-join snapshot: trailing bytes");
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
