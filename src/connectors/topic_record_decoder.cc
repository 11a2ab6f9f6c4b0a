#include "connectors/topic_record_decoder.h"

#include <fmt/format.h>

#include <chrono>

namespace sluice::connectors {

void TopicRecordDecoder::Add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                             int32_t partition, int64_t offset, int64_t timestamp_ms, engine::Batch* out) {
  const int row = out->num_rows();
  if (!value) {
    // A tombstone carries no row in an append-only table.
    return;
  }
  Status s = decoder_.Decode(*value, out, row);
  if (!s.ok()) {
    ++bad_;
    std::string position = fmt::format("{}[{}]@{}", options_->topic, partition, offset);
    if (dead_out_) {
      const int64_t now =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      dead_out_->push_back(engine::DeadLetter{std::string(*value), std::string(s.message()), position, now});
    }
    dead_->Add(position, s.message());
    return;
  }
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
    }
    col.SetValid(row);
  }
  out->set_num_rows(row + 1);
}

}  // namespace sluice::connectors
