#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/connector_registry.h"
#include "engine/scalar_function.h"
#include "engine/schema.h"
#include "sql/ast.h"

namespace sluice::sql {

// One column of a catalog table as CREATE TABLE declared it.
struct CatalogColumn {
  std::string name;
  engine::DataType type = engine::DataType::kInt64;
  ColumnKind kind = ColumnKind::kPhysical;
  std::string metadata_key;  // kMetadata: the key (defaults to the column name)
  Virtuality virtuality = Virtuality::kStored;
  const Expr* computed = nullptr;  // kComputed: owned by the table's statement
  std::string type_text;           // as DESCRIBE prints it, e.g. "TIMESTAMP(3)"
};

// A table or a view of the catalog. Tables keep their CREATE TABLE
// statement alive (computed-column and watermark expressions point into it);
// views keep their query.
struct CatalogEntry {
  enum class Kind { kTable, kView } kind = Kind::kTable;
  std::string name;
  Persistence persistence = Persistence::kPermanent;
  std::shared_ptr<const Statement> statement;      // CreateTableStatement or CreateViewStatement
  std::shared_ptr<const std::string> source_text;  // the script it came from, for error positions
  // Tables: columns, options, the rowtime column and its watermark expression.
  std::vector<CatalogColumn> columns;
  std::map<std::string, std::string> options;
  std::string rowtime;  // "" = no WATERMARK FOR
  const Expr* watermark_expr = nullptr;
  std::vector<std::string> primary_key;
  std::vector<std::string> partition_keys;  // PARTITIONED BY
  // Views: the query and the column names it was given (may be empty).
  const Query* view_query = nullptr;
  std::vector<std::string> view_columns;

  bool has_computed_columns() const;
  // The columns a connector reads (physical and metadata) or writes
  // (physical and non-VIRTUAL metadata), in order, with their metadata keys,
  // options and primary key. Event time is filled by the planner.
  enum class Use { kSource, kSink };
  engine::TableDescriptor Descriptor(Use use) const;
  // Indices into `columns` of the descriptor's columns, in its order.
  std::vector<int> ConnectorColumns(Use use) const;
};

// A function made by CREATE FUNCTION name AS 'class.Name': the name SQL
// calls it by and the C++ implementation registered under the class name.
struct CatalogFunction {
  std::string name;  // as written; calls match it case-insensitively
  std::string class_name;
  Persistence persistence = Persistence::kPermanent;
  const engine::ScalarFunction* impl = nullptr;  // from engine::ScalarFunctionRegistry; never null
};

// The tables and views of one SQL session, plus its SET options. Names are
// case-sensitive, as Flink's. A temporary table shadows nothing here (one
// namespace); DROP TEMPORARY TABLE only drops temporary ones.
//
// Thread-safety: not thread-safe; owned by one session.
class Catalog {
 public:
  Status Add(CatalogEntry entry, Existence existence, SourcePos pos, std::string_view source);
  Status Drop(const DropStatement& drop, std::string_view source);
  const CatalogEntry* Find(std::string_view name) const;
  std::vector<const CatalogEntry*> Entries() const;  // by name

  // User-defined functions. Names are case-insensitive (as Flink's).
  Status AddFunction(CatalogFunction function, Existence existence, SourcePos pos, std::string_view source);
  const CatalogFunction* FindFunction(std::string_view name) const;
  std::vector<const CatalogFunction*> Functions() const;  // by name

  // SET / RESET; Get returns `fallback` when unset.
  void Set(const std::string& key, const std::string& value) { options_[key] = value; }
  void Reset(const std::string& key) { options_.erase(key); }
  void ResetAll() { options_.clear(); }
  std::string Get(std::string_view key, std::string_view fallback = "") const;
  const std::map<std::string, std::string, std::less<>>& options() const { return options_; }

 private:
  Status DropFunction(const DropStatement& drop, std::string_view source);

  std::map<std::string, CatalogEntry, std::less<>> entries_;
  std::map<std::string, CatalogFunction, std::less<>> functions_;  // by lower-case name
  std::map<std::string, std::string, std::less<>> options_;
};

}  // namespace sluice::sql
