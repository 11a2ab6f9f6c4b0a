#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/result.h"

namespace sluice::log {

// Sparse map from offset to byte position within one segment: one entry per
// batch that starts at least index.interval.bytes after the previous entry.
// Look-ups are a binary search, then a short scan of batch headers.
// Format: docs/format/log.md ("Index files").
//
// Thread-safety: not thread-safe; Segment guards it.
class OffsetIndex {
 public:
  struct Entry {
    uint32_t relative_offset;  // batch base offset - segment base offset
    uint32_t position;         // byte position of the batch in the .log file
  };
  static constexpr char kMagic[5] = "SLOI";

  explicit OffsetIndex(Offset base) : base_(base) {}

  // `offset` and `position` must exceed the last entry's.
  void Append(Offset offset, uint32_t position) {
    entries_.push_back({static_cast<uint32_t>(offset.value() - base_.value()), position});
  }
  // Position of the last entry at or before `target`; 0 when none.
  uint32_t Lookup(Offset target) const { return LookupEntry(target).second; }
  // The last entry at or before `target` as (offset, position); (base, 0) when none.
  std::pair<Offset, uint32_t> LookupEntry(Offset target) const;
  // Drops entries at or after byte `position` (the log was truncated there).
  void TruncateToPosition(uint32_t position);
  void Clear() { entries_.clear(); }

  Status Save(const std::filesystem::path& path, uint64_t log_bytes) const;
  // Replaces the entries with the file's; kCorruption/kNotFound => rebuild.
  Status Load(const std::filesystem::path& path, uint64_t log_bytes);

  Offset base() const { return base_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  Offset base_;
  std::vector<Entry> entries_;
};

}  // namespace sluice::log
