#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "log/crc32c.h"
#include "log/durable_file.h"

namespace sluice::log {

// The on-disk form shared by a sealed segment's .index and .timeindex
// (docs/format/log.md, "Index files"): a 24-byte header — magic, version,
// the length of the .log file it describes, entry count, CRC-32C of the
// entries — then the fixed-size entries, little-endian. Written once, whole,
// when the segment is sealed; any mismatch on load means "rebuild from the log".
inline constexpr size_t kIndexFileHeaderSize = 24;
inline constexpr uint32_t kIndexFileVersion = 1;

template <typename Entry>
Status SaveIndexFile(const std::filesystem::path& path, const char (&magic)[5], uint64_t log_bytes,
                     const std::vector<Entry>& entries) {
  std::string buf(kIndexFileHeaderSize + entries.size() * sizeof(Entry), '\0');
  char* p = buf.data();
  std::memcpy(p, magic, 4);
  uint32_t version = kIndexFileVersion;
  uint32_t count = static_cast<uint32_t>(entries.size());
  if (!entries.empty()) std::memcpy(p + kIndexFileHeaderSize, entries.data(), entries.size() * sizeof(Entry));
  uint32_t crc = Crc32c(p + kIndexFileHeaderSize, entries.size() * sizeof(Entry));
  std::memcpy(p + 4, &version, 4);
  std::memcpy(p + 8, &log_bytes, 8);
  std::memcpy(p + 16, &count, 4);
  std::memcpy(p + 20, &crc, 4);
  return WriteFileAtomically(path, buf);
}

// kNotFound if absent; kCorruption if damaged or describing another log length.
template <typename Entry>
Result<std::vector<Entry>> LoadIndexFile(const std::filesystem::path& path, const char (&magic)[5],
                                         uint64_t log_bytes) {
  SLUICE_ASSIGN_OR_RETURN(std::string buf, ReadWholeFile(path));
  if (buf.size() < kIndexFileHeaderSize || std::memcmp(buf.data(), magic, 4) != 0) {
    return Status::Corruption("index file " + path.string() + " has no valid header");
  }
  uint32_t version, count, crc;
  uint64_t covered;
  std::memcpy(&version, buf.data() + 4, 4);
  std::memcpy(&covered, buf.data() + 8, 8);
  std::memcpy(&count, buf.data() + 16, 4);
  std::memcpy(&crc, buf.data() + 20, 4);
  if (version != kIndexFileVersion || buf.size() != kIndexFileHeaderSize + uint64_t{count} * sizeof(Entry)) {
    return Status::Corruption("index file " + path.string() + " has the wrong version or length");
  }
  if (covered != log_bytes) {
    return Status::Corruption("index file " + path.string() + " describes a log of another length");
  }
  if (Crc32c(buf.data() + kIndexFileHeaderSize, buf.size() - kIndexFileHeaderSize) != crc) {
    return Status::Corruption("index file " + path.string() + " fails its CRC");
  }
  std::vector<Entry> entries(count);
  if (count) std::memcpy(entries.data(), buf.data() + kIndexFileHeaderSize, count * sizeof(Entry));
  return entries;
}

}  // namespace sluice::log
