#include "log/topic_config.h"

#include <gtest/gtest.h>

namespace sluice::log {
namespace {

TEST(TopicConfig, ParsesKafkaStyleKeys) {
  auto c = TopicConfig::FromConfigs(3, {{"fsync", "interval:250"},
                                        {"segment.bytes", "1048576"},
                                        {"retention.ms", "60000"},
                                        {"retention.bytes", "-1"},
                                        {"cleanup.policy", "compact"},
                                        {"max.message.bytes", "2000"},
                                        {"message.timestamp.type", "LogAppendTime"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->partitions, 3);
  EXPECT_EQ(c->fsync, FsyncPolicy::kInterval);
  EXPECT_EQ(c->fsync_interval.count(), 250);
  EXPECT_EQ(c->segment_bytes, 1048576);
  EXPECT_EQ(c->retention_ms.count(), 60000);
  EXPECT_EQ(c->cleanup, CleanupPolicy::kCompact);
  EXPECT_EQ(c->max_message_bytes, 2000);
  EXPECT_EQ(c->timestamp_type, TopicConfig::TimestampKind::kLogAppendTime);
}

TEST(TopicConfig, RoundTripsThroughConfigs) {
  TopicConfig c;
  c.partitions = 4;
  c.fsync = FsyncPolicy::kAlways;
  c.retention_bytes = 12345;
  auto back = TopicConfig::FromConfigs(4, c.ToConfigs());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToConfigs(), c.ToConfigs());
}

TEST(TopicConfig, KafkaFlushSettingsMapOntoFsyncAndReplicationKeysAreKept) {
  auto always = TopicConfig::FromConfigs(1, {{"flush.messages", "1"}, {"min.insync.replicas", "2"}});
  ASSERT_TRUE(always.ok()) << always.status().ToString();
  EXPECT_EQ(always->fsync, FsyncPolicy::kAlways);
  EXPECT_EQ(always->ToConfigs().at("min.insync.replicas"), "2");
  auto interval = TopicConfig::FromConfigs(1, {{"flush.ms", "250"}});
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->fsync, FsyncPolicy::kInterval);
  EXPECT_EQ(interval->fsync_interval.count(), 250);
  auto explicit_wins = TopicConfig::FromConfigs(1, {{"flush.ms", "250"}, {"fsync", "never"}});
  EXPECT_EQ(explicit_wins->fsync, FsyncPolicy::kNever);
  EXPECT_EQ(TopicConfig::FromConfigs(1, {{"compression.type", "zstd"}}).status().code(), StatusCode::kInvalidArgument);
  auto round = TopicConfig::FromConfigs(1, always->ToConfigs());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->ToConfigs(), always->ToConfigs());
}

TEST(TopicConfig, DefaultIsFsyncNever) { EXPECT_EQ(TopicConfig{}.fsync, FsyncPolicy::kNever); }

TEST(TopicConfig, RejectsUnknownKeysAndBadValues) {
  EXPECT_EQ(TopicConfig::FromConfigs(1, {{"retention.msx", "1"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TopicConfig::FromConfigs(1, {{"fsync", "sometimes"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TopicConfig::FromConfigs(1, {{"fsync", "interval:0"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TopicConfig::FromConfigs(1, {{"segment.bytes", "12x"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(TopicConfig::FromConfigs(0, {}).status().code(), StatusCode::kInvalidArgument);
  auto s = TopicConfig::FromConfigs(1, {{"cleanup.policy", "shred"}}).status();
  EXPECT_NE(s.message().find("cleanup.policy"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace sluice::log
