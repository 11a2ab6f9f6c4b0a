#include "log/log.h"

#include <gtest/gtest.h>

#include <thread>

#include "log/tests/test_batches.h"

namespace sluice::log {
namespace {

using testing::Headers;
using testing::MakeBatch;
using testing::Span;
using testing::TempDir;

class LogTest : public ::testing::Test {
 protected:
  std::unique_ptr<Log> Open(int64_t offsets_segment_bytes = 16 << 20) {
    LogOptions o;
    o.consumer_offsets_segment_bytes = offsets_segment_bytes;
    o.clock = &clock_;
    o.retention_check_interval = std::chrono::milliseconds(0);
    auto log = Log::Open(dir_.path(), o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  TempDir dir_;
  ManualClock clock_;
};

TEST_F(LogTest, TopicsAndConfigsPersistAcrossReopen) {
  {
    auto log = Open();
    TopicConfig c;
    c.partitions = 3;
    c.fsync = FsyncPolicy::kAlways;
    c.retention_bytes = 1 << 20;
    ASSERT_TRUE(log->CreateTopic("orders", c).ok());
    ASSERT_TRUE(log->CreateTopic("clicks.v2_x-y", TopicConfig{}).ok());
    auto p = log->GetPartition("orders", PartitionId{2});
    ASSERT_TRUE(p.ok());
    std::string b = MakeBatch(3);
    ASSERT_TRUE((*p)->Append(Span(b)).ok());
  }
  auto log = Open();
  EXPECT_EQ(log->ListTopics(), (std::vector<std::string>{"clicks.v2_x-y", "orders"}));
  EXPECT_EQ(log->ListInternalTopics(), std::vector<std::string>{"__consumer_offsets"});
  auto c = log->DescribeTopic("orders");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->partitions, 3);
  EXPECT_EQ(c->fsync, FsyncPolicy::kAlways);
  EXPECT_EQ(c->retention_bytes, 1 << 20);
  auto p = log->GetPartition("orders", PartitionId{2});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->high_watermark().value(), 3);
  EXPECT_EQ(log->GetPartition("orders", PartitionId{3}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->GetPartition("nope", PartitionId{0}).status().code(), StatusCode::kNotFound);
}

TEST_F(LogTest, AddPartitionsGrowsATopicDurably) {
  {
    auto log = Open();
    ASSERT_TRUE(log->CreateTopic("t", {}).ok());
    EXPECT_EQ(log->AddPartitions("t", 1).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(log->AddPartitions("nope", 3).code(), StatusCode::kNotFound);
    ASSERT_TRUE(log->AddPartitions("t", 3).ok());
    auto p = log->GetPartition("t", PartitionId{2});
    ASSERT_TRUE(p.ok());
    std::string b = MakeBatch(1);
    ASSERT_TRUE((*p)->Append(Span(b)).ok());
  }
  auto log = Open();
  EXPECT_EQ(log->DescribeTopic("t")->partitions, 3);
  EXPECT_EQ((*log->GetPartition("t", PartitionId{2}))->high_watermark().value(), 1);
}

TEST_F(LogTest, TopicNamesFollowKafkaRules) {
  auto log = Open();
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "has space", "slash/y", std::string(250, 'a'), "ünï"}) {
    EXPECT_EQ(log->CreateTopic(bad, {}).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(log->CreateTopic(std::string(249, 'a'), {}).ok());
  EXPECT_TRUE(log->CreateTopic("a", {}).ok());
  EXPECT_EQ(log->CreateTopic("a", {}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(log->CreateTopic("__consumer_offsets", {}).code(), StatusCode::kInvalidArgument);
}

TEST_F(LogTest, DeleteRemovesFilesButReadersInFlightKeepTheirPartition) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", {}).ok());
  auto p = *log->GetPartition("t", PartitionId{0});
  std::string b = MakeBatch(2);
  ASSERT_TRUE(p->Append(Span(b)).ok());
  ASSERT_TRUE(log->DeleteTopic("t").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "topics" / "t"));
  EXPECT_EQ(log->GetPartition("t", PartitionId{0}).status().code(), StatusCode::kNotFound);
  std::string out;
  EXPECT_TRUE(p->Read(Offset{0}, 1000, &out).ok());  // still readable through the held pointer
  EXPECT_EQ(Headers(out).size(), 1u);
  std::string again = MakeBatch(1);
  EXPECT_EQ(p->Append(Span(again)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->DeleteTopic("t").code(), StatusCode::kNotFound);
  ASSERT_TRUE(log->CreateTopic("t", {}).ok());  // the name is free again, and empty
  EXPECT_EQ((*log->GetPartition("t", PartitionId{0}))->high_watermark().value(), 0);
}

TEST_F(LogTest, LeftoversOfInterruptedCreateAndDeleteAreCleanedAtOpen) {
  std::filesystem::create_directories(dir_.path() / ".staging" / "half");
  std::filesystem::create_directories(dir_.path() / ".trash" / "gone-1234" / "0");
  auto log = Open();
  EXPECT_TRUE(log->ListTopics().empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / ".staging" / "half"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / ".trash" / "gone-1234"));
}

TEST_F(LogTest, CommittedOffsetsSurviveRestart) {
  {
    auto log = Open();
    auto& g = log->group_offsets();
    ASSERT_TRUE(g.Commit("g1", "orders", PartitionId{0}, Offset{10}, "m0").ok());
    ASSERT_TRUE(g.Commit("g1", "orders", PartitionId{1}, Offset{20}, "").ok());
    ASSERT_TRUE(g.Commit("g1", "orders", PartitionId{0}, Offset{15}, "m1").ok());
    ASSERT_TRUE(g.Commit("g2", "clicks", PartitionId{0}, Offset{5}, "").ok());
    ASSERT_TRUE(g.Commit("g3", "clicks", PartitionId{0}, Offset{6}, "").ok());
    ASSERT_TRUE(g.DeleteGroup("g3").ok());
    EXPECT_EQ(g.DeleteGroup("g3").code(), StatusCode::kNotFound);
  }
  auto log = Open();
  auto& g = log->group_offsets();
  EXPECT_EQ(g.Groups(), (std::vector<std::string>{"g1", "g2"}));
  auto c = g.Fetch("g1", "orders", PartitionId{0});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset.value(), 15);
  EXPECT_EQ(c->metadata, "m1");
  EXPECT_EQ(c->commit_time_ms, clock_.NowMs());
  EXPECT_FALSE(g.Fetch("g1", "orders", PartitionId{7}).has_value());
  auto all = g.FetchAll("g1");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<0>(all[1]), "orders");
  EXPECT_EQ(std::get<1>(all[1]).value(), 1);
  EXPECT_EQ(std::get<2>(all[1]).offset.value(), 20);
  EXPECT_FALSE(g.Fetch("g3", "clicks", PartitionId{0}).has_value());
}

TEST_F(LogTest, CommittedOffsetsSurviveCompactionOfTheirTopic) {
  {
    auto log = Open(4096);
    auto& g = log->group_offsets();
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(g.Commit("g", "t", PartitionId{i % 4}, Offset{i}, std::string(100, 'm')).ok());
    }
    auto p = *log->GetPartition("__consumer_offsets", PartitionId{0});
    int64_t before = p->size_bytes();
    ASSERT_GT(p->segment_count(), 2u);
    log->RunRetention();
    EXPECT_LT(p->size_bytes(), before / 2);
  }
  auto log = Open(4096);
  for (int part = 0; part < 4; ++part) {
    auto c = log->group_offsets().Fetch("g", "t", PartitionId{part});
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->offset.value(), 196 + part);
  }
}

TEST_F(LogTest, DeletingATopicForgetsItsCommittedOffsets) {
  auto log = Open();
  ASSERT_TRUE(log->CreateTopic("t", {}).ok());
  ASSERT_TRUE(log->group_offsets().Commit("g", "t", PartitionId{0}, Offset{3}, "").ok());
  ASSERT_TRUE(log->group_offsets().Commit("g", "u", PartitionId{0}, Offset{4}, "").ok());
  ASSERT_TRUE(log->DeleteTopic("t").ok());
  EXPECT_FALSE(log->group_offsets().Fetch("g", "t", PartitionId{0}).has_value());
  EXPECT_TRUE(log->group_offsets().Fetch("g", "u", PartitionId{0}).has_value());
}

TEST_F(LogTest, RunRetentionAppliesEachTopicsPolicy) {
  auto log = Open();
  TopicConfig del;
  del.segment_bytes = 1024;
  del.retention_bytes = 2048;
  ASSERT_TRUE(log->CreateTopic("del", del).ok());
  auto p = *log->GetPartition("del", PartitionId{0});
  for (int i = 0; i < 40; ++i) {
    std::string b = MakeBatch(1, 100);
    ASSERT_TRUE(p->Append(Span(b)).ok());
  }
  log->RunRetention();
  EXPECT_GT(p->log_start_offset().value(), 0);
  EXPECT_LE(p->size_bytes(), 2048 + 1024);
}

TEST_F(LogTest, ConcurrentAppendsToDifferentPartitionsAndTopicAdmin) {
  auto log = Open();
  TopicConfig c;
  c.partitions = 4;
  ASSERT_TRUE(log->CreateTopic("t", c).ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto p = *log->GetPartition("t", PartitionId{i});
      for (int j = 0; j < 200; ++j) {
        std::string b = MakeBatch(2);
        ASSERT_TRUE(p->Append(Span(b)).ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int j = 0; j < 20; ++j) {
      std::string name = "tmp" + std::to_string(j);
      ASSERT_TRUE(log->CreateTopic(name, {}).ok());
      ASSERT_TRUE(log->DeleteTopic(name).ok());
    }
  });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*log->GetPartition("t", PartitionId{i}))->high_watermark().value(), 400);
}

}  // namespace
}  // namespace sluice::log
