#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/result.h"
#include "log/clock.h"

namespace sluice::log {

class Partition;

struct CommittedOffset {
  Offset offset;
  std::string metadata;
  int64_t commit_time_ms = 0;
};

// One (topic, partition) -> offset of an OffsetCommit.
struct OffsetCommit {
  std::string topic;
  PartitionId partition;
  Offset offset;
  std::string metadata;
};

// Consumer groups' committed offsets, stored durably in the internal
// compacted topic __consumer_offsets (one partition) of the same Log, as
// records keyed and encoded like Kafka's own (key v1: group, topic,
// partition; value v3: offset, leader epoch, metadata, commit time; a
// tombstone deletes). Loaded into memory when the Log opens.
// Format: docs/format/log.md ("Consumer offsets").
//
// Thread-safety: thread-safe. Commits to different groups proceed in
// parallel and share fsyncs (group commit); the in-memory view is updated
// after the commit is durable, in log order.
// Lifetime: owned by Log; must not outlive it.
class GroupOffsets {
 public:
  GroupOffsets(std::shared_ptr<Partition> store, const Clock* clock);

  // Replays the store into memory (called once by Log::Open).
  Status Load();

  // Durable once it returns OK (one batch and one fsync for all entries).
  Status Commit(std::string_view group, std::string_view topic, PartitionId partition, Offset offset,
                std::string_view metadata);
  Status CommitMany(std::string_view group, std::span<const OffsetCommit> commits);
  std::optional<CommittedOffset> Fetch(std::string_view group, std::string_view topic, PartitionId partition) const;
  std::vector<std::string> Groups() const;
  // Every committed (topic, partition) -> offset of a group, sorted.
  std::vector<std::tuple<std::string, PartitionId, CommittedOffset>> FetchAll(std::string_view group) const;
  // Forgets a group (writes tombstones for all its offsets). kNotFound if unknown.
  Status DeleteGroup(std::string_view group);
  // Forgets every group's offsets of a deleted topic.
  Status DeleteTopic(std::string_view topic);

 private:
  struct Entry {
    CommittedOffset committed;
    int64_t log_offset = -1;  // position in the store; a later record wins
  };
  using Key = std::pair<std::string, int32_t>;  // topic, partition
  Status Write(std::string_view group, std::span<const OffsetCommit> commits, bool tombstones);
  void Apply(std::string_view group, const std::string& topic, int32_t partition, std::optional<CommittedOffset> value,
             int64_t log_offset);

  std::shared_ptr<Partition> store_;
  const Clock* clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::map<Key, Entry>, std::less<>> groups_;
};

}  // namespace sluice::log
