#include "connectors/kafka_client.h"

#include <fmt/format.h>

namespace sluice::connectors {

Status KafkaStatus(rd_kafka_resp_err_t err, const std::string& what) {
  std::string m = fmt::format("{}: {}", what, rd_kafka_err2str(err));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    return Status::Unavailable(m + " (is the server running? see 'properties.bootstrap.servers')");
  }
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return Status::NotFound(m);
  if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) return Status::ResourceExhausted(m);
  return Status::Unavailable(m);
}

Result<KafkaHandle> NewKafkaClient(rd_kafka_type_t type, const std::string& bootstrap,
                                   const std::map<std::string, std::string>& props) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> all = {
      {"bootstrap.servers", bootstrap}, {"client.id", "sluice-engine"}, {"log_level", "3"}};
  for (const auto& [k, v] : props) all[k] = v;
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("Kafka client property {}={}: {}", k, v, err));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create Kafka client: ") + err);
  }
  return KafkaHandle(rk);
}

Result<int> KafkaPartitionCount(const std::string& bootstrap, const std::string& topic, const std::string& table) {
  // A consumer handle: its metadata request must not auto-create the topic.
  SLUICE_ASSIGN_OR_RETURN(KafkaHandle rk,
                          NewKafkaClient(RD_KAFKA_CONSUMER, bootstrap,
                                         {{"allow.auto.create.topics", "false"}, {"group.id", "sluice-metadata"}}));
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk.get(), 0, t, &md, 10000);
  rd_kafka_topic_destroy(t);
  if (e) return KafkaStatus(e, fmt::format("table {}: metadata of topic '{}' from {}", table, topic, bootstrap));
  int n = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (md->topic_cnt == 1) {
    n = md->topics[0].partition_cnt;
    topic_err = md->topics[0].err;
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err || n == 0) {
    return Status::NotFound(fmt::format("table {}: topic '{}' does not exist at {}", table, topic, bootstrap));
  }
  return n;
}

}  // namespace sluice::connectors
