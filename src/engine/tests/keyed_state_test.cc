// Snapshots of keyed state, key group by key group, restored into operators
// that own different key-group ranges (a rescale from 1 to 2 instances),
// continue exactly as the uninterrupted operator would.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/group_aggregate_operator.h"
#include "engine/interval_join_operator.h"
#include "engine/key_table.h"
#include "engine/memory_source.h"
#include "engine/tests/test_rows.h"
#include "engine/window_operator.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;

const Schema kSchema(
    {{"k", DataType::kString}, {"v", DataType::kInt64}, {"name", DataType::kString}, {"ts", DataType::kTimestamp}});
constexpr int kKeyGroups = 128;

std::vector<std::shared_ptr<Batch>> Input(uint32_t seed, int batches) {
  std::mt19937 rng(seed);
  std::vector<std::shared_ptr<Batch>> out;
  int64_t t = 0;
  for (int b = 0; b < batches; ++b) {
    auto batch = std::make_shared<Batch>(kSchema, 64);
    for (int i = 0; i < 64; ++i) {
      batch->column(0).SetString(i, "key" + std::to_string(rng() % 40));
      batch->column(1).data<int64_t>()[i] = rng() % 20;
      batch->column(2).SetString(i, "n" + std::to_string(rng() % 1000));
      batch->column(3).data<int64_t>()[i] = t;
      t += rng() % 30;
    }
    for (int c = 0; c < 4; ++c) batch->column(c).SetAllValid();
    batch->set_num_rows(64);
    out.push_back(batch);
  }
  return out;
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

// Only the rows of `b` whose key group is in [lo, hi).
void SelectKeyGroups(Batch* b, int lo, int hi) {
  KeyEncoder keys({0});
  keys.Encode(*b);
  int kept = 0;
  for (int r = 0; r < b->num_rows(); ++r) {
    int kg = KeyGroupOf(keys.hash(r), kKeyGroups);
    if (kg >= lo && kg < hi) b->mutable_selection()[kept++] = r;
  }
  b->SetSelection(kept);
}

std::map<std::string, std::vector<std::string>> ByKey(const std::vector<CollectedRow>& rows, int key_columns) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r : rows) {
    std::string key;
    for (int i = 0; i < key_columns; ++i) key += r.values[i].ToString() + "|";
    out[key].push_back(r.ToString());
  }
  return out;
}

template <typename MakeOp>
void CheckRescale(MakeOp make, int key_columns_in_output, int64_t watermark_lag) {
  const uint32_t seed = 5;
  SCOPED_TRACE(::testing::Message() << "seed=" << seed);
  auto input = Input(seed, 200);
  const size_t half = input.size() / 2;
  Batch work(kSchema, 64);

  // The uninterrupted run; keep what it emits in the second half.
  auto whole = make();
  Collector whole_out(whole->output_schema());
  whole->set_next(&whole_out);
  size_t emitted_in_first_half = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    if (i == half) emitted_in_first_half = whole_out.sink.rows().size();
    CopyBatch(*input[i], &work);
    ASSERT_TRUE(whole->Process(work).ok());
    ASSERT_TRUE(whole->OnWatermark(input[i]->column(3).data<int64_t>()[63] - watermark_lag).ok());
  }
  ASSERT_TRUE(whole->OnWatermark(kMaxWatermark).ok());
  auto all = whole_out.sink.rows();
  std::vector<CollectedRow> expected(all.begin() + emitted_in_first_half, all.end());

  // First half in one instance; snapshot every key group; restore into two.
  auto first = make();
  Collector first_out(first->output_schema());
  first->set_next(&first_out);
  for (size_t i = 0; i < half; ++i) {
    CopyBatch(*input[i], &work);
    ASSERT_TRUE(first->Process(work).ok());
    ASSERT_TRUE(first->OnWatermark(input[i]->column(3).data<int64_t>()[63] - watermark_lag).ok());
  }
  auto a = make(), b = make();
  Collector out(a->output_schema());
  a->set_next(&out);
  b->set_next(&out);
  size_t bytes = 0;
  for (int kg = 0; kg < kKeyGroups; ++kg) {
    std::string snap;
    ASSERT_TRUE(first->keyed_state()->SnapshotKeyGroup(kg, &snap).ok());
    bytes += snap.size();
    ASSERT_TRUE((kg < kKeyGroups / 2 ? a : b)->keyed_state()->RestoreKeyGroup(kg, snap).ok());
  }
  EXPECT_GT(bytes, 1000u);
  for (size_t i = half; i < input.size(); ++i) {
    const int64_t wm = input[i]->column(3).data<int64_t>()[63] - watermark_lag;
    CopyBatch(*input[i], &work);
    SelectKeyGroups(&work, 0, kKeyGroups / 2);
    ASSERT_TRUE(a->Process(work).ok());
    CopyBatch(*input[i], &work);
    SelectKeyGroups(&work, kKeyGroups / 2, kKeyGroups);
    ASSERT_TRUE(b->Process(work).ok());
    ASSERT_TRUE(a->OnWatermark(wm).ok());
    ASSERT_TRUE(b->OnWatermark(wm).ok());
  }
  ASSERT_TRUE(a->OnWatermark(kMaxWatermark).ok());
  ASSERT_TRUE(b->OnWatermark(kMaxWatermark).ok());
  EXPECT_EQ(ByKey(out.sink.rows(), key_columns_in_output), ByKey(expected, key_columns_in_output));
  EXPECT_FALSE(expected.empty());
}

TEST(KeyedStateTest, GroupAggregateRestoredIntoTwoInstancesContinuesExactly) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  ctx.batch_capacity = 64;
  CheckRescale(
      [&] {
        return GroupAggregateOperator::Create(
                   kSchema, {0}, {Count(), Sum("v"), CountDistinct("v"), Max("name"), LastValue("name")}, 3, ctx)
            .value();
      },
      1, 0);
}

TEST(KeyedStateTest, HoppingWindowRestoredIntoTwoInstancesContinuesExactly) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  ctx.batch_capacity = 64;
  WindowAggregateSpec spec{{0},
                           3,
                           WindowSpec::Hop(2s, 500ms).WithAllowedLateness(1s),
                           {Count(), CountDistinct("v"), Max("name"), FirstValue("name")}};
  // Windows are keyed by (key, start, end): group the comparison the same way.
  CheckRescale([&] { return SlicedWindowOperator::Create(kSchema, spec, ctx).value(); }, 3, 300);
}

TEST(KeyedStateTest, SessionWindowRestoredIntoTwoInstancesContinuesExactly) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  ctx.batch_capacity = 64;
  WindowAggregateSpec spec{{0},
                           3,
                           WindowSpec::Session(150ms).WithAllowedLateness(200ms),
                           {Count(), Sum("v"), Max("name"), LastValue("name")}};
  CheckRescale([&] { return SessionWindowOperator::Create(kSchema, spec, ctx).value(); }, 1, 100);
}

TEST(KeyedStateTest, GroupAggregateSnapshotsManyKeyGroupsInOnePassAsOneByOne) {
  OperatorContext ctx;
  auto op = GroupAggregateOperator::Create(kSchema, {0}, {Count(), CountDistinct("v")}, 3, ctx).value();
  for (auto& b : Input(5, 20)) ASSERT_TRUE(op->Process(*b).ok());
  std::vector<int> kgs;
  for (int kg = 0; kg < ctx.num_key_groups; kg += 3) kgs.push_back(kg);
  std::vector<std::string> many;
  ASSERT_TRUE(op->SnapshotKeyGroups(kgs, &many).ok());
  ASSERT_EQ(many.size(), kgs.size());
  for (size_t i = 0; i < kgs.size(); ++i) {
    std::string one;
    ASSERT_TRUE(op->SnapshotKeyGroup(kgs[i], &one).ok());
    EXPECT_EQ(many[i], one) << "key group " << kgs[i];
  }
}

// A checkpoint snapshots all of a worker's key groups in one call; each must
// come out as a snapshot of that key group alone would.
void ExpectManyKeyGroupsAsOneByOne(const KeyedState& state, int num_key_groups) {
  std::vector<int> kgs;
  for (int kg = 0; kg < num_key_groups; kg += 2) kgs.push_back(kg);
  std::vector<std::string> many;
  ASSERT_TRUE(state.SnapshotKeyGroups(kgs, &many).ok());
  ASSERT_EQ(many.size(), kgs.size());
  size_t nonempty = 0;
  for (size_t i = 0; i < kgs.size(); ++i) {
    std::string one;
    ASSERT_TRUE(state.SnapshotKeyGroup(kgs[i], &one).ok());
    EXPECT_EQ(many[i], one) << "key group " << kgs[i];
    nonempty += many[i].size() > 32;
  }
  EXPECT_GT(nonempty, 0u) << "no key group holds state: the test proves nothing";
}

TEST(KeyedStateTest, WindowsAndJoinsSnapshotManyKeyGroupsInOnePassAsOneByOne) {
  OperatorContext ctx;
  ctx.num_key_groups = kKeyGroups;
  WindowAggregateSpec hop{{0}, 3, WindowSpec::Hop(2s, 500ms), {Count(), CountDistinct("v"), Max("name")}};
  auto sliced = SlicedWindowOperator::Create(kSchema, hop, ctx).value();
  WindowAggregateSpec session{{0}, 3, WindowSpec::Session(150ms), {Count(), Max("name")}};
  auto sessions = SessionWindowOperator::Create(kSchema, session, ctx).value();
  auto join =
      IntervalJoinOperator::Create(kSchema, kSchema, IntervalJoinSpec{{0}, {0}, 3, 3, -1000, 1000}, ctx).value();
  auto input = Input(9, 30);
  for (size_t i = 0; i < input.size(); ++i) {
    ASSERT_TRUE(sliced->Process(*input[i]).ok());
    ASSERT_TRUE(sessions->Process(*input[i]).ok());
    ASSERT_TRUE((i % 2 ? join->ProcessRight(*input[i]) : join->Process(*input[i])).ok());
  }
  ExpectManyKeyGroupsAsOneByOne(*sliced, ctx.num_key_groups);
  ExpectManyKeyGroupsAsOneByOne(*sessions, ctx.num_key_groups);
  ExpectManyKeyGroupsAsOneByOne(*join, ctx.num_key_groups);
}

TEST(KeyedStateTest, GroupAggregateCaptureSerializesTheStateAtTheBarrierNotLaterChanges) {
  // The job serializes a capture on its checkpoint thread while the operator
  // goes on: rows processed after the capture must not show in it.
  OperatorContext ctx;
  auto op = GroupAggregateOperator::Create(kSchema, {0}, {Count(), CountDistinct("v"), Max("name")}, 3, ctx).value();
  auto input = Input(5, 40);
  const size_t half = input.size() / 2;
  for (size_t i = 0; i < half; ++i) ASSERT_TRUE(op->Process(*input[i]).ok());
  std::vector<int> kgs;
  for (int kg = 0; kg < ctx.num_key_groups; kg += 2) kgs.push_back(kg);
  std::vector<std::string> at_barrier;
  ASSERT_TRUE(op->SnapshotKeyGroups(kgs, &at_barrier).ok());
  auto capture = op->CaptureKeyGroups(kgs);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  for (size_t i = half; i < input.size(); ++i) ASSERT_TRUE(op->Process(*input[i]).ok());
  std::vector<std::string> later;
  ASSERT_TRUE(op->SnapshotKeyGroups(kgs, &later).ok());
  ASSERT_NE(later, at_barrier) << "the second half of the input changed nothing: the test proves nothing";
  std::vector<std::string> serialized;
  ASSERT_TRUE((*capture)->Serialize(&serialized).ok());
  EXPECT_EQ(serialized, at_barrier);
}

TEST(KeyedStateTest, CorruptSnapshotIsRejected) {
  OperatorContext ctx;
  auto op = GroupAggregateOperator::Create(kSchema, {0}, {Count()}, 3, ctx).value();
  EXPECT_EQ(op->RestoreKeyGroup(0, "\x07garbage").code(), StatusCode::kCorruption);
  std::string truncated("\x01\x05\x00\x00\x00", 5);
  EXPECT_EQ(op->RestoreKeyGroup(0, truncated).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::engine
