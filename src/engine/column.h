#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "engine/schema.h"

namespace sluice::engine {

// Where a string value lives inside its column's arena.
struct StringRef {
  uint32_t offset = 0;
  uint32_t length = 0;
};

// One typed column of a batch: a value buffer of `capacity` rows, a validity
// bitmap (bit set = value present, clear = SQL NULL) and, for strings, an
// arena that holds the bytes (rows store StringRef{offset, length} into it, so
// no row owns a std::string).
//
// Values of rows outside the batch's selection are unspecified. Buffers are
// allocated once at construction; Reset() keeps their capacity, so a column
// reused batch after batch does not allocate (the string arena grows to the
// largest batch seen and then stays).
//
// Thread-safety: not thread-safe; owned by one batch.
class Column {
 public:
  Column(DataType type, int capacity);

  DataType type() const { return type_; }
  int capacity() const { return capacity_; }

  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(values_.data());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(values_.data());
  }

  uint64_t* validity() { return validity_.data(); }
  const uint64_t* validity() const { return validity_.data(); }
  bool IsValid(int row) const { return (validity_[row >> 6] >> (row & 63)) & 1; }
  bool IsNull(int row) const { return !IsValid(row); }
  void SetValid(int row) { validity_[row >> 6] |= uint64_t{1} << (row & 63); }
  void SetNull(int row) { validity_[row >> 6] &= ~(uint64_t{1} << (row & 63)); }
  void SetValidity(int row, bool valid) {
    if (valid) {
      SetValid(row);
    } else {
      SetNull(row);
    }
  }
  void SetAllValid() { std::memset(validity_.data(), 0xff, validity_.size() * sizeof(uint64_t)); }
  void SetAllNull() { std::memset(validity_.data(), 0, validity_.size() * sizeof(uint64_t)); }
  int validity_words() const { return static_cast<int>(validity_.size()); }

  // Strings. SetString copies `s` into the arena.
  std::string_view GetString(int row) const {
    const StringRef& r = data<StringRef>()[row];
    return {arena_.data() + r.offset, r.length};
  }
  void SetString(int row, std::string_view s) { data<StringRef>()[row] = AppendToArena(s); }
  StringRef AppendToArena(std::string_view s) {
    StringRef r{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(s.size())};
    arena_.insert(arena_.end(), s.begin(), s.end());
    return r;
  }
  // Reserves `bytes` more arena space and returns where to write them; the
  // caller then records a StringRef at arena_size() before the call.
  char* ExtendArena(size_t bytes) {
    size_t at = arena_.size();
    arena_.resize(at + bytes);
    return arena_.data() + at;
  }
  void TruncateArena(size_t size) { arena_.resize(size); }
  size_t arena_size() const { return arena_.size(); }
  const char* arena() const { return arena_.data(); }

  // Copies row `from_row` of `from` (same type) into row `to_row`.
  void CopyRow(const Column& from, int from_row, int to_row);

  // Drops string bytes; keeps every buffer's capacity.
  void Reset() { arena_.clear(); }

  // Bytes held by this column's buffers (capacity, not use).
  size_t MemoryBytes() const { return values_.capacity() + validity_.capacity() * 8 + arena_.capacity(); }

 private:
  DataType type_;
  int capacity_;
  std::vector<uint8_t> values_;
  std::vector<uint64_t> validity_;
  std::vector<char> arena_;
};

}  // namespace sluice::engine
