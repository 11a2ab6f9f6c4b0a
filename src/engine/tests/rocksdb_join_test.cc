// RocksDbJoinOperator (a regular inner join with its rows in RocksDB):
// random inputs on both sides with retractions of live rows, duplicates and
// NULL keys, any batching. Applied in order, the output changelog must end
// in exactly the pairs of the rows left on each side with equal, non-NULL
// keys, and never retract a pair it did not emit.

#include "engine/rocksdb_join_operator.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "engine/sink.h"
#include "engine/state/rocksdb_store.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

namespace fs = std::filesystem;
using Row = std::vector<Value>;
const Schema kLeft({{"k", DataType::kInt64}, {"a", DataType::kString}});
const Schema kRight({{"k", DataType::kInt64}, {"b", DataType::kInt64}});

TEST(RocksDbJoinTest, ChangelogEndsInThePairsOfTheRowsLeft) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("sluice-rdb-join-{}", ::getpid());
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    fs::remove_all(dir);
    auto store = RocksDbStore::Open(dir, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    OperatorContext ctx;
    ctx.batch_capacity = 8;
    ctx.state_store = store->get();
    auto op = RocksDbJoinOperator::Create(kLeft, kRight, RegularJoinSpec{{0}, {0}}, ctx);
    ASSERT_TRUE(op.ok()) << op.status().ToString();
    CollectingSink sink;
    SinkOperator out((*op)->output_schema(), &sink);
    (*op)->set_next(&out);

    std::mt19937_64 rng(seed);
    std::vector<Row> live[2];
    const size_t batch_rows = 1 + rng() % 5;
    for (int step = 0; step < 120; ++step) {
      const int side = static_cast<int>(rng() % 2);
      std::vector<Row> rows;
      std::vector<RowKind> kinds;
      for (size_t i = 0; i < batch_rows; ++i) {
        if (!live[side].empty() && rng() % 4 == 0) {
          // Retract a live row (the earliest of identical ones).
          size_t at = rng() % live[side].size();
          at = std::find(live[side].begin(), live[side].end(), live[side][at]) - live[side].begin();
          rows.push_back(live[side][at]);
          kinds.push_back(rng() % 2 ? RowKind::kDelete : RowKind::kUpdateBefore);
          live[side].erase(live[side].begin() + static_cast<long>(at));
          continue;
        }
        const Value key =
            rng() % 10 == 0 ? Value::Null(DataType::kInt64) : Value::Int64(static_cast<int64_t>(rng() % 5));
        Row row = side == 0 ? Row{key, Value::String(std::string(1 + rng() % 2, 'a' + rng() % 3))}
                            : Row{key, Value::Int64(static_cast<int64_t>(rng() % 3))};
        rows.push_back(row);
        kinds.push_back(rng() % 3 ? RowKind::kInsert : RowKind::kUpdateAfter);
        live[side].push_back(row);
      }
      Batch b = testing::MakeBatch(side == 0 ? kLeft : kRight, rows, 8);
      for (size_t r = 0; r < kinds.size(); ++r) b.mutable_row_kinds()[r] = kinds[r];
      Status s = side == 0 ? (*op)->Process(b) : (*op)->ProcessRight(b);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    std::multiset<Row> expected;
    for (const Row& l : live[0]) {
      for (const Row& r : live[1]) {
        if (!l[0].is_null && !r[0].is_null && l[0] == r[0]) expected.insert({l[0], l[1], r[0], r[1]});
      }
    }
    EXPECT_EQ(testing::Materialize(sink.rows()), expected);
    op->reset();
    store->reset();
  }
  fs::remove_all(dir);
}

TEST(RocksDbJoinTest, OuterJoinsAndStateTtlStayInMemory) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("sluice-rdb-join-mem-{}", ::getpid());
  fs::remove_all(dir);
  auto store = RocksDbStore::Open(dir, {});
  ASSERT_TRUE(store.ok());
  OperatorContext ctx;
  ctx.state_store = store->get();
  auto inner = CreateRegularJoin(kLeft, kRight, RegularJoinSpec{{0}, {0}}, ctx);
  auto left = CreateRegularJoin(kLeft, kRight, RegularJoinSpec{{0}, {0}, 0, JoinType::kLeft}, ctx);
  auto ttl = CreateRegularJoin(kLeft, kRight, RegularJoinSpec{{0}, {0}, 1000}, ctx);
  ASSERT_TRUE(inner.ok() && left.ok() && ttl.ok());
  EXPECT_TRUE((*inner)->keyed_state()->in_store());
  EXPECT_FALSE((*left)->keyed_state()->in_store());
  EXPECT_FALSE((*ttl)->keyed_state()->in_store());
  inner->reset();
  store->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice::engine
