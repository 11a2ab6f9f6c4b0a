#include "cli/kafka_client.h"

#include <fmt/format.h>

namespace sluice::cli {

Status KafkaError(rd_kafka_resp_err_t err, const std::string& what) {
  std::string m = fmt::format("{}: {}", what, rd_kafka_err2str(err));
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: return Status::NotFound(m);
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: return Status::AlreadyExists(m);
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return Status::Timeout(m + " (is a server listening there? see --bootstrap)");
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: return Status::InvalidArgument(m);
    default: return Status::Unavailable(m);
  }
}

Result<RdKafkaHandle> CreateClient(rd_kafka_type_t type, const ClientOptions& options,
                                   const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> props = {{"client.id", "sluice-cli"}};
  for (const auto& [k, v] : extra) props[k] = v;
  return connectors::NewKafkaClient(type, options.bootstrap, props);
}

Result<std::vector<TopicInfo>> ListTopics(rd_kafka_t* rk, const ClientOptions& options) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(options.timeout.count()));
  if (e) return KafkaError(e, "cannot read metadata from " + options.bootstrap);
  std::vector<TopicInfo> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    TopicInfo info;
    info.name = t.topic;
    for (int p = 0; p < t.partition_cnt; ++p) info.partitions.push_back({t.partitions[p].id, 0, 0});
    out.push_back(std::move(info));
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

Result<TopicInfo> DescribeTopic(rd_kafka_t* rk, const std::string& topic, const ClientOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto topics, ListTopics(rk, options));
  for (auto& t : topics) {
    if (t.name != topic) continue;
    for (auto& p : t.partitions) {
      rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p.id, &p.low, &p.high,
                                                               static_cast<int>(options.timeout.count()));
      if (e) return KafkaError(e, fmt::format("cannot read offsets of {}[{}]", topic, p.id));
    }
    return t;
  }
  return Status::NotFound("topic " + topic + " does not exist (sluice topic list shows the topics)");
}

}  // namespace sluice::cli
