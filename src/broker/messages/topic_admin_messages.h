#pragma once

// CreateTopics v0-4 and DeleteTopics v0-3.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

struct CreatableTopic {
  std::string name;
  int32_t num_partitions = -1;      // -1 = server default
  int16_t replication_factor = -1;  // Sluice has one replica; any other value is refused
  bool has_manual_assignment = false;
  std::map<std::string, std::string> configs;
};
struct CreateTopicsRequest {
  std::vector<CreatableTopic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;  // v1+
};
CreateTopicsRequest DecodeCreateTopicsRequest(WireReader& r, int16_t version);

struct TopicResult {
  std::string name;
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;  // CreateTopics v1+
};
void EncodeCreateTopicsResponse(WireWriter& w, int16_t version, const std::vector<TopicResult>& results);

struct DeleteTopicsRequest {
  std::vector<std::string> names;
  int32_t timeout_ms = 0;
};
DeleteTopicsRequest DecodeDeleteTopicsRequest(WireReader& r, int16_t version);
void EncodeDeleteTopicsResponse(WireWriter& w, int16_t version, const std::vector<TopicResult>& results);

}  // namespace sluice::broker
