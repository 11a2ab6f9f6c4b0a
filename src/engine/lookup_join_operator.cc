#include "engine/lookup_join_operator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sluice::engine {

Status LookupTable::Load() {
  std::call_once(once_, [this] { load_status_ = LoadOnce(); });
  return load_status_;
}

Status LookupTable::LoadOnce() {
  const Schema& schema = source_->schema();
  KeyEncoder keys(key_columns_);
  Batch batch(schema, kChunkRows);
  for (int split = 0; split < source_->num_splits(); ++split) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<SourceReader> reader, source_->OpenSplit(split));
    while (true) {
      batch.Clear();
      SLUICE_ASSIGN_OR_RETURN(ReadStatus rs, reader->Read(&batch));
      if (rs == ReadStatus::kEndOfInput) break;
      if (rs == ReadStatus::kNoDataNow) {
        return Status::InvalidArgument(
            fmt::format("the lookup join's table ({}) is not bounded: it has no more rows now but may get more later. "
                        "A processing-time temporal join reads a bounded table (e.g. a file) whole",
                        source_->name()));
      }
      keys.Encode(batch);
      for (int k = 0; k < batch.active_rows(); ++k) {
        const int r = batch.active_row(k);
        bool null_key = false;
        for (int c : key_columns_) null_key |= batch.column(c).IsNull(r);
        if (null_key) continue;  // matches no left row
        if (rows_ >= max_rows_) {
          return Status::ResourceExhausted(fmt::format(
              "the lookup join's table ({}) has more than {} rows; it is held in memory whole by every job. Raise "
              "'table.exec.lookup-join.max-rows' (SET 'table.exec.lookup-join.max-rows' = 'n') if memory allows, "
              "or join with a smaller table",
              source_->name(), max_rows_));
        }
        if (rows_ % kChunkRows == 0) chunks_.push_back(std::make_unique<Batch>(schema, kChunkRows));
        Batch& chunk = *chunks_.back();
        chunk.AppendRow(batch, r);
        bool inserted;
        const uint32_t e = index_.FindOrInsert(keys.key(k), keys.hash(k), &inserted);
        int64_t prev = -1;
        if (!inserted) std::memcpy(&prev, index_.payload(e), 8);
        next_.push_back(prev);
        std::memcpy(index_.payload(e), &rows_, 8);
        ++rows_;
      }
    }
  }
  return Status::Ok();
}

int64_t LookupTable::Find(std::string_view key, uint64_t hash) const {
  const int64_t e = index_.Find(key, hash);
  if (e < 0) return -1;
  int64_t id;
  std::memcpy(&id, index_.payload(static_cast<uint32_t>(e)), 8);
  return id;
}

int64_t LookupTable::MemoryBytes() const {
  int64_t bytes = index_.MemoryBytes() + static_cast<int64_t>(next_.capacity() * sizeof(int64_t));
  for (const auto& c : chunks_) bytes += static_cast<int64_t>(c->MemoryBytes());
  return bytes;
}

Schema LookupJoinOperator::OutputSchema(const Schema& left, const Schema& right) {
  std::vector<Field> fields = left.fields();
  for (const Field& f : right.fields()) {
    Field g = f;
    while (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == g.name; })) g.name += "0";
    fields.push_back(g);
  }
  return Schema(fields);
}

Result<std::unique_ptr<LookupJoinOperator>> LookupJoinOperator::Create(const Schema& left,
                                                                       std::shared_ptr<LookupTable> table,
                                                                       LookupJoinSpec spec,
                                                                       const OperatorContext& ctx) {
  if (spec.left_keys.empty() || spec.left_keys.size() != spec.right_keys.size()) {
    return Status::InvalidArgument("a lookup join needs as many left key columns as table key columns (at least one)");
  }
  for (size_t i = 0; i < spec.left_keys.size(); ++i) {
    const int l = spec.left_keys[i], r = spec.right_keys[i];
    if (l < 0 || l >= left.size() || r < 0 || r >= table->schema().size() ||
        left.field(l).type != table->schema().field(r).type) {
      return Status::InvalidArgument(fmt::format(
          "lookup join key {}: left column {} and table column {} must exist and have the same type", i, l, r));
    }
  }
  SLUICE_RETURN_IF_ERROR(table->Load());
  return std::unique_ptr<LookupJoinOperator>(new LookupJoinOperator(left, std::move(table), std::move(spec), ctx));
}

LookupJoinOperator::LookupJoinOperator(const Schema& left, std::shared_ptr<LookupTable> table, LookupJoinSpec spec,
                                       const OperatorContext& ctx)
    : left_schema_(left),
      table_(std::move(table)),
      spec_(std::move(spec)),
      out_schema_(OutputSchema(left, table_->schema())),
      keys_(spec_.left_keys),
      out_(out_schema_, ctx.batch_capacity) {}

Result<int> LookupJoinOperator::BeginRow() {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  out_.set_num_rows(row + 1);
  return row;
}

Status LookupJoinOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status LookupJoinOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  keys_.Encode(batch);
  const int nl = left_schema_.size();
  const int nr = table_->schema().size();
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    bool null_key = false;
    for (int c : spec_.left_keys) null_key |= batch.column(c).IsNull(r);
    int64_t id = null_key ? -1 : table_->Find(keys_.key(k), keys_.hash(k));
    if (id < 0 && spec_.type == LookupJoinType::kInner) continue;
    auto copy_left = [&](int row) {
      for (int c = 0; c < nl; ++c) out_.column(c).CopyRow(batch.column(c), r, row);
      out_.CopySideVectors(batch, r, row);
    };
    if (id < 0) {
      SLUICE_ASSIGN_OR_RETURN(int row, BeginRow());
      copy_left(row);
      for (int c = 0; c < nr; ++c) out_.column(nl + c).SetNull(row);
      continue;
    }
    // Rows of a key are chained newest first; emit them in table order.
    ids_.clear();
    for (; id >= 0; id = table_->Next(id)) ids_.push_back(id);
    for (auto it = ids_.rbegin(); it != ids_.rend(); ++it) {
      SLUICE_ASSIGN_OR_RETURN(int row, BeginRow());
      copy_left(row);
      const Batch& chunk = table_->chunk_of(*it);
      const int tr = LookupTable::row_of(*it);
      for (int c = 0; c < nr; ++c) out_.column(nl + c).CopyRow(chunk.column(c), tr, row);
    }
  }
  return Flush();
}

}  // namespace sluice::engine
