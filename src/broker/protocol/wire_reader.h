#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::broker {

// Reads Kafka wire primitives (big-endian integers, varints, strings, bytes,
// arrays, tagged fields) from a request buffer it does not own.
//
// Errors are sticky instead of thrown: the first read past the end or of a
// malformed value sets error() and every later read returns a zero value, so
// a decoder reads a whole message and checks ok() once at the end. Strings
// and byte fields are views into the buffer, which must outlive them.
//
// Thread-safety: not thread-safe; one per request being decoded.
class WireReader {
 public:
  explicit WireReader(std::span<uint8_t> buf) : buf_(buf) {}

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  bool Bool() { return Int8() != 0; }
  uint32_t Uvarint();  // unsigned LEB128, at most 5 bytes
  int32_t Varint();    // zigzag
  int64_t Varlong();   // zigzag, at most 10 bytes

  // STRING (int16 length), NULLABLE_STRING (-1 = null), and their COMPACT_
  // forms (uvarint length + 1, 0 = null).
  std::string_view String();
  std::optional<std::string_view> NullableString();
  std::string_view CompactString();
  std::optional<std::string_view> CompactNullableString();
  // BYTES (int32 length, -1 = null) and COMPACT_BYTES; views into the buffer,
  // mutable so that record batches can be rewritten in place by the log.
  std::optional<std::span<uint8_t>> NullableBytes();
  std::optional<std::span<uint8_t>> CompactNullableBytes();

  // Array length: int32 (-1 = null -> -1) or compact uvarint (0 = null -> -1).
  // A length that cannot fit in the remaining bytes (each element takes at
  // least `min_element_bytes`) is an error, so a hostile length never causes
  // a huge allocation.
  int32_t ArrayLength(size_t min_element_bytes = 1);
  int32_t CompactArrayLength(size_t min_element_bytes = 1);

  // Skips a tagged-field section (flexible versions).
  void SkipTaggedFields();

  bool ok() const { return error_ == nullptr; }
  // What went wrong first, e.g. "truncated int32 at byte 17".
  std::string error() const;
  size_t position() const { return pos_; }
  size_t remaining() const { return ok() ? buf_.size() - pos_ : 0; }
  std::span<uint8_t> Rest() { return ok() ? buf_.subspan(pos_) : std::span<uint8_t>(); }
  void Fail(const char* what) {
    if (ok()) {
      error_ = what;
      error_pos_ = pos_;
    }
  }

 private:
  bool Need(size_t n, const char* what);
  std::span<uint8_t> Take(size_t n, const char* what);

  std::span<uint8_t> buf_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
  size_t error_pos_ = 0;
};

}  // namespace sluice::broker
