#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

// Fetch v0-11 (record batches are returned as stored: magic 2).
struct FetchPartition {
  int32_t index = 0;
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
};
struct FetchTopic {
  std::string_view name;
  std::vector<FetchPartition> partitions;
};
struct FetchRequest {
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = INT32_MAX;  // v3+
  int8_t isolation_level = 0;     // v4+
  int32_t session_id = 0;         // v7+
  int32_t session_epoch = -1;     // v7+
  std::vector<FetchTopic> topics;
};
FetchRequest DecodeFetchRequest(WireReader& r, int16_t version);

// Writes a Fetch response incrementally so that each partition's records are
// appended straight into the response buffer by the log (no extra copy):
//
//   FetchResponseWriter fw(w, version);
//   fw.BeginTopic("bids", 2);
//   size_t rec = fw.BeginPartition(0, ErrorCode::kNone, hw, log_start);
//   partition->Read(offset, budget, w.buffer());  // appends batches
//   fw.EndPartition(rec);
class FetchResponseWriter {
 public:
  FetchResponseWriter(WireWriter& w, int16_t version, int32_t topic_count);
  void BeginTopic(std::string_view name, int32_t partition_count);
  // Writes the partition header and reserves the records length; returns the
  // position to pass to EndPartition once the records are appended.
  size_t BeginPartition(int32_t index, ErrorCode error, int64_t high_watermark, int64_t log_start_offset);
  void EndPartition(size_t records_length_pos);

 private:
  WireWriter& w_;
  int16_t version_;
};

}  // namespace sluice::broker
