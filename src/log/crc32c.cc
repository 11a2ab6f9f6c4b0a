#include "log/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sluice::log {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82F63B78u;

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoliReflected : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};
constexpr Tables kTables;

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

CrcFn Choose() { return CpuHasCrc32c() ? Crc32cHardware : Crc32cPortable; }

}  // namespace

bool CpuHasCrc32c() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  const auto& t = kTables.t;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host assumed (x86-64, aarch64)
    uint32_t lo = static_cast<uint32_t>(w) ^ c;
    uint32_t hi = static_cast<uint32_t>(w >> 32);
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^
        t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
namespace {

// The crc32 instruction has a latency of 3 cycles but a throughput of one
// per cycle, so long inputs run as three interleaved streams over blocks of
// kStreamBlock bytes, combined with a precomputed "advance by kStreamBlock
// zero bytes" operator (CRC is linear over GF(2)).
constexpr size_t kStreamBlock = 1024;

struct ShiftTables {
  uint32_t t[4][256];
};

__attribute__((target("sse4.2"))) uint32_t AdvanceOverZeros(uint32_t state) {
  uint64_t c = state;
  for (size_t i = 0; i < kStreamBlock; i += 8) c = _mm_crc32_u64(c, 0);
  return static_cast<uint32_t>(c);
}

const ShiftTables& Shift() {
  static const ShiftTables tables = [] {
    ShiftTables st{};
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) st.t[k][b] = AdvanceOverZeros(b << (8 * k));
    }
    return st;
  }();
  return tables;
}

inline uint32_t ShiftBlock(const ShiftTables& st, uint32_t x) {
  return st.t[0][x & 0xFF] ^ st.t[1][(x >> 8) & 0xFF] ^ st.t[2][(x >> 16) & 0xFF] ^ st.t[3][x >> 24];
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  if (n >= 3 * kStreamBlock) {
    const ShiftTables& st = Shift();
    while (n >= 3 * kStreamBlock) {
      uint64_t c1 = c, c2 = 0, c3 = 0;
      for (size_t i = 0; i < kStreamBlock; i += 8) {
        uint64_t w1, w2, w3;
        std::memcpy(&w1, p + i, 8);
        std::memcpy(&w2, p + kStreamBlock + i, 8);
        std::memcpy(&w3, p + 2 * kStreamBlock + i, 8);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
        c3 = _mm_crc32_u64(c3, w3);
      }
      uint32_t ab = ShiftBlock(st, static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
      c = ShiftBlock(st, ab) ^ static_cast<uint32_t>(c3);
      p += 3 * kStreamBlock;
      n -= 3 * kStreamBlock;
    }
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}
#else
uint32_t Crc32cHardware(uint32_t crc, const void* data, size_t n) { return Crc32cPortable(crc, data, n); }
#endif

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  static const CrcFn fn = Choose();
  return fn(crc, data, n);
}

uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }

}  // namespace sluice::log
