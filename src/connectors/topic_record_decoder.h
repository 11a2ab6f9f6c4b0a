#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "connectors/dead_letters.h"
#include "connectors/row_codec.h"
#include "connectors/topic_options.h"

namespace sluice::connectors {

// Turns one topic record into the next row of a batch: the value through the
// table's format, then the metadata columns. Undecodable values go to the
// dead letters with topic, partition and offset.
//
// Thread-safety: not thread-safe; one per reader.
class TopicRecordDecoder {
 public:
  TopicRecordDecoder(RowDecoder decoder, const TopicOptions* options, std::shared_ptr<DeadLetters> dead)
      : decoder_(std::move(decoder)), options_(options), dead_(std::move(dead)) {}

  // Appends a row to `out` unless the record cannot be decoded (then counts it).
  void Add(std::optional<std::string_view> key, std::optional<std::string_view> value, int32_t partition,
           int64_t offset, int64_t timestamp_ms, engine::Batch* out);
  int64_t bad_records() const { return bad_; }

 private:
  RowDecoder decoder_;
  const TopicOptions* options_;
  std::shared_ptr<DeadLetters> dead_;
  int64_t bad_ = 0;
};

}  // namespace sluice::connectors
