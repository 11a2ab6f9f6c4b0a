// Push-down into sources. Projection: a source reads only the columns the
// statement can use. Which ones is decided conservatively, by name: a column is read when
// its name appears anywhere in the statement's query (as the unparser prints
// it, so every clause counts: SELECT, WHERE, GROUP BY, ON, OVER, DESCRIPTOR,
// FOR SYSTEM_TIME AS OF, ...) or in any view's query, or when it is the
// table's rowtime, primary key, partition key or an input of a computed
// column. A `*` or `t.*` anywhere, or a late-data table (late rows go to it
// whole), reads every column. Reading too much costs time; reading too
// little would be wrong, so every doubt reads.

#include <fmt/format.h>

#include "sql/lexer.h"
#include "sql/planner.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Adds the names in `text` to *names; true when it selects `*` or `t.*`.
bool AddMentions(std::string_view text, std::unordered_set<std::string>* names) {
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return true;  // cannot tell: read everything
  bool star = false;
  const std::vector<Token>& t = *tokens;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].type == TokenType::kWord || t[i].type == TokenType::kQuotedIdentifier) {
      names->insert(Lower(t[i].value));
    } else if (t[i].type == TokenType::kStar && i > 0) {
      // `SELECT *`, `, *`, `t.*`, `DISTINCT *` select columns; `COUNT(*)` and
      // `a * b` do not.
      const Token& prev = t[i - 1];
      if (prev.type == TokenType::kComma || prev.type == TokenType::kDot || prev.type == TokenType::kHintEnd ||
          (prev.type == TokenType::kWord &&
           (prev.keyword == Keyword::kSELECT || prev.keyword == Keyword::kDISTINCT || prev.keyword == Keyword::kALL))) {
        star = true;
      }
    }
  }
  return star;
}

}  // namespace

void Planner::CollectColumnMentions(const Query& query) {
  ColumnMentions m;
  m.star = AddMentions(Unparse(query), &m.names);
  for (const CatalogEntry* e : catalog_->Entries()) {
    if (e->kind == CatalogEntry::Kind::kView && e->view_query) m.star |= AddMentions(Unparse(*e->view_query), &m.names);
  }
  mentions_ = std::move(m);
}

std::vector<bool> Planner::ReadColumns(const CatalogEntry& table, const engine::TableDescriptor& desc) const {
  if (!mentions_ || mentions_->star || table.options.count("late-data.table") != 0) return {};
  std::unordered_set<std::string> needed = mentions_->names;
  needed.insert(Lower(table.rowtime));
  for (const std::string& k : table.primary_key) needed.insert(Lower(k));
  for (const std::string& k : table.partition_keys) needed.insert(Lower(k));
  for (const CatalogColumn& c : table.columns) {
    if (c.kind == ColumnKind::kComputed && c.computed && AddMentions(Unparse(*c.computed), &needed)) return {};
  }
  std::vector<bool> read(desc.schema.size(), false);
  bool all = true;
  for (int i = 0; i < desc.schema.size(); ++i) {
    const bool metadata = i < static_cast<int>(desc.metadata_keys.size()) && !desc.metadata_keys[i].empty();
    read[i] = metadata || needed.count(Lower(desc.schema.field(i).name)) != 0;
    all &= read[i];
  }
  if (all) return {};
  return read;
}

namespace {

// The partition column a condition side names (`dt` or `t.dt`), or "".
std::string PartitionColumn(const Expr& e, const CatalogEntry& table, const std::string& qualifier) {
  if (e.kind != ExprKind::kColumnRef) return "";
  const auto& parts = e.As<ColumnRefExpr>().name.parts;
  if (parts.size() > 2 || (parts.size() == 2 && parts[0].name != qualifier)) return "";
  const std::string& name = parts.back().name;
  for (const std::string& k : table.partition_keys) {
    if (k == name) return k;
  }
  return "";
}

// The text of a string or integer literal (what a partition directory holds).
bool LiteralText(const Expr& e, std::string* out) {
  if (e.kind != ExprKind::kLiteral) return false;
  const auto& lit = e.As<LiteralExpr>();
  if (lit.literal_kind != LiteralKind::kString && lit.literal_kind != LiteralKind::kInteger) return false;
  *out = lit.text;
  return true;
}

}  // namespace

// Filter push-down: `col = 'v'` and `col IN ('v', ...)` conjuncts of the
// WHERE over a partitioned table name the partitions that can hold its rows;
// a filesystem source lists only those directories. The WHERE still filters
// every row afterwards.
std::vector<std::pair<std::string, std::vector<std::string>>> Planner::PartitionFilter(
    const CatalogEntry& table, const std::string& qualifier) const {
  std::vector<std::pair<std::string, std::vector<std::string>>> filter;
  if (!where_for_scan_ || table.partition_keys.empty()) return filter;
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*where_for_scan_, &conjuncts);
  for (const Expr* c : conjuncts) {
    std::string column, text;
    std::vector<std::string> values;
    if (c->kind == ExprKind::kBinary && c->As<BinaryExpr>().op == BinaryOp::kEq) {
      const auto& b = c->As<BinaryExpr>();
      column = PartitionColumn(*b.left, table, qualifier);
      if (!column.empty() && LiteralText(*b.right, &text)) values.push_back(text);
      if (column.empty()) {
        column = PartitionColumn(*b.right, table, qualifier);
        if (!column.empty() && LiteralText(*b.left, &text)) values.push_back(text);
      }
    } else if (c->kind == ExprKind::kIn && !c->As<InExpr>().subquery && c->As<InExpr>().negation == Negation::kNone) {
      const auto& in = c->As<InExpr>();
      column = PartitionColumn(*in.operand, table, qualifier);
      for (const auto& item : in.list) {
        if (!LiteralText(*item, &text)) {
          values.clear();
          break;
        }
        values.push_back(text);
      }
    }
    if (!column.empty() && !values.empty()) filter.emplace_back(column, std::move(values));
  }
  return filter;
}

}  // namespace sluice::sql
