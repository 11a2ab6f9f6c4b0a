#pragma once

#include <memory>
#include <vector>

#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/state/state_cache.h"

namespace sluice::engine {

enum class Keep : uint8_t { kFirst, kLast };

// Deduplication per key by event time (Flink's ROW_NUMBER() OVER (PARTITION
// BY key ORDER BY ts ASC|DESC) = 1): keeps the row with the smallest (kFirst)
// or largest (kLast) event time per key. Emits +I for a key's first row and
// -U (old) / +U (new) when a row replaces it; ties keep the row already held
// (kFirst) or take the newcomer (kLast). Output schema = input schema.
struct DeduplicateSpec {
  std::vector<int> key_columns;
  int time_column = -1;
  Keep keep = Keep::kFirst;
};

// Top-N per key (ROW_NUMBER() OVER (PARTITION BY key ORDER BY col DESC|ASC)
// <= N, without the rank column): emits +I when a row enters a key's top N
// and -D for the row it pushes out. Ties keep the rows already held.
// Append-only input. Output schema = input schema.
struct TopNSpec {
  std::vector<int> key_columns;
  int order_column = -1;  // BIGINT, INT, DOUBLE or TIMESTAMP
  bool descending = true;
  int n = 1;
  // Optional tie-breaker: rows equal on order_column rank by this column
  // (ORDER BY price DESC, ts ASC). -1: ties keep arrival order.
  int then_column = -1;
  bool then_descending = false;
  // When set: a BIGINT column of this name is appended with each row's rank
  // (1..N), and a newcomer that pushes rows down re-emits them with their
  // new rank (-U/+U), as Flink's ROW_NUMBER() with its column selected.
  std::string rank_column;
};

// Both operators keep whole rows per key, encoded as bytes in their table's
// arena (replaced rows' bytes are reclaimed by compaction). State grows with
// the number of keys (state TTL comes with the state backends issue). Given
// a RocksDB instance (OperatorContext::state_store), deduplication keeps its
// rows there behind a bounded write-back cache (StateCache); top-N keeps its
// state in memory.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class DeduplicateOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<DeduplicateOperator>> Create(const Schema& input, DeduplicateSpec spec,
                                                             const OperatorContext& ctx);
  bool stateful() const override { return true; }
  std::string name() const override { return "deduplicate"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  int64_t StateBytes() const override { return table_.MemoryBytes(); }
  KeyedState* keyed_state() override { return this; }
  bool in_store() const override { return cache_ != nullptr; }
  Status PrepareSnapshot() override;
  // The row held per key of key group `kg`; format in rank_operators.cc.
  // In RocksDB: nothing (the rows are in the stage's RocksDB checkpoint).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  DeduplicateOperator(const Schema& input, DeduplicateSpec spec, const OperatorContext& ctx);
  Status EmitStored(RowKind kind, std::string_view row);
  Status Flush();
  Status EvictIfFull();

  Schema schema_;
  DeduplicateSpec spec_;
  KeyEncoder keys_;
  KeyEncoder rows_;  // all columns: a row's bytes
  KeyTable table_;   // payload: i64 ts, u32 offset, u32 length
  int num_key_groups_;
  Batch out_;
  size_t garbage_ = 0;
  std::vector<char> scratch_;
  std::unique_ptr<StateCache> cache_;  // null: state in memory
};

class TopNOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<TopNOperator>> Create(const Schema& input, TopNSpec spec, const OperatorContext& ctx);
  bool stateful() const override { return true; }
  std::string name() const override { return "top-n"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  int64_t StateBytes() const override { return table_.MemoryBytes(); }
  KeyedState* keyed_state() override { return this; }
  // The top rows per key of key group `kg`; format in rank_operators.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  TopNOperator(const Schema& input, TopNSpec spec, const OperatorContext& ctx);
  Status EmitStored(RowKind kind, std::string_view row, int64_t rank);
  double OrderValue(const Batch& b, int column, int row) const;

  Schema input_;
  Schema schema_;  // input_, plus the rank column when asked for
  TopNSpec spec_;
  KeyEncoder keys_;
  KeyEncoder rows_;
  KeyTable table_;  // payload: u32 count, u32 pad, then n × {f64 order value, f64 tie-breaker, u32 offset, u32 length}
  int num_key_groups_;
  Batch out_;
  size_t garbage_ = 0;
  std::vector<char> scratch_;
};

}  // namespace sluice::engine
