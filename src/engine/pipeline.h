#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/aggregate.h"
#include "engine/calc_operator.h"
#include "engine/expression.h"
#include "engine/global_window_operator.h"
#include "engine/job.h"
#include "engine/join_type.h"
#include "engine/over_aggregate_operator.h"
#include "engine/rank_operators.h"
#include "engine/window.h"

namespace sluice::engine {

// A fluent builder of jobs for C++ users:
//
//   auto job = Pipeline()
//     .From(JsonFileSource::Create({"bids.jsonl"}, schema, "ts", WatermarkStrategy::BoundedDelay(2s)).value())
//     .Filter(Col("price") > 100)
//     .KeyBy({"auction"})
//     .Window(WindowSpec::Tumble(10s))
//     .Aggregate({Count(), Max("price")})
//     .To(&sink)
//     .Build();
//
// Steps before KeyBy run fused in the source task; each KeyBy is an exchange
// that starts a new stage; Window + Aggregate (or Aggregate alone: an
// updating GROUP BY) run keyed. A pipeline may key, aggregate and key again
// (aggregate over aggregate), and join pipelines that are themselves keyed
// or aggregated. Errors (unknown columns, type errors) are kept and returned
// by Build().
//
// Thread-safety: not thread-safe; a builder.
class Pipeline {
 public:
  Pipeline& From(std::shared_ptr<Source> source);
  Pipeline& Union(std::shared_ptr<Source> source);  // UNION ALL with a same-schema source
  Pipeline& Filter(Expr predicate);
  Pipeline& Select(std::vector<Projection> projections);
  Pipeline& KeyBy(std::vector<std::string> columns);
  // Event time comes from the source's declared column unless `time_column` names another.
  Pipeline& Window(WindowSpec window, std::string time_column = "");
  Pipeline& Aggregate(std::vector<AggregateSpec> aggregates);
  // After KeyBy: Aggregate() over one never-ending window per key that emits
  // when `trigger` says (Flink's GlobalWindows + trigger); append-only.
  Pipeline& GlobalWindow(GlobalTrigger trigger);
  // Unwindowed Aggregate() after this forgets keys idle for `ttl` (processing time).
  Pipeline& StateTtl(std::chrono::milliseconds ttl) {
    state_ttl_ms_ = ttl.count();
    return *this;
  }
  // After KeyBy: keep the first (smallest event time) or last row per key, as
  // an updating stream (+I, -U, +U).
  Pipeline& Deduplicate(Keep keep);
  // After KeyBy: the N rows with the largest (descending) or smallest values
  // of `order_column` per key, as +I / -D.
  Pipeline& TopN(const std::string& order_column, int n, bool descending = true);
  // After KeyBy (the PARTITION BY columns; KeyBy({}) for none): appends to
  // every row `aggregates` over its frame, rows in event-time order
  // (OverAggregateOperator). `preceding`: ms for RANGE, rows for ROWS,
  // kUnboundedPreceding for UNBOUNDED.
  Pipeline& Over(OverFrameUnit unit, int64_t preceding, std::vector<AggregateSpec> aggregates);
  // Event-time interval join with another pipeline: rows with equal keys and right.ts BETWEEN left.ts + lower AND
  // left.ts + upper. Output: left columns, then right columns; an outer `type` adds an outer side's unmatched rows
  // padded with NULLs once the watermark passes their interval.
  Pipeline& IntervalJoin(const Pipeline& right, std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                         std::chrono::milliseconds lower, std::chrono::milliseconds upper,
                         JoinType type = JoinType::kInner);
  // Window join with another pipeline: pairs of
  // rows with equal keys in the same window, emitted when the window closes.
  // Output: window_start, window_end, left columns, right columns; an outer `type` adds, at window end, an outer
  // side's rows that found no partner in the window, padded with NULLs.
  Pipeline& WindowJoin(const Pipeline& right, std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                       WindowSpec window, JoinType type = JoinType::kInner);
  // Regular equi-join with another pipeline; each side's rows are kept for `state_ttl` of processing time (0: forever).
  // An outer `type` makes the output an updating changelog (RegularJoinSpec).
  Pipeline& Join(const Pipeline& right, std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                 std::chrono::milliseconds state_ttl = std::chrono::milliseconds(0), JoinType type = JoinType::kInner);
  // Late rows of the right input of a join.
  Pipeline& RightLateDataTo(Sink* sink);
  Pipeline& To(Sink* sink);
  Pipeline& LateDataTo(Sink* sink);

  // The schema rows have at this point of the pipeline.
  const Schema& schema() const { return schema_; }
  Result<JobSpec> BuildSpec() const;
  Result<std::unique_ptr<Job>> Build(JobConfig config = {}) const;

 private:
  // The three joins share their set-up: keys resolved by name (`what` names
  // the join in messages), (time-based joins) both inputs' event-time
  // columns, and the stage both inputs meet in.
  Status ResolveJoinKeys(const Pipeline& right, const std::vector<std::string>& left_keys,
                         const std::vector<std::string>& right_keys, const char* what, std::vector<int>* left_idx,
                         std::vector<int>* right_idx) const;
  Status ResolveJoinTimes(const Pipeline& right, const char* what, int* left_time, int* right_time) const;
  void Fail(Status s) {
    if (error_.ok()) error_ = std::move(s);
  }
  void AddCalc(Expr filter, std::vector<Projection> projections);
  void AddOperator(OperatorSpec op) { spec_.stages.back().operators.push_back(std::move(op)); }
  bool keyed() const { return !spec_.stages.empty() && spec_.stages.back().keyed(); }
  // Starts a stage fed by the current one, exchanged by `keys`.
  void StartKeyedStage(std::vector<int> keys);
  // Starts the stage where this pipeline (left) and `right` meet in `join`.
  void StartJoinStage(const Pipeline& right, std::vector<int> left_keys, std::vector<int> right_keys,
                      TwoInputFactory join);
  // This pipeline's spec with its late-data sinks in place.
  JobSpec SpecWithLateSinks() const;

  Status error_;
  JobSpec spec_;  // the current stage is the last one
  // Key columns of the current stage (indices into schema_), while its
  // operators keep them in place: KeyBy sets them; aggregates and joins,
  // which reshape rows, clear them.
  std::optional<std::vector<int>> keys_;
  int join_stage_ = -1;  // the last join's stage, whose right input RightLateDataTo names
  Sink* sink_ = nullptr;
  Sink* late_sink_ = nullptr;
  Schema schema_;
  std::string time_column_;
  std::optional<WindowSpec> window_;
  std::optional<GlobalTrigger> global_trigger_;
  std::string window_time_column_;
  Sink* right_late_sink_ = nullptr;
  int64_t state_ttl_ms_ = 0;
};

}  // namespace sluice::engine
