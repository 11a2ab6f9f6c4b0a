#include "connectors/topic_record_decoder.h"

#include <fmt/format.h>

#include <chrono>

namespace sluice::connectors {

Result<TopicRecordDecoder> TopicRecordDecoder::ForTable(const engine::TableDescriptor& table,
                                                        const TopicOptions* options,
                                                        std::shared_ptr<DeadLetters> dead) {
  if (!options->upsert) {
    SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table));
    return TopicRecordDecoder(std::move(decoder), std::nullopt, options, std::move(dead));
  }
  std::vector<bool> value_columns = PayloadColumns(table);
  std::vector<bool> key_columns(table.schema.size(), false);
  for (int c : options->key_columns) {
    key_columns[c] = true;
    if (options->value_except_key) value_columns[c] = false;
  }
  SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForColumns(table, options->value_format, value_columns));
  std::optional<JsonRowDecoder> key_decoder;
  if (!options->raw_key) {
    key_decoder.emplace(key_columns);
  } else if (table.schema.field(options->key_columns[0]).type != engine::DataType::kString) {
    return Status::InvalidArgument(
        fmt::format("table {}: 'key.format' = 'raw' reads the key into a STRING column", table.name));
  }
  return TopicRecordDecoder(std::move(decoder), std::move(key_decoder), options, std::move(dead));
}

void TopicRecordDecoder::Reject(std::string_view raw, const Status& why, int32_t partition, int64_t offset) {
  ++bad_;
  std::string position = fmt::format("{}[{}]@{}", options_->topic, partition, offset);
  if (dead_out_) {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    dead_out_->push_back(engine::DeadLetter{std::string(raw), std::string(why.message()), position, now});
  }
  dead_->Add(position, why.message());
}

Status TopicRecordDecoder::DecodeKey(std::optional<std::string_view> key, engine::Batch* out, int row) {
  if (!key) return Status::InvalidArgument("an upsert table's record has no key");
  if (key_decoder_) return key_decoder_->Decode(*key, out, row);
  engine::Column& col = out->column(options_->key_columns[0]);
  col.SetString(row, *key);
  col.SetValid(row);
  return Status::Ok();
}

bool TopicRecordDecoder::wants_headers() const {
  for (MetadataKind k : options_->metadata) {
    if (k == MetadataKind::kHeaders) return true;
  }
  return false;
}

void TopicRecordDecoder::Add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                             int32_t partition, int64_t offset, int64_t timestamp_ms,
                             const std::vector<log::RecordHeader>* headers, engine::Batch* out) {
  const int row = out->num_rows();
  if (!value && !options_->upsert) {
    // A tombstone carries no row in an append-only table.
    return;
  }
  if (options_->upsert) {
    // A tombstone deletes its key: every other column NULL.
    if (!value) {
      for (int c = 0; c < out->num_columns(); ++c) out->column(c).SetNull(row);
    }
    Status s = value ? decoder_.Decode(*value, out, row) : Status::Ok();
    if (s.ok()) s = DecodeKey(key, out, row);
    if (!s.ok()) {
      Reject(value ? *value : key.value_or(""), s, partition, offset);
      return;
    }
    out->mutable_row_kinds()[row] = value ? engine::RowKind::kUpdateAfter : engine::RowKind::kDelete;
  } else {
    Status s = decoder_.Decode(*value, out, row);
    if (!s.ok()) {
      Reject(*value, s, partition, offset);
      return;
    }
  }
  const int rows = options_->upsert ? 1 : decoder_.rows_decoded();
  for (int r = row; r < row + rows; ++r) SetMetadata(key, partition, offset, timestamp_ms, headers, out, r);
  out->set_num_rows(row + rows);
}

void TopicRecordDecoder::SetMetadata(std::optional<std::string_view> key, int32_t partition, int64_t offset,
                                     int64_t timestamp_ms, const std::vector<log::RecordHeader>* headers,
                                     engine::Batch* out, int row) {
  for (int c = 0; c < out->num_columns(); ++c) {
    engine::Column& col = out->column(c);
    switch (options_->metadata[c]) {
      case MetadataKind::kNone: continue;
      case MetadataKind::kPartition:
        if (col.type() == engine::DataType::kInt32) {
          col.data<int32_t>()[row] = partition;
        } else {
          col.data<int64_t>()[row] = partition;
        }
        break;
      case MetadataKind::kOffset: col.data<int64_t>()[row] = offset; break;
      case MetadataKind::kTimestamp: col.data<int64_t>()[row] = timestamp_ms; break;
      case MetadataKind::kKey:
        if (!key) {
          col.SetNull(row);
          continue;
        }
        col.SetString(row, *key);
        break;
      case MetadataKind::kTopic: col.SetString(row, options_->topic); break;
      case MetadataKind::kHeaders:
        headers_json_ = "{";
        for (size_t i = 0; headers && i < headers->size(); ++i) {
          if (i > 0) headers_json_ += ',';
          AppendJsonString((*headers)[i].key, &headers_json_);
          headers_json_ += ':';
          if ((*headers)[i].value) {
            AppendJsonString(*(*headers)[i].value, &headers_json_);
          } else {
            headers_json_ += "null";
          }
        }
        headers_json_ += '}';
        col.SetString(row, headers_json_);
        break;
    }
    col.SetValid(row);
  }
}

}  // namespace sluice::connectors
