#include "engine/key_table.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice::engine {

uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void KeyEncoder::Encode(const Batch& batch) {
  const int n = batch.active_rows();
  if (offsets_.size() < static_cast<size_t>(n) + 1) {
    offsets_.resize(batch.capacity() + 1);
    hashes_.resize(batch.capacity());
  }
  // Row lengths first (fixed part plus string bytes), then fill column by column.
  int fixed = 0;
  bool has_strings = false;
  for (int c : columns_) {
    DataType t = batch.column(c).type();
    fixed += 1 + (t == DataType::kString ? 4 : PhysicalWidth(t));
    has_strings |= t == DataType::kString;
  }
  offsets_[0] = 0;
  if (!has_strings) {
    for (int k = 0; k < n; ++k) offsets_[k + 1] = static_cast<uint32_t>((k + 1) * fixed);
  } else {
    for (int k = 0; k < n; ++k) {
      int r = batch.active_row(k);
      uint32_t len = fixed;
      for (int c : columns_) {
        const Column& col = batch.column(c);
        if (col.type() == DataType::kString && col.IsValid(r)) len += col.data<StringRef>()[r].length;
      }
      offsets_[k + 1] = offsets_[k] + len;
    }
  }
  bytes_.resize(offsets_[n]);
  std::vector<uint32_t>& pos = offsets_;  // write cursor per row = offsets_[k] + written so far
  uint32_t written = 0;                   // fixed-width prefix written so far (same for every row)
  // Strings make per-row cursors diverge; track the extra per row in hashes_ temporarily.
  if (has_strings) std::fill(hashes_.begin(), hashes_.begin() + n, 0);
  char* out = bytes_.data();
  for (int c : columns_) {
    const Column& col = batch.column(c);
    const int width = col.type() == DataType::kString ? 4 : PhysicalWidth(col.type());
    for (int k = 0; k < n; ++k) {
      int r = batch.active_row(k);
      char* dst = out + pos[k] + written + (has_strings ? hashes_[k] : 0);
      const bool valid = col.IsValid(r);
      dst[0] = valid ? 1 : 0;
      if (col.type() == DataType::kString) {
        uint32_t len = valid ? col.data<StringRef>()[r].length : 0;
        std::memcpy(dst + 1, &len, 4);
        if (len) std::memcpy(dst + 5, col.GetString(r).data(), len);
        hashes_[k] += len;
      } else if (valid) {
        std::memcpy(dst + 1, col.data<uint8_t>() + static_cast<size_t>(r) * width, width);
      } else {
        std::memset(dst + 1, 0, width);
      }
    }
    written += 1 + width;
  }
  for (int k = 0; k < n; ++k) hashes_[k] = XXH3_64bits(out + offsets_[k], offsets_[k + 1] - offsets_[k]);
}

void KeyEncoder::Decode(std::string_view key, const Schema& key_schema, Batch* out, int first_column, int row) {
  const char* p = key.data();
  for (int i = 0; i < key_schema.size(); ++i) {
    Column& col = out->column(first_column + i);
    const bool valid = *p++ != 0;
    col.SetValidity(row, valid);
    if (col.type() == DataType::kString) {
      uint32_t len;
      std::memcpy(&len, p, 4);
      p += 4;
      if (valid) {
        col.SetString(row, std::string_view(p, len));
      } else {
        col.data<StringRef>()[row] = StringRef{};
      }
      p += len;
    } else {
      const int width = PhysicalWidth(col.type());
      std::memcpy(col.data<uint8_t>() + static_cast<size_t>(row) * width, p, width);
      p += width;
    }
  }
}

namespace {
constexpr size_t kInitialSlots = 64;
}

KeyTable::KeyTable(int payload_bytes) : payload_bytes_(payload_bytes) {
  slots_.assign(kInitialSlots, 0);
  mask_ = kInitialSlots - 1;
}

namespace {

inline uint64_t Slot(uint64_t hash, uint32_t entry) { return (hash & 0xFFFFFFFF00000000ULL) | (entry + 1); }
inline uint32_t SlotEntry(uint64_t slot) { return static_cast<uint32_t>(slot) - 1; }
inline bool SlotTagMatches(uint64_t slot, uint64_t hash) { return ((slot ^ hash) >> 32) == 0; }

// Equality of short keys without a call: most keys are one or two columns.
inline bool KeyBytesEqual(const char* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a0, b0, a1, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&a1, a + n - 8, 8);
    std::memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  // n == 0: a global aggregate's empty key, whose bytes may be a null pointer (memcmp must not see it).
  return n == 0 || std::memcmp(a, b, n) == 0;
}

}  // namespace

constexpr uint64_t kTombstone = ~uint64_t{0};

void KeyTable::Rehash(size_t nslots) {
  std::vector<uint64_t>& slots = slots_scratch_;
  slots.assign(nslots, 0);
  uint64_t mask = nslots - 1;
  for (uint32_t e = 0; e < entries_.size(); ++e) {
    if (!alive(e)) continue;
    uint64_t i = entries_[e].hash & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = Slot(entries_[e].hash, e);
  }
  slots_.swap(slots);
  mask_ = mask;
  tombstones_ = 0;
}

uint32_t KeyTable::FindOrInsert(std::string_view key, uint64_t hash, bool* inserted) {
  uint64_t i = hash & mask_;
  while (true) {
    const uint64_t s = slots_[i];
    if (s == 0) break;
    if (s != kTombstone && SlotTagMatches(s, hash)) {
      const Entry& e = entries_[SlotEntry(s)];
      if (e.hash == hash && e.key_length == key.size() &&
          KeyBytesEqual(keys_.data() + e.key_offset, key.data(), key.size())) {
        *inserted = false;
        return SlotEntry(s);
      }
    }
    i = (i + 1) & mask_;
  }
  uint32_t idx;
  const Entry fresh{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size())};
  if (!free_entries_.empty()) {
    idx = free_entries_.back();
    free_entries_.pop_back();
    entries_[idx] = fresh;
    std::memset(payload(idx), 0, payload_bytes_);
  } else {
    idx = static_cast<uint32_t>(entries_.size());
    entries_.push_back(fresh);
    payloads_.resize(payloads_.size() + payload_bytes_, 0);
  }
  keys_.insert(keys_.end(), key.begin(), key.end());
  slots_[i] = Slot(hash, idx);
  *inserted = true;
  if ((live_entries() + tombstones_) * 2 > slots_.size()) {
    Rehash(live_entries() * 4 > slots_.size() ? slots_.size() * 2 : slots_.size());
  }
  return idx;
}

int64_t KeyTable::Find(std::string_view key, uint64_t hash) const {
  uint64_t i = hash & mask_;
  while (true) {
    const uint64_t s = slots_[i];
    if (s == 0) return -1;
    if (s != kTombstone && SlotTagMatches(s, hash)) {
      const Entry& e = entries_[SlotEntry(s)];
      if (e.hash == hash && e.key_length == key.size() &&
          KeyBytesEqual(keys_.data() + e.key_offset, key.data(), key.size())) {
        return SlotEntry(s);
      }
    }
    i = (i + 1) & mask_;
  }
}

void KeyTable::Erase(uint32_t e) {
  uint64_t i = entries_[e].hash & mask_;
  while (slots_[i] != 0) {
    if (slots_[i] != kTombstone && SlotEntry(slots_[i]) == e) {
      slots_[i] = kTombstone;
      ++tombstones_;
      break;
    }
    i = (i + 1) & mask_;
  }
  erased_key_bytes_ += entries_[e].key_length;
  entries_[e].key_length = kErased;
  free_entries_.push_back(e);
  if (erased_key_bytes_ > 4096 && erased_key_bytes_ * 2 > keys_.size()) CompactKeys();
}

void KeyTable::CompactKeys() {
  std::vector<char>& keys = keys_scratch_;
  keys.clear();
  for (Entry& e : entries_) {
    if (e.key_length == kErased) continue;
    uint32_t at = static_cast<uint32_t>(keys.size());
    keys.insert(keys.end(), keys_.begin() + e.key_offset, keys_.begin() + e.key_offset + e.key_length);
    e.key_offset = at;
  }
  keys_.swap(keys);
  erased_key_bytes_ = 0;
}

void KeyTable::Clear() {
  if (!entries_.empty()) std::fill(slots_.begin(), slots_.end(), 0);
  free_entries_.clear();
  tombstones_ = 0;
  erased_key_bytes_ = 0;
  entries_.clear();
  payloads_.clear();
  keys_.clear();
  blob_.clear();
}

void KeyTable::CopyEntriesTo(KeyTable* copy) const {
  copy->entries_ = entries_;
  copy->payloads_ = payloads_;
  copy->keys_ = keys_;
  copy->blob_ = blob_;
  copy->free_entries_ = free_entries_;
}

}  // namespace sluice::engine
