#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/aggregate.h"
#include "engine/clock.h"
#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/state/state_cache.h"

namespace sluice::engine {

// Unwindowed GROUP BY: keeps one accumulator per key and emits a changelog
// row by row: +I for a key's first result, then -U (old) / +U (new) for every
// change, and -D when retractions empty a group. Input rows of kind -U/-D
// are retracted (COUNT, COUNT DISTINCT, SUM, AVG, VAR_*/STDDEV_* always; MIN,
// MAX, FIRST_VALUE and LAST_VALUE when their AggregateSpec is retractable,
// else they fail with Unsupported on a retraction). Retractable FIRST_VALUE /
// LAST_VALUE keep every live value of a group in arrival order, as Flink's
// retracting versions: a retraction removes the earliest copy of its value.
// Output columns: the key columns, then one per aggregate.
//
// State grows with the number of distinct keys unless `state_ttl_ms` > 0:
// then a key not updated for that long (processing time) is forgotten, as
// with Flink's table.exec.state.ttl — no retraction is emitted, and a later
// row for the key starts a new group (+I). Not with COUNT DISTINCT.
//
// State backend: given a RocksDB instance (OperatorContext::state_store),
// the groups live there and the table is a bounded write-back cache
// (StateCache); an emptied group is deleted. COUNT DISTINCT and a state TTL
// still keep their state in memory (a log line says so).
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class GroupAggregateOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<GroupAggregateOperator>> Create(const Schema& input, std::vector<int> key_columns,
                                                                std::vector<AggregateSpec> aggregates, int time_column,
                                                                const OperatorContext& ctx, int64_t state_ttl_ms = 0);
  std::string name() const override { return "group-aggregate"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override;
  Status OnProcessingTime(int64_t now_ms) override;
  int64_t StateBytes() const override { return table_.MemoryBytes() + distinct_.MemoryBytes(); }
  // Whether the groups live in RocksDB (else in memory).
  bool in_store() const override { return cache_ != nullptr; }
  Status PrepareSnapshot() override;
  KeyedState* keyed_state() override { return this; }
  bool stateful() const override { return true; }
  // Format: u8 version 1, u32 groups, groups (AggregateLayout::WriteEntry),
  // u32 distinct values, each as key bytes + 12-byte refcount payload. With
  // retractable FIRST_VALUE/LAST_VALUE, version 2: after each group, per such
  // aggregate a u32 count and its live values in arrival order (bytes). In
  // RocksDB: nothing (the groups are in the stage's RocksDB checkpoint, as
  // AggregateLayout::EncodeValue under their state key).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const override;
  // Copies the tables; the copy is serialized later (StateCapture).
  Result<std::unique_ptr<StateCapture>> CaptureKeyGroups(const std::vector<int>& kgs) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  GroupAggregateOperator(Schema output, std::vector<int> keys, AggregateLayout layout, Schema key_schema,
                         const OperatorContext& ctx);
  Status EmitRow(RowKind kind, uint32_t e);
  Status EvictIfFull();
  // Retractable FIRST_VALUE/LAST_VALUE: one group's live values.
  struct ArrivalValues {
    std::map<uint64_t, std::string> by_seq;                      // arrival number -> value bytes
    std::unordered_map<std::string, std::deque<uint64_t>> seqs;  // value bytes -> its arrival numbers
  };
  ArrivalValues& Arrivals(size_t x, uint32_t e);
  // Adds (sign +1) or retracts the argument of row r for every external
  // aggregate of entry e and sets their results.
  void UpdateExternal(const Batch& batch, int r, uint32_t e, int sign);
  void SetExternalResults(uint32_t e);
  void WriteArrivals(uint32_t e, SnapshotWriter* w) const;
  Status ReadArrivals(uint32_t e, SnapshotReader* r);

  Schema output_schema_;
  KeyEncoder keys_;
  AggregateLayout layout_;
  Schema key_schema_;
  KeyTable table_;
  KeyTable distinct_;
  Batch out_;
  std::vector<uint32_t> entries_;
  int num_key_groups_;
  int64_t ttl_ms_ = 0;
  const Clock* clock_ = nullptr;
  int64_t now_ms_ = 0;
  // (expiry time, entry): in processing-time order; stale when the key was touched since.
  std::deque<std::pair<int64_t, uint32_t>> expiry_;
  std::vector<int64_t> last_touch_;  // per entry
  std::vector<char> blob_scratch_;
  size_t blob_after_compaction_ = 0;
  std::unique_ptr<StateCache> cache_;                 // null: state in memory
  std::vector<int> external_;                         // indices of retractable FIRST/LAST_VALUE aggregates
  std::vector<std::vector<ArrivalValues>> arrivals_;  // [external aggregate][entry]
  uint64_t next_seq_ = 1;
};

}  // namespace sluice::engine
