#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/batch.h"

namespace sluice::connectors {

// Decodes JSON objects into rows of a Batch, as Flink's 'json' format does:
// object fields are matched to columns by name; a missing field or JSON null
// is SQL NULL; TIMESTAMP accepts "yyyy-MM-dd HH:mm:ss[.SSS]" (also with a
// 'T' and a trailing 'Z') or epoch milliseconds. Only columns with
// `decode_column[c]` set are read (the others, e.g. metadata columns, are
// left to the caller).
//
// Thread-safety: not thread-safe (owns a simdjson parser); one per reader.
class JsonRowDecoder {
 public:
  explicit JsonRowDecoder(std::vector<bool> decode_column);
  ~JsonRowDecoder();
  JsonRowDecoder(JsonRowDecoder&&) noexcept;
  JsonRowDecoder& operator=(JsonRowDecoder&&) noexcept;

  // Parses `json` into row `row` of `out`. On failure the row's columns are
  // left NULL, nothing else changes, and the Status says why (the caller
  // adds where: file and line, topic and offset).
  Status Decode(std::string_view json, engine::Batch* out, int row);
  // Projection push-down: columns the query does not read stay NULL; their
  // fields are skipped like undeclared ones. `read` is per column.
  void set_read_columns(std::vector<bool> read) { read_ = std::move(read); }

 private:
  bool Read(int c) const { return read_.empty() || read_[c]; }
  // simdjson stays out of this header: its inline namespace depends on
  // compile flags, and two translation units disagreeing on it crash.
  struct Parser;
  std::vector<bool> decode_column_;
  std::vector<bool> read_;  // empty: every column
  std::unique_ptr<Parser> parser_;
  std::string scratch_;   // padded copy of the input
  std::string minified_;  // an object or array read into a STRING column
};

// Encodes rows as JSON objects (one per row, no trailing newline), with the
// column names as keys; TIMESTAMP as "yyyy-MM-dd HH:mm:ss.SSS" (Flink's
// default), NULL as null. Only columns with `encode_column[c]` set.
//
// Thread-safety: stateless apart from its configuration; const methods are
// safe to call concurrently.
class JsonRowEncoder {
 public:
  JsonRowEncoder(const engine::Schema& schema, std::vector<bool> encode_column);
  void Encode(const engine::Batch& batch, int row, std::string* out) const;

 private:
  std::vector<std::string> quoted_names_;  // "\"name\":" per column
  std::vector<bool> encode_column_;
};

// "2026-11-22 10:00:00.123" for epoch milliseconds (UTC).
void AppendTimestamp(int64_t ms, std::string* out);
// Appends `s` as a JSON string literal.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace sluice::connectors
