#include "engine/rank_operators.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <numeric>

#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr size_t kMinCompactBytes = 1 << 16;

std::vector<int> AllColumns(const Schema& s) {
  std::vector<int> all(s.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

Status CheckColumns(const Schema& input, const std::vector<int>& cols, std::string_view what) {
  for (int c : cols) {
    if (c < 0 || c >= input.size()) return Status::InvalidArgument(fmt::format("{}: column ${} out of range", what, c));
  }
  return Status::Ok();
}

// Copies the bytes every entry still references into a fresh arena.
// `refs(e, visit)` calls visit(uint32_t* offset, uint32_t length) per stored row of entry e.
template <typename Refs>
void Compact(KeyTable* table, std::vector<char>* scratch, Refs refs) {
  scratch->clear();
  for (uint32_t e = 0; e < table->size(); ++e) {
    refs(e, [&](uint8_t* offset_field, uint32_t length) {
      uint32_t off;
      std::memcpy(&off, offset_field, 4);
      std::string_view bytes = table->LoadBytes(off, length);
      uint32_t moved = static_cast<uint32_t>(scratch->size());
      scratch->insert(scratch->end(), bytes.begin(), bytes.end());
      std::memcpy(offset_field, &moved, 4);
    });
  }
  table->SwapBlob(scratch);
}

}  // namespace

// ---------------------------------------------------------------------------

Result<std::unique_ptr<DeduplicateOperator>> DeduplicateOperator::Create(const Schema& input, DeduplicateSpec spec,
                                                                         const OperatorContext& ctx) {
  SLUICE_RETURN_IF_ERROR(CheckColumns(input, spec.key_columns, "deduplicate key"));
  if (spec.time_column < 0 || spec.time_column >= input.size() ||
      input.field(spec.time_column).type != DataType::kTimestamp) {
    return Status::InvalidArgument("deduplication orders by the TIMESTAMP(3) event-time column");
  }
  std::unique_ptr<DeduplicateOperator> op(new DeduplicateOperator(input, std::move(spec), ctx));
  if (ctx.state_store) {
    op->cache_ = std::make_unique<StateCache>(ctx.state_store, ctx.operator_id, ctx.num_key_groups,
                                              std::max<int64_t>(1, ctx.state_cache_entries));
  }
  return op;
}

namespace {
// A held row in RocksDB: i64 event time, then the row (snapshot row encoding).
bool EncodeHeldRow(const KeyTable& table, uint32_t e, std::string* out) {
  const uint8_t* p = table.payload(e);
  uint32_t off, len;
  std::memcpy(&off, p + 8, 4);
  std::memcpy(&len, p + 12, 4);
  if (len == 0) return false;
  out->append(reinterpret_cast<const char*>(p), 8);
  out->append(table.LoadBytes(off, len));
  return true;
}
}  // namespace

Status DeduplicateOperator::PrepareSnapshot() {
  if (!cache_) return Status::Ok();
  return cache_->WriteBack(table_, [&](uint32_t e, std::string* v) { return EncodeHeldRow(table_, e, v); });
}

Status DeduplicateOperator::EvictIfFull() {
  return cache_->Evict(&table_, [&](uint32_t e, std::string* v) { return EncodeHeldRow(table_, e, v); });
}

DeduplicateOperator::DeduplicateOperator(const Schema& input, DeduplicateSpec spec, const OperatorContext& ctx)
    : schema_(input),
      spec_(std::move(spec)),
      keys_(spec_.key_columns),
      rows_(AllColumns(input)),
      table_(16),
      num_key_groups_(ctx.num_key_groups),
      out_(input, ctx.batch_capacity) {}

Status DeduplicateOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status DeduplicateOperator::EmitStored(RowKind kind, std::string_view row) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int r = out_.num_rows();
  out_.set_num_rows(r + 1);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[r] = kind;
  KeyEncoder::Decode(row, schema_, &out_, 0, r);
  return Status::Ok();
}

Status DeduplicateOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  keys_.Encode(batch);
  rows_.Encode(batch);
  const Column& tcol = batch.column(spec_.time_column);
  if (cache_) {
    SLUICE_RETURN_IF_ERROR(cache_->Fetch(&table_, keys_, n, [&](uint32_t e, std::string_view v) {
      if (v.size() <= 8) return Status::Corruption("deduplicate state value is truncated");
      uint8_t* p = table_.payload(e);
      const uint32_t off = table_.StoreBytes(v.substr(8));
      const uint32_t len = static_cast<uint32_t>(v.size() - 8);
      std::memcpy(p, v.data(), 8);
      std::memcpy(p + 8, &off, 4);
      std::memcpy(p + 12, &len, 4);
      return Status::Ok();
    }));
  }
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (tcol.IsNull(r)) {
      metrics().Add(metrics().dropped_rows, 1);
      continue;
    }
    const int64_t ts = tcol.data<int64_t>()[r];
    bool inserted;
    const uint32_t e = table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    uint8_t* p = table_.payload(e);
    int64_t held_ts;
    uint32_t off, len;
    std::memcpy(&held_ts, p, 8);
    std::memcpy(&off, p + 8, 4);
    std::memcpy(&len, p + 12, 4);
    // A held row is never empty (its encoding has a byte per column); an
    // entry the cache inserted for a key RocksDB lacks holds none yet.
    const bool held = len > 0;
    const bool replace = !held || (spec_.keep == Keep::kFirst ? ts < held_ts : ts >= held_ts);
    if (!replace) continue;
    if (cache_) cache_->MarkDirty(e);
    const std::string_view row = rows_.key(k);
    if (held) {
      SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kUpdateBefore, table_.LoadBytes(off, len)));
      garbage_ += len;
    }
    SLUICE_RETURN_IF_ERROR(EmitStored(held ? RowKind::kUpdateAfter : RowKind::kInsert, row));
    p = table_.payload(e);
    off = table_.StoreBytes(row);
    len = static_cast<uint32_t>(row.size());
    std::memcpy(p, &ts, 8);
    std::memcpy(p + 8, &off, 4);
    std::memcpy(p + 12, &len, 4);
  }
  if (cache_) {
    // Rows already emitted were copied into out_: emptying the table is safe.
    SLUICE_RETURN_IF_ERROR(EvictIfFull());
    if (table_.live_entries() == 0) garbage_ = 0;
  }
  if (garbage_ > kMinCompactBytes && garbage_ * 2 > table_.blob_size()) {
    Compact(&table_, &scratch_, [&](uint32_t e, auto visit) {
      uint32_t len;
      std::memcpy(&len, table_.payload(e) + 12, 4);
      visit(table_.payload(e) + 8, len);
    });
    garbage_ = 0;
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Flush();
}

// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   u32 keys, each: bytes row — the row held for the key (the whole input
//       row, snapshot_rows.h; the key and the event time are read back from it)
//
// A row whose key is not in key group `kg`, a NULL event time or a key held
// twice makes the snapshot corrupt.

namespace {
constexpr uint8_t kDeduplicateSnapshotVersion = 1;
constexpr uint8_t kTopNSnapshotVersion = 1;
}  // namespace

Status DeduplicateOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  if (cache_) return Status::Ok();  // in the RocksDB checkpoint
  SnapshotWriter w(out);
  w.Put<uint8_t>(kDeduplicateSnapshotVersion);
  auto in_group = [&](uint32_t e) { return table_.alive(e) && KeyGroupOf(table_.hash(e), num_key_groups_) == kg; };
  uint32_t n = 0;
  for (uint32_t e = 0; e < table_.size(); ++e) n += in_group(e);
  w.Put<uint32_t>(n);
  for (uint32_t e = 0; e < table_.size(); ++e) {
    if (!in_group(e)) continue;
    uint32_t off, len;
    std::memcpy(&off, table_.payload(e) + 8, 4);
    std::memcpy(&len, table_.payload(e) + 12, 4);
    w.PutBytes(table_.LoadBytes(off, len));  // stored rows are already in the snapshot row encoding
  }
  return Status::Ok();
}

Status DeduplicateOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  uint32_t n;
  if (!r.Get(&version) || version != kDeduplicateSnapshotVersion || !r.Get(&n)) {
    return Status::Corruption(fmt::format("deduplicate snapshot of key group {}: bad header", kg));
  }
  Batch one(schema_, 1);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view row;
    if (!r.GetBytes(&row)) return Status::Corruption("deduplicate snapshot: truncated row");
    one.Clear();
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, "deduplicate"));
    const Column& tcol = one.column(spec_.time_column);
    if (tcol.IsNull(0)) return Status::Corruption("deduplicate snapshot: a held row has no event time");
    keys_.Encode(one);
    if (KeyGroupOf(keys_.hash(0), num_key_groups_) != kg) {
      return Status::Corruption(
          fmt::format("deduplicate snapshot of key group {} holds a row of another key group", kg));
    }
    bool inserted;
    const uint32_t e = table_.FindOrInsert(keys_.key(0), keys_.hash(0), &inserted);
    if (!inserted) return Status::Corruption("deduplicate snapshot: a key is held twice");
    const int64_t ts = tcol.data<int64_t>()[0];
    const uint32_t off = table_.StoreBytes(row);
    const uint32_t len = static_cast<uint32_t>(row.size());
    uint8_t* p = table_.payload(e);
    std::memcpy(p, &ts, 8);
    std::memcpy(p + 8, &off, 4);
    std::memcpy(p + 12, &len, 4);
    if (cache_) {
      cache_->MarkDirty(e);
      SLUICE_RETURN_IF_ERROR(EvictIfFull());
    }
  }
  if (!r.done()) return Status::Corruption("deduplicate snapshot: trailing bytes");
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

// ---------------------------------------------------------------------------

namespace {
constexpr int kTopNSlot = 24;  // f64 order value, f64 tie-breaker value, u32 offset, u32 length
}

Result<std::unique_ptr<TopNOperator>> TopNOperator::Create(const Schema& input, TopNSpec spec,
                                                           const OperatorContext& ctx) {
  SLUICE_RETURN_IF_ERROR(CheckColumns(input, spec.key_columns, "top-n key"));
  if (spec.order_column < 0 || spec.order_column >= input.size() ||
      !(IsNumeric(input.field(spec.order_column).type) || input.field(spec.order_column).type == DataType::kTimestamp ||
        input.field(spec.order_column).type == DataType::kDate)) {
    return Status::InvalidArgument("top-n orders by a numeric, TIMESTAMP or DATE column");
  }
  if (spec.then_column >= input.size() ||
      (spec.then_column >= 0 &&
       !(IsNumeric(input.field(spec.then_column).type) || input.field(spec.then_column).type == DataType::kTimestamp ||
         input.field(spec.then_column).type == DataType::kDate))) {
    return Status::InvalidArgument("top-n breaks ties by a numeric or TIMESTAMP column");
  }
  if (spec.n <= 0 || spec.n > 1000) return Status::InvalidArgument("top-n needs 1 <= N <= 1000");
  return std::unique_ptr<TopNOperator>(new TopNOperator(input, std::move(spec), ctx));
}

namespace {
Schema WithRank(const Schema& input, const std::string& rank_column) {
  if (rank_column.empty()) return input;
  std::vector<Field> fields = input.fields();
  fields.push_back({rank_column, DataType::kInt64});
  return Schema(fields);
}
}  // namespace

TopNOperator::TopNOperator(const Schema& input, TopNSpec spec, const OperatorContext& ctx)
    : input_(input),
      schema_(WithRank(input, spec.rank_column)),
      spec_(std::move(spec)),
      keys_(spec_.key_columns),
      rows_(AllColumns(input)),
      table_(8 + kTopNSlot * spec_.n),
      num_key_groups_(ctx.num_key_groups),
      out_(schema_, ctx.batch_capacity) {}

double TopNOperator::OrderValue(const Batch& b, int column, int row) const {
  const Column& c = b.column(column);
  switch (c.type()) {
    case DataType::kDouble: return c.data<double>()[row];
    case DataType::kInt32:
    case DataType::kDate: return c.data<int32_t>()[row];
    default: return static_cast<double>(c.data<int64_t>()[row]);
  }
}

Status TopNOperator::EmitStored(RowKind kind, std::string_view row, int64_t rank) {
  if (out_.num_rows() == out_.capacity()) {
    SLUICE_RETURN_IF_ERROR(Emit(out_));
    out_.Clear();
  }
  const int r = out_.num_rows();
  out_.set_num_rows(r + 1);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[r] = kind;
  KeyEncoder::Decode(row, input_, &out_, 0, r);
  if (!spec_.rank_column.empty()) {
    Column& c = out_.column(input_.size());
    c.SetValidity(r, true);
    c.data<int64_t>()[r] = rank;
  }
  return Status::Ok();
}

Status TopNOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  keys_.Encode(batch);
  rows_.Encode(batch);
  const Column& ocol = batch.column(spec_.order_column);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (batch.row_kind(r) != RowKind::kInsert && batch.row_kind(r) != RowKind::kUpdateAfter) {
      return Status::Unsupported("top-n over an updating input is not supported yet");
    }
    if (ocol.IsNull(r)) continue;  // NULL never ranks
    const double v = OrderValue(batch, spec_.order_column, r);
    // A NULL tie-breaker ranks last among its ties.
    const bool has_then = spec_.then_column >= 0;
    const double t = !has_then ? 0
                     : batch.column(spec_.then_column).IsNull(r)
                         ? (spec_.then_descending ? -std::numeric_limits<double>::infinity()
                                                  : std::numeric_limits<double>::infinity())
                         : OrderValue(batch, spec_.then_column, r);
    bool inserted;
    const uint32_t e = table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    uint8_t* p = table_.payload(e);
    uint32_t count;
    std::memcpy(&count, p, 4);
    // Slots are kept sorted best first; a newcomer goes after rows it ties with.
    auto better = [&](double a, double a_then, double b, double b_then) {
      if (a != b) return spec_.descending ? a > b : a < b;
      if (!has_then || a_then == b_then) return false;
      return spec_.then_descending ? a_then > b_then : a_then < b_then;
    };
    uint32_t pos = count;
    for (uint32_t i = 0; i < count; ++i) {
      double held, held_then;
      std::memcpy(&held, p + 8 + i * kTopNSlot, 8);
      std::memcpy(&held_then, p + 8 + i * kTopNSlot + 8, 8);
      if (better(v, t, held, held_then)) {
        pos = i;
        break;
      }
    }
    if (pos >= static_cast<uint32_t>(spec_.n)) continue;  // not in the top N
    auto stored = [&](uint32_t i) {
      uint32_t off, len;
      std::memcpy(&off, p + 8 + i * kTopNSlot + 16, 4);
      std::memcpy(&len, p + 8 + i * kTopNSlot + 20, 4);
      return std::pair<std::string_view, uint32_t>(table_.LoadBytes(off, len), len);
    };
    if (count == static_cast<uint32_t>(spec_.n)) {
      auto [last, len] = stored(count - 1);
      SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kDelete, last, count));
      garbage_ += len;
      --count;
    }
    if (!spec_.rank_column.empty()) {
      // The rows below the newcomer move down one rank.
      for (uint32_t i = pos; i < count; ++i) {
        const std::string_view moved = stored(i).first;
        SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kUpdateBefore, moved, i + 1));
        SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kUpdateAfter, moved, i + 2));
      }
    }
    const std::string_view row = rows_.key(k);
    SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kInsert, row, pos + 1));
    const uint32_t off = table_.StoreBytes(row);
    const uint32_t len = static_cast<uint32_t>(row.size());
    p = table_.payload(e);
    std::memmove(p + 8 + (pos + 1) * kTopNSlot, p + 8 + pos * kTopNSlot, (count - pos) * kTopNSlot);
    uint8_t* slot = p + 8 + pos * kTopNSlot;
    std::memcpy(slot, &v, 8);
    std::memcpy(slot + 8, &t, 8);
    std::memcpy(slot + 16, &off, 4);
    std::memcpy(slot + 20, &len, 4);
    ++count;
    std::memcpy(p, &count, 4);
  }
  if (garbage_ > kMinCompactBytes && garbage_ * 2 > table_.blob_size()) {
    Compact(&table_, &scratch_, [&](uint32_t e, auto visit) {
      uint8_t* p = table_.payload(e);
      uint32_t count;
      std::memcpy(&count, p, 4);
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t len;
        std::memcpy(&len, p + 8 + i * kTopNSlot + 20, 4);
        visit(p + 8 + i * kTopNSlot + 16, len);
      }
    });
    garbage_ = 0;
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  if (out_.num_rows() > 0) {
    SLUICE_RETURN_IF_ERROR(Emit(out_));
    out_.Clear();
  }
  return Status::Ok();
}

// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   u32 keys, each:
//     u32 rows held (1..N), best first, each:
//       f64 order value (the ORDER BY column as DOUBLE)
//       f64 tie-breaker value (the second ORDER BY column as DOUBLE, ±inf for
//           NULL so it ranks last; 0 without a tie-breaker)
//       bytes row (the whole input row, snapshot_rows.h)
//
// The rank order is kept as written (ties stay in arrival order). More than N
// rows, rows of different keys under one key, a key held twice or a key
// outside key group `kg` make the snapshot corrupt.
Status TopNOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kTopNSnapshotVersion);
  auto in_group = [&](uint32_t e) { return table_.alive(e) && KeyGroupOf(table_.hash(e), num_key_groups_) == kg; };
  uint32_t keys = 0;
  for (uint32_t e = 0; e < table_.size(); ++e) keys += in_group(e);
  w.Put<uint32_t>(keys);
  for (uint32_t e = 0; e < table_.size(); ++e) {
    if (!in_group(e)) continue;
    const uint8_t* p = table_.payload(e);
    uint32_t count;
    std::memcpy(&count, p, 4);
    w.Put<uint32_t>(count);
    for (uint32_t i = 0; i < count; ++i) {
      const uint8_t* slot = p + 8 + i * kTopNSlot;
      double v, t;
      uint32_t off, len;
      std::memcpy(&v, slot, 8);
      std::memcpy(&t, slot + 8, 8);
      std::memcpy(&off, slot + 16, 4);
      std::memcpy(&len, slot + 20, 4);
      w.Put<double>(v);
      w.Put<double>(t);
      w.PutBytes(table_.LoadBytes(off, len));  // already in the snapshot row encoding
    }
  }
  return Status::Ok();
}

Status TopNOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  uint32_t keys;
  if (!r.Get(&version) || version != kTopNSnapshotVersion || !r.Get(&keys)) {
    return Status::Corruption(fmt::format("top-n snapshot of key group {}: bad header", kg));
  }
  Batch one(input_, 1);
  for (uint32_t k = 0; k < keys; ++k) {
    uint32_t count;
    if (!r.Get(&count)) return Status::Corruption("top-n snapshot: truncated key");
    if (count == 0 || count > static_cast<uint32_t>(spec_.n)) {
      return Status::Corruption(fmt::format("top-n snapshot: {} rows held for a key of a top-{}", count, spec_.n));
    }
    uint32_t e = 0;
    for (uint32_t i = 0; i < count; ++i) {
      double v, t;
      std::string_view row;
      if (!r.Get(&v) || !r.Get(&t) || !r.GetBytes(&row)) return Status::Corruption("top-n snapshot: truncated row");
      one.Clear();
      SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, "top-n"));
      keys_.Encode(one);
      if (KeyGroupOf(keys_.hash(0), num_key_groups_) != kg) {
        return Status::Corruption(fmt::format("top-n snapshot of key group {} holds a row of another key group", kg));
      }
      bool inserted;
      const uint32_t found = table_.FindOrInsert(keys_.key(0), keys_.hash(0), &inserted);
      if (i == 0 && !inserted) return Status::Corruption("top-n snapshot: a key is held twice");
      if (i > 0 && (inserted || found != e)) return Status::Corruption("top-n snapshot: rows of two keys under one");
      e = found;
      const uint32_t off = table_.StoreBytes(row);
      const uint32_t len = static_cast<uint32_t>(row.size());
      uint8_t* slot = table_.payload(e) + 8 + i * kTopNSlot;
      std::memcpy(slot, &v, 8);
      std::memcpy(slot + 8, &t, 8);
      std::memcpy(slot + 16, &off, 4);
      std::memcpy(slot + 20, &len, 4);
      const uint32_t held = i + 1;
      std::memcpy(table_.payload(e), &held, 4);
    }
  }
  if (!r.done()) return Status::Corruption("top-n snapshot: trailing bytes");
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
