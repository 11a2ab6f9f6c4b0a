#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/result.h"
#include "log/clock.h"
#include "log/producer_state.h"
#include "log/segment.h"
#include "log/topic_config.h"

namespace sluice::log {

class Flusher;

struct AppendResult {
  Offset base_offset;
  Offset last_offset;
  int64_t log_append_time_ms;  // the stamp of a LogAppendTime topic; -1 for CreateTime (Kafka's convention)
};

struct ReadResult {
  Offset high_watermark;
  Offset log_start_offset;
  size_t bytes;  // appended to the caller's buffer
};

// One partition of a topic: an append-only sequence of RecordBatch v2
// batches in segment files under its own directory
// (`<data>/topics/<topic>/<partition>/`). Format: docs/format/log.md.
//
// Thread-safety: thread-safe. Appends are serialised by a per-partition lock
// held only for the write() into the page cache and the index update; reads
// take no lock while copying bytes (they pin the segment with a shared_ptr);
// fsyncs run on the Flusher's threads, outside the append lock. Different
// partitions never share a lock.
// Lifetime: shared_ptr; a reader in flight keeps a deleted partition alive.
// The Flusher and Clock must outlive it.
// Durability: per TopicConfig::fsync; see WhenDurable and docs/format/log.md.
class Partition : public std::enable_shared_from_this<Partition> {
 public:
  // Opens (creating if needed) the partition in `dir`, recovering the tail:
  // the last segment is verified batch by batch, a torn or corrupt tail is
  // truncated (see recovery_report()), damaged or missing indexes are rebuilt.
  static Result<std::shared_ptr<Partition>> Open(const std::filesystem::path& dir, std::string topic, PartitionId id,
                                                 const TopicConfig& config, Flusher* flusher, const Clock* clock);
  ~Partition();
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  // `batches`: one or more concatenated RecordBatch v2 exactly as a producer
  // sent them. Each is validated (kResourceExhausted above max.message.bytes,
  // kCorruption for a bad CRC or malformed bytes — records included for
  // uncompressed batches — kUnsupported for another magic,
  // kInvalidArgument for maxTimestamp < baseTimestamp), gets its
  // baseOffset rewritten in place (LogAppendTime topics: maxTimestamp and
  // CRC too), and is stored byte for byte. All or nothing. Also kNotFound
  // once the topic was deleted, kUnavailable after Close, kIoError. Returns once the bytes are in the page cache
  // (readable); call WhenDurable before acknowledging under fsync=always. A single batch of an idempotent producer that
  // repeats one of its last five batches (same producerId, epoch, baseSequence) is a retry: nothing is written and the
  // original offsets are returned (see ProducerStateTable).
  Result<AppendResult> Append(std::span<uint8_t> batches);
  // Calls `done` once offset `last` is durable under the topic's policy:
  // after the (group) fsync covering it for kAlways; right away for kInterval
  // and kNever. Called on a Flusher thread or on the caller's thread.
  void WhenDurable(Offset last, std::function<void(const Status&)> done);
  // The sequence number of the last record stored by idempotent producer
  // `producer_id` (its newest batch's baseSequence + lastOffsetDelta), if
  // the partition remembers the producer (see ProducerStateTable: producers
  // silent for a day are forgotten). A writer that appends its batches in
  // sequence order uses it to skip what an earlier attempt already stored.
  std::optional<int32_t> LastSequence(int64_t producer_id) const;
  // Blocking form of WhenDurable.
  Status WaitDurable(Offset last);
  // fsyncs everything appended so far, whatever the policy.
  Status Sync();

  // Appends to `out` whole batches starting with the one containing `from`
  // (or the next one, if compaction removed it), up to max_bytes but always at
  // least one whole batch if data exists at `from`. from < log start or
  // > high watermark: kOutOfRange; == high watermark: OK with 0 bytes.
  Result<ReadResult> Read(Offset from, size_t max_bytes, std::string* out) const;
  Offset log_start_offset() const { return Offset{log_start_.load(std::memory_order_acquire)}; }
  // Next offset to be assigned.
  Offset high_watermark() const { return Offset{hw_.load(std::memory_order_acquire)}; }
  // First offset of the first batch whose maxTimestamp >= timestamp_ms; the
  // high watermark if none.
  Result<Offset> OffsetForTimestamp(int64_t timestamp_ms) const;

  // Long-poll support: `listener` runs on the appending thread, outside
  // internal locks, after every successful Append. It must be cheap and must
  // not call Append.
  uint64_t AddAppendListener(std::function<void()> listener);
  void RemoveAppendListener(uint64_t id);
  // Blocks until high_watermark() > after or the timeout passes; true if data.
  bool WaitForData(Offset after, std::chrono::milliseconds timeout) const;

  int64_t size_bytes() const;
  size_t segment_count() const;
  // Offsets below this are on disk (fsynced). Metrics and tests.
  Offset durable_offset() const;
  // fdatasync calls made for this partition (group commit makes this far
  // smaller than the number of acknowledged appends).
  uint64_t fsync_count() const { return fsync_count_.load(std::memory_order_relaxed); }
  // Totals since open, for /metrics: bytes and batches stored by Append,
  // bytes handed out by Read.
  uint64_t appended_bytes() const { return appended_bytes_.load(std::memory_order_relaxed); }
  uint64_t appended_batches() const { return appended_batches_.load(std::memory_order_relaxed); }
  uint64_t read_bytes() const { return read_bytes_.load(std::memory_order_relaxed); }
  const std::string& topic() const { return topic_; }
  PartitionId id() const { return id_; }
  const TopicConfig& config() const { return config_; }
  const std::filesystem::path& dir() const { return dir_; }
  // What recovery did when the partition was opened.
  const RecoveryReport& recovery_report() const { return recovery_; }

  // Retention (cleanup.policy=delete): removes sealed segments whose newest
  // timestamp is older than retention.ms, then oldest sealed segments while
  // the partition is above retention.bytes. Returns segments removed.
  Result<int> EnforceRetention();
  // Compaction (cleanup.policy=compact): rewrites sealed segments keeping, per
  // key, only the newest record; tombstones go once older than
  // delete.retention.ms. Records without a key are kept. Returns records removed.
  Result<int64_t> Compact();

  // fsyncs, writes the active segment's indexes, closes. Idempotent.
  Status Close();
  // The topic was deleted: appends fail from now on and nothing more is
  // written to the (renamed) directory.
  void MarkDeleted();

 private:
  friend class Flusher;
  Partition(std::filesystem::path dir, std::string topic, PartitionId id, const TopicConfig& config, Flusher* flusher,
            const Clock* clock);
  Status Load();
  Status RollLocked(int64_t now_ms);
  std::shared_ptr<Segment> SegmentFor(Offset offset) const;
  std::shared_ptr<Segment> SegmentAfter(Offset base) const;
  void SyncFromFlusher();
  Status SyncNow();
  void NotifyAppended();
  void UpdateLogStart();
  Status RemoveEmptySealedSegments();

  const std::filesystem::path dir_;
  const std::string topic_;
  const PartitionId id_;
  const TopicConfig config_;
  Flusher* const flusher_;
  const Clock* const clock_;
  RecoveryReport recovery_;

  mutable std::mutex append_mu_;  // serialises appends, rolls and segment removal
  std::shared_ptr<Segment> active_;
  mutable std::shared_mutex segments_mu_;                 // guards segments_ (readers take it shared)
  std::map<int64_t, std::shared_ptr<Segment>> segments_;  // by base offset
  ProducerStateTable producers_;                          // guarded by append_mu_
  std::atomic<int64_t> hw_{0};
  std::atomic<int64_t> log_start_{0};
  std::atomic<bool> closed_{false};
  std::atomic<bool> deleted_{false};

  // Durability.
  std::mutex sync_mu_;  // one fsync of this partition at a time
  mutable std::mutex durable_mu_;
  int64_t durable_ = 0;  // offsets below are durable
  Status sync_failure_;  // sticky: after a failed fsync nothing is acknowledged
  struct Waiter {
    int64_t last;
    std::function<void(const Status&)> done;
  };
  std::vector<Waiter> waiters_;
  std::atomic<bool> sync_queued_{false};
  std::atomic<uint64_t> fsync_count_{0};
  std::atomic<uint64_t> appended_bytes_{0};
  std::atomic<uint64_t> appended_batches_{0};
  mutable std::atomic<uint64_t> read_bytes_{0};

  // Readers waiting for data and append listeners.
  mutable std::mutex data_mu_;
  mutable std::condition_variable data_cv_;
  mutable std::atomic<int> data_waiters_{0};
  std::mutex listeners_mu_;
  using Listeners = std::vector<std::pair<uint64_t, std::function<void()>>>;
  std::shared_ptr<const Listeners> listeners_;
  uint64_t next_listener_id_ = 1;

  std::mutex compact_mu_;  // one compaction or retention pass at a time
};

}  // namespace sluice::log
