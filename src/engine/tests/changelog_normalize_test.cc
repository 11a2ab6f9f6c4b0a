// ChangelogNormalize (after an upsert source) against a reference: a random
// upsert stream (+U rows per key, -D deletes carrying only the key,
// duplicates), any batching, a snapshot mid-stream restored onto two
// instances that split the key groups. Applied in order, the output must be
// a valid changelog (it only removes rows it holds) ending in the last row
// of every key not deleted.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/changelog_normalize_operator.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;
const Schema kSchema({{"v", DataType::kString}, {"k", DataType::kInt64}, {"n", DataType::kInt32}});
constexpr int kKeyGroups = 8;

struct Event {
  Row row;
  RowKind kind;
};

TEST(ChangelogNormalizeTest, UpsertStreamBecomesAValidChangelogOfTheLastRows) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<Event> events;
    std::map<int64_t, Row> reference;
    for (int i = 0; i < 300; ++i) {
      const int64_t k = static_cast<int64_t>(rng() % 12);
      if (rng() % 5 == 0) {
        events.push_back(
            {{Value::Null(DataType::kString), Value::Int64(k), Value::Null(DataType::kInt32)}, RowKind::kDelete});
        reference.erase(k);
      } else {
        Row row{Value::String("v" + std::to_string(rng() % 3)), Value::Int64(k),
                Value::Int32(static_cast<int32_t>(rng() % 2))};
        events.push_back({row, rng() % 2 ? RowKind::kUpdateAfter : RowKind::kInsert});
        reference[k] = row;
      }
    }
    const int batch_rows = 1 + static_cast<int>(rng() % 7);
    OperatorContext ctx;
    ctx.batch_capacity = 3;
    ctx.num_key_groups = kKeyGroups;
    CollectingSink sink;
    std::vector<std::unique_ptr<ChangelogNormalizeOperator>> ops;
    std::vector<std::unique_ptr<SinkOperator>> outs;
    auto add_op = [&]() {
      ops.push_back(ChangelogNormalizeOperator::Create(kSchema, {1}, ctx).value());
      outs.push_back(std::make_unique<SinkOperator>(kSchema, &sink));
      ops.back()->set_next(outs.back().get());
    };
    add_op();
    auto group_of = [&](const Row& row) {
      return testing::KeyGroupOfRow(kSchema, row, {1}, kKeyGroups) < kKeyGroups / 2 ? 0 : 1;
    };
    for (size_t i = 0; i < events.size();) {
      if (i >= events.size() / 2 && ops.size() == 1) {
        std::vector<std::string> snaps(kKeyGroups);
        for (int kg = 0; kg < kKeyGroups; ++kg) ASSERT_TRUE(ops[0]->SnapshotKeyGroup(kg, &snaps[kg]).ok());
        ops.clear();
        outs.clear();
        add_op();
        add_op();
        for (int kg = 0; kg < kKeyGroups; ++kg)
          ASSERT_TRUE(ops[kg < kKeyGroups / 2 ? 0 : 1]->RestoreKeyGroup(kg, snaps[kg]).ok());
      }
      const size_t op = ops.size() == 1 ? 0 : group_of(events[i].row);
      std::vector<Row> rows;
      std::vector<RowKind> kinds;
      while (i < events.size() && static_cast<int>(rows.size()) < batch_rows &&
             (ops.size() == 1 ? i < events.size() / 2 || rows.empty()
                              : static_cast<size_t>(group_of(events[i].row)) == op)) {
        rows.push_back(events[i].row);
        kinds.push_back(events[i].kind);
        ++i;
        if (ops.size() == 1 && i == events.size() / 2) break;
      }
      Batch b = testing::MakeBatch(kSchema, rows, 16);
      for (size_t r = 0; r < kinds.size(); ++r) b.mutable_row_kinds()[r] = kinds[r];
      ASSERT_TRUE(ops[op]->Process(b).ok());
    }
    std::map<int64_t, Row> result;
    for (const CollectedRow& r : sink.rows()) {
      const int64_t k = r.values[1].i;
      if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
        ASSERT_EQ(result.count(k), 0u) << "adds a second row for key " << k << ": " << r.ToString();
        result[k] = r.values;
      } else {
        ASSERT_EQ(result.count(k), 1u) << "removes a row it never emitted: " << r.ToString();
        ASSERT_EQ(result[k], r.values) << "retracts another row than the one held: " << r.ToString();
        result.erase(k);
      }
    }
    EXPECT_EQ(result, reference);
  }
}

TEST(ChangelogNormalizeTest, DuplicatesAreDroppedAndDeletesCarryTheWholeRow) {
  OperatorContext ctx;
  auto op = ChangelogNormalizeOperator::Create(kSchema, {1}, ctx).value();
  CollectingSink sink;
  SinkOperator out(kSchema, &sink);
  op->set_next(&out);
  const Row a{Value::String("a"), Value::Int64(1), Value::Int32(0)};
  const Row b{Value::String("b"), Value::Int64(1), Value::Int32(0)};
  const Row del{Value::Null(DataType::kString), Value::Int64(1), Value::Null(DataType::kInt32)};
  Batch in = testing::MakeBatch(kSchema, {a, a, b, del, del});
  RowKind* kinds = in.mutable_row_kinds();
  kinds[0] = kinds[1] = kinds[2] = RowKind::kUpdateAfter;
  kinds[3] = kinds[4] = RowKind::kDelete;
  ASSERT_TRUE(op->Process(in).ok());
  const std::vector<CollectedRow> expected = {
      {RowKind::kInsert, a}, {RowKind::kUpdateBefore, a}, {RowKind::kUpdateAfter, b}, {RowKind::kDelete, b}};
  EXPECT_EQ(sink.rows(), expected);
}

}  // namespace
}  // namespace sluice::engine
