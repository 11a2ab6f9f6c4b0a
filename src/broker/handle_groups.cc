// Consumer groups: coordinator lookup, membership (delegated to the
// GroupCoordinator) and committed offsets (stored durably by the log).

#include <asio/post.hpp>

#include <map>
#include <set>

#include "broker/kafka_handler.h"
#include "broker/kafka_request.h"
#include "broker/messages/group_messages.h"
#include "broker/messages/offset_messages.h"
#include "log/log.h"

namespace sluice::broker {

Status KafkaHandler::HandleFindCoordinator(const RequestPtr& req) {
  FindCoordinatorRequest fc = DecodeFindCoordinatorRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  FindCoordinatorResponse resp;
  if (fc.key_type != 0) {
    // Transactions are not supported, so there is no transaction coordinator.
    resp.error = ErrorCode::kCoordinatorNotAvailable;
    resp.node_id = -1;
  } else {
    resp.node_id = options_.node_id;
    resp.host = options_.advertised_host;
    resp.port = options_.advertised_port;
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeFindCoordinatorResponse(w, v, resp); });
  return Status::Ok();
}

Status KafkaHandler::HandleJoinGroup(const RequestPtr& req) {
  JoinGroupRequest jg = DecodeJoinGroupRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  std::string client_id(req->header.client_id.value_or(""));
  int16_t v = req->version();
  coordinator_.JoinGroup(jg, v, client_id, req->ctx.client_host, [req, v](const JoinGroupResponse& resp) {
    req->Reply([&](WireWriter& w) { EncodeJoinGroupResponse(w, v, resp); });
  });
  return Status::Ok();
}

Status KafkaHandler::HandleSyncGroup(const RequestPtr& req) {
  SyncGroupRequest sg = DecodeSyncGroupRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  int16_t v = req->version();
  coordinator_.SyncGroup(sg, [req, v](const SyncGroupResponse& resp) {
    req->Reply([&](WireWriter& w) { EncodeSyncGroupResponse(w, v, resp); });
  });
  return Status::Ok();
}

Status KafkaHandler::HandleHeartbeat(const RequestPtr& req) {
  HeartbeatRequest hb = DecodeHeartbeatRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  ErrorCode e = coordinator_.Heartbeat(hb);
  bool throttle = req->version() >= 1;
  req->Reply([&](WireWriter& w) { EncodeErrorOnlyResponse(w, throttle, e); });
  return Status::Ok();
}

Status KafkaHandler::HandleLeaveGroup(const RequestPtr& req) {
  LeaveGroupRequest lg = DecodeLeaveGroupRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  ErrorCode e = coordinator_.LeaveGroup(lg);
  bool throttle = req->version() >= 1;
  req->Reply([&](WireWriter& w) { EncodeErrorOnlyResponse(w, throttle, e); });
  return Status::Ok();
}

Status KafkaHandler::HandleOffsetCommit(const RequestPtr& req) {
  OffsetCommitRequest oc = DecodeOffsetCommitRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  ErrorCode group_error = oc.group_id.empty()
                              ? ErrorCode::kInvalidGroupId
                              : coordinator_.ValidateOffsetCommit(oc.group_id, oc.generation_id, oc.member_id);
  // The commit waits for its fsync: do it on the blocking pool and answer
  // from there (`req` keeps the request bytes alive; Reply posts to the
  // connection's strand).
  asio::post(blocking_pool_, [this, req, oc = std::move(oc), group_error] {
    std::vector<OffsetTopicResult> results;
    for (const auto& t : oc.topics) {
      OffsetTopicResult tr;
      tr.name = std::string(t.name);
      for (const auto& p : t.partitions) {
        OffsetPartitionResult pr;
        pr.index = p.index;
        if (group_error != ErrorCode::kNone) {
          pr.error = group_error;
        } else if (!log_.GetPartition(t.name, PartitionId{p.index}).ok()) {
          pr.error = ErrorCode::kUnknownTopicOrPartition;
        } else {
          Status s = log_.group_offsets().Commit(oc.group_id, t.name, PartitionId{p.index}, Offset{p.offset},
                                                 p.metadata.value_or(""));
          pr.error = ErrorCodeFor(s, ErrorCode::kKafkaStorageError);
        }
        tr.partitions.push_back(std::move(pr));
      }
      results.push_back(std::move(tr));
    }
    int16_t v = req->version();
    req->Reply([&](WireWriter& w) { EncodeOffsetCommitResponse(w, v, results); });
  });
  return Status::Ok();
}

Status KafkaHandler::HandleOffsetFetch(const RequestPtr& req) {
  OffsetFetchRequest of = DecodeOffsetFetchRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  asio::post(blocking_pool_, [this, req, of = std::move(of)] { AnswerOffsetFetch(req, of); });
  return Status::Ok();
}

void KafkaHandler::AnswerOffsetFetch(const RequestPtr& req, const OffsetFetchRequest& of) {
  std::vector<OffsetTopicResult> results;
  auto& offsets = log_.group_offsets();
  if (!of.topics) {
    std::map<std::string, OffsetTopicResult> by_topic;
    for (const auto& [topic, partition, committed] : offsets.FetchAll(of.group_id)) {
      auto& tr = by_topic[topic];
      tr.name = topic;
      tr.partitions.push_back({partition.value(), ErrorCode::kNone, committed.offset.value(), committed.metadata});
    }
    for (auto& [name, tr] : by_topic) results.push_back(std::move(tr));
  } else {
    for (const auto& t : *of.topics) {
      OffsetTopicResult tr;
      tr.name = std::string(t.name);
      for (int32_t index : t.partitions) {
        OffsetPartitionResult pr;
        pr.index = index;
        auto committed = offsets.Fetch(of.group_id, t.name, PartitionId{index});
        if (committed) {
          pr.offset = committed->offset.value();
          pr.metadata = committed->metadata;
        }
        tr.partitions.push_back(std::move(pr));
      }
      results.push_back(std::move(tr));
    }
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeOffsetFetchResponse(w, v, ErrorCode::kNone, results); });
}

Status KafkaHandler::HandleDescribeGroups(const RequestPtr& req) {
  DescribeGroupsRequest dg = DecodeDescribeGroupsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  std::vector<DescribedGroup> groups = coordinator_.Describe(dg.groups);
  std::set<std::string> with_offsets;
  for (auto& g : log_.group_offsets().Groups()) with_offsets.insert(g);
  for (auto& g : groups) {
    // A group with committed offsets but no live members is Empty, as in Kafka.
    if (g.state == "Dead" && with_offsets.count(g.group_id)) {
      g.state = "Empty";
      g.protocol_type = "consumer";
    }
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeDescribeGroupsResponse(w, v, groups); });
  return Status::Ok();
}

Status KafkaHandler::HandleListGroups(const RequestPtr& req) {
  std::map<std::string, std::string> groups;
  for (const auto& g : log_.group_offsets().Groups()) groups[g] = "consumer";
  for (const auto& g : coordinator_.List()) {
    if (!g.protocol_type.empty() || !groups.count(g.group_id)) groups[g.group_id] = g.protocol_type;
  }
  std::vector<ListedGroup> listed;
  for (auto& [id, type] : groups) listed.push_back({id, type});
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeListGroupsResponse(w, v, ErrorCode::kNone, listed); });
  return Status::Ok();
}

}  // namespace sluice::broker
