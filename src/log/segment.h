#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>

#include "common/ids.h"
#include "common/result.h"
#include "log/offset_index.h"
#include "log/time_index.h"

namespace sluice::log {

// Where one validated batch sits inside the bytes handed to Segment::Append.
struct BatchPlacement {
  uint32_t position;  // relative to the start of the appended bytes
  uint32_t size;
  Offset base;
  Offset last;
  int64_t max_timestamp;
};

// What recovery found in a segment: how many bytes of torn or corrupt tail it
// cut off, and whether the indexes had to be rebuilt.
struct RecoveryReport {
  uint64_t truncated_bytes = 0;
  Offset truncated_at{-1};  // first offset lost, -1 if nothing was
  int rebuilt_indexes = 0;
  std::string reason;
};

// One file of a partition's log, `<base offset, 20 digits>.log`, holding
// whole RecordBatch v2 batches back to back, plus its two sparse indexes
// (`.index`, `.timeindex`), kept in memory and written to disk once, when the
// segment is sealed. Format: docs/format/log.md.
//
// Thread-safety: one writer (the partition's appender, holding the
// partition's append lock) calls Append/Truncate/Seal; any number of readers
// call Read/FindOffsetForTimestamp and the accessors concurrently. Readers see
// only bytes below size(), which is published after the write completes, so
// a reader never sees a partly written batch.
// Lifetime: shared by the partition and readers in flight; the file
// descriptor stays valid after the files are unlinked (retention, compaction).
// Durability: Append leaves bytes in the page cache; Sync() fdatasyncs;
// Seal() fsyncs the log and writes the indexes atomically.
class Segment {
 public:
  enum class OpenMode {
    kSealed,   // trust the log; load the indexes (rebuild them if damaged)
    kRecover,  // verify every batch (CRC); truncate a torn or corrupt tail; rebuild the indexes
  };

  static Result<std::unique_ptr<Segment>> Create(const std::filesystem::path& dir, Offset base,
                                                 int32_t index_interval_bytes, int64_t now_ms);
  static Result<std::unique_ptr<Segment>> Open(const std::filesystem::path& dir, Offset base,
                                               int32_t index_interval_bytes, OpenMode mode, int64_t now_ms,
                                               RecoveryReport* report);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Appends validated batches whose base offsets are already assigned.
  // All or nothing: on a failed write the file is cut back.
  Status Append(std::span<const uint8_t> bytes, std::span<const BatchPlacement> batches, int64_t now_ms);
  Status Sync();
  // Makes the segment immutable: fsync, then write both index files.
  Status Seal();
  // Writes the index files of a segment that was sealed or rebuilt.
  Status SaveIndexes();

  // Appends to `out` whole batches starting with the first whose last offset
  // is >= `from`, up to `max_bytes` but at least one batch. Verifies the CRC
  // of every batch not verified before; stops before a corrupt one (and fails
  // with kCorruption if it is the first). Returns the bytes appended, 0 when
  // no batch of this segment reaches `from`.
  Result<size_t> Read(Offset from, size_t max_bytes, std::string* out) const;
  // The first record whose timestamp >= `timestamp`, if any (as Kafka's ListOffsets).
  Result<std::optional<Offset>> FindOffsetForTimestamp(int64_t timestamp) const;

  // Calls fn(position, whole batch bytes) for every batch below size(), in
  // order (compaction, tests). Stops at the first non-OK status fn returns.
  Status ForEachBatch(const std::function<Status(uint64_t, std::span<const uint8_t>)>& fn) const;

  // Removes the files (the descriptor stays usable for readers in flight).
  Status RemoveFiles();
  // Renames files after compaction built a replacement (see Partition::Compact).
  const std::filesystem::path& log_path() const { return log_path_; }
  std::filesystem::path index_path() const;
  std::filesystem::path time_index_path() const;

  Offset base() const { return base_; }
  // One past the last offset stored (== base when empty).
  Offset next_offset() const { return Offset{next_offset_.load(std::memory_order_acquire)}; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // The time retention measures: the largest batch timestamp, or the time of
  // the last append when producers sent none.
  int64_t retention_timestamp() const;
  int64_t created_ms() const { return created_ms_; }
  bool sealed() const { return sealed_; }
  int fd() const { return fd_; }

  // Builds the path `<dir>/<base, 20 digits><ext>`.
  static std::filesystem::path FilePath(const std::filesystem::path& dir, Offset base, std::string_view ext);

 private:
  Segment(std::filesystem::path dir, Offset base, int fd, int32_t index_interval_bytes, int64_t now_ms);
  Status Recover(RecoveryReport* report);
  Status RebuildIndexes(uint64_t verify_crc_from, RecoveryReport* report);
  void IndexBatch(uint32_t position, Offset base, int64_t max_timestamp);
  Status ReadHeaderAt(uint64_t position, uint8_t* buf, size_t n) const;
  // The offset of the first record with a timestamp >= `timestamp` in the
  // batch at `position` (whose maxTimestamp is >= it).
  Result<Offset> FirstRecordAtOrAfter(uint64_t position, int32_t batch_length, int64_t timestamp) const;

  std::filesystem::path dir_;
  std::filesystem::path log_path_;
  Offset base_;
  int fd_;
  int32_t index_interval_bytes_;
  int64_t created_ms_;
  bool sealed_ = false;

  // Writer-side bookkeeping for the sparse indexes.
  uint64_t last_indexed_position_ = 0;
  bool indexed_any_ = false;
  int64_t max_ts_so_far_ = INT64_MIN;
  Offset offset_of_max_ts_{0};

  mutable std::shared_mutex index_mu_;  // guards the two indexes
  OffsetIndex offset_index_;
  TimeIndex time_index_;

  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  std::atomic<int64_t> last_append_ms_;
  // Bytes [0, verified_) have passed their CRC since the segment was opened.
  mutable std::atomic<uint64_t> verified_{0};
};

}  // namespace sluice::log
