#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace sluice::log {

// When an appended batch reaches the disk (docs/format/log.md, "Durability").
enum class FsyncPolicy {
  kAlways,    // fsync before acknowledging; concurrent appends share one fsync (group commit)
  kInterval,  // fsync every fsync_interval; a crash of the machine loses at most that window
  kNever,     // leave it to the OS; survives a process kill, not a power loss
};

enum class CleanupPolicy { kDelete, kCompact };

// Per-topic settings, persisted with the topic. Unknown keys are rejected so a
// typo never silently leaves a default in place.
struct TopicConfig {
  int32_t partitions = 1;
  // Default kNever, as Kafka (flush.messages = infinity): acknowledged writes
  // survive a crash of the process (they are in the page cache) but not of the
  // machine. Topics that must survive power loss ask for "always".
  FsyncPolicy fsync = FsyncPolicy::kNever;
  std::chrono::milliseconds fsync_interval{1000};
  int64_t segment_bytes = int64_t{128} << 20;
  std::chrono::milliseconds segment_ms{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds retention_ms{std::chrono::hours(24 * 7)};  // negative = unlimited
  int64_t retention_bytes = -1;                                        // -1 = unlimited
  CleanupPolicy cleanup = CleanupPolicy::kDelete;
  int32_t max_message_bytes = 1048588;  // largest accepted batch, Kafka's default
  // How long a tombstone stays readable in a compacted topic after its
  // segment is cleaned, so that consumers catch up with the delete.
  std::chrono::milliseconds delete_retention_ms{std::chrono::hours(24)};
  int32_t index_interval_bytes = 4096;  // bytes of log between two index entries
  // Kafka's message.timestamp.type: keep producers' timestamps (CreateTime) or
  // overwrite each batch's maxTimestamp with the broker's clock on append
  // (LogAppendTime; the batch CRC is recomputed).
  enum class TimestampKind { kCreateTime, kLogAppendTime };
  TimestampKind timestamp_type = TimestampKind::kCreateTime;
  // Kafka topic configs that mean nothing on a single node without
  // replication (min.insync.replicas, preallocate, …): accepted so that
  // Kafka tooling can create topics, kept verbatim and reported back, no effect.
  std::map<std::string, std::string> inert;

  // Keys (Kafka's names where Kafka has one): "fsync" ("always" |
  // "interval:<ms>" | "never"), "segment.bytes", "segment.ms", "retention.ms",
  // "retention.bytes", "cleanup.policy" ("delete" | "compact"),
  // "max.message.bytes", "delete.retention.ms", "index.interval.bytes",
  // "message.timestamp.type" ("CreateTime" | "LogAppendTime"); Kafka's
  // "flush.messages" (1 = always, else never) and "flush.ms" (interval) map
  // onto fsync when "fsync" is absent; the inert Kafka keys listed in
  // topic_config.cc are accepted and kept.
  // kInvalidArgument naming the key for unknown keys and bad values.
  static Result<TopicConfig> FromConfigs(int32_t partitions, const std::map<std::string, std::string>& configs);
  // Every key above with its value, so that FromConfigs(ToConfigs()) round-trips.
  std::map<std::string, std::string> ToConfigs() const;
  // Checks ranges (partitions >= 1, segment.bytes >= 1 KiB, …).
  Status Validate() const;
};

}  // namespace sluice::log
