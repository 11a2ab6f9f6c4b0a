#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/key_table.h"
#include "engine/state/rocksdb_store.h"

namespace sluice::engine {

// RocksDB keys of keyed state: big-endian key group (2 bytes), big-endian
// operator id (2 bytes: the operator's index in its stage's chain), then the
// key bytes. Big-endian first, so one key group — and a range of them — is
// one contiguous key range: a rescale copies ranges, not single keys.
constexpr int kStateKeyPrefixBytes = 4;
constexpr int kMaxStoreKeyGroups = 1 << 15;

inline void AppendStateKeyPrefix(int key_group, int operator_id, std::string* out) {
  const char p[kStateKeyPrefixBytes] = {static_cast<char>(key_group >> 8), static_cast<char>(key_group & 0xFF),
                                        static_cast<char>(operator_id >> 8), static_cast<char>(operator_id & 0xFF)};
  out->append(p, sizeof p);
}
// The first key of key group `key_group` (all operators); key groups [a, b)
// are the keys in [KeyGroupStart(a), KeyGroupStart(b)).
inline std::string KeyGroupStart(int key_group) {
  return {static_cast<char>(key_group >> 8), static_cast<char>(key_group & 0xFF)};
}

// The write-back cache between a keyed operator's KeyTable and RocksDB: the
// operator works on its KeyTable as in memory; before a batch, Fetch() loads
// the batch's keys that the table lacks with one MultiGet; the operator marks
// the entries it changes; when the table holds more than `capacity` keys,
// Evict() writes the changed ones to RocksDB in one WriteBatch and empties
// the table (keeping its buffers). Memory: capacity keys plus one batch,
// whatever the number of keys in RocksDB.
//
// The operator supplies how a payload becomes bytes and back (Load / Encode
// callables, inlined: no virtual call per entry).
//
// Thread-safety: not thread-safe; one per operator instance, with its table.
class StateCache {
 public:
  StateCache(RocksDbStore* store, int operator_id, int num_key_groups, int64_t capacity)
      : store_(store), operator_id_(operator_id), num_key_groups_(num_key_groups), capacity_(capacity) {}

  RocksDbStore* store() const { return store_; }
  int64_t capacity() const { return capacity_; }

  // Gives each of the first `n` keys of `keys` an entry in `table`: present
  // ones stay, absent ones are inserted (payload zeroed) and, if RocksDB has
  // them, filled by load(entry, stored bytes).
  template <typename Load>
  Status Fetch(KeyTable* table, const KeyEncoder& keys, int n, Load load) {
    miss_entries_.clear();
    miss_offsets_.clear();
    key_bytes_.clear();
    for (int k = 0; k < n; ++k) {
      if (table->Find(keys.key(k), keys.hash(k)) >= 0) continue;
      bool inserted;
      const uint32_t e = table->FindOrInsert(keys.key(k), keys.hash(k), &inserted);
      miss_entries_.push_back(e);
      miss_offsets_.push_back(static_cast<uint32_t>(key_bytes_.size()));
      AppendStateKeyPrefix(KeyGroupOf(keys.hash(k), num_key_groups_), operator_id_, &key_bytes_);
      key_bytes_.append(keys.key(k));
    }
    if (miss_entries_.empty()) return Status::Ok();
    miss_offsets_.push_back(static_cast<uint32_t>(key_bytes_.size()));
    miss_keys_.clear();
    for (size_t i = 0; i + 1 < miss_offsets_.size(); ++i) {
      miss_keys_.emplace_back(key_bytes_.data() + miss_offsets_[i], miss_offsets_[i + 1] - miss_offsets_[i]);
    }
    SLUICE_RETURN_IF_ERROR(store_->MultiGet(miss_keys_));
    for (size_t i = 0; i < miss_entries_.size(); ++i) {
      if (store_->found(i)) SLUICE_RETURN_IF_ERROR(load(miss_entries_[i], store_->value(i)));
    }
    return Status::Ok();
  }

  void MarkDirty(uint32_t e) {
    if (dirty_.size() <= e) dirty_.resize(static_cast<size_t>(e) + 1, 0);
    if (dirty_[e]) return;
    dirty_[e] = 1;
    dirty_list_.push_back(e);
  }

  // Writes every changed entry to RocksDB: encode(entry, &bytes) returns
  // false when the entry is to be deleted (an emptied group).
  template <typename Encode>
  Status WriteBack(const KeyTable& table, Encode encode) {
    for (uint32_t e : dirty_list_) {
      dirty_[e] = 0;
      if (!table.alive(e)) continue;
      key_bytes_.clear();
      AppendStateKeyPrefix(KeyGroupOf(table.hash(e), num_key_groups_), operator_id_, &key_bytes_);
      key_bytes_.append(table.key(e));
      value_bytes_.clear();
      if (encode(e, &value_bytes_)) {
        store_->Put(key_bytes_, value_bytes_);
      } else {
        store_->Delete(key_bytes_);
      }
    }
    dirty_list_.clear();
    return store_->Commit();
  }

  // After a batch: past capacity, writes back and empties the table.
  template <typename Encode>
  Status Evict(KeyTable* table, Encode encode) {
    if (static_cast<int64_t>(table->live_entries()) <= capacity_) return Status::Ok();
    SLUICE_RETURN_IF_ERROR(WriteBack(*table, encode));
    table->Clear();
    ++evictions_;
    return Status::Ok();
  }
  int64_t evictions() const { return evictions_; }

 private:
  RocksDbStore* store_;
  int operator_id_;
  int num_key_groups_;
  int64_t capacity_;
  int64_t evictions_ = 0;
  std::vector<uint8_t> dirty_;
  std::vector<uint32_t> dirty_list_;
  std::vector<uint32_t> miss_entries_;
  std::vector<uint32_t> miss_offsets_;
  std::vector<std::string_view> miss_keys_;
  std::string key_bytes_;
  std::string value_bytes_;
};

}  // namespace sluice::engine
