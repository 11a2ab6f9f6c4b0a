#include "broker/messages/offset_messages.h"

namespace sluice::broker {

OffsetCommitRequest DecodeOffsetCommitRequest(WireReader& r, int16_t version) {
  OffsetCommitRequest req;
  req.group_id = std::string(r.String());
  if (version >= 1) {
    req.generation_id = r.Int32();
    req.member_id = std::string(r.String());
  }
  if (version >= 7) r.NullableString();         // GroupInstanceId
  if (version >= 2 && version <= 4) r.Int64();  // RetentionTimeMs: offsets are kept until the group is deleted
  int32_t nt = r.ArrayLength(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    OffsetCommitTopic t;
    t.name = r.String();
    int32_t np = r.ArrayLength(14);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      OffsetCommitPartition p;
      p.index = r.Int32();
      p.offset = r.Int64();
      if (version >= 6) r.Int32();  // CommittedLeaderEpoch
      if (version == 1) r.Int64();  // CommitTimestamp
      p.metadata = r.NullableString();
      t.partitions.push_back(p);
    }
    req.topics.push_back(std::move(t));
  }
  return req;
}

void EncodeOffsetCommitResponse(WireWriter& w, int16_t version, const std::vector<OffsetTopicResult>& topics) {
  if (version >= 3) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    w.String(t.name);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      w.Int32(p.index);
      w.Int16(Wire(p.error));
    }
  }
}

OffsetFetchRequest DecodeOffsetFetchRequest(WireReader& r, int16_t version) {
  OffsetFetchRequest req;
  req.group_id = std::string(r.String());
  int32_t nt = r.ArrayLength(6);
  if (nt >= 0) {
    req.topics.emplace();
    for (int32_t i = 0; i < nt && r.ok(); ++i) {
      OffsetFetchTopic t;
      t.name = r.String();
      int32_t np = r.ArrayLength(4);
      for (int32_t j = 0; j < np && r.ok(); ++j) t.partitions.push_back(r.Int32());
      req.topics->push_back(std::move(t));
    }
  }
  return req;
}

void EncodeOffsetFetchResponse(WireWriter& w, int16_t version, ErrorCode error,
                               const std::vector<OffsetTopicResult>& topics) {
  if (version >= 3) w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    w.String(t.name);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (const auto& p : t.partitions) {
      w.Int32(p.index);
      w.Int64(p.offset);
      if (version >= 5) w.Int32(-1);  // CommittedLeaderEpoch
      w.NullableString(p.metadata);
      w.Int16(Wire(p.error));
    }
  }
  if (version >= 2) w.Int16(Wire(error));
}

}  // namespace sluice::broker
