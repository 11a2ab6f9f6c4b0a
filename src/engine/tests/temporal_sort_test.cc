// ORDER BY event time without LIMIT (TemporalSortOperator) against a
// reference: rows out of order within a bound, some late, ties on the time
// broken by a second column and then by arrival, any batching, a snapshot
// mid-stream restored into a new instance. The output must be exactly the
// on-time rows, sorted.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "engine/key_table.h"
#include "engine/sink.h"
#include "engine/temporal_sort_operator.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;
const Schema kInput({{"id", DataType::kInt64}, {"v", DataType::kInt32}, {"ts", DataType::kTimestamp}});

TEST(TemporalSortTest, OnTimeRowsLeaveSortedAcrossARestore) {
  for (int batch_rows : {1, 5, 64}) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      SCOPED_TRACE(::testing::Message() << "batch " << batch_rows << " seed " << seed);
      std::mt19937_64 rng(seed);
      std::vector<Row> rows;
      for (int i = 0; i < 500; ++i) {
        const int64_t ts = i / 3 + static_cast<int64_t>(rng() % 40);  // out of order within 40 ms, many ties
        rows.push_back({Value::Int64(i),
                        rng() % 10 ? Value::Int32(static_cast<int32_t>(rng() % 4)) : Value::Null(DataType::kInt32),
                        Value::Timestamp(ts)});
      }
      TemporalSortSpec spec;
      spec.time_column = 2;
      spec.then = {{1, true}};
      OperatorContext ctx;
      ctx.batch_capacity = 8;
      CollectingSink sink;
      auto op = TemporalSortOperator::Create(kInput, spec, ctx).value();
      auto out = std::make_unique<SinkOperator>(kInput, &sink);
      op->set_next(out.get());
      std::vector<std::pair<Row, int64_t>> on_time;  // row, arrival order
      int64_t watermark = kMinWatermark, max_ts = kMinWatermark;
      for (size_t i = 0; i < rows.size(); i += batch_rows) {
        if (i >= rows.size() / 2 && i < rows.size() / 2 + batch_rows) {
          std::vector<std::string> snaps(ctx.num_key_groups);
          for (int kg = 0; kg < ctx.num_key_groups; ++kg) ASSERT_TRUE(op->SnapshotKeyGroup(kg, &snaps[kg]).ok());
          op = TemporalSortOperator::Create(kInput, spec, ctx).value();
          op->set_next(out.get());
          for (int kg = 0; kg < ctx.num_key_groups; ++kg) ASSERT_TRUE(op->RestoreKeyGroup(kg, snaps[kg]).ok());
        }
        std::vector<Row> part(rows.begin() + static_cast<long>(i),
                              rows.begin() + static_cast<long>(std::min(rows.size(), i + batch_rows)));
        for (const Row& r : part) {
          if (r[2].i >= watermark) on_time.push_back({r, static_cast<int64_t>(on_time.size())});
          max_ts = std::max(max_ts, r[2].i);
        }
        Batch b = testing::MakeBatch(kInput, part, 64);
        ASSERT_TRUE(op->Process(b).ok());
        watermark = max_ts - 20;
        ASSERT_TRUE(op->OnWatermark(watermark).ok());
      }
      ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
      std::stable_sort(on_time.begin(), on_time.end(), [](const auto& a, const auto& b) {
        if (a.first[2].i != b.first[2].i) return a.first[2].i < b.first[2].i;
        const Value &x = a.first[1], &y = b.first[1];
        if (x.is_null != y.is_null) return y.is_null;  // descending: NULLs last
        if (!x.is_null && x.i != y.i) return x.i > y.i;
        return a.second < b.second;
      });
      std::vector<CollectedRow> expected;
      for (const auto& [r, at] : on_time) expected.push_back({RowKind::kInsert, r});
      EXPECT_EQ(sink.rows(), expected);
    }
  }
}

TEST(TemporalSortTest, NeedsATimestampFirstAndNumbersAfter) {
  OperatorContext ctx;
  TemporalSortSpec spec;
  spec.time_column = 0;
  EXPECT_FALSE(TemporalSortOperator::Create(kInput, spec, ctx).ok());
  spec.time_column = 2;
  spec.then = {{1, false}, {0, true}, {1, true}};
  EXPECT_FALSE(TemporalSortOperator::Create(kInput, spec, ctx).ok());
}

}  // namespace
}  // namespace sluice::engine
