#pragma once

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

// A query planned onto the engine's job shape, without its sink yet: the
// sources, the stateless operators fused with them, an optional key-by and
// the keyed operators after it. `scope` names the output columns.
struct PlannedQuery {
  std::vector<std::shared_ptr<engine::Source>> sources;
  std::vector<engine::OperatorSpec> before_exchange;
  bool keyed = false;
  std::vector<int> key_columns;
  std::vector<engine::OperatorSpec> after_exchange;
  // A join: the second input and the two-input operator both meet in.
  std::optional<engine::JobInput> right;
  engine::TwoInputFactory join;
  Scope scope;
  int time_column = -1;  // the rowtime attribute of the output, if it survived
  enum class Changelog { kAppendOnly, kUpdating } changelog = Changelog::kAppendOnly;
  std::vector<std::string> plan;  // physical plan, one operator per line, source first
  // When the last operator is a Calc: what it computes over which input, so
  // that the next Calc fuses into it (one Calc instead of two).
  struct CalcStep {
    engine::Expr filter;
    std::vector<engine::Projection> projections;
    Scope input;
    int input_time_column = -1;
  };
  std::optional<CalcStep> last_calc;
  // A window TVF read but not yet aggregated (TABLE(TUMBLE(...)) in FROM).
  std::optional<engine::WindowSpec> pending_window;
  std::string pending_window_text;

  // The physical plan as EXPLAIN prints it, sink on top.
  std::string Explain(const std::string& sink_line) const;
};

// Plans queries over a catalog onto the engine's job shape. Supported:
// SELECT with WHERE and expressions (Calcs fused into one), views and
// subqueries in FROM, window TVFs (TUMBLE, HOP, CUMULATE, SESSION) with a
// window aggregation grouped by window_start, window_end and keys,
// unwindowed GROUP BY (an updating changelog) with HAVING, COUNT(DISTINCT),
// FILTER (WHERE ...), deduplication and top-N from ROW_NUMBER() subqueries,
// inner interval and regular joins on equal keys. Everything else fails with
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
  // Fills `spec` from `q` (all but the sink).
  static void ToJobSpec(const PlannedQuery& q, engine::JobSpec* spec);
  // Appends a Calc step (filter and/or projections) to `q`.
  static Status AddCalc(PlannedQuery* q, engine::Expr filter, std::vector<engine::Projection> projections,
                        std::vector<std::string> qualifiers, std::string explain);
  // The source scan of a catalog table (with computed columns and watermark).
  Result<PlannedQuery> PlanTable(const CatalogEntry& table, const std::string& qualifier);

 private:
  Result<PlannedQuery> PlanQueryBody(const Query& query);
  Result<PlannedQuery> PlanBody(const QueryBody& body);
  Result<PlannedQuery> PlanSelect(const Select& select);
  Result<PlannedQuery> PlanAggregate(const Select& select, const Expr* where, PlannedQuery q);
  Result<PlannedQuery> PlanTableRef(const TableRef& ref);
  Result<PlannedQuery> PlanWindowTvf(const TableFunctionRef& ref);
  Result<PlannedQuery> PlanJoin(const JoinTableRef& ref);
  Result<PlannedQuery> PlanRank(const Select& inner, const SelectItem& row_number, int64_t n, PlannedQuery q);
  Status Error(SourcePos pos, std::string_view message) const;
  std::string_view source() const { return *source_; }

  const Catalog* catalog_;
  const engine::ConnectorRegistry* registry_;
  engine::ConnectorContext ctx_;
  std::shared_ptr<const std::string> source_;
  int view_depth_ = 0;
  // WITH names visible while a query is planned, innermost last.
  std::vector<const CommonTableExpr*> ctes_;
  // The outer query's filter on a ROW_NUMBER() column while its subquery is
  // planned: `rn = 1` (n = 1) or `rn <= n`.
  struct RankFilter {
    std::string column;
    int64_t n = 1;
  };
  std::optional<RankFilter> rank_filter_;
  bool rank_filter_consumed_ = false;
};

}  // namespace sluice::sql
