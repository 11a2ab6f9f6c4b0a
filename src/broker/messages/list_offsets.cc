#include "broker/messages/list_offsets.h"

namespace sluice::broker {

ListOffsetsRequest DecodeListOffsetsRequest(WireReader& r, int16_t version) {
  ListOffsetsRequest req;
  r.Int32();                   // ReplicaId
  if (version >= 2) r.Int8();  // IsolationLevel: no transactions, so both levels read the same
  int32_t nt = r.ArrayLength(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    ListOffsetsTopic t;
    t.name = r.String();
    int32_t np = r.ArrayLength(12);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      ListOffsetsPartition p;
      p.index = r.Int32();
      p.timestamp = r.Int64();
      if (version == 0) p.max_num_offsets = r.Int32();
      t.partitions.push_back(p);
    }
    req.topics.push_back(std::move(t));
  }
  return req;
}

void EncodeListOffsetsResponse(WireWriter& w, int16_t version, const ListOffsetsResponse& resp) {
  if (version >= 2) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(resp.topics.size()));
  for (const auto& t : resp.topics) {
    w.String(t.name);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      w.Int32(p.index);
      w.Int16(Wire(p.error));
      if (version == 0) {
        // OldStyleOffsets: one offset when known.
        if (p.error == ErrorCode::kNone) {
          w.ArrayLength(1);
          w.Int64(p.offset);
        } else {
          w.ArrayLength(0);
        }
      } else {
        w.Int64(p.timestamp);
        w.Int64(p.offset);
      }
    }
  }
}

}  // namespace sluice::broker
