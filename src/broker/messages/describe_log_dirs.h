#pragma once

// DescribeLogDirs v0-1: where partitions live and how many bytes they hold
// (what `kafka-log-dirs.sh` and `sluice topic describe` show as size).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

struct DescribeLogDirsTopic {
  std::string name;
  std::vector<int32_t> partitions;
};
struct DescribeLogDirsRequest {
  std::optional<std::vector<DescribeLogDirsTopic>> topics;  // null = every partition
};
DescribeLogDirsRequest DecodeDescribeLogDirsRequest(WireReader& r, int16_t version);
void EncodeDescribeLogDirsRequest(WireWriter& w, int16_t version, const DescribeLogDirsRequest& req);

struct LogDirPartition {
  int32_t index = 0;
  int64_t size_bytes = 0;
};
struct LogDirTopic {
  std::string name;
  std::vector<LogDirPartition> partitions;
};
struct LogDirResult {
  ErrorCode error = ErrorCode::kNone;
  std::string log_dir;
  std::vector<LogDirTopic> topics;
};
void EncodeDescribeLogDirsResponse(WireWriter& w, int16_t version, const std::vector<LogDirResult>& results);
// For clients (`sluice topic describe`): the inverse of the encoder.
std::vector<LogDirResult> DecodeDescribeLogDirsResponse(WireReader& r, int16_t version);

}  // namespace sluice::broker
