#include "broker/protocol/api_keys.h"

#include <climits>

namespace sluice::broker {
namespace {

constexpr int16_t kNone = SHRT_MAX;

constexpr ApiVersionRange kApis[] = {
    {ApiKey::kProduce, 0, 7, kNone, "Produce"},
    {ApiKey::kFetch, 0, 11, kNone, "Fetch"},
    {ApiKey::kListOffsets, 0, 2, kNone, "ListOffsets"},
    {ApiKey::kMetadata, 0, 4, kNone, "Metadata"},
    {ApiKey::kOffsetCommit, 0, 7, kNone, "OffsetCommit"},
    {ApiKey::kOffsetFetch, 0, 5, kNone, "OffsetFetch"},
    {ApiKey::kFindCoordinator, 0, 2, kNone, "FindCoordinator"},
    {ApiKey::kJoinGroup, 0, 5, kNone, "JoinGroup"},
    {ApiKey::kHeartbeat, 0, 3, kNone, "Heartbeat"},
    {ApiKey::kLeaveGroup, 0, 1, kNone, "LeaveGroup"},
    {ApiKey::kSyncGroup, 0, 3, kNone, "SyncGroup"},
    {ApiKey::kDescribeGroups, 0, 4, kNone, "DescribeGroups"},
    {ApiKey::kListGroups, 0, 2, kNone, "ListGroups"},
    {ApiKey::kApiVersions, 0, 3, 3, "ApiVersions"},
    {ApiKey::kCreateTopics, 0, 4, kNone, "CreateTopics"},
    {ApiKey::kDeleteTopics, 0, 3, kNone, "DeleteTopics"},
    {ApiKey::kDescribeLogDirs, 0, 1, kNone, "DescribeLogDirs"},
};

}  // namespace

std::span<const ApiVersionRange> SupportedApis() { return kApis; }

std::optional<ApiVersionRange> FindApi(int16_t key) {
  for (const auto& api : kApis) {
    if (static_cast<int16_t>(api.key) == key) return api;
  }
  return std::nullopt;
}

}  // namespace sluice::broker
