#include "engine/timer_service.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice::engine {
namespace {

struct Fired {
  std::string key;
  int64_t ns;
  int64_t time;
  bool operator==(const Fired&) const = default;
};

TEST(TimerServiceTest, FiresInTimeOrderOnceAndHonoursDelete) {
  TimerService timers(128);
  timers.Register(TimeDomain::kEventTime, "a", 0, 30);
  timers.Register(TimeDomain::kEventTime, "b", 0, 10);
  timers.Register(TimeDomain::kEventTime, "a", 0, 30);  // duplicate: one timer
  timers.Register(TimeDomain::kEventTime, "a", 1, 20);
  timers.Register(TimeDomain::kEventTime, "c", 0, 25);
  timers.Delete(TimeDomain::kEventTime, "c", 0, 25);
  timers.Register(TimeDomain::kProcessingTime, "a", 0, 5);
  EXPECT_EQ(timers.size(TimeDomain::kEventTime), 3u);
  std::vector<Fired> fired;
  auto record = [&](std::string_view k, int64_t ns, int64_t t) {
    fired.push_back({std::string(k), ns, t});
    return Status::Ok();
  };
  ASSERT_TRUE(timers.Advance(TimeDomain::kEventTime, 20, record).ok());
  EXPECT_EQ(fired, (std::vector<Fired>{{"b", 0, 10}, {"a", 1, 20}}));
  fired.clear();
  ASSERT_TRUE(timers
                  .Advance(TimeDomain::kEventTime, 100,
                           [&](std::string_view k, int64_t ns, int64_t t) {
                             // A timer registered while firing, already due, fires in the same call.
                             if (t == 30) timers.Register(TimeDomain::kEventTime, "d", 0, 40);
                             return record(k, ns, t);
                           })
                  .ok());
  EXPECT_EQ(fired, (std::vector<Fired>{{"a", 0, 30}, {"d", 0, 40}}));
  fired.clear();
  ASSERT_TRUE(timers.Advance(TimeDomain::kProcessingTime, 5, record).ok());
  EXPECT_EQ(fired, (std::vector<Fired>{{"a", 0, 5}}));
  EXPECT_EQ(timers.size(TimeDomain::kEventTime), 0u);
}

TEST(TimerServiceTest, SnapshotPerKeyGroupRestoresElsewhere) {
  const uint32_t seed = 9;
  std::mt19937 rng(seed);
  TimerService a(16), b(16);
  std::multiset<std::tuple<std::string, int64_t, int64_t>> want;
  for (int i = 0; i < 500; ++i) {
    std::string key = "k" + std::to_string(rng() % 100);
    int64_t t = rng() % 1000;
    a.Register(TimeDomain::kEventTime, key, 7, t);
  }
  ASSERT_TRUE(a.Advance(TimeDomain::kEventTime, 1000, [&](std::string_view k, int64_t ns, int64_t t) {
                 want.insert({std::string(k), ns, t});
                 return Status::Ok();
               }).ok());
  // Re-register the same timers, snapshot them group by group into `b`.
  for (const auto& [k, ns, t] : want) a.Register(TimeDomain::kEventTime, k, ns, t);
  for (int kg = 0; kg < 16; ++kg) {
    std::string snap;
    ASSERT_TRUE(a.SnapshotKeyGroup(kg, &snap).ok());
    ASSERT_TRUE(b.RestoreKeyGroup(kg, snap).ok());
  }
  std::multiset<std::tuple<std::string, int64_t, int64_t>> got;
  ASSERT_TRUE(b.Advance(TimeDomain::kEventTime, 1000, [&](std::string_view k, int64_t ns, int64_t t) {
                 got.insert({std::string(k), ns, t});
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace sluice::engine
