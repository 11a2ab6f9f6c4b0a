#include "connectors/row_codec.h"

#include <fmt/format.h>

namespace sluice::connectors {
namespace {

Result<char> Delimiter(const engine::TableDescriptor& table) {
  std::string d = table.Option("csv.field-delimiter", ",");
  if (d == "\\t") d = "\t";
  if (d.size() != 1) {
    return Status::InvalidArgument(
        fmt::format("table {}: 'csv.field-delimiter' must be one character, got '{}'", table.name, d));
  }
  return d[0];
}

Status UnknownFormat(const engine::TableDescriptor& table, const std::string& format) {
  return Status::InvalidArgument(fmt::format(
      "table {}: unknown 'format' = '{}'; use 'json', 'csv' or 'debezium-json' (a changelog)", table.name, format));
}

}  // namespace

bool IsChangelogFormat(std::string_view format) { return format == "debezium-json"; }

std::vector<bool> PayloadColumns(const engine::TableDescriptor& table) {
  std::vector<bool> payload(table.schema.size(), true);
  for (size_t i = 0; i < table.metadata_keys.size() && i < payload.size(); ++i) {
    payload[i] = table.metadata_keys[i].empty();
  }
  return payload;
}

Result<RowDecoder> RowDecoder::ForTable(const engine::TableDescriptor& table) {
  return ForColumns(table, table.Option("format", "json"), PayloadColumns(table));
}

Result<RowDecoder> RowDecoder::ForColumns(const engine::TableDescriptor& table, const std::string& format,
                                          std::vector<bool> columns) {
  if (format == "json") {
    JsonRowDecoder decoder(std::move(columns));
    decoder.set_read_columns(table.read_columns);
    return RowDecoder(std::move(decoder));
  }
  if (format == "debezium-json") {
    DebeziumJsonDecoder decoder(std::move(columns));
    decoder.set_read_columns(table.read_columns);
    return RowDecoder(std::move(decoder));
  }
  if (format == "csv") {
    SLUICE_ASSIGN_OR_RETURN(char d, Delimiter(table));
    CsvRowDecoder decoder(std::move(columns), d);
    decoder.set_read_columns(table.read_columns);
    return RowDecoder(std::move(decoder));
  }
  return UnknownFormat(table, format);
}

Result<RowEncoder> RowEncoder::ForTable(const engine::TableDescriptor& table) {
  return ForColumns(table, table.Option("format", "json"), PayloadColumns(table));
}

Result<RowEncoder> RowEncoder::ForColumns(const engine::TableDescriptor& table, const std::string& format,
                                          std::vector<bool> columns) {
  if (format == "json") return RowEncoder(JsonRowEncoder(table.schema, std::move(columns)));
  if (format == "debezium-json") return RowEncoder(DebeziumJsonEncoder(table.schema, std::move(columns)));
  if (format == "csv") {
    SLUICE_ASSIGN_OR_RETURN(char d, Delimiter(table));
    return RowEncoder(CsvRowEncoder(std::move(columns), d));
  }
  return UnknownFormat(table, format);
}

}  // namespace sluice::connectors
