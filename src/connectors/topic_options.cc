#include "connectors/topic_options.h"

#include <fmt/format.h>

namespace sluice::connectors {

using engine::DataType;

Result<TopicOptions> TopicOptions::Parse(const engine::TableDescriptor& t, Flavor flavor, bool embedded_available,
                                         const std::string& default_bootstrap) {
  const bool is_kafka_connector = flavor != Flavor::kTopic;
  TopicOptions o;
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument(fmt::format("table {}: {}", t.name, what));
  };
  SLUICE_ASSIGN_OR_RETURN(o.topic, t.RequiredOption("topic"));
  o.bootstrap = t.Option("properties.bootstrap.servers");
  if (o.bootstrap.empty()) {
    if (is_kafka_connector) {
      return bad(fmt::format("'properties.bootstrap.servers' is required for the '{}' connector",
                             flavor == Flavor::kKafka ? "kafka" : "upsert-kafka"));
    }
    if (!embedded_available) o.bootstrap = default_bootstrap;
  }
  o.group_id = t.Option("properties.group.id");
  std::string mode = t.Option("scan.startup.mode", "earliest-offset");
  if (mode == "earliest-offset") {
    o.startup = StartupMode::kEarliest;
  } else if (mode == "latest-offset") {
    o.startup = StartupMode::kLatest;
  } else if (mode == "group-offsets") {
    o.startup = StartupMode::kGroupOffsets;
    if (o.group_id.empty()) return bad("'scan.startup.mode' = 'group-offsets' needs 'properties.group.id'");
  } else if (mode == "timestamp") {
    o.startup = StartupMode::kTimestamp;
    std::string ts = t.Option("scan.startup.timestamp-millis");
    char* end = nullptr;
    o.startup_timestamp_ms = std::strtoll(ts.c_str(), &end, 10);
    if (ts.empty() || *end != '\0') {
      return bad("'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis' (epoch milliseconds)");
    }
  } else {
    return bad(
        fmt::format("'scan.startup.mode' = '{}' is not one of 'earliest-offset', 'latest-offset', "
                    "'group-offsets', 'timestamp'",
                    mode));
  }
  std::string bounded = t.Option("scan.bounded.mode", "unbounded");
  if (bounded == "unbounded") {
    o.bounded = BoundedMode::kUnbounded;
  } else if (bounded == "latest-offset") {
    o.bounded = BoundedMode::kLatestOffset;
  } else {
    return bad(fmt::format("'scan.bounded.mode' = '{}' is not 'unbounded' or 'latest-offset'", bounded));
  }

  o.metadata.assign(t.schema.size(), MetadataKind::kNone);
  for (int c = 0; c < t.schema.size(); ++c) {
    std::string key = c < static_cast<int>(t.metadata_keys.size()) ? t.metadata_keys[c] : "";
    if (key.empty()) continue;
    DataType type = t.schema.field(c).type;
    auto want = [&](bool ok, const char* types) -> Status {
      if (ok) return Status::Ok();
      return bad(fmt::format("metadata column {} ('{}') must be {}", t.schema.field(c).name, key, types));
    };
    if (key == "partition") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kInt32 || type == DataType::kInt64, "INT or BIGINT"));
      o.metadata[c] = MetadataKind::kPartition;
    } else if (key == "offset") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kInt64, "BIGINT"));
      o.metadata[c] = MetadataKind::kOffset;
    } else if (key == "timestamp") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kTimestamp, "TIMESTAMP(3) or TIMESTAMP_LTZ(3)"));
      o.metadata[c] = MetadataKind::kTimestamp;
    } else if (key == "key") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kString, "STRING"));
      o.metadata[c] = MetadataKind::kKey;
    } else if (key == "topic") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kString, "STRING"));
      o.metadata[c] = MetadataKind::kTopic;
    } else if (key == "headers") {
      SLUICE_RETURN_IF_ERROR(want(type == DataType::kString, "STRING (a JSON object of the headers)"));
      o.metadata[c] = MetadataKind::kHeaders;
    } else {
      return bad(
          fmt::format("unknown metadata key '{}' for column {}; available: partition, offset, timestamp, "
                      "key, topic, headers",
                      key, t.schema.field(c).name));
    }
  }

  o.value_format = t.Option("value.format", t.Option("format", "json"));
  if (flavor == Flavor::kUpsertKafka) {
    o.upsert = true;
    if (t.primary_key.empty()) {
      return bad("the 'upsert-kafka' connector needs a PRIMARY KEY (...) NOT ENFORCED: it is the record key");
    }
    if (!t.Option("key.fields").empty()) {
      return bad("'upsert-kafka' takes its key from the PRIMARY KEY; remove 'key.fields'");
    }
    for (const std::string& k : t.primary_key) {
      SLUICE_ASSIGN_OR_RETURN(int idx, t.schema.IndexOf(k));
      o.key_columns.push_back(idx);
    }
    std::string include = t.Option("value.fields-include", "ALL");
    if (include != "ALL" && include != "EXCEPT_KEY") {
      return bad(fmt::format("'value.fields-include' = '{}' is not 'ALL' or 'EXCEPT_KEY'", include));
    }
    o.value_except_key = include == "EXCEPT_KEY";
    if (o.value_format != "json" && o.value_format != "csv") {
      return bad(fmt::format("'upsert-kafka' needs a 'value.format' of 'json' or 'csv', not '{}'", o.value_format));
    }
  }
  std::string key_fields = t.Option("key.fields");
  size_t start = 0;
  while (!key_fields.empty() && start <= key_fields.size()) {
    size_t semi = key_fields.find(';', start);
    std::string name = key_fields.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    auto idx = t.schema.IndexOf(name);
    if (!idx.ok()) return bad(fmt::format("'key.fields' names {}: {}", name, idx.status().message()));
    o.key_columns.push_back(*idx);
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  std::string key_format = t.Option("key.format", "json");
  if (key_format != "json" && key_format != "raw") return bad("'key.format' must be 'json' or 'raw'");
  o.raw_key = key_format == "raw";
  if (o.raw_key && o.key_columns.size() != 1)
    return bad("'key.format' = 'raw' needs exactly one field in 'key.fields'");
  return o;
}

}  // namespace sluice::connectors
