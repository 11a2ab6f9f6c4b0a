#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/calc_operator.h"
#include "engine/connector_registry.h"
#include "engine/job.h"
#include "engine/window.h"
#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/expr_binder.h"

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
  };
  std::optional<CalcStep> last_calc;
  // A window TVF read but not yet aggregated (TABLE(TUMBLE(...)) in FROM).
  std::optional<engine::WindowSpec> pending_window;
  std::string pending_window_text;
  // The query's LIMIT without ORDER BY, if any.
  std::shared_ptr<LimitReached> limit_reached;

  // The physical plan as EXPLAIN prints it, sink on top.
  std::string Explain(const std::string& sink_line) const;
};

// Plans queries over a catalog onto the engine's job shape. Supported:
// SELECT with WHERE and expressions (Calcs fused into one), views and
// subqueries in FROM, window TVFs (TUMBLE, HOP, CUMULATE, SESSION) with a
// window aggregation grouped by window_start, window_end and keys,
// window aggregations over window aggregations (grouped by the same
// window_start, window_end), unwindowed GROUP BY (an updating changelog) with
// HAVING, COUNT(DISTINCT), FILTER (WHERE ...), deduplication and top-N from
// ROW_NUMBER() subqueries, OVER aggregations (plan_over.cc), inner interval and regular joins on equal keys,
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
  Result<PlannedQuery> PlanAggregate(const Select& select, const Expr* where, PlannedQuery q);
  // SELECT items with agg(...) OVER (...) (plan_over.cc).
  static bool HasOverAggregate(const Select& select);
  Result<PlannedQuery> PlanOver(const Select& select, const Expr* where, PlannedQuery q);
  // GROUP BY TUMBLE(ts, size) / HOP(ts, slide, size) / SESSION(ts, gap).
  Result<engine::WindowSpec> LegacyGroupWindow(const FunctionCallExpr& call, const PlannedQuery& q) const;
  Result<PlannedQuery> PlanTableRef(const TableRef& ref);
  Result<PlannedQuery> PlanWindowTvf(const TableFunctionRef& ref);
  Result<PlannedQuery> PlanJoin(const JoinTableRef& ref);
  // `where`: the WHERE of `inner` not consumed by its FROM (null if none).
  Result<PlannedQuery> PlanRank(const Select& inner, const Expr* where, const SelectItem& row_number,
                                const RankFilter& filter, PlannedQuery q);
  Status Error(SourcePos pos, std::string_view message) const;
  std::string_view source() const { return *source_; }

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
};

}  // namespace sluice::sql
