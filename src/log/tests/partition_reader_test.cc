#include "log/partition_reader.h"

#include <gtest/gtest.h>

#include "log/flusher.h"
#include "log/partition.h"
#include "log/tests/test_batches.h"

namespace sluice::log {
namespace {

class PartitionReaderTest : public ::testing::Test {
 protected:
  std::shared_ptr<Partition> Open(TopicConfig c = {}) {
    return *Partition::Open(dir_.path() / "p", "t", PartitionId{0}, c, &flusher_, &clock_);
  }
  testing::TempDir dir_;
  Flusher flusher_{1};
  ManualClock clock_;
};

TEST_F(PartitionReaderTest, ReadsEveryRecordFromAnOffsetInsideABatch) {
  auto p = Open();
  for (int i = 0; i < 20; ++i) {
    std::string b =
        testing::MakeBatch(5, 10, 1000, "b" + std::to_string(i), i % 2 ? Compression::kZstd : Compression::kNone);
    ASSERT_TRUE(p->Append(testing::Span(b)).ok());
  }
  PartitionReader reader(p, Offset{12}, 200);  // small fetches: many round trips
  Record r;
  int64_t expect = 12;
  while (reader.Next(&r)) {
    ASSERT_EQ(r.offset.value(), expect);
    EXPECT_EQ(*r.key, "b" + std::to_string(expect / 5) + "-" + std::to_string(expect % 5));
    ++expect;
  }
  EXPECT_TRUE(reader.status().ok()) << reader.status().ToString();
  EXPECT_EQ(expect, 100);
  // New data is picked up by the same reader.
  std::string more = testing::MakeBatch(2);
  ASSERT_TRUE(p->Append(testing::Span(more)).ok());
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_EQ(r.offset.value(), 100);
}

TEST_F(PartitionReaderTest, StepsOverOffsetsCompactionRemoved) {
  TopicConfig c;
  c.segment_bytes = 1024;
  c.cleanup = CleanupPolicy::kCompact;
  auto p = Open(c);
  for (int i = 0; i < 60; ++i) {
    RecordBatchBuilder b;
    b.Add(clock_.NowMs(), "k" + std::to_string(i % 3), "v" + std::to_string(i));
    std::string s;
    ASSERT_TRUE(b.Finish(&s).ok());
    ASSERT_TRUE(p->Append(testing::Span(s)).ok());
  }
  ASSERT_GT(*p->Compact(), 0);
  PartitionReader reader(p, Offset{0});
  Record r;
  int64_t prev = -1;
  int n = 0;
  while (reader.Next(&r)) {
    EXPECT_GT(r.offset.value(), prev);
    prev = r.offset.value();
    ++n;
  }
  EXPECT_TRUE(reader.status().ok());
  EXPECT_LT(n, 60);
  EXPECT_EQ(prev, 59);
  EXPECT_EQ(reader.next_offset().value(), 60);
}

TEST_F(PartitionReaderTest, ReportsOutOfRangeAfterRetention) {
  TopicConfig c;
  c.segment_bytes = 1024;
  c.retention_bytes = 1024;
  auto p = Open(c);
  for (int i = 0; i < 40; ++i) {
    std::string b = testing::MakeBatch(1, 100);
    ASSERT_TRUE(p->Append(testing::Span(b)).ok());
  }
  PartitionReader reader(p, Offset{0});
  ASSERT_GT(*p->EnforceRetention(), 0);
  Record r;
  EXPECT_FALSE(reader.Next(&r));
  EXPECT_EQ(reader.status().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace sluice::log
