// VALUES and SELECT without FROM, as Flink plans them: a bounded table of
// constant rows.
//   INSERT INTO t VALUES (1, 'a'), (2, 'b');
//   SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, name);
//   SELECT UPPER('x'), 1 + 2;                 -- one row, no FROM
// Each expression is evaluated once, when the statement is planned, and the
// rows become an in-memory source with one split: a job over it runs to
// completion like any bounded source (end of input fires every window).

#include <fmt/format.h>

#include "engine/batch.h"
#include "engine/memory_source.h"
#include "sql/planner.h"

namespace sluice::sql {

namespace {

// The schema expressions over no table are evaluated against: one column,
// one row. Nothing can name it (binding uses an empty scope).
engine::Schema SingleRowSchema() { return engine::Schema({engine::Field{"$row", engine::DataType::kInt32}}); }

// `v` (not NULL) as a value of the wider numeric type `t`.
engine::Value Widen(const engine::Value& v, engine::DataType t) {
  if (v.is_null) return engine::Value::Null(t);
  if (v.type == t) return v;
  if (t == engine::DataType::kDouble) {
    return engine::Value::Double(v.type == engine::DataType::kDouble ? v.d : static_cast<double>(v.i));
  }
  if (t == engine::DataType::kInt64) return engine::Value::Int64(v.i);
  return v;
}

// VALUES rows are few and the job's batch capacity is not known here (a
// source's batches must not exceed it): one row per batch always fits.
constexpr int kValuesBatchRows = 1;

bool IsNullLiteral(const Expr& e) {
  return e.kind == ExprKind::kLiteral && e.As<LiteralExpr>().literal_kind == LiteralKind::kNull;
}

}  // namespace

Result<PlannedQuery> Planner::PlanValues(const Values& values) {
  const size_t width = values.rows.front().size();
  const engine::Schema one_row_schema = SingleRowSchema();
  engine::Batch one_row(one_row_schema, 1);
  engine::Value::Int32(0).WriteTo(&one_row.column(0), 0);
  one_row.set_num_rows(1);

  Scope empty;
  ExprBinder binder(source(), &empty, catalog_);
  std::vector<std::vector<engine::Value>> rows;
  std::vector<std::optional<engine::DataType>> types(width);  // unset while only NULLs seen
  for (size_t r = 0; r < values.rows.size(); ++r) {
    const std::vector<ExprPtr>& row = values.rows[r];
    if (row.size() != width) {
      return Error(row.empty() ? values.pos : row.front()->pos,
                   fmt::format("row {} of VALUES has {} column{}, the first row has {}", r + 1, row.size(),
                               row.size() == 1 ? "" : "s", width));
    }
    std::vector<engine::Value>& out = rows.emplace_back();
    for (size_t c = 0; c < width; ++c) {
      SLUICE_ASSIGN_OR_RETURN(engine::Expr e, binder.Bind(*row[c]));
      auto compiled = engine::CompileExpr(e, one_row_schema, 1);
      if (!compiled.ok()) return Error(row[c]->pos, compiled.status().message());
      const engine::Column* result = (*compiled)->Evaluate(one_row);
      out.push_back(engine::Value::FromColumn(*result, 0));
      if (IsNullLiteral(*row[c])) continue;  // a bare NULL takes the column's type
      const engine::DataType t = (*compiled)->type();
      if (!types[c]) {
        types[c] = t;
      } else if (auto common = UnionType(*types[c], t)) {
        types[c] = *common;
      } else {
        return Error(row[c]->pos, fmt::format("column {} of VALUES is {} in an earlier row and {} in row {}; CAST "
                                              "one of them",
                                              c + 1, SqlTypeName(*types[c]), SqlTypeName(t), r + 1));
      }
    }
  }
  std::vector<engine::Field> fields;
  for (size_t c = 0; c < width; ++c) {
    // Flink names VALUES columns EXPR$0, EXPR$1, ...; `AS v(a, b)` renames them.
    fields.push_back(engine::Field{fmt::format("EXPR${}", c), types[c].value_or(engine::DataType::kInt32)});
  }
  std::vector<std::string> tuples;
  for (auto& row : rows) {
    std::vector<std::string> text;
    for (size_t c = 0; c < width; ++c) {
      row[c] = Widen(row[c], fields[c].type);
      text.push_back(row[c].type == engine::DataType::kString && !row[c].is_null ? "'" + row[c].ToString() + "'"
                                                                                 : row[c].ToString());
    }
    tuples.push_back(fmt::format("{{ {} }}", fmt::join(text, ", ")));
  }
  engine::Schema schema(std::move(fields));
  SLUICE_ASSIGN_OR_RETURN(
      std::shared_ptr<engine::MemorySource> src,
      engine::MemorySource::Create(schema, {std::move(rows)}, "", engine::WatermarkStrategy{}, kValuesBatchRows));
  PlannedQuery q;
  q.graph.stages.emplace_back().sources.push_back(std::move(src));
  for (const auto& f : schema.fields()) q.scope.Add("", f);
  q.plan.push_back(fmt::format("Values(tuples=[{}])", fmt::join(tuples, ", ")));
  return q;
}

Result<PlannedQuery> Planner::PlanSingleRow() {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<engine::MemorySource> src,
                          engine::MemorySource::Create(SingleRowSchema(), {{{engine::Value::Int32(0)}}}, "",
                                                       engine::WatermarkStrategy{}, kValuesBatchRows));
  PlannedQuery q;
  q.graph.stages.emplace_back().sources.push_back(std::move(src));
  // In scope, but no identifier can name it ('$' does not start one) and
  // PlanSelect rejects `*` without FROM.
  q.scope.Add("", SingleRowSchema().field(0));
  q.plan.push_back("Values(tuples=[{ 0 }])");
  return q;
}

}  // namespace sluice::sql
