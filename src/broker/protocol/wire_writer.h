#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice::broker {

// Appends Kafka wire primitives to a response buffer (big-endian). Length
// prefixes whose value is known only later (frame size, a records field being
// filled by the log) are reserved with Reserve32() and patched with Patch32().
//
// Thread-safety: not thread-safe; one per response being encoded.
class WireWriter {
 public:
  explicit WireWriter(std::string* out) : out_(out) {}

  void Int8(int8_t v) { out_->push_back(static_cast<char>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Int64(int64_t v);
  void Bool(bool v) { Int8(v ? 1 : 0); }
  void Uvarint(uint32_t v);

  void String(std::string_view s);                         // int16 length
  void NullableString(std::optional<std::string_view> s);  // -1 = null
  void CompactString(std::string_view s);
  void CompactNullableString(std::optional<std::string_view> s);
  void Bytes(std::span<const uint8_t> b);  // int32 length
  void NullBytes() { Int32(-1); }
  void CompactBytes(std::span<const uint8_t> b);
  void ArrayLength(int32_t n) { Int32(n); }
  void CompactArrayLength(int32_t n) { Uvarint(n < 0 ? 0 : static_cast<uint32_t>(n) + 1); }
  void EmptyTaggedFields() { Uvarint(0); }

  // Reserves 4 bytes; returns their position for Patch32().
  size_t Reserve32();
  void Patch32(size_t pos, int32_t v);

  size_t size() const { return out_->size(); }
  std::string* buffer() { return out_; }

 private:
  std::string* out_;
};

}  // namespace sluice::broker
