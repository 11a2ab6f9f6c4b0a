// The 'topic' source over the embedded log: one split per partition, stored
// batches read with Partition::Read and decoded record by record.

#include <fmt/format.h>

#include "common/logging.h"
#include "connectors/topic_record_decoder.h"
#include "connectors/topic_source.h"
#include "log/log.h"
#include "log/record_batch.h"

namespace sluice::connectors {
namespace {

using engine::ReadStatus;

constexpr size_t kReadBytes = 1 << 20;

class LogPartitionReader : public engine::SourceReader {
 public:
  LogPartitionReader(std::shared_ptr<log::Partition> partition, Offset start, std::optional<Offset> end,
                     TopicRecordDecoder decoder)
      : partition_(std::move(partition)), next_(start), end_(end), decoder_(std::move(decoder)) {}

  Result<ReadStatus> Read(engine::Batch* out) override {
    // Room for the rows of one more record (two for an update in a changelog format).
    const int last = out->capacity() - decoder_.max_rows_per_record();
    while (out->num_rows() <= last) {
      if (in_batch_) {
        log::Record r;
        while (out->num_rows() <= last && !decoder_.dead_letters_full(out->capacity()) && iter_.Next(&r)) {
          if (r.offset < next_) continue;  // a read starts at the batch holding next_
          if (end_ && r.offset >= *end_) break;
          const std::vector<log::RecordHeader>* headers = nullptr;
          if (decoder_.wants_headers() && r.header_count > 0) {
            SLUICE_RETURN_IF_ERROR(log::DecodeRecordHeaders(r, &headers_));
            headers = &headers_;
          }
          decoder_.Add(r.key, r.value, partition_->id().value(), r.offset.value(), r.timestamp, headers, out);
          next_ = Offset{r.offset.value() + 1};
        }
        SLUICE_RETURN_IF_ERROR(iter_.status());
        if (out->num_rows() > last || decoder_.dead_letters_full(out->capacity())) break;
        in_batch_ = false;
        if (batch_end_ > next_) next_ = batch_end_;  // skip compacted-away offsets
        continue;
      }
      if (end_ && next_ >= *end_) break;
      if (pos_ >= buf_.size()) {
        buf_.clear();
        pos_ = 0;
        auto rr = partition_->Read(next_, kReadBytes, &buf_);
        if (!rr.ok()) {
          if (rr.status().code() == StatusCode::kOutOfRange && next_ < partition_->log_start_offset()) {
            // Retention removed what we were about to read: carry on from the start, as
            // Kafka's auto.offset.reset=earliest does, and say so.
            SLUICE_LOG_WARN("connector", "topic {}[{}]: offset {} was deleted by retention; continuing at {}",
                            partition_->topic(), partition_->id().value(), next_.value(),
                            partition_->log_start_offset().value());
            next_ = partition_->log_start_offset();
            continue;
          }
          return rr.status();
        }
        if (buf_.empty()) break;  // nothing new yet
      }
      auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buf_.data()) + pos_, buf_.size() - pos_);
      SLUICE_ASSIGN_OR_RETURN(log::RecordBatchView view, log::RecordBatchView::Parse(bytes));
      pos_ += view.header().total_size();
      batch_end_ = Offset{view.header().last_offset().value() + 1};
      if (view.header().is_control()) {
        if (batch_end_ > next_) next_ = batch_end_;
        continue;
      }
      SLUICE_RETURN_IF_ERROR(iter_.Reset(view));
      in_batch_ = true;
    }
    if (out->num_rows() > 0) return ReadStatus::kData;
    if (end_ && next_ >= *end_) return ReadStatus::kEndOfInput;
    return ReadStatus::kNoDataNow;
  }

  int64_t bad_records() const override { return decoder_.bad_records(); }
  void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override { decoder_.set_dead_letter_output(out); }

  Result<std::string> Position() const override {
    return EncodeTopicPosition(next_.value(), end_ ? std::optional<int64_t>(end_->value()) : std::nullopt);
  }

 private:
  std::shared_ptr<log::Partition> partition_;
  Offset next_;
  std::optional<Offset> end_;
  TopicRecordDecoder decoder_;
  std::vector<log::RecordHeader> headers_;  // scratch: the current record's headers
  std::string buf_;
  size_t pos_ = 0;
  log::RecordIterator iter_;
  bool in_batch_ = false;
  Offset batch_end_{0};
};

class LogTopicSource : public engine::Source {
 public:
  LogTopicSource(engine::TableDescriptor table, TopicOptions options, log::Log* log, int partitions, int time_column)
      : table_(std::move(table)),
        options_(std::move(options)),
        log_(log),
        partitions_(partitions),
        time_column_(time_column),
        dead_(std::make_shared<DeadLetters>(table_.name)) {}

  std::string name() const override { return "topic:" + options_.topic; }
  const engine::Schema& schema() const override { return table_.schema; }
  int event_time_column() const override { return time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return table_.watermark; }
  int num_splits() const override { return partitions_; }
  std::vector<int> upsert_key() const override { return options_.upsert ? options_.key_columns : std::vector<int>{}; }
  bool changelog() const override { return IsChangelogFormat(options_.value_format); }

  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override {
    SLUICE_ASSIGN_OR_RETURN(auto part, log_->GetPartition(options_.topic, PartitionId{split}));
    Offset start = part->log_start_offset();
    switch (options_.startup) {
      case StartupMode::kEarliest: break;
      case StartupMode::kLatest: start = part->high_watermark(); break;
      case StartupMode::kTimestamp: {
        SLUICE_ASSIGN_OR_RETURN(start, part->OffsetForTimestamp(options_.startup_timestamp_ms));
        break;
      }
      case StartupMode::kGroupOffsets: {
        auto committed = log_->group_offsets().Fetch(options_.group_id, options_.topic, PartitionId{split});
        if (committed) start = committed->offset;
        break;
      }
    }
    std::optional<Offset> end;
    if (options_.bounded == BoundedMode::kLatestOffset) end = part->high_watermark();
    SLUICE_ASSIGN_OR_RETURN(TopicRecordDecoder decoder, TopicRecordDecoder::ForTable(table_, &options_, dead_));
    return std::unique_ptr<engine::SourceReader>(new LogPartitionReader(part, start, end, std::move(decoder)));
  }

  // Resumes at the stored next offset, bounded (if at all) by the end the
  // first run saw, so a bounded job replays exactly the same records.
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    SLUICE_ASSIGN_OR_RETURN(TopicPosition at, DecodeTopicPosition(position));
    SLUICE_ASSIGN_OR_RETURN(auto part, log_->GetPartition(options_.topic, PartitionId{split}));
    std::optional<Offset> end;
    if (at.end) end = Offset{*at.end};
    SLUICE_ASSIGN_OR_RETURN(TopicRecordDecoder decoder, TopicRecordDecoder::ForTable(table_, &options_, dead_));
    return std::unique_ptr<engine::SourceReader>(
        new LogPartitionReader(part, Offset{at.next}, end, std::move(decoder)));
  }

 private:
  engine::TableDescriptor table_;
  TopicOptions options_;
  log::Log* log_;
  int partitions_;
  int time_column_;
  std::shared_ptr<DeadLetters> dead_;
};

}  // namespace

Result<std::shared_ptr<engine::Source>> NewLogTopicSource(const engine::TableDescriptor& table, TopicOptions options,
                                                          log::Log* log) {
  auto config = log->DescribeTopic(options.topic);
  if (!config.ok()) {
    return Status::NotFound(
        fmt::format("table {}: topic '{}' does not exist (create it with `sluice topic create "
                    "{}` or produce to it first)",
                    table.name, options.topic, options.topic));
  }
  int time_column = -1;
  if (!table.event_time_column.empty()) {
    SLUICE_ASSIGN_OR_RETURN(time_column, table.schema.IndexOf(table.event_time_column));
  }
  SLUICE_ASSIGN_OR_RETURN(auto probe, RowDecoder::ForTable(table));
  (void)probe;
  return std::shared_ptr<engine::Source>(
      std::make_shared<LogTopicSource>(table, std::move(options), log, config->partitions, time_column));
}

}  // namespace sluice::connectors
