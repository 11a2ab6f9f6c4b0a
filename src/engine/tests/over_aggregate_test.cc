// The OVER aggregation against a reference computed over the whole input:
// for every on-time row, the aggregates over the on-time rows of its key in
// its frame; rows late in their partition go to the late output.

#include "engine/over_aggregate_operator.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <set>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;
using Row = MemorySource::Row;
using RowSet = std::multiset<std::vector<Value>>;

// k, v (nullable), d (integral doubles: exact sums), f (a function of ts, so
// FIRST/LAST over equal timestamps do not depend on arrival order), s, ts.
const Schema kSchema({{"k", DataType::kInt64},
                      {"v", DataType::kInt64},
                      {"d", DataType::kDouble},
                      {"f", DataType::kInt32},
                      {"s", DataType::kString},
                      {"ts", DataType::kTimestamp}});

struct Input {
  std::vector<std::vector<Row>> parts;
  std::vector<Row> on_time;
  RowSet late;
};

enum class Timestamps { kWithTies, kUnique };

Input Generate(std::mt19937_64& rng, int partitions, int rows, int keys, int64_t delay, Timestamps mode) {
  Input in;
  in.parts.resize(partitions);
  std::set<int64_t> used;
  for (int p = 0; p < partitions; ++p) {
    int64_t base = 10'000;
    for (int i = 0; i < rows; ++i) {
      base += static_cast<int64_t>(rng() % 20);
      int64_t ts = base - static_cast<int64_t>(rng() % (delay + 1));
      if (rng() % 20 == 0) ts = base - delay - static_cast<int64_t>(rng() % 2000);  // late
      if (mode == Timestamps::kUnique) {
        ts = ts * 8 + p;
        if (!used.insert(ts).second) continue;
      }
      const int64_t v = static_cast<int64_t>(rng() % 1000) - 300;
      const bool null_v = rng() % 10 == 0;
      Row row{Value::Int64(static_cast<int64_t>(rng() % keys)),
              null_v ? Value::Null(DataType::kInt64) : Value::Int64(v),
              null_v ? Value::Null(DataType::kDouble) : Value::Double(static_cast<double>(v % 50)),
              ts % 7 == 0 ? Value::Null(DataType::kInt32) : Value::Int32(static_cast<int32_t>(ts % 997)),
              Value::String(fmt::format("s{}", rng() % 300)),
              Value::Timestamp(ts)};
      if (mode == Timestamps::kWithTies && rng() % 25 == 0 && !in.parts[p].empty()) {
        row = in.parts[p].back();  // duplicate
      }
      in.parts[p].push_back(row);
    }
  }
  // Lateness as each partition's watermark (max ts - delay) sees it.
  for (const auto& part : in.parts) {
    int64_t max_ts = kMinWatermark;
    for (const Row& row : part) {
      const int64_t ts = row[5].i;
      const int64_t wm = max_ts == kMinWatermark ? kMinWatermark : max_ts - delay;
      if (ts < wm) {
        in.late.insert(row);
      } else {
        in.on_time.push_back(row);
      }
      max_ts = std::max(max_ts, ts);
    }
  }
  return in;
}

std::vector<AggregateSpec> Aggregates() {
  return {Count().As("n"),         Count("v").As("nv"), Sum("v").As("sv"),   Avg("v").As("av"),
          Sum("d").As("sd"),       Min("v").As("minv"), Max("s").As("maxs"), FirstValue("f").As("ff"),
          LastValue("f").As("lf"), Avg("f").As("af")};
}

// The aggregates of Aggregates() over `frame` (in frame order).
std::vector<Value> Reference(const std::vector<const Row*>& frame) {
  int64_t n = 0, nv = 0, sv = 0, nf = 0, sf = 0;
  double sd = 0;
  std::optional<int64_t> minv;
  std::optional<std::string> maxs;
  std::optional<int32_t> ff, lf;
  for (const Row* r : frame) {
    ++n;
    const Row& x = *r;
    if (!x[1].is_null) {
      ++nv;
      sv += x[1].i;
      sd += x[2].d;
      minv = minv ? std::min(*minv, x[1].i) : x[1].i;
    }
    maxs = maxs ? std::max(*maxs, x[4].s) : x[4].s;
    if (!x[3].is_null) {
      if (!ff) ff = static_cast<int32_t>(x[3].i);
      lf = static_cast<int32_t>(x[3].i);
      ++nf;
      sf += x[3].i;
    }
  }
  auto i64 = [](std::optional<int64_t> v) { return v ? Value::Int64(*v) : Value::Null(DataType::kInt64); };
  auto i32 = [](std::optional<int32_t> v) { return v ? Value::Int32(*v) : Value::Null(DataType::kInt32); };
  // Every frame holds its current row, so n > 0; d is non-NULL exactly where v is.
  return {Value::Int64(n),
          Value::Int64(nv),
          i64(nv ? std::optional<int64_t>(sv) : std::nullopt),
          i64(nv ? std::optional<int64_t>(sv / nv) : std::nullopt),
          nv ? Value::Double(sd) : Value::Null(DataType::kDouble),
          i64(minv),
          Value::String(*maxs),
          i32(ff),
          i32(lf),
          i32(nf ? std::optional<int32_t>(static_cast<int32_t>(sf / nf)) : std::nullopt)};
}

RowSet Expected(const Input& in, OverFrameUnit unit, int64_t preceding) {
  std::map<int64_t, std::vector<const Row*>> by_key;
  for (const Row& r : in.on_time) by_key[r[0].i].push_back(&r);
  RowSet out;
  for (auto& [key, rows] : by_key) {
    std::stable_sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) { return (*a)[5].i < (*b)[5].i; });
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t ts = (*rows[i])[5].i;
      std::vector<const Row*> frame;
      for (size_t j = 0; j < rows.size(); ++j) {
        const int64_t t = (*rows[j])[5].i;
        bool in_frame;
        if (unit == OverFrameUnit::kRange) {
          in_frame = t <= ts && (preceding == kUnboundedPreceding || t >= ts - preceding);
        } else {
          in_frame = j <= i && (preceding == kUnboundedPreceding || static_cast<int64_t>(i - j) <= preceding);
        }
        if (in_frame) frame.push_back(rows[j]);
      }
      std::vector<Value> row = *rows[i];
      for (Value& v : Reference(frame)) row.push_back(std::move(v));
      out.insert(std::move(row));
    }
  }
  return out;
}

// The first rows of `a` not in `b`, for failure messages.
std::string Missing(const RowSet& a, const RowSet& b) {
  std::vector<std::vector<Value>> d;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(d));
  std::string out;
  for (size_t i = 0; i < d.size() && i < 3; ++i) out += testing::RowToString(d[i]) + "\n";
  return out;
}

RowSet Rows(const CollectingSink& s) {
  RowSet out;
  for (const auto& r : s.rows()) out.insert(r.values);
  return out;
}

struct Frame {
  OverFrameUnit unit;
  int64_t preceding;
  Timestamps timestamps;
};

TEST(OverAggregateTest, MatchesReferenceForEveryFrameWorkerCountAndBatchSize) {
  const uint32_t seed = 46;
  const Frame frames[] = {{OverFrameUnit::kRange, 150, Timestamps::kWithTies},
                          {OverFrameUnit::kRange, 0, Timestamps::kWithTies},
                          {OverFrameUnit::kRange, kUnboundedPreceding, Timestamps::kWithTies},
                          {OverFrameUnit::kRows, 5, Timestamps::kUnique},
                          {OverFrameUnit::kRows, 0, Timestamps::kUnique},
                          {OverFrameUnit::kRows, kUnboundedPreceding, Timestamps::kUnique}};
  for (const Frame& fr : frames) {
    std::mt19937_64 rng(seed);
    Input in = Generate(rng, 3, 700, 12, 100, fr.timestamps);
    const RowSet expected = Expected(in, fr.unit, fr.preceding);
    ASSERT_GT(in.late.size(), 10u);
    for (int workers : {1, 3}) {
      for (int batch : {1, 7, 1024}) {
        SCOPED_TRACE(::testing::Message() << "seed=" << seed << " unit=" << static_cast<int>(fr.unit) << " preceding="
                                          << fr.preceding << " workers=" << workers << " batch=" << batch);
        auto src = MemorySource::Create(kSchema, in.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
        CollectingSink sink, late;
        auto job = Pipeline()
                       .From(src)
                       .KeyBy({"k"})
                       .Over(fr.unit, fr.preceding, Aggregates())
                       .To(&sink)
                       .LateDataTo(&late)
                       .Build(JobConfig{workers, 128, batch, 2, nullptr});
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        const RowSet got = Rows(sink);
        EXPECT_EQ(got.size(), expected.size());
        EXPECT_TRUE(got == expected) << "missing:\n"
                                     << Missing(expected, got) << "unexpected:\n"
                                     << Missing(got, expected);
        EXPECT_EQ(Rows(late), in.late);
      }
    }
  }
}

TEST(OverAggregateTest, WithoutPartitionByTheWholeInputIsOneKey) {
  std::mt19937_64 rng(7);
  Input in = Generate(rng, 2, 400, 1, 50, Timestamps::kWithTies);
  const RowSet expected = Expected(in, OverFrameUnit::kRange, 300);
  auto src = MemorySource::Create(kSchema, in.parts, "ts", WatermarkStrategy::BoundedDelay(50ms), 64).value();
  CollectingSink sink;
  auto job = Pipeline()
                 .From(src)
                 .KeyBy({})
                 .Over(OverFrameUnit::kRange, 300, Aggregates())
                 .To(&sink)
                 .Build(JobConfig{2, 128, 64, 2, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  EXPECT_TRUE(Rows(sink) == expected);
}

// Drives operators directly: the rows of `parts` in order, one batch per
// row, a watermark of (max ts - delay) after each.
struct Driver {
  std::vector<std::unique_ptr<OverAggregateOperator>> ops;
  std::vector<std::unique_ptr<SinkOperator>> outs;
  CollectingSink sink;
  int key_groups = 16;

  void Add(const OverSpec& spec) {
    OperatorContext ctx;
    ctx.batch_capacity = 4;
    ctx.num_key_groups = key_groups;
    ops.push_back(OverAggregateOperator::Create(kSchema, spec, ctx).value());
    outs.push_back(std::make_unique<SinkOperator>(ops.back()->output_schema(), &sink));
    ops.back()->set_next(outs.back().get());
  }
  int OwnerOf(const Row& row) const {
    Batch b = testing::MakeBatch(kSchema, {row}, 1);
    KeyEncoder keys({0});
    keys.Encode(b);
    return WorkerOfKeyGroup(KeyGroupOf(keys.hash(0), key_groups), key_groups, static_cast<int>(ops.size()));
  }
  void Feed(const std::vector<Row>& rows, size_t from, size_t to, int64_t delay) {
    for (size_t i = from; i < to; ++i) {
      Batch b = testing::MakeBatch(kSchema, {rows[i]}, 4);
      ASSERT_TRUE(ops[OwnerOf(rows[i])]->Process(b).ok());
      max_ts = std::max(max_ts, rows[i][5].i);
      for (auto& op : ops) ASSERT_TRUE(op->OnWatermark(max_ts - delay).ok());
    }
  }
  int64_t max_ts = kMinWatermark;
};

TEST(OverAggregateTest, SnapshotRestoresOntoAnotherWorkerCount) {
  std::mt19937_64 rng(99);
  Input in = Generate(rng, 1, 1200, 9, 60, Timestamps::kWithTies);
  const std::vector<Row>& rows = in.parts[0];
  const size_t half = rows.size() / 2;
  for (const Frame& fr : {Frame{OverFrameUnit::kRange, 200, Timestamps::kWithTies},
                          Frame{OverFrameUnit::kRange, kUnboundedPreceding, Timestamps::kWithTies},
                          Frame{OverFrameUnit::kRows, 4, Timestamps::kWithTies}}) {
    SCOPED_TRACE(::testing::Message() << "unit=" << static_cast<int>(fr.unit) << " preceding=" << fr.preceding);
    OverSpec spec{{0}, 5, fr.unit, fr.preceding, Aggregates()};
    spec.aggregates.resize(7);  // FIRST/LAST over ties would depend on arrival order only
    Driver whole;
    whole.Add(spec);
    whole.Feed(rows, 0, rows.size(), 60);
    ASSERT_TRUE(whole.ops[0]->OnWatermark(kMaxWatermark).ok());

    Driver before;
    before.Add(spec);
    before.Feed(rows, 0, half, 60);
    Driver after;
    for (int w = 0; w < 3; ++w) after.Add(spec);
    for (int kg = 0; kg < before.key_groups; ++kg) {
      std::string snap;
      ASSERT_TRUE(before.ops[0]->SnapshotKeyGroup(kg, &snap).ok());
      ASSERT_TRUE(after.ops[WorkerOfKeyGroup(kg, after.key_groups, 3)]->RestoreKeyGroup(kg, snap).ok());
    }
    after.max_ts = before.max_ts;
    after.Feed(rows, half, rows.size(), 60);
    for (auto& op : after.ops) ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
    RowSet combined = Rows(before.sink);
    for (auto& r : Rows(after.sink)) combined.insert(r);
    EXPECT_EQ(combined.size(), whole.sink.rows().size());
    EXPECT_TRUE(combined == Rows(whole.sink));
  }
}

TEST(OverAggregateTest, RangeStateIsDroppedBehindTheWatermark) {
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  OverSpec spec{{0}, 5, OverFrameUnit::kRange, 1000, {Sum("v").As("sv")}};
  auto op = OverAggregateOperator::Create(kSchema, spec, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  auto feed = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      Batch b = testing::MakeBatch(kSchema,
                                   {{Value::Int64(i), Value::Int64(1), Value::Double(1), Value::Int32(1),
                                     Value::String("x"), Value::Timestamp(i * 100)}},
                                   16);
      ASSERT_TRUE(op->Process(b).ok());
      ASSERT_TRUE(op->OnWatermark(i * 100).ok());
    }
  };
  feed(0, 1000);
  const int64_t bytes_after_1000 = op->StateBytes();
  feed(1000, 5000);
  EXPECT_EQ(sink.rows().size(), 4999u);  // the last row waits for the watermark to pass it
  // Keys are new every time: rows leave the frame and idle keys are forgotten.
  EXPECT_LE(op->StateBytes(), bytes_after_1000 * 2);
}

TEST(OverAggregateTest, RejectsAnUpdatingInput) {
  OperatorContext ctx;
  OverSpec spec{{0}, 5, OverFrameUnit::kRows, 3, {Count().As("n")}};
  auto op = OverAggregateOperator::Create(kSchema, spec, ctx).value();
  Batch b = testing::MakeBatch(kSchema, {{Value::Int64(1), Value::Int64(1), Value::Double(1), Value::Int32(1),
                                          Value::String("x"), Value::Timestamp(5)}});
  b.mutable_row_kinds()[0] = RowKind::kUpdateAfter;
  Status s = op->Process(b);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("append-only"), std::string::npos) << s.ToString();
}

TEST(OverAggregateTest, RejectsBadSpecifications) {
  OperatorContext ctx;
  EXPECT_FALSE(OverAggregateOperator::Create(kSchema, {{0}, 1, OverFrameUnit::kRows, 3, {Count()}}, ctx).ok());
  EXPECT_FALSE(OverAggregateOperator::Create(kSchema, {{0}, 5, OverFrameUnit::kRows, 3, {Sum("s")}}, ctx).ok());
  EXPECT_FALSE(
      OverAggregateOperator::Create(kSchema, {{0}, 5, OverFrameUnit::kRows, 3, {CountDistinct("v")}}, ctx).ok());
  EXPECT_FALSE(OverAggregateOperator::Create(kSchema, {{0}, 5, OverFrameUnit::kRows, 3, {Sum("v").As("k")}}, ctx).ok());
}

}  // namespace
}  // namespace sluice::engine
