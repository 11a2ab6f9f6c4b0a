#include "connectors/topic_connector.h"

#include "connectors/topic_source.h"

namespace sluice::connectors {
namespace {

class TopicConnector : public engine::ConnectorFactory {
 public:
  TopicConnector(bool kafka, log::Log* log, std::string bootstrap)
      : kafka_(kafka), log_(log), bootstrap_(std::move(bootstrap)) {}
  std::string name() const override { return kafka_ ? "kafka" : "topic"; }

  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& table,
                                                       const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(TopicOptions o, TopicOptions::Parse(table, kafka_, log_ != nullptr, bootstrap_));
    if (o.bootstrap.empty()) return NewLogTopicSource(table, std::move(o), log_);
    return NewKafkaTopicSource(table, std::move(o));
  }

  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& table,
                                                   const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(TopicOptions o, TopicOptions::Parse(table, kafka_, log_ != nullptr, bootstrap_));
    if (o.bootstrap.empty()) return NewLogTopicSink(table, std::move(o), log_);
    return NewKafkaTopicSink(table, std::move(o));
  }

 private:
  bool kafka_;
  log::Log* log_;
  std::string bootstrap_;
};

}  // namespace

std::shared_ptr<engine::ConnectorFactory> NewTopicConnector(log::Log* log, std::string default_bootstrap) {
  return std::make_shared<TopicConnector>(false, log, std::move(default_bootstrap));
}

std::shared_ptr<engine::ConnectorFactory> NewKafkaConnector() {
  return std::make_shared<TopicConnector>(true, nullptr, "");
}

}  // namespace sluice::connectors
