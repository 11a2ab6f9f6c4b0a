#include "sql/catalog.h"

#include <fmt/format.h>

#include "sql/syntax_error.h"

namespace sluice::sql {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool CatalogEntry::has_computed_columns() const {
  for (const CatalogColumn& c : columns) {
    if (c.kind == ColumnKind::kComputed) return true;
  }
  return false;
}

std::vector<int> CatalogEntry::ConnectorColumns(Use use) const {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
    const CatalogColumn& c = columns[i];
    if (c.kind == ColumnKind::kComputed) continue;
    if (use == Use::kSink && c.kind == ColumnKind::kMetadata && c.virtuality == Virtuality::kVirtual) continue;
    out.push_back(i);
  }
  return out;
}

engine::TableDescriptor CatalogEntry::Descriptor(Use use) const {
  engine::TableDescriptor d;
  d.name = name;
  std::vector<engine::Field> fields;
  for (int i : ConnectorColumns(use)) {
    const CatalogColumn& c = columns[i];
    fields.push_back({c.name, c.type});
    d.metadata_keys.push_back(c.kind == ColumnKind::kMetadata ? c.metadata_key : "");
  }
  d.schema = engine::Schema(std::move(fields));
  d.options = options;
  d.primary_key = primary_key;
  d.partition_keys = partition_keys;
  return d;
}

Status Catalog::Add(CatalogEntry entry, Existence existence, SourcePos pos, std::string_view source) {
  auto it = entries_.find(entry.name);
  if (it != entries_.end()) {
    if (existence == Existence::kIfNotExists) return Status::Ok();
    return SyntaxError(source, pos,
                       fmt::format("{} {} already exists; DROP it first or use CREATE ... IF NOT EXISTS",
                                   it->second.kind == CatalogEntry::Kind::kView ? "view" : "table", entry.name));
  }
  std::string name = entry.name;
  entries_.emplace(std::move(name), std::move(entry));
  return Status::Ok();
}

Status Catalog::Drop(const DropStatement& drop, std::string_view source) {
  std::string name = drop.name.parts.empty() ? "" : drop.name.parts.back().name;
  auto it = entries_.find(name);
  bool want_view = drop.object == ObjectKind::kView;
  if (drop.object == ObjectKind::kFunction) return DropFunction(drop, source);
  if (it == entries_.end() || (it->second.kind == CatalogEntry::Kind::kView) != want_view ||
      (drop.persistence == Persistence::kTemporary && it->second.persistence != Persistence::kTemporary)) {
    if (drop.absence == Absence::kIfExists) return Status::Ok();
    return SyntaxError(source, drop.name.pos(),
                       fmt::format("{}{} {} does not exist; SHOW TABLES lists what there is",
                                   drop.persistence == Persistence::kTemporary ? "temporary " : "",
                                   want_view ? "view" : "table", name));
  }
  entries_.erase(it);
  return Status::Ok();
}

const CatalogEntry* Catalog::Find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const CatalogEntry*> Catalog::Entries() const {
  std::vector<const CatalogEntry*> out;
  for (const auto& [name, e] : entries_) out.push_back(&e);
  return out;
}

Status Catalog::AddFunction(CatalogFunction function, Existence existence, SourcePos pos, std::string_view source) {
  std::string key = Lower(function.name);
  if (functions_.count(key)) {
    if (existence == Existence::kIfNotExists) return Status::Ok();
    return SyntaxError(source, pos,
                       fmt::format("function {} already exists; DROP FUNCTION it first or use CREATE FUNCTION IF NOT "
                                   "EXISTS",
                                   function.name));
  }
  functions_.emplace(std::move(key), std::move(function));
  return Status::Ok();
}

Status Catalog::DropFunction(const DropStatement& drop, std::string_view source) {
  std::string name = drop.name.parts.empty() ? "" : drop.name.parts.back().name;
  auto it = functions_.find(Lower(name));
  if (it == functions_.end() ||
      (drop.persistence == Persistence::kTemporary && it->second.persistence != Persistence::kTemporary)) {
    if (drop.absence == Absence::kIfExists) return Status::Ok();
    return SyntaxError(source, drop.name.pos(),
                       fmt::format("{}function {} does not exist; SHOW FUNCTIONS lists the created ones",
                                   drop.persistence == Persistence::kTemporary ? "temporary " : "", name));
  }
  functions_.erase(it);
  return Status::Ok();
}

const CatalogFunction* Catalog::FindFunction(std::string_view name) const {
  auto it = functions_.find(Lower(name));
  return it == functions_.end() ? nullptr : &it->second;
}

std::vector<const CatalogFunction*> Catalog::Functions() const {
  std::vector<const CatalogFunction*> out;
  for (const auto& [name, f] : functions_) out.push_back(&f);
  return out;
}

std::string Catalog::Get(std::string_view key, std::string_view fallback) const {
  auto it = options_.find(key);
  return it == options_.end() ? std::string(fallback) : it->second;
}

}  // namespace sluice::sql
