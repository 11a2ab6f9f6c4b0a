#include "broker/fuzz/kafka_request_fuzz.h"

#include <vector>

#include "broker/messages/api_versions.h"
#include "broker/messages/describe_log_dirs.h"
#include "broker/messages/fetch.h"
#include "broker/messages/group_messages.h"
#include "broker/messages/list_offsets.h"
#include "broker/messages/metadata.h"
#include "broker/messages/offset_messages.h"
#include "broker/messages/produce.h"
#include "broker/messages/topic_admin_messages.h"
#include "broker/protocol/api_keys.h"
#include "broker/protocol/request_header.h"

namespace sluice::broker {

void FuzzKafkaRequestDecoder(const uint8_t* data, size_t size) {
  std::vector<uint8_t> frame(data, data + size);  // decoders take mutable views
  WireReader r(frame);
  RequestHeader h = DecodeRequestHeader(r);
  if (!r.ok()) return;
  auto api = FindApi(h.api_key);
  if (!api || h.api_version < api->min_version || h.api_version > api->max_version) return;
  int16_t v = h.api_version;
  switch (static_cast<ApiKey>(h.api_key)) {
    case ApiKey::kApiVersions: DecodeApiVersionsRequest(r, v); break;
    case ApiKey::kMetadata: (void)DecodeMetadataRequest(r, v); break;
    case ApiKey::kProduce: (void)DecodeProduceRequest(r, v); break;
    case ApiKey::kFetch: (void)DecodeFetchRequest(r, v); break;
    case ApiKey::kListOffsets: (void)DecodeListOffsetsRequest(r, v); break;
    case ApiKey::kFindCoordinator: (void)DecodeFindCoordinatorRequest(r, v); break;
    case ApiKey::kJoinGroup: (void)DecodeJoinGroupRequest(r, v); break;
    case ApiKey::kSyncGroup: (void)DecodeSyncGroupRequest(r, v); break;
    case ApiKey::kHeartbeat: (void)DecodeHeartbeatRequest(r, v); break;
    case ApiKey::kLeaveGroup: (void)DecodeLeaveGroupRequest(r, v); break;
    case ApiKey::kDescribeGroups: (void)DecodeDescribeGroupsRequest(r, v); break;
    case ApiKey::kListGroups: break;
    case ApiKey::kOffsetCommit: (void)DecodeOffsetCommitRequest(r, v); break;
    case ApiKey::kOffsetFetch: (void)DecodeOffsetFetchRequest(r, v); break;
    case ApiKey::kCreateTopics: (void)DecodeCreateTopicsRequest(r, v); break;
    case ApiKey::kDeleteTopics: (void)DecodeDeleteTopicsRequest(r, v); break;
    case ApiKey::kDescribeLogDirs: (void)DecodeDescribeLogDirsRequest(r, v); break;
    default: break;
  }
}

}  // namespace sluice::broker
