// Early (periodic, processing-time) window results: updates while a window
// is open, and the same final table as without them.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/tests/test_rows.h"
#include "engine/window_operator.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;

const Schema kSchema({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

class Collect : public Operator {
 public:
  explicit Collect(Schema s) : schema_(std::move(s)) {}
  std::string name() const override { return "collect"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override { return sink.Write(b); }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  Status OnProcessingTime(int64_t) override { return Status::Ok(); }
  CollectingSink sink;

 private:
  Schema schema_;
};

Batch Rows(std::vector<testing::Row> rows) { return testing::MakeBatch(kSchema, rows, 64); }
testing::Row R(const char* k, int64_t v, int64_t ts) {
  return {Value::String(k), Value::Int64(v), Value::Timestamp(ts)};
}

std::vector<std::string> Strings(const CollectingSink& s) {
  std::vector<std::string> out;
  for (const auto& r : s.rows()) out.push_back(r.ToString());
  return out;
}

TEST(EarlyFireTest, OpenWindowsEmitUpdatesOnlyWhenChanged) {
  OperatorContext ctx;
  ctx.batch_capacity = 64;
  WindowAggregateSpec spec{{0}, 2, WindowSpec::Tumble(10s).WithEarlyFire(1s), {Count(), Sum("v")}};
  auto op = CreateWindowOperator(kSchema, spec, ctx).value();
  Collect out(op->output_schema());
  op->set_next(&out);
  Batch b1 = Rows({R("a", 1, 1000)});
  ASSERT_TRUE(op->Process(b1).ok());
  ASSERT_TRUE(op->OnProcessingTime(1000).ok());
  ASSERT_TRUE(op->OnProcessingTime(1500).ok());  // before the next interval: nothing
  Batch b2 = Rows({R("a", 2, 2000)});
  ASSERT_TRUE(op->Process(b2).ok());
  ASSERT_TRUE(op->OnProcessingTime(2000).ok());
  ASSERT_TRUE(op->OnProcessingTime(3000).ok());  // unchanged: nothing
  Batch b3 = Rows({R("b", 5, 3000)});
  ASSERT_TRUE(op->Process(b3).ok());
  ASSERT_TRUE(op->OnWatermark(10000).ok());
  EXPECT_EQ(Strings(out.sink), (std::vector<std::string>{
                                   "+I(a,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,1,1)",
                                   "-U(a,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,1,1)",
                                   "+U(a,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,2,3)",
                                   "+I(b,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,1,5)",
                               }));
}

// The table a changelog leaves behind.
std::multiset<std::string> Materialize(const std::vector<CollectedRow>& rows) {
  std::multiset<std::string> table;
  for (const auto& r : rows) {
    std::string v = testing::RowToString(r.values);
    if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
      table.insert(v);
    } else {
      auto it = table.find(v);
      EXPECT_NE(it, table.end()) << "retraction of a row never emitted: " << r.ToString();
      if (it != table.end()) table.erase(it);
    }
  }
  return table;
}

TEST(EarlyFireTest, FinalTableEqualsTheOneWithoutEarlyResults) {
  const uint32_t seed = 13;
  std::mt19937 rng(seed);
  // One partition, shuffled within 300 ms, some late rows; late rows carry
  // their partition watermark as the source would mark them.
  std::vector<testing::Row> rows;
  std::vector<int64_t> late_wm;
  int64_t t = 0, max_ts = kMinWatermark;
  for (int i = 0; i < 3000; ++i) {
    t += rng() % 20;
    int64_t ts = rng() % 10 == 0 ? t - 300 - rng() % 3000 : t - rng() % 300;
    rows.push_back(R(("k" + std::to_string(rng() % 30)).c_str(), rng() % 100, ts));
    const int64_t wm = max_ts == kMinWatermark ? kMinWatermark : max_ts - 300;
    late_wm.push_back(ts < wm ? wm : kNotLate);
    max_ts = std::max(max_ts, ts);
  }
  for (WindowSpec w : {WindowSpec::Tumble(1s), WindowSpec::Hop(2s, 500ms), WindowSpec::Cumulate(2s, 500ms)}) {
    SCOPED_TRACE(::testing::Message() << "seed=" << seed << " " << w.ToString());
    std::multiset<std::string> tables[2];
    for (int early = 0; early < 2; ++early) {
      OperatorContext ctx;
      ctx.batch_capacity = 64;
      WindowSpec ws = w.WithAllowedLateness(700ms);
      if (early) ws = ws.WithEarlyFire(1ms);
      WindowAggregateSpec spec{{0}, 2, ws, {Count(), Sum("v"), CountDistinct("v"), Max("v")}};
      auto op = CreateWindowOperator(kSchema, spec, ctx).value();
      Collect out(op->output_schema());
      op->set_next(&out);
      int64_t seen_max = kMinWatermark;
      for (size_t i = 0; i < rows.size(); i += 50) {
        std::vector<testing::Row> chunk(rows.begin() + i, rows.begin() + std::min(rows.size(), i + 50));
        Batch b = Rows(chunk);
        for (size_t j = 0; j < chunk.size(); ++j) {
          if (late_wm[i + j] != kNotLate) b.mutable_late_watermarks()[j] = late_wm[i + j];
          seen_max = std::max(seen_max, chunk[j][2].i);
        }
        ASSERT_TRUE(op->Process(b).ok());
        ASSERT_TRUE(op->OnProcessingTime(static_cast<int64_t>(i)).ok());
        ASSERT_TRUE(op->OnWatermark(seen_max - 300).ok());
      }
      ASSERT_TRUE(op->OnWatermark(kMaxWatermark).ok());
      tables[early] = Materialize(out.sink.rows());
      if (early) {
        int64_t updates = 0;
        for (const auto& r : out.sink.rows()) updates += r.kind == RowKind::kUpdateBefore;
        EXPECT_GT(updates, 100);
      }
    }
    EXPECT_EQ(tables[0], tables[1]);
  }
}

}  // namespace
}  // namespace sluice::engine
