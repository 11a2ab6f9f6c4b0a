#include "engine/rocksdb_join_operator.h"

#include <fmt/format.h>

#include <random>

#include "engine/snapshot_rows.h"
#include "engine/state/rocksdb_store.h"
#include "engine/state/state_cache.h"

namespace sluice::engine {

namespace {

constexpr int kRowIdBytes = 16;

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

}  // namespace

Result<std::unique_ptr<RocksDbJoinOperator>> RocksDbJoinOperator::Create(const Schema& left, const Schema& right,
                                                                         RegularJoinSpec spec,
                                                                         const OperatorContext& ctx) {
  if (!ctx.state_store) return Status::InvalidArgument("a RocksDB join needs the stage's RocksDB instance");
  if (spec.type != JoinType::kInner || spec.state_ttl_ms != 0) {
    return Status::Unsupported("a RocksDB join is an inner join without state TTL");
  }
  // The in-memory join validates the keys and names the output columns.
  SLUICE_ASSIGN_OR_RETURN(auto shape, IntervalJoinOperator::CreateRegular(left, right, spec, ctx));
  return std::unique_ptr<RocksDbJoinOperator>(
      new RocksDbJoinOperator(shape->output_schema(), left, right, std::move(spec), ctx));
}

RocksDbJoinOperator::RocksDbJoinOperator(Schema output, const Schema& left, const Schema& right, RegularJoinSpec spec,
                                         const OperatorContext& ctx)
    : output_schema_(std::move(output)),
      schemas_{left, right},
      keys_{KeyEncoder(spec.left_keys), KeyEncoder(spec.right_keys)},
      store_(ctx.state_store),
      operator_id_(ctx.operator_id),
      num_key_groups_(ctx.num_key_groups),
      run_id_((static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()),
      out_(output_schema_, ctx.batch_capacity) {}

void RocksDbJoinOperator::KeyPrefix(int kg, int side, std::string_view key, std::string* out) const {
  out->clear();
  AppendStateKeyPrefix(kg, operator_id_, out);
  out->push_back(static_cast<char>(side));
  out->append(key);  // KeyEncoder bytes are prefix-free for one key schema
}

Status RocksDbJoinOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status RocksDbJoinOperator::EmitPair(int side, const Batch& batch, int r, std::string_view other, RowKind kind) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  const int row = out_.num_rows();
  const int nl = schemas_[0].size();
  const int first = side == 0 ? 0 : nl;  // where `batch`'s columns go
  for (int c = 0; c < batch.num_columns(); ++c) out_.column(first + c).CopyRow(batch.column(c), r, row);
  KeyEncoder::Decode(other, schemas_[1 - side], &out_, side == 0 ? nl : 0, row);
  if (kind != RowKind::kInsert || out_.has_row_kinds()) out_.mutable_row_kinds()[row] = kind;
  out_.set_num_rows(row + 1);
  return Status::Ok();
}

Status RocksDbJoinOperator::ProcessSide(int side, Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  KeyEncoder& keys = keys_[side];
  keys.Encode(batch);
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    bool null_key = false;
    for (int c : keys.columns()) null_key |= batch.column(c).IsNull(r);
    if (null_key) continue;  // a NULL key equals nothing
    const int kg = KeyGroupOf(keys.hash(k), num_key_groups_);
    const RowKind kind = batch.row_kind(r);
    const bool add = kind == RowKind::kInsert || kind == RowKind::kUpdateAfter;
    row_bytes_.clear();
    EncodeRow(batch, r, &row_bytes_);
    if (!add) {
      // Remove one equal stored row of this side; staged writes first, so
      // rows added or removed earlier in the batch are seen.
      if (store_->staged() > 0) SLUICE_RETURN_IF_ERROR(store_->Commit());
      KeyPrefix(kg, side, keys.key(k), &prefix_);
      end_ = prefix_;
      end_.append(kRowIdBytes + 1, '\xff');
      key_.clear();
      SLUICE_RETURN_IF_ERROR(store_->Scan(prefix_, end_, [&](std::string_view key, std::string_view value) {
        if (value != row_bytes_) return true;
        key_.assign(key);
        return false;
      }));
      if (key_.empty()) {
        metrics().Add(metrics().dropped_rows, 1);  // never held here
        continue;
      }
      store_->Delete(key_);
    }
    KeyPrefix(kg, 1 - side, keys.key(k), &prefix_);
    end_ = prefix_;
    end_.append(kRowIdBytes + 1, '\xff');
    Status emitted;
    SLUICE_RETURN_IF_ERROR(store_->Scan(prefix_, end_, [&](std::string_view, std::string_view value) {
      emitted = EmitPair(side, batch, r, value, add ? RowKind::kInsert : RowKind::kDelete);
      return emitted.ok();
    }));
    SLUICE_RETURN_IF_ERROR(emitted);
    if (add) {
      KeyPrefix(kg, side, keys.key(k), &key_);
      AppendBigEndian(run_id_, &key_);
      AppendBigEndian(next_row_++, &key_);
      store_->Put(key_, row_bytes_);
    }
  }
  if (store_->staged() > 0) SLUICE_RETURN_IF_ERROR(store_->Commit());
  return Flush();
}

Status RocksDbJoinOperator::PrepareSnapshot() { return store_->staged() > 0 ? store_->Commit() : Status::Ok(); }

Status RocksDbJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  return Status::Unsupported(
      fmt::format("key group {}: a join checkpointed with state.backend 'hashmap' cannot be restored into "
                  "'rocksdb'; restore it with SET 'state.backend' = 'hashmap'",
                  kg));
}

Result<std::unique_ptr<TwoInputOperator>> CreateRegularJoin(const Schema& left, const Schema& right,
                                                            const RegularJoinSpec& spec, const OperatorContext& ctx) {
  if (ctx.state_store && spec.type == JoinType::kInner && spec.state_ttl_ms == 0) {
    SLUICE_ASSIGN_OR_RETURN(auto op, RocksDbJoinOperator::Create(left, right, spec, ctx));
    return std::unique_ptr<TwoInputOperator>(std::move(op));
  }
  SLUICE_ASSIGN_OR_RETURN(auto op, IntervalJoinOperator::CreateRegular(left, right, spec, ctx));
  return std::unique_ptr<TwoInputOperator>(std::move(op));
}

}  // namespace sluice::engine
