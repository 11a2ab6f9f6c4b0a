// ORDER BY and LIMIT on a stream, with Flink's streaming semantics:
//   LIMIT n [OFFSET m]           rows m+1 .. m+n in arrival order (append-only input), one instance;
//   ORDER BY col [, col2] LIMIT n  a global top-N: an updating result (+I / -D);
//   ORDER BY ts [, col ...]       without LIMIT, on the event-time attribute
//                                 ascending: Flink's temporal sort (append-only).

#include <fmt/format.h>

#include <charconv>

#include "engine/limit_operator.h"
#include "engine/rank_operators.h"
#include "engine/retract_top_n_operator.h"
#include "engine/temporal_sort_operator.h"
#include "sql/planner.h"
#include "sql/syntax_error.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

// The bound of LIMIT n / FETCH FIRST n ROWS / OFFSET m: a non-negative integer literal.
Result<int64_t> LimitValue(const Expr& e, std::string_view source) {
  int64_t n = -1;
  if (e.kind == ExprKind::kLiteral && e.As<LiteralExpr>().literal_kind == LiteralKind::kInteger) {
    const std::string& text = e.As<LiteralExpr>().text;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size()) n = -1;
  }
  if (n < 0) {
    return SyntaxError(source, e.pos, fmt::format("LIMIT and OFFSET take a whole number of rows, not {}", Unparse(e)));
  }
  return n;
}

}  // namespace

Result<PlannedQuery> Planner::PlanOrderLimit(const Query& query, PlannedQuery q) {
  std::optional<int64_t> limit;
  if (query.limit) {
    SLUICE_ASSIGN_OR_RETURN(limit, LimitValue(*query.limit, source()));
  }
  int64_t offset = 0;
  if (query.offset) {
    if (!query.order_by.empty()) {
      return Error(query.offset->pos, "OFFSET with ORDER BY is not supported yet; OFFSET works with a plain LIMIT");
    }
    SLUICE_ASSIGN_OR_RETURN(offset, LimitValue(*query.offset, source()));
  }
  const bool updating = q.changelog == PlannedQuery::Changelog::kUpdating;
  if (updating && (query.order_by.empty() || !limit)) {
    return Error(query.order_by.empty() ? query.limit->pos : query.order_by[0].expr->pos,
                 "LIMIT without ORDER BY, or ORDER BY without LIMIT, over an updating result (an unwindowed GROUP "
                 "BY, a deduplication or a top-N) is not supported; ORDER BY ... LIMIT n is (a top-N)");
  }
  if (query.order_by.empty()) {
    // Every row to one instance, which passes the first n.
    q.Exchange({});
    q.plan.push_back("Exchange(distribution=[single])");
    // OFFSET m alone (no LIMIT): every row after the first m.
    const int64_t n = limit.value_or(INT64_MAX);
    auto reached = limit ? std::make_shared<LimitReached>() : nullptr;
    q.operators().push_back(engine::OperatorSpec{
        "limit",
        [n, offset, reached](const engine::Schema& in,
                             const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
          std::function<void()> then;
          if (reached) then = [reached] { reached->Fire(); };
          SLUICE_ASSIGN_OR_RETURN(auto op, engine::LimitOperator::Create(in, n, std::move(then), ctx, offset));
          return std::unique_ptr<engine::Operator>(std::move(op));
        }});
    q.plan.push_back(limit ? fmt::format("Limit(offset=[{}], fetch=[{}])", offset, n)
                           : fmt::format("Limit(offset=[{}], fetch=[unlimited])", offset));
    q.limit_reached = std::move(reached);
    q.last_calc.reset();
    q.window_columns.reset();
    return q;
  }

  ExprBinder binder(source(), &q.scope);
  std::vector<int> columns;
  std::vector<bool> descending;
  std::string order_text;
  for (const OrderItem& item : query.order_by) {
    if (item.nulls != NullOrder::kDefault) {
      return Error(item.expr->pos, "NULLS FIRST / NULLS LAST in ORDER BY are not supported yet");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*item.expr));
    if (e.node().kind != engine::ExprKind::kColumn) {
      return Error(item.expr->pos, "ORDER BY takes output columns, not expressions (compute them in the SELECT)");
    }
    columns.push_back(e.node().column_index);
    descending.push_back(item.direction == SortDirection::kDescending);
    order_text += fmt::format("{}{} {}", order_text.empty() ? "" : ", ", q.scope.schema.field(columns.back()).name,
                              descending.back() ? "DESC" : "ASC");
  }
  if (!limit) {
    const bool by_time = columns[0] == q.time_column && q.time_column >= 0 && !descending[0];
    if (!by_time) {
      return Error(query.order_by[0].expr->pos,
                   "ORDER BY on a stream needs LIMIT n (a top-N over the whole stream), or the event-time attribute "
                   "ascending first (a sort by event time, as Flink); sorting a whole stream by another column "
                   "cannot finish");
    }
    // Flink's temporal sort: rows leave in event-time order as the watermark passes them.
    engine::TemporalSortSpec spec;
    spec.time_column = columns[0];
    for (size_t i = 1; i < columns.size(); ++i) {
      const engine::DataType t = q.scope.schema.field(columns[i]).type;
      if (i > 2 || t == engine::DataType::kString || t == engine::DataType::kBool) {
        return Error(
            query.order_by[i].expr->pos,
            i > 2 ? "a sort by event time takes at most two more columns"
                  : fmt::format("after the event time, ORDER BY takes numbers or timestamps, not {}", SqlTypeName(t)));
      }
      spec.then.push_back({columns[i], descending[i]});
    }
    q.Exchange({});
    q.plan.push_back("Exchange(distribution=[single])");
    q.operators().push_back(
        engine::OperatorSpec{"temporal-sort",
                             [spec](const engine::Schema& in,
                                    const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
                               SLUICE_ASSIGN_OR_RETURN(auto op, engine::TemporalSortOperator::Create(in, spec, ctx));
                               return std::unique_ptr<engine::Operator>(std::move(op));
                             }});
    q.plan.push_back(fmt::format("TemporalSort(orderBy=[{}])", order_text));
    q.last_calc.reset();
    q.window_columns.reset();
    return q;
  }
  if (columns.size() > 2) {
    return Error(query.order_by[2].expr->pos,
                 "ORDER BY ... LIMIT takes at most two columns (an order and a tie-breaker)");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const engine::DataType t = q.scope.schema.field(columns[i]).type;
    if (t == engine::DataType::kString || t == engine::DataType::kBool) {
      return Error(query.order_by[i].expr->pos,
                   fmt::format("ORDER BY ... LIMIT orders by a number or a timestamp, not {}", SqlTypeName(t)));
    }
  }
  if (*limit < 1) return Error(query.limit->pos, "ORDER BY ... LIMIT needs at least one row");
  engine::TopNSpec spec{{},
                        columns[0],
                        descending[0],
                        static_cast<int>(*limit),
                        columns.size() > 1 ? columns[1] : -1,
                        columns.size() > 1 && descending[1]};
  q.Exchange({});
  q.plan.push_back("Exchange(distribution=[single])");
  q.operators().push_back(TopNOperatorSpec(spec, updating));
  q.plan.push_back(fmt::format("SortLimit(orderBy=[{}], offset=[0], fetch=[{}]{}, changelog=[+I, -D])", order_text,
                               *limit, updating ? ", retract" : ""));
  q.changelog = PlannedQuery::Changelog::kUpdating;
  q.time_column = -1;
  q.last_calc.reset();
  q.window_columns.reset();
  return q;
}

engine::OperatorSpec TopNOperatorSpec(const engine::TopNSpec& spec, bool updating_input) {
  if (updating_input) {
    return engine::OperatorSpec{
        "retract-top-n",
        [spec](const engine::Schema& in,
               const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, engine::RetractTopNOperator::Create(in, spec, ctx));
          return std::unique_ptr<engine::Operator>(std::move(op));
        }};
  }
  return engine::OperatorSpec{"top-n",
                              [spec](const engine::Schema& in,
                                     const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
                                SLUICE_ASSIGN_OR_RETURN(auto op, engine::TopNOperator::Create(in, spec, ctx));
                                return std::unique_ptr<engine::Operator>(std::move(op));
                              }};
}

}  // namespace sluice::sql
