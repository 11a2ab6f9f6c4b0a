#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sluice::broker {

// Kafka API keys Sluice knows about (apache/kafka clients/src/main/resources/
// common/message/*.json). Values are the wire values.
enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kInitProducerId = 22,
  kDescribeLogDirs = 35,
};

// The versions of one API that the server implements.
struct ApiVersionRange {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
  // First version using the flexible encoding (compact strings, tagged
  // fields, request header v2); INT16_MAX if none we support is flexible.
  int16_t first_flexible;
  std::string_view name;
};

// Every API the server answers, as advertised in ApiVersions. Minimum version
// 0 for each: librdkafka enables features by version overlap.
std::span<const ApiVersionRange> SupportedApis();

// The supported range for `key`, or nullopt when the API is not implemented.
std::optional<ApiVersionRange> FindApi(int16_t key);

}  // namespace sluice::broker
