#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "connectors/format/json_row_format.h"
#include "engine/batch.h"

namespace sluice::connectors {

// Decodes Debezium change events (Flink's 'debezium-json' format) into
// changelog rows: {"before": {...} | null, "after": {...} | null, "op": ...}
// (also wrapped as {"schema": ..., "payload": {...}}, what Debezium writes
// with schemas enabled). op "c" (create) and "r" (snapshot read) give +I of
// `after`, "u" gives -U of `before` then +U of `after`, "d" gives -D of
// `before`. The row images are decoded like the 'json' format (fields by
// name). An event without `before` for "u" or "d" (a database table without
// full row images) is an error naming what is missing.
//
// Thread-safety: not thread-safe (owns simdjson parsers); one per reader.
class DebeziumJsonDecoder {
 public:
  explicit DebeziumJsonDecoder(std::vector<bool> decode_column);
  ~DebeziumJsonDecoder();
  DebeziumJsonDecoder(DebeziumJsonDecoder&&) noexcept;
  DebeziumJsonDecoder& operator=(DebeziumJsonDecoder&&) noexcept;

  // Decodes the event into rows `row` and, for an update, `row + 1` of `out`
  // (the caller leaves room for two), with their row kinds; rows_decoded()
  // says how many. On failure no row counts and the Status says why.
  Status Decode(std::string_view json, engine::Batch* out, int row);
  int rows_decoded() const { return rows_; }
  void set_read_columns(std::vector<bool> read) { image_.set_read_columns(std::move(read)); }

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  JsonRowDecoder image_;  // decodes `before` / `after`
  std::string scratch_;   // padded copy of the event
  int rows_ = 0;
};

// Encodes changelog rows as Debezium change events, as Flink's
// 'debezium-json' sink format: +I and +U rows as {"before":null,"after":{...},
// "op":"c"}, -U and -D rows as {"before":{...},"after":null,"op":"d"} (an
// update is a delete and a create). Lets an updating query go to an
// append-only medium (files, a plain topic) that a CDC consumer reads back.
//
// Thread-safety: const methods are safe to call concurrently.
class DebeziumJsonEncoder {
 public:
  DebeziumJsonEncoder(const engine::Schema& schema, std::vector<bool> encode_column)
      : row_(schema, std::move(encode_column)) {}
  void Encode(const engine::Batch& batch, int row, std::string* out) const;

 private:
  JsonRowEncoder row_;
};

}  // namespace sluice::connectors
