#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/batch.h"

namespace sluice::connectors {

// Decodes CSV lines (RFC 4180 quoting with '"', "" for a quote inside a
// quoted field) into rows, as Flink's 'csv' format: fields by position onto
// the columns with `decode_column[c]` set, in column order; an empty
// unquoted field is NULL; TIMESTAMP as "yyyy-MM-dd HH:mm:ss[.SSS]" or epoch ms.
//
// Thread-safety: not thread-safe; one per reader.
class CsvRowDecoder {
 public:
  CsvRowDecoder(std::vector<bool> decode_column, char delimiter = ',');
  Status Decode(std::string_view line, engine::Batch* out, int row);
  // Projection push-down: columns the query does not read stay NULL (their
  // fields are still counted). `read` is per column.
  void set_read_columns(std::vector<bool> read) { read_ = std::move(read); }

 private:
  std::vector<bool> decode_column_;
  std::vector<bool> read_;  // empty: every column
  char delimiter_;
  std::vector<std::string_view> fields_;
  std::vector<bool> quoted_;
  std::string unquoted_;  // storage for fields that needed unescaping
};

// Encodes rows as CSV lines (no trailing newline), quoting fields that
// contain the delimiter, a quote or a line break; NULL as an empty field.
class CsvRowEncoder {
 public:
  CsvRowEncoder(std::vector<bool> encode_column, char delimiter = ',');
  void Encode(const engine::Batch& batch, int row, std::string* out) const;

 private:
  std::vector<bool> encode_column_;
  char delimiter_;
};

}  // namespace sluice::connectors
