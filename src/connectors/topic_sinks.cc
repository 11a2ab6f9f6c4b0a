// Topic sinks: append rows as records to the embedded log, or produce them
// through librdkafka. Both are append-only.

#include <fmt/format.h>

#include <atomic>
#include <mutex>

#include "connectors/kafka_client.h"
#include "connectors/kafka_partitioner.h"
#include "connectors/topic_row_encoder.h"
#include "connectors/topic_source.h"
#include "log/log.h"
#include "log/record_batch.h"

namespace sluice::connectors {
namespace {

// Builds one record batch per partition per Write() and appends it.
class LogTopicSink : public engine::Sink {
 public:
  LogTopicSink(std::shared_ptr<const TopicOptions> options, TopicRowEncoder encoder,
               std::vector<std::shared_ptr<log::Partition>> partitions)
      : options_(std::move(options)), encoder_(std::move(encoder)), partitions_(std::move(partitions)) {
    last_written_.assign(partitions_.size(), -1);
  }

  Status Write(const engine::Batch& batch) override {
    struct Scratch {
      std::vector<log::RecordBatchBuilder> builders;
      std::string value, key, wire;
    };
    thread_local Scratch s;
    const int32_t n = static_cast<int32_t>(partitions_.size());
    if (static_cast<int32_t>(s.builders.size()) < n) s.builders.resize(n);
    for (auto& b : s.builders) b.Reset(log::BatchOptions{});
    // Unkeyed rows of one Write() stick to one partition, rotating per call
    // (Kafka's sticky partitioner in spirit).
    const int32_t sticky = static_cast<int32_t>(round_robin_.fetch_add(1, std::memory_order_relaxed) % n);
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      bool has_key = false;
      int64_t ts = 0;
      SLUICE_RETURN_IF_ERROR(encoder_.Encode(batch, row, &s.value, &s.key, &has_key, &ts));
      int32_t p = has_key ? KafkaPartitionForKey(s.key, n) : sticky;
      s.builders[p].Add(ts, has_key ? std::optional<std::string_view>(s.key) : std::nullopt, s.value);
    }
    for (int32_t p = 0; p < n; ++p) {
      if (s.builders[p].empty()) continue;
      s.wire.clear();
      SLUICE_RETURN_IF_ERROR(s.builders[p].Finish(&s.wire));
      auto span = std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.wire.data()), s.wire.size());
      SLUICE_ASSIGN_OR_RETURN(log::AppendResult r, partitions_[p]->Append(span));
      std::lock_guard lock(mu_);
      last_written_[p] = std::max(last_written_[p], r.last_offset.value());
    }
    return Status::Ok();
  }

  Status Finish() override {
    // Under fsync=always the job's output is durable before the job reports success.
    std::lock_guard lock(mu_);
    for (size_t p = 0; p < partitions_.size(); ++p) {
      if (last_written_[p] >= 0) SLUICE_RETURN_IF_ERROR(partitions_[p]->WaitDurable(Offset{last_written_[p]}));
    }
    return Status::Ok();
  }

 private:
  std::shared_ptr<const TopicOptions> options_;  // the encoder points into it
  TopicRowEncoder encoder_;
  std::vector<std::shared_ptr<log::Partition>> partitions_;
  std::atomic<uint64_t> round_robin_{0};
  std::mutex mu_;
  std::vector<int64_t> last_written_;
};

// Produces through librdkafka (acks=all, Kafka's murmur2 partitioner).
class KafkaTopicSink : public engine::Sink {
 public:
  static Result<std::shared_ptr<KafkaTopicSink>> Create(const engine::TableDescriptor& table, TopicOptions options) {
    auto sink = std::shared_ptr<KafkaTopicSink>(new KafkaTopicSink());
    sink->options_ = std::make_shared<const TopicOptions>(std::move(options));
    SLUICE_ASSIGN_OR_RETURN(TopicRowEncoder encoder, TopicRowEncoder::ForTable(table, sink->options_.get()));
    sink->encoder_ = std::make_unique<TopicRowEncoder>(std::move(encoder));
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::pair<const char*, std::string> props[] = {{"bootstrap.servers", sink->options_->bootstrap},
                                                         {"client.id", "sluice-engine"},
                                                         {"acks", "all"},
                                                         {"partitioner", "murmur2_random"},
                                                         {"linger.ms", "5"},
                                                         {"log_level", "3"}};
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return Status::InvalidArgument(fmt::format("table {}: {}={}: {}", table.name, k, v, err));
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaTopicSink::OnDelivery);
    rd_kafka_conf_set_opaque(conf, sink.get());
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("table {}: cannot create producer: {}", table.name, err));
    }
    sink->rk_.reset(rk);
    return sink;
  }

  Status Write(const engine::Batch& batch) override {
    SLUICE_RETURN_IF_ERROR(FirstError());
    thread_local std::string value, key;
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      bool has_key = false;
      int64_t ts = 0;
      SLUICE_RETURN_IF_ERROR(encoder_->Encode(batch, row, &value, &key, &has_key, &ts));
      while (true) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(options_->topic.c_str()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value.data(), value.size()),
                              RD_KAFKA_V_KEY(has_key ? key.data() : nullptr, has_key ? key.size() : 0),
                              RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk_.get(), 50);  // backpressure: wait for deliveries
          continue;
        }
        if (e) return KafkaStatus(e, "produce to topic " + options_->topic);
        break;
      }
    }
    rd_kafka_poll(rk_.get(), 0);
    return Status::Ok();
  }

  Status Finish() override {
    rd_kafka_resp_err_t e = rd_kafka_flush(rk_.get(), 60000);
    if (e) return KafkaStatus(e, "flush to topic " + options_->topic);
    return FirstError();
  }

 private:
  KafkaTopicSink() = default;

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (!m->err) return;
    auto* self = static_cast<KafkaTopicSink*>(opaque);
    std::lock_guard lock(self->mu_);
    if (self->error_.ok()) self->error_ = KafkaStatus(m->err, "deliver to topic " + self->options_->topic);
  }

  Status FirstError() {
    std::lock_guard lock(mu_);
    return error_;
  }

  std::shared_ptr<const TopicOptions> options_;  // the encoder points into it
  std::unique_ptr<TopicRowEncoder> encoder_;
  std::mutex mu_;
  Status error_;
  KafkaHandle rk_;  // last: destroyed first, while the rest is still valid for callbacks
};

}  // namespace

Result<std::shared_ptr<engine::Sink>> NewLogTopicSink(const engine::TableDescriptor& table, TopicOptions options,
                                                      log::Log* log) {
  auto config = log->DescribeTopic(options.topic);
  if (!config.ok()) {
    // Like a Kafka broker with auto-create: a sink topic appears on first use.
    log::TopicConfig fresh;
    Status s = log->CreateTopic(options.topic, fresh);
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s.WithContext("table " + table.name);
    config = log->DescribeTopic(options.topic);
    if (!config.ok()) return config.status();
  }
  std::vector<std::shared_ptr<log::Partition>> partitions;
  for (int32_t p = 0; p < config->partitions; ++p) {
    SLUICE_ASSIGN_OR_RETURN(auto part, log->GetPartition(options.topic, PartitionId{p}));
    partitions.push_back(std::move(part));
  }
  auto owned = std::make_shared<const TopicOptions>(std::move(options));
  SLUICE_ASSIGN_OR_RETURN(TopicRowEncoder encoder, TopicRowEncoder::ForTable(table, owned.get()));
  return std::shared_ptr<engine::Sink>(
      std::make_shared<LogTopicSink>(owned, std::move(encoder), std::move(partitions)));
}

Result<std::shared_ptr<engine::Sink>> NewKafkaTopicSink(const engine::TableDescriptor& table, TopicOptions options) {
  SLUICE_ASSIGN_OR_RETURN(auto sink, KafkaTopicSink::Create(table, std::move(options)));
  return std::shared_ptr<engine::Sink>(std::move(sink));
}

}  // namespace sluice::connectors
