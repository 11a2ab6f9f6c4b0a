#include "log/compression.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::log {
namespace {

std::string Sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "record-" + std::to_string(i % 97) + ";";
  return s;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsAndShrinksRepetitiveData) {
  std::string in = Sample();
  std::string packed;
  ASSERT_TRUE(Compress(GetParam(), in, &packed).ok());
  if (GetParam() != Compression::kNone) {
    EXPECT_LT(packed.size(), in.size() / 2);
  }
  std::string out = "prefix";
  ASSERT_TRUE(Decompress(GetParam(), packed, 1 << 20, &out).ok());
  EXPECT_EQ(out, "prefix" + in);
}

TEST_P(CodecTest, RejectsOutputBeyondTheLimit) {
  std::string in = Sample();
  std::string packed, out;
  ASSERT_TRUE(Compress(GetParam(), in, &packed).ok());
  Status s = Decompress(GetParam(), packed, in.size() / 3, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_TRUE(out.empty());
}

TEST_P(CodecTest, TruncatedInputIsCorruptionNotACrash) {
  if (GetParam() == Compression::kNone) GTEST_SKIP();
  std::string packed, out;
  ASSERT_TRUE(Compress(GetParam(), Sample(), &packed).ok());
  for (size_t cut : {size_t{0}, size_t{1}, packed.size() / 2, packed.size() - 1}) {
    out.clear();
    Status s = Decompress(GetParam(), std::string_view(packed).substr(0, cut), 1 << 20, &out);
    EXPECT_FALSE(s.ok()) << CompressionName(GetParam()) << " cut at " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(Compression, SnappyAcceptsXerialFraming) {
  std::string in = Sample();
  std::string block;
  ASSERT_TRUE(Compress(Compression::kSnappy, in, &block).ok());
  std::string framed("\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16);
  uint32_t n = static_cast<uint32_t>(block.size());
  for (int i = 3; i >= 0; --i) framed.push_back(static_cast<char>(n >> (8 * i)));
  framed += block;
  std::string out;
  ASSERT_TRUE(Decompress(Compression::kSnappy, framed, 1 << 20, &out).ok());
  EXPECT_EQ(out, in);
}

}  // namespace
}  // namespace sluice::log
