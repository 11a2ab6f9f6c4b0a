#pragma once

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

// Produce v0-7. Record sets stay views into the request buffer so the log can
// rewrite their base offsets in place and store them without a copy.
struct ProducePartitionData {
  int32_t index = 0;
  std::optional<std::span<uint8_t>> records;
};
struct ProduceTopicData {
  std::string_view name;
  std::vector<ProducePartitionData> partitions;
};
struct ProduceRequest {
  std::optional<std::string_view> transactional_id;  // v3+
  int16_t acks = 1;
  int32_t timeout_ms = 0;
  std::vector<ProduceTopicData> topics;
};
ProduceRequest DecodeProduceRequest(WireReader& r, int16_t version);

struct ProducePartitionResponse {
  int32_t index = 0;
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;  // v2+; -1 under CreateTime
  int64_t log_start_offset = -1;    // v5+
};
struct ProduceTopicResponse {
  std::string name;
  std::vector<ProducePartitionResponse> partitions;
};
struct ProduceResponse {
  std::vector<ProduceTopicResponse> topics;
};
void EncodeProduceResponse(WireWriter& w, int16_t version, const ProduceResponse& resp);

}  // namespace sluice::broker
