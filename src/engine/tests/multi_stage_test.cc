// Jobs with several stages (a key-by after an aggregation, an aggregation
// after a join) checked against a plain reference computation over the whole
// input, with 1 and several workers and several batch sizes: every stage
// re-partitions on its own keys, and the result must not depend on that.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "engine/tests/checkpoint_fixtures.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {

namespace {

using namespace std::chrono_literals;
using testing::Materialize;

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});
constexpr int64_t kDelay = 50;

struct Ev {
  int64_t k;
  int64_t v;
  int64_t ts;
  int64_t w;  // the partition's watermark before this event
};

// Per partition: timestamps mostly rising, shuffled within the delay; with
// `late`, some rows far behind the watermark; a few exact duplicates.
std::vector<std::vector<Ev>> Generate(uint32_t seed, int partitions, int per_partition, int keys, bool late) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Ev>> parts(partitions);
  for (auto& part : parts) {
    int64_t base = 10'000 + static_cast<int64_t>(rng() % 100);
    int64_t max_ts = kMinWatermark;
    for (int i = 0; i < per_partition; ++i) {
      base += static_cast<int64_t>(rng() % 7);
      Ev e{static_cast<int64_t>(rng() % keys), static_cast<int64_t>(rng() % 10), base, 0};
      const int dice = static_cast<int>(rng() % 100);
      if (dice < 85) {
        e.ts = base - static_cast<int64_t>(rng() % (kDelay + 1));
      } else if (dice < 95 && late) {
        e.ts = base - kDelay - static_cast<int64_t>(rng() % 400);
      } else if (!part.empty()) {
        e = part.back();
      }
      e.w = max_ts == kMinWatermark ? kMinWatermark : max_ts - kDelay;
      max_ts = std::max(max_ts, e.ts);
      part.push_back(e);
    }
  }
  return parts;
}

std::shared_ptr<MemorySource> SourceOf(const std::vector<std::vector<Ev>>& parts, int batch) {
  std::vector<std::vector<MemorySource::Row>> rows(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    for (const Ev& e : parts[p]) rows[p].push_back({Value::Int64(e.k), Value::Int64(e.v), Value::Timestamp(e.ts)});
  }
  auto source = MemorySource::Create(kSchema, rows, "ts", WatermarkStrategy::BoundedDelay(kDelay * 1ms), batch);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return *source;
}

std::string Diff(const std::multiset<std::vector<Value>>& got, const std::multiset<std::vector<Value>>& want) {
  std::vector<std::vector<Value>> only_got, only_want;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(only_got));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(only_want));
  std::string msg =
      fmt::format("{} rows only in the engine, {} only in the reference", only_got.size(), only_want.size());
  for (size_t i = 0; i < std::min<size_t>(5, only_got.size()); ++i)
    msg += "\n  engine:    " + testing::RowToString(only_got[i]);
  for (size_t i = 0; i < std::min<size_t>(5, only_want.size()); ++i)
    msg += "\n  reference: " + testing::RowToString(only_want[i]);
  return msg;
}

// Per key and 100 ms tumbling window: COUNT(*) and SUM(v); then per window:
// how many keys, how many events, the largest per-key sum (an updating
// aggregation over the append-only window results).
TEST(MultiStageTest, AggregationOverWindowAggregationMatchesReference) {
  constexpr int64_t kSize = 100;
  for (uint32_t seed : {7u, 8u}) {
    const auto parts = Generate(seed, 3, 2000, 40, /*late=*/true);
    // Reference: a late row still counts when its window had not fired at
    // its partition's watermark (window end > w).
    std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> per_key;  // (start, k) → (n, sum)
    for (const auto& part : parts) {
      for (const Ev& e : part) {
        const int64_t start = e.ts - ((e.ts % kSize) + kSize) % kSize;
        if (start + kSize <= e.w) continue;
        auto& agg = per_key[{start, e.k}];
        ++agg.first;
        agg.second += e.v;
      }
    }
    std::map<int64_t, std::vector<int64_t>> per_window;  // start → keys, events, top
    for (const auto& [key, agg] : per_key) {
      auto& w = per_window[key.first];
      if (w.empty()) w = {0, 0, std::numeric_limits<int64_t>::min()};
      ++w[0];
      w[1] += agg.first;
      w[2] = std::max(w[2], agg.second);
    }
    std::multiset<std::vector<Value>> want;
    for (const auto& [start, w] : per_window) {
      want.insert({Value::Timestamp(start), Value::Int64(w[0]), Value::Int64(w[1]), Value::Int64(w[2])});
    }
    ASSERT_GT(want.size(), 10u) << "the reference is nearly empty; the test would prove little";
    for (int workers : {1, 2, 3}) {
      for (int batch : {1, 61, 1024}) {
        SCOPED_TRACE(fmt::format("seed={} workers={} batch={}", seed, workers, batch));
        CollectingSink sink;
        auto job = Pipeline()
                       .From(SourceOf(parts, batch))
                       .KeyBy({"k"})
                       .Window(WindowSpec::Tumble(kSize * 1ms))
                       .Aggregate({Count().As("n"), Sum("v").As("total")})
                       .KeyBy({"window_start"})
                       .Aggregate({Count().As("keys"), Sum("n").As("events"), Max("total").As("top")})
                       .To(&sink)
                       .Build(JobConfig{workers, 128, batch, 2, nullptr});
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        auto got = Materialize(sink.rows());
        EXPECT_EQ(got, want) << Diff(got, want);
      }
    }
  }
}

// An interval join (|right.ts - left.ts| <= 30 ms on equal k), then per left
// v: the number of pairs and the sum of the right side's v.
TEST(MultiStageTest, AggregationOverIntervalJoinMatchesReference) {
  constexpr int64_t kBound = 30;
  const auto left = Generate(21, 2, 1500, 25, /*late=*/false);
  const auto right = Generate(22, 3, 1000, 25, /*late=*/false);
  std::map<int64_t, std::pair<int64_t, int64_t>> per_v;
  for (const auto& lp : left) {
    for (const Ev& a : lp) {
      for (const auto& rp : right) {
        for (const Ev& b : rp) {
          if (a.k != b.k || b.ts - a.ts < -kBound || b.ts - a.ts > kBound) continue;
          ++per_v[a.v].first;
          per_v[a.v].second += b.v;
        }
      }
    }
  }
  std::multiset<std::vector<Value>> want;
  for (const auto& [v, agg] : per_v) want.insert({Value::Int64(v), Value::Int64(agg.first), Value::Int64(agg.second)});
  ASSERT_EQ(want.size(), 10u) << "every left v (0-9) should have pairs; the test would prove little";
  for (int workers : {1, 2, 3}) {
    for (int batch : {7, 1024}) {
      SCOPED_TRACE(fmt::format("workers={} batch={}", workers, batch));
      CollectingSink sink;
      Pipeline right_side;
      right_side.From(SourceOf(right, batch));
      auto job = Pipeline()
                     .From(SourceOf(left, batch))
                     .IntervalJoin(right_side, {"k"}, {"k"}, -kBound * 1ms, kBound * 1ms)
                     .KeyBy({"v"})
                     .Aggregate({Count().As("pairs"), Sum("v0").As("right_sum")})
                     .To(&sink)
                     .Build(JobConfig{workers, 128, batch, 2, nullptr});
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      ASSERT_TRUE((*job)->Run().ok());
      auto got = Materialize(sink.rows());
      EXPECT_EQ(got, want) << Diff(got, want);
    }
  }
}

TEST(MultiStageTest, AggregateAfterAnAggregateNeedsAKeyBy) {
  CollectingSink sink;
  auto job = Pipeline()
                 .From(SourceOf(Generate(1, 1, 10, 3, false), 16))
                 .KeyBy({"k"})
                 .Aggregate({Count().As("n")})
                 .Aggregate({Count().As("m")})
                 .To(&sink)
                 .Build();
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.status().message().find("needs a KeyBy() first"), std::string::npos) << job.status().ToString();
}

TEST(MultiStageTest, SeveralSinksRunAsOneJobAndEachIsFinished) {
  const auto parts = Generate(3, 2, 500, 10, false);
  CollectingSink counts, raw;
  JobSpec spec;
  auto a = Pipeline().From(SourceOf(parts, 64)).KeyBy({"k"}).Aggregate({Count().As("n")}).To(&counts).BuildSpec();
  auto b = Pipeline().From(SourceOf(parts, 64)).Filter(Col("v") > Lit(int64_t{4})).To(&raw).BuildSpec();
  ASSERT_TRUE(a.ok() && b.ok());
  spec.Append(*a);
  spec.Append(*b);
  auto job = Job::Create(std::move(spec), JobConfig{2, 128, 64, 2, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  EXPECT_TRUE(counts.finished());
  EXPECT_TRUE(raw.finished());
  int64_t total = 0, big = 0;
  for (const auto& part : parts) {
    total += static_cast<int64_t>(part.size());
    for (const Ev& e : part) big += e.v > 4;
  }
  int64_t counted = 0;
  for (const auto& row : Materialize(counts.rows())) counted += row[1].i;
  EXPECT_EQ(counted, total);
  EXPECT_EQ(static_cast<int64_t>(raw.rows().size()), big);
}

TEST(MultiStageTest, MalformedGraphsAreRejected) {
  auto src = SourceOf(Generate(1, 1, 10, 3, false), 16);
  CollectingSink sink;
  JobSpec feeds_nothing;
  feeds_nothing.stages.emplace_back().sources.push_back(src);  // no sink, no consumer
  EXPECT_FALSE(Job::Create(feeds_nothing, {}).ok());
  JobSpec forward_ref;
  forward_ref.stages.emplace_back().inputs.push_back(StageInput{1, {0}, nullptr});
  forward_ref.stages.emplace_back().sources.push_back(src);
  EXPECT_FALSE(Job::Create(forward_ref, {}).ok());
  JobSpec two_inputs_no_join;
  two_inputs_no_join.stages.emplace_back().sources.push_back(src);
  two_inputs_no_join.stages.emplace_back().sources.push_back(src);
  StageSpec both;
  both.inputs = {StageInput{0, {0}, nullptr}, StageInput{1, {0}, nullptr}};
  both.sink = &sink;
  two_inputs_no_join.stages.push_back(both);
  auto r = Job::Create(two_inputs_no_join, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("two-input operator"), std::string::npos) << r.status().ToString();
}

}  // namespace

}  // namespace sluice::engine
