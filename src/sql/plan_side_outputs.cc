// Side outputs of a query's sources: the late-data table
// ('late-data.table' = 't'), where rows that a window aggregation or a join
// drops as late are written whole, and the dead-letter table
// ('dead-letter.table' = 't'), where records the source cannot decode go.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sql/planner.h"
#include "sql/side_output_sink.h"

namespace sluice::sql {

namespace {

constexpr std::string_view kLateDataTable = "late-data.table";
constexpr std::string_view kDeadLetterTable = "dead-letter.table";
// A late-data table column that is no source column: the watermark of its
// source partition that the row was behind.
constexpr std::string_view kLateWatermarkColumn = "late_watermark";

// The columns a dead-letter table may have (engine::DeadLetterSchema() plus
// the source table's name).
constexpr std::string_view kDeadLetterColumns =
    "raw STRING, reason STRING, position STRING, source STRING, ts TIMESTAMP_LTZ(3)";

bool IsDeadLetterColumn(const engine::Field& f) {
  if (f.name == "source") return f.type == engine::DataType::kString;
  auto idx = engine::DeadLetterSchema().IndexOf(f.name);
  return idx.ok() && engine::DeadLetterSchema().field(*idx).type == f.type;
}

// The side table named by option `option` of `table`, checked to be a table
// other than `table` itself.
Result<const CatalogEntry*> SideTable(const Catalog& catalog, const CatalogEntry& table, std::string_view option,
                                      std::string_view holding) {
  const std::string& name = table.options.at(std::string(option));
  const CatalogEntry* side = catalog.Find(name);
  if (!side) {
    return Status::InvalidArgument(
        fmt::format("table {}: '{}' names {}, which is not a table; create it first with CREATE TABLE {} (...) WITH "
                    "('connector' = ...) holding {}",
                    table.name, option, name, name, holding));
  }
  if (side->kind == CatalogEntry::Kind::kView) {
    return Status::InvalidArgument(
        fmt::format("table {}: '{}' names {}, which is a view; name a table", table.name, option, name));
  }
  if (side->name == table.name) {
    return Status::InvalidArgument(
        fmt::format("table {}: '{}' names the table itself; name another table", table.name, option));
  }
  return side;
}

}  // namespace

Status Planner::RegisterLateTable(const CatalogEntry& table, const engine::Source* source) {
  if (!table.options.count(std::string(kLateDataTable))) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(const CatalogEntry* late,
                          SideTable(*catalog_, table, kLateDataTable, fmt::format("some of {}'s columns", table.name)));
  const std::string& name = late->name;
  engine::TableDescriptor desc = late->Descriptor(CatalogEntry::Use::kSink);
  if (desc.schema.size() == 0) {
    return Status::InvalidArgument(fmt::format("late-data table {} has no writable columns", name));
  }
  for (const auto& f : desc.schema.fields()) {
    auto c = std::find_if(table.columns.begin(), table.columns.end(),
                          [&](const CatalogColumn& col) { return col.name == f.name; });
    if (c == table.columns.end() && f.name == kLateWatermarkColumn) {
      if (f.type != engine::DataType::kTimestamp) {
        return Status::InvalidArgument(
            fmt::format("late-data table {}: column {} is {}; declare it TIMESTAMP(3) (the watermark the row was "
                        "behind)",
                        name, f.name, SqlTypeName(f.type)));
      }
      continue;
    }
    if (c == table.columns.end()) {
      return Status::InvalidArgument(
          fmt::format("late-data table {} has column {}, which {} does not have; a late table holds some of its "
                      "source's columns, by name",
                      name, f.name, table.name));
    }
    if (c->type != f.type) {
      return Status::InvalidArgument(
          fmt::format("late-data table {}: column {} is {} there but {} in {}; declare it with the source's type", name,
                      f.name, SqlTypeName(f.type), SqlTypeName(c->type), table.name));
    }
  }
  late_targets_.push_back({source, SideTarget{&table, late}});
  return Status::Ok();
}

Status Planner::RegisterDeadLetterTable(const CatalogEntry& table, const engine::Source* source) {
  if (!table.options.count(std::string(kDeadLetterTable))) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(const CatalogEntry* dead,
                          SideTable(*catalog_, table, kDeadLetterTable, fmt::format("some of {}", kDeadLetterColumns)));
  engine::TableDescriptor desc = dead->Descriptor(CatalogEntry::Use::kSink);
  if (desc.schema.size() == 0) {
    return Status::InvalidArgument(fmt::format("dead-letter table {} has no writable columns", dead->name));
  }
  for (const auto& f : desc.schema.fields()) {
    if (!IsDeadLetterColumn(f)) {
      return Status::InvalidArgument(
          fmt::format("dead-letter table {} has column {} {}; a dead-letter table has some of {}, by name", dead->name,
                      f.name, SqlTypeName(f.type), kDeadLetterColumns));
    }
  }
  dead_letter_targets_.push_back({source, SideTarget{&table, dead}});
  return Status::Ok();
}

const Planner::SideTarget* Planner::LateTargetOf(const PlannedQuery& q) const {
  if (q.graph.stages.empty()) return nullptr;
  for (const auto& src : q.graph.stages.back().sources) {
    for (const auto& [s, target] : late_targets_) {
      if (s == src.get()) return &target;
    }
  }
  return nullptr;
}

Status Planner::AddLatePassThrough(const PlannedQuery& q, SourcePos pos, std::vector<engine::Projection>* pre) const {
  const SideTarget* t = LateTargetOf(q);
  if (!t) return Status::Ok();
  engine::TableDescriptor desc = t->side_table->Descriptor(CatalogEntry::Use::kSink);
  for (const auto& f : desc.schema.fields()) {
    auto idx = q.scope.schema.IndexOf(f.name);
    if (!idx.ok() && f.name == kLateWatermarkColumn) continue;  // filled by the SideOutputSink
    if (!idx.ok()) {
      return Error(pos, fmt::format("late-data table {}: column {} of {} is not visible to this window aggregation; "
                                    "keep it in the subquery or view that reads {}",
                                    t->side_table->name, f.name, t->source_table->name, t->source_table->name));
    }
    pre->push_back({ColRef(*idx, f.name), "$late." + f.name});
  }
  return Status::Ok();
}

Status Planner::CheckLateColumns(const PlannedQuery& q, SourcePos pos) const {
  const SideTarget* t = LateTargetOf(q);
  if (!t) return Status::Ok();
  engine::TableDescriptor desc = t->side_table->Descriptor(CatalogEntry::Use::kSink);
  for (const auto& f : desc.schema.fields()) {
    if (!q.scope.schema.IndexOf(f.name).ok() && f.name != kLateWatermarkColumn) {
      return Error(pos, fmt::format("late-data table {}: column {} of {} is not visible to this join; keep it in the "
                                    "subquery or view that reads {}",
                                    t->side_table->name, f.name, t->source_table->name, t->source_table->name));
    }
  }
  return Status::Ok();
}

Status Planner::AttachSideOutputs(engine::JobSpec* spec, std::vector<std::shared_ptr<engine::Sink>>* owned) const {
  // Dead letters: one sink per source stage (a UNION ALL of several tables
  // uses the first one's dead-letter table, and its name as `source`).
  for (auto& stage : spec->stages) {
    if (stage.dead_letter_sink) continue;
    const SideTarget* target = nullptr;
    for (const auto& src : stage.sources) {
      for (const auto& [s, t] : dead_letter_targets_) {
        if (!target && s == src.get()) target = &t;
      }
    }
    if (!target) continue;
    engine::TableDescriptor desc = target->side_table->Descriptor(CatalogEntry::Use::kSink);
    auto sink = registry_->CreateSink(desc, ctx_);
    if (!sink.ok()) {
      return Status::InvalidArgument(
          fmt::format("cannot write dead-letter table {}: {}", target->side_table->name, sink.status().message()));
    }
    auto dead = std::make_shared<SideOutputSink>(
        "dead-letter table", target->side_table->name, desc.schema, *sink,
        std::vector<std::pair<std::string, std::string>>{{"source", target->source_table->name}});
    owned->push_back(dead);
    stage.dead_letter_sink = dead.get();
  }
  if (late_targets_.empty()) return Status::Ok();
  std::map<const CatalogEntry*, engine::Sink*> sinks;  // one per late table and job
  for (auto& stage : spec->stages) {
    for (auto& in : stage.inputs) {
      if (in.late_sink || in.stage < 0) continue;
      const auto& from = spec->stages[in.stage];
      const SideTarget* target = nullptr;
      for (const auto& src : from.sources) {
        for (const auto& [s, t] : late_targets_) {
          if (s == src.get()) target = &t;
        }
      }
      if (!target) continue;
      auto it = sinks.find(target->side_table);
      if (it == sinks.end()) {
        engine::TableDescriptor desc = target->side_table->Descriptor(CatalogEntry::Use::kSink);
        auto sink = registry_->CreateSink(desc, ctx_);
        if (!sink.ok()) {
          return Status::InvalidArgument(
              fmt::format("cannot write late-data table {}: {}", target->side_table->name, sink.status().message()));
        }
        auto late = std::make_shared<SideOutputSink>("late-data table", target->side_table->name, desc.schema, *sink,
                                                     std::vector<std::pair<std::string, std::string>>{},
                                                     SideOutputSink::LateWatermark::kColumn);
        owned->push_back(late);
        it = sinks.emplace(target->side_table, late.get()).first;
      }
      in.late_sink = it->second;
    }
  }
  return Status::Ok();
}

}  // namespace sluice::sql
