#include "broker/protocol/wire_reader.h"

#include <fmt/format.h>

namespace sluice::broker {

bool WireReader::Need(size_t n, const char* what) {
  if (!ok()) return false;
  if (buf_.size() - pos_ < n) {
    Fail(what);
    return false;
  }
  return true;
}

std::span<uint8_t> WireReader::Take(size_t n, const char* what) {
  if (!Need(n, what)) return {};
  auto s = buf_.subspan(pos_, n);
  pos_ += n;
  return s;
}

int8_t WireReader::Int8() {
  auto s = Take(1, "truncated int8");
  return s.empty() ? 0 : static_cast<int8_t>(s[0]);
}

int16_t WireReader::Int16() {
  auto s = Take(2, "truncated int16");
  if (s.empty()) return 0;
  return static_cast<int16_t>((uint16_t{s[0]} << 8) | s[1]);
}

int32_t WireReader::Int32() {
  auto s = Take(4, "truncated int32");
  if (s.empty()) return 0;
  return static_cast<int32_t>((uint32_t{s[0]} << 24) | (uint32_t{s[1]} << 16) | (uint32_t{s[2]} << 8) | s[3]);
}

int64_t WireReader::Int64() {
  auto s = Take(8, "truncated int64");
  if (s.empty()) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | s[i];
  return static_cast<int64_t>(v);
}

uint32_t WireReader::Uvarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    auto s = Take(1, "truncated varint");
    if (s.empty()) return 0;
    v |= uint32_t{static_cast<uint8_t>(s[0] & 0x7f)} << shift;
    if ((s[0] & 0x80) == 0) return v;
  }
  Fail("varint longer than 5 bytes");
  return 0;
}

int32_t WireReader::Varint() {
  uint32_t u = Uvarint();
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t WireReader::Varlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    auto s = Take(1, "truncated varlong");
    if (s.empty()) return 0;
    v |= uint64_t{static_cast<uint8_t>(s[0] & 0x7f)} << shift;
    if ((s[0] & 0x80) == 0) return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  Fail("varlong longer than 10 bytes");
  return 0;
}

std::string_view WireReader::String() {
  auto s = NullableString();
  if (!s) {
    Fail("null where a non-null string is required");
    return {};
  }
  return *s;
}

std::optional<std::string_view> WireReader::NullableString() {
  int16_t len = Int16();
  if (!ok()) return std::string_view();
  if (len < 0) {
    if (len != -1) Fail("negative string length");
    return std::nullopt;
  }
  auto s = Take(static_cast<size_t>(len), "string longer than the request");
  return std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
}

std::string_view WireReader::CompactString() {
  auto s = CompactNullableString();
  if (!s) {
    Fail("null where a non-null compact string is required");
    return {};
  }
  return *s;
}

std::optional<std::string_view> WireReader::CompactNullableString() {
  uint32_t len_plus_one = Uvarint();
  if (!ok()) return std::string_view();
  if (len_plus_one == 0) return std::nullopt;
  auto s = Take(len_plus_one - 1, "compact string longer than the request");
  return std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
}

std::optional<std::span<uint8_t>> WireReader::NullableBytes() {
  int32_t len = Int32();
  if (!ok()) return std::span<uint8_t>();
  if (len < 0) {
    if (len != -1) Fail("negative bytes length");
    return std::nullopt;
  }
  return Take(static_cast<size_t>(len), "bytes field longer than the request");
}

std::optional<std::span<uint8_t>> WireReader::CompactNullableBytes() {
  uint32_t len_plus_one = Uvarint();
  if (!ok()) return std::span<uint8_t>();
  if (len_plus_one == 0) return std::nullopt;
  return Take(len_plus_one - 1, "compact bytes field longer than the request");
}

int32_t WireReader::ArrayLength(size_t min_element_bytes) {
  int32_t n = Int32();
  if (!ok()) return 0;
  if (n < -1) {
    Fail("negative array length");
    return 0;
  }
  if (n > 0 && static_cast<size_t>(n) > remaining() / std::max<size_t>(min_element_bytes, 1)) {
    Fail("array length larger than the request");
    return 0;
  }
  return n;
}

int32_t WireReader::CompactArrayLength(size_t min_element_bytes) {
  uint32_t n = Uvarint();
  if (!ok()) return 0;
  if (n == 0) return -1;
  --n;
  if (n > remaining() / std::max<size_t>(min_element_bytes, 1)) {
    Fail("compact array length larger than the request");
    return 0;
  }
  return static_cast<int32_t>(n);
}

void WireReader::SkipTaggedFields() {
  uint32_t count = Uvarint();
  for (uint32_t i = 0; i < count && ok(); ++i) {
    Uvarint();  // tag
    uint32_t size = Uvarint();
    Take(size, "tagged field longer than the request");
  }
}

std::string WireReader::error() const {
  if (ok()) return "";
  return fmt::format("{} at byte {}", error_, error_pos_);
}

}  // namespace sluice::broker
