// LEFT / RIGHT / FULL joins against references computed over the whole input:
// NULL keys join nothing. Checked:
// - regular joins over updating inputs (+I, -U, +U, -D): the changelog, applied
//   in order, never removes a row it does not hold and ends in the outer join
//   of the inputs' final contents;
// - interval joins: the pairs of on-time rows plus every on-time row of an
//   outer side that has no partner in its interval, padded with NULLs;
// - window joins: per window, the pairs plus an outer side's rows without a
//   partner in that window.
// Each for 1 and several workers and several batch sizes, with fixed seeds.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/clock.h"
#include "engine/interval_join_operator.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/tests/test_rows.h"
#include "engine/window_join_operator.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;
using Row = std::vector<Value>;
using Multiset = std::multiset<Row>;

const Schema kLeft({{"k", DataType::kInt64}, {"a", DataType::kInt64}, {"ts", DataType::kTimestamp}});
const Schema kRight({{"k", DataType::kInt64}, {"b", DataType::kString}, {"ts", DataType::kTimestamp}});
constexpr JoinType kOuterTypes[] = {JoinType::kLeft, JoinType::kRight, JoinType::kFull};

Row Nulls(const Schema& s) {
  Row r;
  for (const Field& f : s.fields()) r.push_back(Value::Null(f.type));
  return r;
}

Row Concat(const Row& a, const Row& b) {
  Row r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

// The outer join of two row sets on column 0 (a NULL key equals nothing),
// with `match` deciding pairs.
template <typename Match>
Multiset OuterReference(const std::vector<Row>& left, const std::vector<Row>& right, JoinType type, Match match) {
  Multiset out;
  std::vector<bool> right_matched(right.size(), false);
  for (const Row& l : left) {
    bool any = false;
    for (size_t j = 0; j < right.size(); ++j) {
      if (!l[0].is_null && l[0] == right[j][0] && match(l, right[j])) {
        out.insert(Concat(l, right[j]));
        any = true;
        right_matched[j] = true;
      }
    }
    if (!any && IsOuterSide(type, 0)) out.insert(Concat(l, Nulls(kRight)));
  }
  if (IsOuterSide(type, 1)) {
    for (size_t j = 0; j < right.size(); ++j) {
      if (!right_matched[j]) out.insert(Concat(Nulls(kLeft), right[j]));
    }
  }
  return out;
}

// A changelog per partition: inserts of new rows, and -D or -U/+U of rows the
// partition inserted earlier (duplicates included). `final_rows` gets what
// stays.
struct Changelog {
  std::vector<std::vector<std::pair<RowKind, Row>>> parts;
  std::vector<Row> final_rows;
};

Changelog GenerateChangelog(std::mt19937_64& rng, const Schema& schema, int partitions, int events, int keys) {
  Changelog c;
  c.parts.resize(partitions);
  for (int p = 0; p < partitions; ++p) {
    std::vector<Row> live;
    auto fresh = [&](int64_t key) {
      Value v = schema.field(1).type == DataType::kString ? Value::String("s" + std::to_string(rng() % 50))
                                                          : Value::Int64(static_cast<int64_t>(rng() % 50));
      return Row{Value::Int64(key), v, Value::Timestamp(static_cast<int64_t>(rng() % 1000))};
    };
    for (int i = 0; i < events; ++i) {
      const uint64_t dice = rng() % 10;
      if (live.empty() || dice < 5) {
        live.push_back(fresh(static_cast<int64_t>(rng() % keys)));
        if (rng() % 30 == 0) live.back()[0] = Value::Null(DataType::kInt64);
        c.parts[p].push_back({RowKind::kInsert, live.back()});
      } else if (dice == 5) {
        live.push_back(live[rng() % live.size()]);  // a duplicate
        c.parts[p].push_back({RowKind::kInsert, live.back()});
      } else if (dice < 8) {
        const size_t at = rng() % live.size();
        c.parts[p].push_back({RowKind::kDelete, live[at]});
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
      } else {
        // An update: keeps the key (as a changelog keyed by it does).
        const size_t at = rng() % live.size();
        c.parts[p].push_back({RowKind::kUpdateBefore, live[at]});
        const Value key = live[at][0];
        live[at] = fresh(0);
        live[at][0] = key;
        c.parts[p].push_back({RowKind::kUpdateAfter, live[at]});
      }
    }
    c.final_rows.insert(c.final_rows.end(), live.begin(), live.end());
  }
  return c;
}

std::shared_ptr<MemorySource> ChangelogSource(const Schema& schema, const Changelog& c, int batch) {
  std::vector<std::vector<std::shared_ptr<Batch>>> parts(c.parts.size());
  for (size_t p = 0; p < c.parts.size(); ++p) {
    for (size_t i = 0; i < c.parts[p].size(); i += batch) {
      std::vector<Row> rows;
      std::vector<RowKind> kinds;
      for (size_t j = i; j < std::min(c.parts[p].size(), i + batch); ++j) {
        kinds.push_back(c.parts[p][j].first);
        rows.push_back(c.parts[p][j].second);
      }
      auto b = std::make_shared<Batch>(testing::MakeBatch(schema, rows, batch));
      RowKind* k = b->mutable_row_kinds();
      for (size_t j = 0; j < kinds.size(); ++j) k[j] = kinds[j];
      parts[p].push_back(std::move(b));
    }
  }
  return MemorySource::FromBatches(schema, std::move(parts), "", {}).value();
}

// Applies a changelog in arrival order; fails the test on a retraction of a
// row the result does not hold (a join must only take back what it emitted).
Multiset Apply(const std::vector<CollectedRow>& rows) {
  Multiset out;
  for (const CollectedRow& r : rows) {
    if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
      out.insert(r.values);
      continue;
    }
    auto it = out.find(r.values);
    EXPECT_NE(it, out.end()) << "retraction of a row not in the result: " << r.ToString();
    if (it != out.end()) out.erase(it);
  }
  return out;
}

std::string TypeName(JoinType t) { return std::string(JoinTypeName(t)); }

TEST(RegularOuterJoinTest, ChangelogEndsInTheOuterJoinOfTheFinalInputs) {
  const uint32_t seed = 61;
  std::mt19937_64 rng(seed);
  Changelog left = GenerateChangelog(rng, kLeft, 2, 700, 40);
  Changelog right = GenerateChangelog(rng, kRight, 3, 400, 40);
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull}) {
    const Multiset expected =
        OuterReference(left.final_rows, right.final_rows, type, [](const Row&, const Row&) { return true; });
    ASSERT_GT(expected.size(), 100u);
    for (int workers : {1, 3}) {
      for (int batch : {5, 64, 1024}) {
        SCOPED_TRACE(::testing::Message()
                     << "seed=" << seed << " type=" << TypeName(type) << " workers=" << workers << " batch=" << batch);
        CollectingSink sink;
        auto job = Pipeline()
                       .From(ChangelogSource(kLeft, left, batch))
                       .Join(Pipeline().From(ChangelogSource(kRight, right, batch)), {"k"}, {"k"}, 0ms, type)
                       .To(&sink)
                       .Build(JobConfig{workers, 128, batch, 2, nullptr});
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        const auto rows = sink.rows();
        for (const CollectedRow& r : rows) {
          ASSERT_TRUE(r.kind == RowKind::kInsert || r.kind == RowKind::kDelete) << r.ToString();
        }
        EXPECT_TRUE(Apply(rows) == expected);
      }
    }
  }
}

TEST(RegularOuterJoinTest, PaddedRowIsReplacedByTheFirstMatchAndComesBackAfterTheLast) {
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  auto op =
      IntervalJoinOperator::CreateRegular(kLeft, kRight, RegularJoinSpec{{0}, {0}, 0, JoinType::kLeft}, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  const Row l{Value::Int64(1), Value::Int64(10), Value::Timestamp(0)};
  const Row r1{Value::Int64(1), Value::String("x"), Value::Timestamp(5)};
  const Row r2{Value::Int64(1), Value::String("y"), Value::Timestamp(6)};
  auto send = [&](int side, const Row& row, RowKind kind) {
    Batch b = testing::MakeBatch(side == 0 ? kLeft : kRight, {row}, 16);
    b.mutable_row_kinds()[0] = kind;
    ASSERT_TRUE((side == 0 ? op->Process(b) : op->ProcessRight(b)).ok());
  };
  send(0, l, RowKind::kInsert);
  send(1, r1, RowKind::kInsert);
  send(1, r2, RowKind::kInsert);
  send(1, r1, RowKind::kDelete);
  send(1, r2, RowKind::kUpdateBefore);
  const Row padded = Concat(l, Nulls(kRight));
  const std::vector<CollectedRow> expected = {
      {RowKind::kInsert, padded},        {RowKind::kDelete, padded},        {RowKind::kInsert, Concat(l, r1)},
      {RowKind::kInsert, Concat(l, r2)}, {RowKind::kDelete, Concat(l, r1)}, {RowKind::kDelete, Concat(l, r2)},
      {RowKind::kInsert, padded},
  };
  EXPECT_EQ(sink.rows(), expected);
}

// State TTL (Flink's): an expired row is forgotten silently; rows arriving
// later do not see it, and its retraction still takes back the pairs it made.
TEST(RegularOuterJoinTest, ExpiredRowIsForgottenWithoutRetraction) {
  ManualClock clock(0);
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  ctx.clock = &clock;
  auto op =
      IntervalJoinOperator::CreateRegular(kLeft, kRight, RegularJoinSpec{{0}, {0}, 1000, JoinType::kLeft}, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  const Row l{Value::Int64(1), Value::Int64(10), Value::Timestamp(0)};
  const Row l2{Value::Int64(1), Value::Int64(11), Value::Timestamp(0)};
  const Row r{Value::Int64(1), Value::String("x"), Value::Timestamp(5)};
  auto send = [&](int side, const Row& row, RowKind kind) {
    Batch b = testing::MakeBatch(side == 0 ? kLeft : kRight, {row}, 16);
    b.mutable_row_kinds()[0] = kind;
    ASSERT_TRUE((side == 0 ? op->Process(b) : op->ProcessRight(b)).ok());
  };
  send(0, l, RowKind::kInsert);
  clock.Advance(500);
  send(1, r, RowKind::kInsert);  // l's TTL ends at 1000, r's at 1500
  clock.Advance(500);
  ASSERT_TRUE(op->OnProcessingTime(clock.NowMillis()).ok());  // l goes, silently
  send(0, l2, RowKind::kInsert);                              // meets r
  clock.Advance(500);
  ASSERT_TRUE(op->OnProcessingTime(clock.NowMillis()).ok());  // r goes, silently
  send(0, l, RowKind::kInsert);                               // alone again
  const std::vector<CollectedRow> expected = {
      {RowKind::kInsert, Concat(l, Nulls(kRight))},
      {RowKind::kDelete, Concat(l, Nulls(kRight))},
      {RowKind::kInsert, Concat(l, r)},
      {RowKind::kInsert, Concat(l2, r)},
      {RowKind::kInsert, Concat(l, Nulls(kRight))},
  };
  EXPECT_EQ(sink.rows(), expected);
}

// Append-only rows with event times, some late, some duplicated.
struct Timed {
  std::vector<std::vector<Row>> parts;
  std::vector<Row> on_time;
  Multiset late;
};

Timed GenerateTimed(std::mt19937_64& rng, const Schema& schema, int partitions, int rows, int keys, int64_t delay) {
  Timed in;
  in.parts.resize(partitions);
  for (int p = 0; p < partitions; ++p) {
    int64_t base = 10'000, max_ts = kMinWatermark;
    for (int i = 0; i < rows; ++i) {
      base += static_cast<int64_t>(rng() % 20);
      int64_t ts = base - static_cast<int64_t>(rng() % (delay + 1));
      if (rng() % 20 == 0) ts = base - delay - static_cast<int64_t>(rng() % 2000);  // late
      Value v = schema.field(1).type == DataType::kString ? Value::String("s" + std::to_string(rng() % 100))
                                                          : Value::Int64(static_cast<int64_t>(rng() % 100));
      Row row{Value::Int64(static_cast<int64_t>(rng() % keys)), v, Value::Timestamp(ts)};
      if (rng() % 40 == 0) row[0] = Value::Null(DataType::kInt64);            // joins nothing
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

Multiset Rows(const CollectingSink& s) {
  Multiset out;
  for (const auto& r : s.rows()) out.insert(r.values);
  return out;
}

TEST(IntervalOuterJoinTest, UnmatchedOnTimeRowsArePaddedOnceForAnyWorkersAndBatchSize) {
  const uint32_t seed = 67;
  std::mt19937_64 rng(seed);
  const int64_t delay = 100;
  Timed left = GenerateTimed(rng, kLeft, 2, 1200, 60, delay);
  Timed right = GenerateTimed(rng, kRight, 3, 700, 60, delay);
  // Bounds around 0, and wholly below it: then a left row's interval may have
  // passed when it arrives (it is padded at once).
  for (auto [lower, upper] : {std::pair<int64_t, int64_t>{-50, 120}, {-300, -150}})
    for (JoinType type : kOuterTypes) {
      const Multiset expected = OuterReference(left.on_time, right.on_time, type, [&](const Row& l, const Row& r) {
        return r[2].i >= l[2].i + lower && r[2].i <= l[2].i + upper;
      });
      for (int workers : {1, 3}) {
        for (int batch : {7, 1024}) {
          SCOPED_TRACE(::testing::Message() << "seed=" << seed << " type=" << TypeName(type) << " workers=" << workers
                                            << " batch=" << batch);
          auto ls =
              MemorySource::Create(kLeft, left.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
          auto rs =
              MemorySource::Create(kRight, right.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
          CollectingSink sink, left_late, right_late;
          auto job = Pipeline()
                         .From(ls)
                         .IntervalJoin(Pipeline().From(rs), {"k"}, {"k"}, std::chrono::milliseconds(lower),
                                       std::chrono::milliseconds(upper), type)
                         .To(&sink)
                         .LateDataTo(&left_late)
                         .RightLateDataTo(&right_late)
                         .Build(JobConfig{workers, 128, batch, 2, nullptr});
          ASSERT_TRUE(job.ok()) << job.status().ToString();
          ASSERT_TRUE((*job)->Run().ok());
          for (const CollectedRow& r : sink.rows()) ASSERT_EQ(r.kind, RowKind::kInsert);  // append-only
          const Multiset got = Rows(sink);
          EXPECT_EQ(got.size(), expected.size());
          EXPECT_TRUE(got == expected);
          EXPECT_EQ(Rows(left_late), left.late);
          EXPECT_EQ(Rows(right_late), right.late);
        }
      }
    }
}

TEST(IntervalOuterJoinTest, UnmatchedRowWaitsForTheWatermarkToPassItsInterval) {
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  IntervalJoinSpec spec{{0}, {0}, 2, 2, 0, 10, JoinType::kLeft};
  auto op = IntervalJoinOperator::Create(kLeft, kRight, spec, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  const Row l{Value::Int64(1), Value::Int64(10), Value::Timestamp(100)};
  Batch b = testing::MakeBatch(kLeft, {l}, 16);
  ASSERT_TRUE(op->Process(b).ok());
  ASSERT_TRUE(op->OnWatermark(110).ok());  // a right row at 110 may still come
  EXPECT_TRUE(sink.rows().empty());
  ASSERT_TRUE(op->OnWatermark(111).ok());
  ASSERT_EQ(sink.rows().size(), 1u);
  EXPECT_EQ(sink.rows()[0].values, Concat(l, Nulls(kRight)));
  ASSERT_TRUE(op->OnWatermark(500).ok());
  EXPECT_EQ(sink.rows().size(), 1u);
}

// The ends of the hopping windows [s, s + size) (s a multiple of slide) holding ts.
std::vector<int64_t> HopEnds(int64_t ts, int64_t size, int64_t slide) {
  std::vector<int64_t> ends;
  for (int64_t s = (ts / slide) * slide; s > ts - size; s -= slide) ends.push_back(s + size);
  return ends;
}

TEST(WindowOuterJoinTest, UnmatchedRowsArePaddedPerWindowForAnyWorkersAndBatchSize) {
  const uint32_t seed = 71;
  std::mt19937_64 rng(seed);
  const int64_t delay = 100, size = 500, slide = 200;
  Timed left = GenerateTimed(rng, kLeft, 2, 700, 60, delay);
  Timed right = GenerateTimed(rng, kRight, 2, 600, 60, delay);
  // Per row, the windows that were still open in its partition.
  auto windowed = [&](const Timed& in) {
    std::vector<std::pair<int64_t, Row>> out;
    for (const auto& part : in.parts) {
      int64_t max_ts = kMinWatermark;
      for (const Row& r : part) {
        const int64_t wm = max_ts == kMinWatermark ? kMinWatermark : max_ts - delay;
        for (int64_t e : HopEnds(r[2].i, size, slide)) {
          if (e > wm) out.push_back({e, r});
        }
        max_ts = std::max(max_ts, r[2].i);
      }
    }
    return out;
  };
  const auto lw = windowed(left), rw = windowed(right);
  for (JoinType type : kOuterTypes) {
    std::map<int64_t, std::pair<std::vector<Row>, std::vector<Row>>> per_window;
    for (const auto& [e, r] : lw) per_window[e].first.push_back(r);
    for (const auto& [e, r] : rw) per_window[e].second.push_back(r);
    Multiset expected;
    for (const auto& [e, sides] : per_window) {
      const Row window{Value::Timestamp(e - size), Value::Timestamp(e)};
      for (const Row& r : OuterReference(sides.first, sides.second, type, [](const Row&, const Row&) { return true; }))
        expected.insert(Concat(window, r));
    }
    ASSERT_GT(expected.size(), 100u);
    for (int workers : {1, 2}) {
      for (int batch : {6, 1024}) {
        SCOPED_TRACE(::testing::Message()
                     << "seed=" << seed << " type=" << TypeName(type) << " workers=" << workers << " batch=" << batch);
        auto ls = MemorySource::Create(kLeft, left.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
        auto rs =
            MemorySource::Create(kRight, right.parts, "ts", WatermarkStrategy::BoundedDelay(100ms), batch).value();
        CollectingSink sink;
        auto job =
            Pipeline()
                .From(ls)
                .WindowJoin(Pipeline().From(rs), {"k"}, {"k"},
                            WindowSpec::Hop(std::chrono::milliseconds(size), std::chrono::milliseconds(slide)), type)
                .To(&sink)
                .Build(JobConfig{workers, 128, batch, 2, nullptr});
        ASSERT_TRUE(job.ok()) << job.status().ToString();
        ASSERT_TRUE((*job)->Run().ok());
        const Multiset got = Rows(sink);
        EXPECT_EQ(got.size(), expected.size());
        EXPECT_TRUE(got == expected);
      }
    }
  }
}

TEST(WindowOuterJoinTest, PerSideWindowColumnsAreNullOnThePaddedSide) {
  OperatorContext ctx;
  ctx.batch_capacity = 16;
  WindowJoinSpec spec{{0},
                      {0},
                      2,
                      2,
                      WindowSpec::Tumble(std::chrono::milliseconds(100)),
                      JoinType::kFull,
                      WindowJoinSpec::WindowColumns::kPerSide};
  auto op = WindowJoinOperator::Create(kLeft, kRight, spec, ctx).value();
  ASSERT_EQ(op->output_schema().size(), 12);
  EXPECT_EQ(op->output_schema().field(3).name, "window_start");
  EXPECT_EQ(op->output_schema().field(11).name, "window_time0");
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  const Row l{Value::Int64(1), Value::Int64(10), Value::Timestamp(150)};
  const Row r{Value::Int64(2), Value::String("x"), Value::Timestamp(160)};
  Batch lb = testing::MakeBatch(kLeft, {l}, 16);
  Batch rb = testing::MakeBatch(kRight, {r}, 16);
  ASSERT_TRUE(op->Process(lb).ok());
  ASSERT_TRUE(op->ProcessRight(rb).ok());
  ASSERT_TRUE(op->OnWatermark(200).ok());
  const Row window{Value::Timestamp(100), Value::Timestamp(200), Value::Timestamp(199)};
  const Row null_window =
      Nulls(Schema({{"a", DataType::kTimestamp}, {"b", DataType::kTimestamp}, {"c", DataType::kTimestamp}}));
  const Multiset expected = {Concat(Concat(l, window), Concat(Nulls(kRight), null_window)),
                             Concat(Concat(Nulls(kLeft), null_window), Concat(r, window))};
  EXPECT_TRUE(Rows(sink) == expected);
}

}  // namespace
}  // namespace sluice::engine
