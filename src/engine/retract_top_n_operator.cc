#include "engine/retract_top_n_operator.h"

#include <fmt/format.h>

#include <limits>
#include <numeric>

#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kSnapshotVersion = 1;
// What a held row costs besides its bytes: the set node and the Row.
constexpr int64_t kRowOverhead = 32 + static_cast<int64_t>(sizeof(std::string)) + 24;

bool Orderable(DataType t) { return IsNumeric(t) || t == DataType::kTimestamp || t == DataType::kDate; }

std::vector<int> AllColumns(const Schema& s) {
  std::vector<int> all(s.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

Schema WithRank(const Schema& input, const std::string& rank_column) {
  if (rank_column.empty()) return input;
  std::vector<Field> fields = input.fields();
  fields.push_back({rank_column, DataType::kInt64});
  return Schema(fields);
}

}  // namespace

Result<std::unique_ptr<RetractTopNOperator>> RetractTopNOperator::Create(const Schema& input, TopNSpec spec,
                                                                         const OperatorContext& ctx) {
  for (int c : spec.key_columns) {
    if (c < 0 || c >= input.size())
      return Status::InvalidArgument(fmt::format("top-n key: column ${} out of range", c));
  }
  if (spec.order_column < 0 || spec.order_column >= input.size() || !Orderable(input.field(spec.order_column).type)) {
    return Status::InvalidArgument("top-n orders by a numeric or TIMESTAMP column");
  }
  if (spec.then_column >= input.size() || (spec.then_column >= 0 && !Orderable(input.field(spec.then_column).type))) {
    return Status::InvalidArgument("top-n breaks ties by a numeric or TIMESTAMP column");
  }
  if (spec.n <= 0 || spec.n > 1000) return Status::InvalidArgument("top-n needs 1 <= N <= 1000");
  return std::unique_ptr<RetractTopNOperator>(new RetractTopNOperator(input, std::move(spec), ctx));
}

RetractTopNOperator::RetractTopNOperator(const Schema& input, TopNSpec spec, const OperatorContext& ctx)
    : input_(input),
      schema_(WithRank(input, spec.rank_column)),
      spec_(std::move(spec)),
      keys_(spec_.key_columns),
      rows_(AllColumns(input)),
      keys_table_(4),
      num_key_groups_(ctx.num_key_groups),
      out_(schema_, ctx.batch_capacity) {}

double RetractTopNOperator::OrderValue(const Batch& b, int column, int row) const {
  const Column& c = b.column(column);
  switch (c.type()) {
    case DataType::kDouble: return c.data<double>()[row];
    case DataType::kInt32:
    case DataType::kDate: return c.data<int32_t>()[row];
    default: return static_cast<double>(c.data<int64_t>()[row]);
  }
}

double RetractTopNOperator::ThenValue(const Batch& b, int row) const {
  if (spec_.then_column < 0) return 0;
  // A NULL tie-breaker ranks last among its ties.
  if (b.column(spec_.then_column).IsNull(row)) {
    return spec_.then_descending ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  return OrderValue(b, spec_.then_column, row);
}

int64_t RetractTopNOperator::StateBytes() const {
  return keys_table_.MemoryBytes() + static_cast<int64_t>(groups_.capacity() * sizeof(Rows)) + row_bytes_ +
         rows_held_ * kRowOverhead;
}

RetractTopNOperator::Rows& RetractTopNOperator::GroupOf(uint32_t e, bool inserted) {
  uint32_t g;
  if (inserted) {
    if (!free_groups_.empty()) {
      g = free_groups_.back();
      free_groups_.pop_back();
    } else {
      g = static_cast<uint32_t>(groups_.size());
      groups_.emplace_back(Better{spec_.descending, spec_.then_column >= 0, spec_.then_descending});
    }
    std::memcpy(keys_table_.payload(e), &g, 4);
  } else {
    std::memcpy(&g, keys_table_.payload(e), 4);
  }
  return groups_[g];
}

Status RetractTopNOperator::EmitRow(RowKind kind, const Row& row, int64_t rank) {
  if (out_.num_rows() == out_.capacity()) {
    SLUICE_RETURN_IF_ERROR(Emit(out_));
    out_.Clear();
  }
  const int r = out_.num_rows();
  out_.set_num_rows(r + 1);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[r] = kind;
  KeyEncoder::Decode(row.bytes, input_, &out_, 0, r);
  if (!spec_.rank_column.empty()) {
    Column& c = out_.column(input_.size());
    c.SetValidity(r, true);
    c.data<int64_t>()[r] = rank;
  }
  return Status::Ok();
}

Status RetractTopNOperator::Add(Rows& rows, Row row) {
  const int64_t n = spec_.n;
  row_bytes_ += static_cast<int64_t>(row.bytes.size());
  ++rows_held_;
  const auto it = rows.insert(std::move(row)).first;
  // Its rank, if within the top N.
  int64_t rank = 1;
  auto at = rows.begin();
  for (; at != it && rank <= n; ++at) ++rank;
  if (rank > n) return Status::Ok();
  // The rows after it in the old top N move down one rank; the old N-th
  // (now N+1-th) leaves.
  auto next = std::next(it);
  int64_t r = rank + 1;
  for (; next != rows.end() && r <= n; ++next, ++r) {
    if (!spec_.rank_column.empty()) {
      SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kUpdateBefore, *next, r - 1));
      SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kUpdateAfter, *next, r));
    }
  }
  if (next != rows.end()) SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kDelete, *next, n));
  return EmitRow(RowKind::kInsert, *it, rank);
}

Status RetractTopNOperator::Remove(uint32_t e, Rows& rows, double v, double t, std::string_view bytes) {
  const int64_t n = spec_.n;
  Row probe;
  probe.v = v;
  probe.t = spec_.then_column >= 0 ? t : 0;
  probe.seq = 0;  // before every held row of equal order values
  auto it = rows.lower_bound(probe);
  const Better& better = rows.key_comp();
  probe.seq = std::numeric_limits<uint64_t>::max();
  for (; it != rows.end() && !better(probe, *it); ++it) {
    if (it->bytes == bytes) break;
  }
  if (it == rows.end() || better(probe, *it)) {
    metrics().Add(metrics().dropped_rows, 1);  // never held here
    return Status::Ok();
  }
  int64_t rank = 1;
  for (auto at = rows.begin(); at != it && rank <= n; ++at) ++rank;
  if (rank <= n) {
    SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kDelete, *it, rank));
    // The rows after it within the top N move up one rank; the N+1-th enters.
    auto next = std::next(it);
    int64_t r = rank + 1;
    for (; next != rows.end() && r <= n; ++next, ++r) {
      if (!spec_.rank_column.empty()) {
        SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kUpdateBefore, *next, r));
        SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kUpdateAfter, *next, r - 1));
      }
    }
    if (next != rows.end()) SLUICE_RETURN_IF_ERROR(EmitRow(RowKind::kInsert, *next, n));
  }
  row_bytes_ -= static_cast<int64_t>(it->bytes.size());
  --rows_held_;
  rows.erase(it);
  if (rows.empty()) {
    uint32_t g;
    std::memcpy(&g, keys_table_.payload(e), 4);
    free_groups_.push_back(g);
    keys_table_.Erase(e);
  }
  return Status::Ok();
}

Status RetractTopNOperator::Process(Batch& batch) {
  const int count = batch.active_rows();
  if (count == 0) return Status::Ok();
  keys_.Encode(batch);
  rows_.Encode(batch);
  const Column& ocol = batch.column(spec_.order_column);
  for (int k = 0; k < count; ++k) {
    const int r = batch.active_row(k);
    if (ocol.IsNull(r)) continue;  // NULL never ranks
    const double v = OrderValue(batch, spec_.order_column, r);
    const double t = ThenValue(batch, r);
    const RowKind kind = batch.row_kind(r);
    if (kind == RowKind::kInsert || kind == RowKind::kUpdateAfter) {
      bool inserted;
      const uint32_t e = keys_table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
      Rows& rows = GroupOf(e, inserted);
      SLUICE_RETURN_IF_ERROR(Add(rows, Row{v, t, next_seq_++, std::string(rows_.key(k))}));
    } else {
      const int64_t e = keys_table_.Find(keys_.key(k), keys_.hash(k));
      if (e < 0) {
        metrics().Add(metrics().dropped_rows, 1);
        continue;
      }
      const auto entry = static_cast<uint32_t>(e);
      SLUICE_RETURN_IF_ERROR(Remove(entry, GroupOf(entry, false), v, t, rows_.key(k)));
    }
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
//     u32 rows held (>= 1), in rank order (best first), each:
//       f64 order value, f64 tie-breaker value (as TopNOperator's snapshot)
//       bytes row (snapshot_rows.h)
//
// Arrival numbers are not saved: a restore numbers each key's rows afresh in
// the saved order, which keeps how ties rank.
Status RetractTopNOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  auto in_group = [&](uint32_t e) {
    return keys_table_.alive(e) && KeyGroupOf(keys_table_.hash(e), num_key_groups_) == kg;
  };
  uint32_t keys = 0;
  for (uint32_t e = 0; e < keys_table_.size(); ++e) keys += in_group(e);
  w.Put<uint32_t>(keys);
  for (uint32_t e = 0; e < keys_table_.size(); ++e) {
    if (!in_group(e)) continue;
    uint32_t g;
    std::memcpy(&g, keys_table_.payload(e), 4);
    const Rows& rows = groups_[g];
    w.Put<uint32_t>(static_cast<uint32_t>(rows.size()));
    for (const Row& row : rows) {
      w.Put<double>(row.v);
      w.Put<double>(row.t);
      w.PutBytes(row.bytes);
    }
  }
  return Status::Ok();
}

Status RetractTopNOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  uint32_t keys;
  if (!r.Get(&version) || version != kSnapshotVersion || !r.Get(&keys)) {
    return Status::Corruption(fmt::format("retract top-n snapshot of key group {}: bad header", kg));
  }
  Batch one(input_, 1);
  for (uint32_t k = 0; k < keys; ++k) {
    uint32_t count;
    if (!r.Get(&count) || count == 0) return Status::Corruption("retract top-n snapshot: truncated or empty key");
    Rows* rows = nullptr;
    uint32_t entry = 0;
    for (uint32_t i = 0; i < count; ++i) {
      double v, t;
      std::string_view bytes;
      if (!r.Get(&v) || !r.Get(&t) || !r.GetBytes(&bytes)) {
        return Status::Corruption("retract top-n snapshot: truncated row");
      }
      one.Clear();
      SLUICE_RETURN_IF_ERROR(AppendEncodedRow(bytes, &one, "retract top-n"));
      keys_.Encode(one);
      if (KeyGroupOf(keys_.hash(0), num_key_groups_) != kg) {
        return Status::Corruption(
            fmt::format("retract top-n snapshot of key group {} holds a row of another key group", kg));
      }
      bool inserted;
      const uint32_t e = keys_table_.FindOrInsert(keys_.key(0), keys_.hash(0), &inserted);
      if (i == 0 && !inserted) return Status::Corruption("retract top-n snapshot: a key is held twice");
      if (i > 0 && (inserted || e != entry))
        return Status::Corruption("retract top-n snapshot: rows of two keys under one");
      if (i == 0) rows = &GroupOf(e, true);
      entry = e;
      row_bytes_ += static_cast<int64_t>(bytes.size());
      ++rows_held_;
      rows->insert(rows->end(), Row{v, t, next_seq_++, std::string(bytes)});
    }
  }
  if (!r.done()) return Status::Corruption("retract top-n snapshot: trailing bytes");
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace sluice::engine
