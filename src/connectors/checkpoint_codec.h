#pragma once

// Internal to the connectors: little-endian fixed-width encoding of the
// source positions and sink handles that checkpoints store. Every format
// starts with a version byte; its layout is documented beside the code that
// writes it.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::connectors {

inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
inline void PutI32(std::string* out, int32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff);
  out->append(b, 4);
}
inline void PutI64(std::string* out, int64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  out->append(b, 8);
}
// A u32 length, then the bytes.
inline void PutBytes(std::string* out, std::string_view s) {
  PutI32(out, static_cast<int32_t>(s.size()));
  out->append(s);
}

// Reads what the Put* functions wrote; every getter fails (rather than
// reading past the end) on truncated input.
//
// Thread-safety: not thread-safe; a value on the stack of its caller.
class CheckpointReader {
 public:
  // `what` names the format in error messages ("filesystem source position").
  CheckpointReader(std::string_view bytes, std::string_view what) : in_(bytes), what_(what) {}

  // Reads the version byte and checks it is `expected`.
  Status Version(uint8_t expected) {
    SLUICE_ASSIGN_OR_RETURN(uint8_t v, U8());
    if (v != expected) {
      return Status::Unsupported(std::string(what_) + " has format version " + std::to_string(v) +
                                 ", this build reads version " + std::to_string(expected) +
                                 ": restore with the Sluice version that wrote the checkpoint");
    }
    return Status::Ok();
  }
  Result<uint8_t> U8() {
    SLUICE_RETURN_IF_ERROR(Need(1));
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  Result<int32_t> I32() {
    SLUICE_RETURN_IF_ERROR(Need(4));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(4);
    return static_cast<int32_t>(v);
  }
  Result<int64_t> I64() {
    SLUICE_RETURN_IF_ERROR(Need(8));
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    return static_cast<int64_t>(v);
  }
  Result<std::string_view> Bytes() {
    SLUICE_ASSIGN_OR_RETURN(int32_t n, I32());
    if (n < 0) return Corrupt();
    SLUICE_RETURN_IF_ERROR(Need(static_cast<size_t>(n)));
    std::string_view s = in_.substr(0, static_cast<size_t>(n));
    in_.remove_prefix(static_cast<size_t>(n));
    return s;
  }
  bool done() const { return in_.empty(); }
  // Fails unless every byte was read.
  Status End() const { return in_.empty() ? Status::Ok() : Corrupt(); }

 private:
  Status Need(size_t n) const { return in_.size() >= n ? Status::Ok() : Corrupt(); }
  Status Corrupt() const {
    return Status::Corruption(std::string(what_) + " is truncated or malformed (" + std::to_string(in_.size()) +
                              " bytes left): the checkpoint is damaged or was written for another source or sink");
  }

  std::string_view in_;
  std::string_view what_;
};

}  // namespace sluice::connectors
