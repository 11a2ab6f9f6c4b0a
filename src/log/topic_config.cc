#include "log/topic_config.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace sluice::log {
namespace {

bool ParseInt64(const std::string& s, int64_t* out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end && !s.empty();
}

// Kafka topic configs without effect here (no replicas, no preallocation,
// compaction runs whole-partition passes).
constexpr std::string_view kInertKafkaKeys[] = {
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "preallocate",
    "segment.index.bytes",
    "segment.jitter.ms",
    "file.delete.delay.ms",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "max.compaction.lag.ms",
    "message.downconversion.enable",
    "message.timestamp.difference.max.ms",
    "message.format.version",
    "follower.replication.throttled.replicas",
    "leader.replication.throttled.replicas",
};

bool IsInert(const std::string& key) {
  for (auto k : kInertKafkaKeys) {
    if (k == key) return true;
  }
  return false;
}

Status Bad(const std::string& key, const std::string& value, std::string_view want) {
  return Status::InvalidArgument(fmt::format("topic config {}={:?} is invalid: expected {}", key, value, want));
}

}  // namespace

Result<TopicConfig> TopicConfig::FromConfigs(int32_t partitions, const std::map<std::string, std::string>& configs) {
  TopicConfig c;
  c.partitions = partitions;
  std::optional<int64_t> flush_messages, flush_ms;
  for (const auto& [key, value] : configs) {
    int64_t n = 0;
    if (IsInert(key)) {
      c.inert[key] = value;
    } else if (key == "compression.type") {
      // The log stores batches as producers compressed them: only "producer" holds.
      if (value != "producer") return Bad(key, value, "\"producer\" (batches are stored as producers send them)");
      c.inert[key] = value;
    } else if (key == "flush.messages" || key == "flush.ms") {
      if (!ParseInt64(value, &n) || n < 1) return Bad(key, value, "a positive integer");
      (key == "flush.ms" ? flush_ms : flush_messages) = n;
    } else if (key == "fsync") {
      if (value == "always") {
        c.fsync = FsyncPolicy::kAlways;
      } else if (value == "never") {
        c.fsync = FsyncPolicy::kNever;
      } else if (value.rfind("interval:", 0) == 0 && ParseInt64(value.substr(9), &n) && n > 0) {
        c.fsync = FsyncPolicy::kInterval;
        c.fsync_interval = std::chrono::milliseconds(n);
      } else {
        return Bad(key, value, "\"always\", \"never\" or \"interval:<ms>\" with ms > 0");
      }
    } else if (key == "message.timestamp.type") {
      if (value == "CreateTime") {
        c.timestamp_type = TimestampKind::kCreateTime;
      } else if (value == "LogAppendTime") {
        c.timestamp_type = TimestampKind::kLogAppendTime;
      } else {
        return Bad(key, value, "\"CreateTime\" or \"LogAppendTime\"");
      }
    } else if (key == "cleanup.policy") {
      if (value == "delete") {
        c.cleanup = CleanupPolicy::kDelete;
      } else if (value == "compact") {
        c.cleanup = CleanupPolicy::kCompact;
      } else {
        return Bad(key, value, "\"delete\" or \"compact\"");
      }
    } else if (key == "segment.bytes" || key == "segment.ms" || key == "retention.ms" || key == "retention.bytes" ||
               key == "max.message.bytes" || key == "delete.retention.ms" || key == "index.interval.bytes") {
      if (!ParseInt64(value, &n)) return Bad(key, value, "an integer");
      if (key == "segment.bytes") c.segment_bytes = n;
      if (key == "segment.ms") c.segment_ms = std::chrono::milliseconds(n);
      if (key == "retention.ms") c.retention_ms = std::chrono::milliseconds(n);
      if (key == "retention.bytes") c.retention_bytes = n;
      if (key == "delete.retention.ms") c.delete_retention_ms = std::chrono::milliseconds(n);
      if (key == "max.message.bytes" || key == "index.interval.bytes") {
        if (n < 0 || n > INT32_MAX) return Bad(key, value, "a 32-bit positive integer");
        (key == "max.message.bytes" ? c.max_message_bytes : c.index_interval_bytes) = static_cast<int32_t>(n);
      }
    } else {
      return Status::InvalidArgument(fmt::format(
          "unknown topic config {:?}; known: fsync, segment.bytes, segment.ms, retention.ms, retention.bytes, "
          "cleanup.policy, max.message.bytes, delete.retention.ms, index.interval.bytes, "
          "message.timestamp.type, flush.messages, flush.ms, and Kafka's replication-only keys",
          key));
    }
  }
  if (configs.find("fsync") == configs.end()) {
    if (flush_messages == 1) {
      c.fsync = FsyncPolicy::kAlways;
    } else if (flush_ms && *flush_ms < INT64_MAX) {
      c.fsync = FsyncPolicy::kInterval;
      c.fsync_interval = std::chrono::milliseconds(*flush_ms);
    }
  }
  SLUICE_RETURN_IF_ERROR(c.Validate());
  return c;
}

Status TopicConfig::Validate() const {
  if (partitions < 1 || partitions > 100000) {
    return Status::InvalidArgument(fmt::format("partitions must be between 1 and 100000, got {}", partitions));
  }
  if (segment_bytes < 1024 || segment_bytes > (int64_t{1} << 31) - 1) {
    return Status::InvalidArgument(
        fmt::format("segment.bytes must be between 1024 and 2^31-1 (positions are 32-bit), got {}", segment_bytes));
  }
  if (segment_ms.count() < 1) return Status::InvalidArgument("segment.ms must be positive");
  if (max_message_bytes < static_cast<int32_t>(61)) {
    return Status::InvalidArgument(fmt::format("max.message.bytes must be at least 61, got {}", max_message_bytes));
  }
  if (index_interval_bytes < 1) return Status::InvalidArgument("index.interval.bytes must be positive");
  if (fsync == FsyncPolicy::kInterval && fsync_interval.count() < 1) {
    return Status::InvalidArgument("fsync interval must be positive");
  }
  return Status::Ok();
}

std::map<std::string, std::string> TopicConfig::ToConfigs() const {
  std::map<std::string, std::string> m = inert;
  switch (fsync) {
    case FsyncPolicy::kAlways: m["fsync"] = "always"; break;
    case FsyncPolicy::kNever: m["fsync"] = "never"; break;
    case FsyncPolicy::kInterval: m["fsync"] = fmt::format("interval:{}", fsync_interval.count()); break;
  }
  m["segment.bytes"] = std::to_string(segment_bytes);
  m["segment.ms"] = std::to_string(segment_ms.count());
  m["retention.ms"] = std::to_string(retention_ms.count());
  m["retention.bytes"] = std::to_string(retention_bytes);
  m["cleanup.policy"] = cleanup == CleanupPolicy::kCompact ? "compact" : "delete";
  m["max.message.bytes"] = std::to_string(max_message_bytes);
  m["delete.retention.ms"] = std::to_string(delete_retention_ms.count());
  m["index.interval.bytes"] = std::to_string(index_interval_bytes);
  m["message.timestamp.type"] = timestamp_type == TimestampKind::kLogAppendTime ? "LogAppendTime" : "CreateTime";
  return m;
}

}  // namespace sluice::log
