#include "sql/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

#include "common/duration.h"
#include "engine/changelog_normalize_operator.h"
#include "engine/group_aggregate_operator.h"
#include "engine/interval_join_operator.h"
#include "engine/processing_time_operator.h"
#include "engine/rank_operators.h"
#include "engine/rocksdb_join_operator.h"
#include "engine/semi_join_operator.h"
#include "engine/union_operator.h"
#include "engine/window_join_operator.h"
#include "engine/window_operator.h"
#include "sql/computed_source.h"
#include "sql/syntax_error.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

constexpr int kMaxViewDepth = 32;

std::string UpperName(const QualifiedName& n) {
  std::string s = n.parts.empty() ? "" : n.parts.back().name;
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinNames(const engine::Schema& s) {
  std::string out;
  for (const auto& f : s.fields()) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

bool IsColumnNamed(const Expr& e, std::string_view name) {
  if (e.kind != ExprKind::kColumnRef) return false;
  const auto& parts = e.As<ColumnRefExpr>().name.parts;
  return parts.size() == 1 && parts[0].name == name;
}

}  // namespace

std::string ProjectionText(const std::vector<engine::Projection>& ps) {
  std::string out;
  for (const auto& p : ps) {
    std::string e = p.expr.ToString();
    out += (out.empty() ? "" : ", ") + (e == p.name ? e : fmt::format("{} AS {}", e, p.name));
  }
  return out;
}

bool IsProcTimeAttribute(const engine::Expr& e, int proctime_column) {
  const engine::ExprNode& n = e.node();
  if (n.kind == engine::ExprKind::kCall && n.fn == engine::Fn::kProcTime) return true;
  return proctime_column >= 0 && n.kind == engine::ExprKind::kColumn && n.column_index == proctime_column;
}

void PlannedQuery::Exchange(std::vector<int> keys) {
  engine::StageSpec stage;
  stage.inputs.push_back(engine::StageInput{static_cast<int>(graph.stages.size()) - 1, std::move(keys), nullptr});
  graph.stages.push_back(std::move(stage));
  last_calc.reset();  // a Calc does not fuse across an exchange
}

std::string PlannedQuery::Explain(const std::string& sink_line) const {
  std::vector<std::string> lines = plan;
  lines.push_back(sink_line);
  std::string out = "== Physical Plan ==\n";
  int depth = 0;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it, ++depth) {
    out += depth == 0 ? *it : std::string(3 * (depth - 1), ' ') + "+- " + *it;
    out += "\n";
  }
  return out;
}

Status Planner::Error(SourcePos pos, std::string_view message) const { return SyntaxError(source(), pos, message); }

namespace {

// `e` with every column reference i replaced by projections[i].expr.
engine::Expr Inline(const engine::Expr& e, const std::vector<engine::Projection>& projections) {
  const engine::ExprNode& n = e.node();
  if (n.kind == engine::ExprKind::kColumn && n.column_index >= 0) return projections[n.column_index].expr;
  if (n.args.empty()) return e;
  engine::ExprNode copy = n;
  for (engine::Expr& a : copy.args) {
    if (a.valid()) a = Inline(a, projections);
  }
  return engine::Expr(std::make_shared<const engine::ExprNode>(std::move(copy)));
}

}  // namespace

Status Planner::AddCalc(PlannedQuery* q, engine::Expr filter, std::vector<engine::Projection> projections,
                        std::vector<std::string> qualifiers, std::string explain) {
  if (q->last_calc) {
    // Fuse with the Calc just before: inline its projections into ours.
    PlannedQuery::CalcStep prev = std::move(*q->last_calc);
    q->last_calc.reset();
    const std::vector<engine::Projection>& p = prev.projections;
    engine::Expr f = filter.valid() && !p.empty() ? Inline(filter, p) : filter;
    engine::Expr combined_filter = prev.filter.valid() ? (f.valid() ? prev.filter && f : prev.filter) : f;
    std::vector<engine::Projection> combined = projections.empty() ? p : projections;
    if (!projections.empty() && !p.empty()) {
      for (auto& x : combined) x.expr = Inline(x.expr, p);
    }
    if (projections.empty()) qualifiers = q->scope.qualifiers;
    q->operators().pop_back();
    q->plan.pop_back();
    q->scope = prev.input;
    q->time_column = prev.input_time_column;
    q->proctime_column = prev.input_proctime_column;
    q->window_columns = prev.input_window_columns;
    std::string text = "Calc(";
    if (!combined.empty()) text += "select=[" + ProjectionText(combined) + "]";
    if (combined_filter.valid()) {
      text += (combined.empty() ? "" : ", ") + std::string("where=[") + combined_filter.ToString() + "]";
    }
    text += ")";
    return AddCalc(q, combined_filter, std::move(combined), std::move(qualifiers), std::move(text));
  }
  PlannedQuery::CalcStep step{filter, projections, q->scope, q->time_column, q->window_columns};
  step.input_proctime_column = q->proctime_column;
  auto probe = engine::CalcOperator::Create(q->scope.schema, filter, projections, 1);
  if (!probe.ok()) return probe.status();
  int new_time = -1;
  int new_proctime = -1;
  if (projections.empty()) {
    new_time = q->time_column;
    new_proctime = q->proctime_column;
    qualifiers = q->scope.qualifiers;
  } else {
    // The time attribute and window columns survive when projected as they are.
    std::optional<PlannedQuery::WindowColumns> windows;
    if (q->window_columns) windows = PlannedQuery::WindowColumns{-1, -1, q->window_columns->text};
    for (size_t i = 0; i < projections.size(); ++i) {
      const auto& n = projections[i].expr.node();
      if (IsProcTimeAttribute(projections[i].expr, q->proctime_column) && new_proctime < 0) {
        new_proctime = static_cast<int>(i);
      }
      if (n.kind != engine::ExprKind::kColumn || n.column_index < 0) continue;
      const int at = static_cast<int>(i);
      if (n.column_index == q->time_column && new_time < 0) new_time = at;
      if (windows && n.column_index == q->window_columns->start && windows->start < 0) windows->start = at;
      if (windows && n.column_index == q->window_columns->end && windows->end < 0) windows->end = at;
    }
    if (windows && windows->end < 0) windows.reset();  // window_start alone carries no meaning on
    q->window_columns = windows;
  }
  q->scope.schema = (*probe)->output_schema();
  q->scope.qualifiers = std::move(qualifiers);
  q->scope.qualifiers.resize(q->scope.schema.size());
  q->time_column = new_time;
  q->proctime_column = new_proctime;
  engine::OperatorSpec op{
      "calc",
      [filter, projections](const engine::Schema& in,
                            const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
        SLUICE_ASSIGN_OR_RETURN(auto calc,
                                engine::CalcOperator::Create(in, filter, projections, ctx.batch_capacity, ctx.clock));
        return std::unique_ptr<engine::Operator>(std::move(calc));
      }};
  q->operators().push_back(std::move(op));
  q->plan.push_back(std::move(explain));
  q->last_calc = std::move(step);
  return Status::Ok();
}

Result<PlannedQuery> Planner::PlanTable(const CatalogEntry& table, const std::string& qualifier) {
  const std::string& text = table.source_text ? *table.source_text : *source_;
  engine::TableDescriptor desc = table.Descriptor(CatalogEntry::Use::kSource);
  engine::WatermarkStrategy wm;
  std::string wm_text;
  if (!table.rowtime.empty()) {
    const Expr* w = table.watermark_expr;
    if (IsColumnNamed(*w, table.rowtime)) {
      wm.max_out_of_orderness_ms = 0;
    } else if (w->kind == ExprKind::kBinary && w->As<BinaryExpr>().op == BinaryOp::kMinus &&
               IsColumnNamed(*w->As<BinaryExpr>().left, table.rowtime)) {
      SLUICE_ASSIGN_OR_RETURN(wm.max_out_of_orderness_ms, IntervalMillis(*w->As<BinaryExpr>().right, text));
    } else {
      return SyntaxError(text, w->pos,
                         fmt::format("WATERMARK FOR {} AS {} is not supported yet; write {} - INTERVAL 'n' SECOND "
                                     "(bounded out-of-orderness)",
                                     table.rowtime, Unparse(*w), table.rowtime));
    }
    wm_text = fmt::format(", watermark=[{} - {}ms]", table.rowtime, wm.max_out_of_orderness_ms);
  }
  std::vector<engine::Projection> computed;
  if (table.has_computed_columns()) {
    Scope phys;
    for (int i = 0; i < desc.schema.size(); ++i) phys.Add("", desc.schema.field(i));
    ExprBinder binder(text, &phys, catalog_);
    for (const CatalogColumn& c : table.columns) {
      if (c.kind != ColumnKind::kComputed) continue;
      SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*c.computed));
      computed.push_back({e, c.name});
    }
  } else if (!table.rowtime.empty()) {
    desc.event_time_column = table.rowtime;
    desc.watermark = wm;
  }
  desc.read_columns = ReadColumns(table, desc);
  desc.partition_filter = PartitionFilter(table, qualifier);
  where_for_scan_ = nullptr;  // for this scan only
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<engine::Source> src, registry_->CreateSource(desc, ctx_));
  if (!computed.empty()) {
    int time_col = -1;
    int n_phys = desc.schema.size();
    for (int i = 0, k = 0; i < static_cast<int>(table.columns.size()); ++i) {
      if (table.columns[i].kind == ColumnKind::kComputed) {
        if (table.columns[i].name == table.rowtime) time_col = n_phys + k;
        ++k;
      } else if (table.columns[i].name == table.rowtime) {
        auto idx = desc.schema.IndexOf(table.rowtime);
        if (idx.ok()) time_col = *idx;
      }
    }
    SLUICE_ASSIGN_OR_RETURN(src, ComputedSource::Create(src, computed, time_col, wm));
  }
  SLUICE_RETURN_IF_ERROR(RegisterLateTable(table, src.get()));
  SLUICE_RETURN_IF_ERROR(RegisterDeadLetterTable(table, src.get()));
  PlannedQuery q;
  q.graph.stages.emplace_back().sources.push_back(src);
  for (const auto& f : src->schema().fields()) q.scope.Add(qualifier, f);
  q.time_column = src->event_time_column();
  for (size_t i = 0; i < computed.size(); ++i) {
    if (IsProcTimeAttribute(computed[i].expr, -1) && q.proctime_column < 0) {
      q.proctime_column = desc.schema.size() + static_cast<int>(i);
    }
  }
  std::string project;
  for (size_t i = 0; i < desc.read_columns.size(); ++i) {
    if (desc.read_columns[i]) project += (project.empty() ? "" : ", ") + desc.schema.field(i).name;
  }
  if (!desc.read_columns.empty()) project = ", project=[" + project + "]";
  for (const auto& [column, values] : desc.partition_filter) {
    project += fmt::format(", partitions=[{} IN ({})]", column, fmt::join(values, ", "));
  }
  q.plan.push_back(fmt::format("TableSourceScan(table=[{}], connector=[{}], fields=[{}]{}{})", table.name,
                               desc.Option("connector"), JoinNames(desc.schema), project, wm_text));
  if (!computed.empty()) {
    q.plan.push_back(fmt::format("ComputedColumns(fields=[{}]) (fused into the scan)", ProjectionText(computed)));
    // Put the columns back in their declared order when computed ones sit in between.
    std::vector<engine::Projection> order;
    bool reordered = false;
    int phys_i = 0, comp_i = 0;
    for (const CatalogColumn& c : table.columns) {
      int idx = c.kind == ColumnKind::kComputed ? desc.schema.size() + comp_i++ : phys_i++;
      if (idx != static_cast<int>(order.size())) reordered = true;
      order.push_back({ColRef(idx, c.name), c.name});
    }
    if (reordered) {
      std::vector<std::string> quals(order.size(), qualifier);
      SLUICE_RETURN_IF_ERROR(
          AddCalc(&q, engine::Expr(), order, quals, fmt::format("Calc(select=[{}])", ProjectionText(order))));
    }
  }
  if (src->changelog()) q.changelog = PlannedQuery::Changelog::kUpdating;  // e.g. a 'debezium-json' table
  const std::vector<int> upsert_key = src->upsert_key();
  if (!upsert_key.empty()) {
    // An upsert source ('upsert-kafka'): per primary key the last row, turned
    // into a full changelog (+I, -U/+U, -D with the whole row), as Flink's
    // ChangelogNormalize.
    std::vector<int> keys;
    std::string key_names;
    for (int c : upsert_key) {
      SLUICE_ASSIGN_OR_RETURN(int at, q.scope.schema.IndexOf(desc.schema.field(c).name));
      keys.push_back(at);
      key_names += (key_names.empty() ? "" : ", ") + desc.schema.field(c).name;
    }
    q.Exchange(keys);
    q.plan.push_back(fmt::format("Exchange(hash=[{}])", key_names));
    q.operators().push_back(engine::OperatorSpec{
        "changelog-normalize",
        [keys](const engine::Schema& in,
               const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, engine::ChangelogNormalizeOperator::Create(in, keys, ctx));
          return std::unique_ptr<engine::Operator>(std::move(op));
        }});
    q.plan.push_back(fmt::format("ChangelogNormalize(key=[{}])", key_names));
    q.changelog = PlannedQuery::Changelog::kUpdating;
  }
  return q;
}

std::string SelectItemName(const SelectItem& item, size_t i) {
  if (item.alias) return item.alias->name;
  if (item.expr->kind == ExprKind::kColumnRef) return item.expr->As<ColumnRefExpr>().name.parts.back().name;
  return fmt::format("EXPR${}", i);  // Flink's name for an unnamed expression
}

Result<PlannedQuery> Planner::PlanQuery(const Query& query) {
  if (!mentions_) CollectColumnMentions(query);  // the outermost query: the whole statement
  // WITH names are visible in the body (and in later WITH entries), like views.
  size_t ctes_before = ctes_.size();
  for (const CommonTableExpr& cte : query.with) ctes_.push_back(&cte);
  auto planned = PlanQueryBody(query);
  ctes_.resize(ctes_before);
  return planned;
}

Result<PlannedQuery> Planner::PlanQueryBody(const Query& query) {
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, PlanBody(*query.body));
  if (query.order_by.empty() && !query.limit && !query.offset) return q;
  return PlanOrderLimit(query, std::move(q));
}

Result<PlannedQuery> Planner::PlanBody(const QueryBody& body) {
  switch (body.kind) {
    case QueryBodyKind::kSelect: return PlanSelect(body.As<Select>());
    case QueryBodyKind::kNested: return PlanQuery(*body.As<NestedQuery>().query);
    case QueryBodyKind::kSetOperation: return PlanSetOperation(body.As<SetOperation>());
    case QueryBodyKind::kValues: return PlanValues(body.As<Values>());
  }
  return Error(body.pos, "unsupported query");
}

PlannedQuery MeetIn(const PlannedQuery& left, const PlannedQuery& right, std::vector<int> left_keys,
                    std::vector<int> right_keys, std::string_view keys_text) {
  PlannedQuery q;
  q.graph = left.graph;
  const int left_stage = static_cast<int>(q.graph.stages.size()) - 1;
  const int right_stage = q.graph.Append(right.graph) + static_cast<int>(right.graph.stages.size()) - 1;
  engine::StageSpec& stage = q.graph.stages.emplace_back();
  stage.inputs.push_back(engine::StageInput{left_stage, std::move(left_keys), nullptr});
  stage.inputs.push_back(engine::StageInput{right_stage, std::move(right_keys), nullptr});
  q.plan = left.plan;
  std::string right_plan;
  for (size_t i = right.plan.size(); i-- > 0;) right_plan += right.plan[i] + (i ? " <- " : "");
  q.plan.push_back(fmt::format("Exchange(hash=[{}]), right input: [{}]", keys_text, right_plan));
  return q;
}

std::optional<engine::DataType> UnionType(engine::DataType a, engine::DataType b) {
  if (a == b) return a;
  auto rank = [](engine::DataType t) {
    return t == engine::DataType::kInt32    ? 1
           : t == engine::DataType::kInt64  ? 2
           : t == engine::DataType::kDouble ? 3
                                            : 0;
  };
  if (rank(a) == 0 || rank(b) == 0) return std::nullopt;
  return rank(a) > rank(b) ? a : b;
}

Result<PlannedQuery> Planner::PlanSetOperation(const SetOperation& op) {
  const char* name = op.op == SetOpKind::kUnion ? "UNION" : op.op == SetOpKind::kIntersect ? "INTERSECT" : "EXCEPT";
  if (op.op != SetOpKind::kUnion && op.quantifier == SetQuantifier::kAll) {
    return Error(op.pos, fmt::format("{} ALL is not supported yet; {} (DISTINCT) is", name, name));
  }
  const std::string op_text = std::string(name) + (op.quantifier == SetQuantifier::kAll ? " ALL" : "");
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery left, PlanBody(*op.left));
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery right, PlanBody(*op.right));
  if (left.pending_window || right.pending_window) {
    return Error(op.pos, fmt::format("a window table function must be aggregated before a {}", op_text));
  }
  const int n = left.scope.schema.size();
  if (right.scope.schema.size() != n) {
    return Error(op.pos,
                 fmt::format("{} of {} columns ({}) and {} columns ({})", op_text, n, JoinNames(left.scope.schema),
                             right.scope.schema.size(), JoinNames(right.scope.schema)));
  }
  // Columns of different numeric types widen on the narrower side.
  for (PlannedQuery* side : {&left, &right}) {
    const PlannedQuery& other = side == &left ? right : left;
    std::vector<engine::Projection> casts;
    bool needed = false;
    for (int i = 0; i < n; ++i) {
      const engine::Field& f = side->scope.schema.field(i);
      auto t = UnionType(f.type, other.scope.schema.field(i).type);
      if (!t) {
        return Error(op.pos, fmt::format("{}: column {} ({}) is {} on the left and {} on the right; CAST one "
                                         "side",
                                         op_text, i + 1, left.scope.schema.field(i).name,
                                         SqlTypeName(left.scope.schema.field(i).type),
                                         SqlTypeName(right.scope.schema.field(i).type)));
      }
      engine::Expr col = ColRef(i, f.name);
      if (*t != f.type) {
        col = engine::Cast(col, *t);
        needed = true;
      }
      casts.push_back({col, f.name});
    }
    if (needed) {
      SLUICE_RETURN_IF_ERROR(
          AddCalc(side, engine::Expr(), casts, side->scope.qualifiers, "Calc(select=[" + ProjectionText(casts) + "])"));
    }
  }
  // Rows spread over workers by all their columns: a union has no key.
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  if (op.op != SetOpKind::kUnion) {
    // INTERSECT: the left side's distinct rows that the right side has;
    // EXCEPT: those it lacks — a semi-/anti-join on every column in which
    // NULL equals NULL (set operations compare rows, not values).
    AddDistinct(&left);
    PlannedQuery q = MeetIn(left, right, all, all, "all columns");
    engine::SemiJoinSpec spec{
        all, all, op.op == SetOpKind::kIntersect ? engine::SemiJoinType::kSemi : engine::SemiJoinType::kAnti,
        engine::NullKeys::kEqual};
    q.graph.stages.back().join =
        [spec](const engine::Schema& l, const engine::Schema& r,
               const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
      SLUICE_ASSIGN_OR_RETURN(auto op, engine::SemiJoinOperator::Create(l, r, spec, ctx));
      return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
    };
    q.scope = left.scope;
    q.scope.qualifiers.assign(n, "");
    q.time_column = -1;
    q.changelog = PlannedQuery::Changelog::kUpdating;
    q.plan.push_back(fmt::format("Join(joinType=[{}], where=[all columns, NULL = NULL]) ({})",
                                 op.op == SetOpKind::kIntersect ? "LeftSemiJoin" : "LeftAntiJoin", name));
    return q;
  }
  PlannedQuery q = MeetIn(left, right, all, all, "all columns");
  q.graph.stages.back().join = [](const engine::Schema& l, const engine::Schema& r,
                                  const engine::OperatorContext&) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
    SLUICE_ASSIGN_OR_RETURN(auto op, engine::UnionOperator::Create(l, r));
    return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
  };
  q.scope = left.scope;
  q.scope.qualifiers.assign(n, "");
  // Event time survives when both sides carry it in the same column.
  q.time_column = left.time_column >= 0 && left.time_column == right.time_column ? left.time_column : -1;
  q.changelog =
      left.changelog == PlannedQuery::Changelog::kUpdating || right.changelog == PlannedQuery::Changelog::kUpdating
          ? PlannedQuery::Changelog::kUpdating
          : PlannedQuery::Changelog::kAppendOnly;
  q.plan.push_back("Union(all=[true])");
  if (op.quantifier != SetQuantifier::kAll) AddDistinct(&q);  // UNION = UNION ALL, then distinct rows
  return q;
}

void Planner::AddDistinct(PlannedQuery* q) {
  std::vector<int> all(q->scope.schema.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  q->Exchange(all);
  q->plan.push_back("Exchange(hash=[all columns])");
  q->operators().push_back(engine::OperatorSpec{
      "group-aggregate",
      [all](const engine::Schema& in, const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
        SLUICE_ASSIGN_OR_RETURN(auto op, engine::GroupAggregateOperator::Create(in, all, {}, -1, ctx));
        return std::unique_ptr<engine::Operator>(std::move(op));
      }});
  q->plan.push_back(fmt::format("GroupAggregate(groupBy=[{}], select=[], changelog=[+I, -U, +U, -D]) (distinct rows)",
                                JoinNames(q->scope.schema)));
  q->changelog = PlannedQuery::Changelog::kUpdating;
  q->time_column = -1;
  q->proctime_column = -1;
  q->window_columns.reset();
}

Result<PlannedQuery> Planner::PlanTableRef(const TableRef& ref) {
  std::string alias = ref.alias ? ref.alias->name : "";
  PlannedQuery q;
  switch (ref.kind) {
    case TableRefKind::kNamed: {
      const auto& n = ref.As<NamedTableRef>();
      if (n.system_time) {
        return Error(n.system_time->pos,
                     "FOR SYSTEM_TIME AS OF belongs on the right side of a join: a JOIN t FOR SYSTEM_TIME AS OF "
                     "x.time AS s ON ... (temporal join)");
      }
      std::string name = n.name.parts.back().name;
      const CommonTableExpr* cte = nullptr;
      size_t cte_index = 0;
      for (size_t i = ctes_.size(); i-- > 0 && n.name.parts.size() == 1;) {
        if (ctes_[i]->name.name == name) {
          cte = ctes_[i];
          cte_index = i;
          break;
        }
      }
      if (cte) {
        // A WITH entry sees only the entries before it.
        std::vector<const CommonTableExpr*> saved = ctes_;
        ctes_.resize(cte_index);
        auto planned = PlanQuery(*cte->query);
        ctes_ = std::move(saved);
        SLUICE_RETURN_IF_ERROR(planned.status());
        q = std::move(*planned);
        std::string qual = alias.empty() ? name : alias;
        for (auto& qual_i : q.scope.qualifiers) qual_i = qual;
        if (!cte->columns.empty()) {
          std::vector<engine::Field> f = q.scope.schema.fields();
          if (cte->columns.size() != f.size()) {
            return Error(cte->name.pos, fmt::format("WITH {} names {} columns, its query has {}", name,
                                                    cte->columns.size(), f.size()));
          }
          for (size_t i = 0; i < f.size(); ++i) f[i].name = cte->columns[i].name;
          q.scope.schema = engine::Schema(f);
        }
        break;
      }
      const CatalogEntry* e = catalog_->Find(name);
      if (!e) {
        return Error(n.name.pos(), fmt::format("table or view {} not found; create it with CREATE TABLE first "
                                               "(SHOW TABLES lists the known ones)",
                                               name));
      }
      std::string qual = alias.empty() ? name : alias;
      if (!n.hints.empty()) {
        SLUICE_ASSIGN_OR_RETURN(e, WithOptionsHints(*e, n.hints));
      }
      if (e->kind == CatalogEntry::Kind::kTable) {
        auto planned = PlanTable(*e, qual);
        if (!planned.ok()) {
          // Connector errors (a missing option, a file that is not there) get the table's position.
          const std::string& m = planned.status().message();
          if (m.rfind("line ", 0) == 0) return planned.status();
          return Error(n.name.pos(), fmt::format("cannot read table {}: {}", name, m));
        }
        q = std::move(*planned);
      } else {
        if (++view_depth_ > kMaxViewDepth)
          return Error(n.name.pos(), "views nest too deeply (a view refers to itself?)");
        auto saved = source_;
        std::vector<const CommonTableExpr*> saved_ctes = std::move(ctes_);
        ctes_.clear();  // a view sees the catalog, not the WITH names around its use
        if (e->source_text) source_ = e->source_text;
        auto planned = PlanQuery(*e->view_query);
        source_ = saved;
        ctes_ = std::move(saved_ctes);
        --view_depth_;
        if (!planned.ok()) return planned.status().WithContext(fmt::format("in view {}", name));
        q = std::move(*planned);
        for (auto& qual_i : q.scope.qualifiers) qual_i = qual;
        if (!e->view_columns.empty()) {
          std::vector<engine::Field> f = q.scope.schema.fields();
          for (size_t i = 0; i < f.size() && i < e->view_columns.size(); ++i) f[i].name = e->view_columns[i];
          q.scope.schema = engine::Schema(f);
        }
      }
      break;
    }
    case TableRefKind::kSubquery: {
      const auto& s = ref.As<SubqueryTableRef>();
      if (s.laterality == Laterality::kLateral) return Error(ref.pos, "LATERAL subqueries are not supported yet");
      SLUICE_ASSIGN_OR_RETURN(q, PlanQuery(*s.query));
      for (auto& qual_i : q.scope.qualifiers) qual_i = alias;
      break;
    }
    case TableRefKind::kTableFunction: {
      SLUICE_ASSIGN_OR_RETURN(q, PlanWindowTvf(ref.As<TableFunctionRef>()));
      if (!alias.empty()) {
        for (auto& qual_i : q.scope.qualifiers) qual_i = alias;
      }
      break;
    }
    case TableRefKind::kJoin: {
      SLUICE_ASSIGN_OR_RETURN(q, PlanJoin(ref.As<JoinTableRef>()));
      break;
    }
    case TableRefKind::kUnnest: return Error(ref.pos, "UNNEST is not supported yet");
  }
  if (!ref.column_aliases.empty()) {
    std::vector<engine::Field> f = q.scope.schema.fields();
    if (ref.column_aliases.size() != f.size()) {
      return Error(ref.pos, fmt::format("{} column aliases given for {} columns", ref.column_aliases.size(), f.size()));
    }
    for (size_t i = 0; i < f.size(); ++i) f[i].name = ref.column_aliases[i].name;
    q.scope.schema = engine::Schema(f);
  }
  return q;
}

Result<const CatalogEntry*> Planner::WithOptionsHints(const CatalogEntry& table, const std::vector<Hint>& hints) {
  if (table.kind != CatalogEntry::Kind::kTable) {
    return Error(hints.front().name.pos, fmt::format("{} is a view; OPTIONS hints go on tables", table.name));
  }
  CatalogEntry& hinted = hinted_tables_.emplace_back(table);
  SLUICE_RETURN_IF_ERROR(ApplyOptionsHints(source(), hints, &hinted.options));
  return &hinted;
}

Status ApplyOptionsHints(std::string_view source, const std::vector<Hint>& hints,
                         std::map<std::string, std::string>* options) {
  for (const Hint& h : hints) {
    std::string name = h.name.name;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name != "OPTIONS" || !h.options.empty()) {
      return SyntaxError(source, h.name.pos,
                         fmt::format("{} is not a table hint; a table takes OPTIONS('key' = 'value', ...), which "
                                     "overrides its WITH options for this statement",
                                     h.name.name));
    }
    for (const auto& [k, v] : h.kv_options) (*options)[k] = v;
  }
  return Status::Ok();
}

Result<PlannedQuery> Planner::PlanWindowTvf(const TableFunctionRef& ref) {
  std::string fn = UpperName(ref.function);
  engine::WindowKind kind;
  size_t intervals;
  if (fn == "TUMBLE") {
    kind = engine::WindowKind::kTumble;
    intervals = 1;
  } else if (fn == "HOP") {
    kind = engine::WindowKind::kHop;
    intervals = 2;
  } else if (fn == "CUMULATE") {
    kind = engine::WindowKind::kCumulate;
    intervals = 2;
  } else if (fn == "SESSION") {
    kind = engine::WindowKind::kSession;
    intervals = 1;
  } else {
    return Error(ref.pos, fmt::format("table function {} is not supported; the window table functions are TUMBLE, "
                                      "HOP, CUMULATE and SESSION",
                                      fn));
  }
  if (ref.args.size() < 2 + intervals || ref.args[0].kind != TableArgKind::kTable ||
      ref.args[1].kind != TableArgKind::kDescriptor) {
    return Error(ref.pos,
                 fmt::format("{} takes (TABLE t, DESCRIPTOR(time_column), {})", fn,
                             intervals == 1 ? (kind == engine::WindowKind::kSession ? "gap" : "size")
                                            : (kind == engine::WindowKind::kHop ? "slide, size" : "step, size")));
  }
  const TableFunctionArg& t = ref.args[0];
  PlannedQuery q;
  if (t.subquery) {
    SLUICE_ASSIGN_OR_RETURN(q, PlanQuery(*t.subquery));
  } else {
    auto named = std::make_unique<NamedTableRef>(t.pos);
    for (const auto& p : t.table.parts) named->name.parts.push_back(p);
    SLUICE_ASSIGN_OR_RETURN(q, PlanTableRef(*named));
  }
  if (q.changelog == PlannedQuery::Changelog::kUpdating) {
    return Error(t.pos, "a window table function over an updating input is not supported");
  }
  const TableFunctionArg& d = ref.args[1];
  if (d.descriptor.size() != 1) return Error(d.pos, "DESCRIPTOR takes exactly one time column");
  auto idx = q.scope.schema.IndexOf(d.descriptor[0].name);
  if (!idx.ok()) {
    return Error(d.descriptor[0].pos,
                 fmt::format("DESCRIPTOR({}): column {} not found in the input; it has columns: {}",
                             d.descriptor[0].name, d.descriptor[0].name, JoinNames(q.scope.schema)));
  }
  const bool proctime = *idx == q.proctime_column && *idx != q.time_column;
  if (proctime) q.time_column = *idx;  // the windows' time, read from the clock (ProcessingTimeOperator)
  if (*idx != q.time_column) {
    return Error(d.descriptor[0].pos,
                 fmt::format("DESCRIPTOR({}) must name the input's event-time attribute (declare it with WATERMARK "
                             "FOR {} AS ... in CREATE TABLE) or a processing-time attribute (PROCTIME())",
                             d.descriptor[0].name, d.descriptor[0].name));
  }
  std::vector<int64_t> ms;
  for (size_t i = 2; i < 2 + intervals; ++i) {
    if (ref.args[i].kind != TableArgKind::kExpr) return Error(ref.args[i].pos, "expected an INTERVAL");
    SLUICE_ASSIGN_OR_RETURN(int64_t v, IntervalMillis(*ref.args[i].expr, source()));
    if (v <= 0) return Error(ref.args[i].pos, "window sizes must be positive");
    ms.push_back(v);
  }
  if (ref.args.size() > 2 + intervals)
    return Error(ref.args[2 + intervals].pos, "window offsets are not supported yet");
  engine::WindowSpec w;
  w.kind = kind;
  switch (kind) {
    case engine::WindowKind::kTumble: w.size_ms = w.slide_ms = ms[0]; break;
    case engine::WindowKind::kHop:
    case engine::WindowKind::kCumulate:
      w.slide_ms = ms[0];
      w.size_ms = ms[1];
      if (w.size_ms % w.slide_ms != 0 && kind == engine::WindowKind::kCumulate) {
        return Error(ref.args[3].pos, "CUMULATE's max size must be a multiple of its step");
      }
      break;
    case engine::WindowKind::kSession: w.gap_ms = ms[0]; break;
  }
  if (!t.partition_by.empty() && kind != engine::WindowKind::kSession) {
    return Error(t.partition_by[0]->pos, "PARTITION BY is only for SESSION windows");
  }
  q.pending_window = w;
  q.pending_window_proctime = proctime;
  q.pending_window_text =
      fmt::format("{}], time=[{}{}", w.ToString(), d.descriptor[0].name, proctime ? " (processing time)" : "");
  return q;
}

namespace {

bool IsPlainStar(const Select& select) {
  return select.items.size() == 1 && select.items[0].expr->kind == ExprKind::kStar &&
         select.items[0].expr->As<StarExpr>().qualifier.parts.empty();
}

}  // namespace

Result<PlannedQuery> Planner::PlanSelect(const Select& select) {
  if (!select.from) {
    for (const SelectItem& item : select.items) {
      if (item.expr->kind == ExprKind::kStar) return Error(item.expr->pos, "SELECT * needs a FROM clause");
    }
  }
  if (!select.windows.empty() && !HasOverAggregate(select)) {
    return Error(select.pos, "a WINDOW clause is only supported with OVER aggregates (SUM(x) OVER w)");
  }
  // Deduplication / top-N: SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM t) WHERE rn <= N.
  // The outer WHERE is offered to the subquery; a ROW_NUMBER() there consumes it.
  const SelectItem* row_number = nullptr;
  for (const SelectItem& item : select.items) {
    if (item.expr->kind == ExprKind::kFunctionCall && item.expr->As<FunctionCallExpr>().over &&
        UpperName(item.expr->As<FunctionCallExpr>().name) == "ROW_NUMBER") {
      row_number = &item;
    }
  }
  std::optional<RankFilter> offered = std::move(rank_filter_);
  rank_filter_.reset();
  if (select.where && select.where->kind == ExprKind::kBinary && select.from &&
      select.from->kind == TableRefKind::kSubquery) {
    const auto& b = select.where->As<BinaryExpr>();
    if (b.left->kind == ExprKind::kColumnRef && b.right->kind == ExprKind::kLiteral &&
        b.right->As<LiteralExpr>().literal_kind == LiteralKind::kInteger &&
        (b.op == BinaryOp::kEq || b.op == BinaryOp::kLtEq || b.op == BinaryOp::kLt)) {
      int64_t v = std::atoll(b.right->As<LiteralExpr>().text.c_str());
      if (b.op != BinaryOp::kEq || v == 1) {
        const std::string column = b.left->As<ColumnRefExpr>().name.parts.back().name;
        bool selected = false;
        for (const SelectItem& item : select.items) {
          if (item.expr->kind == ExprKind::kStar && item.expr->As<StarExpr>().qualifier.parts.empty()) selected = true;
          if (item.expr->kind == ExprKind::kColumnRef &&
              item.expr->As<ColumnRefExpr>().name.parts.back().name == column) {
            selected = true;
          }
        }
        rank_filter_ = RankFilter{column, b.op == BinaryOp::kLt ? v - 1 : v, selected};
      }
    }
  }
  rank_filter_consumed_ = false;
  // Over an inner join (FROM a JOIN b ON ..., FROM a, b) the WHERE is part of
  // the join's condition, as Flink's optimizer treats it: its equalities
  // become keys and its time bounds make an interval join.
  const bool where_joins = select.where && select.from && select.from->kind == TableRefKind::kJoin &&
                           (select.from->As<JoinTableRef>().join == JoinKind::kComma ||
                            select.from->As<JoinTableRef>().join == JoinKind::kInner);
  if (where_joins) join_where_ = select.where.get();
  // A WHERE over a plain FROM table may prune its partitions (PlanTable).
  where_for_scan_ = select.where && select.from && select.from->kind == TableRefKind::kNamed && !where_joins
                        ? select.where.get()
                        : nullptr;
  auto planned_from = select.from ? PlanTableRef(*select.from) : PlanSingleRow();
  where_for_scan_ = nullptr;
  join_where_ = nullptr;
  rank_filter_.reset();
  const Expr* where = select.where.get();
  if (rank_filter_consumed_ || where_joins) where = nullptr;
  rank_filter_consumed_ = false;
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, std::move(planned_from));
  if (where && HasSubqueryCondition(*where)) {
    bool all_decided = false;
    SLUICE_ASSIGN_OR_RETURN(q, PlanSubqueryConditions(*where, std::move(q), &all_decided));
    if (all_decided) where = nullptr;
  }
  if (row_number) {
    if (!offered || !row_number->alias || offered->column != row_number->alias->name) {
      return Error(row_number->expr->pos,
                   "ROW_NUMBER() is only supported in a subquery whose outer query filters it with rn = 1 "
                   "(deduplication) or rn <= N (top-N): SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
                   "k ORDER BY ts) AS rn FROM t) WHERE rn = 1");
    }
    rank_filter_consumed_ = true;
    return PlanRank(select, where, *row_number, *offered, std::move(q));
  }
  if (HasOverAggregate(select)) return PlanOver(select, where, std::move(q));
  std::vector<const FunctionCallExpr*> aggs;
  for (const auto& item : select.items) CollectAggregates(*item.expr, &aggs);
  if (select.having) CollectAggregates(*select.having, &aggs);
  if (select.quantifier == SetQuantifier::kDistinct && (!select.group_by.empty() || !aggs.empty())) {
    return Error(select.pos, "SELECT DISTINCT with GROUP BY or aggregates is not supported yet");
  }
  if (q.pending_window && select.group_by.empty() && aggs.empty() && !where && !select.having &&
      select.quantifier != SetQuantifier::kDistinct && IsPlainStar(select)) {
    return q;  // SELECT * over a window TVF: still a window TVF (a window join's input)
  }
  if (!select.group_by.empty() || !aggs.empty() || q.pending_window || select.quantifier == SetQuantifier::kDistinct)
    return PlanAggregate(select, where, std::move(q));
  if (select.having) return Error(select.having->pos, "HAVING needs GROUP BY or an aggregate");

  ExprBinder binder(source(), &q.scope, catalog_);
  binder.set_decided(&decided_);
  engine::Expr filter;
  if (where) {
    SLUICE_ASSIGN_OR_RETURN(auto f, binder.BindTyped(*where));
    if (f.second != engine::DataType::kBool) {
      return Error(where->pos, fmt::format("WHERE needs a BOOLEAN condition, got {}", SqlTypeName(f.second)));
    }
    filter = f.first;
  }
  std::vector<engine::Projection> projections;
  std::vector<std::string> quals;
  bool identity = true;
  for (size_t i = 0; i < select.items.size(); ++i) {
    const SelectItem& item = select.items[i];
    if (item.expr->kind == ExprKind::kStar) {
      const auto& star = item.expr->As<StarExpr>();
      std::string qual = star.qualifier.parts.empty() ? "" : star.qualifier.parts.back().name;
      for (int c = 0; c < q.scope.schema.size(); ++c) {
        if (!qual.empty() && q.scope.qualifiers[c] != qual) continue;
        if (static_cast<int>(projections.size()) != c) identity = false;
        projections.push_back({ColRef(c, q.scope.schema.field(c).name), q.scope.schema.field(c).name});
        quals.push_back(q.scope.qualifiers[c]);
      }
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*item.expr));
    const std::string name = SelectItemName(item, i);
    const auto& n = e.node();
    if (!(n.kind == engine::ExprKind::kColumn && n.column_index == static_cast<int>(projections.size()) &&
          name == q.scope.schema.field(n.column_index).name)) {
      identity = false;
    }
    projections.push_back({e, name});
    quals.push_back("");
  }
  if (identity && static_cast<int>(projections.size()) == q.scope.schema.size()) projections.clear();
  if (!filter.valid() && projections.empty()) return q;
  std::string text = "Calc(";
  if (!projections.empty()) text += "select=[" + ProjectionText(projections) + "]";
  if (filter.valid()) text += (projections.empty() ? "" : ", ") + std::string("where=[") + filter.ToString() + "]";
  text += ")";
  if (projections.empty()) quals = q.scope.qualifiers;
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, filter, projections, quals, text));
  return q;
}

Result<engine::WindowSpec> Planner::LegacyGroupWindow(const FunctionCallExpr& call, const PlannedQuery& q) const {
  const std::string fn = UpperName(call.name);
  const size_t intervals = fn == "HOP" ? 2 : 1;
  if (call.args.size() != 1 + intervals) {
    return Error(call.pos, fmt::format("{} takes (time_attribute, {})", fn,
                                       fn == "HOP"       ? "slide, size"
                                       : fn == "SESSION" ? "gap"
                                                         : "size"));
  }
  ExprBinder binder(source(), &q.scope, catalog_);
  SLUICE_ASSIGN_OR_RETURN(engine::Expr t, binder.Bind(*call.args[0]));
  if (t.node().kind != engine::ExprKind::kColumn || t.node().column_index != q.time_column || q.time_column < 0) {
    return Error(call.args[0]->pos,
                 fmt::format("{}'s first argument must be the input's event-time attribute (WATERMARK FOR ...)", fn));
  }
  std::vector<int64_t> ms;
  for (size_t i = 1; i <= intervals; ++i) {
    SLUICE_ASSIGN_OR_RETURN(int64_t v, IntervalMillis(*call.args[i], source()));
    if (v <= 0) return Error(call.args[i]->pos, "window sizes must be positive");
    ms.push_back(v);
  }
  engine::WindowSpec w;
  if (fn == "TUMBLE") {
    w = engine::WindowSpec::Tumble(std::chrono::milliseconds(ms[0]));
  } else if (fn == "HOP") {
    w = engine::WindowSpec::Hop(std::chrono::milliseconds(ms[1]), std::chrono::milliseconds(ms[0]));
  } else {
    w = engine::WindowSpec::Session(std::chrono::milliseconds(ms[0]));
  }
  return w;
}

Result<PlannedQuery> Planner::PlanAggregate(const Select& select, const Expr* where, PlannedQuery q) {
  bool windowed = q.pending_window.has_value();
  const bool updating_input = q.changelog == PlannedQuery::Changelog::kUpdating;
  if (windowed && updating_input) {
    return Error(select.pos, "a window aggregation over an updating input is not supported");
  }
  ExprBinder binder(source(), &q.scope, catalog_);
  binder.set_decided(&decided_);
  engine::Expr filter;
  if (where) {
    SLUICE_ASSIGN_OR_RETURN(filter, binder.Bind(*where));
  }

  // Pre-aggregation projection: group keys, aggregate arguments, event time.
  std::vector<engine::Projection> pre;
  std::vector<std::string> key_texts;
  bool has_start = false, has_end = false;
  // The grouping expressions: GROUP BY's, or for SELECT DISTINCT the select list.
  std::vector<const Expr*> group_exprs;
  for (const GroupingElement& g : select.group_by) {
    if (g.kind != GroupingKind::kExpr) return Error(g.pos, "GROUPING SETS, ROLLUP and CUBE are not supported yet");
    group_exprs.push_back(g.expr.get());
  }
  if (select.quantifier == SetQuantifier::kDistinct) {
    for (const SelectItem& item : select.items) {
      if (item.expr->kind == ExprKind::kStar) {
        return Error(item.expr->pos, "SELECT DISTINCT * is not supported yet; list the columns");
      }
      group_exprs.push_back(item.expr.get());
    }
  }
  // Grouping by the window_start and window_end columns of a window
  // aggregation upstream aggregates the same windows again: each of its rows
  // stands at window_end - 1 in event time and arrives before the watermark
  // passes window_end, so a 1 ms tumbling window on that time, keyed by the
  // grouping columns (both window columns among them), fires each window's
  // group exactly once, when the window closes.
  // Flink's legacy group windows: GROUP BY TUMBLE(ts, size) | HOP(ts, slide,
  // size) | SESSION(ts, gap)[, keys] with TUMBLE_START(...), _END and
  // _ROWTIME in the SELECT list — the same window aggregation as the TVFs.
  const Expr* group_window = nullptr;
  if (!windowed) {
    for (const Expr* g : group_exprs) {
      if (g->kind != ExprKind::kFunctionCall) continue;
      const std::string fn = UpperName(g->As<FunctionCallExpr>().name);
      if (fn != "TUMBLE" && fn != "HOP" && fn != "SESSION") continue;
      if (group_window) return Error(g->pos, "a GROUP BY takes one group window");
      group_window = g;
    }
    if (group_window) {
      if (updating_input)
        return Error(group_window->pos, "a window aggregation over an updating input is not supported");
      const auto& call = group_window->As<FunctionCallExpr>();
      if (!call.args.empty() && q.proctime_column >= 0) {
        // Over a PROCTIME() attribute: a processing-time window.
        ExprBinder time_binder(source(), &q.scope);
        auto t = time_binder.Bind(*call.args[0]);
        if (t.ok() && t->node().kind == engine::ExprKind::kColumn && IsProcTimeAttribute(*t, q.proctime_column)) {
          q.time_column = q.proctime_column;
          q.pending_window_proctime = true;
        }
      }
      SLUICE_ASSIGN_OR_RETURN(engine::WindowSpec w, LegacyGroupWindow(call, q));
      q.pending_window = w;
      q.pending_window_text = fmt::format("{}], time=[{}{}", w.ToString(), q.scope.schema.field(q.time_column).name,
                                          q.pending_window_proctime ? " (processing time)" : "");
      windowed = true;
    }
  }
  bool rewindow = false;
  if (!windowed && q.window_columns && !updating_input) {
    bool start = false, end = false;
    for (const Expr* g : group_exprs) {
      if (g->kind != ExprKind::kColumnRef) continue;
      auto b = binder.Bind(*g);
      if (!b.ok() || b->node().kind != engine::ExprKind::kColumn) continue;
      start = start || b->node().column_index == q.window_columns->start;
      end = end || b->node().column_index == q.window_columns->end;
    }
    rewindow = start && end;
  }
  const std::optional<PlannedQuery::WindowColumns> input_windows = q.window_columns;
  for (const Expr* g : group_exprs) {
    if (g == group_window) {
      has_start = has_end = true;
      continue;
    }
    if (windowed && !group_window && (IsColumnNamed(*g, "window_start") || IsColumnNamed(*g, "window_end"))) {
      (IsColumnNamed(*g, "window_start") ? has_start : has_end) = true;
      continue;
    }
    if (IsColumnNamed(*g, "window_time")) {
      return Error(g->pos, "GROUP BY window_time is not supported yet; group by window_start, window_end");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*g));
    std::string name = g->kind == ExprKind::kColumnRef ? g->As<ColumnRefExpr>().name.parts.back().name
                                                       : fmt::format("$k{}", pre.size());
    for (const auto& p : pre) {
      if (p.name == name) name = fmt::format("$k{}", pre.size());
    }
    // The window operator names its own window_start / window_end columns.
    if (rewindow && (name == "window_start" || name == "window_end" || name == "window_time")) {
      name = fmt::format("$k{}", pre.size());
    }
    pre.push_back({e, name});
    key_texts.push_back(Unparse(*g));
  }
  if (windowed && !(has_start && has_end)) {
    return Error(select.pos, fmt::format("a window table function is only supported in a window aggregation: "
                                         "GROUP BY window_start, window_end[, keys] (window {}), or in a window join",
                                         q.pending_window_text));
  }
  const int num_keys = static_cast<int>(pre.size());
  std::vector<const FunctionCallExpr*> calls;
  for (const auto& item : select.items) CollectAggregates(*item.expr, &calls);
  if (select.having) CollectAggregates(*select.having, &calls);
  std::vector<std::string> agg_texts;
  std::vector<engine::AggregateSpec> specs;
  for (const FunctionCallExpr* call : calls) {
    std::string text = Unparse(*call);
    if (std::find(agg_texts.begin(), agg_texts.end(), text) != agg_texts.end()) continue;
    std::string fn = UpperName(call->name);
    engine::AggregateSpec spec;
    bool distinct = call->quantifier == SetQuantifier::kDistinct;
    if (fn == "COUNT") {
      spec.kind = distinct ? engine::AggKind::kCountDistinct : engine::AggKind::kCount;
    } else if (distinct) {
      return Error(call->pos, fmt::format("{}(DISTINCT ...) is not supported yet; only COUNT(DISTINCT x) is", fn));
    } else if (fn == "SUM") {
      spec.kind = engine::AggKind::kSum;
    } else if (fn == "AVG") {
      spec.kind = engine::AggKind::kAvg;
    } else if (fn == "MIN") {
      spec.kind = engine::AggKind::kMin;
    } else if (fn == "MAX") {
      spec.kind = engine::AggKind::kMax;
    } else if (fn == "FIRST_VALUE") {
      spec.kind = engine::AggKind::kFirstValue;
    } else if (fn == "LAST_VALUE") {
      spec.kind = engine::AggKind::kLastValue;
    } else if (fn == "VAR_POP") {
      spec.kind = engine::AggKind::kVarPop;
    } else if (fn == "VAR_SAMP" || fn == "VARIANCE") {
      spec.kind = engine::AggKind::kVarSamp;
    } else if (fn == "STDDEV_POP") {
      spec.kind = engine::AggKind::kStddevPop;
    } else if (fn == "LISTAGG") {
      spec.kind = engine::AggKind::kListAgg;
      if (call->args.size() == 2) {
        // LISTAGG(x, separator): a string literal, as Flink requires.
        const Expr& sep = *call->args[1];
        if (sep.kind != ExprKind::kLiteral || sep.As<LiteralExpr>().literal_kind != LiteralKind::kString) {
          return Error(sep.pos, "LISTAGG's separator must be a string literal");
        }
        spec.separator = sep.As<LiteralExpr>().text;
      }
    } else {
      spec.kind = engine::AggKind::kStddevSamp;  // STDDEV_SAMP, STDDEV
    }
    bool star = call->args.size() == 1 && call->args[0]->kind == ExprKind::kStar;
    if (call->args.empty() || star) {
      if (fn != "COUNT") return Error(call->pos, fmt::format("{} needs an argument", fn));
    } else if (call->args.size() != 1 && !(fn == "LISTAGG" && call->args.size() == 2)) {
      return Error(call->pos, fmt::format("{} takes one argument", fn));
    }
    engine::Expr arg;
    if (!star && !call->args.empty()) {
      std::vector<const FunctionCallExpr*> nested;
      CollectAggregates(*call->args[0], &nested);
      if (!nested.empty()) return Error(nested[0]->pos, "aggregates cannot be nested");
      engine::DataType arg_type;
      SLUICE_ASSIGN_OR_RETURN(std::tie(arg, arg_type), binder.BindTyped(*call->args[0]));
      const bool numeric_only = spec.kind == engine::AggKind::kSum || spec.kind == engine::AggKind::kAvg ||
                                spec.kind == engine::AggKind::kVarPop || spec.kind == engine::AggKind::kVarSamp ||
                                spec.kind == engine::AggKind::kStddevPop || spec.kind == engine::AggKind::kStddevSamp;
      if (numeric_only && !engine::IsNumeric(arg_type)) {
        return Error(call->pos, fmt::format("{}({}) needs a numeric argument, not {}", fn, Unparse(*call->args[0]),
                                            SqlTypeName(arg_type)));
      }
    }
    if (call->filter) {
      SLUICE_ASSIGN_OR_RETURN(engine::Expr cond, binder.Bind(*call->filter));
      arg = engine::Case({{cond, arg.valid() ? arg : engine::Lit(1)}});
    }
    if (arg.valid()) {
      spec.arg_index = static_cast<int>(pre.size());
      pre.push_back({arg, fmt::format("$a{}", specs.size())});
    }
    spec.output_name = fmt::format("$agg{}", specs.size());
    if (updating_input && !windowed && !rewindow &&
        (spec.kind == engine::AggKind::kMin || spec.kind == engine::AggKind::kMax ||
         spec.kind == engine::AggKind::kFirstValue || spec.kind == engine::AggKind::kLastValue)) {
      // MIN/MAX keep value counts to find the next extreme when one is
      // retracted; FIRST/LAST_VALUE keep their values in arrival order.
      spec.retractable = true;
    }
    if (updating_input && !windowed && !rewindow && spec.kind == engine::AggKind::kListAgg) {
      return Error(call->pos, fmt::format("{} over an updating input (an unwindowed GROUP BY, a deduplication or a "
                                          "top-N upstream) is not supported yet; COUNT, SUM, AVG, MIN, MAX, "
                                          "FIRST_VALUE, LAST_VALUE, VAR_*/STDDEV_* are",
                                          fn));
    }
    specs.push_back(spec);
    agg_texts.push_back(text);
  }
  int time_col = -1;
  bool needs_time = windowed;
  for (const auto& s : specs) {
    if (s.kind == engine::AggKind::kFirstValue || s.kind == engine::AggKind::kLastValue) needs_time = true;
  }
  if (rewindow) {
    time_col = static_cast<int>(pre.size());
    const int end = input_windows->end;
    pre.push_back({ColRef(end, q.scope.schema.field(end).name) - engine::Lit(int64_t{1}), "$window_time"});
    q.pending_window = engine::WindowSpec::Tumble(std::chrono::milliseconds(1));
    q.pending_window_text = input_windows->text;
    windowed = true;
  } else if (q.time_column >= 0 && needs_time) {
    time_col = static_cast<int>(pre.size());
    pre.push_back(
        {ColRef(q.time_column, q.scope.schema.field(q.time_column).name), q.scope.schema.field(q.time_column).name});
  } else if (windowed) {
    return Error(select.pos, "window aggregation needs an event-time column");
  }
  if (windowed) SLUICE_RETURN_IF_ERROR(AddLatePassThrough(q, select.pos, &pre));
  std::string pre_text = "Calc(select=[" + ProjectionText(pre) + "]";
  if (filter.valid()) pre_text += ", where=[" + filter.ToString() + "]";
  pre_text += ")";
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, filter, pre, std::vector<std::string>(pre.size()), pre_text));
  q.time_column = time_col;

  std::vector<int> keys;
  std::string key_names;
  for (int i = 0; i < num_keys; ++i) {
    keys.push_back(i);
    key_names += (i ? ", " : "") + pre[i].name;
  }
  q.Exchange(keys);
  q.plan.push_back(keys.empty() ? "Exchange(distribution=[single])" : fmt::format("Exchange(hash=[{}])", key_names));
  std::string agg_names;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    std::string arg = s.arg_index >= 0 ? pre[s.arg_index].name : "*";
    agg_names += fmt::format("{}{}({}) AS {}", i ? ", " : "", engine::AggKindName(s.kind), arg, s.output_name);
  }
  Scope post;
  if (windowed && q.pending_window_proctime) {
    q.operators().push_back(engine::OperatorSpec{
        "processing-time",
        [time_col](const engine::Schema& in,
                   const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, engine::ProcessingTimeOperator::Create(in, time_col, ctx));
          return std::unique_ptr<engine::Operator>(std::move(op));
        }});
    q.plan.push_back(
        fmt::format("ProcessingTime(time=[{}], fire=[on the wall clock, all at end of input])", pre[time_col].name));
    q.pending_window_proctime = false;
  }
  if (windowed) {
    engine::WindowAggregateSpec ws{keys, time_col, *q.pending_window, specs};
    auto out = engine::WindowOutputSchema(q.scope.schema, ws);
    if (!out.ok()) return Error(select.pos, out.status().message());
    post.schema = *out;
    q.operators().push_back(
        engine::OperatorSpec{"window", [ws](const engine::Schema& in, const engine::OperatorContext& ctx) {
                               return engine::CreateWindowOperator(in, ws, ctx);
                             }});
    q.plan.push_back(fmt::format("WindowAggregate(window=[{}], groupBy=[{}], select=[{}], emit=[on window close]{})",
                                 q.pending_window_text, key_names, agg_names,
                                 rewindow ? ", windows=[of the input]" : ""));
    // The output's window columns: the regrouped ones, or the window operator's.
    q.window_columns = PlannedQuery::WindowColumns{num_keys, num_keys + 1, q.pending_window_text};
    if (rewindow) {
      for (int i = 0; i < num_keys; ++i) {
        const auto& n = pre[i].expr.node();
        if (n.kind != engine::ExprKind::kColumn) continue;
        if (n.column_index == input_windows->start) q.window_columns->start = i;
        if (n.column_index == input_windows->end) q.window_columns->end = i;
      }
    }
    q.pending_window.reset();
  } else {
    engine::OperatorContext probe_ctx;
    probe_ctx.batch_capacity = 1;
    SLUICE_ASSIGN_OR_RETURN(int64_t ttl,
                            ParseDurationMs("table.exec.state.ttl", catalog_->Get("table.exec.state.ttl", "0")));
    auto probe = engine::GroupAggregateOperator::Create(q.scope.schema, keys, specs, time_col, probe_ctx, ttl);
    if (!probe.ok()) return Error(select.pos, probe.status().message());
    post.schema = (*probe)->output_schema();
    q.window_columns.reset();
    q.operators().push_back(engine::OperatorSpec{
        "group-aggregate",
        [keys, specs, time_col, ttl](const engine::Schema& in,
                                     const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, engine::GroupAggregateOperator::Create(in, keys, specs, time_col, ctx, ttl));
          return std::unique_ptr<engine::Operator>(std::move(op));
        }});
    q.plan.push_back(fmt::format("GroupAggregate(groupBy=[{}], select=[{}], changelog=[+I, -U, +U, -D]{})", key_names,
                                 agg_names, ttl ? fmt::format(", state.ttl=[{}ms]", ttl) : ""));
    q.changelog = PlannedQuery::Changelog::kUpdating;
  }
  q.scope.schema = post.schema;
  q.scope.qualifiers.assign(post.schema.size(), "");
  post.qualifiers = q.scope.qualifiers;
  q.time_column = -1;
  q.proctime_column = -1;  // aggregated rows carry no processing-time attribute

  // Post-aggregation Calc: the SELECT list and HAVING over keys and aggregates.
  ExprBinder after(source(), &post, catalog_, ExprBinder::Mode::kAfterAggregate);
  // Key columns are reachable by their expression text and, when a column
  // was grouped, by its name.
  for (int i = 0; i < num_keys; ++i) after.Substitute(key_texts[i], ColRef(i, post.schema.field(i).name));
  int first_agg = num_keys + (windowed ? 2 : 0);
  for (size_t i = 0; i < agg_texts.size(); ++i)
    after.Substitute(agg_texts[i],
                     ColRef(first_agg + static_cast<int>(i), post.schema.field(first_agg + static_cast<int>(i)).name));
  if (group_window) {
    // TUMBLE_START(ts, ...) and friends: the window's columns.
    std::vector<const FunctionCallExpr*> props;
    auto is_property = +[](const Expr& e) {
      if (e.kind != ExprKind::kFunctionCall) return false;
      const std::string n = UpperName(e.As<FunctionCallExpr>().name);
      for (const char* w : {"TUMBLE_", "HOP_", "SESSION_"}) {
        if (n.rfind(w, 0) != 0) continue;
        const std::string rest = n.substr(std::string(w).size());
        return rest == "START" || rest == "END" || rest == "ROWTIME";
      }
      return false;
    };
    for (const auto& item : select.items) CollectCalls(*item.expr, is_property, &props);
    if (select.having) CollectCalls(*select.having, is_property, &props);
    const std::string fn = UpperName(group_window->As<FunctionCallExpr>().name);
    for (const FunctionCallExpr* p : props) {
      const std::string n = UpperName(p->name);
      if (n.rfind(fn + "_", 0) != 0) {
        return Error(p->pos, fmt::format("{} does not match the GROUP BY's {} window", n, fn));
      }
      const std::string rest = n.substr(fn.size() + 1);
      engine::Expr col = rest == "START" ? ColRef(num_keys, "window_start") : ColRef(num_keys + 1, "window_end");
      after.Substitute(Unparse(*p), rest == "ROWTIME" ? col - engine::Lit(int64_t{1}) : col);
    }
  }
  if (windowed && !rewindow && !group_window) {
    after.Substitute(QuoteIdentifier("window_start"), ColRef(num_keys, "window_start"));
    after.Substitute(QuoteIdentifier("window_end"), ColRef(num_keys + 1, "window_end"));
    after.Substitute(QuoteIdentifier("window_time"), ColRef(num_keys + 1, "window_end") - engine::Lit(int64_t{1}));
  }
  engine::Expr having;
  if (select.having) {
    SLUICE_ASSIGN_OR_RETURN(having, after.Bind(*select.having));
  }
  std::vector<engine::Projection> projections;
  for (size_t i = 0; i < select.items.size(); ++i) {
    const SelectItem& item = select.items[i];
    if (item.expr->kind == ExprKind::kStar) return Error(item.expr->pos, "SELECT * is not allowed with GROUP BY");
    SLUICE_ASSIGN_OR_RETURN(engine::Expr e, after.Bind(*item.expr));
    const std::string name = SelectItemName(item, i);
    projections.push_back({e, name});
  }
  std::string text = "Calc(select=[" + ProjectionText(projections) + "]";
  if (having.valid()) text += ", where=[" + having.ToString() + "]";
  text += ")";
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, having, projections, std::vector<std::string>(projections.size()), text));
  return q;
}

Result<PlannedQuery> Planner::PlanRank(const Select& inner, const Expr* where, const SelectItem& row_number,
                                       const RankFilter& filter, PlannedQuery q) {
  const int64_t n = filter.n;
  const auto& call = row_number.expr->As<FunctionCallExpr>();
  const WindowSpec& over = *call.over;
  const bool updating = q.changelog == PlannedQuery::Changelog::kUpdating;
  if (where)
    return Error(where->pos, "a WHERE beside ROW_NUMBER() is not supported yet; filter in a subquery below it");
  if (!inner.group_by.empty()) return Error(call.pos, "ROW_NUMBER() with GROUP BY is not supported yet");
  if (over.order_by.empty() || over.order_by.size() > 2) {
    return Error(over.pos,
                 "ROW_NUMBER() needs one ORDER BY column (the event time for deduplication, a number for top-N), "
                 "or two for a top-N with a tie-breaker");
  }
  if (IsWindowRank(over, q)) return PlanWindowRank(inner, row_number, filter, std::move(q));
  // The rank column, when the outer query selects it (filled in below: the
  // top-N operator's last column, or 1 after a deduplication).
  SLUICE_ASSIGN_OR_RETURN(std::vector<engine::Projection> cols, RankSelectList(inner, row_number, filter, q.scope));
  ExprBinder binder(source(), &q.scope, catalog_);
  auto column_of = [&](const Expr& e) -> Result<int> {
    if (e.kind != ExprKind::kColumnRef) {
      return Error(e.pos, "PARTITION BY and ORDER BY of ROW_NUMBER() take columns, not expressions");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr b, binder.Bind(e));
    return b.node().column_index;
  };
  std::vector<int> keys;
  std::string key_names;
  for (const auto& p : over.partition_by) {
    SLUICE_ASSIGN_OR_RETURN(int k, column_of(*p));
    keys.push_back(k);
    key_names += (key_names.empty() ? "" : ", ") + q.scope.schema.field(k).name;
  }
  SLUICE_ASSIGN_OR_RETURN(int order, column_of(*over.order_by[0].expr));
  bool descending = over.order_by[0].direction == SortDirection::kDescending;
  std::string order_name = q.scope.schema.field(order).name;
  int then = -1;
  bool then_descending = false;
  if (over.order_by.size() == 2) {
    SLUICE_ASSIGN_OR_RETURN(then, column_of(*over.order_by[1].expr));
    then_descending = over.order_by[1].direction == SortDirection::kDescending;
  }
  std::string order_text = order_name + (descending ? " DESC" : " ASC");
  if (then >= 0) order_text += ", " + q.scope.schema.field(then).name + (then_descending ? " DESC" : " ASC");
  engine::Schema input = q.scope.schema;
  q.Exchange(keys);
  q.window_columns.reset();
  q.plan.push_back(keys.empty() ? "Exchange(distribution=[single])" : fmt::format("Exchange(hash=[{}])", key_names));
  if (n == 1 && order == q.time_column && then < 0 && !updating) {
    engine::DeduplicateSpec spec{keys, order, descending ? engine::Keep::kLast : engine::Keep::kFirst};
    q.operators().push_back(
        engine::OperatorSpec{"deduplicate",
                             [spec](const engine::Schema& in,
                                    const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::Operator>> {
                               SLUICE_ASSIGN_OR_RETURN(auto op, engine::DeduplicateOperator::Create(in, spec, ctx));
                               return std::unique_ptr<engine::Operator>(std::move(op));
                             }});
    q.plan.push_back(fmt::format("Deduplicate(keep=[{} row], key=[{}], order=[{}])", descending ? "last" : "first",
                                 key_names, order_name));
    q.changelog = PlannedQuery::Changelog::kUpdating;  // an out-of-order earlier row replaces the kept one
    for (auto& c : cols) {
      if (!c.expr.valid()) c.expr = engine::Lit(int64_t{1});  // the one row kept per key is first
    }
  } else {
    if (n < 1) return Error(row_number.expr->pos, "the row-number bound must be at least 1");
    for (size_t i = 0; i < over.order_by.size(); ++i) {
      engine::DataType t = input.field(i == 0 ? order : then).type;
      if (t == engine::DataType::kString || t == engine::DataType::kBool) {
        return Error(over.order_by[i].expr->pos,
                     fmt::format("top-N orders by a number or a timestamp, not {}", SqlTypeName(t)));
      }
    }
    engine::TopNSpec spec{keys, order, descending, static_cast<int>(n), then, then_descending};
    if (filter.selected) {
      spec.rank_column = row_number.alias->name;
      for (auto& c : cols) {
        if (!c.expr.valid()) c.expr = ColRef(input.size(), spec.rank_column);
      }
      q.scope.Add("", engine::Field{spec.rank_column, engine::DataType::kInt64});
    }
    q.operators().push_back(TopNOperatorSpec(spec, updating));
    q.plan.push_back(fmt::format("Rank(top=[{}], key=[{}], order=[{}]{}{}, changelog=[+I, -U, +U, -D])", n, key_names,
                                 order_text, filter.selected ? ", rank=[" + spec.rank_column + "]" : "",
                                 updating ? ", retract" : ""));
    q.changelog = PlannedQuery::Changelog::kUpdating;
  }
  std::vector<std::string> quals(cols.size(), "");
  SLUICE_RETURN_IF_ERROR(AddCalc(&q, engine::Expr(), cols, quals, "Calc(select=[" + ProjectionText(cols) + "])"));
  q.time_column = -1;
  q.proctime_column = -1;
  return q;
}

engine::JobSpec Planner::ToJobSpec(const PlannedQuery& q, engine::Sink* sink) {
  engine::JobSpec spec = q.graph;
  spec.stages.back().sink = sink;
  return spec;
}

void CollectConjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind == ExprKind::kBinary && e.As<BinaryExpr>().op == BinaryOp::kAnd) {
    CollectConjuncts(*e.As<BinaryExpr>().left, out);
    CollectConjuncts(*e.As<BinaryExpr>().right, out);
  } else {
    out->push_back(&e);
  }
}

namespace {

engine::JoinType EngineJoinType(JoinKind kind) {
  switch (kind) {
    case JoinKind::kLeft: return engine::JoinType::kLeft;
    case JoinKind::kRight: return engine::JoinType::kRight;
    case JoinKind::kFull: return engine::JoinType::kFull;
    default: return engine::JoinType::kInner;
  }
}

std::string_view SqlJoinName(engine::JoinType type) {
  switch (type) {
    case engine::JoinType::kInner: return "INNER JOIN";
    case engine::JoinType::kLeft: return "LEFT JOIN";
    case engine::JoinType::kRight: return "RIGHT JOIN";
    case engine::JoinType::kFull: return "FULL JOIN";
  }
  return "JOIN";
}

std::string ScopeColumnName(const Scope& sc, int i) {
  return sc.qualifiers[i].empty() ? sc.schema.field(i).name : sc.qualifiers[i] + "." + sc.schema.field(i).name;
}

}  // namespace

Status Planner::AddJoinKey(const Expr& at, const PlannedQuery& left, const PlannedQuery& right, int l, int r,
                           std::vector<int>* left_keys, std::vector<int>* right_keys, std::string* key_text) const {
  const engine::Field& lf = left.scope.schema.field(l);
  const engine::Field& rf = right.scope.schema.field(r);
  if (lf.type != rf.type) {
    return Error(at.pos, fmt::format("join keys {} ({}) and {} ({}) have different types; CAST one side in a subquery",
                                     lf.name, SqlTypeName(lf.type), rf.name, SqlTypeName(rf.type)));
  }
  left_keys->push_back(l);
  right_keys->push_back(r);
  *key_text +=
      (key_text->empty() ? "" : " AND ") + ScopeColumnName(left.scope, l) + " = " + ScopeColumnName(right.scope, r);
  return Status::Ok();
}

Result<PlannedQuery> Planner::PlanJoin(const JoinTableRef& ref) {
  if (ref.right->kind == TableRefKind::kNamed && ref.right->As<NamedTableRef>().system_time) {
    return PlanTemporalJoin(ref);
  }
  // The join's condition: ON, or for FROM a, b the WHERE of that SELECT.
  const Expr* on = ref.on.get();
  const Expr* where = join_where_;
  join_where_ = nullptr;  // not for joins nested in this one's inputs
  if (ref.join == JoinKind::kComma) {
    if (!where) return Error(ref.pos, "FROM a, b needs a WHERE with an equality between the two sides");
  } else if (ref.join == JoinKind::kCross) {
    return Error(ref.pos, "CROSS JOIN is not supported (it would keep every row of both streams); join on keys");
  } else if (!on) {
    return Error(ref.pos, "a join needs ON with an equality between the two sides (USING is not supported yet)");
  }
  const engine::JoinType type = EngineJoinType(ref.join);
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery left, PlanTableRef(*ref.left));
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery right, PlanTableRef(*ref.right));
  SLUICE_RETURN_IF_ERROR(CheckLateColumns(left, ref.pos));
  SLUICE_RETURN_IF_ERROR(CheckLateColumns(right, ref.pos));
  if (left.pending_window || right.pending_window) {
    return PlanWindowJoin(ref, type, on, where, std::move(left), std::move(right));
  }
  // An updating input carries no time attribute (time_ref finds none), so
  // only a regular join meets one; it passes the input's retractions on.
  const bool updating_input =
      left.changelog == PlannedQuery::Changelog::kUpdating || right.changelog == PlannedQuery::Changelog::kUpdating;
  const int nl = left.scope.schema.size();
  Scope joined = left.scope;
  for (int i = 0; i < right.scope.schema.size(); ++i)
    joined.Add(right.scope.qualifiers[i], right.scope.schema.field(i));

  // Which side a bare column reference belongs to: 0 left, 1 right, with its index there.
  auto side_of = [&](const Expr& e, int* side, int* index) -> bool {
    if (e.kind != ExprKind::kColumnRef) return false;
    ExprBinder binder(source(), &joined, catalog_);
    auto b = binder.Bind(e);
    if (!b.ok() || b->node().kind != engine::ExprKind::kColumn) return false;
    int i = b->node().column_index;
    *side = i < nl ? 0 : 1;
    *index = i < nl ? i : i - nl;
    return true;
  };
  struct TimeRef {
    int side;
    int64_t offset;
  };
  int join_time[2] = {-1, -1};  // the time column each side's bounds use
  auto time_ref = [&](const Expr& e) -> std::optional<TimeRef> {
    int side, idx;
    int64_t off = 0;
    const Expr* col = &e;
    if (e.kind == ExprKind::kBinary &&
        (e.As<BinaryExpr>().op == BinaryOp::kPlus || e.As<BinaryExpr>().op == BinaryOp::kMinus)) {
      auto ms = IntervalMillis(*e.As<BinaryExpr>().right, source());
      if (!ms.ok()) return std::nullopt;
      off = e.As<BinaryExpr>().op == BinaryOp::kPlus ? *ms : -*ms;
      col = e.As<BinaryExpr>().left.get();
    }
    if (!side_of(*col, &side, &idx)) return std::nullopt;
    // A side's event time: its time attribute, or the window_end of a window
    // aggregation (its rows stand at window_end - 1 and are never late, so
    // window_end orders them as well). One column per side.
    const PlannedQuery& in = side == 0 ? left : right;
    const bool is_time = idx == in.time_column || (in.window_columns && idx == in.window_columns->end &&
                                                   in.changelog == PlannedQuery::Changelog::kAppendOnly);
    if (!is_time || (join_time[side] >= 0 && join_time[side] != idx)) return std::nullopt;
    join_time[side] = idx;
    return TimeRef{side, off};
  };
  constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  int64_t lower = kNone, upper = kNone;  // right.ts - left.ts in [lower, upper]
  // x op y with x = side_x.ts + ox, y = side_y.ts + oy (different sides).
  auto constrain = [&](TimeRef x, BinaryOp op, TimeRef y) {
    int64_t v = y.offset - x.offset;  // ts_x - ts_y op v
    if (x.side == 0) {                // left - right op v  ⇔  right - left flip(op) -v
      v = -v;
      op = op == BinaryOp::kGt     ? BinaryOp::kLt
           : op == BinaryOp::kGtEq ? BinaryOp::kLtEq
           : op == BinaryOp::kLt   ? BinaryOp::kGt
                                   : BinaryOp::kGtEq;
    }
    auto at_least = [&](int64_t b) { lower = lower == kNone ? b : std::max(lower, b); };
    auto at_most = [&](int64_t b) { upper = upper == kNone ? b : std::min(upper, b); };
    if (op == BinaryOp::kGtEq) at_least(v);
    if (op == BinaryOp::kGt) at_least(v + 1);
    if (op == BinaryOp::kLtEq) at_most(v);
    if (op == BinaryOp::kLt) at_most(v - 1);
  };
  std::vector<const Expr*> conjuncts;
  if (on) CollectConjuncts(*on, &conjuncts);
  if (where) CollectConjuncts(*where, &conjuncts);
  const Expr* condition = on ? on : where;  // where errors point
  std::vector<int> left_keys, right_keys;
  std::string key_text;
  std::vector<const Expr*> residual;
  for (const Expr* c : conjuncts) {
    if (c->kind == ExprKind::kBinary) {
      const auto& b = c->As<BinaryExpr>();
      int ls, li, rs, ri;
      if (b.op == BinaryOp::kEq && side_of(*b.left, &ls, &li) && side_of(*b.right, &rs, &ri) && ls != rs) {
        int l = ls == 0 ? li : ri, r = ls == 0 ? ri : li;
        SLUICE_RETURN_IF_ERROR(AddJoinKey(*c, left, right, l, r, &left_keys, &right_keys, &key_text));
        continue;
      }
      if (b.op == BinaryOp::kGt || b.op == BinaryOp::kGtEq || b.op == BinaryOp::kLt || b.op == BinaryOp::kLtEq) {
        auto x = time_ref(*b.left), y = time_ref(*b.right);
        if (x && y && x->side != y->side) {
          constrain(*x, b.op, *y);
          continue;
        }
      }
    }
    if (c->kind == ExprKind::kBetween) {
      const auto& b = c->As<BetweenExpr>();
      auto x = time_ref(*b.operand), lo = time_ref(*b.low), hi = time_ref(*b.high);
      if (b.negation == Negation::kNone && b.symmetry == BetweenSymmetry::kAsymmetric && x && lo && hi &&
          lo->side == hi->side && lo->side != x->side) {
        constrain(*x, BinaryOp::kGtEq, *lo);
        constrain(*x, BinaryOp::kLtEq, *hi);
        continue;
      }
    }
    residual.push_back(c);
  }
  if (left_keys.empty()) {
    return Error(condition->pos,
                 "a join needs at least one equality between a column of each side (e.g. a.id = b.id); "
                 "cross joins are not supported");
  }
  if ((lower == kNone) != (upper == kNone)) {
    return Error(condition->pos,
                 "an interval join needs both bounds on the time attributes, e.g. b.ts BETWEEN a.ts - "
                 "INTERVAL '1' MINUTE AND a.ts");
  }
  SLUICE_RETURN_IF_ERROR(PushDownOuterJoinConditions(type, joined, &residual, &left, &right));
  PlannedQuery q = MeetIn(left, right, left_keys, right_keys, "join keys");
  engine::StageSpec& join_stage = q.graph.stages.back();
  if (lower != kNone) {
    if (lower > upper) return Error(condition->pos, "the interval join's time bounds are empty (lower > upper)");
    engine::IntervalJoinSpec spec{left_keys, right_keys, join_time[0], join_time[1], lower, upper, type};
    join_stage.join = [spec](const engine::Schema& l, const engine::Schema& r,
                             const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
      SLUICE_ASSIGN_OR_RETURN(auto op, engine::IntervalJoinOperator::Create(l, r, spec, ctx));
      return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
    };
    q.plan.push_back(fmt::format("IntervalJoin(joinType=[{}], where=[{}], right.ts - left.ts in [{}ms, {}ms])",
                                 engine::JoinTypeName(type), key_text, lower, upper));
  } else {
    SLUICE_ASSIGN_OR_RETURN(int64_t ttl,
                            ParseDurationMs("table.exec.state.ttl", catalog_->Get("table.exec.state.ttl", "0")));
    engine::RegularJoinSpec spec{left_keys, right_keys, ttl, type};
    // With state.backend 'rocksdb' an inner join keeps its rows there.
    join_stage.join = [spec](const engine::Schema& l, const engine::Schema& r,
                             const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
      return engine::CreateRegularJoin(l, r, spec, ctx);
    };
    // An outer join retracts its NULL-padded rows; any join passes its inputs' retractions on.
    const bool updating = updating_input || type != engine::JoinType::kInner;
    if (updating) q.changelog = PlannedQuery::Changelog::kUpdating;
    q.plan.push_back(fmt::format("Join(joinType=[{}], where=[{}], state.ttl=[{}]{})", engine::JoinTypeName(type),
                                 key_text, ttl ? std::to_string(ttl) + "ms" : "none",
                                 updating ? ", changelog=[+I, -D]" : ""));
  }
  q.scope = joined;
  q.time_column = -1;
  if (!residual.empty()) {
    ExprBinder binder(source(), &q.scope, catalog_);
    engine::Expr filter;
    for (const Expr* c : residual) {
      SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*c));
      filter = filter.valid() ? (filter && e) : e;
    }
    SLUICE_RETURN_IF_ERROR(AddCalc(&q, filter, {}, {}, "Calc(where=[" + filter.ToString() + "])"));
  }
  return q;
}

Status Planner::PushDownOuterJoinConditions(engine::JoinType type, const Scope& joined,
                                            std::vector<const Expr*>* residual, PlannedQuery* left,
                                            PlannedQuery* right) {
  if (type == engine::JoinType::kInner) return Status::Ok();
  // Only the side that gets NULL-padded may be filtered before the join: a
  // row of it failing the condition matches nothing, as if it were not there.
  // A condition on the kept side decides whether its row is padded, which the
  // join operator cannot do yet.
  PlannedQuery* padded = type == engine::JoinType::kLeft ? right : type == engine::JoinType::kRight ? left : nullptr;
  for (const Expr* c : *residual) {
    ExprBinder whole(source(), &joined);
    std::optional<engine::Expr> filter;
    if (padded && whole.Bind(*c).ok()) {
      ExprBinder side(source(), &padded->scope);
      auto bound = side.BindTyped(*c);
      if (bound.ok() && bound->second == engine::DataType::kBool) filter = bound->first;
    }
    if (!filter) {
      return Error(c->pos, fmt::format("a {}'s ON takes equalities between the two sides, time bounds{} only; "
                                       "other conditions in the ON of an outer join are not supported yet",
                                       SqlJoinName(type),
                                       type == engine::JoinType::kLeft    ? " and conditions on the right side"
                                       : type == engine::JoinType::kRight ? " and conditions on the left side"
                                                                          : ""));
    }
    SLUICE_RETURN_IF_ERROR(AddCalc(padded, *filter, {}, {}, "Calc(where=[" + filter->ToString() + "])"));
  }
  residual->clear();
  return Status::Ok();
}

Result<PlannedQuery> Planner::PlanWindowJoin(const JoinTableRef& ref, engine::JoinType type, const Expr* on,
                                             const Expr* where, PlannedQuery left, PlannedQuery right) {
  if (!left.pending_window || !right.pending_window) {
    return Error(ref.pos,
                 "a window join needs a window table function on both sides (TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
                 "...)) or a SELECT * over one); an interval join bounds the time of an unwindowed input");
  }
  if (left.pending_window->kind == engine::WindowKind::kSession) {
    return Error(ref.left->pos, "window joins over SESSION windows are not supported; use TUMBLE, HOP or CUMULATE");
  }
  if (left.pending_window->ToString() != right.pending_window->ToString()) {
    return Error(ref.pos, fmt::format("a window join needs the same window on both sides, not {} and {}",
                                      left.pending_window->ToString(), right.pending_window->ToString()));
  }
  // Each side's scope gets its window columns, as the TVF's output has them.
  const int nl = left.scope.schema.size(), nr = right.scope.schema.size();
  Scope joined = left.scope;
  const std::string lq = nl > 0 ? left.scope.qualifiers[0] : "", rq = nr > 0 ? right.scope.qualifiers[0] : "";
  for (const char* n : {"window_start", "window_end", "window_time"})
    joined.Add(lq, engine::Field{n, engine::DataType::kTimestamp});
  for (int i = 0; i < nr; ++i) joined.Add(right.scope.qualifiers[i], right.scope.schema.field(i));
  for (const char* n : {"window_start", "window_end", "window_time"})
    joined.Add(rq, engine::Field{n, engine::DataType::kTimestamp});
  const int right_at = nl + 3;
  auto side_of = [&](const Expr& e, int* side, int* index) -> bool {
    if (e.kind != ExprKind::kColumnRef) return false;
    ExprBinder binder(source(), &joined);
    auto b = binder.Bind(e);
    if (!b.ok() || b->node().kind != engine::ExprKind::kColumn) return false;
    const int i = b->node().column_index;
    *side = i < right_at ? 0 : 1;
    *index = i < right_at ? i : i - right_at;
    return true;
  };
  std::vector<const Expr*> conjuncts;
  if (on) CollectConjuncts(*on, &conjuncts);
  if (where) CollectConjuncts(*where, &conjuncts);
  const Expr* condition = on ? on : where;
  bool same_start = false, same_end = false;
  std::vector<int> left_keys, right_keys;
  std::string key_text;
  std::vector<const Expr*> residual;
  for (const Expr* c : conjuncts) {
    int ls, li, rs, ri;
    if (c->kind != ExprKind::kBinary || c->As<BinaryExpr>().op != BinaryOp::kEq ||
        !side_of(*c->As<BinaryExpr>().left, &ls, &li) || !side_of(*c->As<BinaryExpr>().right, &rs, &ri) || ls == rs) {
      residual.push_back(c);
      continue;
    }
    const int l = ls == 0 ? li : ri, r = ls == 0 ? ri : li;
    const bool l_window = l >= nl, r_window = r >= nr;
    if (l_window || r_window) {
      if (l - nl == 0 && r - nr == 0) {
        same_start = true;
      } else if (l - nl == 1 && r - nr == 1) {
        same_end = true;
      } else {
        return Error(c->pos,
                     "a window join equates window_start with window_start and window_end with window_end (the "
                     "window columns are not join keys)");
      }
      continue;
    }
    SLUICE_RETURN_IF_ERROR(AddJoinKey(*c, left, right, l, r, &left_keys, &right_keys, &key_text));
  }
  if (!same_start || !same_end) {
    return Error(condition->pos,
                 "a window join needs L.window_start = R.window_start AND L.window_end = R.window_end in its ON");
  }
  if (left_keys.empty()) {
    return Error(condition->pos,
                 "a window join needs at least one equality between key columns of each side (e.g. L.id = R.id)");
  }
  SLUICE_RETURN_IF_ERROR(PushDownOuterJoinConditions(type, joined, &residual, &left, &right));
  engine::WindowJoinSpec spec{left_keys,
                              right_keys,
                              left.time_column,
                              right.time_column,
                              *left.pending_window,
                              type,
                              engine::WindowJoinSpec::WindowColumns::kPerSide};
  const std::string window_text = left.pending_window_text;
  left.pending_window.reset();
  right.pending_window.reset();
  PlannedQuery q = MeetIn(left, right, left_keys, right_keys, "join keys");
  q.graph.stages.back().join =
      [spec](const engine::Schema& l, const engine::Schema& r,
             const engine::OperatorContext& ctx) -> Result<std::unique_ptr<engine::TwoInputOperator>> {
    SLUICE_ASSIGN_OR_RETURN(auto op, engine::WindowJoinOperator::Create(l, r, spec, ctx));
    return std::unique_ptr<engine::TwoInputOperator>(std::move(op));
  };
  q.plan.push_back(fmt::format("WindowJoin(joinType=[{}], where=[{}], window=[{}])", engine::JoinTypeName(type),
                               key_text, window_text));
  q.scope = joined;
  q.time_column = -1;
  // The rows of a window are emitted when it closes, as a window
  // aggregation's are: grouping by the window columns of a side that is
  // never NULL-padded aggregates the same windows again.
  if (type != engine::JoinType::kFull) {
    const int at = type == engine::JoinType::kRight ? right_at + nr : nl;
    q.window_columns = PlannedQuery::WindowColumns{at, at + 1, window_text};
  }
  if (!residual.empty()) {
    ExprBinder binder(source(), &q.scope);
    engine::Expr filter;
    for (const Expr* c : residual) {
      SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*c));
      filter = filter.valid() ? (filter && e) : e;
    }
    SLUICE_RETURN_IF_ERROR(AddCalc(&q, filter, {}, {}, "Calc(where=[" + filter.ToString() + "])"));
  }
  return q;
}

}  // namespace sluice::sql
