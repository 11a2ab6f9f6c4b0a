#include "broker/messages/group_messages.h"

namespace sluice::broker {
namespace {

std::string ToString(std::string_view s) { return std::string(s); }
std::string ToString(std::optional<std::span<uint8_t>> b) {
  if (!b) return {};
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}
std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

FindCoordinatorRequest DecodeFindCoordinatorRequest(WireReader& r, int16_t version) {
  FindCoordinatorRequest req;
  req.key = r.String();
  if (version >= 1) req.key_type = r.Int8();
  return req;
}

void EncodeFindCoordinatorResponse(WireWriter& w, int16_t version, const FindCoordinatorResponse& resp) {
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  w.Int16(Wire(resp.error));
  if (version >= 1) w.NullableString(std::nullopt);  // ErrorMessage
  w.Int32(resp.node_id);
  w.String(resp.host);
  w.Int32(resp.port);
}

JoinGroupRequest DecodeJoinGroupRequest(WireReader& r, int16_t version) {
  JoinGroupRequest req;
  req.group_id = ToString(r.String());
  req.session_timeout_ms = r.Int32();
  req.rebalance_timeout_ms = version >= 1 ? r.Int32() : req.session_timeout_ms;
  req.member_id = ToString(r.String());
  if (version >= 5) {
    auto id = r.NullableString();
    if (id) req.group_instance_id = std::string(*id);
  }
  req.protocol_type = ToString(r.String());
  int32_t n = r.ArrayLength(6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    JoinGroupProtocol p;
    p.name = ToString(r.String());
    p.metadata = ToString(r.NullableBytes());
    req.protocols.push_back(std::move(p));
  }
  return req;
}

void EncodeJoinGroupResponse(WireWriter& w, int16_t version, const JoinGroupResponse& resp) {
  if (version >= 2) w.Int32(0);  // ThrottleTimeMs
  w.Int16(Wire(resp.error));
  w.Int32(resp.generation_id);
  w.String(resp.protocol_name);
  w.String(resp.leader);
  w.String(resp.member_id);
  w.ArrayLength(static_cast<int32_t>(resp.members.size()));
  for (const auto& m : resp.members) {
    w.String(m.member_id);
    if (version >= 5) w.NullableString(m.group_instance_id);
    w.Bytes(AsBytes(m.metadata));
  }
}

SyncGroupRequest DecodeSyncGroupRequest(WireReader& r, int16_t version) {
  SyncGroupRequest req;
  req.group_id = ToString(r.String());
  req.generation_id = r.Int32();
  req.member_id = ToString(r.String());
  if (version >= 3) r.NullableString();  // GroupInstanceId
  int32_t n = r.ArrayLength(6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    SyncGroupAssignment a;
    a.member_id = ToString(r.String());
    a.assignment = ToString(r.NullableBytes());
    req.assignments.push_back(std::move(a));
  }
  return req;
}

void EncodeSyncGroupResponse(WireWriter& w, int16_t version, const SyncGroupResponse& resp) {
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  w.Int16(Wire(resp.error));
  w.Bytes(AsBytes(resp.assignment));
}

HeartbeatRequest DecodeHeartbeatRequest(WireReader& r, int16_t version) {
  HeartbeatRequest req;
  req.group_id = ToString(r.String());
  req.generation_id = r.Int32();
  req.member_id = ToString(r.String());
  if (version >= 3) r.NullableString();  // GroupInstanceId
  return req;
}

LeaveGroupRequest DecodeLeaveGroupRequest(WireReader& r, int16_t /*version*/) {
  LeaveGroupRequest req;
  req.group_id = ToString(r.String());
  req.member_id = ToString(r.String());
  return req;
}

void EncodeErrorOnlyResponse(WireWriter& w, bool has_throttle, ErrorCode error) {
  if (has_throttle) w.Int32(0);
  w.Int16(Wire(error));
}

DescribeGroupsRequest DecodeDescribeGroupsRequest(WireReader& r, int16_t version) {
  DescribeGroupsRequest req;
  int32_t n = r.ArrayLength(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) req.groups.push_back(ToString(r.String()));
  if (version >= 3) r.Bool();  // IncludeAuthorizedOperations
  return req;
}

void EncodeDescribeGroupsResponse(WireWriter& w, int16_t version, const std::vector<DescribedGroup>& groups) {
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(groups.size()));
  for (const auto& g : groups) {
    w.Int16(Wire(g.error));
    w.String(g.group_id);
    w.String(g.state);
    w.String(g.protocol_type);
    w.String(g.protocol);
    w.ArrayLength(static_cast<int32_t>(g.members.size()));
    for (const auto& m : g.members) {
      w.String(m.member_id);
      if (version >= 4) w.NullableString(m.group_instance_id);
      w.String(m.client_id);
      w.String(m.client_host);
      w.Bytes(AsBytes(m.metadata));
      w.Bytes(AsBytes(m.assignment));
    }
    if (version >= 3) w.Int32(INT32_MIN);  // AuthorizedOperations: not computed
  }
}

void EncodeListGroupsResponse(WireWriter& w, int16_t version, ErrorCode error, const std::vector<ListedGroup>& groups) {
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  w.Int16(Wire(error));
  w.ArrayLength(static_cast<int32_t>(groups.size()));
  for (const auto& g : groups) {
    w.String(g.group_id);
    w.String(g.protocol_type);
  }
}

}  // namespace sluice::broker
