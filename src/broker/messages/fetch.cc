#include "broker/messages/fetch.h"

namespace sluice::broker {

FetchRequest DecodeFetchRequest(WireReader& r, int16_t version) {
  FetchRequest req;
  r.Int32();  // ReplicaId: consumers send -1; Sluice has no followers
  req.max_wait_ms = r.Int32();
  req.min_bytes = r.Int32();
  if (version >= 3) req.max_bytes = r.Int32();
  if (version >= 4) req.isolation_level = r.Int8();
  if (version >= 7) {
    req.session_id = r.Int32();
    req.session_epoch = r.Int32();
  }
  int32_t nt = r.ArrayLength(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    FetchTopic t;
    t.name = r.String();
    int32_t np = r.ArrayLength(16);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      FetchPartition p;
      p.index = r.Int32();
      if (version >= 9) r.Int32();  // CurrentLeaderEpoch
      p.fetch_offset = r.Int64();
      if (version >= 5) r.Int64();  // LogStartOffset (followers only)
      p.max_bytes = r.Int32();
      t.partitions.push_back(p);
    }
    req.topics.push_back(std::move(t));
  }
  if (version >= 7) {  // Forgotten topics: Sluice keeps no fetch sessions
    int32_t nf = r.ArrayLength(6);
    for (int32_t i = 0; i < nf && r.ok(); ++i) {
      r.String();
      int32_t np = r.ArrayLength(4);
      for (int32_t j = 0; j < np && r.ok(); ++j) r.Int32();
    }
  }
  if (version >= 11) r.String();  // RackId
  return req;
}

FetchResponseWriter::FetchResponseWriter(WireWriter& w, int16_t version, int32_t topic_count)
    : w_(w), version_(version) {
  if (version_ >= 1) w_.Int32(0);  // ThrottleTimeMs
  if (version_ >= 7) {
    w_.Int16(Wire(ErrorCode::kNone));
    w_.Int32(0);  // SessionId: sessionless fetch
  }
  w_.ArrayLength(topic_count);
}

void FetchResponseWriter::BeginTopic(std::string_view name, int32_t partition_count) {
  w_.String(name);
  w_.ArrayLength(partition_count);
}

size_t FetchResponseWriter::BeginPartition(int32_t index, ErrorCode error, int64_t high_watermark,
                                           int64_t log_start_offset) {
  w_.Int32(index);
  w_.Int16(Wire(error));
  w_.Int64(high_watermark);
  if (version_ >= 4) {
    w_.Int64(high_watermark);  // LastStableOffset: no transactions, so = high watermark
    if (version_ >= 5) w_.Int64(log_start_offset);
    w_.ArrayLength(0);  // AbortedTransactions
  }
  if (version_ >= 11) w_.Int32(-1);  // PreferredReadReplica
  return w_.Reserve32();
}

void FetchResponseWriter::EndPartition(size_t records_length_pos) {
  w_.Patch32(records_length_pos, static_cast<int32_t>(w_.size() - records_length_pos - 4));
}

}  // namespace sluice::broker
