#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "connectors/format/csv_row_format.h"
#include "connectors/format/debezium_json_format.h"
#include "connectors/format/json_row_format.h"
#include "engine/connector_registry.h"

namespace sluice::connectors {

// The 'format' option of a table ('json' or 'csv') as a decoder/encoder pair
// over the table's payload columns (metadata columns excluded). A variant,
// not a virtual interface: readers call it once per record on the hot path.
class RowDecoder {
 public:
  static Result<RowDecoder> ForTable(const engine::TableDescriptor& table);
  // The same, in `format` ('json' or 'csv'), reading only `columns`.
  static Result<RowDecoder> ForColumns(const engine::TableDescriptor& table, const std::string& format,
                                       std::vector<bool> columns);
  // Decodes one record into row `row` of `out` (a changelog format: rows
  // `row` .. `row + rows_decoded() - 1`, with their row kinds; the caller
  // leaves room for max_rows_per_record()).
  Status Decode(std::string_view text, engine::Batch* out, int row) {
    return std::visit([&](auto& d) { return d.Decode(text, out, row); }, impl_);
  }
  int rows_decoded() const { return impl_.index() == 2 ? std::get<DebeziumJsonDecoder>(impl_).rows_decoded() : 1; }
  int max_rows_per_record() const { return impl_.index() == 2 ? 2 : 1; }
  // Whether rows carry row kinds (+I/-U/+U/-D): 'debezium-json'.
  bool changelog() const { return impl_.index() == 2; }

 private:
  explicit RowDecoder(std::variant<JsonRowDecoder, CsvRowDecoder, DebeziumJsonDecoder> impl) : impl_(std::move(impl)) {}
  std::variant<JsonRowDecoder, CsvRowDecoder, DebeziumJsonDecoder> impl_;
};

class RowEncoder {
 public:
  static Result<RowEncoder> ForTable(const engine::TableDescriptor& table);
  // The same, in `format` ('json' or 'csv'), writing only `columns`.
  static Result<RowEncoder> ForColumns(const engine::TableDescriptor& table, const std::string& format,
                                       std::vector<bool> columns);
  void Encode(const engine::Batch& batch, int row, std::string* out) const {
    std::visit([&](const auto& e) { e.Encode(batch, row, out); }, impl_);
  }
  // File name suffix: ".json" or ".csv".
  const char* extension() const { return impl_.index() == 1 ? ".csv" : ".json"; }
  // Whether it writes every row kind ('debezium-json'); the others are append-only.
  bool changelog() const { return impl_.index() == 2; }

 private:
  explicit RowEncoder(std::variant<JsonRowEncoder, CsvRowEncoder, DebeziumJsonEncoder> impl) : impl_(std::move(impl)) {}
  std::variant<JsonRowEncoder, CsvRowEncoder, DebeziumJsonEncoder> impl_;
};

// Whether `format` is a changelog format (rows with kinds: 'debezium-json').
bool IsChangelogFormat(std::string_view format);

// Which columns of the table are payload (true) rather than metadata.
std::vector<bool> PayloadColumns(const engine::TableDescriptor& table);

}  // namespace sluice::connectors
