#include "broker/kafka_handler.h"

#include <fmt/format.h>

#include "broker/kafka_request.h"
#include "broker/messages/api_versions.h"
#include "broker/protocol/api_keys.h"
#include "common/logging.h"

namespace sluice::broker {

Status KafkaHandler::Request::DecodeError() const {
  auto api = FindApi(header.api_key);
  return Status::InvalidArgument(fmt::format("malformed {} v{} request (correlation id {}): {}",
                                             api ? api->name : "unknown", header.api_version, header.correlation_id,
                                             reader.error()));
}

KafkaHandler::KafkaHandler(BrokerOptions options, log::Log& log, GroupCoordinator& coordinator)
    : options_(std::move(options)), log_(log), coordinator_(coordinator) {}

KafkaHandler::~KafkaHandler() { blocking_pool_.join(); }

Status KafkaHandler::Handle(std::vector<uint8_t> frame, const RequestContext& ctx, Responder respond) {
  auto req = std::make_shared<Request>(std::move(frame), ctx, std::move(respond));
  req->header = DecodeRequestHeader(req->reader);
  if (!req->reader.ok()) {
    return Status::InvalidArgument("malformed request header: " + req->reader.error());
  }
  const RequestHeader& h = req->header;
  auto api = FindApi(h.api_key);
  if (h.api_key == static_cast<int16_t>(ApiKey::kApiVersions)) return HandleApiVersions(req);
  if (!api || h.api_version < api->min_version || h.api_version > api->max_version) {
    // The body's schema is unknown, so answer with the one thing every
    // response can carry and keep the connection: the error code.
    SLUICE_LOG_DEBUG("kafka", "unsupported API {} v{} from {}", h.api_key, h.api_version, ctx.client_host);
    req->Reply([](WireWriter& w) { w.Int16(Wire(ErrorCode::kUnsupportedVersion)); });
    return Status::Ok();
  }
  switch (static_cast<ApiKey>(h.api_key)) {
    case ApiKey::kProduce: return HandleProduce(req);
    case ApiKey::kFetch: return HandleFetch(req);
    case ApiKey::kListOffsets: return HandleListOffsets(req);
    case ApiKey::kMetadata: return HandleMetadata(req);
    case ApiKey::kOffsetCommit: return HandleOffsetCommit(req);
    case ApiKey::kOffsetFetch: return HandleOffsetFetch(req);
    case ApiKey::kFindCoordinator: return HandleFindCoordinator(req);
    case ApiKey::kJoinGroup: return HandleJoinGroup(req);
    case ApiKey::kHeartbeat: return HandleHeartbeat(req);
    case ApiKey::kLeaveGroup: return HandleLeaveGroup(req);
    case ApiKey::kSyncGroup: return HandleSyncGroup(req);
    case ApiKey::kDescribeGroups: return HandleDescribeGroups(req);
    case ApiKey::kListGroups: return HandleListGroups(req);
    case ApiKey::kCreateTopics: return HandleCreateTopics(req);
    case ApiKey::kDeleteTopics: return HandleDeleteTopics(req);
    case ApiKey::kDescribeLogDirs: return HandleDescribeLogDirs(req);
    default: break;
  }
  return Status::Internal(fmt::format("API {} is advertised but has no handler", h.api_key));
}

Status KafkaHandler::HandleApiVersions(const RequestPtr& req) {
  auto api = FindApi(static_cast<int16_t>(ApiKey::kApiVersions));
  if (req->version() > api->max_version) {
    // KIP-511: answer an unknown ApiVersions version in v0 with the list, so
    // the client can retry with a version we speak.
    req->header.api_version = 0;
    req->Reply([](WireWriter& w) { EncodeApiVersionsResponse(w, 0, ErrorCode::kUnsupportedVersion); });
    return Status::Ok();
  }
  DecodeApiVersionsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  int16_t v = req->version();
  req->Reply([v](WireWriter& w) { EncodeApiVersionsResponse(w, v, ErrorCode::kNone); });
  return Status::Ok();
}

}  // namespace sluice::broker
