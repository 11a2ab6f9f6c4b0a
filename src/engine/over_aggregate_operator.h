#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "engine/aggregate.h"
#include "engine/key_table.h"
#include "engine/operator.h"

namespace sluice::engine {

// How an OVER frame counts what precedes the current row.
enum class OverFrameUnit : uint8_t { kRows, kRange };

// `preceding` of an OverSpec meaning UNBOUNDED PRECEDING.
inline constexpr int64_t kUnboundedPreceding = -1;

// An OVER aggregation as a planner describes it (Flink's streaming form):
//   agg(...) OVER (PARTITION BY keys ORDER BY time
//                  {ROWS | RANGE} BETWEEN {preceding | UNBOUNDED} PRECEDING AND CURRENT ROW)
// RANGE `preceding` is in milliseconds, ROWS `preceding` a row count.
// Aggregates: COUNT, COUNT(*), SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE
// (no COUNT DISTINCT); their arguments are input columns (arg_index wins
// over arg as in AggregateSpec).
struct OverSpec {
  std::vector<int> partition_keys;  // empty: the whole input is one partition
  int time_column = -1;             // the TIMESTAMP(3) event-time column, ascending
  OverFrameUnit unit = OverFrameUnit::kRange;
  int64_t preceding = kUnboundedPreceding;
  std::vector<AggregateSpec> aggregates;
};

// Appends to every input row the aggregates over its frame, in event-time
// order per partition key, as Flink's OverAggregate does on a rowtime
// attribute. Output: every input column, then one column per aggregate;
// append-only, one output row per on-time input row.
//
// Event time: a row is buffered under its key until the watermark passes its
// timestamp (a row at ts is processed once the watermark exceeds ts, i.e. no
// on-time row at ts can come any more), then rows are processed in (ts,
// arrival) order. A RANGE frame holds every processed row with ts in
// [ts - preceding, ts], so all rows of one timestamp (peers) get the same
// result; a ROWS frame holds the current row and the `preceding` rows
// processed before it. Rows below the watermark when they arrive (or late in
// their source partition) are late: counted in late_rows and sent to the
// late-data sink, never aggregated.
//
// State per key: the pending rows, plus the frame (RANGE: rows with
// ts >= watermark - preceding, evicted as the watermark moves even for idle
// keys; ROWS n: the last n rows) with incremental COUNT/SUM/AVG (retracting
// as rows leave), monotonic deques for MIN/MAX and the non-NULL rows' order
// for FIRST_VALUE/LAST_VALUE. UNBOUNDED frames keep running accumulators only.
// A key with neither pending nor framed rows is forgotten (bounded frames).
// Result types and NULL handling are AggregateLayout's (aggregate.h);
// FIRST_VALUE/LAST_VALUE skip NULLs, as Flink's.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
// Memory: rows live in reused batch chunks; steady state does not allocate.
class OverAggregateOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<OverAggregateOperator>> Create(const Schema& input, OverSpec spec,
                                                               const OperatorContext& ctx);
  ~OverAggregateOperator() override;

  std::string name() const override { return "over-aggregate"; }
  const Schema& output_schema() const override { return output_schema_; }
  bool stateful() const override { return true; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  KeyedState* keyed_state() override { return this; }
  int64_t StateBytes() const override;
  // The keys of key group `kg` with their pending rows, frame rows and
  // (UNBOUNDED) accumulators; format in over_aggregate_operator.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

  struct Impl;

 private:
  explicit OverAggregateOperator(Schema output);

  Schema output_schema_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::engine
