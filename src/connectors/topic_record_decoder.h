#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/dead_letters.h"
#include "connectors/row_codec.h"
#include "connectors/topic_options.h"
#include "engine/source.h"

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
  // Where undecodable records also go, as dead letters (null: not kept).
  void set_dead_letter_output(std::vector<engine::DeadLetter>* out) { dead_out_ = out; }
  // Whether a batch of `capacity` rows' worth of dead letters waits to be taken.
  bool dead_letters_full(int capacity) const { return dead_out_ && dead_out_->size() >= static_cast<size_t>(capacity); }

 private:
  RowDecoder decoder_;
  const TopicOptions* options_;
  std::shared_ptr<DeadLetters> dead_;
  int64_t bad_ = 0;
  std::vector<engine::DeadLetter>* dead_out_ = nullptr;
};

}  // namespace sluice::connectors
