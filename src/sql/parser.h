#pragma once

#include <string_view>

#include "common/result.h"
#include "sql/ast.h"

namespace sluice::sql {

// Limits that keep the parser's stack (and the tree's height) bounded on any
// input, so deeply nested SQL is a clear error instead of a stack overflow.
// Nesting counts parentheses, subqueries, prefix operators and nested types;
// height counts tree levels, including long left-deep operator chains such as
// `a + b + c ...` or `x UNION y UNION z ...`.
inline constexpr int kMaxNestingDepth = 200;
inline constexpr int kMaxTreeHeight = 3000;

// Parses a script of `;`-separated statements (empty statements are skipped;
// the SQL client's `BEGIN STATEMENT SET; ... END;` is accepted as well as
// `EXECUTE STATEMENT SET BEGIN ... END`). Recursive descent, linear in the
// input, no exceptions.
//
// Errors are InvalidArgument Statuses whose message starts with
// `line L:C: expected X ..., found Y` followed by the offending line and a
// caret under the column (see syntax_error.h).
//
// Thread-safety: a pure function; call it from any thread.
Result<Script> ParseScript(std::string_view sql);

// Parses exactly one statement (a trailing `;` is allowed).
Result<StatementPtr> ParseStatement(std::string_view sql);

// Parses one scalar expression, e.g. a computed column's `TO_TIMESTAMP_LTZ(ts, 3)`.
Result<ExprPtr> ParseExpression(std::string_view sql);

}  // namespace sluice::sql
