#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/schema.h"
#include "engine/sink.h"
#include "engine/source.h"

namespace sluice::engine {

// What a CREATE TABLE says about where rows come from or go to, as a
// connector sees it. The SQL layer fills it; connectors (src/connectors)
// turn it into a Source or a Sink.
struct TableDescriptor {
  std::string name;  // the table's name, for error messages
  // The columns the connector reads or writes, in order (computed columns
  // are not here: the planner evaluates them after the source).
  Schema schema;
  // Per column of `schema`: "" for a column of the record's payload, else the
  // metadata key it is read from or written to (Flink's `METADATA FROM 'k'`),
  // e.g. "timestamp", "partition", "offset", "key", "headers".
  std::vector<std::string> metadata_keys;
  // The WITH ('k' = 'v', ...) options, keys as written.
  std::map<std::string, std::string> options;
  // Event-time column of `schema` ("" = none) and its watermark strategy.
  std::string event_time_column;
  WatermarkStrategy watermark;
  std::vector<std::string> primary_key;
  // PARTITIONED BY (...): columns of `schema` whose values name the
  // directories (or partitions) rows are stored under, in order.
  std::vector<std::string> partition_keys;
  // Projection push-down (sources): per column of `schema`, whether the query
  // reads it; empty = every column. A connector may leave an unread column
  // NULL instead of decoding it (the row formats do); it must still produce
  // every column of `schema`.
  std::vector<bool> read_columns;
  // Filter push-down (sources): per partition column, the values (as
  // written in the query, e.g. "2024-01-01") a row must have in it to pass
  // the query's WHERE; a partitioned source may skip other partitions. The
  // query still filters every row, so a source may ignore this.
  std::vector<std::pair<std::string, std::vector<std::string>>> partition_filter;

  // The option's value, or `fallback` when absent.
  std::string Option(std::string_view key, std::string_view fallback = "") const;
  // The option's value, or InvalidArgument naming the table and the option.
  Result<std::string> RequiredOption(std::string_view key) const;
};

// Where a job runs, for connectors that need it.
struct ConnectorContext {
  // The process's data dir: the embedded log lives under it (`sluice run
  // --data-dir`, or the server's). Empty when there is none.
  std::filesystem::path data_dir;
  int parallelism = 1;
};

// Makes sources and sinks for one value of the 'connector' option.
//
// Thread-safety: Create*() may be called from any thread.
class ConnectorFactory {
 public:
  virtual ~ConnectorFactory() = default;
  virtual std::string name() const = 0;  // the 'connector' option value, e.g. "filesystem"
  // InvalidArgument (naming the option) for bad options; Unsupported when the
  // connector cannot be a source (or a sink).
  virtual Result<std::shared_ptr<Source>> CreateSource(const TableDescriptor& table, const ConnectorContext& ctx) = 0;
  virtual Result<std::shared_ptr<Sink>> CreateSink(const TableDescriptor& table, const ConnectorContext& ctx) = 0;
};

// The connectors a process knows, by name. The binary registers the
// implementations at start-up (src/connectors: RegisterBuiltinConnectors);
// the SQL planner looks them up by the table's 'connector' option.
//
// Thread-safety: thread-safe.
class ConnectorRegistry {
 public:
  void Register(std::shared_ptr<ConnectorFactory> factory);
  // NotFound listing the known connectors when `name` is not one of them.
  Result<ConnectorFactory*> Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  // Shortcuts: the factory named by table.options["connector"].
  Result<std::shared_ptr<Source>> CreateSource(const TableDescriptor& table, const ConnectorContext& ctx) const;
  Result<std::shared_ptr<Sink>> CreateSink(const TableDescriptor& table, const ConnectorContext& ctx) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ConnectorFactory>, std::less<>> factories_;
};

}  // namespace sluice::engine
