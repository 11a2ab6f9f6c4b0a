#include "log/time_index.h"

#include <algorithm>

#include "log/index_file.h"

namespace sluice::log {

void TimeIndex::MaybeAppend(int64_t max_timestamp, Offset offset) {
  if (!entries_.empty() && entries_.back().timestamp >= max_timestamp) return;
  entries_.push_back({max_timestamp, static_cast<uint32_t>(offset.value() - base_.value())});
}

Offset TimeIndex::Lookup(int64_t timestamp) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), timestamp,
                             [](const Entry& e, int64_t ts) { return e.timestamp < ts; });
  if (it == entries_.begin()) return base_;
  return Offset{base_.value() + std::prev(it)->relative_offset};
}

void TimeIndex::TruncateToOffset(Offset offset) {
  while (!entries_.empty() && base_.value() + entries_.back().relative_offset >= offset.value()) entries_.pop_back();
}

Status TimeIndex::Save(const std::filesystem::path& path, uint64_t log_bytes) const {
  return SaveIndexFile(path, kMagic, log_bytes, entries_);
}

Status TimeIndex::Load(const std::filesystem::path& path, uint64_t log_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto entries, LoadIndexFile<Entry>(path, kMagic, log_bytes));
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].timestamp <= entries[i - 1].timestamp ||
        entries[i].relative_offset <= entries[i - 1].relative_offset) {
      return Status::Corruption("time index " + path.string() + " is not ordered");
    }
  }
  entries_ = std::move(entries);
  return Status::Ok();
}

}  // namespace sluice::log
