// Projection push-down: a source reads only the columns the statement can
// use. Which ones is decided conservatively, by name: a column is read when
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

}  // namespace sluice::sql
