// Processing time: windows over the wall clock (ProcessingTimeOperator in
// front of a window operator) and the lookup join, each against a plain
// reference computed over the whole input; randomized with fixed seeds.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/clock.h"
#include "engine/job.h"
#include "engine/lookup_join_operator.h"
#include "engine/memory_source.h"
#include "engine/processing_time_operator.h"
#include "engine/tests/test_rows.h"
#include "engine/window_operator.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;
using testing::Row;

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

// The end of a chain: collects rows with the clock reading when they arrived.
class Collect : public Operator {
 public:
  Collect(Schema s, const Clock* clock) : schema_(std::move(s)), clock_(clock) {}
  std::string name() const override { return "collect"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override {
    for (int k = 0; k < b.active_rows(); ++k) arrival_ms.push_back(clock_->NowMillis());
    return sink.Write(b);
  }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  Status OnProcessingTime(int64_t) override { return Status::Ok(); }
  CollectingSink sink;
  std::vector<int64_t> arrival_ms;

 private:
  Schema schema_;
  const Clock* clock_;
};

std::vector<std::string> Strings(const std::vector<CollectedRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.ToString());
  return out;
}

TEST(ProcessingTimeWindowTest, RowsGoToTheWindowOfTheClockAndFireWhenItPassesTheEnd) {
  ManualClock clock(1'000);
  OperatorContext ctx;
  ctx.batch_capacity = 64;
  ctx.clock = &clock;
  auto stamp = ProcessingTimeOperator::Create(kSchema, 2, ctx).value();
  WindowAggregateSpec spec{{0}, 2, WindowSpec::Tumble(10s), {Count()}};
  auto window = CreateWindowOperator(kSchema, spec, ctx).value();
  Collect out(window->output_schema(), &clock);
  stamp->set_next(window.get());
  window->set_next(&out);
  // Event times are ignored: far in the future, and late.
  Batch b1 = testing::MakeBatch(kSchema, {{Value::Int64(1), Value::Int64(0), Value::Timestamp(900'000)}}, 64);
  ASSERT_TRUE(stamp->Process(b1).ok());
  ASSERT_TRUE(stamp->OnWatermark(800'000).ok());  // an event-time watermark fires nothing
  EXPECT_TRUE(out.sink.rows().empty());
  clock.Set(9'999);
  ASSERT_TRUE(stamp->OnProcessingTime(9'999).ok());
  EXPECT_TRUE(out.sink.rows().empty());
  Batch b2 = testing::MakeBatch(kSchema, {{Value::Int64(1), Value::Int64(0), Value::Timestamp(0)}}, 64);
  b2.mutable_late_watermarks()[0] = 5'000;  // late in its partition: does not matter here
  ASSERT_TRUE(stamp->Process(b2).ok());
  clock.Set(10'000);
  Batch b3 = testing::MakeBatch(kSchema, {{Value::Int64(1), Value::Int64(0), Value::Timestamp(0)}}, 64);
  ASSERT_TRUE(stamp->Process(b3).ok());  // at 10 000: the next window
  ASSERT_TRUE(stamp->OnProcessingTime(10'000).ok());
  EXPECT_EQ(Strings(out.sink.rows()),
            (std::vector<std::string>{"+I(1,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,2)"}));
  // The end of a bounded input fires what is open.
  ASSERT_TRUE(stamp->OnWatermark(kMaxWatermark).ok());
  EXPECT_EQ(Strings(out.sink.rows()),
            (std::vector<std::string>{"+I(1,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,2)",
                                      "+I(1,1970-01-01 00:00:10.000,1970-01-01 00:00:20.000,1)"}));
}

// Random rows arriving while the clock advances by random steps, with ticks
// at random moments: each (key, window) count equals the count computed
// from the clock readings at arrival, and no window fires before the clock
// reaches its end.
void RunRandomProcessingTimeWindows(uint32_t seed, WindowSpec window) {
  SCOPED_TRACE("seed " + std::to_string(seed) + ", window " + window.ToString());
  std::mt19937 rng(seed);
  ManualClock clock(static_cast<int64_t>(rng() % 100'000));
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  ctx.clock = &clock;
  auto stamp = ProcessingTimeOperator::Create(kSchema, 2, ctx).value();
  WindowAggregateSpec spec{{0}, 2, window, {Count(), Sum("v")}};
  auto op = CreateWindowOperator(kSchema, spec, ctx).value();
  Collect out(op->output_schema(), &clock);
  stamp->set_next(op.get());
  op->set_next(&out);
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>>
      expected;  // (k, start, end) → count, sum
  auto windows_of = [&](int64_t t) {
    std::vector<std::pair<int64_t, int64_t>> w;
    const int64_t size = window.size_ms, slide = window.slide_ms;
    auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    if (window.kind == WindowKind::kTumble) {
      const int64_t s = floor_div(t, size) * size;
      w.push_back({s, s + size});
    } else if (window.kind == WindowKind::kHop) {
      for (int64_t s = floor_div(t, slide) * slide; s > t - size; s -= slide) w.push_back({s, s + size});
    } else {  // cumulate
      const int64_t s = floor_div(t, size) * size;
      for (int64_t e = floor_div(t, slide) * slide + slide; e <= s + size; e += slide) w.push_back({s, e});
    }
    return w;
  };
  for (int step = 0; step < 300; ++step) {
    const int n = 1 + static_cast<int>(rng() % 12);
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
      const int64_t k = rng() % 5, v = rng() % 100;
      rows.push_back({Value::Int64(k), Value::Int64(v), Value::Timestamp(static_cast<int64_t>(rng() % 1'000'000))});
      for (auto [s, e] : windows_of(clock.NowMillis())) {
        auto& c = expected[{k, s, e}];
        c.first += 1;
        c.second += v;
      }
    }
    Batch b = testing::MakeBatch(kSchema, rows, 16);
    ASSERT_TRUE(stamp->Process(b).ok());
    clock.Advance(static_cast<int64_t>(rng() % 3'000));
    if (rng() % 3 == 0) ASSERT_TRUE(stamp->OnProcessingTime(clock.NowMillis()).ok());
    if (rng() % 5 == 0) ASSERT_TRUE(stamp->OnWatermark(static_cast<int64_t>(rng() % 1'000'000)).ok());
  }
  const size_t before_end = out.sink.rows().size();
  ASSERT_TRUE(stamp->OnWatermark(kMaxWatermark).ok());
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>> got;
  const auto& rows = out.sink.rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i].values;
    ASSERT_EQ(rows[i].kind, RowKind::kInsert);
    const int64_t end = r[2].i;
    if (i < before_end) EXPECT_GE(out.arrival_ms[i], end) << "window fired before the clock reached its end";
    auto key = std::make_tuple(r[0].i, r[1].i, end);
    EXPECT_EQ(got.count(key), 0u) << "window fired twice";
    got[key] = {r[3].i, r[4].i};
  }
  EXPECT_EQ(got, expected);
}

TEST(ProcessingTimeWindowTest, RandomTumbleHopCumulateMatchTheClockReference) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    RunRandomProcessingTimeWindows(seed, WindowSpec::Tumble(10s));
    RunRandomProcessingTimeWindows(seed, WindowSpec::Hop(10s, 4s));
    RunRandomProcessingTimeWindows(seed, WindowSpec::Cumulate(12s, 3s));
  }
}

// ---------------------------------------------------------------------------
// Lookup join

const Schema kLeft({{"id", DataType::kInt64}, {"key", DataType::kInt64}, {"ts", DataType::kTimestamp}});
const Schema kTable({{"key", DataType::kInt64}, {"name", DataType::kString}});

std::shared_ptr<MemorySource> TableSource(const std::vector<Row>& rows, int partitions) {
  std::vector<std::vector<Row>> parts(partitions);
  for (size_t i = 0; i < rows.size(); ++i) parts[i % partitions].push_back(rows[i]);
  return MemorySource::Create(kTable, parts, "", WatermarkStrategy{}).value();
}

TEST(LookupJoinTest, JoinsEveryRowOfTheKeyAndLeftJoinPadsWithNulls) {
  auto table = std::make_shared<LookupTable>(TableSource({{Value::Int64(1), Value::String("a")},
                                                          {Value::Int64(2), Value::String("b")},
                                                          {Value::Int64(1), Value::String("c")},
                                                          {Value::Null(DataType::kInt64), Value::String("null key")}},
                                                         1),
                                             std::vector<int>{0}, 100);
  OperatorContext ctx;
  ctx.batch_capacity = 4;
  Batch left = testing::MakeBatch(kLeft,
                                  {{Value::Int64(10), Value::Int64(1), Value::Timestamp(5)},
                                   {Value::Int64(11), Value::Int64(3), Value::Timestamp(6)},
                                   {Value::Int64(12), Value::Null(DataType::kInt64), Value::Timestamp(7)},
                                   {Value::Int64(13), Value::Int64(2), Value::Timestamp(8)}},
                                  4);
  for (LookupJoinType type : {LookupJoinType::kInner, LookupJoinType::kLeft}) {
    auto op = LookupJoinOperator::Create(kLeft, table, LookupJoinSpec{{1}, {0}, type, 100}, ctx).value();
    Collect out(op->output_schema(), SystemClock::Default());
    op->set_next(&out);
    ASSERT_TRUE(op->Process(left).ok());
    std::vector<std::string> expected = {"+I(10,1,1970-01-01 00:00:00.005,1,a)", "+I(10,1,1970-01-01 00:00:00.005,1,c)",
                                         "+I(13,2,1970-01-01 00:00:00.008,2,b)"};
    if (type == LookupJoinType::kLeft) {
      expected.insert(expected.begin() + 2, "+I(11,3,1970-01-01 00:00:00.006,NULL,NULL)");
      expected.insert(expected.begin() + 3, "+I(12,NULL,1970-01-01 00:00:00.007,NULL,NULL)");
    }
    EXPECT_EQ(Strings(out.sink.rows()), expected);
  }
}

// Through a job on 1 and 3 workers: random left rows over 4 partitions, a
// random table with duplicate and missing keys, against a nested-loop
// reference; inner and left.
TEST(LookupJoinTest, JobOnOneAndManyWorkersMatchesNestedLoopReference) {
  for (uint32_t seed : {7u, 8u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::vector<Row> table_rows;
    for (int i = 0; i < 300; ++i) {
      table_rows.push_back({Value::Int64(static_cast<int64_t>(rng() % 200)), Value::String("t" + std::to_string(i))});
    }
    std::vector<std::vector<Row>> left_parts(4);
    std::vector<Row> all_left;
    for (int i = 0; i < 3000; ++i) {
      Row r{Value::Int64(i), Value::Int64(static_cast<int64_t>(rng() % 250)), Value::Timestamp(i)};
      left_parts[rng() % 4].push_back(r);
      all_left.push_back(r);
    }
    for (LookupJoinType type : {LookupJoinType::kInner, LookupJoinType::kLeft}) {
      std::multiset<std::string> expected;
      for (const Row& l : all_left) {
        bool matched = false;
        for (const Row& t : table_rows) {
          if (t[0].i != l[1].i) continue;
          matched = true;
          expected.insert(testing::RowToString({l[0], l[1], l[2], t[0], t[1]}));
        }
        if (!matched && type == LookupJoinType::kLeft) {
          expected.insert(
              testing::RowToString({l[0], l[1], l[2], Value::Null(DataType::kInt64), Value::Null(DataType::kString)}));
        }
      }
      for (int workers : {1, 3}) {
        SCOPED_TRACE("workers " + std::to_string(workers));
        auto table = std::make_shared<LookupTable>(TableSource(table_rows, 3), std::vector<int>{0}, 1000);
        auto left = MemorySource::Create(kLeft, left_parts, "ts", WatermarkStrategy{}, 64).value();
        CollectingSink sink;
        JobSpec spec;
        StageSpec& stage = spec.stages.emplace_back();
        stage.sources.push_back(left);
        LookupJoinSpec js{{1}, {0}, type, 1000};
        stage.operators.push_back(OperatorSpec{
            "lookup-join",
            [table, js](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
              SLUICE_ASSIGN_OR_RETURN(auto op, LookupJoinOperator::Create(in, table, js, ctx));
              return std::unique_ptr<Operator>(std::move(op));
            }});
        stage.sink = &sink;
        JobConfig config;
        config.workers = workers;
        config.batch_capacity = 64;
        auto job = Job::Create(std::move(spec), config);
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        std::multiset<std::string> got;
        for (const auto& r : sink.rows()) got.insert(testing::RowToString(r.values));
        EXPECT_EQ(got, expected);
      }
    }
  }
}

TEST(LookupJoinTest, TableLargerThanTheLimitFailsWithAClearError) {
  std::vector<Row> rows;
  for (int i = 0; i < 11; ++i) rows.push_back({Value::Int64(i), Value::String("x")});
  auto table = std::make_shared<LookupTable>(TableSource(rows, 2), std::vector<int>{0}, 10);
  auto op = LookupJoinOperator::Create(kLeft, table, LookupJoinSpec{{1}, {0}, LookupJoinType::kInner, 10}, {});
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(op.status().message().find("table.exec.lookup-join.max-rows"), std::string::npos) << op.status().message();
}

// A processing-time window in a job on 1 and 3 workers: a clock standing
// still puts every row in one window; the end of input fires it.
TEST(ProcessingTimeWindowTest, JobFiresOpenWindowsAtEndOfInput) {
  std::mt19937 rng(11);
  std::vector<std::vector<Row>> parts(4);
  std::map<int64_t, int64_t> expected;
  for (int i = 0; i < 5000; ++i) {
    const int64_t k = rng() % 40;
    parts[rng() % 4].push_back(
        {Value::Int64(k), Value::Int64(1), Value::Timestamp(static_cast<int64_t>(rng() % 100'000))});
    ++expected[k];
  }
  for (int workers : {1, 3}) {
    ManualClock clock(1'234'567);
    auto src = MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy{2'000, 0}, 64).value();
    CollectingSink sink;
    JobSpec spec;
    spec.stages.emplace_back().sources.push_back(src);
    StageSpec& keyed = spec.stages.emplace_back();
    keyed.inputs.push_back(StageInput{0, {0}, nullptr});
    WindowAggregateSpec ws{{0}, 2, WindowSpec::Tumble(10s), {Count()}};
    keyed.operators.push_back(OperatorSpec{
        "processing-time", [](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, ProcessingTimeOperator::Create(in, 2, ctx));
          return std::unique_ptr<Operator>(std::move(op));
        }});
    keyed.operators.push_back(OperatorSpec{
        "window", [ws](const Schema& in, const OperatorContext& ctx) { return CreateWindowOperator(in, ws, ctx); }});
    keyed.sink = &sink;
    JobConfig config;
    config.workers = workers;
    config.batch_capacity = 64;
    config.clock = &clock;
    auto job = Job::Create(std::move(spec), config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_TRUE((*job)->Run().ok());
    std::map<int64_t, int64_t> got;
    for (const auto& r : sink.rows()) {
      EXPECT_EQ(r.values[1].i, 1'230'000);
      EXPECT_EQ(r.values[2].i, 1'240'000);
      got[r.values[0].i] += r.values[3].i;
    }
    EXPECT_EQ(got, expected) << "workers " << workers;
  }
}

}  // namespace
}  // namespace sluice::engine
