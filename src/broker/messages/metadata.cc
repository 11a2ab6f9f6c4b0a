#include "broker/messages/metadata.h"

namespace sluice::broker {

MetadataRequest DecodeMetadataRequest(WireReader& r, int16_t version) {
  MetadataRequest req;
  int32_t n = r.ArrayLength(2);
  if (n >= 0 && !(version == 0 && n == 0)) {
    req.topics.emplace();
    for (int32_t i = 0; i < n && r.ok(); ++i) req.topics->push_back(r.String());
  }
  if (version >= 4) req.allow_auto_topic_creation = r.Bool();
  return req;
}

void EncodeMetadataResponse(WireWriter& w, int16_t version, const MetadataResponse& resp) {
  if (version >= 3) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(resp.brokers.size()));
  for (const auto& b : resp.brokers) {
    w.Int32(b.node_id);
    w.String(b.host);
    w.Int32(b.port);
    if (version >= 1) w.NullableString(std::nullopt);  // Rack
  }
  if (version >= 2) w.NullableString(resp.cluster_id);
  if (version >= 1) w.Int32(resp.controller_id);
  w.ArrayLength(static_cast<int32_t>(resp.topics.size()));
  for (const auto& t : resp.topics) {
    w.Int16(Wire(t.error));
    w.String(t.name);
    if (version >= 1) w.Bool(t.is_internal);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      w.Int16(Wire(p.error));
      w.Int32(p.index);
      w.Int32(p.leader);
      w.ArrayLength(static_cast<int32_t>(p.replicas.size()));
      for (int32_t id : p.replicas) w.Int32(id);
      w.ArrayLength(static_cast<int32_t>(p.isr.size()));
      for (int32_t id : p.isr) w.Int32(id);
    }
  }
}

}  // namespace sluice::broker
