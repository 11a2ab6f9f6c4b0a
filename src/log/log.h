#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "common/result.h"
#include "log/clock.h"
#include "log/flusher.h"
#include "log/group_offsets.h"
#include "log/partition.h"
#include "log/topic_config.h"

namespace sluice::log {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";

struct LogOptions {
  // Settings for topics created without explicit configs (e.g. auto-created
  // by the broker): start from this and override with FromConfigs.
  TopicConfig default_topic_config;
  // Durability of committed consumer offsets.
  FsyncPolicy consumer_offsets_fsync = FsyncPolicy::kAlways;
  int64_t consumer_offsets_segment_bytes = 16 << 20;
  // How often the internal thread runs RunRetention(); zero disables the
  // thread (tests drive RunRetention explicitly).
  std::chrono::milliseconds retention_check_interval{std::chrono::minutes(5)};
  int flusher_threads = 2;
  // Time source for segment age, retention and commit times; nullptr = system clock.
  const Clock* clock = nullptr;
};

// Everything stored under one data directory: topics, their partitions, and
// the consumer groups' committed offsets.
//
//   <data>/topics/<topic>/topic.conf        key=value lines (TopicConfig::ToConfigs + partitions)
//   <data>/topics/<topic>/<partition>/      segments (see Partition, docs/format/log.md)
//   <data>/.staging/, <data>/.trash/        topics being created / deleted
//
// Thread-safety: thread-safe. Topic create/delete take an exclusive lock on
// the topic map; look-ups take it shared. Partition I/O never holds it.
// Lifetime: one per data dir per process (the caller holds the dir's lock
// file). Open raises the process's soft open-file limit to its hard limit:
// every segment keeps a descriptor open. Destruction stops the background threads and closes (fsyncs) every
// partition.
// Durability: create and delete are crash-safe (staged, renamed, fsynced):
// after a crash a topic either exists whole or not at all.
class Log {
 public:
  static Result<std::unique_ptr<Log>> Open(const std::filesystem::path& data_dir, LogOptions options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Names as Kafka: [a-zA-Z0-9._-]{1,249}, not "." or "..". kAlreadyExists,
  // kInvalidArgument (bad name or config).
  Status CreateTopic(std::string_view name, const TopicConfig& config);
  // Grows a topic to `partitions` partitions (Kafka's CreatePartitions);
  // kInvalidArgument if that is not more than it has. Crash-safe: the config
  // is rewritten atomically first and missing partitions are created at open.
  Status AddPartitions(std::string_view name, int32_t partitions);
  // kNotFound if absent. Readers in flight keep their partitions alive; the
  // files go at once. Committed offsets of the topic are forgotten.
  Status DeleteTopic(std::string_view name);
  // User topics, sorted.
  std::vector<std::string> ListTopics() const;
  // Internal topics (__consumer_offsets), sorted.
  std::vector<std::string> ListInternalTopics() const;
  bool IsInternalTopic(std::string_view name) const { return name == kConsumerOffsetsTopic; }
  Result<TopicConfig> DescribeTopic(std::string_view name) const;
  // shared_ptr so that a reader in flight keeps a deleted partition alive.
  // kNotFound for an unknown topic or partition.
  Result<std::shared_ptr<Partition>> GetPartition(std::string_view topic, PartitionId partition) const;

  GroupOffsets& group_offsets() { return *group_offsets_; }

  // Applies retention (cleanup.policy=delete) or compaction (compact) to
  // every partition. Also run every retention_check_interval by an internal thread.
  void RunRetention();

  const std::filesystem::path& data_dir() const { return data_dir_; }
  const LogOptions& options() const { return options_; }

  // Kafka's topic name rule.
  static Status ValidateTopicName(std::string_view name);

 private:
  struct Topic {
    TopicConfig config;
    std::vector<std::shared_ptr<Partition>> partitions;
  };
  Log(std::filesystem::path data_dir, LogOptions options);
  Status Load();
  Result<Topic> OpenTopic(const std::string& name, const TopicConfig& config);
  Status CreateTopicFiles(const std::string& name, const TopicConfig& config);
  void RetentionLoop();

  const std::filesystem::path data_dir_;
  const std::filesystem::path topics_dir_;
  const LogOptions options_;
  const Clock* const clock_;
  Flusher flusher_;

  std::mutex admin_mu_;  // serialises create/delete (file operations included)
  mutable std::shared_mutex mu_;
  std::map<std::string, Topic, std::less<>> topics_;
  std::unique_ptr<GroupOffsets> group_offsets_;

  std::mutex retention_mu_;
  std::condition_variable retention_cv_;
  bool stopping_ = false;
  std::thread retention_thread_;
};

}  // namespace sluice::log
