// OVER aggregations: `agg(x) OVER (PARTITION BY k ORDER BY ts frame)` and the
// named form `agg(x) OVER w ... WINDOW w AS (...)`, planned as Flink does:
// Exchange(hash=[k]) then OverAggregate, then a Calc for the SELECT list.

#include <fmt/format.h>

#include <cctype>

#include "engine/over_aggregate_operator.h"
#include "sql/planner.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

bool IsOverAggregate(const Expr& e) {
  if (e.kind != ExprKind::kFunctionCall) return false;
  const auto& call = e.As<FunctionCallExpr>();
  if (!call.over) return false;
  std::string n = call.name.parts.empty() ? "" : call.name.parts.back().name;
  for (char& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n == "COUNT" || n == "SUM" || n == "AVG" || n == "MIN" || n == "MAX" || n == "FIRST_VALUE" ||
         n == "LAST_VALUE";
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A window's canonical text, to tell whether two OVER clauses are the same window.
std::string WindowText(const WindowSpec& w) {
  std::string out = w.reference ? w.reference->name + ":" : "";
  for (const auto& p : w.partition_by) out += Unparse(*p) + ",";
  out += "|";
  for (const auto& o : w.order_by) {
    out += Unparse(*o.expr) + (o.direction == SortDirection::kDescending ? " DESC," : ",");
  }
  if (w.frame) {
    out += w.frame->unit == FrameUnit::kRows ? "|ROWS " : "|RANGE ";
    out += std::to_string(static_cast<int>(w.frame->start.kind));
    if (w.frame->start.offset) out += Unparse(*w.frame->start.offset);
    if (w.frame->end) out += "/" + std::to_string(static_cast<int>(w.frame->end->kind));
  }
  return out;
}

}  // namespace

bool Planner::HasOverAggregate(const Select& select) {
  std::vector<const FunctionCallExpr*> calls;
  for (const auto& item : select.items) CollectCalls(*item.expr, IsOverAggregate, &calls);
  return !calls.empty();
}

Result<PlannedQuery> Planner::PlanOver(const Select& select, const Expr* where, PlannedQuery q) {
  std::vector<const FunctionCallExpr*> calls;
  for (const auto& item : select.items) CollectCalls(*item.expr, IsOverAggregate, &calls);
  if (!select.group_by.empty() || select.having) {
    return Error(select.pos, "OVER aggregates cannot be mixed with GROUP BY or HAVING in one SELECT; use a subquery");
  }
  if (select.quantifier == SetQuantifier::kDistinct) {
    return Error(select.pos, "SELECT DISTINCT with OVER aggregates is not supported yet");
  }
  for (const auto& item : select.items) {
    std::vector<const FunctionCallExpr*> plain;
    CollectAggregates(*item.expr, &plain);
    if (!plain.empty()) {
      return Error(plain[0]->pos,
                   "an aggregate without OVER cannot be mixed with OVER aggregates in one SELECT; use a subquery");
    }
  }
  if (q.changelog != PlannedQuery::Changelog::kAppendOnly) {
    return Error(calls[0]->pos,
                 "OVER aggregation needs an append-only input, but this one is updating (a GROUP BY without window, "
                 "a deduplication or a top-N upstream)");
  }
  // Every call must use one window, as in Flink.
  auto resolve = [&](const FunctionCallExpr& call) -> Result<const WindowSpec*> {
    const WindowSpec* spec = call.over.get();
    if (spec->reference) {
      if (!spec->partition_by.empty() || !spec->order_by.empty() || spec->frame) {
        return Error(spec->pos, "OVER (w ...) refining a named window is not supported yet; write the window out");
      }
      for (const NamedWindow& w : select.windows) {
        if (w.name.name == spec->reference->name) return &w.spec;
      }
      return Error(spec->pos, fmt::format("window {} is not defined; add WINDOW {} AS (PARTITION BY ... ORDER BY "
                                          "... RANGE ...) after the WHERE clause",
                                          spec->reference->name, spec->reference->name));
    }
    return spec;
  };
  SLUICE_ASSIGN_OR_RETURN(const WindowSpec* window, resolve(*calls[0]));
  const std::string window_text = WindowText(*window);
  for (size_t i = 1; i < calls.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(const WindowSpec* other, resolve(*calls[i]));
    if (other != window && WindowText(*other) != window_text) {
      return Error(calls[i]->over->pos,
                   "all OVER aggregates of one SELECT must use the same window (as in Flink); use a subquery per "
                   "window or a named WINDOW");
    }
  }
  if (window->reference) return Error(window->pos, "a named window based on another window is not supported yet");

  // WHERE first: it filters the input rows.
  if (where) {
    ExprBinder binder(source(), &q.scope);
    binder.set_decided(&decided_);
    SLUICE_ASSIGN_OR_RETURN(auto f, binder.BindTyped(*where));
    if (f.second != engine::DataType::kBool) {
      return Error(where->pos, fmt::format("WHERE needs a BOOLEAN condition, got {}", SqlTypeName(f.second)));
    }
    SLUICE_RETURN_IF_ERROR(
        AddCalc(&q, f.first, {}, q.scope.qualifiers, fmt::format("Calc(where=[{}])", f.first.ToString())));
  }

  // ORDER BY: the event-time attribute, ascending.
  const std::string time_name = q.time_column >= 0 ? q.scope.schema.field(q.time_column).name : "";
  auto order_error = [&](SourcePos pos) {
    return Error(pos, q.time_column >= 0
                          ? fmt::format("OVER windows must be ordered by the event-time attribute ascending: "
                                        "ORDER BY {} (Flink supports no other order in streaming)",
                                        time_name)
                          : std::string("OVER windows must be ordered by an event-time attribute, and this input has "
                                        "none; declare a WATERMARK on the table"));
  };
  if (window->order_by.size() != 1) return order_error(window->pos);
  const OrderItem& order = window->order_by[0];
  if (q.time_column < 0 || order.expr->kind != ExprKind::kColumnRef || order.direction != SortDirection::kAscending) {
    return order_error(order.expr->pos);
  }
  {
    ExprBinder binder(source(), &q.scope);
    SLUICE_ASSIGN_OR_RETURN(engine::Expr b, binder.Bind(*order.expr));
    if (b.node().kind != engine::ExprKind::kColumn || b.node().column_index != q.time_column) {
      return order_error(order.expr->pos);
    }
  }

  // The frame; without one, Flink's default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
  engine::OverFrameUnit unit = engine::OverFrameUnit::kRange;
  int64_t preceding = engine::kUnboundedPreceding;
  if (window->frame) {
    const WindowFrame& f = *window->frame;
    unit = f.unit == FrameUnit::kRows ? engine::OverFrameUnit::kRows : engine::OverFrameUnit::kRange;
    if (f.end && f.end->kind != FrameBoundKind::kCurrentRow) {
      return Error(f.end->pos, "OVER windows must end at CURRENT ROW (Flink supports no FOLLOWING in streaming)");
    }
    switch (f.start.kind) {
      case FrameBoundKind::kUnboundedPreceding: break;
      case FrameBoundKind::kCurrentRow: preceding = 0; break;
      case FrameBoundKind::kPreceding: {
        const Expr& off = *f.start.offset;
        if (unit == engine::OverFrameUnit::kRows) {
          if (off.kind != ExprKind::kLiteral || off.As<LiteralExpr>().literal_kind != LiteralKind::kInteger) {
            return Error(off.pos,
                         "ROWS n PRECEDING takes a whole number of rows, like ROWS BETWEEN 10 PRECEDING AND "
                         "CURRENT ROW");
          }
          preceding = std::atoll(off.As<LiteralExpr>().text.c_str());
        } else {
          auto ms = IntervalMillis(off, source());
          if (!ms.ok()) {
            return Error(off.pos,
                         "RANGE n PRECEDING over a time attribute takes an INTERVAL, like RANGE BETWEEN "
                         "INTERVAL '1' HOUR PRECEDING AND CURRENT ROW");
          }
          preceding = *ms;
          if (preceding < 0) return Error(off.pos, "RANGE ... PRECEDING must not be negative");
        }
        break;
      }
      default:
        return Error(f.start.pos,
                     "OVER windows must start at or before the current row (UNBOUNDED PRECEDING, n "
                     "PRECEDING or CURRENT ROW)");
    }
  }

  // PARTITION BY: columns.
  std::vector<int> keys;
  std::string key_names;
  for (const auto& p : window->partition_by) {
    ExprBinder binder(source(), &q.scope);
    if (p->kind != ExprKind::kColumnRef) {
      return Error(p->pos, "PARTITION BY of an OVER window takes columns, not expressions; compute it in a subquery");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr b, binder.Bind(*p));
    keys.push_back(b.node().column_index);
    key_names += (key_names.empty() ? "" : ", ") + q.scope.schema.field(keys.back()).name;
  }

  // Aggregates: arguments that are not plain columns are computed by a Calc first.
  std::vector<engine::AggregateSpec> specs;
  std::vector<engine::Projection> extra;
  std::vector<std::string> agg_texts;
  std::string agg_list;
  const int n_in = q.scope.schema.size();
  for (size_t i = 0; i < calls.size(); ++i) {
    const FunctionCallExpr& call = *calls[i];
    const std::string fn = Upper(call.name.parts.back().name);
    if (call.quantifier == SetQuantifier::kDistinct) {
      return Error(call.pos, fmt::format("{}(DISTINCT ...) OVER (...) is not supported yet", fn));
    }
    if (call.filter) return Error(call.filter->pos, "FILTER (WHERE ...) on an OVER aggregate is not supported yet");
    engine::AggregateSpec spec;
    spec.kind = fn == "COUNT"         ? engine::AggKind::kCount
                : fn == "SUM"         ? engine::AggKind::kSum
                : fn == "AVG"         ? engine::AggKind::kAvg
                : fn == "MIN"         ? engine::AggKind::kMin
                : fn == "MAX"         ? engine::AggKind::kMax
                : fn == "FIRST_VALUE" ? engine::AggKind::kFirstValue
                                      : engine::AggKind::kLastValue;
    const bool star = call.args.size() == 1 && call.args[0]->kind == ExprKind::kStar;
    std::string arg_text = "*";
    if (call.args.empty() || star) {
      if (fn != "COUNT") return Error(call.pos, fmt::format("{} needs an argument", fn));
    } else if (call.args.size() != 1) {
      return Error(call.pos, fmt::format("{} takes one argument", fn));
    } else {
      ExprBinder binder(source(), &q.scope);
      SLUICE_ASSIGN_OR_RETURN(engine::Expr arg, binder.Bind(*call.args[0]));
      if (arg.node().kind == engine::ExprKind::kColumn) {
        spec.arg_index = arg.node().column_index;
        arg_text = q.scope.schema.field(spec.arg_index).name;
      } else {
        spec.arg_index = n_in + static_cast<int>(extra.size());
        arg_text = fmt::format("$arg{}", extra.size());
        extra.push_back({arg, arg_text});
      }
    }
    spec.output_name = fmt::format("w0$o{}", i);
    agg_list += fmt::format(", {}({}) AS {}", fn, arg_text, spec.output_name);
    specs.push_back(spec);
    agg_texts.push_back(Unparse(call));
  }
  if (!extra.empty()) {
    std::vector<engine::Projection> projections;
    for (int c = 0; c < n_in; ++c) {
      projections.push_back({ColRef(c, q.scope.schema.field(c).name), q.scope.schema.field(c).name});
    }
    std::vector<std::string> quals = q.scope.qualifiers;
    for (auto& e : extra) {
      projections.push_back(e);
      quals.push_back("");
    }
    std::string text = "Calc(select=[";
    for (size_t i = 0; i < projections.size(); ++i) {
      text += (i ? ", " : "") + projections[i].expr.ToString() +
              (i < static_cast<size_t>(n_in) ? "" : " AS " + projections[i].name);
    }
    SLUICE_RETURN_IF_ERROR(AddCalc(&q, engine::Expr(), projections, quals, text + "])"));
  }

  engine::OverSpec spec{keys, q.time_column, unit, preceding, specs};
  {
    engine::OperatorContext probe;
    probe.batch_capacity = 1;
    auto check = engine::OverAggregateOperator::Create(q.scope.schema, spec, probe);
    if (!check.ok()) return Error(calls[0]->pos, check.status().message());
  }
  std::string input_names;
  for (int c = 0; c < n_in; ++c) input_names += (c ? ", " : "") + q.scope.schema.field(c).name;
  const engine::Schema input = q.scope.schema;
  q.Exchange(keys);
  q.window_columns.reset();
  q.plan.push_back(keys.empty() ? "Exchange(distribution=[single])" : fmt::format("Exchange(hash=[{}])", key_names));
  q.operators().push_back(
      engine::OperatorSpec{"over-aggregate",
                           [spec](const engine::Schema& in,
                                  const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
                             SLUICE_ASSIGN_OR_RETURN(auto op, engine::OverAggregateOperator::Create(in, spec, ctx));
                             return std::unique_ptr<engine::Operator>(std::move(op));
                           }});
  const std::string frame_text =
      fmt::format("{} BETWEEN {} PRECEDING AND CURRENT ROW", unit == engine::OverFrameUnit::kRows ? "ROWS" : "RANGE",
                  preceding == engine::kUnboundedPreceding ? std::string("UNBOUNDED") : std::to_string(preceding));
  q.plan.push_back(fmt::format("OverAggregate(partitionBy=[{}], orderBy=[{} ASC], window=[{}], select=[{}{}])",
                               key_names, time_name, frame_text, input_names, agg_list));
  for (size_t i = 0; i < specs.size(); ++i)
    q.scope.Add("", engine::Field{specs[i].output_name, engine::DataType::kInt64});
  {
    // The real output types.
    engine::OperatorContext probe;
    probe.batch_capacity = 1;
    auto op = engine::OverAggregateOperator::Create(input, spec, probe);
    if (!op.ok()) return op.status();
    q.scope.schema = (*op)->output_schema();
  }

  // The SELECT list over input columns + aggregates.
  ExprBinder after(source(), &q.scope);
  for (size_t i = 0; i < agg_texts.size(); ++i) {
    const int col = input.size() + static_cast<int>(i);
    after.Substitute(agg_texts[i], ColRef(col, q.scope.schema.field(col).name));
  }
  std::vector<engine::Projection> projections;
  std::vector<std::string> quals;
  for (size_t i = 0; i < select.items.size(); ++i) {
    const SelectItem& item = select.items[i];
    if (item.expr->kind == ExprKind::kStar) {
      const auto& star = item.expr->As<StarExpr>();
      std::string qual = star.qualifier.parts.empty() ? "" : star.qualifier.parts.back().name;
      for (int c = 0; c < n_in; ++c) {
        if (!qual.empty() && q.scope.qualifiers[c] != qual) continue;
        projections.push_back({ColRef(c, q.scope.schema.field(c).name), q.scope.schema.field(c).name});
        quals.push_back(q.scope.qualifiers[c]);
      }
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, after.Bind(*item.expr));
    const std::string name = SelectItemName(item, i);
    projections.push_back({e, name});
    quals.push_back("");
  }
  std::string text = "Calc(select=[";
  for (size_t i = 0; i < projections.size(); ++i) {
    const std::string e = projections[i].expr.ToString();
    text += (i ? ", " : "") + e + (e == projections[i].name ? "" : " AS " + projections[i].name);
  }
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, engine::Expr(), projections, quals, text + "])"));
  return q;
}

}  // namespace sluice::sql
