#include "log/offset_index.h"

#include <algorithm>

#include "log/index_file.h"

namespace sluice::log {

std::pair<Offset, uint32_t> OffsetIndex::LookupEntry(Offset target) const {
  if (target < base_) return {base_, 0};
  uint64_t rel = static_cast<uint64_t>(target.value() - base_.value());
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel,
                             [](uint64_t r, const Entry& e) { return r < e.relative_offset; });
  if (it == entries_.begin()) return {base_, 0};
  return {Offset{base_.value() + std::prev(it)->relative_offset}, std::prev(it)->position};
}

void OffsetIndex::TruncateToPosition(uint32_t position) {
  while (!entries_.empty() && entries_.back().position >= position) entries_.pop_back();
}

Status OffsetIndex::Save(const std::filesystem::path& path, uint64_t log_bytes) const {
  return SaveIndexFile(path, kMagic, log_bytes, entries_);
}

Status OffsetIndex::Load(const std::filesystem::path& path, uint64_t log_bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto entries, LoadIndexFile<Entry>(path, kMagic, log_bytes));
  for (size_t i = 0; i < entries.size(); ++i) {
    bool ordered = i == 0 || (entries[i].relative_offset > entries[i - 1].relative_offset &&
                              entries[i].position > entries[i - 1].position);
    if (!ordered || entries[i].position >= log_bytes) {
      return Status::Corruption("offset index " + path.string() + " is not ordered");
    }
  }
  entries_ = std::move(entries);
  return Status::Ok();
}

}  // namespace sluice::log
