// MIN and MAX over an updating input (AggregateSpec::retractable): random
// changelogs of inserts and retractions of live rows (often of the current
// extreme, with duplicates and NULLs), INT, BIGINT, DOUBLE and STRING
// values, any batching, a snapshot mid-stream restored onto two instances
// that split the key groups. Applied in order, the output changelog must end
// in the MIN and MAX of each group's remaining rows (NULL when only NULLs are
// left; no row when the group is empty).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "engine/group_aggregate_operator.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;
const Schema kInput(
    {{"k", DataType::kInt64}, {"i", DataType::kInt32}, {"d", DataType::kDouble}, {"s", DataType::kString}});
constexpr int kKeyGroups = 8;

AggregateSpec Retracting(AggregateSpec s) {
  s.retractable = true;
  return s;
}

TEST(RetractMinMaxTest, ChangelogEndsInTheExtremesOfTheRemainingRows) {
  const std::vector<AggregateSpec> aggs = {Retracting(Min("i")),
                                           Retracting(Max("i")),
                                           Retracting(Min("d")),
                                           Retracting(Max("d")),
                                           Retracting(Min("s")),
                                           Retracting(Max("s")),
                                           Count()};
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<std::pair<Row, RowKind>> events;
    std::vector<Row> live;
    for (int n = 0; n < 400; ++n) {
      if (!live.empty() && rng() % 5 < 2) {
        // Retract a live row, most often one holding a group's extreme.
        size_t at = rng() % live.size();
        if (rng() % 2) {
          at = std::max_element(live.begin(), live.end(), [](const Row& a, const Row& b) { return a[1] < b[1]; }) -
               live.begin();
        }
        events.push_back({live[at], rng() % 2 ? RowKind::kDelete : RowKind::kUpdateBefore});
        live.erase(live.begin() + static_cast<long>(at));
        continue;
      }
      const bool null = rng() % 8 == 0;
      Row row{Value::Int64(static_cast<int64_t>(rng() % 4)),
              null ? Value::Null(DataType::kInt32) : Value::Int32(static_cast<int32_t>(rng() % 10) - 5),
              null ? Value::Null(DataType::kDouble) : Value::Double(static_cast<double>(rng() % 7) / 2),
              null ? Value::Null(DataType::kString) : Value::String(std::string(1 + rng() % 3, 'a' + rng() % 4))};
      events.push_back({row, rng() % 3 ? RowKind::kInsert : RowKind::kUpdateAfter});
      live.push_back(row);
    }
    // Reference over the rows left.
    std::map<int64_t, std::vector<Row>> groups;
    for (const Row& r : live) groups[r[0].i].push_back(r);
    std::map<int64_t, Row> expected;
    for (auto& [k, rows] : groups) {
      Row out{Value::Int64(k)};
      for (int c : {1, 2, 3}) {
        std::vector<Value> vals;
        for (const Row& r : rows) {
          if (!r[c].is_null) vals.push_back(r[c]);
        }
        const DataType t = kInput.field(c).type;
        out.push_back(vals.empty() ? Value::Null(t) : *std::min_element(vals.begin(), vals.end()));
        out.push_back(vals.empty() ? Value::Null(t) : *std::max_element(vals.begin(), vals.end()));
      }
      out.push_back(Value::Int64(static_cast<int64_t>(rows.size())));
      expected[k] = out;
    }

    OperatorContext ctx;
    ctx.batch_capacity = 8;
    ctx.num_key_groups = kKeyGroups;
    CollectingSink sink;
    testing::ReplayWithRescale(
        kInput, {0}, kKeyGroups, events, 1 + rng() % 6,
        [&] { return GroupAggregateOperator::Create(kInput, {0}, aggs, -1, ctx).value(); }, &sink);
    std::map<int64_t, Row> result;
    for (const CollectedRow& r : sink.rows()) {
      const int64_t k = r.values[0].i;
      if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
        result[k] = r.values;
      } else {
        ASSERT_EQ(result.count(k), 1u) << "retracts a row it never emitted: " << r.ToString();
        ASSERT_EQ(result[k], r.values) << "retracts another row than the last: " << r.ToString();
        result.erase(k);
      }
    }
    EXPECT_EQ(result, expected);
  }
}

TEST(RetractMinMaxTest, ListAggStillRefusesRetraction) {
  AggregateSpec list = ListAgg("s");
  list.retractable = true;
  OperatorContext ctx;
  auto op = GroupAggregateOperator::Create(kInput, {0}, {list}, -1, ctx);
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.status().message().find("cannot retract"), std::string::npos) << op.status().message();
}

// FIRST_VALUE / LAST_VALUE over an updating input, as Flink's retracting
// versions: the first / last live value in arrival order, where a retraction
// removes the earliest live copy of its value. Random changelogs with
// duplicates and NULLs, any batching, a snapshot restored onto two instances.
TEST(RetractMinMaxTest, FirstAndLastValueFollowArrivalOrderOfTheRowsLeft) {
  auto retracting = [](AggregateSpec s) {
    s.retractable = true;
    return s;
  };
  const std::vector<AggregateSpec> aggs = {retracting(FirstValue("i")), retracting(LastValue("i")),
                                           retracting(FirstValue("s")), retracting(LastValue("d"))};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<std::pair<Row, RowKind>> events;
    std::vector<Row> live;  // arrival order
    for (int n = 0; n < 300; ++n) {
      if (!live.empty() && rng() % 5 < 2) {
        // Retract a copy of a live row; the reference, like the operator,
        // removes per value the earliest live copy.
        const Row victim = live[rng() % live.size()];
        events.push_back({victim, rng() % 2 ? RowKind::kDelete : RowKind::kUpdateBefore});
        live.erase(std::find(live.begin(), live.end(), victim));
        continue;
      }
      const bool null = rng() % 8 == 0;
      Row row{Value::Int64(static_cast<int64_t>(rng() % 3)),
              null ? Value::Null(DataType::kInt32) : Value::Int32(static_cast<int32_t>(rng() % 4)),
              null ? Value::Null(DataType::kDouble) : Value::Double(static_cast<double>(rng() % 3) / 2),
              null ? Value::Null(DataType::kString) : Value::String(std::string(1, 'a' + rng() % 3))};
      events.push_back({row, rng() % 3 ? RowKind::kInsert : RowKind::kUpdateAfter});
      live.push_back(row);
    }
    // Each column keeps its own arrival order of non-NULL values, with the
    // earliest copy of a retracted value removed: replay per column.
    std::map<int64_t, std::vector<std::vector<Value>>> order;  // key -> column -> values in order
    for (const auto& [row, kind] : events) {
      auto& cols = order[row[0].i];
      cols.resize(4);
      for (int c : {1, 2, 3}) {
        if (row[c].is_null) continue;
        auto& vals = cols[c];
        if (kind == RowKind::kInsert || kind == RowKind::kUpdateAfter) {
          vals.push_back(row[c]);
        } else {
          auto it = std::find(vals.begin(), vals.end(), row[c]);
          if (it != vals.end()) vals.erase(it);
        }
      }
    }
    std::map<int64_t, Row> expected;
    std::map<int64_t, int> remaining;
    for (const Row& r : live) ++remaining[r[0].i];
    for (auto& [k, cols] : order) {
      if (remaining[k] == 0) continue;  // the group is gone
      auto first = [&](int c, DataType t) { return cols[c].empty() ? Value::Null(t) : cols[c].front(); };
      auto last = [&](int c, DataType t) { return cols[c].empty() ? Value::Null(t) : cols[c].back(); };
      expected[k] = Row{Value::Int64(k), first(1, DataType::kInt32), last(1, DataType::kInt32),
                        first(3, DataType::kString), last(2, DataType::kDouble)};
    }

    OperatorContext ctx;
    ctx.batch_capacity = 8;
    ctx.num_key_groups = kKeyGroups;
    CollectingSink sink;
    testing::ReplayWithRescale(
        kInput, {0}, kKeyGroups, events, 1 + rng() % 6,
        [&] { return GroupAggregateOperator::Create(kInput, {0}, aggs, -1, ctx).value(); }, &sink);
    std::map<int64_t, Row> result;
    for (const CollectedRow& r : sink.rows()) {
      const int64_t k = r.values[0].i;
      if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
        result[k] = r.values;
      } else {
        ASSERT_EQ(result.count(k), 1u) << "retracts a row it never emitted: " << r.ToString();
        ASSERT_EQ(result[k], r.values) << "retracts another row than the last: " << r.ToString();
        result.erase(k);
      }
    }
    EXPECT_EQ(result, expected);
  }
}

}  // namespace
}  // namespace sluice::engine
