// Keyed-state snapshots of joins, dedup, top-N and windows with pending late
// rows: an input runs through one instance uninterrupted, and through
// instances snapshotted at a random point (every key group), restored into
// fresh instances with another number of workers and another batch capacity
// (each restores only the key groups it owns and is fed only their rows),
// then fed the rest. Per key, the concatenated output of both phases must
// equal the uninterrupted run's, and so must the late side outputs.
// Malformed snapshots give Corruption, never a crash.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>

#include "engine/clock.h"
#include "engine/global_window_operator.h"
#include "engine/interval_join_operator.h"
#include "engine/key_table.h"
#include "engine/memory_source.h"
#include "engine/rank_operators.h"
#include "engine/temporal_join_operator.h"
#include "engine/tests/test_rows.h"
#include "engine/window_join_operator.h"
#include "engine/window_operator.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;

// Every physical type appears in a stored row: STRING, BIGINT, INT, DOUBLE,
// BOOLEAN, TIMESTAMP, with NULLs.
const Schema kLeft(
    {{"k", DataType::kString}, {"v", DataType::kInt64}, {"name", DataType::kString}, {"ts", DataType::kTimestamp}});
const Schema kRight({{"k", DataType::kString},
                     {"n", DataType::kInt32},
                     {"x", DataType::kDouble},
                     {"ok", DataType::kBool},
                     {"ts", DataType::kTimestamp}});
constexpr int kLeftTime = 3;
constexpr int kRightTime = 4;
constexpr int kKeyGroups = 64;
constexpr int kInputCapacity = 32;

struct Step {
  int side = 0;
  std::shared_ptr<Batch> batch;
  int64_t watermark = kMinWatermark;  // the operator's watermark after the batch
  int64_t now_ms = 0;                 // processing time during and after the batch
};

struct InputShape {
  bool two_inputs = false;
  int keys = 30;
  int64_t bound_ms = 100;  // out-of-orderness of each side's partition
  int64_t lag_ms = 200;    // how far the operator's watermark trails the partitions' (other slow partitions)
  int late_percent = 5;    // rows below their partition's watermark
  int64_t late_by_ms = 1500;
};

// Each side is one partition: a row below its partition's watermark is late
// and carries that watermark, as a source would mark it.
std::vector<Step> MakeSteps(std::mt19937& rng, int count, const InputShape& shape) {
  std::vector<Step> steps;
  int64_t clock_ts[2] = {0, 0};  // each side's event-time clock; rows are up to bound_ms behind it
  int64_t max_ts[2] = {0, 0};
  int64_t now = 1'000'000;
  for (int i = 0; i < count; ++i) {
    Step step;
    step.side = shape.two_inputs ? static_cast<int>(rng() % 2) : 0;
    const Schema& schema = step.side == 0 ? kLeft : kRight;
    auto b = std::make_shared<Batch>(schema, kInputCapacity);
    const int rows = 1 + static_cast<int>(rng() % 24);
    int64_t& mts = max_ts[step.side];
    for (int r = 0; r < rows; ++r) {
      const int64_t pw = mts - shape.bound_ms;
      clock_ts[step.side] += static_cast<int64_t>(rng() % 8);
      int64_t ts = clock_ts[step.side] - static_cast<int64_t>(rng() % shape.bound_ms);
      if (static_cast<int>(rng() % 100) < shape.late_percent)
        ts = pw - 1 - static_cast<int64_t>(rng() % shape.late_by_ms);
      for (int c = 0; c < schema.size(); ++c) b->column(c).SetValid(r);
      b->column(0).SetString(r, "key" + std::to_string(rng() % shape.keys));
      if (step.side == 0) {
        b->column(1).data<int64_t>()[r] = static_cast<int64_t>(rng() % 20);
        if (rng() % 10 == 0) b->column(1).SetNull(r);
        b->column(2).SetString(r, "n" + std::to_string(rng() % 1000));
        if (rng() % 10 == 0) b->column(2).SetNull(r);
      } else {
        b->column(1).data<int32_t>()[r] = static_cast<int32_t>(rng() % 100) - 50;
        b->column(2).data<double>()[r] = static_cast<double>(rng() % 1000) / 8;
        if (rng() % 10 == 0) b->column(2).SetNull(r);
        b->column(3).data<bool>()[r] = rng() % 2 == 0;
      }
      b->column(schema.size() - 1).data<int64_t>()[r] = ts;
      if (ts < pw) b->mutable_late_watermarks()[r] = pw;
      mts = std::max(mts, ts);
    }
    b->set_num_rows(rows);
    step.batch = std::move(b);
    const int64_t pw0 = max_ts[0] - shape.bound_ms, pw1 = max_ts[1] - shape.bound_ms;
    step.watermark = (shape.two_inputs ? std::min(pw0, pw1) : pw0) - shape.lag_ms;
    now += static_cast<int64_t>(rng() % 40);
    step.now_ms = now;
    steps.push_back(std::move(step));
  }
  return steps;
}

class Collector : public Operator {
 public:
  explicit Collector(Schema s) : schema_(std::move(s)) {}
  std::string name() const override { return "collect"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override { return sink.Write(b); }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  CollectingSink sink;

 private:
  Schema schema_;
};

using Factory = std::function<std::unique_ptr<Operator>(const OperatorContext&)>;

// One run's instances (one per worker), their output and late outputs.
struct Run {
  Run(const Factory& make, const Schema& output) : make(make), out(output) {}
  void Start(int workers, int capacity) {
    ops.clear();
    for (int w = 0; w < workers; ++w) {
      OperatorContext ctx;
      ctx.worker = w;
      ctx.num_workers = workers;
      ctx.num_key_groups = kKeyGroups;
      ctx.batch_capacity = capacity;
      ctx.late_sink = &late[0];
      ctx.right_late_sink = &late[1];
      ctx.clock = &clock;
      ops.push_back(make(ctx));
      ops.back()->set_next(&out);
    }
  }
  // Feeds steps [from, to), each row to the worker owning its key group.
  void Feed(const std::vector<Step>& steps, size_t from, size_t to) {
    const int workers = static_cast<int>(ops.size());
    for (size_t i = from; i < to; ++i) {
      const Step& step = steps[i];
      clock.Set(step.now_ms);
      Batch work(step.batch->schema(), step.batch->capacity());
      KeyEncoder keys({0});
      for (int w = 0; w < workers; ++w) {
        CopyBatch(*step.batch, &work);
        keys.Encode(work);
        int kept = 0;
        for (int r = 0; r < work.num_rows(); ++r) {
          if (WorkerOfKeyGroup(KeyGroupOf(keys.hash(r), kKeyGroups), kKeyGroups, workers) == w) {
            work.mutable_selection()[kept++] = r;
          }
        }
        work.SetSelection(kept);
        if (kept == 0) continue;
        Status s = step.side == 0 ? ops[w]->Process(work) : dynamic_cast<TwoInputOperator&>(*ops[w]).ProcessRight(work);
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
      for (auto& op : ops) ASSERT_TRUE(op->OnWatermark(step.watermark).ok());
      for (auto& op : ops) ASSERT_TRUE(op->OnProcessingTime(step.now_ms).ok());
    }
  }
  void End() {
    for (auto& op : ops) ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
  }

  Factory make;
  ManualClock clock;
  CollectingSink late[2];
  Collector out;
  std::vector<std::unique_ptr<Operator>> ops;
};

using Log = std::map<std::string, std::vector<std::string>>;

// Output rows grouped by the key in column `key_column` (or, where that is
// NULL in an outer join's padded row, in `alt_key_column`), in order.
Log ByKey(const std::vector<CollectedRow>& rows, int key_column, int alt_key_column) {
  Log out;
  for (const auto& r : rows) {
    const Value& key =
        r.values[key_column].is_null && alt_key_column >= 0 ? r.values[alt_key_column] : r.values[key_column];
    out[key.ToString()].push_back(r.ToString());
  }
  return out;
}

std::vector<std::string> Sorted(const std::vector<CollectedRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.ToString());
  std::sort(out.begin(), out.end());
  return out;
}

// The check described at the top, for seeds 1..seeds.
void CheckRestoreContinuesExactly(const Factory& make, const InputShape& shape, int key_column, int seeds = 4,
                                  int alt_key_column = -1) {
  for (uint32_t seed = 1; seed <= static_cast<uint32_t>(seeds); ++seed) {
    std::printf("operator snapshot test seed=%u\n", seed);
    SCOPED_TRACE(::testing::Message() << "seed=" << seed);
    std::mt19937 rng(seed);
    const std::vector<Step> steps = MakeSteps(rng, 300, shape);
    const size_t cut = steps.size() / 4 + rng() % (steps.size() / 2);
    const int workers_before = 1 + static_cast<int>(rng() % 3);
    int workers_after = 1 + static_cast<int>(rng() % 3);
    if (workers_after >= workers_before) ++workers_after;  // always a different count
    const int capacity_before = 8 << (rng() % 3), capacity_after = capacity_before == 8 ? 64 : 8;
    SCOPED_TRACE(::testing::Message() << "cut=" << cut << " workers " << workers_before << "->" << workers_after);

    const Schema output = make(OperatorContext{})->output_schema();
    Run whole(make, output);
    whole.Start(1, 16);
    ASSERT_NO_FATAL_FAILURE(whole.Feed(steps, 0, steps.size()));
    ASSERT_NO_FATAL_FAILURE(whole.End());

    Run split(make, output);
    split.Start(workers_before, capacity_before);
    ASSERT_NO_FATAL_FAILURE(split.Feed(steps, 0, cut));
    std::vector<std::unique_ptr<Operator>> before = std::move(split.ops);
    split.Start(workers_after, capacity_after);
    size_t bytes = 0;
    for (int kg = 0; kg < kKeyGroups; ++kg) {
      std::string snap;
      Operator& from = *before[WorkerOfKeyGroup(kg, kKeyGroups, workers_before)];
      ASSERT_NE(from.keyed_state(), nullptr);
      ASSERT_TRUE(from.keyed_state()->SnapshotKeyGroup(kg, &snap).ok());
      std::string again;
      ASSERT_TRUE(from.keyed_state()->SnapshotKeyGroup(kg, &again).ok());
      ASSERT_EQ(snap, again);
      bytes += snap.size();
      Status s = split.ops[WorkerOfKeyGroup(kg, kKeyGroups, workers_after)]->keyed_state()->RestoreKeyGroup(kg, snap);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_GT(bytes, 500u);
    ASSERT_NO_FATAL_FAILURE(split.Feed(steps, cut, steps.size()));
    ASSERT_NO_FATAL_FAILURE(split.End());

    const auto expected = whole.out.sink.rows();
    EXPECT_GT(expected.size(), 100u);
    EXPECT_EQ(ByKey(split.out.sink.rows(), key_column, alt_key_column), ByKey(expected, key_column, alt_key_column));
    for (int side = 0; side < 2; ++side) EXPECT_EQ(Sorted(split.late[side].rows()), Sorted(whole.late[side].rows()));
  }
}

// Truncated snapshots of a key group with state give Corruption; bytes
// changed at random give Corruption or a restore that works, never a crash;
// a snapshot restored as another key group gives Corruption.
void CheckMalformedSnapshotsAreRejected(const Factory& make, const InputShape& shape, bool checks_key_group = true) {
  const uint32_t seed = 7;
  std::printf("operator snapshot corruption test seed=%u\n", seed);
  SCOPED_TRACE(::testing::Message() << "seed=" << seed);
  std::mt19937 rng(seed);
  const std::vector<Step> steps = MakeSteps(rng, 150, shape);
  const Schema output = make(OperatorContext{})->output_schema();
  Run run(make, output);
  run.Start(1, 16);
  ASSERT_NO_FATAL_FAILURE(run.Feed(steps, 0, steps.size()));
  std::string snap;
  int kg = 0;
  for (int g = 0; g < kKeyGroups; ++g) {
    std::string s;
    ASSERT_TRUE(run.ops[0]->keyed_state()->SnapshotKeyGroup(g, &s).ok());
    if (s.size() > snap.size()) {
      snap = s;
      kg = g;
    }
  }
  ASSERT_GT(snap.size(), 100u);
  auto restore = [&](int group, std::string_view data) {
    Run fresh(make, output);
    fresh.Start(1, 16);
    return fresh.ops[0]->keyed_state()->RestoreKeyGroup(group, data);
  };
  ASSERT_TRUE(restore(kg, snap).ok());
  for (size_t len = 0; len < snap.size(); ++len) {
    ASSERT_EQ(restore(kg, std::string_view(snap).substr(0, len)).code(), StatusCode::kCorruption) << "length " << len;
  }
  ASSERT_EQ(restore(kg, snap + "x").code(), StatusCode::kCorruption);
  if (checks_key_group) {
    ASSERT_EQ(restore((kg + 1) % kKeyGroups, snap).code(), StatusCode::kCorruption);
  }
  std::string bad = snap;
  bad[0] = 99;  // unknown version
  ASSERT_EQ(restore(kg, bad).code(), StatusCode::kCorruption);
  for (int i = 0; i < 300; ++i) {
    bad = snap;
    for (int j = 0; j < 1 + i % 3; ++j) bad[rng() % bad.size()] = static_cast<char>(rng());
    const Status s = restore(kg, bad);
    ASSERT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
  }
}

// --- the operators ---------------------------------------------------------

Factory IntervalJoin(JoinType type = JoinType::kInner) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return IntervalJoinOperator::Create(kLeft, kRight,
                                        IntervalJoinSpec{{0}, {0}, kLeftTime, kRightTime, -200, 300, type}, ctx)
        .value();
  };
}

Factory RegularJoin(int64_t ttl_ms, JoinType type = JoinType::kInner) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return IntervalJoinOperator::CreateRegular(kLeft, kRight, RegularJoinSpec{{0}, {0}, ttl_ms, type}, ctx).value();
  };
}

Factory WindowJoin(WindowSpec window, JoinType type = JoinType::kInner) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return WindowJoinOperator::Create(kLeft, kRight, WindowJoinSpec{{0}, {0}, kLeftTime, kRightTime, window, type}, ctx)
        .value();
  };
}

// The right key's column in a join's output (left columns first).
constexpr int kRightKeyInJoin = 4;

Factory Deduplicate(Keep keep) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return DeduplicateOperator::Create(kLeft, DeduplicateSpec{{0}, kLeftTime, keep}, ctx).value();
  };
}

Factory TopN(TopNSpec spec) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return TopNOperator::Create(kLeft, spec, ctx).value();
  };
}

Factory Window(WindowSpec window, std::vector<AggregateSpec> aggregates) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return CreateWindowOperator(kLeft, WindowAggregateSpec{{0}, kLeftTime, window, aggregates}, ctx).value();
  };
}

Factory Global(GlobalTrigger trigger) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return GlobalWindowOperator::Create(kLeft, {0}, kLeftTime, trigger,
                                        {Count(), Sum("v"), Max("name"), LastValue("v")}, ctx)
        .value();
  };
}

Factory TemporalJoin(TemporalJoinSpec::Type type) {
  return [=](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
    return TemporalJoinOperator::Create(kLeft, kRight, TemporalJoinSpec{{0}, {0}, kLeftTime, kRightTime, type}, ctx)
        .value();
  };
}

InputShape TwoInputs() {
  InputShape s;
  s.two_inputs = true;
  return s;
}

TEST(OperatorSnapshotTest, IntervalJoinRestoredIntoOtherWorkerCountContinuesExactly) {
  CheckRestoreContinuesExactly(IntervalJoin(), TwoInputs(), 0);
}

TEST(OperatorSnapshotTest, RegularJoinWithTtlRestoredIntoOtherWorkerCountContinuesExactly) {
  CheckRestoreContinuesExactly(RegularJoin(400), TwoInputs(), 0);
}

TEST(OperatorSnapshotTest, RegularJoinWithoutTtlRestoredIntoOtherWorkerCountContinuesExactly) {
  InputShape shape = TwoInputs();
  shape.keys = 200;  // without TTL every pair of a key joins: keep the output small
  CheckRestoreContinuesExactly(RegularJoin(0), shape, 0, 2);
}

TEST(OperatorSnapshotTest, WindowJoinRestoredIntoOtherWorkerCountContinuesExactly) {
  CheckRestoreContinuesExactly(WindowJoin(WindowSpec::Hop(1s, 500ms)), TwoInputs(), 2);
  CheckRestoreContinuesExactly(WindowJoin(WindowSpec::Cumulate(2s, 500ms)), TwoInputs(), 2, 2);
}

TEST(OperatorSnapshotTest, OuterIntervalJoinsRestoredIntoOtherWorkerCountContinueExactly) {
  CheckRestoreContinuesExactly(IntervalJoin(JoinType::kLeft), TwoInputs(), 0, 2);
  CheckRestoreContinuesExactly(IntervalJoin(JoinType::kFull), TwoInputs(), 0, 2, kRightKeyInJoin);
}

// The association counts of outer rows survive: a restored padded row is
// retracted by its first match, not duplicated.
TEST(OperatorSnapshotTest, OuterRegularJoinsRestoredIntoOtherWorkerCountContinueExactly) {
  InputShape shape = TwoInputs();
  shape.keys = 200;
  CheckRestoreContinuesExactly(RegularJoin(0, JoinType::kRight), shape, kRightKeyInJoin, 2);
  CheckRestoreContinuesExactly(RegularJoin(400, JoinType::kFull), TwoInputs(), 0, 2, kRightKeyInJoin);
}

TEST(OperatorSnapshotTest, OuterWindowJoinRestoredIntoOtherWorkerCountContinuesExactly) {
  CheckRestoreContinuesExactly(WindowJoin(WindowSpec::Hop(1s, 500ms), JoinType::kFull), TwoInputs(), 2, 2,
                               2 + kRightKeyInJoin);
}

TEST(OperatorSnapshotTest, DeduplicateRestoredIntoOtherWorkerCountContinuesExactly) {
  InputShape shape;
  shape.keys = 100;
  CheckRestoreContinuesExactly(Deduplicate(Keep::kFirst), shape, 0);
  CheckRestoreContinuesExactly(Deduplicate(Keep::kLast), shape, 0);
}

TEST(OperatorSnapshotTest, TopNRestoredIntoOtherWorkerCountContinuesExactly) {
  InputShape shape;
  shape.keys = 60;
  CheckRestoreContinuesExactly(TopN(TopNSpec{{0}, 1, true, 3}), shape, 0);
  // Ties on v (20 values) broken by ts, which is often out of order within a
  // key when there are few keys; NULL v never ranks.
  shape.keys = 6;
  CheckRestoreContinuesExactly(TopN(TopNSpec{{0}, 1, false, 4, kLeftTime, true}), shape, 0);
}

TEST(OperatorSnapshotTest, SlicedWindowWithPendingLateRowsContinuesExactly) {
  CheckRestoreContinuesExactly(
      Window(WindowSpec::Hop(2s, 500ms).WithAllowedLateness(1s), {Count(), Sum("v"), CountDistinct("v"), Max("name")}),
      InputShape{}, 0);
  CheckRestoreContinuesExactly(Window(WindowSpec::Tumble(1s), {Count(), LastValue("name")}), InputShape{}, 0, 2);
}

TEST(OperatorSnapshotTest, SessionWindowWithPendingLateRowsContinuesExactly) {
  InputShape shape;
  shape.late_by_ms = 400;
  CheckRestoreContinuesExactly(
      Window(WindowSpec::Session(150ms).WithAllowedLateness(200ms), {Count(), Sum("v"), Max("name")}), shape, 0);
}

TEST(OperatorSnapshotTest, MalformedJoinSnapshotsAreRejected) {
  CheckMalformedSnapshotsAreRejected(IntervalJoin(), TwoInputs());
  CheckMalformedSnapshotsAreRejected(RegularJoin(400), TwoInputs());
}

TEST(OperatorSnapshotTest, MalformedWindowJoinSnapshotsAreRejected) {
  CheckMalformedSnapshotsAreRejected(WindowJoin(WindowSpec::Hop(1s, 500ms)), TwoInputs());
}

TEST(OperatorSnapshotTest, MalformedRankSnapshotsAreRejected) {
  CheckMalformedSnapshotsAreRejected(Deduplicate(Keep::kLast), InputShape{});
  CheckMalformedSnapshotsAreRejected(TopN(TopNSpec{{0}, 1, true, 3, kLeftTime, false}), InputShape{});
}

TEST(OperatorSnapshotTest, MalformedWindowSnapshotsWithPendingLateRowsAreRejected) {
  // Sliced windows do not check the key group of their slices' keys (only of pending rows).
  CheckMalformedSnapshotsAreRejected(Window(WindowSpec::Tumble(1s), {Count(), Sum("v")}), InputShape{}, false);
  CheckMalformedSnapshotsAreRejected(Window(WindowSpec::Session(150ms), {Count(), Max("name")}), InputShape{});
}

TEST(OperatorSnapshotTest, JoinSnapshotOfTheOtherJoinKindIsRejected) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  auto interval = IntervalJoin()(ctx);
  auto regular = RegularJoin(0)(ctx);
  std::string snap;
  ASSERT_TRUE(interval->keyed_state()->SnapshotKeyGroup(3, &snap).ok());
  EXPECT_TRUE(interval->keyed_state()->RestoreKeyGroup(3, snap).ok());
  EXPECT_EQ(regular->keyed_state()->RestoreKeyGroup(3, snap).code(), StatusCode::kCorruption);
}

TEST(OperatorSnapshotTest, TemporalJoinRestoredIntoOtherWorkerCountContinuesExactly) {
  CheckRestoreContinuesExactly(TemporalJoin(TemporalJoinSpec::Type::kInner), TwoInputs(), 0);
  CheckRestoreContinuesExactly(TemporalJoin(TemporalJoinSpec::Type::kLeft), TwoInputs(), 0);
}

TEST(OperatorSnapshotTest, MalformedTemporalJoinSnapshotsAreRejected) {
  CheckMalformedSnapshotsAreRejected(TemporalJoin(TemporalJoinSpec::Type::kLeft), TwoInputs());
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

TEST(OperatorSnapshotTest, GlobalWindowRestoredIntoOtherWorkerCountContinuesExactly) {
  InputShape shape;
  shape.keys = 300;  // enough windows open at the cut to snapshot
  CheckRestoreContinuesExactly(Global(GlobalTrigger::Count(3)), shape, 0);
  CheckRestoreContinuesExactly(Global(GlobalTrigger::Count(4).Purging()), shape, 0);
  CheckRestoreContinuesExactly(Global(GlobalTrigger::EveryEventTime(250ms)), shape, 0, 2);
  CheckRestoreContinuesExactly(Global(GlobalTrigger::EveryEventTime(250ms).Purging()), shape, 0, 2);
  CheckRestoreContinuesExactly(Global(GlobalTrigger::EveryProcessingTime(100ms).Purging()), shape, 0, 2);
}

TEST(OperatorSnapshotTest, GlobalWindowMalformedSnapshotsAreRejected) {
  CheckMalformedSnapshotsAreRejected(Global(GlobalTrigger::Count(5)), InputShape{}, false);
}

TEST(OperatorSnapshotTest, JoinSnapshotOfAnotherJoinTypeIsRejected) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  auto inner = RegularJoin(0)(ctx);
  auto left = RegularJoin(0, JoinType::kLeft)(ctx);
  std::string snap;
  ASSERT_TRUE(inner->keyed_state()->SnapshotKeyGroup(3, &snap).ok());
  const Status s = left->keyed_state()->RestoreKeyGroup(3, snap);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.ToString().find("InnerJoin"), std::string::npos) << s.ToString();
}

TEST(OperatorSnapshotTest, JoinSnapshotOfVersionOneRestoresAsAnInnerJoin) {
  // Version 1 (before outer joins): no join type, no association counts.
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  auto op = RegularJoin(0)(ctx);
  std::string v1;
  SnapshotWriter w(&v1);
  w.Put<uint8_t>(1);
  w.Put<uint8_t>(1);  // regular join
  w.Put<int64_t>(kMinWatermark);
  w.Put<uint32_t>(0);
  w.Put<uint32_t>(0);
  EXPECT_TRUE(op->keyed_state()->RestoreKeyGroup(3, v1).ok());
  auto left = RegularJoin(0, JoinType::kLeft)(ctx);
  EXPECT_EQ(left->keyed_state()->RestoreKeyGroup(3, v1).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::engine
