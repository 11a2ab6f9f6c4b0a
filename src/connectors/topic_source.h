#pragma once

// Internal to the topic connectors: the sources over the embedded log and
// over librdkafka.

#include <memory>

#include "connectors/topic_options.h"
#include "engine/source.h"

namespace sluice::log {
class Log;
}

namespace sluice::connectors {

Result<std::shared_ptr<engine::Source>> NewLogTopicSource(const engine::TableDescriptor& table, TopicOptions options,
                                                          log::Log* log);
Result<std::shared_ptr<engine::Source>> NewKafkaTopicSource(const engine::TableDescriptor& table, TopicOptions options);

Result<std::shared_ptr<engine::Sink>> NewLogTopicSink(const engine::TableDescriptor& table, TopicOptions options,
                                                      log::Log* log);
Result<std::shared_ptr<engine::Sink>> NewKafkaTopicSink(const engine::TableDescriptor& table, TopicOptions options);

}  // namespace sluice::connectors
