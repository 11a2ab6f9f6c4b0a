#include "engine/window_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr size_t kMinCompactBytes = 1 << 16;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::string WindowSpec::ToString() const {
  switch (kind) {
    case WindowKind::kTumble: return fmt::format("TUMBLE({}ms)", size_ms);
    case WindowKind::kHop: return fmt::format("HOP({}ms, slide {}ms)", size_ms, slide_ms);
    case WindowKind::kCumulate: return fmt::format("CUMULATE({}ms, step {}ms)", size_ms, slide_ms);
    case WindowKind::kSession: return fmt::format("SESSION(gap {}ms)", gap_ms);
  }
  return "?";
}

// ---------------------------------------------------------------------------

void PendingLateRows::Add(const Batch& batch, int row, int64_t row_watermark) {
  if (used_chunks_ == 0 || chunks_[used_chunks_ - 1]->num_rows() == capacity_) {
    if (used_chunks_ == chunks_.size()) chunks_.push_back(std::make_unique<Batch>(schema_, capacity_));
    chunks_[used_chunks_++]->Clear();
  }
  Batch* chunk = chunks_[used_chunks_ - 1].get();
  int at = chunk->num_rows();
  chunk->AppendRow(batch, row);
  heap_.push_back(Ref{row_watermark, seq_++, static_cast<int32_t>(used_chunks_ - 1), at});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<Ref>());
}

Batch* PendingLateRows::TopAsBatch() {
  const Ref& top = heap_.front();
  Batch* chunk = chunks_[top.chunk].get();
  chunk->mutable_selection()[0] = top.row;
  chunk->SetSelection(1);
  return chunk;
}

void PendingLateRows::Pop() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<Ref>());
  heap_.pop_back();
  if (heap_.empty()) {
    for (size_t i = 0; i < used_chunks_; ++i) chunks_[i]->Clear();
    used_chunks_ = 0;
  }
}

void PendingLateRows::SnapshotKeyGroup(int kg, int num_key_groups, const std::vector<int>& key_columns,
                                       SnapshotWriter* w) const {
  std::vector<Ref> refs = heap_;
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return b > a; });
  KeyEncoder keys(key_columns);
  Batch one(schema_, 1);
  std::vector<const Ref*> mine;
  for (const Ref& ref : refs) {
    one.Clear();
    one.AppendRow(*chunks_[ref.chunk], ref.row);
    keys.Encode(one);
    if (KeyGroupOf(keys.hash(0), num_key_groups) == kg) mine.push_back(&ref);
  }
  w->Put<uint32_t>(static_cast<uint32_t>(mine.size()));
  std::string scratch;
  for (const Ref* ref : mine) {
    const Batch& chunk = *chunks_[ref->chunk];
    w->Put<int64_t>(ref->watermark);
    w->Put<uint8_t>(static_cast<uint8_t>(chunk.row_kind(ref->row)));
    PutRow(chunk, ref->row, w, &scratch);
  }
}

Status PendingLateRows::RestoreKeyGroup(int kg, int num_key_groups, const std::vector<int>& key_columns,
                                        SnapshotReader* r) {
  uint32_t n;
  if (!r->Get(&n)) return Status::Corruption("window snapshot: missing pending late rows");
  KeyEncoder keys(key_columns);
  Batch one(schema_, 1);
  for (uint32_t i = 0; i < n; ++i) {
    int64_t watermark;
    uint8_t kind;
    std::string_view row;
    if (!r->Get(&watermark) || !r->Get(&kind) || kind > static_cast<uint8_t>(RowKind::kDelete) || !r->GetBytes(&row)) {
      return Status::Corruption("window snapshot: truncated pending late row");
    }
    one.Clear();
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, "window"));
    if (static_cast<RowKind>(kind) != RowKind::kInsert) one.mutable_row_kinds()[0] = static_cast<RowKind>(kind);
    one.mutable_late_watermarks()[0] = watermark;  // pending rows are exactly those late in their partition
    keys.Encode(one);
    if (KeyGroupOf(keys.hash(0), num_key_groups) != kg) {
      return Status::Corruption(
          fmt::format("window snapshot of key group {} holds a pending late row of another key group", kg));
    }
    Add(one, 0, watermark);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------

Result<Schema> WindowOutputSchema(const Schema& input, const WindowAggregateSpec& spec) {
  std::vector<Field> fields;
  for (int c : spec.key_columns) {
    if (c < 0 || c >= input.size()) return Status::InvalidArgument(fmt::format("key column ${} out of range", c));
    fields.push_back(input.field(c));
  }
  fields.push_back({"window_start", DataType::kTimestamp});
  fields.push_back({"window_end", DataType::kTimestamp});
  SLUICE_ASSIGN_OR_RETURN(AggregateLayout layout, AggregateLayout::Create(spec.aggregates, input, spec.time_column));
  for (int i = 0; i < layout.size(); ++i) fields.push_back(layout.output_field(i));
  return Schema(fields);
}

WindowOperatorBase::WindowOperatorBase(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout,
                                       const OperatorContext& ctx)
    : input_schema_(input),
      output_schema_(WindowOutputSchema(input, spec).value()),
      spec_(std::move(spec)),
      layout_(std::move(layout)),
      ctx_(ctx),
      keys_(spec_.key_columns),
      out_(output_schema_, ctx.batch_capacity),
      late_(input, ctx.batch_capacity),
      entries_(ctx.batch_capacity),
      scratch_ks_(ctx.batch_capacity),
      pending_(input, ctx.batch_capacity) {
  std::vector<Field> kf;
  for (int c : spec_.key_columns) kf.push_back(input.field(c));
  key_schema_ = Schema(kf);
}

Status WindowOperatorBase::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  if (batch.capacity() > static_cast<int>(entries_.size())) {
    entries_.resize(batch.capacity());
    scratch_ks_.resize(batch.capacity());
  }
  keys_.Encode(batch);
  const Column& tcol = batch.column(spec_.time_column);
  const int64_t* ts = tcol.data<int64_t>();
  int on_time = 0;
  int late_count = 0;
  // Late rows are moved to the back of scratch_ks_.
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (tcol.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    if (batch.late_watermark(r) == kNotLate && ts[r] >= fired_up_to_) {
      scratch_ks_[on_time++] = k;
    } else {
      scratch_ks_[n - 1 - late_count++] = k;
    }
  }
  if (on_time > 0) SLUICE_RETURN_IF_ERROR(AddOnTime(batch, scratch_ks_.data(), on_time));
  for (int j = n - 1; j >= n - late_count; --j) {  // stored back to front: this is arrival order
    const int k = scratch_ks_[j];
    const int r = batch.active_row(k);
    int64_t w = batch.late_watermark(r);
    if (w == kNotLate || w < fired_up_to_) w = std::max(w, fired_up_to_);
    if (w > fired_up_to_) {
      if (OnTimeForAllWindows(ts[r], w)) {
        int32_t one = k;
        SLUICE_RETURN_IF_ERROR(AddOnTime(batch, &one, 1));
      } else {
        pending_.Add(batch, r, w);
      }
    } else {
      SLUICE_RETURN_IF_ERROR(ApplyLate(batch, k, w));
    }
  }
  SLUICE_RETURN_IF_ERROR(FlushOutput());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

Status WindowOperatorBase::OnWatermark(int64_t watermark) {
  while (!pending_.empty() && pending_.min_watermark() <= watermark) {
    const int64_t w = pending_.min_watermark();
    SLUICE_RETURN_IF_ERROR(FireUpTo(w));
    Batch* one = pending_.TopAsBatch();
    keys_.Encode(*one);
    SLUICE_RETURN_IF_ERROR(ApplyLate(*one, 0, w));
    pending_.Pop();
  }
  if (watermark > fired_up_to_) SLUICE_RETURN_IF_ERROR(FireUpTo(watermark));
  SLUICE_RETURN_IF_ERROR(FlushOutput());
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

Result<int> WindowOperatorBase::BeginOutputRow(RowKind kind) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(FlushOutput());
  const int row = out_.num_rows();
  out_.set_num_rows(row + 1);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[row] = kind;
  return row;
}

Status WindowOperatorBase::FlushOutput() {
  if (late_.num_rows() > 0) {
    if (ctx_.late_sink) SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(late_));
    late_.Clear();
  }
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status WindowOperatorBase::OnBarrier(int64_t checkpoint_id) {
  SLUICE_RETURN_IF_ERROR(FlushOutput());
  return Operator::OnBarrier(checkpoint_id);
}

Status WindowOperatorBase::SendLate(const Batch& batch, int k) {
  metrics().Add(metrics().late_rows, 1);
  if (!ctx_.late_sink) return Status::Ok();
  if (late_.num_rows() == late_.capacity()) {
    SLUICE_RETURN_IF_ERROR(ctx_.late_sink->Write(late_));
    late_.Clear();
  }
  late_.AppendRow(batch, batch.active_row(k));
  return Status::Ok();
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<SlicedWindowOperator>> SlicedWindowOperator::Create(const Schema& input,
                                                                           WindowAggregateSpec spec,
                                                                           const OperatorContext& ctx) {
  SLUICE_ASSIGN_OR_RETURN(AggregateLayout layout, AggregateLayout::Create(spec.aggregates, input, spec.time_column));
  return std::unique_ptr<SlicedWindowOperator>(
      new SlicedWindowOperator(input, std::move(spec), std::move(layout), ctx));
}

SlicedWindowOperator::SlicedWindowOperator(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout,
                                           const OperatorContext& ctx)
    : WindowOperatorBase(input, std::move(spec), std::move(layout), ctx),
      merged_(layout_.payload_bytes()),
      single_(layout_.payload_bytes()),
      distinct_scratch_(0) {
  const WindowSpec& w = spec_.window;
  switch (w.kind) {
    case WindowKind::kTumble: slice_ms_ = slide_ms_ = w.size_ms; break;
    case WindowKind::kHop:
      slide_ms_ = w.slide_ms;
      slice_ms_ = std::gcd(w.size_ms, w.slide_ms);
      break;
    default:
      slide_ms_ = slice_ms_ = w.slide_ms;  // cumulate: step
      break;
  }
}

int64_t SlicedWindowOperator::SliceEnd(int64_t ts) const { return FloorDiv(ts, slice_ms_) * slice_ms_ + slice_ms_; }

int64_t SlicedWindowOperator::WindowStart(int64_t end) const {
  if (spec_.window.kind == WindowKind::kCumulate) return FloorDiv(end - 1, spec_.window.size_ms) * spec_.window.size_ms;
  return end - spec_.window.size_ms;
}

int64_t SlicedWindowOperator::FirstWindowEnd(int64_t s) const {
  if (spec_.window.kind == WindowKind::kHop) return NextWindowEndAfter(s - 1);
  return s;
}

// Hopping windows start at multiples of the slide, so their ends are
// size + k * slide; tumbling and cumulative windows end at multiples of the
// slide (size, step).
int64_t SlicedWindowOperator::NextWindowEndAfter(int64_t t) const {
  const int64_t offset = spec_.window.kind == WindowKind::kHop ? spec_.window.size_ms % slide_ms_ : 0;
  return offset + (FloorDiv(t - offset, slide_ms_) + 1) * slide_ms_;
}

int64_t SlicedWindowOperator::LastWindowEnd(int64_t s) const {
  const int64_t size = spec_.window.size_ms;
  switch (spec_.window.kind) {
    case WindowKind::kTumble: return s;
    case WindowKind::kHop: return FloorDiv(s - slice_ms_, slide_ms_) * slide_ms_ + size;  // start aligned to slide
    default: return FloorDiv(s - 1, size) * size + size;
  }
}

SlicedWindowOperator::Slice* SlicedWindowOperator::GetSlice(int64_t slice_end) {
  auto it = slices_.find(slice_end);
  if (it != slices_.end()) return it->second.get();
  if (!free_slices_.empty()) {
    SliceMap::node_type node = std::move(free_slices_.back());
    free_slices_.pop_back();
    node.key() = slice_end;
    Slice* raw = node.mapped().get();
    slices_.insert(std::move(node));
    return raw;
  }
  auto s = std::make_unique<Slice>(layout_.payload_bytes());
  Slice* raw = s.get();
  slices_.emplace(slice_end, std::move(s));
  return raw;
}

Status SlicedWindowOperator::AddOnTime(const Batch& batch, const int32_t* ks, int count) {
  const int64_t* ts = batch.column(spec_.time_column).data<int64_t>();
  used_runs_ = 0;
  size_t last = 0;
  for (int j = 0; j < count; ++j) {
    const int k = ks[j];
    const int64_t se = SliceEnd(ts[batch.active_row(k)]);
    if (used_runs_ == 0 || runs_[last].slice_end != se) {
      size_t i = 0;
      while (i < used_runs_ && runs_[i].slice_end != se) ++i;
      if (i == used_runs_) {
        if (used_runs_ == runs_.size()) runs_.emplace_back();
        runs_[used_runs_].slice_end = se;
        runs_[used_runs_].ks.clear();
        ++used_runs_;
      }
      last = i;
    }
    runs_[last].ks.push_back(k);
  }
  for (size_t i = 0; i < used_runs_; ++i) {
    SliceRun& run = runs_[i];
    Slice* s = GetSlice(run.slice_end);
    bool inserted;
    for (int32_t k : run.ks) entries_[k] = s->groups.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    SLUICE_RETURN_IF_ERROR(layout_.Accumulate(batch, run.ks.data(), static_cast<int>(run.ks.size()), entries_.data(),
                                              keys_, &s->groups, &s->distinct, +1));
  }
  return Status::Ok();
}

bool SlicedWindowOperator::MergeKey(int64_t end, std::string_view key, uint64_t hash) {
  single_.Clear();
  bool any = false;
  distinct_list_.clear();
  for (auto it = slices_.upper_bound(WindowStart(end)); it != slices_.end() && it->first <= end; ++it) {
    int64_t e = it->second->groups.Find(key, hash);
    if (e < 0) continue;
    bool inserted;
    single_.FindOrInsert(key, hash, &inserted);
    layout_.Merge(it->second->groups, static_cast<uint32_t>(e), &single_, 0);
    distinct_list_.push_back(&it->second->distinct);
    any = true;
  }
  if (any && layout_.has_distinct()) layout_.RecountDistinct(distinct_list_, &single_, &distinct_scratch_);
  return any;
}

Status SlicedWindowOperator::EmitWindowRow(RowKind kind, const KeyTable& table, uint32_t e, int64_t end) {
  SLUICE_ASSIGN_OR_RETURN(int row, BeginOutputRow(kind));
  const int nk = key_schema_.size();
  KeyEncoder::Decode(table.key(e), key_schema_, &out_, 0, row);
  Column& ws = out_.column(nk);
  Column& we = out_.column(nk + 1);
  ws.SetValid(row);
  we.SetValid(row);
  ws.data<int64_t>()[row] = WindowStart(end);
  we.data<int64_t>()[row] = end;
  layout_.Finalize(table, e, &out_, nk + 2, row);
  return Status::Ok();
}

Status SlicedWindowOperator::ApplyLate(const Batch& batch, int k, int64_t w) {
  const int r = batch.active_row(k);
  const int64_t ts = batch.column(spec_.time_column).data<int64_t>()[r];
  const int64_t L = spec_.window.allowed_lateness_ms;
  const int64_t se = SliceEnd(ts);
  const int64_t first = FirstWindowEnd(se);
  const int64_t last = LastWindowEnd(se);
  if (last + L <= w) return SendLate(batch, k);
  // Fired windows that still accept the row: retract their result, add, re-emit.
  int64_t updated[256];
  bool had_row[256];
  int nupdated = 0;
  for (int64_t e = first; e <= last && nupdated < 256; e += slide_ms_) {
    if (e + L > w && e <= fired_up_to_) updated[nupdated++] = e;
  }
  const std::string_view key = keys_.key(k);
  const uint64_t hash = keys_.hash(k);
  for (int i = 0; i < nupdated; ++i) {
    had_row[i] = MergeKey(updated[i], key, hash);
    if (had_row[i]) SLUICE_RETURN_IF_ERROR(EmitWindowRow(RowKind::kUpdateBefore, single_, 0, updated[i]));
  }
  Slice* s = GetSlice(se);
  bool inserted;
  entries_[k] = s->groups.FindOrInsert(key, hash, &inserted);
  int32_t one = k;
  SLUICE_RETURN_IF_ERROR(layout_.Accumulate(batch, &one, 1, entries_.data(), keys_, &s->groups, &s->distinct, +1));
  for (int i = 0; i < nupdated; ++i) {
    MergeKey(updated[i], key, hash);
    SLUICE_RETURN_IF_ERROR(
        EmitWindowRow(had_row[i] ? RowKind::kUpdateAfter : RowKind::kInsert, single_, 0, updated[i]));
  }
  return Status::Ok();
}

const KeyTable* SlicedWindowOperator::WindowResults(int64_t end) {
  auto begin = slices_.upper_bound(WindowStart(end));
  auto stop = slices_.upper_bound(end);
  if (begin == stop) return nullptr;
  if (std::next(begin) == stop) return &begin->second->groups;
  merged_.Clear();
  distinct_list_.clear();
  for (auto it = begin; it != stop; ++it) {
    const KeyTable& t = it->second->groups;
    for (uint32_t e = 0; e < t.size(); ++e) {
      bool inserted;
      uint32_t d = merged_.FindOrInsert(t.key(e), t.hash(e), &inserted);
      layout_.Merge(t, e, &merged_, d);
    }
    distinct_list_.push_back(&it->second->distinct);
  }
  if (layout_.has_distinct()) layout_.RecountDistinct(distinct_list_, &merged_, &distinct_scratch_);
  return &merged_;
}

Status SlicedWindowOperator::EmitResults(int64_t end, const KeyTable& results, bool final) {
  auto it = early_.find(end);
  if (it == early_.end()) {
    if (final) {
      for (uint32_t e = 0; e < results.size(); ++e)
        SLUICE_RETURN_IF_ERROR(EmitWindowRow(RowKind::kInsert, results, e, end));
      return Status::Ok();
    }
    it = early_.emplace(end, std::make_unique<KeyTable>(layout_.payload_bytes())).first;
  }
  KeyTable& emitted = *it->second;
  for (uint32_t e = 0; e < results.size(); ++e) {
    const int64_t prev = emitted.Find(results.key(e), results.hash(e));
    if (prev >= 0 && layout_.RowCount(emitted, static_cast<uint32_t>(prev)) == layout_.RowCount(results, e)) continue;
    if (prev >= 0)
      SLUICE_RETURN_IF_ERROR(EmitWindowRow(RowKind::kUpdateBefore, emitted, static_cast<uint32_t>(prev), end));
    SLUICE_RETURN_IF_ERROR(EmitWindowRow(prev >= 0 ? RowKind::kUpdateAfter : RowKind::kInsert, results, e, end));
    if (!final) {
      bool inserted;
      const uint32_t d = emitted.FindOrInsert(results.key(e), results.hash(e), &inserted);
      std::memset(emitted.payload(d), 0, emitted.payload_bytes());
      layout_.Merge(results, e, &emitted, d);
    }
  }
  if (final) early_.erase(it);
  return Status::Ok();
}

Status SlicedWindowOperator::FireWindow(int64_t end) {
  const KeyTable* results = WindowResults(end);
  if (results == nullptr) {
    early_.erase(end);
    return Status::Ok();
  }
  return EmitResults(end, *results, /*final=*/true);
}

Status SlicedWindowOperator::OnProcessingTime(int64_t now_ms) {
  const int64_t interval = spec_.window.early_fire_interval_ms;
  if (interval > 0 && now_ms >= next_early_ms_) {
    next_early_ms_ = now_ms + interval;
    if (!slices_.empty()) {
      // Every open window (end above the fired horizon) that holds a slice.
      const int64_t last = LastWindowEnd(slices_.rbegin()->first);
      int64_t e =
          fired_up_to_ == kMinWatermark ? FirstWindowEnd(slices_.begin()->first) : NextWindowEndAfter(fired_up_to_);
      e = std::max(e, FirstWindowEnd(slices_.begin()->first));
      for (; e <= last; e += slide_ms_) {
        const KeyTable* results = WindowResults(e);
        if (results) SLUICE_RETURN_IF_ERROR(EmitResults(e, *results, /*final=*/false));
      }
      SLUICE_RETURN_IF_ERROR(FlushOutput());
    }
  }
  return Operator::OnProcessingTime(now_ms);
}

Status SlicedWindowOperator::FireUpTo(int64_t t) {
  // Windows ending at or before `done` have fired (or were empty then).
  int64_t done = fired_up_to_;
  while (true) {
    auto it = done == kMinWatermark ? slices_.begin() : slices_.lower_bound(done - spec_.window.size_ms);
    while (it != slices_.end() && done != kMinWatermark && LastWindowEnd(it->first) <= done) ++it;
    if (it == slices_.end()) break;
    int64_t e = FirstWindowEnd(it->first);
    if (done != kMinWatermark) e = std::max(e, NextWindowEndAfter(done));
    if (e > t) break;
    SLUICE_RETURN_IF_ERROR(FireWindow(e));
    done = e;
  }
  const int64_t L = spec_.window.allowed_lateness_ms;
  while (!slices_.empty() && LastWindowEnd(slices_.begin()->first) <= t - L) {
    auto node = slices_.extract(slices_.begin());
    node.mapped()->groups.Clear();
    node.mapped()->distinct.Clear();
    free_slices_.push_back(std::move(node));
  }
  fired_up_to_ = std::max(fired_up_to_, t);
  return Status::Ok();
}

namespace {

int DistinctGroupKeyGroup(const KeyTable& distinct, uint32_t e, int num_key_groups) {
  int32_t glen;
  std::memcpy(&glen, distinct.payload(e) + 8, 4);
  return KeyGroupOf(HashKey(distinct.key(e).substr(0, glen)), num_key_groups);
}

constexpr uint8_t kWindowSnapshotVersion = 2;     // written
constexpr uint8_t kWindowSnapshotVersionOld = 1;  // still read: no pending late rows
bool KnownWindowSnapshotVersion(uint8_t v) { return v == kWindowSnapshotVersion || v == kWindowSnapshotVersionOld; }

}  // namespace

Status SlicedWindowOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  const int groups = ctx_.num_key_groups;
  SnapshotWriter w(out);
  w.Put<uint8_t>(kWindowSnapshotVersion);
  w.Put<int64_t>(fired_up_to_);
  uint32_t nslices = 0;
  auto in_group = [&](const Slice& s, uint32_t* n, uint32_t* m) {
    *n = *m = 0;
    for (uint32_t e = 0; e < s.groups.size(); ++e) *n += KeyGroupOf(s.groups.hash(e), groups) == kg;
    for (uint32_t e = 0; e < s.distinct.size(); ++e) *m += DistinctGroupKeyGroup(s.distinct, e, groups) == kg;
  };
  for (const auto& [end, s] : slices_) {
    uint32_t n, m;
    in_group(*s, &n, &m);
    nslices += n > 0;
  }
  w.Put<uint32_t>(nslices);
  for (const auto& [end, s] : slices_) {
    uint32_t n, m;
    in_group(*s, &n, &m);
    if (n == 0) continue;
    w.Put<int64_t>(end);
    w.Put<uint32_t>(n);
    for (uint32_t e = 0; e < s->groups.size(); ++e) {
      if (KeyGroupOf(s->groups.hash(e), groups) == kg) layout_.WriteEntry(s->groups, e, &w);
    }
    w.Put<uint32_t>(m);
    for (uint32_t e = 0; e < s->distinct.size(); ++e) {
      if (DistinctGroupKeyGroup(s->distinct, e, groups) != kg) continue;
      w.PutBytes(s->distinct.key(e));
      w.PutBytes(std::string_view(reinterpret_cast<const char*>(s->distinct.payload(e)), 12));
    }
  }
  SnapshotPendingLateRows(kg, &w);
  return Status::Ok();
}

Status SlicedWindowOperator::SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
  // Each key group's slices go to a body of its own as SnapshotKeyGroup()
  // writes them; the header (with the count of its slices) goes first.
  const int groups = ctx_.num_key_groups;
  std::vector<int> slot(groups, -1);
  for (size_t i = 0; i < kgs.size(); ++i) slot[kgs[i]] = static_cast<int>(i);
  std::vector<std::string> bodies(kgs.size());
  std::vector<uint32_t> nslices(kgs.size(), 0);
  std::vector<std::vector<uint32_t>> entries(kgs.size()), values(kgs.size());
  for (const auto& [end, s] : slices_) {
    for (auto& v : entries) v.clear();
    for (auto& v : values) v.clear();
    for (uint32_t e = 0; e < s->groups.size(); ++e) {
      const int i = slot[KeyGroupOf(s->groups.hash(e), groups)];
      if (i >= 0) entries[i].push_back(e);
    }
    for (uint32_t e = 0; e < s->distinct.size(); ++e) {
      const int i = slot[DistinctGroupKeyGroup(s->distinct, e, groups)];
      if (i >= 0) values[i].push_back(e);
    }
    for (size_t i = 0; i < kgs.size(); ++i) {
      if (entries[i].empty()) continue;
      ++nslices[i];
      SnapshotWriter w(&bodies[i]);
      w.Put<int64_t>(end);
      w.Put<uint32_t>(static_cast<uint32_t>(entries[i].size()));
      for (uint32_t e : entries[i]) layout_.WriteEntry(s->groups, e, &w);
      w.Put<uint32_t>(static_cast<uint32_t>(values[i].size()));
      for (uint32_t e : values[i]) {
        w.PutBytes(s->distinct.key(e));
        w.PutBytes(std::string_view(reinterpret_cast<const char*>(s->distinct.payload(e)), 12));
      }
    }
  }
  out->assign(kgs.size(), std::string());
  for (size_t i = 0; i < kgs.size(); ++i) {
    std::string& o = (*out)[i];
    o.reserve(bodies[i].size() + 64);
    SnapshotWriter w(&o);
    w.Put<uint8_t>(kWindowSnapshotVersion);
    w.Put<int64_t>(fired_up_to_);
    w.Put<uint32_t>(nslices[i]);
    o.append(bodies[i]);
    SnapshotPendingLateRows(kgs[i], &w);
  }
  return Status::Ok();
}

Status SlicedWindowOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  int64_t fired;
  uint32_t nslices;
  if (!r.Get(&version) || !KnownWindowSnapshotVersion(version) || !r.Get(&fired) || !r.Get(&nslices)) {
    return Status::Corruption(fmt::format("window snapshot of key group {}: bad header", kg));
  }
  fired_up_to_ = std::max(fired_up_to_, fired);
  for (uint32_t i = 0; i < nslices; ++i) {
    int64_t end;
    uint32_t n, m;
    if (!r.Get(&end) || !r.Get(&n)) return Status::Corruption("window snapshot: truncated slice");
    Slice* s = GetSlice(end);
    for (uint32_t j = 0; j < n; ++j) SLUICE_RETURN_IF_ERROR(layout_.ReadEntry(&r, &s->groups));
    if (!r.Get(&m)) return Status::Corruption("window snapshot: truncated slice");
    for (uint32_t j = 0; j < m; ++j) {
      std::string_view key, payload;
      if (!r.GetBytes(&key) || !r.GetBytes(&payload) || payload.size() != 12) {
        return Status::Corruption("window snapshot: truncated distinct value");
      }
      bool inserted;
      uint32_t e = s->distinct.FindOrInsert(key, HashKey(key), &inserted);
      std::memcpy(s->distinct.payload(e), payload.data(), 12);
    }
  }
  if (version >= 2) SLUICE_RETURN_IF_ERROR(RestorePendingLateRows(kg, &r));
  if (!r.done()) return Status::Corruption("window snapshot: trailing bytes");
  return Status::Ok();
}

int64_t SlicedWindowOperator::StateBytes() const {
  int64_t bytes = merged_.MemoryBytes() + single_.MemoryBytes();
  for (const auto& [end, s] : slices_) bytes += s->groups.MemoryBytes() + s->distinct.MemoryBytes();
  for (const auto& s : free_slices_) bytes += s.mapped()->groups.MemoryBytes() + s.mapped()->distinct.MemoryBytes();
  return bytes;
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<SessionWindowOperator>> SessionWindowOperator::Create(const Schema& input,
                                                                             WindowAggregateSpec spec,
                                                                             const OperatorContext& ctx) {
  SLUICE_ASSIGN_OR_RETURN(AggregateLayout layout, AggregateLayout::Create(spec.aggregates, input, spec.time_column));
  if (layout.has_distinct()) {
    return Status::Unsupported("COUNT(DISTINCT ...) over session windows is not supported yet; use HOP or TUMBLE");
  }
  return std::unique_ptr<SessionWindowOperator>(
      new SessionWindowOperator(input, std::move(spec), std::move(layout), ctx));
}

SessionWindowOperator::SessionWindowOperator(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout,
                                             const OperatorContext& ctx)
    : WindowOperatorBase(input, std::move(spec), std::move(layout), ctx),
      gap_ms_(spec_.window.gap_ms),
      keys_table_(4),
      accs_(layout_.payload_bytes()) {}

int32_t& SessionWindowOperator::Head(uint32_t key_entry) {
  return *reinterpret_cast<int32_t*>(keys_table_.payload(key_entry));  // stores head + 1; 0 = none
}

int32_t SessionWindowOperator::NewNode(uint32_t key_entry, int64_t start, int64_t end) {
  int32_t n;
  if (!free_nodes_.empty()) {
    n = free_nodes_.back();
    free_nodes_.pop_back();
    std::memset(accs_.payload(n), 0, accs_.payload_bytes());
  } else {
    n = static_cast<int32_t>(nodes_.size());
    nodes_.emplace_back();
    bool inserted;
    accs_.FindOrInsert(std::string_view(reinterpret_cast<const char*>(&n), sizeof(n)),
                       static_cast<uint64_t>(n) * 0x9E3779B97F4A7C15ULL, &inserted);
  }
  Node& node = nodes_[n];
  node = Node{start, end, Head(key_entry) - 1, key_entry, true, false, kNoTimer};
  Head(key_entry) = n + 1;
  ++live_nodes_;
  return n;
}

void SessionWindowOperator::FreeNode(int32_t n) {
  Node& node = nodes_[n];
  int32_t& head = Head(node.key_entry);
  if (head - 1 == n) {
    head = node.next + 1;
  } else {
    for (int32_t p = head - 1; p >= 0; p = nodes_[p].next) {
      if (nodes_[p].next == n) {
        nodes_[p].next = node.next;
        break;
      }
    }
  }
  node.alive = false;
  free_nodes_.push_back(n);
  --live_nodes_;
  if (head == 0) keys_table_.Erase(node.key_entry);  // the key has no session left
}

// One pending timer per node: a session whose end moves later keeps its
// earlier timer, which re-arms itself when it pops (so extending a session
// row by row costs no heap operation).
void SessionWindowOperator::Schedule(int32_t n) {
  Node& node = nodes_[n];
  const int64_t due = node.fired ? node.end + spec_.window.allowed_lateness_ms : node.end;
  if (node.timer_at != kNoTimer && node.timer_at <= due) return;
  node.timer_at = due;
  timers_.emplace(due, n);
}

Status SessionWindowOperator::EmitSession(RowKind kind, int32_t n) {
  SLUICE_ASSIGN_OR_RETURN(int row, BeginOutputRow(kind));
  const int nk = key_schema_.size();
  const Node& node = nodes_[n];
  KeyEncoder::Decode(keys_table_.key(node.key_entry), key_schema_, &out_, 0, row);
  out_.column(nk).SetValid(row);
  out_.column(nk + 1).SetValid(row);
  out_.column(nk).data<int64_t>()[row] = node.start;
  out_.column(nk + 1).data<int64_t>()[row] = node.end;
  layout_.Finalize(accs_, n, &out_, nk + 2, row);
  return Status::Ok();
}

Status SessionWindowOperator::AddRow(const Batch& batch, int k, int64_t w) {
  const int r = batch.active_row(k);
  const int64_t ts = batch.column(spec_.time_column).data<int64_t>()[r];
  int64_t lo = ts, hi = ts + gap_ms_;
  bool inserted;
  const uint32_t ke = keys_table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
  scratch_nodes_.clear();
  for (int32_t n = Head(ke) - 1; n >= 0; n = nodes_[n].next) {
    if (nodes_[n].start < hi && lo < nodes_[n].end) scratch_nodes_.push_back(n);
  }
  int32_t target;
  bool same_fired_window = false;
  if (scratch_nodes_.empty()) {
    target = NewNode(ke, lo, hi);
  } else {
    for (int32_t n : scratch_nodes_) {
      lo = std::min(lo, nodes_[n].start);
      hi = std::max(hi, nodes_[n].end);
    }
    target = scratch_nodes_[0];
    same_fired_window =
        scratch_nodes_.size() == 1 && nodes_[target].fired && nodes_[target].start == lo && nodes_[target].end == hi;
    // Merges and emissions read accumulators: the rows deferred so far go in first.
    if (scratch_nodes_.size() > 1 || nodes_[target].fired) SLUICE_RETURN_IF_ERROR(AccumulateDeferred(batch));
    for (int32_t n : scratch_nodes_) {
      if (nodes_[n].fired) {
        SLUICE_RETURN_IF_ERROR(EmitSession(same_fired_window ? RowKind::kUpdateBefore : RowKind::kDelete, n));
      }
    }
    for (size_t i = 1; i < scratch_nodes_.size(); ++i) {
      layout_.Merge(accs_, scratch_nodes_[i], &accs_, target);
      FreeNode(scratch_nodes_[i]);
    }
    nodes_[target].start = lo;
    nodes_[target].end = hi;
    nodes_[target].fired = false;
  }
  entries_[k] = static_cast<uint32_t>(target);
  // Accumulation is deferred and done for many rows in one vectorized call
  // (a session that only grows, the common case, needs nothing in between).
  deferred_.push_back(k);
  if (nodes_[target].end <= fired_up_to_) {
    // Complete already as far as the watermark goes: emit now.
    SLUICE_RETURN_IF_ERROR(AccumulateDeferred(batch));
    SLUICE_RETURN_IF_ERROR(EmitSession(same_fired_window ? RowKind::kUpdateAfter : RowKind::kInsert, target));
    nodes_[target].fired = true;
  }
  Schedule(target);
  return Status::Ok();
}

Status SessionWindowOperator::AccumulateDeferred(const Batch& batch) {
  if (deferred_.empty()) return Status::Ok();
  Status s = layout_.Accumulate(batch, deferred_.data(), static_cast<int>(deferred_.size()), entries_.data(), keys_,
                                &accs_, nullptr, +1);
  deferred_.clear();
  return s;
}

Status SessionWindowOperator::AddOnTime(const Batch& batch, const int32_t* ks, int count) {
  for (int j = 0; j < count; ++j) SLUICE_RETURN_IF_ERROR(AddRow(batch, ks[j], kMinWatermark));
  return AccumulateDeferred(batch);
}

Status SessionWindowOperator::ApplyLate(const Batch& batch, int k, int64_t w) {
  const int64_t ts = batch.column(spec_.time_column).data<int64_t>()[batch.active_row(k)];
  if (ts + gap_ms_ + spec_.window.allowed_lateness_ms <= w) return SendLate(batch, k);
  SLUICE_RETURN_IF_ERROR(AddRow(batch, k, w));
  return AccumulateDeferred(batch);
}

Status SessionWindowOperator::FireUpTo(int64_t t) {
  const int64_t L = spec_.window.allowed_lateness_ms;
  while (!timers_.empty() && timers_.top().first <= t) {
    auto [time, n] = timers_.top();
    timers_.pop();
    Node& node = nodes_[n];
    if (!node.alive || node.timer_at != time) continue;  // stale: the node was freed or re-armed
    node.timer_at = kNoTimer;
    const int64_t due = node.fired ? node.end + L : node.end;
    if (due > time) {  // the session grew since this timer was set
      Schedule(n);
      continue;
    }
    if (!node.fired) {
      SLUICE_RETURN_IF_ERROR(EmitSession(RowKind::kInsert, n));
      node.fired = true;
      if (L == 0) {
        FreeNode(n);
      } else {
        Schedule(n);
      }
    } else {
      FreeNode(n);
    }
  }
  fired_up_to_ = std::max(fired_up_to_, t);
  // String accumulators append new values to the arena; reclaim the bytes of
  // replaced values and freed sessions once they dominate.
  if (layout_.has_string_values() && accs_.blob_size() > kMinCompactBytes &&
      accs_.blob_size() > 2 * blob_after_compaction_) {
    layout_.CompactStrings(&accs_, &blob_scratch_, [&](uint32_t e) { return nodes_[e].alive; });
    blob_after_compaction_ = accs_.blob_size();
  }
  return Status::Ok();
}

Status SessionWindowOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  std::vector<std::string> one;
  SLUICE_RETURN_IF_ERROR(SnapshotKeyGroups({kg}, &one));
  out->append(one[0]);
  return Status::Ok();
}

Status SessionWindowOperator::SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
  // One pass over the keys buckets them by key group; each group is then
  // written in key-entry order.
  std::vector<int> slot(ctx_.num_key_groups, -1);
  for (size_t i = 0; i < kgs.size(); ++i) slot[kgs[i]] = static_cast<int>(i);
  std::vector<std::vector<uint32_t>> keys(kgs.size());
  for (uint32_t e = 0; e < keys_table_.size(); ++e) {
    if (!keys_table_.alive(e)) continue;
    const int i = slot[KeyGroupOf(keys_table_.hash(e), ctx_.num_key_groups)];
    if (i >= 0) keys[i].push_back(e);
  }
  out->assign(kgs.size(), std::string());
  for (size_t i = 0; i < kgs.size(); ++i) {
    SnapshotWriter w(&(*out)[i]);
    w.Put<uint8_t>(kWindowSnapshotVersion);
    w.Put<int64_t>(fired_up_to_);
    w.Put<uint32_t>(static_cast<uint32_t>(keys[i].size()));
    for (uint32_t e : keys[i]) {
      w.PutBytes(keys_table_.key(e));
      const int32_t head = *reinterpret_cast<const int32_t*>(keys_table_.payload(e)) - 1;
      uint32_t n = 0;
      for (int32_t m = head; m >= 0; m = nodes_[m].next) ++n;
      w.Put<uint32_t>(n);
      for (int32_t m = head; m >= 0; m = nodes_[m].next) {
        w.Put<int64_t>(nodes_[m].start);
        w.Put<int64_t>(nodes_[m].end);
        w.Put<uint8_t>(nodes_[m].fired ? 1 : 0);
        layout_.WriteEntry(accs_, static_cast<uint32_t>(m), &w);
      }
    }
    SnapshotPendingLateRows(kgs[i], &w);
  }
  return Status::Ok();
}

Status SessionWindowOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  int64_t fired;
  uint32_t nkeys;
  if (!r.Get(&version) || !KnownWindowSnapshotVersion(version) || !r.Get(&fired) || !r.Get(&nkeys)) {
    return Status::Corruption(fmt::format("session snapshot of key group {}: bad header", kg));
  }
  fired_up_to_ = std::max(fired_up_to_, fired);
  KeyTable scratch(layout_.payload_bytes());
  for (uint32_t i = 0; i < nkeys; ++i) {
    std::string_view key;
    uint32_t n;
    if (!r.GetBytes(&key) || !r.Get(&n)) return Status::Corruption("session snapshot: truncated key");
    if (!IsEncodedRow(key, key_schema_) || KeyGroupOf(HashKey(key), ctx_.num_key_groups) != kg) {
      return Status::Corruption(
          fmt::format("session snapshot of key group {}: a key is malformed or of another group", kg));
    }
    bool inserted;
    const uint32_t ke = keys_table_.FindOrInsert(key, HashKey(key), &inserted);
    for (uint32_t j = 0; j < n; ++j) {
      int64_t start, end;
      uint8_t was_fired;
      if (!r.Get(&start) || !r.Get(&end) || !r.Get(&was_fired)) {
        return Status::Corruption("session snapshot: truncated session");
      }
      scratch.Clear();
      SLUICE_RETURN_IF_ERROR(layout_.ReadEntry(&r, &scratch));
      const int32_t m = NewNode(ke, start, end);
      layout_.Merge(scratch, 0, &accs_, static_cast<uint32_t>(m));
      nodes_[m].fired = was_fired != 0;
      Schedule(m);
    }
  }
  if (version >= 2) SLUICE_RETURN_IF_ERROR(RestorePendingLateRows(kg, &r));
  if (!r.done()) return Status::Corruption("session snapshot: trailing bytes");
  return Status::Ok();
}

int64_t SessionWindowOperator::StateBytes() const {
  return keys_table_.MemoryBytes() + accs_.MemoryBytes() + static_cast<int64_t>(nodes_.capacity() * sizeof(Node));
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<Operator>> CreateWindowOperator(const Schema& input, const WindowAggregateSpec& spec,
                                                       const OperatorContext& ctx) {
  if (spec.time_column < 0 || spec.time_column >= input.size() ||
      input.field(spec.time_column).type != DataType::kTimestamp) {
    return Status::InvalidArgument("a window aggregation needs the TIMESTAMP(3) event-time column of its input");
  }
  const WindowSpec& w = spec.window;
  if (w.allowed_lateness_ms < 0) return Status::InvalidArgument("allowed lateness must not be negative");
  switch (w.kind) {
    case WindowKind::kSession: {
      if (w.gap_ms <= 0) return Status::InvalidArgument("session gap must be positive");
      if (w.early_fire_interval_ms > 0) {
        return Status::Unsupported("early results of session windows are not supported yet");
      }
      SLUICE_ASSIGN_OR_RETURN(auto op, SessionWindowOperator::Create(input, spec, ctx));
      return std::unique_ptr<Operator>(std::move(op));
    }
    case WindowKind::kCumulate:
      if (w.slide_ms <= 0 || w.size_ms <= 0 || w.size_ms % w.slide_ms != 0) {
        return Status::InvalidArgument(
            fmt::format("{}: the max size must be a positive multiple of the step", w.ToString()));
      }
      break;
    case WindowKind::kHop:
      if (w.slide_ms <= 0 || w.size_ms <= 0) return Status::InvalidArgument("HOP size and slide must be positive");
      break;
    case WindowKind::kTumble:
      if (w.size_ms <= 0) return Status::InvalidArgument("TUMBLE size must be positive");
      break;
  }
  SLUICE_ASSIGN_OR_RETURN(auto op, SlicedWindowOperator::Create(input, spec, ctx));
  return std::unique_ptr<Operator>(std::move(op));
}

}  // namespace sluice::engine
