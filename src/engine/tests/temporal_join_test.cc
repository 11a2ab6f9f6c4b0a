// The event-time temporal join against a plain reference over the whole
// input: randomized (fixed seeds), inputs shuffled within the watermark
// bound, late rows, snapshots and restores, 1 and N workers.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "engine/job.h"
#include "engine/memory_source.h"
#include "engine/temporal_join_operator.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using testing::Row;

const Schema kOrders({{"id", DataType::kInt64}, {"cur", DataType::kInt64}, {"ts", DataType::kTimestamp}});
const Schema kRates({{"cur", DataType::kInt64}, {"rate", DataType::kInt64}, {"ts", DataType::kTimestamp}});

class Collect : public Operator {
 public:
  explicit Collect(Schema s) : schema_(std::move(s)) {}
  std::string name() const override { return "collect"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override { return sink.Write(b); }
  Status OnWatermark(int64_t w) override {
    watermarks.push_back(w);
    return Status::Ok();
  }
  CollectingSink sink;
  std::vector<int64_t> watermarks;

 private:
  Schema schema_;
};

Row Order(int64_t id, int64_t cur, int64_t ts) { return {Value::Int64(id), Value::Int64(cur), Value::Timestamp(ts)}; }
Row Rate(int64_t cur, int64_t rate, int64_t ts) {
  return {Value::Int64(cur), Value::Int64(rate), Value::Timestamp(ts)};
}

std::multiset<std::string> Rows(const std::vector<CollectedRow>& rows) {
  std::multiset<std::string> out;
  for (const auto& r : rows) out.insert(testing::RowToString(r.values));
  return out;
}

TemporalJoinSpec Spec(TemporalJoinSpec::Type type) { return TemporalJoinSpec{{1}, {0}, 2, 2, type}; }

TEST(TemporalJoinTest, JoinsTheVersionValidAtTheLeftRowsTimeOnceTheWatermarkPassesIt) {
  OperatorContext ctx;
  ctx.batch_capacity = 8;
  auto op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kLeft), ctx).value();
  Collect out(op->output_schema());
  op->set_next(&out);
  Batch rates = testing::MakeBatch(kRates, {Rate(1, 10, 1000), Rate(1, 11, 5000), Rate(2, 20, 3000)}, 8);
  ASSERT_TRUE(op->ProcessRight(rates).ok());
  Batch orders = testing::MakeBatch(
      kOrders, {Order(100, 1, 4000), Order(101, 1, 5000), Order(102, 1, 500), Order(103, 2, 2999), Order(104, 3, 6000)},
      8);
  ASSERT_TRUE(op->Process(orders).ok());
  EXPECT_TRUE(out.sink.rows().empty()) << "nothing before the watermark";
  ASSERT_TRUE(op->OnWatermark(4999).ok());
  EXPECT_EQ(Rows(out.sink.rows()),
            (std::multiset<std::string>{"100,1,1970-01-01 00:00:04.000,1,10,1970-01-01 00:00:01.000",
                                        "102,1,1970-01-01 00:00:00.500,NULL,NULL,NULL",
                                        "103,2,1970-01-01 00:00:02.999,NULL,NULL,NULL"}));
  ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
  EXPECT_EQ(out.sink.rows().size(), 5u);
  EXPECT_EQ(testing::RowToString(out.sink.rows()[3].values),
            "101,1,1970-01-01 00:00:05.000,1,11,1970-01-01 00:00:05.000");
  EXPECT_EQ(testing::RowToString(out.sink.rows()[4].values), "104,3,1970-01-01 00:00:06.000,NULL,NULL,NULL");
  EXPECT_EQ(out.watermarks, (std::vector<int64_t>{4999, kMaxWatermark}));
}

TEST(TemporalJoinTest, VersionsBehindTheWatermarkArePrunedAndADeletionEndsAKey) {
  OperatorContext ctx;
  auto op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kInner), ctx).value();
  Collect out(op->output_schema());
  op->set_next(&out);
  std::vector<Row> rates;
  for (int i = 0; i < 100; ++i) rates.push_back(Rate(1, i, i * 10));
  Batch b = testing::MakeBatch(kRates, rates, 128);
  ASSERT_TRUE(op->ProcessRight(b).ok());
  EXPECT_EQ(op->versions_in_state(), 100u);
  EXPECT_EQ(op->timers_in_state(), 1u);  // one per key
  ASSERT_TRUE(op->OnWatermark(500).ok());
  EXPECT_EQ(op->versions_in_state(), 50u);  // the one at 500 and the 49 after it
  EXPECT_EQ(op->timers_in_state(), 1u);
  Batch del = testing::MakeBatch(kRates, {Rate(1, 0, 2000)}, 1);
  del.mutable_row_kinds()[0] = RowKind::kDelete;
  ASSERT_TRUE(op->ProcessRight(del).ok());
  Batch orders = testing::MakeBatch(kOrders, {Order(1, 1, 995), Order(2, 1, 2500)}, 2);
  ASSERT_TRUE(op->Process(orders).ok());
  ASSERT_TRUE(op->OnWatermark(3000).ok());
  EXPECT_EQ(Rows(out.sink.rows()),
            (std::multiset<std::string>{"1,1,1970-01-01 00:00:00.995,1,99,1970-01-01 00:00:00.990"}));
  EXPECT_EQ(op->keys_in_state(), 0u);
  EXPECT_EQ(op->timers_in_state(), 0u);
}

// The reference: each left row joins the right row of its key with the
// largest time <= its time (ties: the one that comes last in the input).
std::multiset<std::string> Reference(const std::vector<Row>& orders, const std::vector<Row>& rates,
                                     TemporalJoinSpec::Type type) {
  std::multiset<std::string> out;
  for (const Row& o : orders) {
    const Row* best = nullptr;
    for (const Row& r : rates) {
      if (r[0].i == o[1].i && r[2].i <= o[2].i && (!best || r[2].i >= best->at(2).i)) best = &r;
    }
    if (best) {
      out.insert(testing::RowToString({o[0], o[1], o[2], (*best)[0], (*best)[1], (*best)[2]}));
    } else if (type == TemporalJoinSpec::Type::kLeft) {
      out.insert(testing::RowToString({o[0], o[1], o[2], Value::Null(DataType::kInt64), Value::Null(DataType::kInt64),
                                       Value::Null(DataType::kTimestamp)}));
    }
  }
  return out;
}

// Rows in time order, then shuffled within `bound` ms (each row moves only
// among rows less than `bound` apart), so none is late for a watermark of
// max time - bound.
std::vector<Row> ShuffledWithin(std::vector<Row> rows, int64_t bound, std::mt19937* rng) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a[2].i < b[2].i; });
  std::vector<bool> moved(rows.size(), false);  // a row moves at most once, so never further than `bound`
  for (size_t i = 0; i + 1 < rows.size(); ++i) {
    const size_t j = i + (*rng)() % std::min<size_t>(4, rows.size() - i);
    if (moved[i] || moved[j] || rows[j][2].i - rows[i][2].i >= bound) continue;
    std::swap(rows[i], rows[j]);
    moved[i] = moved[j] = true;
  }
  return rows;
}

// Through a job: both inputs over several partitions with a bounded delay,
// on 1 and 3 workers, against the reference (rates unique per key and time,
// so the reference is unambiguous).
TEST(TemporalJoinTest, RandomJobsOnOneAndManyWorkersMatchTheReference) {
  constexpr int64_t kDelay = 200;
  for (uint32_t seed : {21u, 22u, 23u}) {
    std::mt19937 rng(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::vector<Row> orders, rates;
    std::set<std::pair<int64_t, int64_t>> used;
    for (int i = 0; i < 400; ++i) {
      const int64_t cur = rng() % 20, ts = rng() % 20'000;
      if (used.insert({cur, ts}).second) rates.push_back(Rate(cur, i, ts));
    }
    for (int i = 0; i < 3000; ++i) orders.push_back(Order(i, rng() % 25, rng() % 20'000));
    orders = ShuffledWithin(orders, kDelay, &rng);
    rates = ShuffledWithin(rates, kDelay, &rng);
    for (auto type : {TemporalJoinSpec::Type::kInner, TemporalJoinSpec::Type::kLeft}) {
      const auto expected = Reference(orders, rates, type);
      for (int workers : {1, 3}) {
        SCOPED_TRACE("workers " + std::to_string(workers));
        std::vector<std::vector<Row>> op(3), rp(2);
        for (size_t i = 0; i < orders.size(); ++i) op[orders[i][1].i % 3].push_back(orders[i]);
        for (size_t i = 0; i < rates.size(); ++i) rp[rates[i][0].i % 2].push_back(rates[i]);
        auto left = MemorySource::Create(kOrders, op, "ts", WatermarkStrategy{kDelay, 0}, 32).value();
        auto right = MemorySource::Create(kRates, rp, "ts", WatermarkStrategy{kDelay, 0}, 32).value();
        CollectingSink sink;
        JobSpec spec;
        spec.stages.emplace_back().sources.push_back(left);
        spec.stages.emplace_back().sources.push_back(right);
        StageSpec& join = spec.stages.emplace_back();
        join.inputs.push_back(StageInput{0, {1}, nullptr});
        join.inputs.push_back(StageInput{1, {0}, nullptr});
        const TemporalJoinSpec js = Spec(type);
        join.join = [js](const Schema& l, const Schema& r,
                         const OperatorContext& ctx) -> Result<std::unique_ptr<TwoInputOperator>> {
          SLUICE_ASSIGN_OR_RETURN(auto o, TemporalJoinOperator::Create(l, r, js, ctx));
          return std::unique_ptr<TwoInputOperator>(std::move(o));
        };
        join.sink = &sink;
        JobConfig config;
        config.workers = workers;
        config.batch_capacity = 32;
        auto job = Job::Create(std::move(spec), config);
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        EXPECT_EQ(Rows(sink.rows()), expected);
      }
    }
  }
}

// Late left rows (behind the watermark when they arrive) are joined at the
// next watermark against the versions still kept: the latest one at or
// before the watermark, or none if the row is older than that (as Flink).
TEST(TemporalJoinTest, LateLeftRowsJoinTheVersionsStillKept) {
  OperatorContext ctx;
  auto op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kLeft), ctx).value();
  Collect out(op->output_schema());
  op->set_next(&out);
  Batch rates = testing::MakeBatch(kRates, {Rate(1, 10, 1000), Rate(1, 11, 2000), Rate(1, 12, 9000)}, 8);
  ASSERT_TRUE(op->ProcessRight(rates).ok());
  ASSERT_TRUE(op->OnWatermark(5000).ok());  // keeps the versions at 2000 and 9000
  Batch late = testing::MakeBatch(kOrders, {Order(1, 1, 3000), Order(2, 1, 1500)}, 8);
  ASSERT_TRUE(op->Process(late).ok());
  ASSERT_TRUE(op->OnWatermark(6000).ok());
  EXPECT_EQ(Rows(out.sink.rows()),
            (std::multiset<std::string>{"1,1,1970-01-01 00:00:03.000,1,11,1970-01-01 00:00:02.000",
                                        "2,1,1970-01-01 00:00:01.500,NULL,NULL,NULL"}));
}

// Snapshot every key group mid-stream, restore into a fresh operator (as a
// rescaled job would: key groups split over two), and finish: the same
// output as an uninterrupted run.
TEST(TemporalJoinTest, SnapshotAndRestoreOfKeyGroupsContinuesTheJoin) {
  std::mt19937 rng(5);
  std::vector<Row> orders, rates;
  for (int i = 0; i < 500; ++i) rates.push_back(Rate(rng() % 30, i, i * 20));
  for (int i = 0; i < 2000; ++i) orders.push_back(Order(i, rng() % 30, 5 * i));
  OperatorContext ctx;
  ctx.num_key_groups = 16;
  auto run = [&](bool interrupt) {
    auto op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kInner), ctx).value();
    auto collect = std::make_unique<Collect>(op->output_schema());
    op->set_next(collect.get());
    std::vector<CollectedRow> rows;
    for (size_t step = 0; step < 10; ++step) {
      std::vector<Row> o(orders.begin() + step * 200, orders.begin() + (step + 1) * 200);
      std::vector<Row> r(rates.begin() + step * 50, rates.begin() + (step + 1) * 50);
      Batch ob = testing::MakeBatch(kOrders, o, 256), rb = testing::MakeBatch(kRates, r, 256);
      EXPECT_TRUE(op->Process(ob).ok());
      EXPECT_TRUE(op->ProcessRight(rb).ok());
      EXPECT_TRUE(op->OnWatermark(static_cast<int64_t>(step) * 1000).ok());
      if (interrupt && step == 4) {
        std::vector<int> all;
        for (int kg = 0; kg < ctx.num_key_groups; ++kg) all.push_back(kg);
        std::vector<std::string> blobs;
        EXPECT_TRUE(op->SnapshotKeyGroups(all, &blobs).ok());
        for (const auto& row : collect->sink.rows()) rows.push_back(row);
        op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kInner), ctx).value();
        collect = std::make_unique<Collect>(op->output_schema());
        op->set_next(collect.get());
        for (int kg = 0; kg < ctx.num_key_groups; ++kg) {
          EXPECT_TRUE(op->RestoreKeyGroup(kg, blobs[kg]).ok());
        }
        EXPECT_TRUE(op->OnWatermark(static_cast<int64_t>(step) * 1000).ok());
      }
    }
    EXPECT_TRUE(op->OnWatermark(kMaxWatermark).ok());
    for (const auto& row : collect->sink.rows()) rows.push_back(row);
    return Rows(rows);
  };
  const auto whole = run(false);
  EXPECT_EQ(whole, Reference(orders, rates, TemporalJoinSpec::Type::kInner));
  EXPECT_EQ(run(true), whole);
  auto op = TemporalJoinOperator::Create(kOrders, kRates, Spec(TemporalJoinSpec::Type::kInner), ctx).value();
  EXPECT_FALSE(op->RestoreKeyGroup(0, "\x09garbage").ok());
}

}  // namespace
}  // namespace sluice::engine
