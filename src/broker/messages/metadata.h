#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

// Metadata v0-4.
struct MetadataRequest {
  // nullopt = all topics (v1+: null array; v0: empty array means all).
  std::optional<std::vector<std::string_view>> topics;
  bool allow_auto_topic_creation = true;  // v4+; earlier versions always auto-create
};
MetadataRequest DecodeMetadataRequest(WireReader& r, int16_t version);

struct MetadataBroker {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};
struct MetadataPartition {
  ErrorCode error = ErrorCode::kNone;
  int32_t index = 0;
  int32_t leader = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};
struct MetadataTopic {
  ErrorCode error = ErrorCode::kNone;
  std::string name;
  bool is_internal = false;
  std::vector<MetadataPartition> partitions;
};
struct MetadataResponse {
  std::vector<MetadataBroker> brokers;
  std::string cluster_id;
  int32_t controller_id = 0;
  std::vector<MetadataTopic> topics;
};
void EncodeMetadataResponse(WireWriter& w, int16_t version, const MetadataResponse& resp);

}  // namespace sluice::broker
