#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/ids.h"
#include "common/result.h"

namespace sluice::log {

// Sparse map from timestamp to offset within one segment. Each entry records
// the largest batch maxTimestamp seen so far and the offset of the batch that
// carried it; entries are added beside offset-index entries, only when that
// maximum grew. Timestamps therefore increase along the entries even when
// producers' clocks do not.
// Format: docs/format/log.md ("Index files").
//
// Thread-safety: not thread-safe; Segment guards it.
class TimeIndex {
 public:
#pragma pack(push, 4)
  struct Entry {
    int64_t timestamp;
    uint32_t relative_offset;
  };
#pragma pack(pop)
  static_assert(sizeof(Entry) == 12);
  static constexpr char kMagic[5] = "SLTI";

  explicit TimeIndex(Offset base) : base_(base) {}

  // Records (max timestamp so far, its batch's base offset) if it exceeds the last entry.
  void MaybeAppend(int64_t max_timestamp, Offset offset);
  // An offset from which a forward scan finds the first batch with
  // maxTimestamp >= `timestamp`: the batch of the last entry below it, or the
  // segment base when there is none.
  Offset Lookup(int64_t timestamp) const;
  void TruncateToOffset(Offset offset);
  void Clear() { entries_.clear(); }

  Status Save(const std::filesystem::path& path, uint64_t log_bytes) const;
  Status Load(const std::filesystem::path& path, uint64_t log_bytes);

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  Offset base_;
  std::vector<Entry> entries_;
};

}  // namespace sluice::log
