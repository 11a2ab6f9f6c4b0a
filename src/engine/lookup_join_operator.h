#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/source.h"

namespace sluice::engine {

enum class LookupJoinType : uint8_t { kInner, kLeft };

// A processing-time temporal join (Flink's lookup join, `JOIN t FOR
// SYSTEM_TIME AS OF left.proc_time`): each left row is joined with the rows
// of a bounded table whose key equals its key, as the table is when the row
// is processed. The table is small and static: it is read to its end once,
// when the first worker's operator is built, and every worker probes that
// one read-only copy.
struct LookupJoinSpec {
  std::vector<int> left_keys;   // key columns of the left input
  std::vector<int> right_keys;  // the table's columns they equal (same types)
  LookupJoinType type = LookupJoinType::kInner;
  // The table may hold at most this many rows: it lives in memory whole. A
  // larger one fails the job at start, saying so.
  int64_t max_rows = 1'000'000;
};

// The rows of a bounded table indexed by key, loaded once and then read by
// any number of threads.
//
// Thread-safety: Get() is thread-safe; the table it returns is immutable.
class LookupTable {
 public:
  LookupTable(std::shared_ptr<Source> source, std::vector<int> key_columns, int64_t max_rows)
      : source_(std::move(source)), key_columns_(std::move(key_columns)), max_rows_(max_rows) {}

  // Reads the table on the first call (every split to its end); later calls,
  // from any thread, return the same result.
  Status Load();

  const Schema& schema() const { return source_->schema(); }
  int64_t rows() const { return rows_; }
  // The first row with `key` (KeyEncoder bytes of the key columns), or -1.
  int64_t Find(std::string_view key, uint64_t hash) const;
  // The next row with the same key as row `id`, or -1.
  int64_t Next(int64_t id) const { return next_[id]; }
  const Batch& chunk_of(int64_t id) const { return *chunks_[id / kChunkRows]; }
  static int row_of(int64_t id) { return static_cast<int>(id % kChunkRows); }
  int64_t MemoryBytes() const;

 private:
  static constexpr int kChunkRows = kDefaultBatchCapacity;
  Status LoadOnce();

  std::shared_ptr<Source> source_;
  std::vector<int> key_columns_;
  int64_t max_rows_;
  std::once_flag once_;
  Status load_status_;
  std::vector<std::unique_ptr<Batch>> chunks_;
  KeyTable index_{8};          // key -> i64 first row id (the latest loaded)
  std::vector<int64_t> next_;  // per row id: the previous row with the same key, -1 at the end
  int64_t rows_ = 0;
};

// The lookup join: output = the left columns, then the table's columns (NULL
// for a LEFT join's unmatched rows). Rows keep their left row's event time
// and lateness; watermarks pass through. A left row with a NULL key matches
// nothing. Stateless: nothing is checkpointed (the table is re-read on
// restore, as Flink re-reads its lookup source).
//
// Thread-safety: not thread-safe; one per worker; the LookupTable is shared.
class LookupJoinOperator : public Operator {
 public:
  static Result<std::unique_ptr<LookupJoinOperator>> Create(const Schema& left, std::shared_ptr<LookupTable> table,
                                                            LookupJoinSpec spec, const OperatorContext& ctx);
  // The output schema of joining `left` with `right` (right names that clash
  // with a left one get a `0` suffix, as Flink does).
  static Schema OutputSchema(const Schema& left, const Schema& right);

  std::string name() const override { return "lookup-join"; }
  const Schema& output_schema() const override { return out_schema_; }
  Status Process(Batch& batch) override;

 private:
  LookupJoinOperator(const Schema& left, std::shared_ptr<LookupTable> table, LookupJoinSpec spec,
                     const OperatorContext& ctx);
  Result<int> BeginRow();
  Status Flush();

  Schema left_schema_;
  std::shared_ptr<LookupTable> table_;
  LookupJoinSpec spec_;
  Schema out_schema_;
  KeyEncoder keys_;
  Batch out_;
  std::vector<int64_t> ids_;  // the matches of one row, reused
};

}  // namespace sluice::engine
