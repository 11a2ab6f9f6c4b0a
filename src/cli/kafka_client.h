#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "connectors/kafka_client.h"

namespace sluice::cli {

// Where the client commands connect: a Sluice server or any Kafka cluster.
struct ClientOptions {
  std::string bootstrap = "127.0.0.1:9092";
  std::chrono::milliseconds timeout{10000};
};

using RdKafkaHandle = connectors::KafkaHandle;

// Creates a librdkafka producer or consumer with `extra` configuration on top
// of the bootstrap servers. Errors name the offending property.
Result<RdKafkaHandle> CreateClient(rd_kafka_type_t type, const ClientOptions& options,
                                   const std::map<std::string, std::string>& extra = {});

struct PartitionInfo {
  int32_t id = 0;
  int64_t low = 0;   // log start offset
  int64_t high = 0;  // next offset (high watermark)
};
struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // low/high filled by DescribeTopic only
};

// Topics and their partition counts from a Metadata request.
Result<std::vector<TopicInfo>> ListTopics(rd_kafka_t* rk, const ClientOptions& options);
// One topic with each partition's low and high offsets.
Result<TopicInfo> DescribeTopic(rd_kafka_t* rk, const std::string& topic, const ClientOptions& options);

// Maps a librdkafka error to a Status with `what` as context.
Status KafkaError(rd_kafka_resp_err_t err, const std::string& what);

}  // namespace sluice::cli
