#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/ids.h"
#include "common/result.h"
#include "log/record_batch.h"

namespace sluice::log {

// The last few batches of every idempotent producer (producerId >= 0) of a
// partition, so that a retried batch — same producerId, producerEpoch and
// baseSequence as one already stored — is recognised and answered with its
// original offsets instead of being written twice (Kafka's idempotent
// produce). Lenient: sequence gaps and unknown producers are accepted, never
// rejected, so a client whose state the log forgot is never wedged.
//
// Durability: snapshotted to `<base>.producers` when a segment rolls; on open
// the snapshot at the active segment's base is loaded and the active segment
// replayed (docs/format/log.md, "Producer state").
// Thread-safety: not thread-safe; guarded by the partition's append lock.
class ProducerStateTable {
 public:
  static constexpr size_t kRememberedBatches = 5;  // as Kafka
  static constexpr char kMagic[5] = "SLPS";

  // The offsets of a stored batch equal to `h` (same producer, epoch and
  // base sequence, same record count), if one is remembered.
  std::optional<std::pair<Offset, Offset>> FindDuplicate(const RecordBatchHeader& h) const;
  // The sequence number of the last record of `producer_id`'s newest stored
  // batch (baseSequence + lastOffsetDelta), if the producer is remembered.
  std::optional<int32_t> LastSequence(int64_t producer_id) const;
  // Remembers a stored batch (offsets assigned).
  void Record(const RecordBatchHeader& h, int64_t now_ms);
  // Forgets producers not seen since `cutoff_ms`.
  void ExpireBefore(int64_t cutoff_ms);

  Status Save(const std::filesystem::path& path, Offset at) const;
  // kNotFound/kCorruption leave the table empty.
  Status Load(const std::filesystem::path& path, Offset at);
  size_t producer_count() const { return producers_.size(); }

 private:
  struct Batch {
    int32_t base_sequence;
    int32_t last_offset_delta;
    int64_t base_offset;
  };
  struct Producer {
    int16_t epoch = -1;
    int64_t last_seen_ms = 0;
    std::array<Batch, kRememberedBatches> recent{};
    size_t count = 0;  // how many of `recent` are filled (ring, newest at (next - 1))
    size_t next = 0;
  };
  std::unordered_map<int64_t, Producer> producers_;
};

}  // namespace sluice::log
