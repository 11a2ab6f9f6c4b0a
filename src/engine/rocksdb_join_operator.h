#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/interval_join_operator.h"
#include "engine/key_table.h"

namespace sluice::engine {

class RocksDbStore;

// A regular inner equi-join whose two sides' rows live in the stage's
// RocksDB instance (state.backend 'rocksdb'), so its state may outgrow
// memory: a join of two tables that only grow is the usual reason a job
// runs out of memory.
//
// Per row of one side: one prefix scan of the other side's rows with the
// same key (each match emitted as a pair), then the row is stored
// (+I/+U) or the equal stored row is removed and its pairs retracted as -D
// (-U/-D; a retraction of a row not held is skipped and counted as dropped).
// Rows with a NULL key match nothing and are not stored. The output is the
// in-memory join's (IntervalJoinOperator::CreateRegular): every left column,
// then every right column; +I only for append-only inputs.
//
// RocksDB keys: state-key prefix (key group, operator id), side (0 left, 1
// right), the encoded join key (prefix-free), then a 16-byte row id (a
// random run id and a counter: unique across restarts). Value: the row
// (snapshot_rows.h encoding). Staged writes are committed after each batch
// and before a checkpoint (PrepareSnapshot), whose RocksDB checkpoint is the
// state; SnapshotKeyGroup writes nothing. A snapshot of the in-memory join
// cannot be restored into it (a clear error says so).
//
// Not here (the planner keeps them in memory): outer joins, a state TTL.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class RocksDbJoinOperator : public TwoInputOperator, public KeyedState {
 public:
  static Result<std::unique_ptr<RocksDbJoinOperator>> Create(const Schema& left, const Schema& right,
                                                             RegularJoinSpec spec, const OperatorContext& ctx);

  bool stateful() const override { return true; }
  std::string name() const override { return "join"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override { return ProcessSide(0, batch); }
  Status ProcessRight(Batch& batch) override { return ProcessSide(1, batch); }
  int64_t StateBytes() const override { return 0; }  // on disk; the instance reports its own memory
  KeyedState* keyed_state() override { return this; }
  bool in_store() const override { return true; }
  Status PrepareSnapshot() override;
  Status SnapshotKeyGroup(int kg, std::string* out) const override { return Status::Ok(); }
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  RocksDbJoinOperator(Schema output, const Schema& left, const Schema& right, RegularJoinSpec spec,
                      const OperatorContext& ctx);
  Status ProcessSide(int side, Batch& batch);
  // The key prefix of `side`'s rows with join key `key` in key group `kg`.
  void KeyPrefix(int kg, int side, std::string_view key, std::string* out) const;
  // Emits (row r of `batch` on `side`) joined with the stored row `other`.
  Status EmitPair(int side, const Batch& batch, int r, std::string_view other, RowKind kind);
  Status Flush();

  Schema output_schema_;
  Schema schemas_[2];
  KeyEncoder keys_[2];
  RocksDbStore* store_;
  int operator_id_;
  int num_key_groups_;
  uint64_t run_id_;
  uint64_t next_row_ = 0;
  Batch out_;
  std::string row_bytes_;  // reused per row
  std::string prefix_, end_, key_;
  std::vector<std::string> found_;  // matches of one row (copied out of the scan)
};

// The regular join `spec` needs: RocksDbJoinOperator for an inner join
// without TTL when the stage has a RocksDB instance, otherwise the in-memory
// IntervalJoinOperator::CreateRegular.
Result<std::unique_ptr<TwoInputOperator>> CreateRegularJoin(const Schema& left, const Schema& right,
                                                            const RegularJoinSpec& spec, const OperatorContext& ctx);

}  // namespace sluice::engine
