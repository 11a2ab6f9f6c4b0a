#pragma once

// OffsetCommit v0-7 and OffsetFetch v0-5: committed consumer positions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

struct OffsetCommitPartition {
  int32_t index = 0;
  int64_t offset = 0;
  std::optional<std::string_view> metadata;
};
struct OffsetCommitTopic {
  std::string_view name;
  std::vector<OffsetCommitPartition> partitions;
};
struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;  // v1+; -1 = commit from outside any group generation
  std::string member_id;       // v1+
  std::vector<OffsetCommitTopic> topics;
};
OffsetCommitRequest DecodeOffsetCommitRequest(WireReader& r, int16_t version);

// Per-partition results, shared by both responses.
struct OffsetPartitionResult {
  int32_t index = 0;
  ErrorCode error = ErrorCode::kNone;
  int64_t offset = -1;   // fetch only; -1 = no committed offset
  std::string metadata;  // fetch only
};
struct OffsetTopicResult {
  std::string name;
  std::vector<OffsetPartitionResult> partitions;
};
void EncodeOffsetCommitResponse(WireWriter& w, int16_t version, const std::vector<OffsetTopicResult>& topics);

struct OffsetFetchTopic {
  std::string_view name;
  std::vector<int32_t> partitions;
};
struct OffsetFetchRequest {
  std::string group_id;
  std::optional<std::vector<OffsetFetchTopic>> topics;  // nullopt (v2+) = every committed offset
};
OffsetFetchRequest DecodeOffsetFetchRequest(WireReader& r, int16_t version);
void EncodeOffsetFetchResponse(WireWriter& w, int16_t version, ErrorCode error,
                               const std::vector<OffsetTopicResult>& topics);

}  // namespace sluice::broker
