#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "common/result.h"

namespace sluice::connectors {

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

// A librdkafka producer or consumer for `bootstrap` with `props` on top.
Result<KafkaHandle> NewKafkaClient(rd_kafka_type_t type, const std::string& bootstrap,
                                   const std::map<std::string, std::string>& props);
// The partition count of `topic`; NotFound naming the table when it is missing.
Result<int> KafkaPartitionCount(const std::string& bootstrap, const std::string& topic, const std::string& table);
Status KafkaStatus(rd_kafka_resp_err_t err, const std::string& what);

}  // namespace sluice::connectors
