#include "connectors/kafka_partitioner.h"

namespace sluice::connectors {

int32_t KafkaMurmur2(std::string_view key) {
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const uint32_t length = static_cast<uint32_t>(key.size());
  uint32_t h = seed ^ length;
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = uint32_t{data[i4]} | (uint32_t{data[i4 + 1]} << 8) | (uint32_t{data[i4 + 2]} << 16) |
                 (uint32_t{data[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= uint32_t{data[(length & ~3u) + 2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{data[(length & ~3u) + 1]} << 8; [[fallthrough]];
    case 1: h ^= data[length & ~3u]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions) {
  // Kafka's toPositive: clear the sign bit (not abs, which overflows).
  return static_cast<int32_t>(static_cast<uint32_t>(KafkaMurmur2(key)) & 0x7fffffff) % partitions;
}

}  // namespace sluice::connectors
