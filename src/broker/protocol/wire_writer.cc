#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

void WireWriter::Int16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
  out_->append(b, 2);
}

void WireWriter::Int32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
  out_->append(b, 4);
}

void WireWriter::Int64(int64_t v) {
  auto u = static_cast<uint64_t>(v);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (56 - 8 * i));
  out_->append(b, 8);
}

void WireWriter::Uvarint(uint32_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void WireWriter::String(std::string_view s) {
  Int16(static_cast<int16_t>(s.size()));
  out_->append(s);
}

void WireWriter::NullableString(std::optional<std::string_view> s) {
  if (!s) {
    Int16(-1);
    return;
  }
  String(*s);
}

void WireWriter::CompactString(std::string_view s) {
  Uvarint(static_cast<uint32_t>(s.size()) + 1);
  out_->append(s);
}

void WireWriter::CompactNullableString(std::optional<std::string_view> s) {
  if (!s) {
    Uvarint(0);
    return;
  }
  CompactString(*s);
}

void WireWriter::Bytes(std::span<const uint8_t> b) {
  Int32(static_cast<int32_t>(b.size()));
  out_->append(reinterpret_cast<const char*>(b.data()), b.size());
}

void WireWriter::CompactBytes(std::span<const uint8_t> b) {
  Uvarint(static_cast<uint32_t>(b.size()) + 1);
  out_->append(reinterpret_cast<const char*>(b.data()), b.size());
}

size_t WireWriter::Reserve32() {
  size_t pos = out_->size();
  out_->append(4, '\0');
  return pos;
}

void WireWriter::Patch32(size_t pos, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  (*out_)[pos] = static_cast<char>(u >> 24);
  (*out_)[pos + 1] = static_cast<char>(u >> 16);
  (*out_)[pos + 2] = static_cast<char>(u >> 8);
  (*out_)[pos + 3] = static_cast<char>(u);
}

}  // namespace sluice::broker
