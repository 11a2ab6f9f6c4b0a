#include "engine/over_aggregate_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "engine/sink.h"
#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

// A FIFO/deque over a power-of-two ring: push and pop at both ends without
// allocating once it has grown to the largest size it holds.
template <typename T>
class Ring {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  const T& operator[](size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  void push_back(const T& v) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void pop_back() { --size_; }
  void clear() {
    head_ = 0;
    size_ = 0;
  }
  size_t capacity() const { return buf_.size(); }

 private:
  void Grow() {
    std::vector<T> bigger(std::max<size_t>(8, buf_.size() * 2));
    for (size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

constexpr uint8_t kOverSnapshotVersion = 1;

}  // namespace

struct OverAggregateOperator::Impl {
  // One aggregate: its function, argument column (-1: COUNT(*)) and types.
  struct Agg {
    AggKind kind;
    int arg = -1;
    DataType arg_type = DataType::kInt64;
    DataType out_type = DataType::kInt64;
  };
  // A running accumulator. Bounded frames use count/isum/dsum only (MIN,
  // MAX, FIRST and LAST come from the deques); UNBOUNDED frames use it all.
  struct Acc {
    int64_t count = 0;  // rows (COUNT(*)) or non-NULL arguments
    int64_t isum = 0;
    double dsum = 0;
    bool has = false;
    int64_t i = 0;  // INT/BIGINT/TIMESTAMP/BOOLEAN value
    double d = 0;
    std::string s;
  };
  struct PendingRow {
    int64_t ts;
    int64_t seq;  // arrival order within the key: ties in ts keep it
    int32_t slot;
  };
  struct FrameRow {
    int64_t ts;
    int32_t slot;
  };
  struct KeyState {
    uint32_t entry = 0;  // its KeyTable entry
    bool alive = false;
    bool listed = false;  // in keys_pending
    int64_t next_seq = 0;
    std::vector<PendingRow> pending;
    int64_t min_pending = kMaxWatermark;  // the smallest ts in pending
    Ring<FrameRow> frame;
    int64_t frame_base = 0;  // absolute index of frame[0]
    std::vector<Acc> acc;
    std::vector<Ring<int64_t>> deques;  // absolute frame indexes, per aggregate
  };

  Impl(OverAggregateOperator* op, const Schema& input, OverSpec spec, std::vector<Agg> aggs, const OperatorContext& ctx)
      : op(op),
        input(input),
        spec(std::move(spec)),
        aggs(std::move(aggs)),
        ctx(ctx),
        keys(this->spec.partition_keys),
        index(sizeof(uint32_t)),
        out(op->output_schema_, ctx.batch_capacity),
        late(input, ctx.batch_capacity) {}

  bool bounded() const { return spec.preceding != kUnboundedPreceding; }

  // --- row store: chunks of batches, a chunk reused once all its rows left.
  int32_t StoreRow(const Batch& batch, int row) {
    if (current_chunk < 0 || chunks[current_chunk]->num_rows() == ctx.batch_capacity) {
      if (current_chunk >= 0 && chunk_live[current_chunk] == 0) free_chunks.push_back(current_chunk);
      if (!free_chunks.empty()) {
        current_chunk = free_chunks.back();
        free_chunks.pop_back();
        chunks[current_chunk]->Clear();
      } else {
        current_chunk = static_cast<int32_t>(chunks.size());
        chunks.push_back(std::make_unique<Batch>(input, ctx.batch_capacity));
        chunk_live.push_back(0);
      }
    }
    Batch& c = *chunks[current_chunk];
    const int at = c.num_rows();
    c.AppendRow(batch, row);
    ++chunk_live[current_chunk];
    ++stored_rows;
    return current_chunk * ctx.batch_capacity + at;
  }
  void ReleaseRow(int32_t slot) {
    const int32_t c = slot / ctx.batch_capacity;
    --stored_rows;
    if (--chunk_live[c] == 0 && c != current_chunk) free_chunks.push_back(c);
  }
  const Batch& Chunk(int32_t slot) const { return *chunks[slot / ctx.batch_capacity]; }
  static int Row(int32_t slot, int capacity) { return slot % capacity; }

  // --- values
  bool IsNull(int32_t slot, int col) const { return Chunk(slot).column(col).IsNull(slot % ctx.batch_capacity); }
  int64_t IntAt(int32_t slot, const Agg& a) const {
    const Column& c = Chunk(slot).column(a.arg);
    const int r = slot % ctx.batch_capacity;
    switch (a.arg_type) {
      case DataType::kInt32:
      case DataType::kDate: return c.data<int32_t>()[r];
      case DataType::kBool: return c.data<uint8_t>()[r];
      default: return c.data<int64_t>()[r];
    }
  }
  double DoubleAt(int32_t slot, const Agg& a) const {
    return Chunk(slot).column(a.arg).data<double>()[slot % ctx.batch_capacity];
  }
  std::string_view StringAt(int32_t slot, const Agg& a) const {
    return Chunk(slot).column(a.arg).GetString(slot % ctx.batch_capacity);
  }
  // <0, 0, >0 as the argument of slot x compares to that of slot y.
  int Compare(int32_t x, int32_t y, const Agg& a) const {
    switch (a.arg_type) {
      case DataType::kDouble: {
        double u = DoubleAt(x, a), v = DoubleAt(y, a);
        return u < v ? -1 : (u > v ? 1 : 0);
      }
      case DataType::kString: return StringAt(x, a).compare(StringAt(y, a));
      default: {
        int64_t u = IntAt(x, a), v = IntAt(y, a);
        return u < v ? -1 : (u > v ? 1 : 0);
      }
    }
  }

  // --- keys
  KeyState& KeyOf(uint32_t k) { return states[k]; }
  uint32_t FindOrAddKey(std::string_view key, uint64_t hash) {
    bool inserted;
    const uint32_t e = index.FindOrInsert(key, hash, &inserted);
    uint32_t* p = reinterpret_cast<uint32_t*>(index.payload(e));
    if (!inserted) return *p;
    uint32_t k;
    if (!free_states.empty()) {
      k = free_states.back();
      free_states.pop_back();
    } else {
      k = static_cast<uint32_t>(states.size());
      states.emplace_back();
    }
    KeyState& s = states[k];
    s.entry = e;
    s.alive = true;
    s.listed = false;
    s.next_seq = 0;
    s.pending.clear();
    s.min_pending = kMaxWatermark;
    s.frame.clear();
    s.frame_base = 0;
    s.acc.assign(aggs.size(), Acc{});
    s.deques.resize(aggs.size());
    for (auto& d : s.deques) d.clear();
    *p = k;
    return k;
  }
  void MaybeForget(uint32_t k) {
    KeyState& s = states[k];
    if (!bounded() || !s.pending.empty() || !s.frame.empty() || !s.alive) return;
    index.Erase(s.entry);
    s.alive = false;
    free_states.push_back(k);
  }

  // --- frames
  void AddToAcc(Acc& acc, const Agg& a, int32_t slot) {
    if (a.arg < 0) {
      ++acc.count;
      return;
    }
    if (IsNull(slot, a.arg)) return;
    ++acc.count;
    if (a.kind == AggKind::kSum || a.kind == AggKind::kAvg) {
      if (a.arg_type == DataType::kDouble) {
        acc.dsum += DoubleAt(slot, a);
      } else {
        acc.isum = static_cast<int64_t>(static_cast<uint64_t>(acc.isum) + static_cast<uint64_t>(IntAt(slot, a)));
      }
    }
  }
  void PushFrame(KeyState& s, int64_t ts, int32_t slot) {
    const int64_t abs = s.frame_base + static_cast<int64_t>(s.frame.size());
    s.frame.push_back(FrameRow{ts, slot});
    for (size_t i = 0; i < aggs.size(); ++i) {
      const Agg& a = aggs[i];
      AddToAcc(s.acc[i], a, slot);
      if (a.arg < 0 || IsNull(slot, a.arg)) continue;
      Ring<int64_t>& d = s.deques[i];
      if (a.kind == AggKind::kMin || a.kind == AggKind::kMax) {
        const int sign = a.kind == AggKind::kMin ? 1 : -1;
        // Drop older values the new one dominates for as long as both are in the frame.
        while (!d.empty() && sign * Compare(s.frame[d.back() - s.frame_base].slot, slot, a) > 0) d.pop_back();
        d.push_back(abs);
      } else if (a.kind == AggKind::kFirstValue || a.kind == AggKind::kLastValue) {
        d.push_back(abs);
      }
    }
  }
  void PopFrame(KeyState& s) {
    const int32_t slot = s.frame.front().slot;
    for (size_t i = 0; i < aggs.size(); ++i) {
      const Agg& a = aggs[i];
      Acc& acc = s.acc[i];
      if (a.arg >= 0 && IsNull(slot, a.arg)) continue;
      --acc.count;
      if (a.arg >= 0 && (a.kind == AggKind::kSum || a.kind == AggKind::kAvg)) {
        if (a.arg_type == DataType::kDouble) {
          acc.dsum -= DoubleAt(slot, a);
        } else {
          acc.isum = static_cast<int64_t>(static_cast<uint64_t>(acc.isum) - static_cast<uint64_t>(IntAt(slot, a)));
        }
      }
      if (acc.count == 0) acc.dsum = 0;  // no drift left behind by an emptied frame
      Ring<int64_t>& d = s.deques[i];
      if (!d.empty() && d.front() == s.frame_base) d.pop_front();
    }
    s.frame.pop_front();
    ++s.frame_base;
    ReleaseRow(slot);
  }
  // UNBOUNDED: folds the row into the running accumulators.
  void Accumulate(KeyState& s, int32_t slot) {
    for (size_t i = 0; i < aggs.size(); ++i) {
      const Agg& a = aggs[i];
      Acc& acc = s.acc[i];
      AddToAcc(acc, a, slot);
      if (a.arg < 0 || IsNull(slot, a.arg)) continue;
      bool take = false;
      switch (a.kind) {
        case AggKind::kMin:
        case AggKind::kMax: {
          if (!acc.has) {
            take = true;
            break;
          }
          int c;
          if (a.arg_type == DataType::kDouble) {
            double v = DoubleAt(slot, a);
            c = v < acc.d ? -1 : (v > acc.d ? 1 : 0);
          } else if (a.arg_type == DataType::kString) {
            c = StringAt(slot, a).compare(acc.s);
          } else {
            int64_t v = IntAt(slot, a);
            c = v < acc.i ? -1 : (v > acc.i ? 1 : 0);
          }
          take = a.kind == AggKind::kMin ? c < 0 : c > 0;
          break;
        }
        case AggKind::kFirstValue: take = !acc.has; break;
        case AggKind::kLastValue: take = true; break;
        default: break;
      }
      if (!take) continue;
      acc.has = true;
      if (a.arg_type == DataType::kDouble) {
        acc.d = DoubleAt(slot, a);
      } else if (a.arg_type == DataType::kString) {
        acc.s.assign(StringAt(slot, a));
      } else {
        acc.i = IntAt(slot, a);
      }
    }
  }

  // --- output
  void WriteValue(Column& col, int row, const Agg& a, int32_t from_slot) {
    col.CopyRow(Chunk(from_slot).column(a.arg), from_slot % ctx.batch_capacity, row);
  }
  void WriteAcc(Column& col, int row, const Agg& a, const Acc& acc) {
    col.SetValid(row);
    switch (a.out_type) {
      case DataType::kDouble: col.data<double>()[row] = acc.d; break;
      case DataType::kString: col.SetString(row, acc.s); break;
      case DataType::kInt32:
      case DataType::kDate: col.data<int32_t>()[row] = static_cast<int32_t>(acc.i); break;
      case DataType::kBool: col.data<uint8_t>()[row] = static_cast<uint8_t>(acc.i); break;
      default: col.data<int64_t>()[row] = acc.i; break;
    }
  }
  Status EmitRow(KeyState& s, int32_t slot) {
    if (out.num_rows() == out.capacity()) SLUICE_RETURN_IF_ERROR(FlushOut());
    const int row = out.num_rows();
    const Batch& src = Chunk(slot);
    const int sr = slot % ctx.batch_capacity;
    const int n_in = input.size();
    for (int c = 0; c < n_in; ++c) out.column(c).CopyRow(src.column(c), sr, row);
    for (size_t i = 0; i < aggs.size(); ++i) {
      const Agg& a = aggs[i];
      const Acc& acc = s.acc[i];
      Column& col = out.column(n_in + static_cast<int>(i));
      switch (a.kind) {
        case AggKind::kCount:
          col.SetValid(row);
          col.data<int64_t>()[row] = acc.count;
          break;
        case AggKind::kSum:
        case AggKind::kAvg: {
          if (acc.count == 0) {
            col.SetNull(row);
            break;
          }
          col.SetValid(row);
          const bool avg = a.kind == AggKind::kAvg;
          if (a.out_type == DataType::kDouble) {
            col.data<double>()[row] = avg ? acc.dsum / static_cast<double>(acc.count) : acc.dsum;
          } else if (a.out_type == DataType::kInt32) {
            col.data<int32_t>()[row] = static_cast<int32_t>(acc.isum / acc.count);
          } else {
            col.data<int64_t>()[row] = avg ? acc.isum / acc.count : acc.isum;
          }
          break;
        }
        default: {
          if (bounded()) {
            const Ring<int64_t>& d = s.deques[i];
            if (d.empty()) {
              col.SetNull(row);
              break;
            }
            const int64_t at = a.kind == AggKind::kLastValue ? const_cast<Ring<int64_t>&>(d).back()
                                                             : const_cast<Ring<int64_t>&>(d).front();
            WriteValue(col, row, a, s.frame[at - s.frame_base].slot);
          } else if (!acc.has) {
            col.SetNull(row);
          } else {
            WriteAcc(col, row, a, acc);
          }
        }
      }
    }
    out.set_num_rows(row + 1);
    return Status::Ok();
  }
  Status FlushOut() {
    if (late.num_rows() > 0) {
      if (ctx.late_sink) SLUICE_RETURN_IF_ERROR(ctx.late_sink->Write(late));
      late.Clear();
    }
    if (out.num_rows() == 0) return Status::Ok();
    Status st = op->Emit(out);
    out.Clear();
    return st;
  }
  Status SendLate(const Batch& batch, int row) {
    op->metrics().Add(op->metrics().late_rows, 1);
    if (!ctx.late_sink) return Status::Ok();
    if (late.num_rows() == late.capacity()) {
      SLUICE_RETURN_IF_ERROR(ctx.late_sink->Write(late));
      late.Clear();
    }
    late.AppendRow(batch, row);
    return Status::Ok();
  }

  // Processes the pending rows of key `k` with ts < watermark, in (ts, seq) order.
  Status Fire(uint32_t k) {
    KeyState& s = states[k];
    std::sort(s.pending.begin(), s.pending.end(),
              [](const PendingRow& x, const PendingRow& y) { return x.ts != y.ts ? x.ts < y.ts : x.seq < y.seq; });
    size_t done = 0;
    const size_t n = s.pending.size();
    while (done < n && s.pending[done].ts < watermark) {
      const int64_t ts = s.pending[done].ts;
      if (spec.unit == OverFrameUnit::kRows) {
        const int32_t slot = s.pending[done].slot;
        if (bounded()) {
          PushFrame(s, ts, slot);
          while (static_cast<int64_t>(s.frame.size()) > spec.preceding + 1) PopFrame(s);
          SLUICE_RETURN_IF_ERROR(EmitRow(s, slot));
        } else {
          Accumulate(s, slot);
          SLUICE_RETURN_IF_ERROR(EmitRow(s, slot));
          ReleaseRow(slot);
        }
        ++done;
        continue;
      }
      // RANGE: every peer (same ts) is in the frame of each of them.
      size_t end = done;
      while (end < n && s.pending[end].ts == ts) ++end;
      for (size_t j = done; j < end; ++j) {
        if (bounded()) {
          PushFrame(s, ts, s.pending[j].slot);
        } else {
          Accumulate(s, s.pending[j].slot);
        }
      }
      if (bounded()) {
        while (!s.frame.empty() && s.frame.front().ts < ts - spec.preceding) PopFrame(s);
        expiry.emplace(ts + spec.preceding, k);
      }
      for (size_t j = done; j < end; ++j) {
        SLUICE_RETURN_IF_ERROR(EmitRow(s, s.pending[j].slot));
        if (!bounded()) ReleaseRow(s.pending[j].slot);
      }
      done = end;
    }
    s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<std::ptrdiff_t>(done));
    s.min_pending = s.pending.empty() ? kMaxWatermark : s.pending.front().ts;
    return Status::Ok();
  }

  Status Process(Batch& batch) {
    const int n = batch.active_rows();
    if (n == 0) return Status::Ok();
    keys.Encode(batch);
    const Column& times = batch.column(spec.time_column);
    for (int k = 0; k < n; ++k) {
      const int r = batch.active_row(k);
      if (batch.row_kind(r) != RowKind::kInsert) {
        return Status::Unsupported(fmt::format(
            "OVER aggregation needs an append-only input but got a {} row; aggregate an insert-only stream "
            "(not the result of a GROUP BY without window, a deduplication keeping the last row or a top-N)",
            RowKindName(batch.row_kind(r))));
      }
      if (times.IsNull(r)) {
        op->metrics().Add(op->metrics().dropped_rows, 1);
        continue;
      }
      const int64_t ts = times.data<int64_t>()[r];
      if (batch.late_watermark(r) != kNotLate || ts < watermark) {
        SLUICE_RETURN_IF_ERROR(SendLate(batch, r));
        continue;
      }
      const uint32_t key = FindOrAddKey(keys.key(k), keys.hash(k));
      KeyState& s = states[key];
      s.pending.push_back(PendingRow{ts, s.next_seq++, StoreRow(batch, r)});
      s.min_pending = std::min(s.min_pending, ts);
      if (!s.listed) {
        s.listed = true;
        keys_pending.push_back(key);
      }
    }
    SLUICE_RETURN_IF_ERROR(FlushOut());
    op->metrics().state_bytes.store(op->StateBytes(), std::memory_order_relaxed);
    return Status::Ok();
  }

  Status OnWatermark(int64_t wm) {
    if (wm <= watermark) return Status::Ok();
    watermark = wm;
    size_t kept = 0;
    for (size_t i = 0; i < keys_pending.size(); ++i) {
      const uint32_t k = keys_pending[i];
      KeyState& s = states[k];
      if (s.min_pending < watermark) SLUICE_RETURN_IF_ERROR(Fire(k));
      if (s.pending.empty()) {
        s.listed = false;
        MaybeForget(k);
      } else {
        keys_pending[kept++] = k;
      }
    }
    keys_pending.resize(kept);
    // RANGE: a future row has ts >= watermark, so framed rows below
    // watermark - preceding are in no frame any more, idle keys included.
    if (bounded() && spec.unit == OverFrameUnit::kRange && watermark != kMaxWatermark) {
      const int64_t limit = watermark - spec.preceding;
      while (!expiry.empty() && expiry.top().first < watermark) {
        const uint32_t k = expiry.top().second;
        expiry.pop();
        KeyState& s = states[k];
        if (!s.alive) continue;
        while (!s.frame.empty() && s.frame.front().ts < limit) PopFrame(s);
        MaybeForget(k);
      }
    }
    return FlushOut();
  }

  OverAggregateOperator* op;
  Schema input;
  OverSpec spec;
  std::vector<Agg> aggs;
  OperatorContext ctx;
  KeyEncoder keys;
  KeyTable index;  // key -> index into states
  std::vector<KeyState> states;
  std::vector<uint32_t> free_states;
  std::vector<uint32_t> keys_pending;
  // (ts + preceding, key) of processed RANGE groups: when the watermark
  // passes it, the key's frame can shrink.
  std::priority_queue<std::pair<int64_t, uint32_t>, std::vector<std::pair<int64_t, uint32_t>>, std::greater<>> expiry;
  int64_t watermark = kMinWatermark;
  std::vector<std::unique_ptr<Batch>> chunks;
  std::vector<int32_t> chunk_live;
  std::vector<int32_t> free_chunks;
  int32_t current_chunk = -1;
  int64_t stored_rows = 0;
  Batch out;
  Batch late;
};

Result<std::unique_ptr<OverAggregateOperator>> OverAggregateOperator::Create(const Schema& input, OverSpec spec,
                                                                             const OperatorContext& ctx) {
  if (spec.time_column < 0 || spec.time_column >= input.size() ||
      input.field(spec.time_column).type != DataType::kTimestamp) {
    return Status::InvalidArgument("an OVER aggregation orders by the TIMESTAMP(3) event-time column of its input");
  }
  for (int k : spec.partition_keys) {
    if (k < 0 || k >= input.size()) return Status::InvalidArgument("OVER partition column out of range");
  }
  if (spec.preceding < 0 && spec.preceding != kUnboundedPreceding) {
    return Status::InvalidArgument(fmt::format("an OVER frame cannot start {} {} after the current row",
                                               -spec.preceding, spec.unit == OverFrameUnit::kRows ? "rows" : "ms"));
  }
  if (spec.aggregates.empty()) return Status::InvalidArgument("an OVER aggregation needs at least one aggregate");
  std::vector<Impl::Agg> aggs;
  std::vector<Field> fields = input.fields();
  for (const AggregateSpec& s : spec.aggregates) {
    Impl::Agg a;
    a.kind = s.kind;
    if (s.kind == AggKind::kCountDistinct) {
      return Status::Unsupported("COUNT(DISTINCT ...) OVER (...) is not supported; use a GROUP BY or a window");
    }
    if (s.kind == AggKind::kVarPop || s.kind == AggKind::kVarSamp || s.kind == AggKind::kStddevPop ||
        s.kind == AggKind::kStddevSamp || s.kind == AggKind::kListAgg) {
      return Status::Unsupported(fmt::format("{}(...) OVER (...) is not supported yet", AggKindName(s.kind)));
    }
    if (s.arg_index >= 0) {
      if (s.arg_index >= input.size()) return Status::InvalidArgument("OVER aggregate argument out of range");
      a.arg = s.arg_index;
    } else if (!s.arg.empty()) {
      SLUICE_ASSIGN_OR_RETURN(a.arg, input.IndexOf(s.arg));
    } else if (s.kind != AggKind::kCount) {
      return Status::InvalidArgument(fmt::format("{} needs an argument column", AggKindName(s.kind)));
    }
    if (a.arg >= 0) a.arg_type = input.field(a.arg).type;
    switch (s.kind) {
      case AggKind::kCount: a.out_type = DataType::kInt64; break;
      case AggKind::kSum:
      case AggKind::kAvg:
        if (!IsNumeric(a.arg_type)) {
          return Status::InvalidArgument(fmt::format("{}({}) needs a numeric column, not {}", AggKindName(s.kind),
                                                     input.field(a.arg).name, DataTypeName(a.arg_type)));
        }
        // As AggregateLayout: SUM of integers is BIGINT, AVG keeps its argument's type.
        a.out_type = a.arg_type == DataType::kDouble ? DataType::kDouble
                     : s.kind == AggKind::kAvg       ? a.arg_type
                                                     : DataType::kInt64;
        break;
      default: a.out_type = a.arg_type; break;
    }
    std::string out_name = s.output_name;
    if (out_name.empty()) {
      out_name = a.arg < 0 ? fmt::format("{}_star", AggKindName(s.kind))
                           : fmt::format("{}_{}", AggKindName(s.kind), input.field(a.arg).name);
      for (char& c : out_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.name == out_name; })) {
      return Status::InvalidArgument(
          fmt::format("OVER aggregate output column {} clashes with another column; give it another alias", out_name));
    }
    fields.push_back({out_name, a.out_type});
    aggs.push_back(a);
  }
  std::unique_ptr<OverAggregateOperator> op(new OverAggregateOperator(Schema(fields)));
  op->impl_ = std::make_unique<Impl>(op.get(), input, std::move(spec), std::move(aggs), ctx);
  return op;
}

OverAggregateOperator::OverAggregateOperator(Schema output) : output_schema_(std::move(output)) {}

OverAggregateOperator::~OverAggregateOperator() = default;

Status OverAggregateOperator::Process(Batch& batch) { return impl_->Process(batch); }

Status OverAggregateOperator::OnWatermark(int64_t watermark) {
  SLUICE_RETURN_IF_ERROR(impl_->OnWatermark(watermark));
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return EmitWatermark(watermark);
}

int64_t OverAggregateOperator::StateBytes() const {
  // Counted from sizes, not by walking every key: this runs after every batch.
  const Impl& m = *impl_;
  int64_t bytes = m.index.MemoryBytes();
  for (const auto& c : m.chunks) bytes += static_cast<int64_t>(c->MemoryBytes());
  const size_t per_key = sizeof(Impl::KeyState) + m.aggs.size() * (sizeof(Impl::Acc) + 64);
  const size_t per_row = sizeof(Impl::PendingRow) + m.aggs.size() * sizeof(int64_t);
  bytes += static_cast<int64_t>(m.states.size() * per_key) + m.stored_rows * static_cast<int64_t>(per_row);
  return bytes;
}

// ---------------------------------------------------------------------------
// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   u8  frame unit (0 ROWS, 1 RANGE) and i64 preceding: must match the restoring operator
//   i64 watermark the operator had reached (restore keeps the larger one)
//   u32 keys, each:
//     bytes key          the encoded partition key (KeyEncoder)
//     i64   next_seq     the arrival counter of the key
//     u32   pending rows, each: i64 ts, i64 seq, bytes row (snapshot_rows.h)
//     u32   frame rows, oldest first, each: i64 ts, bytes row
//     UNBOUNDED frames only, per aggregate: i64 count, i64 isum, f64 dsum,
//           u8 has, i64 i, f64 d, bytes s
//
// Bounded frames rebuild their sums and deques by adding the frame rows again.

Status OverAggregateOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  const Impl& m = *impl_;
  SnapshotWriter w(out);
  w.Put<uint8_t>(kOverSnapshotVersion);
  w.Put<uint8_t>(m.spec.unit == OverFrameUnit::kRows ? 0 : 1);
  w.Put<int64_t>(m.spec.preceding);
  w.Put<int64_t>(m.watermark);
  uint32_t count = 0;
  for (const Impl::KeyState& s : m.states) {
    if (s.alive && KeyGroupOf(m.index.hash(s.entry), m.ctx.num_key_groups) == kg) ++count;
  }
  w.Put<uint32_t>(count);
  std::string scratch;
  const int cap = m.ctx.batch_capacity;
  for (const Impl::KeyState& s : m.states) {
    if (!s.alive || KeyGroupOf(m.index.hash(s.entry), m.ctx.num_key_groups) != kg) continue;
    w.PutBytes(m.index.key(s.entry));
    w.Put<int64_t>(s.next_seq);
    w.Put<uint32_t>(static_cast<uint32_t>(s.pending.size()));
    for (const Impl::PendingRow& p : s.pending) {
      w.Put<int64_t>(p.ts);
      w.Put<int64_t>(p.seq);
      PutRow(m.Chunk(p.slot), p.slot % cap, &w, &scratch);
    }
    w.Put<uint32_t>(static_cast<uint32_t>(s.frame.size()));
    for (size_t i = 0; i < s.frame.size(); ++i) {
      const Impl::FrameRow& f = s.frame[i];
      w.Put<int64_t>(f.ts);
      PutRow(m.Chunk(f.slot), f.slot % cap, &w, &scratch);
    }
    if (!m.bounded()) {
      for (const Impl::Acc& a : s.acc) {
        w.Put<int64_t>(a.count);
        w.Put<int64_t>(a.isum);
        w.Put<double>(a.dsum);
        w.Put<uint8_t>(a.has ? 1 : 0);
        w.Put<int64_t>(a.i);
        w.Put<double>(a.d);
        w.PutBytes(a.s);
      }
    }
  }
  return Status::Ok();
}

Status OverAggregateOperator::RestoreKeyGroup(int kg, std::string_view data) {
  Impl& m = *impl_;
  SnapshotReader r(data);
  auto corrupt = [&](std::string_view what) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: {}", name(), kg, what));
  };
  uint8_t version, unit;
  int64_t preceding, watermark;
  uint32_t count;
  if (!r.Get(&version) || version != kOverSnapshotVersion || !r.Get(&unit) || !r.Get(&preceding) ||
      !r.Get(&watermark) || !r.Get(&count)) {
    return corrupt("bad header");
  }
  if (unit != (m.spec.unit == OverFrameUnit::kRows ? 0 : 1) || preceding != m.spec.preceding) {
    return corrupt("it was made by an OVER aggregation with another frame");
  }
  m.watermark = std::max(m.watermark, watermark);
  Batch one(m.input, 1);
  auto read_row = [&](std::string_view bytes) -> Result<int32_t> {
    one.Clear();
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow(bytes, &one, name()));
    return m.StoreRow(one, 0);
  };
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view key;
    int64_t next_seq;
    uint32_t pending;
    if (!r.GetBytes(&key) || !r.Get(&next_seq) || !r.Get(&pending)) return corrupt("truncated key");
    const uint64_t hash = HashKey(key);
    if (KeyGroupOf(hash, m.ctx.num_key_groups) != kg) return corrupt("it holds a key of another key group");
    const uint32_t k = m.FindOrAddKey(key, hash);
    Impl::KeyState& s = m.states[k];
    s.next_seq = std::max(s.next_seq, next_seq);
    for (uint32_t j = 0; j < pending; ++j) {
      int64_t ts, seq;
      std::string_view row;
      if (!r.Get(&ts) || !r.Get(&seq) || !r.GetBytes(&row)) return corrupt("truncated pending row");
      SLUICE_ASSIGN_OR_RETURN(int32_t slot, read_row(row));
      s.pending.push_back(Impl::PendingRow{ts, seq, slot});
      s.min_pending = std::min(s.min_pending, ts);
    }
    if (!s.pending.empty() && !s.listed) {
      s.listed = true;
      m.keys_pending.push_back(k);
    }
    uint32_t framed;
    if (!r.Get(&framed)) return corrupt("truncated frame");
    int64_t last_ts = kMinWatermark;
    for (uint32_t j = 0; j < framed; ++j) {
      int64_t ts;
      std::string_view row;
      if (!r.Get(&ts) || !r.GetBytes(&row)) return corrupt("truncated frame row");
      SLUICE_ASSIGN_OR_RETURN(int32_t slot, read_row(row));
      m.PushFrame(s, ts, slot);
      last_ts = ts;
    }
    if (framed > 0 && m.spec.unit == OverFrameUnit::kRange) m.expiry.emplace(last_ts + m.spec.preceding, k);
    if (!m.bounded()) {
      for (Impl::Acc& a : s.acc) {
        uint8_t has;
        std::string_view sv;
        if (!r.Get(&a.count) || !r.Get(&a.isum) || !r.Get(&a.dsum) || !r.Get(&has) || !r.Get(&a.i) || !r.Get(&a.d) ||
            !r.GetBytes(&sv)) {
          return corrupt("truncated accumulators");
        }
        a.has = has != 0;
        a.s.assign(sv);
      }
    }
  }
  if (!r.done()) return corrupt("trailing bytes");
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
