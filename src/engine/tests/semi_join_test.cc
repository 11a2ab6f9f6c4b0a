// Semi- and anti-joins (IN / EXISTS / NOT EXISTS subqueries) against a
// reference over the inputs' final contents: random changelogs on both sides
// (inserts, -U/-D retractions of live rows, NULL keys, duplicates), any
// batching, with a snapshot mid-stream restored onto two instances that split
// the key groups. The output changelog, applied in order, must never remove a
// row it does not hold and must end in the reference.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/key_table.h"
#include "engine/semi_join_operator.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;

const Schema kLeft({{"k", DataType::kInt64}, {"v", DataType::kString}});
const Schema kRight({{"x", DataType::kInt32}, {"k", DataType::kInt64}});
constexpr int kKeyGroups = 8;

struct Event {
  int side;  // 0 left, 1 right
  Row row;
  RowKind kind;
};

// A random changelog per side: rows are inserted, and live ones retracted.
std::vector<Event> RandomEvents(std::mt19937_64& rng, int n) {
  std::vector<Event> events;
  std::vector<Row> live[2];
  for (int i = 0; i < n; ++i) {
    const int side = static_cast<int>(rng() % 2);
    const bool retract = !live[side].empty() && rng() % 3 == 0;
    if (retract) {
      const size_t at = rng() % live[side].size();
      events.push_back({side, live[side][at], rng() % 2 ? RowKind::kDelete : RowKind::kUpdateBefore});
      live[side].erase(live[side].begin() + static_cast<long>(at));
      continue;
    }
    Value key = rng() % 10 == 0 ? Value::Null(DataType::kInt64) : Value::Int64(static_cast<int64_t>(rng() % 6));
    Row row = side == 0 ? Row{key, Value::String("v" + std::to_string(rng() % 4))}
                        : Row{Value::Int32(static_cast<int32_t>(rng() % 3)), key};
    events.push_back({side, row, rng() % 4 == 0 ? RowKind::kUpdateAfter : RowKind::kInsert});
    live[side].push_back(row);
  }
  return events;
}

std::multiset<Row> Reference(const std::vector<Event>& events, SemiJoinType type) {
  std::multiset<Row> left;
  std::map<int64_t, int64_t> right;  // key -> net rows
  for (const Event& e : events) {
    const bool add = e.kind == RowKind::kInsert || e.kind == RowKind::kUpdateAfter;
    if (e.side == 0) {
      if (add) {
        left.insert(e.row);
      } else {
        left.erase(left.find(e.row));
      }
    } else if (!e.row[1].is_null) {
      right[e.row[1].i] += add ? 1 : -1;
    }
  }
  std::multiset<Row> out;
  for (const Row& l : left) {
    const bool matched = !l[0].is_null && right[l[0].i] > 0;
    if (matched == (type == SemiJoinType::kSemi)) out.insert(l);
  }
  return out;
}

int KeyGroupOfRow(const Schema& schema, const Row& row, int key_column) {
  return testing::KeyGroupOfRow(schema, row, {key_column}, kKeyGroups);
}

class SemiJoinReferenceTest : public ::testing::TestWithParam<std::tuple<SemiJoinType, int>> {};

TEST_P(SemiJoinReferenceTest, ChangelogEndsInTheReferenceAcrossARescalingRestore) {
  const auto [type, batch_rows] = GetParam();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " batch " << batch_rows);
    std::mt19937_64 rng(seed);
    const std::vector<Event> events = RandomEvents(rng, 400);
    OperatorContext ctx;
    ctx.batch_capacity = 4;  // small: stored rows come out over several batches
    ctx.num_key_groups = kKeyGroups;
    const SemiJoinSpec spec{{0}, {1}, type};
    CollectingSink sink;
    std::vector<std::unique_ptr<SemiJoinOperator>> ops;
    std::vector<std::unique_ptr<SinkOperator>> outs;
    auto add_op = [&]() {
      ops.push_back(SemiJoinOperator::Create(kLeft, kRight, spec, ctx).value());
      outs.push_back(std::make_unique<SinkOperator>(kLeft, &sink));
      ops.back()->set_next(outs.back().get());
    };
    add_op();
    const size_t restore_at = events.size() / 2;
    for (size_t i = 0; i < events.size();) {
      if (i == restore_at && ops.size() == 1) {
        // Snapshot every key group, then split them over two new instances.
        std::vector<std::string> snaps(kKeyGroups);
        for (int kg = 0; kg < kKeyGroups; ++kg) ASSERT_TRUE(ops[0]->SnapshotKeyGroup(kg, &snaps[kg]).ok());
        ops.clear();
        outs.clear();
        add_op();
        add_op();
        for (int kg = 0; kg < kKeyGroups; ++kg) {
          ASSERT_TRUE(ops[kg < kKeyGroups / 2 ? 0 : 1]->RestoreKeyGroup(kg, snaps[kg]).ok());
        }
      }
      // A batch: consecutive events of one side for one instance.
      const int side = events[i].side;
      const int kg = KeyGroupOfRow(side == 0 ? kLeft : kRight, events[i].row, side == 0 ? 0 : 1);
      const size_t op = ops.size() == 1 ? 0 : (kg < kKeyGroups / 2 ? 0 : 1);
      std::vector<Row> rows;
      std::vector<RowKind> kinds;
      while (i < events.size() && events[i].side == side && static_cast<int>(rows.size()) < batch_rows &&
             !(i == restore_at && ops.size() == 1 && !rows.empty())) {
        const int kg_i = KeyGroupOfRow(side == 0 ? kLeft : kRight, events[i].row, side == 0 ? 0 : 1);
        if (ops.size() == 2 && (kg_i < kKeyGroups / 2 ? 0u : 1u) != op) break;
        rows.push_back(events[i].row);
        kinds.push_back(events[i].kind);
        ++i;
      }
      Batch b = testing::MakeBatch(side == 0 ? kLeft : kRight, rows, 64);
      for (size_t r = 0; r < kinds.size(); ++r) b.mutable_row_kinds()[r] = kinds[r];
      ASSERT_TRUE((side == 0 ? ops[op]->Process(b) : ops[op]->ProcessRight(b)).ok());
    }
    std::multiset<Row> result;
    for (const CollectedRow& r : sink.rows()) {
      if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
        result.insert(r.values);
      } else {
        auto it = result.find(r.values);
        ASSERT_NE(it, result.end()) << "retracts a row it never emitted: " << r.ToString();
        result.erase(it);
      }
    }
    EXPECT_EQ(result, Reference(events, type));
  }
}

INSTANTIATE_TEST_SUITE_P(TypesAndBatches, SemiJoinReferenceTest,
                         ::testing::Combine(::testing::Values(SemiJoinType::kSemi, SemiJoinType::kAnti),
                                            ::testing::Values(1, 3, 64)));

TEST(SemiJoinTest, SemiJoinOfAppendOnlyInputsOnlyInserts) {
  OperatorContext ctx;
  auto op = SemiJoinOperator::Create(kLeft, kRight, SemiJoinSpec{{0}, {1}, SemiJoinType::kSemi}, ctx).value();
  CollectingSink sink;
  SinkOperator out(kLeft, &sink);
  op->set_next(&out);
  Batch left =
      testing::MakeBatch(kLeft, {{Value::Int64(1), Value::String("a")}, {Value::Int64(2), Value::String("b")}});
  ASSERT_TRUE(op->Process(left).ok());
  EXPECT_TRUE(sink.rows().empty());  // nothing matches yet
  Batch right = testing::MakeBatch(kRight, {{Value::Int32(0), Value::Int64(2)}, {Value::Int32(1), Value::Int64(2)}});
  ASSERT_TRUE(op->ProcessRight(right).ok());
  Batch more = testing::MakeBatch(kLeft, {{Value::Int64(2), Value::String("c")}});
  ASSERT_TRUE(op->Process(more).ok());
  const std::vector<CollectedRow> expected = {{RowKind::kInsert, {Value::Int64(2), Value::String("b")}},
                                              {RowKind::kInsert, {Value::Int64(2), Value::String("c")}}};
  EXPECT_EQ(sink.rows(), expected);
}

// INTERSECT / EXCEPT compare rows: with NullKeys::kEqual a NULL key matches a NULL.
TEST(SemiJoinTest, NullKeysEqualEachOtherWhenAsked) {
  OperatorContext ctx;
  for (SemiJoinType type : {SemiJoinType::kSemi, SemiJoinType::kAnti}) {
    auto op = SemiJoinOperator::Create(kLeft, kRight, SemiJoinSpec{{0}, {1}, type, NullKeys::kEqual}, ctx).value();
    CollectingSink sink;
    SinkOperator out(kLeft, &sink);
    op->set_next(&out);
    Batch right = testing::MakeBatch(kRight, {{Value::Int32(0), Value::Null(DataType::kInt64)}});
    ASSERT_TRUE(op->ProcessRight(right).ok());
    Batch left = testing::MakeBatch(
        kLeft, {{Value::Null(DataType::kInt64), Value::String("n")}, {Value::Int64(1), Value::String("one")}});
    ASSERT_TRUE(op->Process(left).ok());
    ASSERT_EQ(sink.rows().size(), 1u);
    EXPECT_EQ(sink.rows()[0].values[1], Value::String(type == SemiJoinType::kSemi ? "n" : "one"));
  }
}

TEST(SemiJoinTest, DifferentKeyTypesAreRefused) {
  OperatorContext ctx;
  auto op = SemiJoinOperator::Create(kLeft, kRight, SemiJoinSpec{{0}, {0}, SemiJoinType::kSemi}, ctx);
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("BIGINT"), std::string::npos) << op.status().message();
}

TEST(SemiJoinTest, DamagedSnapshotIsCorruption) {
  OperatorContext ctx;
  auto op = SemiJoinOperator::Create(kLeft, kRight, SemiJoinSpec{{0}, {1}, SemiJoinType::kSemi}, ctx).value();
  EXPECT_EQ(op->RestoreKeyGroup(0, std::string("\x01\x05\x00", 3)).code(), StatusCode::kCorruption);
  EXPECT_EQ(op->RestoreKeyGroup(0, std::string("\x09", 1)).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::engine
