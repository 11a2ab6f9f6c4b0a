// Planning of temporal joins: JOIN t FOR SYSTEM_TIME AS OF x.time AS s ON ...
// Kept apart from planner.cc's regular and interval joins.

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "engine/lookup_join_operator.h"
#include "engine/temporal_join_operator.h"
#include "sql/planner.h"
#include "sql/syntax_error.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

constexpr const char* kLookupMaxRowsOption = "table.exec.lookup-join.max-rows";
constexpr int64_t kDefaultLookupMaxRows = 1'000'000;

void Conjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kBinary && e.As<BinaryExpr>().op == BinaryOp::kAnd) {
    Conjuncts(*e.As<BinaryExpr>().left, out);
    Conjuncts(*e.As<BinaryExpr>().right, out);
  } else {
    out->push_back(&e);
  }
}

// Which sides the columns of a bound expression come from: bit 0 left
// (index < num_left), bit 1 right.
int SidesOf(const engine::Expr& e, int num_left) {
  const engine::ExprNode& n = e.node();
  int sides = 0;
  if (n.kind == engine::ExprKind::kColumn && n.column_index >= 0) sides |= n.column_index < num_left ? 1 : 2;
  for (const engine::Expr& a : n.args) {
    if (a.valid()) sides |= SidesOf(a, num_left);
  }
  return sides;
}

}  // namespace

Result<PlannedQuery> Planner::PlanTemporalJoin(const JoinTableRef& ref) {
  const Expr* where = ref.join == JoinKind::kInner ? join_where_ : nullptr;
  join_where_ = nullptr;
  const auto& named = ref.right->As<NamedTableRef>();
  const Expr& as_of = *named.system_time;
  if (ref.join != JoinKind::kInner && ref.join != JoinKind::kLeft) {
    return Error(ref.pos, "a temporal join (FOR SYSTEM_TIME AS OF) is an INNER JOIN or a LEFT JOIN");
  }
  if (!ref.on) return Error(ref.pos, "a temporal join needs ON with an equality between the two sides");
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery left, PlanTableRef(*ref.left));
  if (left.changelog == PlannedQuery::Changelog::kUpdating) {
    return Error(ref.pos, "a temporal join over an updating input is not supported yet");
  }
  if (left.pending_window) return Error(ref.pos, "a window table function must be aggregated before a join");

  // AS OF must name the left side's time attribute.
  ExprBinder left_binder(source(), &left.scope);
  auto as_of_bound = left_binder.Bind(as_of);
  if (!as_of_bound.ok() || as_of_bound->node().kind != engine::ExprKind::kColumn) {
    return Error(as_of.pos,
                 "FOR SYSTEM_TIME AS OF takes a time attribute of the join's left side, e.g. AS OF "
                 "o.proc_time (PROCTIME()) or AS OF o.order_time (its event time)");
  }
  const int as_of_col = as_of_bound->node().column_index;
  const bool event_time = as_of_col == left.time_column && as_of_col != left.proctime_column;
  if (as_of_col != left.proctime_column && !event_time) {
    return Error(as_of.pos, fmt::format("FOR SYSTEM_TIME AS OF {}: not a time attribute of the left side; use its "
                                        "event-time column (WATERMARK FOR) or a PROCTIME() column",
                                        Unparse(as_of)));
  }

  // The right side: a catalog table. Processing time: a bounded table read
  // whole (a lookup join); event time: a versioned table (PRIMARY KEY and
  // WATERMARK), joined as a changelog stream.
  const std::string name = named.name.parts.back().name;
  const CatalogEntry* entry = named.name.parts.size() == 1 ? catalog_->Find(name) : nullptr;
  if (!entry || entry->kind != CatalogEntry::Kind::kTable) {
    return Error(named.name.pos(),
                 fmt::format("{}: the right side of a temporal join must be a table created with CREATE TABLE", name));
  }
  const std::string qual = ref.right->alias ? ref.right->alias->name : name;
  auto planned_right = PlanTable(*entry, qual);
  if (!planned_right.ok()) {
    const std::string& m = planned_right.status().message();
    if (m.rfind("line ", 0) == 0) return planned_right.status();
    return Error(named.name.pos(), fmt::format("cannot read table {}: {}", name, m));
  }
  PlannedQuery& right = *planned_right;
  if (event_time && (entry->primary_key.empty() || right.time_column < 0)) {
    return Error(named.name.pos(),
                 fmt::format("{} is not a versioned table: an event-time temporal join needs one with a PRIMARY KEY "
                             "(... NOT ENFORCED) and a WATERMARK FOR its event-time column",
                             name));
  }
  if (!event_time &&
      (right.graph.stages.size() != 1 || right.graph.stages[0].sources.size() != 1 || !right.operators().empty())) {
    return Error(named.name.pos(), fmt::format("{}: a lookup join's table cannot have computed columns yet", name));
  }

  const int nl = left.scope.schema.size();
  Scope joined = left.scope;
  for (int i = 0; i < right.scope.schema.size(); ++i) joined.Add(qual, right.scope.schema.field(i));
  ExprBinder binder(source(), &joined);

  // Equalities between a table column and an expression of the left side are
  // the lookup keys; the rest filters the joined rows.
  std::vector<const Expr*> conjuncts;
  Conjuncts(*ref.on, &conjuncts);
  if (where) Conjuncts(*where, &conjuncts);
  std::vector<engine::Expr> left_key_exprs;
  std::vector<int> right_keys;
  std::string key_text;
  std::vector<const Expr*> residual;
  for (const Expr* c : conjuncts) {
    SLUICE_RETURN_IF_ERROR(binder.Bind(*c).status());
    if (c->kind == ExprKind::kBinary && c->As<BinaryExpr>().op == BinaryOp::kEq) {
      const auto& b = c->As<BinaryExpr>();
      SLUICE_ASSIGN_OR_RETURN(engine::Expr l, binder.Bind(*b.left));
      SLUICE_ASSIGN_OR_RETURN(engine::Expr r, binder.Bind(*b.right));
      if (SidesOf(l, nl) == 2 && SidesOf(r, nl) != 2) std::swap(l, r);
      const auto& rn = r.node();
      if (SidesOf(l, nl) == 1 && rn.kind == engine::ExprKind::kColumn && rn.column_index >= nl) {
        const int rc = rn.column_index - nl;
        const engine::DataType rt = right.scope.schema.field(rc).type;
        SLUICE_ASSIGN_OR_RETURN(engine::DataType lt, engine::ExprType(l, joined.schema));
        if (lt != rt) {
          if (!IsNumeric(lt) || !IsNumeric(rt)) {
            return Error(
                c->pos, fmt::format("lookup key {} is {} but {}.{} is {}; CAST one side", l.ToString(), SqlTypeName(lt),
                                    qual, right.scope.schema.field(rc).name, SqlTypeName(rt)));
          }
          l = engine::Cast(l, rt);
        }
        left_key_exprs.push_back(l);
        right_keys.push_back(rc);
        key_text += fmt::format("{}{}.{} = {}", key_text.empty() ? "" : " AND ", qual,
                                right.scope.schema.field(rc).name, l.ToString());
        continue;
      }
    }
    residual.push_back(c);
  }
  if (right_keys.empty()) {
    return Error(ref.on->pos, fmt::format("a temporal join needs an equality between a column of {} and an "
                                          "expression of the left side (e.g. ON o.currency = {}.currency)",
                                          qual, qual));
  }
  if (event_time) {
    // The versioned table's primary key must be the join key.
    std::vector<std::string> pk = entry->primary_key, got;
    for (int c : right_keys) got.push_back(right.scope.schema.field(c).name);
    std::sort(pk.begin(), pk.end());
    std::sort(got.begin(), got.end());
    if (pk != got) {
      std::string pk_text;
      for (const auto& k : entry->primary_key) pk_text += (pk_text.empty() ? "" : ", ") + k;
      return Error(ref.on->pos, fmt::format("an event-time temporal join's keys must be the primary key of {} ({}): "
                                            "join ON an equality per primary key column",
                                            name, pk_text));
    }
  }
  const bool left_join = ref.join == JoinKind::kLeft;
  if (left_join && !residual.empty()) {
    return Error(ref.on->pos,
                 "a LEFT temporal join's ON may only hold key equalities yet; filter in a subquery instead");
  }

  // Key expressions that are not columns of the left side are computed into
  // extra columns before the join (and dropped after it).
  std::vector<int> left_keys;
  std::vector<engine::Projection> pre;
  for (int i = 0; i < nl; ++i)
    pre.push_back({ColRef(i, left.scope.schema.field(i).name), left.scope.schema.field(i).name});
  for (size_t k = 0; k < left_key_exprs.size(); ++k) {
    const auto& n = left_key_exprs[k].node();
    if (n.kind == engine::ExprKind::kColumn && n.column_index >= 0) {
      left_keys.push_back(n.column_index);
    } else {
      left_keys.push_back(static_cast<int>(pre.size()));
      pre.push_back({left_key_exprs[k], fmt::format("$lookup_key{}", k)});
    }
  }
  const int extra = static_cast<int>(pre.size()) - nl;
  if (extra > 0) {
    std::vector<std::string> quals = left.scope.qualifiers;
    quals.resize(pre.size());
    SLUICE_RETURN_IF_ERROR(AddCalc(
        &left, engine::Expr(), pre, quals, "Calc(select=[" + [&] {
          std::string t;
          for (size_t i = 0; i < pre.size(); ++i) t += (i ? ", " : "") + pre[i].expr.ToString() + " AS " + pre[i].name;
          return t;
        }() + "])"));
  }

  PlannedQuery q;
  const int with_keys = left.scope.schema.size();
  const std::string join_type = left_join ? "LeftOuterJoin" : "InnerJoin";
  if (event_time) {
    q = MeetIn(left, right, left_keys, right_keys, "join keys");
    engine::TemporalJoinSpec spec{
        left_keys, right_keys, left.time_column, right.time_column,
        left_join ? engine::TemporalJoinSpec::Type::kLeft : engine::TemporalJoinSpec::Type::kInner};
    q.graph.stages.back().join =
        [spec](const engine::Schema& l, const engine::Schema& r,
               const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
      SLUICE_ASSIGN_OR_RETURN(auto op, engine::TemporalJoinOperator::Create(l, r, spec, ctx));
      return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
    };
    q.plan.push_back(
        fmt::format("TemporalJoin(table=[{}], joinType=[{}], where=[{}], event time: {} AS OF the "
                    "versions by {})",
                    entry->name, join_type, key_text, left.scope.schema.field(left.time_column).name,
                    right.scope.schema.field(right.time_column).name));
    q.scope = left.scope;
    q.time_column = left.time_column;
    q.proctime_column = left.proctime_column;
    q.window_columns.reset();
  } else {
    SLUICE_ASSIGN_OR_RETURN(q, PlanLookupJoin(std::move(left), right, left_keys, right_keys, left_join));
    q.plan.push_back(fmt::format("LookupJoin(table=[{}], joinType=[{}], lookup=[{}], processing time)", entry->name,
                                 join_type, key_text));
  }
  // Scope names stay as written (S.value); the operator's schema may suffix clashing ones.
  for (int i = 0; i < right.scope.schema.size(); ++i) q.scope.Add(qual, right.scope.schema.field(i));
  // The joined rows: residual conditions, then the extra key columns dropped.
  engine::Expr filter;
  {
    ExprBinder after(source(), &q.scope);
    for (const Expr* c : residual) {
      SLUICE_ASSIGN_OR_RETURN(engine::Expr e, after.Bind(*c));
      filter = filter.valid() ? (filter && e) : e;
    }
  }
  std::vector<engine::Projection> keep;
  if (extra > 0) {
    for (int i = 0; i < q.scope.schema.size(); ++i) {
      if (i >= nl && i < with_keys) continue;
      keep.push_back({ColRef(i, q.scope.schema.field(i).name), q.scope.schema.field(i).name});
    }
  }
  if (filter.valid() || !keep.empty()) {
    std::vector<std::string> keep_quals;
    for (int i = 0; i < q.scope.schema.size(); ++i) {
      if (keep.empty() || i < nl || i >= with_keys) keep_quals.push_back(q.scope.qualifiers[i]);
    }
    std::string text = "Calc(";
    if (!keep.empty()) {
      text += "select=[";
      for (size_t i = 0; i < keep.size(); ++i) text += (i ? ", " : "") + keep[i].name;
      text += "]";
    }
    if (filter.valid()) text += std::string(keep.empty() ? "" : ", ") + "where=[" + filter.ToString() + "]";
    text += ")";
    SLUICE_RETURN_IF_ERROR(AddCalc(&q, filter, keep, keep_quals, text));
  }
  return q;
}

Result<PlannedQuery> Planner::PlanLookupJoin(PlannedQuery left, const PlannedQuery& right, std::vector<int> left_keys,
                                             std::vector<int> right_keys, bool left_join) {
  std::shared_ptr<engine::Source> table_source = right.graph.stages[0].sources[0];
  SLUICE_ASSIGN_OR_RETURN(int64_t max_rows, [&]() -> Result<int64_t> {
    const std::string v = catalog_->Get(kLookupMaxRowsOption, std::to_string(kDefaultLookupMaxRows));
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n <= 0) {
      return Status::InvalidArgument(
          fmt::format("'{}' = '{}' is not a positive number of rows", kLookupMaxRowsOption, v));
    }
    return static_cast<int64_t>(n);
  }());
  engine::LookupJoinSpec spec{left_keys, right_keys,
                              left_join ? engine::LookupJoinType::kLeft : engine::LookupJoinType::kInner, max_rows};
  auto table = std::make_shared<engine::LookupTable>(table_source, right_keys, max_rows);
  PlannedQuery q = std::move(left);
  q.last_calc.reset();
  q.operators().push_back(engine::OperatorSpec{
      "lookup-join",
      [table, spec](const engine::Schema& in,
                    const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
        SLUICE_ASSIGN_OR_RETURN(auto op, engine::LookupJoinOperator::Create(in, table, spec, ctx));
        return std::unique_ptr<engine::Operator>(std::move(op));
      }});
  return q;
}

}  // namespace sluice::sql
