#include "broker/messages/describe_log_dirs.h"

namespace sluice::broker {

DescribeLogDirsRequest DecodeDescribeLogDirsRequest(WireReader& r, int16_t /*version*/) {
  DescribeLogDirsRequest req;
  int32_t n = r.ArrayLength(6);
  if (n < 0) return req;
  req.topics.emplace();
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    DescribeLogDirsTopic t;
    t.name = std::string(r.String());
    int32_t np = r.ArrayLength(4);
    for (int32_t j = 0; j < np && r.ok(); ++j) t.partitions.push_back(r.Int32());
    req.topics->push_back(std::move(t));
  }
  return req;
}

void EncodeDescribeLogDirsRequest(WireWriter& w, int16_t /*version*/, const DescribeLogDirsRequest& req) {
  if (!req.topics) {
    w.ArrayLength(-1);
    return;
  }
  w.ArrayLength(static_cast<int32_t>(req.topics->size()));
  for (const auto& t : *req.topics) {
    w.String(t.name);
    w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
    for (int32_t p : t.partitions) w.Int32(p);
  }
}

void EncodeDescribeLogDirsResponse(WireWriter& w, int16_t /*version*/, const std::vector<LogDirResult>& results) {
  w.Int32(0);  // ThrottleTimeMs
  w.ArrayLength(static_cast<int32_t>(results.size()));
  for (const auto& d : results) {
    w.Int16(Wire(d.error));
    w.String(d.log_dir);
    w.ArrayLength(static_cast<int32_t>(d.topics.size()));
    for (const auto& t : d.topics) {
      w.String(t.name);
      w.ArrayLength(static_cast<int32_t>(t.partitions.size()));
      for (const auto& p : t.partitions) {
        w.Int32(p.index);
        w.Int64(p.size_bytes);
        w.Int64(0);     // OffsetLag: no replicas to lag behind
        w.Bool(false);  // IsFutureKey
      }
    }
  }
}

std::vector<LogDirResult> DecodeDescribeLogDirsResponse(WireReader& r, int16_t /*version*/) {
  std::vector<LogDirResult> out;
  r.Int32();  // ThrottleTimeMs
  int32_t nd = r.ArrayLength(8);
  for (int32_t i = 0; i < nd && r.ok(); ++i) {
    LogDirResult d;
    d.error = static_cast<ErrorCode>(r.Int16());
    d.log_dir = std::string(r.String());
    int32_t nt = r.ArrayLength(6);
    for (int32_t j = 0; j < nt && r.ok(); ++j) {
      LogDirTopic t;
      t.name = std::string(r.String());
      int32_t np = r.ArrayLength(21);
      for (int32_t k = 0; k < np && r.ok(); ++k) {
        LogDirPartition p;
        p.index = r.Int32();
        p.size_bytes = r.Int64();
        r.Int64();
        r.Bool();
        t.partitions.push_back(p);
      }
      d.topics.push_back(std::move(t));
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sluice::broker
