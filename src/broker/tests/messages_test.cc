// Decoding requests built field by field the way a client sends them, and
// encoding responses checked field by field the way a client reads them.

#include <gtest/gtest.h>

#include <vector>

#include "broker/messages/api_versions.h"
#include "broker/messages/fetch.h"
#include "broker/messages/group_messages.h"
#include "broker/messages/list_offsets.h"
#include "broker/messages/metadata.h"
#include "broker/messages/offset_messages.h"
#include "broker/messages/produce.h"
#include "broker/messages/topic_admin_messages.h"
#include "broker/protocol/api_keys.h"
#include "broker/protocol/request_header.h"

namespace sluice::broker {
namespace {

struct Frame {
  std::string buf;
  WireWriter w{&buf};
  std::vector<uint8_t> bytes() const { return {buf.begin(), buf.end()}; }
};

TEST(MessagesTest, FlexibleApiVersionsHeaderSkipsTaggedFields) {
  Frame f;
  f.w.Int16(18);
  f.w.Int16(3);
  f.w.Int32(42);
  f.w.NullableString("rdkafka");  // header v2 keeps a non-compact client id
  f.w.EmptyTaggedFields();
  f.w.CompactString("librdkafka");
  f.w.CompactString("2.0.2");
  f.w.EmptyTaggedFields();
  auto b = f.bytes();
  WireReader r(b);
  RequestHeader h = DecodeRequestHeader(r);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(*h.client_id, "rdkafka");
  DecodeApiVersionsRequest(r, h.api_version);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, ApiVersionsV0ResponseListsEverySupportedApi) {
  std::string out;
  WireWriter w(&out);
  EncodeApiVersionsResponse(w, 0, ErrorCode::kNone);
  std::vector<uint8_t> b(out.begin(), out.end());
  WireReader r(b);
  EXPECT_EQ(r.Int16(), 0);
  int32_t n = r.ArrayLength();
  ASSERT_EQ(static_cast<size_t>(n), SupportedApis().size());
  bool saw_fetch = false;
  for (int i = 0; i < n; ++i) {
    int16_t key = r.Int16(), min = r.Int16(), max = r.Int16();
    EXPECT_EQ(min, 0) << "librdkafka needs minimum version 0 for key " << key;
    if (key == 1) {
      saw_fetch = true;
      EXPECT_GE(max, 11);
    }
  }
  EXPECT_TRUE(saw_fetch);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, ApiVersionsV3ResponseIsCompact) {
  std::string out;
  WireWriter w(&out);
  EncodeApiVersionsResponse(w, 3, ErrorCode::kNone);
  std::vector<uint8_t> b(out.begin(), out.end());
  WireReader r(b);
  EXPECT_EQ(r.Int16(), 0);
  int32_t n = r.CompactArrayLength();
  ASSERT_EQ(static_cast<size_t>(n), SupportedApis().size());
  for (int i = 0; i < n; ++i) {
    r.Int16();
    r.Int16();
    r.Int16();
    r.SkipTaggedFields();
  }
  EXPECT_EQ(r.Int32(), 0);  // throttle
  r.SkipTaggedFields();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, MetadataV0EmptyListMeansAllButV1EmptyMeansNone) {
  Frame f;
  f.w.ArrayLength(0);
  auto b = f.bytes();
  WireReader r0(b);
  EXPECT_FALSE(DecodeMetadataRequest(r0, 0).topics.has_value());
  WireReader r1(b);
  auto req1 = DecodeMetadataRequest(r1, 1);
  ASSERT_TRUE(req1.topics.has_value());
  EXPECT_TRUE(req1.topics->empty());

  Frame g;
  g.w.ArrayLength(-1);
  g.w.Bool(false);
  auto gb = g.bytes();
  WireReader r4(gb);
  auto req4 = DecodeMetadataRequest(r4, 4);
  EXPECT_FALSE(req4.topics.has_value());
  EXPECT_FALSE(req4.allow_auto_topic_creation);
  EXPECT_TRUE(r4.ok());
}

TEST(MessagesTest, ProduceV7RecordsAreViewsIntoTheRequest) {
  Frame f;
  f.w.NullableString(std::nullopt);
  f.w.Int16(-1);
  f.w.Int32(5000);
  f.w.ArrayLength(1);
  f.w.String("bids");
  f.w.ArrayLength(1);
  f.w.Int32(2);
  std::vector<uint8_t> records = {1, 2, 3, 4, 5};
  f.w.Bytes(records);
  auto b = f.bytes();
  WireReader r(b);
  ProduceRequest req = DecodeProduceRequest(r, 7);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(req.acks, -1);
  ASSERT_EQ(req.topics.size(), 1u);
  EXPECT_EQ(req.topics[0].name, "bids");
  auto& p = req.topics[0].partitions[0];
  EXPECT_EQ(p.index, 2);
  ASSERT_TRUE(p.records.has_value());
  EXPECT_EQ(p.records->size(), 5u);
  EXPECT_EQ(p.records->data(), b.data() + b.size() - 5);  // no copy
}

TEST(MessagesTest, FetchV11ReadsEveryVersionedField) {
  Frame f;
  f.w.Int32(-1);   // replica
  f.w.Int32(500);  // max wait
  f.w.Int32(1);    // min bytes
  f.w.Int32(1 << 20);
  f.w.Int8(0);
  f.w.Int32(0);   // session
  f.w.Int32(-1);  // epoch
  f.w.ArrayLength(1);
  f.w.String("t");
  f.w.ArrayLength(1);
  f.w.Int32(0);
  f.w.Int32(-1);  // current leader epoch
  f.w.Int64(77);
  f.w.Int64(-1);  // log start
  f.w.Int32(65536);
  f.w.ArrayLength(0);  // forgotten
  f.w.String("");      // rack
  auto b = f.bytes();
  WireReader r(b);
  FetchRequest req = DecodeFetchRequest(r, 11);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(req.max_wait_ms, 500);
  EXPECT_EQ(req.topics[0].partitions[0].fetch_offset, 77);
  EXPECT_EQ(req.topics[0].partitions[0].max_bytes, 65536);
}

TEST(MessagesTest, FetchResponseWriterPatchesRecordLength) {
  std::string out;
  WireWriter w(&out);
  FetchResponseWriter fw(w, 11, 1);
  fw.BeginTopic("t", 1);
  size_t pos = fw.BeginPartition(0, ErrorCode::kNone, 10, 0);
  out.append("abcdef");
  fw.EndPartition(pos);
  std::vector<uint8_t> b(out.begin(), out.end());
  WireReader r(b);
  r.Int32();  // throttle
  EXPECT_EQ(r.Int16(), 0);
  r.Int32();  // session
  EXPECT_EQ(r.ArrayLength(), 1);
  EXPECT_EQ(r.String(), "t");
  EXPECT_EQ(r.ArrayLength(), 1);
  EXPECT_EQ(r.Int32(), 0);
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(r.Int64(), 10);
  EXPECT_EQ(r.Int64(), 10);  // LSO
  EXPECT_EQ(r.Int64(), 0);
  EXPECT_EQ(r.ArrayLength(), 0);
  EXPECT_EQ(r.Int32(), -1);
  auto rec = r.NullableBytes();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->size(), 6u);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, ListOffsetsV0ReturnsOldStyleOffsetArray) {
  ListOffsetsResponse resp;
  resp.topics.push_back({"t", {{0, ErrorCode::kNone, -1, 42}}});
  std::string out;
  WireWriter w(&out);
  EncodeListOffsetsResponse(w, 0, resp);
  std::vector<uint8_t> b(out.begin(), out.end());
  WireReader r(b);
  EXPECT_EQ(r.ArrayLength(), 1);
  EXPECT_EQ(r.String(), "t");
  EXPECT_EQ(r.ArrayLength(), 1);
  EXPECT_EQ(r.Int32(), 0);
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(r.ArrayLength(), 1);
  EXPECT_EQ(r.Int64(), 42);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MessagesTest, OffsetCommitV2SkipsRetentionTime) {
  Frame f;
  f.w.String("g");
  f.w.Int32(3);
  f.w.String("m-1");
  f.w.Int64(-1);  // retention
  f.w.ArrayLength(1);
  f.w.String("t");
  f.w.ArrayLength(1);
  f.w.Int32(1);
  f.w.Int64(99);
  f.w.NullableString("meta");
  auto b = f.bytes();
  WireReader r(b);
  auto req = DecodeOffsetCommitRequest(r, 2);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(req.generation_id, 3);
  EXPECT_EQ(req.topics[0].partitions[0].offset, 99);
  EXPECT_EQ(*req.topics[0].partitions[0].metadata, "meta");
}

TEST(MessagesTest, JoinGroupV5CarriesInstanceIdAndProtocols) {
  Frame f;
  f.w.String("g");
  f.w.Int32(10000);
  f.w.Int32(30000);
  f.w.String("");
  f.w.NullableString(std::nullopt);
  f.w.String("consumer");
  f.w.ArrayLength(2);
  f.w.String("range");
  f.w.Bytes(std::vector<uint8_t>{1, 2});
  f.w.String("roundrobin");
  f.w.Bytes(std::vector<uint8_t>{3});
  auto b = f.bytes();
  WireReader r(b);
  auto req = DecodeJoinGroupRequest(r, 5);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(req.rebalance_timeout_ms, 30000);
  ASSERT_EQ(req.protocols.size(), 2u);
  EXPECT_EQ(req.protocols[1].name, "roundrobin");
  EXPECT_EQ(req.protocols[0].metadata, std::string("\x01\x02", 2));
}

TEST(MessagesTest, CreateTopicsV4ReadsConfigs) {
  Frame f;
  f.w.ArrayLength(1);
  f.w.String("orders");
  f.w.Int32(3);
  f.w.Int16(1);
  f.w.ArrayLength(0);
  f.w.ArrayLength(2);
  f.w.String("retention.ms");
  f.w.NullableString("1000");
  f.w.String("cleanup.policy");
  f.w.NullableString(std::nullopt);
  f.w.Int32(5000);
  f.w.Bool(true);
  auto b = f.bytes();
  WireReader r(b);
  auto req = DecodeCreateTopicsRequest(r, 4);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(req.validate_only);
  ASSERT_EQ(req.topics.size(), 1u);
  EXPECT_EQ(req.topics[0].num_partitions, 3);
  EXPECT_EQ(req.topics[0].configs.size(), 1u);
  EXPECT_EQ(req.topics[0].configs.at("retention.ms"), "1000");
}

}  // namespace
}  // namespace sluice::broker
