#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/dead_letters.h"
#include "connectors/row_codec.h"
#include "connectors/topic_options.h"
#include "engine/source.h"
#include "log/record_batch.h"

namespace sluice::connectors {

// Turns one topic record into the next row of a batch: the value through the
// table's format, then the metadata columns. Undecodable values go to the
// dead letters with topic, partition and offset.
//
// Thread-safety: not thread-safe; one per reader.
//
// Upsert tables ('upsert-kafka'): the key columns come from the record key
// ('key.format' json: fields by name; raw: the key's bytes into a STRING
// column); a record with a value is a +U row, a tombstone a -D row with only
// the key columns set.
class TopicRecordDecoder {
 public:
  static Result<TopicRecordDecoder> ForTable(const engine::TableDescriptor& table, const TopicOptions* options,
                                             std::shared_ptr<DeadLetters> dead);

  // Appends a row to `out` unless the record cannot be decoded (then counts
  // it). `headers` may be null when wants_headers() is false.
  void Add(std::optional<std::string_view> key, std::optional<std::string_view> value, int32_t partition,
           int64_t offset, int64_t timestamp_ms, const std::vector<log::RecordHeader>* headers, engine::Batch* out);
  // Whether the table reads the records' headers (a 'headers' metadata column).
  bool wants_headers() const;
  int64_t bad_records() const { return bad_; }
  // Rows one record can become (2 for an update in 'debezium-json'): readers
  // stop filling a batch when fewer are left.
  int max_rows_per_record() const { return decoder_.max_rows_per_record(); }
  // Where undecodable records also go, as dead letters (null: not kept).
  void set_dead_letter_output(std::vector<engine::DeadLetter>* out) { dead_out_ = out; }
  // Whether a batch of `capacity` rows' worth of dead letters waits to be taken.
  bool dead_letters_full(int capacity) const { return dead_out_ && dead_out_->size() >= static_cast<size_t>(capacity); }

 private:
  TopicRecordDecoder(RowDecoder decoder, std::optional<JsonRowDecoder> key_decoder, const TopicOptions* options,
                     std::shared_ptr<DeadLetters> dead)
      : decoder_(std::move(decoder)), key_decoder_(std::move(key_decoder)), options_(options), dead_(std::move(dead)) {}
  // Counts an undecodable record and hands it to the dead letters.
  void Reject(std::string_view raw, const Status& why, int32_t partition, int64_t offset);
  // The metadata columns of row `row`.
  void SetMetadata(std::optional<std::string_view> key, int32_t partition, int64_t offset, int64_t timestamp_ms,
                   const std::vector<log::RecordHeader>* headers, engine::Batch* out, int row);
  // Upsert tables: the key columns of row `row` from the record key.
  Status DecodeKey(std::optional<std::string_view> key, engine::Batch* out, int row);

  RowDecoder decoder_;
  std::optional<JsonRowDecoder> key_decoder_;  // upsert tables with 'key.format' = 'json'
  const TopicOptions* options_;
  std::shared_ptr<DeadLetters> dead_;
  int64_t bad_ = 0;
  std::vector<engine::DeadLetter>* dead_out_ = nullptr;
  std::string headers_json_;  // scratch: the headers of the current record as JSON
};

}  // namespace sluice::connectors
