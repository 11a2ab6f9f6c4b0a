#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/connector_registry.h"
#include "engine/memory_source.h"
#include "engine/sink.h"

namespace sluice::sqltest {

// The test suite's 'connector' = 'memory': a source whose rows the test file
// feeds per table and partition (in the given order, so out-of-order, late
// and duplicate rows stay where the test put them), and a sink that collects
// what a job wrote, per table. Bounded: a source ends after its rows.
//
// Thread-safety: thread-safe.
class MemoryConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "memory"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& table,
                                                       const engine::ConnectorContext& ctx) override;
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& table,
                                                   const engine::ConnectorContext& ctx) override;

  // Appends a row (one text value per column) to a table's partition. The
  // values are parsed when a source is created, against its schema.
  void AddRow(const std::string& table, int partition, std::vector<std::string> row);
  // A record of a table's partition that cannot be decoded: its readers
  // skip it, counting it and, when the job has a dead-letter output, giving
  // it as a DeadLetter (reason "undecodable test record", position
  // "<table>[<partition>] bad record <n>"), on the first Read() of a fresh
  // (not restored) reader.
  void AddBadRecord(const std::string& table, int partition, std::string raw);
  void ClearRows(const std::string& table);
  // Rows the last sink of `table` received, in arrival order (empty if none).
  std::vector<engine::CollectedRow> SinkRows(const std::string& table) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::vector<std::vector<std::string>>>> rows_;  // table → partition → row
  std::map<std::string, std::shared_ptr<engine::CollectingSink>> sinks_;
  std::map<std::string, std::vector<std::vector<std::string>>> bad_;  // table → partition → raw records
};

// Parses a text value of a test file ("NULL", "42", "2024-01-01 00:00:01.500", "abc") as `type`.
Result<engine::Value> ParseTestValue(const std::string& text, engine::DataType type);
// "+I[a, 1, 2024-01-01 00:00:01.000]", Flink's print format.
std::string FormatChangelogRow(const engine::CollectedRow& row);
std::string FormatRow(const std::vector<engine::Value>& values);

}  // namespace sluice::sqltest
