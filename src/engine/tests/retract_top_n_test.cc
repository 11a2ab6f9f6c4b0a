// Top-N over an updating input (RetractTopNOperator): random changelogs of
// inserts and retractions of live rows (often of a row in the top N), ties,
// duplicates, NULL order values and tie-breakers, any batching, a snapshot
// mid-stream restored onto two instances that split the key groups. Applied
// in order, the output changelog must end in each key's top N of the rows
// left (ties in arrival order), with their ranks when the rank column is
// asked for, and never retract a row it did not emit.

#include "engine/retract_top_n_operator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;
const Schema kInput(
    {{"k", DataType::kInt64}, {"id", DataType::kInt64}, {"v", DataType::kDouble}, {"t", DataType::kInt64}});
constexpr int kKeyGroups = 8;

struct Case {
  int n;
  bool rank_column;
  bool tie_breaker;
  bool descending;
};

// The rows of `rows` (arrival order) a top-N keeps, best first.
std::vector<Row> TopOf(std::vector<Row> rows, const Case& c) {
  std::vector<Row> ranked;
  for (const Row& r : rows) {
    if (!r[2].is_null) ranked.push_back(r);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Row& a, const Row& b) {
    if (a[2].d != b[2].d) return c.descending ? a[2].d > b[2].d : a[2].d < b[2].d;
    if (!c.tie_breaker) return false;
    // NULL tie-breaker last; ascending otherwise.
    if (a[3].is_null != b[3].is_null) return b[3].is_null;
    return !a[3].is_null && a[3].i < b[3].i;
  });
  if (ranked.size() > static_cast<size_t>(c.n)) ranked.resize(static_cast<size_t>(c.n));
  return ranked;
}

void RunCase(const Case& c, uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " n " << c.n << " rank " << c.rank_column << " then "
                                    << c.tie_breaker << " desc " << c.descending);
  std::mt19937_64 rng(seed);
  std::vector<std::pair<Row, RowKind>> events;
  std::vector<Row> live;
  for (int i = 0; i < 500; ++i) {
    if (!live.empty() && rng() % 5 < 2) {
      // Retract a live row, often the best of its key.
      size_t at = rng() % live.size();
      if (rng() % 2) {
        at = std::max_element(live.begin(), live.end(),
                              [](const Row& a, const Row& b) {
                                return (a[2].is_null ? -1 : a[2].d) < (b[2].is_null ? -1 : b[2].d);
                              }) -
             live.begin();
      }
      // Of identical rows the earliest goes (as the operator removes it): it
      // matters for ranks when rows tie.
      at = std::find(live.begin(), live.end(), live[at]) - live.begin();
      events.push_back({live[at], rng() % 2 ? RowKind::kDelete : RowKind::kUpdateBefore});
      live.erase(live.begin() + static_cast<long>(at));
      continue;
    }
    // Few distinct values: ties and exact duplicates are common.
    Row row{Value::Int64(static_cast<int64_t>(rng() % 3)), Value::Int64(static_cast<int64_t>(rng() % 6)),
            rng() % 10 == 0 ? Value::Null(DataType::kDouble) : Value::Double(static_cast<double>(rng() % 5)),
            rng() % 6 == 0 ? Value::Null(DataType::kInt64) : Value::Int64(static_cast<int64_t>(rng() % 3))};
    events.push_back({row, rng() % 3 ? RowKind::kInsert : RowKind::kUpdateAfter});
    live.push_back(row);
  }
  std::multiset<Row> expected;
  std::map<int64_t, std::vector<Row>> groups;
  for (const Row& r : live) groups[r[0].i].push_back(r);
  for (auto& [k, rows] : groups) {
    const std::vector<Row> top = TopOf(rows, c);
    for (size_t i = 0; i < top.size(); ++i) {
      Row out = top[i];
      if (c.rank_column) out.push_back(Value::Int64(static_cast<int64_t>(i + 1)));
      expected.insert(out);
    }
  }

  TopNSpec spec{{0}, 2, c.descending, c.n, c.tie_breaker ? 3 : -1, false, c.rank_column ? "rn" : ""};
  OperatorContext ctx;
  ctx.batch_capacity = 8;
  ctx.num_key_groups = kKeyGroups;
  CollectingSink sink;
  testing::ReplayWithRescale(
      kInput, {0}, kKeyGroups, events, 1 + rng() % 6,
      [&] { return RetractTopNOperator::Create(kInput, spec, ctx).value(); }, &sink);
  EXPECT_EQ(testing::Materialize(sink.rows()), expected);
}

TEST(RetractTopNTest, ChangelogEndsInTheTopNOfTheRemainingRows) {
  for (const Case& c : {Case{1, false, false, true}, Case{3, false, true, true}, Case{2, true, false, false},
                        Case{3, true, true, true}}) {
    for (uint64_t seed = 1; seed <= 15; ++seed) RunCase(c, seed);
  }
}

TEST(RetractTopNTest, RetractingARowNeverHeldIsCountedNotAnError) {
  OperatorContext ctx;
  auto op = RetractTopNOperator::Create(kInput, TopNSpec{{0}, 2, true, 2}, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  Batch b = testing::MakeBatch(kInput, {{Value::Int64(1), Value::Int64(1), Value::Double(5), Value::Int64(0)}}, 4);
  b.mutable_row_kinds()[0] = RowKind::kDelete;
  ASSERT_TRUE(op->Process(b).ok());
  EXPECT_TRUE(sink.rows().empty());
  EXPECT_EQ(op->metrics().dropped_rows.load(), 1);
}

TEST(RetractTopNTest, CorruptSnapshotIsRejected) {
  OperatorContext ctx;
  auto op = RetractTopNOperator::Create(kInput, TopNSpec{{0}, 2, true, 2}, ctx).value();
  EXPECT_EQ(op->RestoreKeyGroup(0, "\x09").code(), StatusCode::kCorruption);
  std::string no_rows("\x01\x01\x00\x00\x00\x00\x00\x00\x00", 9);
  EXPECT_EQ(op->RestoreKeyGroup(0, no_rows).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace sluice::engine
