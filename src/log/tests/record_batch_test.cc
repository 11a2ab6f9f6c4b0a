#include "log/record_batch.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

namespace sluice::log {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::span<uint8_t> MutableBytes(std::string& s) { return {reinterpret_cast<uint8_t*>(s.data()), s.size()}; }

std::string BuildSample(Compression c, int n) {
  RecordBatchBuilder b({.compression = c, .producer_id = 7, .producer_epoch = 1, .base_sequence = 3});
  for (int i = 0; i < n; ++i) {
    std::string k = "key-" + std::to_string(i);
    std::string v = "value-" + std::to_string(i);
    RecordHeader hs[] = {{"h1", std::string_view("x")}, {"h2", std::nullopt}};
    if (i % 3 == 0) {
      b.Add(1000 + i, k, v, hs);
    } else if (i % 3 == 1) {
      b.Add(1000 + i, std::nullopt, v);
    } else {
      b.Add(1000 - i, k, std::nullopt);
    }
  }
  std::string out;
  EXPECT_TRUE(b.Finish(&out).ok());
  return out;
}

TEST(RecordBatch, VarintsRoundTripAtTheEdges) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{63}, int64_t{-64}, int64_t{64}, int64_t{300},
                    int64_t{INT32_MAX}, int64_t{INT32_MIN}, INT64_MAX, INT64_MIN}) {
    std::string s;
    AppendVarint(&s, v);
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    int64_t got;
    ASSERT_TRUE(ReadVarint(&p, p + s.size(), 10, &got)) << v;
    EXPECT_EQ(got, v);
  }
  std::string s;
  AppendVarint(&s, 300);
  EXPECT_EQ(s, std::string("\xd8\x04", 2));  // zigzag(300)=600
}

TEST(RecordBatch, KnownBytesDecode) {
  // Hand-assembled v2 batch: one record, key null, value "hi", offsetDelta 0.
  RecordBatchBuilder b;
  b.Add(1000, std::nullopt, "hi");
  std::string s;
  ASSERT_TRUE(b.Finish(&s).ok());
  // record: len=8 (zigzag 16=0x10), attrs 0, tsDelta 0, offDelta 0, key -1 (0x01), vlen 2 (0x04) "hi", hdrs 0
  std::string expected_record("\x10\x00\x00\x00\x01\x04hi\x00", 9);
  ASSERT_EQ(s.size(), kBatchHeaderSize + expected_record.size());
  EXPECT_EQ(s.substr(kBatchHeaderSize), expected_record);
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->header().batch_length, static_cast<int32_t>(s.size() - 12));
  EXPECT_EQ(v->header().magic, 2);
  EXPECT_EQ(v->header().record_count, 1);
  EXPECT_EQ(v->header().base_timestamp, 1000);
  EXPECT_EQ(v->header().max_timestamp, 1000);
  EXPECT_EQ(v->header().producer_id, -1);
  EXPECT_TRUE(v->VerifyCrc().ok());
}

class BatchCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(BatchCodecTest, BuilderOutputParsesAndIteratesBack) {
  const int n = 50;
  std::string s = BuildSample(GetParam(), n);
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const auto& h = v->header();
  EXPECT_EQ(h.compression(), GetParam());
  EXPECT_EQ(h.record_count, n);
  EXPECT_EQ(h.last_offset_delta, n - 1);
  EXPECT_EQ(h.producer_id, 7);
  EXPECT_EQ(h.producer_epoch, 1);
  EXPECT_EQ(h.base_sequence, 3);
  EXPECT_EQ(h.base_timestamp, 1000);
  EXPECT_EQ(h.max_timestamp, 1000 + 49);
  ASSERT_TRUE(v->VerifyCrc().ok());

  RecordIterator it;
  ASSERT_TRUE(it.Reset(*v).ok());
  Record r;
  std::vector<RecordHeader> headers;
  int i = 0;
  while (it.Next(&r)) {
    EXPECT_EQ(r.offset.value(), i);
    if (i % 3 == 0) {
      EXPECT_EQ(r.key, "key-" + std::to_string(i));
      EXPECT_EQ(r.value, "value-" + std::to_string(i));
      EXPECT_EQ(r.timestamp, 1000 + i);
      ASSERT_TRUE(DecodeRecordHeaders(r, &headers).ok());
      ASSERT_EQ(headers.size(), 2u);
      EXPECT_EQ(headers[0].key, "h1");
      EXPECT_EQ(headers[0].value, "x");
      EXPECT_EQ(headers[1].key, "h2");
      EXPECT_FALSE(headers[1].value.has_value());
    } else if (i % 3 == 1) {
      EXPECT_FALSE(r.key.has_value());
      EXPECT_EQ(r.value, "value-" + std::to_string(i));
    } else {
      EXPECT_EQ(r.key, "key-" + std::to_string(i));
      EXPECT_FALSE(r.value.has_value());
      EXPECT_EQ(r.timestamp, 1000 - i);
    }
    ++i;
  }
  EXPECT_TRUE(it.status().ok()) << it.status().ToString();
  EXPECT_EQ(i, n);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, BatchCodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(RecordBatch, BaseOffsetRewriteKeepsCrcValid) {
  std::string s = BuildSample(Compression::kNone, 5);
  SetBaseOffset(MutableBytes(s), Offset{123456789});
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->header().base_offset, 123456789);
  EXPECT_EQ(v->header().last_offset().value(), 123456789 + 4);
  EXPECT_TRUE(v->VerifyCrc().ok());
  RecordIterator it;
  ASSERT_TRUE(it.Reset(*v).ok());
  Record r;
  ASSERT_TRUE(it.Next(&r));
  EXPECT_EQ(r.offset.value(), 123456789);
}

TEST(RecordBatch, LogAppendTimeRewriteKeepsCrcValid) {
  std::string s = BuildSample(Compression::kLz4, 5);
  SetLogAppendTime(MutableBytes(s), 5555);
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->header().timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(v->header().max_timestamp, 5555);
  EXPECT_TRUE(v->VerifyCrc().ok());
  RecordIterator it;
  ASSERT_TRUE(it.Reset(*v).ok());
  Record r;
  while (it.Next(&r)) EXPECT_EQ(r.timestamp, 5555);
  EXPECT_TRUE(it.status().ok());
}

TEST(RecordBatch, FlippedPayloadByteFailsCrc) {
  std::string s = BuildSample(Compression::kNone, 5);
  s[s.size() - 3] ^= 0x20;
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->VerifyCrc().code(), StatusCode::kCorruption);
}

TEST(RecordBatch, WrongMagicIsUnsupported) {
  std::string s = BuildSample(Compression::kNone, 1);
  s[16] = 1;
  EXPECT_EQ(RecordBatchView::Parse(Bytes(s)).status().code(), StatusCode::kUnsupported);
}

TEST(RecordBatch, TruncatedBatchIsCorruption) {
  std::string s = BuildSample(Compression::kNone, 3);
  for (size_t cut : {size_t{0}, size_t{12}, kBatchHeaderSize - 1, s.size() - 1}) {
    EXPECT_EQ(RecordBatchView::Parse(Bytes(s.substr(0, cut))).status().code(), StatusCode::kCorruption) << cut;
  }
}

TEST(RecordBatch, RecordCountBeyondPayloadIsCorruption) {
  std::string s = BuildSample(Compression::kNone, 3);
  s[57] = 0x7f;  // recordCount huge
  EXPECT_EQ(RecordBatchView::Parse(Bytes(s)).status().code(), StatusCode::kCorruption);
}

TEST(RecordBatch, RecordRunningPastTheBatchStopsTheIterator) {
  std::string s = BuildSample(Compression::kNone, 3);
  s[kBatchHeaderSize] = 0x7e;  // first record claims 63 bytes
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok());
  RecordIterator it;
  ASSERT_TRUE(it.Reset(*v).ok());
  Record r;
  while (it.Next(&r)) {
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
}

TEST(RecordBatch, CompactedBatchKeepsOffsetsAndRange) {
  RecordBatchBuilder b({.base_offset = Offset{100}});
  b.AddAt(2, 10, "a", "1");
  b.AddAt(7, 11, "b", "2");
  b.SetLastOffsetDelta(9);
  std::string s;
  ASSERT_TRUE(b.Finish(&s).ok());
  auto v = RecordBatchView::Parse(Bytes(s));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->header().last_offset().value(), 109);
  RecordIterator it;
  ASSERT_TRUE(it.Reset(*v).ok());
  Record r;
  ASSERT_TRUE(it.Next(&r));
  EXPECT_EQ(r.offset.value(), 102);
  ASSERT_TRUE(it.Next(&r));
  EXPECT_EQ(r.offset.value(), 107);
  EXPECT_FALSE(it.Next(&r));
  EXPECT_TRUE(it.status().ok());
}

}  // namespace
}  // namespace sluice::log
