#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "engine/expression.h"
#include "engine/schema.h"
#include "sql/ast.h"
#include "sql/catalog.h"

namespace sluice::sql {

// The SQL type written in DDL or CAST as an engine type: BIGINT → int64;
// INT, SMALLINT, TINYINT → int32; DOUBLE, FLOAT, DECIMAL → double (DECIMAL is
// approximated); BOOLEAN → bool; STRING, VARCHAR, CHAR → string; TIMESTAMP(p)
// and TIMESTAMP_LTZ(p) → milliseconds. Anything else is an error at its
// line:column.
Result<engine::DataType> ToEngineType(const DataType& type, std::string_view source);
// "BIGINT", "TIMESTAMP(3)" ... as DESCRIBE prints an engine type.
std::string SqlTypeName(engine::DataType type);

// The columns visible to an expression: the input schema of the operator
// that will evaluate it, each column with the table name or alias that
// qualifies it ("" for none).
struct Scope {
  engine::Schema schema;
  std::vector<std::string> qualifiers;  // parallel to schema fields

  void Add(std::string qualifier, engine::Field field) {
    qualifiers.push_back(std::move(qualifier));
    std::vector<engine::Field> f = schema.fields();
    f.push_back(std::move(field));
    schema = engine::Schema(std::move(f));
  }
};

// A reference to column `index`, labelled `name` in plans (EXPLAIN).
engine::Expr ColRef(int index, std::string name);

// True for a call of COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE or LAST_VALUE
// without OVER.
bool IsAggregateCall(const Expr& e);
// Appends every aggregate call under `e` (not descending into them).
void CollectAggregates(const Expr& e, std::vector<const FunctionCallExpr*>* out);
// The outermost calls in `e` (not below a match) for which `match` is true.
void CollectCalls(const Expr& e, bool (*match)(const Expr&), std::vector<const FunctionCallExpr*>* out);
// The milliseconds of an INTERVAL literal.
Result<int64_t> IntervalMillis(const Expr& e, std::string_view source);

// Turns a syntax-tree expression into an engine expression over a Scope:
// resolves names (case-sensitively, as Flink), maps operators and functions
// onto the engine's (IN → OR of =, BETWEEN → AND, ABS/IF/MOD → CASE and %,
// TO_TIMESTAMP_LTZ → CAST, INTERVAL → milliseconds), and type-checks the
// result with the engine's implicit casts (INT → BIGINT → DOUBLE). Errors are
// `line L:C: ...` naming the construct and what to do.
//
// Thread-safety: not thread-safe; a short-lived helper.
class ExprBinder {
 public:
  enum class Mode { kPlain, kAfterAggregate };
  ExprBinder(std::string_view source, const Scope* scope, Mode mode = Mode::kPlain)
      : source_(source), scope_(scope), mode_(mode) {}
  // With `functions`, calls of functions made by CREATE FUNCTION bind too
  // (after the built-in functions: a built-in name wins).
  ExprBinder(std::string_view source, const Scope* scope, const Catalog* functions, Mode mode = Mode::kPlain)
      : source_(source), scope_(scope), mode_(mode), functions_(functions) {}

  // Expressions whose canonical text (Unparse) is a key here bind to that
  // column of the scope: group keys and aggregate calls after an aggregation.
  void Substitute(std::string text, engine::Expr replacement) {
    substitutions_[std::move(text)] = std::move(replacement);
  }

  // Nodes of `decided` (conjuncts of a WHERE that the planner already turned
  // into a semi-join, e.g. `k IN (SELECT ...)`) bind to TRUE. Must outlive
  // the binder.
  void set_decided(const std::unordered_set<const Expr*>* decided) { decided_ = decided; }

  Result<engine::Expr> Bind(const Expr& e);
  // Bind() plus the result's type.
  Result<std::pair<engine::Expr, engine::DataType>> BindTyped(const Expr& e);

 private:
  Result<engine::Expr> BindInner(const Expr& e);
  Result<engine::Expr> BindCall(const FunctionCallExpr& call);
  Result<engine::Expr> BindJson(const FunctionCallExpr& call, const std::string& name,
                                const std::vector<engine::Expr>& args);
  Result<engine::Expr> BindLiteral(const LiteralExpr& lit);
  Result<engine::DataType> TypeOf(const engine::Expr& expr, const Expr& at);
  Status Error(SourcePos pos, std::string_view message) const;

  std::string_view source_;
  const Scope* scope_;
  Mode mode_;
  const Catalog* functions_ = nullptr;
  const std::unordered_set<const Expr*>* decided_ = nullptr;
  std::map<std::string, engine::Expr> substitutions_;
};

}  // namespace sluice::sql
