#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::connectors {

// Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils.murmur2), so
// that a key lands in the partition Kafka's default partitioner (and
// librdkafka's 'murmur2_random') would choose.
int32_t KafkaMurmur2(std::string_view key);

// The partition of a keyed record among `partitions`: toPositive(murmur2) % n.
int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions);

}  // namespace sluice::connectors
