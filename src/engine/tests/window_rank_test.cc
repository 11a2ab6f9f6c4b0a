// Window top-N / window deduplication (WindowRankOperator) against a
// reference over the whole input: rows out of order within a bound, some
// late (all their windows closed when they arrive), ties in the order key,
// TUMBLE / HOP / CUMULATE, several batch sizes, with a snapshot mid-stream
// restored onto two instances that split the key groups. The output must be
// exactly each window's N best on-time rows per key, with their ranks.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "engine/key_table.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"
#include "engine/window_rank_operator.h"

namespace sluice::engine {
namespace {

using Row = std::vector<Value>;
const Schema kInput({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});
constexpr int kKeyGroups = 8;
constexpr int64_t kN = 3;

struct Arrival {
  Row row;
  int64_t watermark;  // the operator's watermark when the row arrived
};

std::vector<CollectedRow> Reference(const std::vector<Arrival>& rows, const WindowSpec& w) {
  // (end, key) -> on-time rows in arrival order
  std::map<std::pair<int64_t, int64_t>, std::vector<Row>> windows;
  for (const Arrival& a : rows) {
    ForEachWindowEnd(w, a.row[2].i, [&](int64_t end) {
      if (end > a.watermark) windows[{end, a.row[0].i}].push_back(a.row);
    });
  }
  std::vector<CollectedRow> out;
  for (auto& [at, list] : windows) {
    std::stable_sort(list.begin(), list.end(), [](const Row& a, const Row& b) { return a[1].i > b[1].i; });
    for (size_t r = 0; r < list.size() && static_cast<int64_t>(r) < kN; ++r) {
      Row row = list[r];
      row.push_back(Value::Timestamp(WindowStartOf(w, at.first)));
      row.push_back(Value::Timestamp(at.first));
      row.push_back(Value::Timestamp(at.first - 1));
      row.push_back(Value::Int64(static_cast<int64_t>(r) + 1));
      out.push_back({RowKind::kInsert, row});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Which of the two restored instances owns the row's key.
int GroupOf(const Row& row) { return testing::KeyGroupOfRow(kInput, row, {0}, kKeyGroups) < kKeyGroups / 2 ? 0 : 1; }

TEST(WindowRankTest, TopNPerWindowAndKeyMatchesTheReferenceAcrossARescalingRestore) {
  const WindowSpec windows[] = {WindowSpec::Tumble(std::chrono::milliseconds(100)),
                                WindowSpec::Hop(std::chrono::milliseconds(100), std::chrono::milliseconds(25)),
                                WindowSpec::Cumulate(std::chrono::milliseconds(100), std::chrono::milliseconds(25))};
  for (const WindowSpec& w : windows) {
    for (int batch_rows : {1, 4, 64}) {
      for (uint64_t seed = 1; seed <= 5; ++seed) {
        SCOPED_TRACE(::testing::Message() << w.ToString() << " batch " << batch_rows << " seed " << seed);
        std::mt19937_64 rng(seed);
        std::vector<Row> rows;
        for (int i = 0; i < 600; ++i) {
          const int64_t ts = i * 3 + static_cast<int64_t>(rng() % 60);  // out of order within 60 ms
          rows.push_back({Value::Int64(static_cast<int64_t>(rng() % 5)), Value::Int64(static_cast<int64_t>(rng() % 20)),
                          Value::Timestamp(ts)});
        }
        WindowRankSpec spec;
        spec.partition_keys = {0};
        spec.window = w;
        spec.time_column = 2;
        spec.order = {{1, true}};
        spec.n = kN;
        spec.emit_rank = true;
        OperatorContext ctx;
        ctx.batch_capacity = 16;
        ctx.num_key_groups = kKeyGroups;
        CollectingSink sink;
        std::vector<std::unique_ptr<WindowRankOperator>> ops;
        std::vector<std::unique_ptr<SinkOperator>> outs;
        auto add_op = [&]() {
          ops.push_back(WindowRankOperator::Create(kInput, spec, ctx).value());
          outs.push_back(std::make_unique<SinkOperator>(ops.back()->output_schema(), &sink));
          ops.back()->set_next(outs.back().get());
        };
        add_op();
        std::vector<Arrival> arrivals;
        int64_t watermark = kMinWatermark, max_ts = kMinWatermark;
        for (size_t i = 0; i < rows.size(); i += batch_rows) {
          if (ops.size() == 1 && i >= rows.size() / 2) {
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
          std::vector<Row> part[2];
          for (size_t j = i; j < std::min(rows.size(), i + batch_rows); ++j) {
            part[ops.size() == 1 ? 0 : GroupOf(rows[j])].push_back(rows[j]);
            arrivals.push_back({rows[j], watermark});
            max_ts = std::max(max_ts, rows[j][2].i);
          }
          for (size_t o = 0; o < ops.size(); ++o) {
            if (part[o].empty()) continue;
            Batch b = testing::MakeBatch(kInput, part[o], 64);
            ASSERT_TRUE(ops[o]->Process(b).ok());
          }
          watermark = max_ts - 50;
          for (auto& op : ops) ASSERT_TRUE(op->OnWatermark(watermark).ok());
        }
        for (auto& op : ops) ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
        std::vector<CollectedRow> got = sink.rows();
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, Reference(arrivals, w));
      }
    }
  }
}

TEST(WindowRankTest, AggregatedRowsRankByTheirWindowEnd) {
  // Input already windowed (a window aggregation's rows): no window columns added.
  const Schema in({{"window_end", DataType::kTimestamp}, {"k", DataType::kInt64}, {"total", DataType::kDouble}});
  WindowRankSpec spec;
  spec.window_end_column = 0;
  spec.order = {{2, false}};
  spec.n = 1;
  OperatorContext ctx;
  auto op = WindowRankOperator::Create(in, spec, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  Batch b = testing::MakeBatch(in, {{Value::Timestamp(10), Value::Int64(1), Value::Double(2.5)},
                                    {Value::Timestamp(10), Value::Int64(2), Value::Double(-1)},
                                    {Value::Timestamp(20), Value::Int64(1), Value::Null(DataType::kDouble)},
                                    {Value::Timestamp(20), Value::Int64(2), Value::Double(0)}});
  ASSERT_TRUE(op->Process(b).ok());
  ASSERT_TRUE(op->OnWatermark(10).ok());
  ASSERT_EQ(sink.rows().size(), 1u);
  EXPECT_EQ(sink.rows()[0].values[2], Value::Double(-1));
  ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
  ASSERT_EQ(sink.rows().size(), 2u);
  EXPECT_TRUE(sink.rows()[1].values[2].is_null) << "NULL sorts first ascending";
  EXPECT_EQ(op->output_schema().size(), 3);
}

TEST(WindowRankTest, StringOrderAndSessionWindowsAreRefused) {
  WindowRankSpec spec;
  spec.window = WindowSpec::Tumble(std::chrono::milliseconds(10));
  spec.time_column = 2;
  spec.order = {{2, false}};
  OperatorContext ctx;
  EXPECT_TRUE(WindowRankOperator::Create(kInput, spec, ctx).ok());
  spec.window = WindowSpec::Session(std::chrono::milliseconds(10));
  EXPECT_FALSE(WindowRankOperator::Create(kInput, spec, ctx).ok());
  const Schema with_string({{"s", DataType::kString}, {"ts", DataType::kTimestamp}});
  spec.window = WindowSpec::Tumble(std::chrono::milliseconds(10));
  spec.time_column = 1;
  spec.order = {{0, false}};
  EXPECT_FALSE(WindowRankOperator::Create(with_string, spec, ctx).ok());
}

}  // namespace
}  // namespace sluice::engine
