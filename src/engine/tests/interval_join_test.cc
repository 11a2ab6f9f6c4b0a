// The interval join against a reference over the whole input: every pair of
// on-time rows with equal keys and right.ts within [left.ts + lower,
// left.ts + upper]; rows late in their partition go to the late outputs.

#include "engine/interval_join_operator.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;
using Row = MemorySource::Row;

struct Input {
  std::vector<std::vector<Row>> parts;
  std::vector<Row> on_time;
  std::multiset<std::vector<Value>> late;
};

Input Generate(std::mt19937_64& rng, int partitions, int rows, int keys, int64_t delay) {
  Input in;
  in.parts.resize(partitions);
  for (int p = 0; p < partitions; ++p) {
    int64_t base = 10'000, max_ts = kMinWatermark;
    for (int i = 0; i < rows; ++i) {
      base += static_cast<int64_t>(rng() % 20);
      int64_t ts = base - static_cast<int64_t>(rng() % (delay + 1));
      if (rng() % 20 == 0) ts = base - delay - static_cast<int64_t>(rng() % 2000);  // late
      Row row{Value::Int64(static_cast<int64_t>(rng() % keys)), Value::Int64(static_cast<int64_t>(rng() % 1000)),
              Value::Timestamp(ts)};
      if (rng() % 25 == 0 && !in.parts[p].empty()) row = in.parts[p].back();  // duplicate
      ts = row[2].i;
      const int64_t wm = max_ts == kMinWatermark ? kMinWatermark : max_ts - delay;
      if (ts < wm) {
        in.late.insert(row);
      } else {
        in.on_time.push_back(row);
      }
      max_ts = std::max(max_ts, ts);
      in.parts[p].push_back(row);
    }
  }
  return in;
}

const Schema kLeft({{"k", DataType::kInt64}, {"a", DataType::kInt64}, {"ts", DataType::kTimestamp}});
const Schema kRight({{"k", DataType::kInt64}, {"b", DataType::kInt64}, {"ts", DataType::kTimestamp}});

std::multiset<std::vector<Value>> Rows(const CollectingSink& s) {
  std::multiset<std::vector<Value>> out;
  for (const auto& r : s.rows()) out.insert(r.values);
  return out;
}

TEST(IntervalJoinTest, MatchesReferenceForAnyWorkersAndBatchSize) {
  const uint32_t seed = 21;
  std::mt19937_64 rng(seed);
  const int64_t delay = 100, lower = -50, upper = 120;
  Input left = Generate(rng, 2, 1500, 40, delay);
  Input right = Generate(rng, 3, 1000, 40, delay);
  std::multiset<std::vector<Value>> expected;
  for (const Row& l : left.on_time) {
    for (const Row& r : right.on_time) {
      if (l[0].i == r[0].i && r[2].i >= l[2].i + lower && r[2].i <= l[2].i + upper) {
        expected.insert({l[0], l[1], l[2], r[0], r[1], r[2]});
      }
    }
  }
  ASSERT_GT(expected.size(), 100u);
  for (int workers : {1, 3}) {
    for (int batch : {8, 1024}) {
      SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers << " batch=" << batch);
      auto ls = MemorySource::Create(kLeft, left.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
      auto rs = MemorySource::Create(kRight, right.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
      CollectingSink sink, left_late, right_late;
      auto job = Pipeline()
                     .From(ls)
                     .IntervalJoin(Pipeline().From(rs), {"k"}, {"k"}, std::chrono::milliseconds(lower),
                                   std::chrono::milliseconds(upper))
                     .To(&sink)
                     .LateDataTo(&left_late)
                     .RightLateDataTo(&right_late)
                     .Build(JobConfig{workers, 128, batch, 2, nullptr});
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      ASSERT_TRUE((*job)->Run().ok());
      EXPECT_EQ((*job)->output_schema().field(3).name, "k0");
      auto got = Rows(sink);
      EXPECT_EQ(got.size(), expected.size());
      EXPECT_TRUE(got == expected);
      EXPECT_EQ(Rows(left_late), left.late);
      EXPECT_EQ(Rows(right_late), right.late);
    }
  }
}

TEST(IntervalJoinTest, StateIsDroppedBehindTheWatermark) {
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  IntervalJoinSpec spec{{0}, {0}, 2, 2, 0, 10};
  auto op = IntervalJoinOperator::Create(kLeft, kRight, spec, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  for (int i = 0; i < 1000; ++i) {
    Batch l = testing::MakeBatch(kLeft, {{Value::Int64(i), Value::Int64(1), Value::Timestamp(i * 100)}}, 16);
    Batch r = testing::MakeBatch(kRight, {{Value::Int64(i), Value::Int64(2), Value::Timestamp(i * 100 + 5)}}, 16);
    ASSERT_TRUE(op->Process(l).ok());
    ASSERT_TRUE(op->ProcessRight(r).ok());
    ASSERT_TRUE(op->OnWatermark(i * 100).ok());
  }
  EXPECT_EQ(sink.rows().size(), 1000u);
  const int64_t bytes_after_1000 = op->StateBytes();
  for (int i = 1000; i < 5000; ++i) {
    Batch l = testing::MakeBatch(kLeft, {{Value::Int64(i), Value::Int64(1), Value::Timestamp(i * 100)}}, 16);
    ASSERT_TRUE(op->Process(l).ok());
    ASSERT_TRUE(op->OnWatermark(i * 100).ok());
  }
  // Keys are new every time: expired rows and their keys are both dropped.
  EXPECT_LE(op->StateBytes(), bytes_after_1000 * 2);
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

TEST(RegularJoinTest, WithoutTtlJoinsEveryPairOfEqualKeys) {
  const uint32_t seed = 31;
  std::mt19937_64 rng(seed);
  Input left = Generate(rng, 2, 600, 30, 0);
  Input right = Generate(rng, 2, 400, 30, 0);
  std::multiset<std::vector<Value>> expected;
  for (const auto& lp : left.parts) {
    for (const Row& l : lp) {
      for (const auto& rp : right.parts) {
        for (const Row& r : rp) {
          if (l[0].i == r[0].i) expected.insert({l[0], l[1], l[2], r[0], r[1], r[2]});
        }
      }
    }
  }
  for (int workers : {1, 2}) {
    SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers);
    auto ls = MemorySource::Create(kLeft, left.parts, "ts", {}, 64).value();
    auto rs = MemorySource::Create(kRight, right.parts, "ts", {}, 64).value();
    CollectingSink sink;
    auto job = Pipeline()
                   .From(ls)
                   .Join(Pipeline().From(rs), {"k"}, {"k"})
                   .To(&sink)
                   .Build(JobConfig{workers, 128, 64, 2, nullptr});
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_TRUE((*job)->Run().ok());
    EXPECT_TRUE(Rows(sink) == expected);
  }
}

TEST(RegularJoinTest, RowsAreForgottenAfterTheirTtl) {
  ManualClock clock(0);
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  ctx.clock = &clock;
  auto op = IntervalJoinOperator::CreateRegular(kLeft, kRight, RegularJoinSpec{{0}, {0}, 1000}, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  Batch l = testing::MakeBatch(kLeft, {{Value::Int64(1), Value::Int64(10), Value::Timestamp(0)}}, 16);
  ASSERT_TRUE(op->Process(l).ok());
  clock.Advance(999);
  ASSERT_TRUE(op->OnProcessingTime(clock.NowMillis()).ok());
  Batch r = testing::MakeBatch(kRight, {{Value::Int64(1), Value::Int64(20), Value::Timestamp(0)}}, 16);
  ASSERT_TRUE(op->ProcessRight(r).ok());
  EXPECT_EQ(sink.rows().size(), 1u);  // the left row is still there at 999 ms
  clock.Advance(1);
  ASSERT_TRUE(op->OnProcessingTime(clock.NowMillis()).ok());  // left row's TTL ends at 1000
  Batch r2 = testing::MakeBatch(kRight, {{Value::Int64(1), Value::Int64(30), Value::Timestamp(0)}}, 16);
  ASSERT_TRUE(op->ProcessRight(r2).ok());
  EXPECT_EQ(sink.rows().size(), 1u);
  Batch l2 = testing::MakeBatch(kLeft, {{Value::Int64(1), Value::Int64(11), Value::Timestamp(0)}}, 16);
  ASSERT_TRUE(op->Process(l2).ok());  // meets both right rows (TTL 1999 and 2000)
  EXPECT_EQ(sink.rows().size(), 3u);
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// Window ends of `ts` for the hopping window used below.
std::vector<int64_t> HopEnds(int64_t ts, int64_t size, int64_t slide) {
  // Windows [s, s + size) start at multiples of the slide.
  std::vector<int64_t> ends;
  for (int64_t s = (ts / slide) * slide; s > ts - size; s -= slide) ends.insert(ends.begin(), s + size);
  return ends;
}

struct Tagged {
  Row row;
  int64_t w;  // partition watermark before the row
};

std::vector<Tagged> Tag(const std::vector<std::vector<Row>>& parts, int64_t delay) {
  std::vector<Tagged> out;
  for (const auto& part : parts) {
    int64_t max_ts = kMinWatermark;
    for (const Row& r : part) {
      out.push_back({r, max_ts == kMinWatermark ? kMinWatermark : max_ts - delay});
      max_ts = std::max(max_ts, r[2].i);
    }
  }
  return out;
}

TEST(WindowJoinTest, MatchesReferenceForAnyWorkersAndBatchSize) {
  const uint32_t seed = 41;
  std::mt19937_64 rng(seed);
  const int64_t delay = 100, size = 500, slide = 200;  // size not a multiple of slide
  Input left = Generate(rng, 2, 800, 25, delay);
  Input right = Generate(rng, 2, 700, 25, delay);
  std::multiset<std::vector<Value>> expected, late_left, late_right;
  auto lt = Tag(left.parts, delay), rt = Tag(right.parts, delay);
  auto open_ends = [&](const Tagged& t) {
    std::vector<int64_t> ends;
    for (int64_t e : HopEnds(t.row[2].i, size, slide)) {
      if (e > t.w) ends.push_back(e);
    }
    return ends;
  };
  for (const Tagged& l : lt) {
    if (open_ends(l).empty()) late_left.insert(l.row);
  }
  for (const Tagged& r : rt) {
    if (open_ends(r).empty()) late_right.insert(r.row);
  }
  for (const Tagged& l : lt) {
    for (int64_t e : open_ends(l)) {
      for (const Tagged& r : rt) {
        if (r.row[0].i != l.row[0].i) continue;
        auto re = open_ends(r);
        if (std::find(re.begin(), re.end(), e) == re.end()) continue;
        expected.insert({Value::Timestamp(e - size), Value::Timestamp(e), l.row[0], l.row[1], l.row[2], r.row[0],
                         r.row[1], r.row[2]});
      }
    }
  }
  ASSERT_GT(expected.size(), 100u);
  for (int workers : {1, 2}) {
    for (int batch : {6, 1024}) {
      SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers << " batch=" << batch);
      auto ls = MemorySource::Create(kLeft, left.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
      auto rs = MemorySource::Create(kRight, right.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
      CollectingSink sink, ll, rl;
      auto job = Pipeline()
                     .From(ls)
                     .WindowJoin(Pipeline().From(rs), {"k"}, {"k"},
                                 WindowSpec::Hop(std::chrono::milliseconds(size), std::chrono::milliseconds(slide)))
                     .To(&sink)
                     .LateDataTo(&ll)
                     .RightLateDataTo(&rl)
                     .Build(JobConfig{workers, 128, batch, 2, nullptr});
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      ASSERT_TRUE((*job)->Run().ok());
      auto got = Rows(sink);
      EXPECT_EQ(got.size(), expected.size());
      EXPECT_TRUE(got == expected);
      EXPECT_EQ(Rows(ll), late_left);
      EXPECT_EQ(Rows(rl), late_right);
    }
  }
}

}  // namespace
}  // namespace sluice::engine
