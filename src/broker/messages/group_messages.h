#pragma once

// Consumer-group coordination messages: FindCoordinator v0-2, JoinGroup v0-5,
// SyncGroup v0-3, Heartbeat v0-3, LeaveGroup v0-1, DescribeGroups v0-4,
// ListGroups v0-2. Member metadata and assignments are opaque bytes to the
// coordinator (the consumer protocol is the clients' business).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

struct FindCoordinatorRequest {
  std::string_view key;
  int8_t key_type = 0;  // 0 group, 1 transaction
};
FindCoordinatorRequest DecodeFindCoordinatorRequest(WireReader& r, int16_t version);
struct FindCoordinatorResponse {
  ErrorCode error = ErrorCode::kNone;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};
void EncodeFindCoordinatorResponse(WireWriter& w, int16_t version, const FindCoordinatorResponse& resp);

struct JoinGroupProtocol {
  std::string name;
  std::string metadata;
};
struct JoinGroupRequest {
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v1+; v0 uses the session timeout
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v5+
  std::string protocol_type;
  std::vector<JoinGroupProtocol> protocols;
};
JoinGroupRequest DecodeJoinGroupRequest(WireReader& r, int16_t version);
struct JoinGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;
};
struct JoinGroupResponse {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinGroupMember> members;  // only for the leader
};
void EncodeJoinGroupResponse(WireWriter& w, int16_t version, const JoinGroupResponse& resp);

struct SyncGroupAssignment {
  std::string member_id;
  std::string assignment;
};
struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::vector<SyncGroupAssignment> assignments;  // from the leader only
};
SyncGroupRequest DecodeSyncGroupRequest(WireReader& r, int16_t version);
struct SyncGroupResponse {
  ErrorCode error = ErrorCode::kNone;
  std::string assignment;
};
void EncodeSyncGroupResponse(WireWriter& w, int16_t version, const SyncGroupResponse& resp);

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
};
HeartbeatRequest DecodeHeartbeatRequest(WireReader& r, int16_t version);
struct LeaveGroupRequest {
  std::string group_id;
  std::string member_id;
};
LeaveGroupRequest DecodeLeaveGroupRequest(WireReader& r, int16_t version);
// Heartbeat and LeaveGroup (v0-1) responses: [ThrottleTimeMs v1+] ErrorCode.
void EncodeErrorOnlyResponse(WireWriter& w, bool has_throttle, ErrorCode error);

struct DescribeGroupsRequest {
  std::vector<std::string> groups;
};
DescribeGroupsRequest DecodeDescribeGroupsRequest(WireReader& r, int16_t version);
struct DescribedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;
  std::string assignment;
};
struct DescribedGroup {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  std::string state;  // Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  std::string protocol_type;
  std::string protocol;
  std::vector<DescribedMember> members;
};
void EncodeDescribeGroupsResponse(WireWriter& w, int16_t version, const std::vector<DescribedGroup>& groups);

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;
};
void EncodeListGroupsResponse(WireWriter& w, int16_t version, ErrorCode error, const std::vector<ListedGroup>& groups);

}  // namespace sluice::broker
