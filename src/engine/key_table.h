#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "engine/batch.h"

namespace sluice::engine {

// Encodes the key columns of a batch's live rows into byte strings (one per
// row, in live-row order) and hashes them with XXH3. Encoding per column: a
// null byte, then the fixed-width value or a 4-byte length and the bytes, so
// equal keys have equal bytes and decoding is exact.
//
// Thread-safety: not thread-safe; scratch buffers are reused batch to batch.
class KeyEncoder {
 public:
  explicit KeyEncoder(std::vector<int> key_columns) : columns_(std::move(key_columns)) {}
  const std::vector<int>& columns() const { return columns_; }

  // Encodes the live rows of `batch`; key(k)/hash(k) then describe live row k.
  void Encode(const Batch& batch);
  std::string_view key(int k) const {
    return {bytes_.data() + offsets_[k], static_cast<size_t>(offsets_[k + 1] - offsets_[k])};
  }
  uint64_t hash(int k) const { return hashes_[k]; }
  const uint64_t* hashes() const { return hashes_.data(); }

  // Writes the columns encoded in `key` into row `row` of `out`'s columns
  // starting at `first_column`.
  static void Decode(std::string_view key, const Schema& key_schema, Batch* out, int first_column, int row);

 private:
  std::vector<int> columns_;
  std::vector<char> bytes_;
  std::vector<uint32_t> offsets_;
  std::vector<uint64_t> hashes_;
};

uint64_t HashKey(std::string_view key);
// The key group of a key hash, in [0, num_key_groups).
inline int KeyGroupOf(uint64_t hash, int num_key_groups) {
  return static_cast<int>((hash >> 32) * static_cast<uint64_t>(num_key_groups) >> 32);
}
// The worker owning key group `kg`: contiguous ranges of key groups per worker.
inline int WorkerOfKeyGroup(int kg, int num_key_groups, int num_workers) {
  return static_cast<int>(static_cast<int64_t>(kg) * num_workers / num_key_groups);
}

// An open-addressing hash table from key bytes to a fixed-size payload (an
// aggregate accumulator, a row reference...). Entries are numbered densely in
// insertion order and never move, so an entry index stays valid until
// Clear(). Payload bytes are zeroed on insert. Variable-size values that an
// entry needs (strings) go to the table's byte arena.
//
// Thread-safety: not thread-safe. Memory: Clear() keeps every buffer, so a
// table reused window after window stops allocating once it has seen its
// largest window.
class KeyTable {
 public:
  explicit KeyTable(int payload_bytes);

  // The entry of `key`, inserted (payload zeroed) if absent; *inserted tells which.
  uint32_t FindOrInsert(std::string_view key, uint64_t hash, bool* inserted);
  // The entry of `key`, or -1.
  int64_t Find(std::string_view key, uint64_t hash) const;

  // Entry indices in use are [0, size()); erased ones among them are not alive().
  uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  bool alive(uint32_t e) const { return entries_[e].key_length != kErased; }
  uint32_t live_entries() const { return size() - static_cast<uint32_t>(free_entries_.size()); }
  // Removes entry `e`; its index is reused by a later insert. Key bytes are
  // reclaimed when erased keys dominate the key arena.
  void Erase(uint32_t e);
  uint8_t* payload(uint32_t e) { return payloads_.data() + static_cast<size_t>(e) * payload_bytes_; }
  const uint8_t* payload(uint32_t e) const { return payloads_.data() + static_cast<size_t>(e) * payload_bytes_; }
  std::string_view key(uint32_t e) const { return {keys_.data() + entries_[e].key_offset, entries_[e].key_length}; }
  uint64_t hash(uint32_t e) const { return entries_[e].hash; }
  int payload_bytes() const { return payload_bytes_; }

  // Arena for variable-size payload data; returns the offset of the copy.
  uint32_t StoreBytes(std::string_view bytes) {
    uint32_t at = static_cast<uint32_t>(blob_.size());
    blob_.insert(blob_.end(), bytes.begin(), bytes.end());
    return at;
  }
  std::string_view LoadBytes(uint32_t offset, uint32_t length) const { return {blob_.data() + offset, length}; }
  size_t blob_size() const { return blob_.size(); }
  // Replaces the byte arena (after a caller copied the live bytes into
  // `blob` and rewrote the offsets); `blob` receives the old arena.
  void SwapBlob(std::vector<char>* blob) { blob_.swap(*blob); }

  void Clear();
  // Copies the entries (hashes, keys, payloads, byte arena) into *copy, a
  // table with the same payload size, reusing its buffers: a frozen image of
  // the state for a snapshot serialized on another thread. The copy answers
  // reads by entry index only (size, alive, hash, key, payload, LoadBytes);
  // it has no index, so it must not be searched or inserted into.
  void CopyEntriesTo(KeyTable* copy) const;
  int64_t MemoryBytes() const {
    return static_cast<int64_t>(slots_.capacity() * 8 + entries_.capacity() * sizeof(Entry) + payloads_.capacity() +
                                keys_.capacity() + blob_.capacity());
  }

 private:
  struct Entry {
    uint64_t hash;
    uint32_t key_offset;
    uint32_t key_length;  // kErased for a free entry
  };
  static constexpr uint32_t kErased = 0xFFFFFFFF;
  void Rehash(size_t slots);
  void CompactKeys();

  int payload_bytes_;
  // Per slot: (hash >> 32) << 32 | (entry index + 1); 0 = empty. The hash
  // tag lets a probe skip non-matching entries without touching them.
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint8_t> payloads_;
  std::vector<char> keys_;
  std::vector<char> blob_;
  std::vector<uint32_t> free_entries_;
  std::vector<uint64_t> slots_scratch_;  // reused by Rehash: erase/insert churn does not allocate
  std::vector<char> keys_scratch_;       // reused by CompactKeys
  size_t tombstones_ = 0;
  size_t erased_key_bytes_ = 0;
};

}  // namespace sluice::engine
