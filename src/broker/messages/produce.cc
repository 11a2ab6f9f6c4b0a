#include "broker/messages/produce.h"

namespace sluice::broker {

ProduceRequest DecodeProduceRequest(WireReader& r, int16_t version) {
  ProduceRequest req;
  if (version >= 3) req.transactional_id = r.NullableString();
  req.acks = r.Int16();
  req.timeout_ms = r.Int32();
  int32_t nt = r.ArrayLength(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    ProduceTopicData t;
    t.name = r.String();
    int32_t np = r.ArrayLength(8);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      ProducePartitionData p;
      p.index = r.Int32();
      p.records = r.NullableBytes();
      t.partitions.push_back(p);
    }
    req.topics.push_back(std::move(t));
  }
  return req;
}

void EncodeProduceResponse(WireWriter& w, int16_t version, const ProduceResponse& resp) {
  w.ArrayLength(static_cast<int32_t>(resp.topics.size()));
  for (const auto& t : resp.topics) {
    w.String(t.name);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      w.Int32(p.index);
      w.Int16(Wire(p.error));
      w.Int64(p.base_offset);
      if (version >= 2) w.Int64(p.log_append_time_ms);
      if (version >= 5) w.Int64(p.log_start_offset);
    }
  }
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
}

}  // namespace sluice::broker
