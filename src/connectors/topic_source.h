#pragma once

// Internal to the topic connectors: the sources over the embedded log and
// over librdkafka.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/topic_options.h"
#include "engine/source.h"

namespace sluice::log {
class Log;
}

namespace sluice::connectors {

// Position of a topic split (one partition), the same for the embedded log
// and for librdkafka, format version 1 (checkpoint_codec.h, little-endian):
//   u8  version = 1
//   i64 next offset to read (just after the last record returned)
//   i64 end offset of a bounded read (scan.bounded.mode = latest-offset, as
//       seen when the job first started), or -1 for unbounded
struct TopicPosition {
  int64_t next = 0;
  std::optional<int64_t> end;
};
std::string EncodeTopicPosition(int64_t next, std::optional<int64_t> end);
Result<TopicPosition> DecodeTopicPosition(std::string_view position);

Result<std::shared_ptr<engine::Source>> NewLogTopicSource(const engine::TableDescriptor& table, TopicOptions options,
                                                          log::Log* log);
Result<std::shared_ptr<engine::Source>> NewKafkaTopicSource(const engine::TableDescriptor& table, TopicOptions options);

// Staging files of the exactly-once sink go under `data_dir`/staging (the
// log's data dir if `data_dir` is empty).
Result<std::shared_ptr<engine::Sink>> NewLogTopicSink(const engine::TableDescriptor& table, TopicOptions options,
                                                      log::Log* log, const std::filesystem::path& data_dir);
Result<std::shared_ptr<engine::Sink>> NewKafkaTopicSink(const engine::TableDescriptor& table, TopicOptions options);

}  // namespace sluice::connectors
