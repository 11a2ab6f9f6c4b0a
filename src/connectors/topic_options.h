#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/connector_registry.h"

namespace sluice::connectors {

enum class StartupMode { kEarliest, kLatest, kGroupOffsets, kTimestamp };
enum class BoundedMode { kUnbounded, kLatestOffset };
// kHeaders: the record's headers as the STRING of a JSON object {"name": "value", ...}
// (Flink's MAP<STRING, BYTES>; Sluice has no MAP type yet), readable with JSON_VALUE.
enum class MetadataKind { kNone, kPartition, kOffset, kTimestamp, kKey, kTopic, kHeaders };

// The options of a 'topic' or 'kafka' table, checked once.
struct TopicOptions {
  std::string topic;
  std::string bootstrap;  // empty: the embedded log
  std::string group_id;   // 'properties.group.id'
  StartupMode startup = StartupMode::kEarliest;
  int64_t startup_timestamp_ms = 0;
  BoundedMode bounded = BoundedMode::kUnbounded;
  // Per column: which record metadata it carries (kNone = a payload field).
  std::vector<MetadataKind> metadata;
  // Sink: payload columns forming the record key ('key.fields', ';'-separated)
  // and how the key is written ('key.format': 'json' object, or 'raw' text of
  // a single field).
  std::vector<int> key_columns;
  bool raw_key = false;
  // 'upsert-kafka' (Flink's): the key is the PRIMARY KEY; a sink writes +I/+U
  // rows as records, -U/-D as tombstones (null value).
  bool upsert = false;
  std::string value_format = "json";  // 'value.format' (upsert-kafka) or 'format'
  bool value_except_key = false;      // 'value.fields-include' = 'EXCEPT_KEY'

  // `embedded_available`: the process owns a log ('topic' tables use it unless
  // 'properties.bootstrap.servers' is given); `default_bootstrap` otherwise.
  enum class Flavor { kTopic, kKafka, kUpsertKafka };
  static Result<TopicOptions> Parse(const engine::TableDescriptor& table, Flavor flavor, bool embedded_available,
                                    const std::string& default_bootstrap);
};

}  // namespace sluice::connectors
