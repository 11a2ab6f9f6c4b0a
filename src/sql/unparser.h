#pragma once

#include <string>
#include <string_view>

#include "sql/ast.h"

namespace sluice::sql {

// Prints a tree back as canonical Flink SQL: keywords upper-case, one space
// between tokens, identifiers backquoted only when needed (not a plain word,
// or a keyword), parentheses only where precedence needs them, options and
// literals as written. Parsing the output gives the same tree again, so
// print -> parse -> print is a fixpoint (the tests and the fuzz target check
// this). Used by tests and by EXPLAIN.
//
// Thread-safety: pure functions.
std::string Unparse(const Script& script);  // statements joined by ";\n", ending with ";"
std::string Unparse(const Statement& statement);
std::string Unparse(const Query& query);
std::string Unparse(const Expr& expr);
std::string Unparse(const DataType& type);

// `name` bare when it lexes back as the same non-keyword word, else in
// backquotes with ` doubled.
std::string QuoteIdentifier(std::string_view name);

}  // namespace sluice::sql
