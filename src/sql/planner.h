#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "engine/calc_operator.h"
#include "engine/connector_registry.h"
#include "engine/job.h"
#include "engine/join_type.h"
#include "engine/window.h"
#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/expr_binder.h"

namespace sluice::engine {
struct TopNSpec;
}  // namespace sluice::engine

namespace sluice::sql {

// Set by a LIMIT once its n rows went downstream; `then` (set before the job
// runs) lets a bare SELECT stop its job there.
struct LimitReached {
  std::atomic<bool> reached{false};
  std::function<void()> then;
  void Fire() {
    reached.store(true);
    if (then) then();
  }
};

// A query planned onto the engine's job shape, without its sink yet: a tree
// of stages whose last one is where the query's rows are now (its sink is
// set by whoever runs it). `scope` names the output columns.
struct PlannedQuery {
  engine::JobSpec graph;

  bool keyed() const { return graph.stages.back().keyed(); }
  std::vector<engine::OperatorSpec>& operators() { return graph.stages.back().operators; }
  // Starts a keyed stage fed by the current one, hash-partitioned by `keys`.
  void Exchange(std::vector<int> keys);

  Scope scope;
  int time_column = -1;  // the rowtime attribute of the output, if it survived
  // The processing-time attribute (a PROCTIME() column), if any survived.
  int proctime_column = -1;
  enum class Changelog { kAppendOnly, kUpdating } changelog = Changelog::kAppendOnly;
  std::vector<std::string> plan;  // physical plan, one operator per line, source first
  // The columns holding window_start and window_end of a window aggregation
  // upstream (append-only rows, emitted when their window closed): grouping
  // by both again is a window aggregation over the same windows.
  struct WindowColumns {
    int start = -1;  // -1 once projected away
    int end = -1;
    std::string text;  // the window, for EXPLAIN
  };
  std::optional<WindowColumns> window_columns;
  // When the last operator is a Calc: what it computes over which input, so
  // that the next Calc fuses into it (one Calc instead of two).
  struct CalcStep {
    engine::Expr filter;
    std::vector<engine::Projection> projections;
    Scope input;
    int input_time_column = -1;
    std::optional<WindowColumns> input_window_columns;
    int input_proctime_column = -1;
  };
  std::optional<CalcStep> last_calc;
  // A window TVF read but not yet aggregated (TABLE(TUMBLE(...)) in FROM).
  std::optional<engine::WindowSpec> pending_window;
  std::string pending_window_text;
  // The query's LIMIT without ORDER BY, if any.
  std::shared_ptr<LimitReached> limit_reached;
  // The pending window is over the processing-time attribute (then
  // time_column names it): it fires on the wall clock.
  bool pending_window_proctime = false;

  // The physical plan as EXPLAIN prints it, sink on top.
  std::string Explain(const std::string& sink_line) const;
};

// A query over two inputs: `left`'s stages, then `right`'s, then a stage
// where both meet, each exchanged by its keys (its two-input operator is the
// caller's to set); the plan shows the right input inline.
PlannedQuery MeetIn(const PlannedQuery& left, const PlannedQuery& right, std::vector<int> left_keys,
                    std::vector<int> right_keys, std::string_view keys_text);

// Whether `e` is a processing-time attribute: PROCTIME() or a reference to
// column `proctime_column` (-1: none) of its input.
bool IsProcTimeAttribute(const engine::Expr& e, int proctime_column);

// The type two values of a column (UNION ALL sides, VALUES rows) convert
// to, if any: numbers widen (INT → BIGINT → DOUBLE); other types must be equal.
std::optional<engine::DataType> UnionType(engine::DataType a, engine::DataType b);

// The top-N operator for `spec`: TopNOperator over an append-only input,
// RetractTopNOperator (every row kept) over an updating one.
engine::OperatorSpec TopNOperatorSpec(const engine::TopNSpec& spec, bool updating_input);

// Appends the AND-ed conditions of `e` (e itself when it is no AND) to *out.
void CollectConjuncts(const Expr& e, std::vector<const Expr*>* out);

// "a, (b + 1) AS c": projections as EXPLAIN prints them.
std::string ProjectionText(const std::vector<engine::Projection>& ps);

// The output name of SELECT list item `i`: its alias, a column's own name,
// else EXPR$i as Flink names it.
std::string SelectItemName(const SelectItem& item, size_t i);

// Applies table hints /*+ OPTIONS('k' = 'v') */ over `options` (Flink's
// dynamic table options); any other hint on a table is an error.
Status ApplyOptionsHints(std::string_view source, const std::vector<Hint>& hints,
                         std::map<std::string, std::string>* options);

// Plans queries over a catalog onto the engine's job shape. Supported:
// SELECT with WHERE and expressions (Calcs fused into one), views and
// subqueries in FROM, window TVFs (TUMBLE, HOP, CUMULATE, SESSION) with a
// window aggregation grouped by window_start, window_end and keys,
// window aggregations over window aggregations (grouped by the same
// window_start, window_end), unwindowed GROUP BY (an updating changelog) with
// HAVING, COUNT(DISTINCT), FILTER (WHERE ...), deduplication and top-N from
// ROW_NUMBER() subqueries, OVER aggregations (plan_over.cc), inner and outer (LEFT, RIGHT, FULL) interval,
// regular and window joins on equal keys (regular joins also over updating
// inputs), window TVFs over a PROCTIME() attribute (processing-time windows),
// temporal joins (FOR SYSTEM_TIME AS OF: a lookup join on processing time,
// a versioned-table join on event time; temporal_join_planner.cc),
// over any append-only input (aggregated, joined or ranked inputs included:
// every key-by starts a new stage). Everything else fails with
// `line L:C: ... not supported yet` (src/sql/README.md lists it).
//
// Thread-safety: not thread-safe; one per statement. The catalog, the
// registry and the source text must outlive it.
class Planner {
 public:
  Planner(const Catalog* catalog, const engine::ConnectorRegistry* registry, engine::ConnectorContext ctx,
          std::shared_ptr<const std::string> source)
      : catalog_(catalog), registry_(registry), ctx_(std::move(ctx)), source_(std::move(source)) {}

  Result<PlannedQuery> PlanQuery(const Query& query);
  // The job that runs `q` into `sink`.
  static engine::JobSpec ToJobSpec(const PlannedQuery& q, engine::Sink* sink);
  // Appends a Calc step (filter and/or projections) to `q`.
  static Status AddCalc(PlannedQuery* q, engine::Expr filter, std::vector<engine::Projection> projections,
                        std::vector<std::string> qualifiers, std::string explain);
  // The source scan of a catalog table (with computed columns and watermark).
  Result<PlannedQuery> PlanTable(const CatalogEntry& table, const std::string& qualifier);
  // Side outputs (plan_side_outputs.cc): gives every keyed input of `spec`
  // that reads a source table with 'late-data.table' a late-data sink writing
  // that table, and every source stage reading a table with
  // 'dead-letter.table' a dead-letter sink writing that one, created through
  // the registry; `owned` keeps the sinks alive for the job. Call on the spec
  // of a query this planner planned.
  Status AttachSideOutputs(engine::JobSpec* spec, std::vector<std::shared_ptr<engine::Sink>>* owned) const;

 private:
  // The outer query's filter on a ROW_NUMBER() column while its subquery is
  // planned: `rn = 1` (n = 1) or `rn <= n`.
  struct RankFilter {
    std::string column;
    int64_t n = 1;
    bool selected = false;  // the outer query selects the rank column (by name or *)
  };
  Result<PlannedQuery> PlanQueryBody(const Query& query);
  // ORDER BY and LIMIT over a planned query body (plan_order_limit.cc).
  Result<PlannedQuery> PlanOrderLimit(const Query& query, PlannedQuery q);
  Result<PlannedQuery> PlanBody(const QueryBody& body);
  Result<PlannedQuery> PlanSelect(const Select& select);
  Result<PlannedQuery> PlanSetOperation(const SetOperation& op);
  // Distinct rows of `q`: an exchange on every column and a GROUP BY of all
  // of them without aggregates (an updating result).
  static void AddDistinct(PlannedQuery* q);
  // IN (SELECT ...) and [NOT] EXISTS (...) conjuncts of a WHERE as semi- and
  // anti-joins of `q` (plan_subquery.cc); each one planned joins decided_,
  // and *all_decided tells whether every conjunct of `where` was one.
  static bool HasSubqueryCondition(const Expr& where);
  Result<PlannedQuery> PlanSubqueryConditions(const Expr& where, PlannedQuery q, bool* all_decided);
  // The subquery of EXISTS, filtered by its WHERE's uncorrelated conditions,
  // with the join keys its correlations (inner.col = outer.col) give.
  Result<PlannedQuery> PlanExistsInput(const ExistsExpr& exists, const PlannedQuery& outer, std::vector<int>* left_keys,
                                       std::vector<int>* right_keys, std::string* key_text);
  // The column of `q` that `e` names; an error naming `what` otherwise.
  Result<int> SubqueryKeyColumn(const Expr& e, const PlannedQuery& q, std::string_view what);
  // `table` with the OPTIONS('k' = 'v') of `hints` over its WITH options (a
  // copy the planner keeps alive: side outputs refer to it).
  Result<const CatalogEntry*> WithOptionsHints(const CatalogEntry& table, const std::vector<Hint>& hints);
  // VALUES rows, and the single row a SELECT without FROM reads (plan_values.cc).
  Result<PlannedQuery> PlanValues(const Values& values);
  Result<PlannedQuery> PlanSingleRow();
  Result<PlannedQuery> PlanAggregate(const Select& select, const Expr* where, PlannedQuery q);
  // SELECT items with agg(...) OVER (...) (plan_over.cc).
  static bool HasOverAggregate(const Select& select);
  Result<PlannedQuery> PlanOver(const Select& select, const Expr* where, PlannedQuery q);
  // GROUP BY TUMBLE(ts, size) / HOP(ts, slide, size) / SESSION(ts, gap).
  Result<engine::WindowSpec> LegacyGroupWindow(const FunctionCallExpr& call, const PlannedQuery& q) const;
  Result<PlannedQuery> PlanTableRef(const TableRef& ref);
  Result<PlannedQuery> PlanWindowTvf(const TableFunctionRef& ref);
  Result<PlannedQuery> PlanJoin(const JoinTableRef& ref);
  // JOIN t FOR SYSTEM_TIME AS OF left.time AS s ON ... (temporal_join_planner.cc).
  Result<PlannedQuery> PlanTemporalJoin(const JoinTableRef& ref);
  // The processing-time form: `left` joined with the bounded table `right`
  // reads, in left's last stage (no exchange).
  Result<PlannedQuery> PlanLookupJoin(PlannedQuery left, const PlannedQuery& right, std::vector<int> left_keys,
                                      std::vector<int> right_keys, bool left_join);
  // Moves the conditions of an outer join's ON that are not keys or time
  // bounds (`residual`) into a filter on the NULL-padded side's input; fails
  // on a condition that is not over that side only.
  Status PushDownOuterJoinConditions(engine::JoinType type, const Scope& joined, std::vector<const Expr*>* residual,
                                     PlannedQuery* left, PlannedQuery* right);
  // A join of two window TVFs (both sides' pending_window) on window_start,
  // window_end and keys: the engine's window join, per-side window columns.
  Result<PlannedQuery> PlanWindowJoin(const JoinTableRef& ref, engine::JoinType type, const Expr* on, const Expr* where,
                                      PlannedQuery left, PlannedQuery right);
  // `where`: the WHERE of `inner` not consumed by its FROM (null if none).
  Result<PlannedQuery> PlanRank(const Select& inner, const Expr* where, const SelectItem& row_number,
                                const RankFilter& filter, PlannedQuery q);
  // The items beside ROW_NUMBER() (plain columns or *) over `scope`; the
  // rank item, when the outer query selects it, is an invalid Expr to fill.
  Result<std::vector<engine::Projection>> RankSelectList(const Select& inner, const SelectItem& row_number,
                                                         const RankFilter& filter, const Scope& scope) const;
  // Window top-N / window deduplication (plan_window_rank.cc): ROW_NUMBER()
  // partitioned by window_start and window_end over a window TVF or a window
  // aggregation.
  bool IsWindowRank(const WindowSpec& over, const PlannedQuery& q) const;
  Result<PlannedQuery> PlanWindowRank(const Select& inner, const SelectItem& row_number, const RankFilter& filter,
                                      PlannedQuery q);
  Status Error(SourcePos pos, std::string_view message) const;
  // Adds the equality of left column `l` and right column `r` (from condition
  // `at`) to a join's keys and their EXPLAIN text; the types must be equal.
  Status AddJoinKey(const Expr& at, const PlannedQuery& left, const PlannedQuery& right, int l, int r,
                    std::vector<int>* left_keys, std::vector<int>* right_keys, std::string* key_text) const;
  std::string_view source() const { return *source_; }

  // Side outputs (plan_side_outputs.cc). A scanned source table and the
  // table its late rows (or its undecodable records) go to.
  struct SideTarget {
    const CatalogEntry* source_table = nullptr;
    const CatalogEntry* side_table = nullptr;
  };
  // Checks `table`'s 'late-data.table' option; records `source` as writing
  // late rows there when it is set.
  Status RegisterLateTable(const CatalogEntry& table, const engine::Source* source);
  // The late-data target of the stage `q` ends in, if it is a source stage
  // whose table has one.
  const SideTarget* LateTargetOf(const PlannedQuery& q) const;
  // A window aggregation's pre-projection keeps the late table's columns
  // (named "$late.<column>") so that late rows reach it whole.
  Status AddLatePassThrough(const PlannedQuery& q, SourcePos pos, std::vector<engine::Projection>* pre) const;
  // A join input must carry the late table's columns by name.
  Status CheckLateColumns(const PlannedQuery& q, SourcePos pos) const;
  std::vector<std::pair<const engine::Source*, SideTarget>> late_targets_;
  // Checks `table`'s 'dead-letter.table' option; records `source` as writing
  // its undecodable records there when it is set.
  Status RegisterDeadLetterTable(const CatalogEntry& table, const engine::Source* source);
  std::vector<std::pair<const engine::Source*, SideTarget>> dead_letter_targets_;

  const Catalog* catalog_;
  const engine::ConnectorRegistry* registry_;
  engine::ConnectorContext ctx_;
  std::shared_ptr<const std::string> source_;
  int view_depth_ = 0;
  // WITH names visible while a query is planned, innermost last.
  std::vector<const CommonTableExpr*> ctes_;
  std::optional<RankFilter> rank_filter_;
  bool rank_filter_consumed_ = false;
  // The WHERE of a SELECT whose FROM is an inner or comma join, for PlanJoin
  // to plan as part of the join condition.
  const Expr* join_where_ = nullptr;
  // Conditions planned as joins (subqueries, EXISTS correlations): binders of
  // WHERE clauses read them as TRUE.
  std::unordered_set<const Expr*> decided_;
  // Projection push-down: the names the statement (and every view) mentions,
  // lower-cased, and whether it selects `*` / `t.*` anywhere; computed by
  // the outermost PlanQuery.
  struct ColumnMentions {
    std::unordered_set<std::string> names;
    bool star = false;
  };
  std::optional<ColumnMentions> mentions_;
  void CollectColumnMentions(const Query& query);  // plan_projection.cc
  // Filter push-down (plan_projection.cc): from where_for_scan_ (the WHERE of
  // the SELECT whose FROM is this table), the values `col = 'v'` and `col IN
  // ('v', ...)` conjuncts allow in partition columns of `table`.
  const Expr* where_for_scan_ = nullptr;
  std::vector<std::pair<std::string, std::vector<std::string>>> PartitionFilter(const CatalogEntry& table,
                                                                                const std::string& qualifier) const;
  // Which columns of `table`'s source schema the query may read (empty: all).
  std::vector<bool> ReadColumns(const CatalogEntry& table, const engine::TableDescriptor& desc) const;
  // Tables as OPTIONS hints changed them, for as long as the plan refers to them.
  std::deque<CatalogEntry> hinted_tables_;
};

}  // namespace sluice::sql
