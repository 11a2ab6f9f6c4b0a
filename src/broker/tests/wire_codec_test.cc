#include <gtest/gtest.h>

#include <vector>

#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(WireCodecTest, IntegersRoundTripBigEndian) {
  std::string buf;
  WireWriter w(&buf);
  w.Int8(-5);
  w.Int16(0x1234);
  w.Int32(-2);
  w.Int64(0x0102030405060708);
  EXPECT_EQ(static_cast<uint8_t>(buf[1]), 0x12);
  auto b = Bytes(buf);
  WireReader r(b);
  EXPECT_EQ(r.Int8(), -5);
  EXPECT_EQ(r.Int16(), 0x1234);
  EXPECT_EQ(r.Int32(), -2);
  EXPECT_EQ(r.Int64(), 0x0102030405060708);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireCodecTest, VarintsMatchKafkaEncoding) {
  std::string buf;
  WireWriter w(&buf);
  w.Uvarint(300);  // 0xac 0x02, as in protobuf/Kafka
  ASSERT_EQ(buf.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 0xac);
  EXPECT_EQ(static_cast<uint8_t>(buf[1]), 0x02);
  // zigzag: -1 -> 1, 1 -> 2
  std::vector<uint8_t> zz = {0x01, 0x02, 0x03};
  WireReader r(zz);
  EXPECT_EQ(r.Varint(), -1);
  EXPECT_EQ(r.Varint(), 1);
  EXPECT_EQ(r.Varlong(), -2);
  EXPECT_TRUE(r.ok());
}

TEST(WireCodecTest, StringsNullableAndCompact) {
  std::string buf;
  WireWriter w(&buf);
  w.String("bids");
  w.NullableString(std::nullopt);
  w.CompactString("kcat");
  w.CompactNullableString(std::nullopt);
  auto b = Bytes(buf);
  WireReader r(b);
  EXPECT_EQ(r.String(), "bids");
  EXPECT_FALSE(r.NullableString().has_value());
  EXPECT_EQ(r.CompactString(), "kcat");
  EXPECT_FALSE(r.CompactNullableString().has_value());
  EXPECT_TRUE(r.ok());
}

TEST(WireCodecTest, TruncatedInputIsStickyErrorWithPosition) {
  std::vector<uint8_t> b = {0x00, 0x05, 'a', 'b'};  // string of 5 with 2 bytes
  WireReader r(b);
  EXPECT_EQ(r.String(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.Int32(), 0);  // later reads are harmless
  EXPECT_NE(r.error().find("at byte 2"), std::string::npos) << r.error();
}

TEST(WireCodecTest, HostileArrayLengthIsRejectedWithoutAllocating) {
  std::vector<uint8_t> b = {0x7f, 0xff, 0xff, 0xff, 0x00};
  WireReader r(b);
  EXPECT_EQ(r.ArrayLength(4), 0);
  EXPECT_FALSE(r.ok());
}

TEST(WireCodecTest, OverlongVarintIsAnError) {
  std::vector<uint8_t> b(12, 0xff);
  WireReader r(b);
  r.Uvarint();
  EXPECT_FALSE(r.ok());
}

TEST(WireCodecTest, TaggedFieldsAreSkipped) {
  std::vector<uint8_t> b = {0x02, 0x00, 0x01, 0xaa, 0x05, 0x02, 0xbb, 0xcc, 0x7e};
  WireReader r(b);
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.Int8(), 0x7e);
}

TEST(WireCodecTest, ReservedLengthIsPatched) {
  std::string buf;
  WireWriter w(&buf);
  size_t pos = w.Reserve32();
  w.String("xyz");
  w.Patch32(pos, static_cast<int32_t>(buf.size() - 4));
  auto b = Bytes(buf);
  WireReader r(b);
  EXPECT_EQ(r.Int32(), 5);
}

}  // namespace
}  // namespace sluice::broker
