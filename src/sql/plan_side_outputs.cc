// Side outputs of a query's sources: the late-data table
// ('late-data.table' = 't'), where rows that a window aggregation or a join
// drops as late are written whole.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sql/late_row_sink.h"
#include "sql/planner.h"

namespace sluice::sql {

namespace {

constexpr std::string_view kLateDataTable = "late-data.table";

}  // namespace

Status Planner::RegisterLateTable(const CatalogEntry& table, const engine::Source* source) {
  auto it = table.options.find(std::string(kLateDataTable));
  if (it == table.options.end()) return Status::Ok();
  const std::string& name = it->second;
  const CatalogEntry* late = catalog_->Find(name);
  if (!late) {
    return Status::InvalidArgument(
        fmt::format("table {}: 'late-data.table' names {}, which is not a table; create it first with CREATE TABLE "
                    "{} (...) WITH ('connector' = ...) holding some of {}'s columns",
                    table.name, name, name, table.name));
  }
  if (late->kind == CatalogEntry::Kind::kView) {
    return Status::InvalidArgument(
        fmt::format("table {}: 'late-data.table' names {}, which is a view; late rows need a table to go to",
                    table.name, name));
  }
  if (late->name == table.name) {
    return Status::InvalidArgument(
        fmt::format("table {}: 'late-data.table' names the table itself; name another table", table.name));
  }
  engine::TableDescriptor desc = late->Descriptor(CatalogEntry::Use::kSink);
  if (desc.schema.size() == 0) {
    return Status::InvalidArgument(fmt::format("late-data table {} has no writable columns", name));
  }
  for (const auto& f : desc.schema.fields()) {
    auto c = std::find_if(table.columns.begin(), table.columns.end(),
                          [&](const CatalogColumn& col) { return col.name == f.name; });
    if (c == table.columns.end()) {
      return Status::InvalidArgument(
          fmt::format("late-data table {} has column {}, which {} does not have; a late table holds some of its "
                      "source's columns, by name",
                      name, f.name, table.name));
    }
    if (c->type != f.type) {
      return Status::InvalidArgument(fmt::format(
          "late-data table {}: column {} is {} there but {} in {}; declare it with the source's type", name, f.name,
          SqlTypeName(f.type), SqlTypeName(c->type), table.name));
    }
  }
  late_targets_.push_back({source, LateTarget{&table, late}});
  return Status::Ok();
}

const Planner::LateTarget* Planner::LateTargetOf(const PlannedQuery& q) const {
  if (q.graph.stages.empty()) return nullptr;
  for (const auto& src : q.graph.stages.back().sources) {
    for (const auto& [s, target] : late_targets_) {
      if (s == src.get()) return &target;
    }
  }
  return nullptr;
}

Status Planner::AddLatePassThrough(const PlannedQuery& q, SourcePos pos,
                                   std::vector<engine::Projection>* pre) const {
  const LateTarget* t = LateTargetOf(q);
  if (!t) return Status::Ok();
  engine::TableDescriptor desc = t->late_table->Descriptor(CatalogEntry::Use::kSink);
  for (const auto& f : desc.schema.fields()) {
    auto idx = q.scope.schema.IndexOf(f.name);
    if (!idx.ok()) {
      return Error(pos, fmt::format("late-data table {}: column {} of {} is not visible to this window aggregation; "
                                    "keep it in the subquery or view that reads {}",
                                    t->late_table->name, f.name, t->source_table->name, t->source_table->name));
    }
    pre->push_back({ColRef(*idx, f.name), "$late." + f.name});
  }
  return Status::Ok();
}

Status Planner::CheckLateColumns(const PlannedQuery& q, SourcePos pos) const {
  const LateTarget* t = LateTargetOf(q);
  if (!t) return Status::Ok();
  engine::TableDescriptor desc = t->late_table->Descriptor(CatalogEntry::Use::kSink);
  for (const auto& f : desc.schema.fields()) {
    if (!q.scope.schema.IndexOf(f.name).ok()) {
      return Error(pos, fmt::format("late-data table {}: column {} of {} is not visible to this join; keep it in the "
                                    "subquery or view that reads {}",
                                    t->late_table->name, f.name, t->source_table->name, t->source_table->name));
    }
  }
  return Status::Ok();
}

Status Planner::AttachLateTables(engine::JobSpec* spec, std::vector<std::shared_ptr<engine::Sink>>* owned) const {
  if (late_targets_.empty()) return Status::Ok();
  std::map<const CatalogEntry*, engine::Sink*> sinks;  // one per late table and job
  for (auto& stage : spec->stages) {
    for (auto& in : stage.inputs) {
      if (in.late_sink || in.stage < 0) continue;
      const auto& from = spec->stages[in.stage];
      const LateTarget* target = nullptr;
      for (const auto& src : from.sources) {
        for (const auto& [s, t] : late_targets_) {
          if (s == src.get()) target = &t;
        }
      }
      if (!target) continue;
      auto it = sinks.find(target->late_table);
      if (it == sinks.end()) {
        engine::TableDescriptor desc = target->late_table->Descriptor(CatalogEntry::Use::kSink);
        auto sink = registry_->CreateSink(desc, ctx_);
        if (!sink.ok()) {
          return Status::InvalidArgument(fmt::format("cannot write late-data table {}: {}", target->late_table->name,
                                                     sink.status().message()));
        }
        auto late = std::make_shared<LateRowSink>(target->late_table->name, desc.schema, *sink);
        owned->push_back(late);
        it = sinks.emplace(target->late_table, late.get()).first;
      }
      in.late_sink = it->second;
    }
  }
  return Status::Ok();
}

}  // namespace sluice::sql
