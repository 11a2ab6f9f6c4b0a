#pragma once

#include <cstdint>

namespace sluice::connectors::nexmark {

// java.util.Random, bit for bit (a 48-bit LCG). The public Nexmark generator
// (Beam's, which Flink's nexmark copies) seeds one per event with the event
// id, so the same ids give the same events here as there.
//
// Thread-safety: a value type.
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed) : seed_((static_cast<uint64_t>(seed) ^ kMultiplier) & kMask) {}

  int32_t NextInt() { return Next(32); }
  // Uniform in [0, bound); bound > 0.
  int32_t NextInt(int32_t bound) {
    if ((bound & -bound) == bound) return static_cast<int32_t>((static_cast<int64_t>(bound) * Next(31)) >> 31);
    int32_t bits, val;
    do {
      bits = Next(31);
      val = bits % bound;
      // Java's int overflow test, without C++'s signed-overflow UB.
    } while (static_cast<int32_t>(static_cast<uint32_t>(bits) - static_cast<uint32_t>(val) +
                                  static_cast<uint32_t>(bound - 1)) < 0);
    return val;
  }
  int64_t NextLong() { return (static_cast<int64_t>(Next(32)) << 32) + Next(32); }
  double NextDouble() { return static_cast<double>((static_cast<int64_t>(Next(26)) << 27) + Next(27)) * 0x1.0p-53; }

 private:
  static constexpr uint64_t kMultiplier = 0x5DEECE66DULL;
  static constexpr uint64_t kMask = (1ULL << 48) - 1;

  int32_t Next(int bits) {
    seed_ = (seed_ * kMultiplier + 0xBULL) & kMask;
    return static_cast<int32_t>(static_cast<int64_t>(seed_) >> (48 - bits));
  }

  uint64_t seed_;
};

}  // namespace sluice::connectors::nexmark
