#include "connectors/nexmark/nexmark_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "connectors/nexmark/java_random.h"
#include "connectors/nexmark/nexmark_json.h"

namespace sluice::connectors::nexmark {
namespace {

TEST(JavaRandomTest, MatchesJavaUtilRandom) {
  // Well-known outputs of java.util.Random.
  EXPECT_EQ(JavaRandom(0).NextInt(), -1155484576);
  EXPECT_EQ(JavaRandom(42).NextInt(), -1170105035);
  EXPECT_DOUBLE_EQ(JavaRandom(0).NextDouble(), 0.730967787376657);
  JavaRandom r(7);
  for (int i = 0; i < 10000; ++i) {
    int32_t v = r.NextInt(13);
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 13);
  }
}

TEST(NexmarkGeneratorTest, ProportionsAndDenseIds) {
  GeneratorConfig c;
  c.max_events = 50'000;
  Generator g(c);
  Event e;
  std::map<EventType, int> counts;
  int64_t next_person = 1000, next_auction = 1000;
  std::set<int64_t> categories;
  int64_t hot_bids = 0;
  double extra_bytes[3] = {0, 0, 0};
  while (g.HasNext()) {
    g.Next(&e);
    ++counts[e.type];
    switch (e.type) {
      case EventType::kPerson:
        ASSERT_EQ(e.person.id, next_person++);
        extra_bytes[0] += e.person.extra.size();
        break;
      case EventType::kAuction:
        ASSERT_EQ(e.auction.id, next_auction++);
        ASSERT_GE(e.auction.seller, 1000);
        ASSERT_GT(e.auction.expires, e.auction.date_time);
        categories.insert(e.auction.category);
        extra_bytes[1] += e.auction.extra.size();
        break;
      case EventType::kBid:
        ASSERT_GE(e.bid.price, 100);
        ASSERT_LE(e.bid.price, 100'000'000);
        ASSERT_GE(e.bid.auction, 1000);
        ASSERT_LT(e.bid.auction, next_auction + 11) << "bids refer to auctions that exist (or just about to)";
        if ((e.bid.auction - 1000) % 100 == 0) ++hot_bids;
        extra_bytes[2] += e.bid.extra.size();
        break;
    }
  }
  EXPECT_EQ(counts[EventType::kPerson], 1000);
  EXPECT_EQ(counts[EventType::kAuction], 3000);
  EXPECT_EQ(counts[EventType::kBid], 46000);
  EXPECT_EQ(categories, (std::set<int64_t>{10, 11, 12, 13, 14}));
  EXPECT_NEAR(static_cast<double>(hot_bids) / 46000, 0.5, 0.05) << "half the bids go to the hot auction";
  // extra pads each record to about 200/500/100 bytes.
  EXPECT_NEAR(extra_bytes[0] / 1000, 200 - 60, 40);
  EXPECT_NEAR(extra_bytes[2] / 46000, 100 - 32, 10);
}

TEST(NexmarkGeneratorTest, DeterministicAndSpacedByTheRate) {
  GeneratorConfig c;
  c.max_events = 2000;
  c.events_per_second = 1000;
  Generator a(c), b(c);
  Event ea, eb;
  std::string ja, jb;
  int64_t last_time = 0;
  for (int i = 0; a.HasNext(); ++i) {
    a.Next(&ea);
    b.Next(&eb);
    ja.clear();
    jb.clear();
    AppendEventJson(ea, &ja);
    AppendEventJson(eb, &jb);
    ASSERT_EQ(ja, jb);
    ASSERT_EQ(ea.event_time, c.base_time_ms + i);
    ASSERT_GE(ea.event_time, last_time);
    last_time = ea.event_time;
  }
  GeneratorConfig other = c;
  other.seed = 99;
  Generator d(other);
  Event ed;
  Generator a2(c);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    a2.Next(&ea);
    d.Next(&ed);
    ja.clear();
    jb.clear();
    AppendEventJson(ea, &ja);
    AppendEventJson(ed, &jb);
    differ += ja != jb;
  }
  EXPECT_GT(differ, 90) << "another seed gives other events";
}

TEST(NexmarkGeneratorTest, JsonHasFlinkFieldNames) {
  GeneratorConfig c;
  c.max_events = 2;
  Generator g(c);
  Event e;
  g.Next(&e);  // event 0 is a person
  std::string j;
  AppendEventJson(e, &j);
  EXPECT_EQ(j.rfind("{\"event_type\":0,\"person\":{\"id\":1000,", 0), 0u) << j;
  EXPECT_NE(j.find("\"emailAddress\":"), std::string::npos);
  EXPECT_NE(j.find("\"dateTime\":\"2026-01-01 00:00:00.000\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"auction\":null,\"bid\":null}"), std::string::npos) << j;
}

}  // namespace
}  // namespace sluice::connectors::nexmark
