// The 'kafka' source (and 'topic' outside the log's process): one librdkafka
// consumer per split, assigned to its partition.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include "connectors/kafka_client.h"
#include "connectors/topic_record_decoder.h"
#include "connectors/topic_source.h"

namespace sluice::connectors {
namespace {

using engine::ReadStatus;

class KafkaPartitionReader : public engine::SourceReader {
 public:
  KafkaPartitionReader(KafkaHandle consumer, int32_t partition, std::optional<int64_t> end, TopicRecordDecoder decoder)
      : rk_(std::move(consumer)), partition_(partition), end_(end), decoder_(std::move(decoder)) {}
  ~KafkaPartitionReader() override { rd_kafka_consumer_close(rk_.get()); }

  Result<ReadStatus> Read(engine::Batch* out) override {
    // Room for the rows of one more record (two for an update in a changelog format).
    while (out->num_rows() + decoder_.max_rows_per_record() <= out->capacity()) {
      if (end_ && next_ >= *end_) break;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 0);
      if (!m) break;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        rd_kafka_message_destroy(m);
        break;
      }
      if (m->err) {
        rd_kafka_resp_err_t e = m->err;
        std::string what = rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        if (e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) break;  // retried
        return KafkaStatus(e, "consume partition " + std::to_string(partition_) + ": " + what);
      }
      if (end_ && m->offset >= *end_) {
        next_ = m->offset;
        rd_kafka_message_destroy(m);
        break;
      }
      std::optional<std::string_view> key, value;
      if (m->key) key = std::string_view(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) value = std::string_view(static_cast<const char*>(m->payload), m->len);
      rd_kafka_timestamp_type_t tstype;
      int64_t ts = rd_kafka_message_timestamp(m, &tstype);
      const std::vector<log::RecordHeader>* headers = nullptr;
      rd_kafka_headers_t* hdrs = nullptr;
      if (decoder_.wants_headers() && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        headers_.clear();
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          std::optional<std::string_view> v;
          if (val) v = std::string_view(static_cast<const char*>(val), size);
          headers_.push_back(log::RecordHeader{name, v});
        }
        headers = &headers_;
      }
      decoder_.Add(key, value, partition_, m->offset, ts, headers, out);
      next_ = m->offset + 1;
      rd_kafka_message_destroy(m);
    }
    if (out->num_rows() > 0) return ReadStatus::kData;
    if (end_ && next_ >= *end_) return ReadStatus::kEndOfInput;
    return ReadStatus::kNoDataNow;
  }

  int64_t bad_records() const override { return decoder_.bad_records(); }
  void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override { decoder_.set_dead_letter_output(out); }
  Result<std::string> Position() const override { return EncodeTopicPosition(next_, end_); }
  void set_next(int64_t next) { next_ = next; }

 private:
  KafkaHandle rk_;
  int32_t partition_;
  std::optional<int64_t> end_;
  TopicRecordDecoder decoder_;
  std::vector<log::RecordHeader> headers_;  // scratch: the current message's headers
  int64_t next_ = 0;
};

class KafkaTopicSource : public engine::Source {
 public:
  KafkaTopicSource(engine::TableDescriptor table, TopicOptions options, int partitions, int time_column)
      : table_(std::move(table)),
        options_(std::move(options)),
        partitions_(partitions),
        time_column_(time_column),
        dead_(std::make_shared<DeadLetters>(table_.name)) {}

  std::string name() const override { return "kafka:" + options_.topic; }
  const engine::Schema& schema() const override { return table_.schema; }
  int event_time_column() const override { return time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return table_.watermark; }
  int num_splits() const override { return partitions_; }
  std::vector<int> upsert_key() const override { return options_.upsert ? options_.key_columns : std::vector<int>{}; }
  bool changelog() const override { return IsChangelogFormat(options_.value_format); }

  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override { return Open(split, nullptr); }

  // Assigns the partition at the stored next offset; a bounded read keeps
  // the end offset of the first run.
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    SLUICE_ASSIGN_OR_RETURN(TopicPosition at, DecodeTopicPosition(position));
    return Open(split, &at);
  }

 private:
  Result<std::unique_ptr<engine::SourceReader>> Open(int split, const TopicPosition* resume) {
    std::map<std::string, std::string> props = {
        {"enable.partition.eof", "true"}, {"enable.auto.commit", "false"}, {"auto.offset.reset", "earliest"}};
    props["group.id"] = options_.group_id.empty() ? "sluice-" + table_.name : options_.group_id;
    SLUICE_ASSIGN_OR_RETURN(KafkaHandle rk, NewKafkaClient(RD_KAFKA_CONSUMER, options_.bootstrap, props));
    rd_kafka_poll_set_consumer(rk.get());
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk.get(), options_.topic.c_str(), split, &low, &high, 10000);
    if (e)
      return KafkaStatus(e, fmt::format("read offsets of {}[{}] at {}", options_.topic, split, options_.bootstrap));
    int64_t start = RD_KAFKA_OFFSET_BEGINNING;
    switch (resume ? StartupMode::kEarliest : options_.startup) {
      case StartupMode::kEarliest: start = RD_KAFKA_OFFSET_BEGINNING; break;
      case StartupMode::kLatest: start = RD_KAFKA_OFFSET_END; break;
      case StartupMode::kGroupOffsets: start = RD_KAFKA_OFFSET_STORED; break;
      case StartupMode::kTimestamp: {
        rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, options_.topic.c_str(), split)->offset = options_.startup_timestamp_ms;
        e = rd_kafka_offsets_for_times(rk.get(), l, 10000);
        start = e ? RD_KAFKA_OFFSET_END : l->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(l);
        if (e) return KafkaStatus(e, "look up offsets by timestamp");
        if (start < 0) start = RD_KAFKA_OFFSET_END;
        break;
      }
    }
    if (start == RD_KAFKA_OFFSET_STORED) {
      // Resolve the group's committed offset now, so that Position() is a
      // real offset from the first read on (auto.offset.reset=earliest when
      // the group has none).
      rd_kafka_topic_partition_list_t* c = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(c, options_.topic.c_str(), split);
      e = rd_kafka_committed(rk.get(), c, 10000);
      start = e ? RD_KAFKA_OFFSET_STORED : c->elems[0].offset;
      rd_kafka_topic_partition_list_destroy(c);
      if (e) return KafkaStatus(e, fmt::format("read the committed offset of group {}", props["group.id"]));
      if (start < 0) start = low;
    }
    if (resume) start = resume->next;
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, options_.topic.c_str(), split)->offset = start;
    e = rd_kafka_assign(rk.get(), l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return KafkaStatus(e, "assign partition");
    std::optional<int64_t> end;
    if (options_.bounded == BoundedMode::kLatestOffset) end = high;
    if (resume) end = resume->end;
    SLUICE_ASSIGN_OR_RETURN(TopicRecordDecoder decoder, TopicRecordDecoder::ForTable(table_, &options_, dead_));
    auto reader = std::make_unique<KafkaPartitionReader>(std::move(rk), split, end, std::move(decoder));
    if (start >= 0) {
      reader->set_next(start);
    } else if (start == RD_KAFKA_OFFSET_BEGINNING) {
      reader->set_next(low);
    } else if (start == RD_KAFKA_OFFSET_END) {
      reader->set_next(high);
    }
    return std::unique_ptr<engine::SourceReader>(std::move(reader));
  }

  engine::TableDescriptor table_;
  TopicOptions options_;
  int partitions_;
  int time_column_;
  std::shared_ptr<DeadLetters> dead_;
};

}  // namespace

Result<std::shared_ptr<engine::Source>> NewKafkaTopicSource(const engine::TableDescriptor& table,
                                                            TopicOptions options) {
  SLUICE_ASSIGN_OR_RETURN(int partitions, KafkaPartitionCount(options.bootstrap, options.topic, table.name));
  int time_column = -1;
  if (!table.event_time_column.empty()) {
    SLUICE_ASSIGN_OR_RETURN(time_column, table.schema.IndexOf(table.event_time_column));
  }
  SLUICE_ASSIGN_OR_RETURN(auto probe, RowDecoder::ForTable(table));
  (void)probe;
  return std::shared_ptr<engine::Source>(
      std::make_shared<KafkaTopicSource>(table, std::move(options), partitions, time_column));
}

}  // namespace sluice::connectors
