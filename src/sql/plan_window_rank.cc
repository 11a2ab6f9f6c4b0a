// Window top-N and window deduplication, as Flink plans them (WindowRank):
//   SELECT * FROM (
//     SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end [, k]
//                                  ORDER BY c [DESC] [, c2]) AS rn
//     FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTES))   -- or a window aggregation
//   ) WHERE rn <= N                                                       -- rn = 1: window deduplication
// The result is append-only: each window's N best rows per key, emitted when
// the watermark passes the window's end (engine::WindowRankOperator).

#include <fmt/format.h>

#include "engine/window_rank_operator.h"
#include "sql/planner.h"

namespace sluice::sql {

namespace {

std::string ColumnName(const Expr& e) {
  return e.kind == ExprKind::kColumnRef ? e.As<ColumnRefExpr>().name.parts.back().name : "";
}

// The scope of a window TVF's rows: its input's columns, then window_start,
// window_end and window_time.
Scope TvfScope(const Scope& input) {
  Scope s = input;
  for (const char* n : {"window_start", "window_end", "window_time"}) {
    s.Add("", engine::Field{n, engine::DataType::kTimestamp});
  }
  return s;
}

}  // namespace

Result<std::vector<engine::Projection>> Planner::RankSelectList(const Select& inner, const SelectItem& row_number,
                                                                const RankFilter& filter, const Scope& scope) const {
  // The other select items must be plain columns of the input (SELECT *, or a list of columns).
  std::vector<engine::Projection> cols;
  for (const SelectItem& item : inner.items) {
    if (&item == &row_number) {
      if (filter.selected) cols.push_back({engine::Expr(), row_number.alias->name});
      continue;
    }
    if (item.expr->kind == ExprKind::kStar) {
      const auto& star = item.expr->As<StarExpr>();
      const std::string qual = star.qualifier.parts.empty() ? "" : star.qualifier.parts.back().name;
      for (int c = 0; c < scope.schema.size(); ++c) {
        if (!qual.empty() && scope.qualifiers[c] != qual) continue;
        cols.push_back({ColRef(c, scope.schema.field(c).name), scope.schema.field(c).name});
      }
      continue;
    }
    if (item.expr->kind != ExprKind::kColumnRef) {
      return Error(item.expr->pos,
                   "beside ROW_NUMBER(), select plain columns only (compute expressions in a "
                   "subquery below it)");
    }
    ExprBinder binder(source(), &scope, catalog_);
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*item.expr));
    cols.push_back({e, item.alias ? item.alias->name : item.expr->As<ColumnRefExpr>().name.parts.back().name});
  }
  return cols;
}

bool Planner::IsWindowRank(const WindowSpec& over, const PlannedQuery& q) const {
  bool start = false, end = false;
  for (const auto& p : over.partition_by) {
    const std::string name = ColumnName(*p);
    if (q.pending_window) {
      start |= name == "window_start";
      end |= name == "window_end";
    } else if (q.window_columns && q.window_columns->start >= 0 && q.window_columns->end >= 0) {
      start |= name == q.scope.schema.field(q.window_columns->start).name;
      end |= name == q.scope.schema.field(q.window_columns->end).name;
    }
  }
  return start && end;
}

Result<PlannedQuery> Planner::PlanWindowRank(const Select& inner, const SelectItem& row_number,
                                             const RankFilter& filter, PlannedQuery q) {
  const auto& call = row_number.expr->As<FunctionCallExpr>();
  const WindowSpec& over = *call.over;
  const bool tvf = q.pending_window.has_value();
  if (tvf && q.pending_window_proctime) {
    return Error(call.pos, "window top-N over processing-time windows is not supported yet");
  }
  if (tvf && q.pending_window->kind == engine::WindowKind::kSession) {
    return Error(call.pos, "window top-N over SESSION windows is not supported yet (TUMBLE, HOP or CUMULATE)");
  }
  if (filter.n < 1) return Error(row_number.expr->pos, "the row-number bound must be at least 1");
  const engine::Schema input = q.scope.schema;
  const Scope scope = tvf ? TvfScope(q.scope) : q.scope;
  const int window_start = tvf ? input.size() : q.window_columns->start;
  const int window_end = tvf ? input.size() + 1 : q.window_columns->end;
  SLUICE_ASSIGN_OR_RETURN(std::vector<engine::Projection> cols, RankSelectList(inner, row_number, filter, scope));

  ExprBinder binder(source(), &scope, catalog_);
  auto column_of = [&](const Expr& e) -> Result<int> {
    if (e.kind != ExprKind::kColumnRef) {
      return Error(e.pos, "PARTITION BY and ORDER BY of ROW_NUMBER() take columns, not expressions");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr b, binder.Bind(e));
    return b.node().column_index;
  };
  engine::WindowRankSpec spec;
  std::string key_names;
  for (const auto& p : over.partition_by) {
    SLUICE_ASSIGN_OR_RETURN(int k, column_of(*p));
    if (k == window_start || k == window_end) continue;  // the window itself
    if (k >= input.size()) {
      return Error(p->pos, "window_time is not a partition key of a window top-N; use window_start, window_end");
    }
    spec.partition_keys.push_back(k);
    key_names += (key_names.empty() ? "" : ", ") + input.field(k).name;
  }
  std::string order_text;
  for (const auto& o : over.order_by) {
    SLUICE_ASSIGN_OR_RETURN(int c, column_of(*o.expr));
    if (c >= input.size()) return Error(o.expr->pos, "a window top-N orders by the input's columns");
    const engine::DataType t = input.field(c).type;
    if (t == engine::DataType::kString || t == engine::DataType::kBool) {
      return Error(o.expr->pos, fmt::format("top-N orders by a number or a timestamp, not {}", SqlTypeName(t)));
    }
    const bool desc = o.direction == SortDirection::kDescending;
    spec.order.push_back({c, desc});
    order_text += (order_text.empty() ? "" : ", ") + input.field(c).name + (desc ? " DESC" : " ASC");
  }
  spec.n = filter.n;
  spec.emit_rank = filter.selected;
  if (tvf) {
    spec.window = *q.pending_window;
    spec.time_column = q.time_column;
  } else {
    spec.window_end_column = window_end;
  }
  // The rank is the operator's last column.
  const int out_width = scope.schema.size();
  for (auto& c : cols) {
    if (!c.expr.valid()) c.expr = ColRef(out_width, c.name);
  }
  const std::string window_text = tvf ? q.pending_window_text : q.window_columns->text;
  q.Exchange(spec.partition_keys);
  q.plan.push_back(spec.partition_keys.empty() ? "Exchange(distribution=[single])"
                                               : fmt::format("Exchange(hash=[{}])", key_names));
  q.operators().push_back(
      engine::OperatorSpec{"window-rank",
                           [spec](const engine::Schema& in,
                                  const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
                             SLUICE_ASSIGN_OR_RETURN(auto op, engine::WindowRankOperator::Create(in, spec, ctx));
                             return std::unique_ptr<engine::Operator>(std::move(op));
                           }});
  q.plan.push_back(fmt::format("WindowRank(window=[{}], {}=[{}], key=[{}], order=[{}]{})", window_text,
                               filter.n == 1 ? "keep" : "top", filter.n == 1 ? "first" : std::to_string(filter.n),
                               key_names, order_text,
                               filter.selected ? ", rank=[" + row_number.alias->name + "]" : ""));
  // The operator's output: the scope's columns (a TVF's window columns
  // included), then the rank.
  q.scope = scope;
  if (filter.selected) q.scope.Add("", engine::Field{row_number.alias->name, engine::DataType::kInt64});
  q.pending_window.reset();
  q.window_columns = PlannedQuery::WindowColumns{window_start, window_end, window_text};
  q.time_column = -1;
  q.proctime_column = -1;
  q.changelog = PlannedQuery::Changelog::kAppendOnly;  // each window's rows once, when it closes
  std::vector<std::string> quals(cols.size(), "");
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, engine::Expr(), cols, quals, "Calc(select=[" + ProjectionText(cols) + "])"));
  return q;
}

}  // namespace sluice::sql
