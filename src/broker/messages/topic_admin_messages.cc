#include "broker/messages/topic_admin_messages.h"

namespace sluice::broker {

CreateTopicsRequest DecodeCreateTopicsRequest(WireReader& r, int16_t version) {
  CreateTopicsRequest req;
  int32_t nt = r.ArrayLength(14);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    CreatableTopic t;
    t.name = std::string(r.String());
    t.num_partitions = r.Int32();
    t.replication_factor = r.Int16();
    int32_t na = r.ArrayLength(8);
    t.has_manual_assignment = na > 0;
    for (int32_t j = 0; j < na && r.ok(); ++j) {
      r.Int32();  // PartitionIndex
      int32_t nb = r.ArrayLength(4);
      for (int32_t k = 0; k < nb && r.ok(); ++k) r.Int32();
    }
    int32_t nc = r.ArrayLength(4);
    for (int32_t j = 0; j < nc && r.ok(); ++j) {
      std::string key(r.String());
      auto value = r.NullableString();
      if (value) t.configs[key] = std::string(*value);
    }
    req.topics.push_back(std::move(t));
  }
  req.timeout_ms = r.Int32();
  if (version >= 1) req.validate_only = r.Bool();
  return req;
}

void EncodeCreateTopicsResponse(WireWriter& w, int16_t version, const std::vector<TopicResult>& results) {
  if (version >= 2) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(results.size()));
  for (const auto& t : results) {
    w.String(t.name);
    w.Int16(Wire(t.error));
    if (version >= 1) {
      if (t.message) {
        w.NullableString(*t.message);
      } else {
        w.NullableString(std::nullopt);
      }
    }
  }
}

DeleteTopicsRequest DecodeDeleteTopicsRequest(WireReader& r, int16_t /*version*/) {
  DeleteTopicsRequest req;
  int32_t n = r.ArrayLength(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) req.names.push_back(std::string(r.String()));
  req.timeout_ms = r.Int32();
  return req;
}

void EncodeDeleteTopicsResponse(WireWriter& w, int16_t version, const std::vector<TopicResult>& results) {
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(results.size()));
  for (const auto& t : results) {
    w.String(t.name);
    w.Int16(Wire(t.error));
  }
}

}  // namespace sluice::broker
