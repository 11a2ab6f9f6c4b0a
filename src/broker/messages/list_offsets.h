#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

// ListOffsets v0-2. Timestamp -2 = earliest, -1 = latest, else the first
// offset whose timestamp is >= the given one.
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kLatestTimestamp = -1;

struct ListOffsetsPartition {
  int32_t index = 0;
  int64_t timestamp = kLatestTimestamp;
  int32_t max_num_offsets = 1;  // v0 only
};
struct ListOffsetsTopic {
  std::string_view name;
  std::vector<ListOffsetsPartition> partitions;
};
struct ListOffsetsRequest {
  std::vector<ListOffsetsTopic> topics;
};
ListOffsetsRequest DecodeListOffsetsRequest(WireReader& r, int16_t version);

struct ListOffsetsPartitionResponse {
  int32_t index = 0;
  ErrorCode error = ErrorCode::kNone;
  int64_t timestamp = -1;
  int64_t offset = -1;
};
struct ListOffsetsTopicResponse {
  std::string name;
  std::vector<ListOffsetsPartitionResponse> partitions;
};
struct ListOffsetsResponse {
  std::vector<ListOffsetsTopicResponse> topics;
};
void EncodeListOffsetsResponse(WireWriter& w, int16_t version, const ListOffsetsResponse& resp);

}  // namespace sluice::broker
