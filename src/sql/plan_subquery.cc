// Subqueries in a WHERE, planned as Flink plans them in streaming mode: as
// regular semi- and anti-joins on equal keys.
//   WHERE k IN (SELECT x FROM t ...)                      semi-join on k = x
//   WHERE EXISTS (SELECT ... FROM t WHERE t.x = o.k ...)  semi-join on k = x
//   WHERE NOT EXISTS (SELECT ... WHERE t.x = o.k ...)     anti-join on k = x
// Each must be a conjunct of the WHERE (AND-ed with the other conditions);
// the planner marks it decided, so the WHERE's remaining filter binds it as
// TRUE. NOT IN is refused: its NULL semantics (any NULL in the subquery
// makes every row unknown) need a null-aware anti-join Sluice lacks.

#include <fmt/format.h>

#include "engine/semi_join_operator.h"
#include "sql/planner.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

// The EXISTS of `e` (EXISTS (...) or NOT EXISTS (...)), or null.
const ExistsExpr* AsExists(const Expr& e, bool* negated) {
  *negated = false;
  if (e.kind == ExprKind::kExists) return &e.As<ExistsExpr>();
  if (e.kind == ExprKind::kUnary && e.As<UnaryExpr>().op == UnaryOp::kNot &&
      e.As<UnaryExpr>().operand->kind == ExprKind::kExists) {
    *negated = true;
    return &e.As<UnaryExpr>().operand->As<ExistsExpr>();
  }
  return nullptr;
}

bool IsSubqueryCondition(const Expr& e) {
  bool negated;
  return (e.kind == ExprKind::kIn && e.As<InExpr>().subquery) || AsExists(e, &negated) != nullptr;
}

}  // namespace

bool Planner::HasSubqueryCondition(const Expr& where) {
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(where, &conjuncts);
  for (const Expr* c : conjuncts) {
    if (IsSubqueryCondition(*c)) return true;
  }
  return false;
}

Result<int> Planner::SubqueryKeyColumn(const Expr& e, const PlannedQuery& q, std::string_view what) {
  ExprBinder binder(source(), &q.scope, catalog_);
  SLUICE_ASSIGN_OR_RETURN(engine::Expr bound, binder.Bind(e));
  if (bound.node().kind != engine::ExprKind::kColumn) {
    return Error(e.pos, fmt::format("{} must be a column, not {} (compute it in a subquery first)", what, Unparse(e)));
  }
  return bound.node().column_index;
}

Result<PlannedQuery> Planner::PlanSubqueryConditions(const Expr& where, PlannedQuery q, bool* all_decided) {
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(where, &conjuncts);
  size_t decided = 0;
  for (const Expr* c : conjuncts) {
    if (!IsSubqueryCondition(*c)) continue;
    if (q.pending_window) {
      return Error(c->pos,
                   "IN/EXISTS subqueries over a window table function are not supported yet; filter the table "
                   "in a subquery inside TABLE(...)");
    }
    std::vector<int> left_keys, right_keys;
    std::string key_text;
    engine::SemiJoinType type = engine::SemiJoinType::kSemi;
    PlannedQuery right;
    bool negated = false;
    if (const ExistsExpr* exists = AsExists(*c, &negated)) {
      if (negated) type = engine::SemiJoinType::kAnti;
      SLUICE_ASSIGN_OR_RETURN(right, PlanExistsInput(*exists, q, &left_keys, &right_keys, &key_text));
    } else {
      const auto& in = c->As<InExpr>();
      if (in.negation == Negation::kNot) {
        return Error(c->pos,
                     "NOT IN (SELECT ...) is not supported yet (a NULL in the subquery would make every row "
                     "unknown); write NOT EXISTS (SELECT * FROM ... WHERE col = outer_col) when NULLs do not "
                     "matter");
      }
      SLUICE_ASSIGN_OR_RETURN(int l, SubqueryKeyColumn(*in.operand, q, "the left side of IN (SELECT ...)"));
      SLUICE_ASSIGN_OR_RETURN(right, PlanQuery(*in.subquery));
      if (right.pending_window) return Error(in.subquery->pos, "a window table function must be aggregated first");
      if (right.scope.schema.size() != 1) {
        return Error(in.subquery->pos,
                     fmt::format("the subquery of IN must select one column, not {}", right.scope.schema.size()));
      }
      SLUICE_RETURN_IF_ERROR(AddJoinKey(*c, q, right, l, 0, &left_keys, &right_keys, &key_text));
    }
    PlannedQuery joined = MeetIn(q, right, left_keys, right_keys, key_text);
    engine::SemiJoinSpec spec{left_keys, right_keys, type};
    joined.graph.stages.back().join =
        [spec](const engine::Schema& l, const engine::Schema& r,
               const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
      SLUICE_ASSIGN_OR_RETURN(auto op, engine::SemiJoinOperator::Create(l, r, spec, ctx));
      return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
    };
    joined.scope = q.scope;
    // As after any regular join, the output has no time attribute: a row can
    // come out long after its time (when its key's first match arrives).
    joined.time_column = -1;
    joined.proctime_column = -1;
    const bool updating = type == engine::SemiJoinType::kAnti || q.changelog == PlannedQuery::Changelog::kUpdating ||
                          right.changelog == PlannedQuery::Changelog::kUpdating;
    joined.changelog = updating ? PlannedQuery::Changelog::kUpdating : PlannedQuery::Changelog::kAppendOnly;
    joined.plan.push_back(fmt::format("Join(joinType=[{}], where=[{}])",
                                      type == engine::SemiJoinType::kSemi ? "LeftSemiJoin" : "LeftAntiJoin", key_text));
    q = std::move(joined);
    decided_.insert(c);
    ++decided;
  }
  *all_decided = decided == conjuncts.size();
  return q;
}

Result<PlannedQuery> Planner::PlanExistsInput(const ExistsExpr& exists, const PlannedQuery& outer,
                                              std::vector<int>* left_keys, std::vector<int>* right_keys,
                                              std::string* key_text) {
  const Query& query = *exists.query;
  if (query.body->kind != QueryBodyKind::kSelect || !query.with.empty() || !query.order_by.empty() || query.limit) {
    return Error(exists.pos, "EXISTS supports a plain SELECT ... FROM ... WHERE ... subquery");
  }
  const Select& select = query.body->As<Select>();
  std::vector<const FunctionCallExpr*> aggs;
  for (const auto& item : select.items) CollectAggregates(*item.expr, &aggs);
  if (!select.from || !select.group_by.empty() || select.having || !aggs.empty()) {
    return Error(exists.pos, "EXISTS supports a subquery with FROM and WHERE, without GROUP BY or aggregates");
  }
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery inner, PlanTableRef(*select.from));
  if (inner.pending_window) return Error(select.from->pos, "a window table function must be aggregated first");
  if (!select.where) {
    return Error(exists.pos, "EXISTS needs a correlation in its WHERE: t.col = outer.col (a key to join on)");
  }
  // Conjuncts `a = b` with one side over the subquery's columns and the other
  // over the outer query's are the join keys; the rest filter the subquery.
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*select.where, &conjuncts);
  std::vector<std::pair<int, int>> keys;  // (outer column, inner column)
  std::vector<const Expr*> correlations;
  for (const Expr* c : conjuncts) {
    if (c->kind != ExprKind::kBinary || c->As<BinaryExpr>().op != BinaryOp::kEq) continue;
    const Expr& a = *c->As<BinaryExpr>().left;
    const Expr& b = *c->As<BinaryExpr>().right;
    auto a_inner = SubqueryKeyColumn(a, inner, "");
    auto b_inner = SubqueryKeyColumn(b, inner, "");
    if (a_inner.ok() == b_inner.ok()) continue;  // both over the subquery (a filter) or neither
    // The other side must be a column of the outer query (else it is a filter: t.x = 'a').
    auto outer_col = SubqueryKeyColumn(a_inner.ok() ? b : a, outer, "");
    if (!outer_col.ok()) continue;
    keys.emplace_back(*outer_col, a_inner.ok() ? *a_inner : *b_inner);
    correlations.push_back(c);
  }
  if (keys.empty()) {
    return Error(select.where->pos,
                 "EXISTS needs a correlation in its WHERE: t.col = outer.col between a column of the subquery and "
                 "one of the outer query (a key to join on)");
  }
  for (const Expr* c : correlations) decided_.insert(c);
  if (correlations.size() < conjuncts.size()) {
    ExprBinder binder(source(), &inner.scope, catalog_);
    binder.set_decided(&decided_);
    SLUICE_ASSIGN_OR_RETURN(auto f, binder.BindTyped(*select.where));
    if (f.second != engine::DataType::kBool) {
      return Error(select.where->pos, fmt::format("WHERE needs a BOOLEAN condition, got {}", SqlTypeName(f.second)));
    }
    SLUICE_RETURN_IF_ERROR(
        AddCalc(&inner, f.first, {}, inner.scope.qualifiers, fmt::format("Calc(where=[{}])", f.first.ToString())));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(
        AddJoinKey(*correlations[i], outer, inner, keys[i].first, keys[i].second, left_keys, right_keys, key_text));
  }
  return inner;
}

}  // namespace sluice::sql
