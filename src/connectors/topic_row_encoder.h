#pragma once

#include <optional>
#include <string>

#include "connectors/row_codec.h"
#include "connectors/topic_options.h"

namespace sluice::connectors {

// Turns a row into a topic record: value through the table's format (payload
// columns), key from 'key.fields', timestamp from a 'timestamp' metadata
// column (else `now_ms`).
//
// Thread-safety: const methods are safe to call concurrently.
class TopicRowEncoder {
 public:
  static Result<TopicRowEncoder> ForTable(const engine::TableDescriptor& table, const TopicOptions* options);

  // What a row becomes: a record, or a tombstone (key, null value).
  enum class Shape { kRecord, kTombstone };
  // Fills value (and key when the table has key fields; `has_key` says so).
  // Append-only tables: InvalidArgument for an update/delete row. Upsert
  // tables: +I/+U are records, -U/-D tombstones (*shape says).
  Status Encode(const engine::Batch& batch, int row, std::string* value, std::string* key, bool* has_key,
                int64_t* timestamp_ms, Shape* shape) const;

 private:
  TopicRowEncoder(RowEncoder value, JsonRowEncoder key, const TopicOptions* options, std::string table)
      : value_(std::move(value)), key_(std::move(key)), options_(options), table_(std::move(table)) {}
  RowEncoder value_;
  JsonRowEncoder key_;
  const TopicOptions* options_;
  std::string table_;
  int timestamp_column_ = -1;
};

}  // namespace sluice::connectors
