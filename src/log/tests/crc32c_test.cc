#include "log/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace sluice::log {
namespace {

TEST(Crc32c, MatchesPublishedCheckValue) {
  // The standard check value of CRC-32C over "123456789".
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32cPortable(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, MatchesRfc3720Vectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
}

TEST(Crc32c, HardwareAndPortableAgreeOnRandomInputs) {
  if (!CpuHasCrc32c()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  const uint32_t seed = 42;
  std::mt19937 rng(seed);
  std::string buf(4096 + 13, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t len = 0; len < 200; ++len) {
    size_t off = rng() % 13;
    ASSERT_EQ(Crc32cHardware(0, buf.data() + off, len), Crc32cPortable(0, buf.data() + off, len))
        << "seed " << seed << " len " << len;
  }
  EXPECT_EQ(Crc32cHardware(7, buf.data(), buf.size()), Crc32cPortable(7, buf.data(), buf.size()));
}

TEST(Crc32c, InterleavedStreamsAgreeWithPortableOnLongInputs) {
  if (!CpuHasCrc32c()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  const uint32_t seed = 99;
  std::mt19937 rng(seed);
  std::string buf(70000, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t len : {size_t{3071}, size_t{3072}, size_t{3073}, size_t{6144}, size_t{16384}, size_t{16391},
                     size_t{65536}, size_t{69999}}) {
    ASSERT_EQ(Crc32cHardware(0, buf.data() + 1, len), Crc32cPortable(0, buf.data() + 1, len))
        << "seed " << seed << " len " << len;
  }
  for (int i = 0; i < 50; ++i) {
    size_t len = rng() % 69000, off = rng() % 1000;
    uint32_t init = static_cast<uint32_t>(rng());
    ASSERT_EQ(Crc32cHardware(init, buf.data() + off, len), Crc32cPortable(init, buf.data() + off, len))
        << "seed " << seed << " len " << len;
  }
}

TEST(Crc32c, ExtendEqualsOneShot) {
  std::string s = "The quick brown fox jumps over the lazy dog";
  uint32_t a = Crc32c(s.data(), 10);
  EXPECT_EQ(Crc32cExtend(a, s.data() + 10, s.size() - 10), Crc32c(s.data(), s.size()));
}

}  // namespace
}  // namespace sluice::log
