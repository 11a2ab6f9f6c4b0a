// Global windows with count triggers against a plain reference: per key, the
// n-th, 2n-th, ... row emits the aggregate of the key's rows so far (or since
// the last firing, when purging), whatever the batch size or worker count.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <random>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

TEST(GlobalWindowTest, CountTriggerMatchesAPlainReference) {
  const uint32_t seed = 5;
  std::printf("global window test seed=%u\n", seed);
  std::mt19937 rng(seed);
  // Two partitions with disjoint keys, so each key's arrival order is fixed.
  std::vector<std::vector<MemorySource::Row>> parts(2);
  for (int i = 0; i < 3000; ++i) {
    const int p = static_cast<int>(rng() % 2);
    const int64_t k = p * 100 + static_cast<int64_t>(rng() % 20);
    parts[p].push_back({Value::Int64(k), Value::Int64(static_cast<int64_t>(rng() % 1000)), Value::Timestamp(i)});
  }
  for (bool purge : {false, true}) {
    for (bool at_end : {false, true}) {
      const int n = 7;
      // Reference: per key, in arrival order.
      std::map<int64_t, std::vector<std::string>> want;
      for (const auto& part : parts) {
        std::map<int64_t, std::pair<int64_t, int64_t>> acc;  // key -> (count, sum) since the last purge
        std::map<int64_t, int64_t> since;                    // rows since the last firing
        for (const auto& row : part) {
          const int64_t k = row[0].i;
          auto& [count, sum] = acc[k];
          ++count;
          sum += row[1].i;
          if (++since[k] == n) {
            want[k].push_back(fmt::format("+I({},{},{})", k, count, sum));
            since[k] = 0;
            if (purge) acc.erase(k);
          }
        }
        if (at_end) {
          for (auto& [k, c] : since) {
            if (c > 0) want[k].push_back(fmt::format("+I({},{},{})", k, acc[k].first, acc[k].second));
          }
        }
      }
      for (int workers : {1, 3}) {
        for (int batch : {1, 5, 1024}) {
          SCOPED_TRACE(::testing::Message()
                       << "purge=" << purge << " at_end=" << at_end << " workers=" << workers << " batch=" << batch);
          auto source = MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy::BoundedDelay(0ms), batch);
          ASSERT_TRUE(source.ok());
          GlobalTrigger trigger = GlobalTrigger::Count(n);
          if (purge) trigger = trigger.Purging();
          if (at_end) trigger = trigger.FiringAtEnd();
          CollectingSink sink;
          auto job = Pipeline()
                         .From(*source)
                         .KeyBy({"k"})
                         .GlobalWindow(trigger)
                         .Aggregate({Count(), Sum("v")})
                         .To(&sink)
                         .Build(JobConfig{workers, 32, batch, 2, nullptr});
          ASSERT_TRUE(job.ok()) << job.status().ToString();
          ASSERT_TRUE((*job)->Run().ok());
          std::map<int64_t, std::vector<std::string>> got;
          for (const auto& r : sink.rows()) got[r.values[0].i].push_back(r.ToString());
          EXPECT_EQ(got, want);
        }
      }
    }
  }
}

TEST(GlobalWindowTest, BadTriggersAndUpdatingInputAreRefused) {
  auto source = MemorySource::Create(kSchema, {{}}, "ts", WatermarkStrategy::BoundedDelay(0ms));
  CollectingSink sink;
  auto zero = Pipeline()
                  .From(*source)
                  .KeyBy({"k"})
                  .GlobalWindow(GlobalTrigger::Count(0))
                  .Aggregate({Count()})
                  .To(&sink)
                  .Build();
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("must be positive"), std::string::npos) << zero.status().ToString();
  auto distinct = Pipeline()
                      .From(*source)
                      .KeyBy({"k"})
                      .GlobalWindow(GlobalTrigger::Count(2))
                      .Aggregate({CountDistinct("v")})
                      .To(&sink)
                      .Build();
  ASSERT_FALSE(distinct.ok());
  EXPECT_EQ(distinct.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace sluice::engine
