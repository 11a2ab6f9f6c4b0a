#include "connectors/topic_row_encoder.h"

#include <fmt/format.h>

#include <chrono>

#include "engine/expression.h"

namespace sluice::connectors {
namespace {

// A 'raw' key: the text of the value (a string as is, a number or boolean
// as it prints, a timestamp as "yyyy-MM-dd HH:mm:ss.SSS"), written straight
// into the reused key buffer.
void AppendRawKey(const engine::Column& col, int row, std::string* key) {
  switch (col.type()) {
    case engine::DataType::kString: key->append(col.GetString(row)); break;
    case engine::DataType::kInt64: fmt::format_to(std::back_inserter(*key), "{}", col.data<int64_t>()[row]); break;
    case engine::DataType::kInt32: fmt::format_to(std::back_inserter(*key), "{}", col.data<int32_t>()[row]); break;
    case engine::DataType::kDouble: fmt::format_to(std::back_inserter(*key), "{}", col.data<double>()[row]); break;
    case engine::DataType::kBool: key->append(col.data<uint8_t>()[row] ? "true" : "false"); break;
    case engine::DataType::kTimestamp: AppendTimestamp(col.data<int64_t>()[row], key); break;
    case engine::DataType::kDate: engine::AppendDate(col.data<int32_t>()[row], key); break;
  }
}

}  // namespace

Result<TopicRowEncoder> TopicRowEncoder::ForTable(const engine::TableDescriptor& table, const TopicOptions* options) {
  std::vector<bool> key_columns(table.schema.size(), false);
  for (int c : options->key_columns) key_columns[c] = true;
  std::vector<bool> value_columns = PayloadColumns(table);
  if (options->value_except_key) {
    for (int c : options->key_columns) value_columns[c] = false;
  }
  SLUICE_ASSIGN_OR_RETURN(RowEncoder value, RowEncoder::ForColumns(table, options->value_format, value_columns));
  TopicRowEncoder e(std::move(value), JsonRowEncoder(table.schema, key_columns), options, table.name);
  for (int c = 0; c < table.schema.size(); ++c) {
    if (options->metadata[c] == MetadataKind::kTimestamp) e.timestamp_column_ = c;
    if (options->metadata[c] == MetadataKind::kHeaders) {
      return Status::Unsupported(
          fmt::format("table {}: writing record headers from a 'headers' column is not supported yet (it is read-only)",
                      table.name));
    }
  }
  return e;
}

Status TopicRowEncoder::Encode(const engine::Batch& batch, int row, std::string* value, std::string* key, bool* has_key,
                               int64_t* timestamp_ms, Shape* shape) const {
  const engine::RowKind kind = batch.row_kind(row);
  *shape = Shape::kRecord;
  // -U is a tombstone too, as in Flink's upsert-kafka: a +U usually follows
  // and overwrites the key, but not when a filter after an aggregation (a
  // HAVING) dropped it: the key is gone then, and only a tombstone says so.
  if (options_->upsert && (kind == engine::RowKind::kDelete || kind == engine::RowKind::kUpdateBefore)) {
    *shape = Shape::kTombstone;
  }
  if (!options_->upsert && kind != engine::RowKind::kInsert && !value_.changelog()) {
    return Status::InvalidArgument(fmt::format(
        "table {}: a topic sink is append-only, but the query produces updates ({}); write an append-only query "
        "(e.g. a window aggregation), write to an 'upsert-kafka' table with a PRIMARY KEY, or write the changelog "
        "with 'format' = 'debezium-json'",
        table_, engine::RowKindName(batch.row_kind(row))));
  }
  value->clear();
  if (*shape == Shape::kRecord) value_.Encode(batch, row, value);
  *has_key = !options_->key_columns.empty();
  if (*has_key) {
    key->clear();
    if (options_->raw_key) {
      const auto& col = batch.column(options_->key_columns[0]);
      if (col.IsNull(row)) {
        *has_key = false;
      } else {
        AppendRawKey(col, row, key);
      }
    } else {
      key_.Encode(batch, row, key);
    }
  }
  *timestamp_ms = 0;
  if (timestamp_column_ >= 0 && batch.column(timestamp_column_).IsValid(row)) {
    *timestamp_ms = batch.column(timestamp_column_).data<int64_t>()[row];
  } else {
    *timestamp_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
  }
  return Status::Ok();
}

}  // namespace sluice::connectors
