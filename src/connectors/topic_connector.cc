#include "connectors/topic_connector.h"

#include "connectors/checkpoint_codec.h"
#include "connectors/topic_source.h"

namespace sluice::connectors {

constexpr uint8_t kTopicPositionVersion = 1;

std::string EncodeTopicPosition(int64_t next, std::optional<int64_t> end) {
  std::string out;
  PutU8(&out, kTopicPositionVersion);
  PutI64(&out, next);
  PutI64(&out, end.value_or(-1));
  return out;
}

Result<TopicPosition> DecodeTopicPosition(std::string_view position) {
  CheckpointReader in(position, "topic source position");
  SLUICE_RETURN_IF_ERROR(in.Version(kTopicPositionVersion));
  TopicPosition at;
  SLUICE_ASSIGN_OR_RETURN(at.next, in.I64());
  SLUICE_ASSIGN_OR_RETURN(int64_t end, in.I64());
  SLUICE_RETURN_IF_ERROR(in.End());
  if (at.next < 0) return Status::Corruption("topic source position has a negative offset");
  if (end >= 0) at.end = end;
  return at;
}

namespace {

class TopicConnector : public engine::ConnectorFactory {
 public:
  TopicConnector(TopicOptions::Flavor flavor, log::Log* log, std::string bootstrap)
      : flavor_(flavor), log_(log), bootstrap_(std::move(bootstrap)) {}
  std::string name() const override {
    return flavor_ == TopicOptions::Flavor::kTopic   ? "topic"
           : flavor_ == TopicOptions::Flavor::kKafka ? "kafka"
                                                     : "upsert-kafka";
  }

  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& table,
                                                       const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(TopicOptions o, TopicOptions::Parse(table, flavor_, log_ != nullptr, bootstrap_));
    if (o.bootstrap.empty()) return NewLogTopicSource(table, std::move(o), log_);
    return NewKafkaTopicSource(table, std::move(o));
  }

  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& table,
                                                   const engine::ConnectorContext& ctx) override {
    SLUICE_ASSIGN_OR_RETURN(TopicOptions o, TopicOptions::Parse(table, flavor_, log_ != nullptr, bootstrap_));
    if (o.bootstrap.empty()) return NewLogTopicSink(table, std::move(o), log_, ctx.data_dir);
    return NewKafkaTopicSink(table, std::move(o));
  }

 private:
  TopicOptions::Flavor flavor_;
  log::Log* log_;
  std::string bootstrap_;
};

}  // namespace

std::shared_ptr<engine::ConnectorFactory> NewTopicConnector(log::Log* log, std::string default_bootstrap) {
  return std::make_shared<TopicConnector>(TopicOptions::Flavor::kTopic, log, std::move(default_bootstrap));
}

std::shared_ptr<engine::ConnectorFactory> NewKafkaConnector() {
  return std::make_shared<TopicConnector>(TopicOptions::Flavor::kKafka, nullptr, "");
}

std::shared_ptr<engine::ConnectorFactory> NewUpsertKafkaConnector() {
  return std::make_shared<TopicConnector>(TopicOptions::Flavor::kUpsertKafka, nullptr, "");
}

}  // namespace sluice::connectors
