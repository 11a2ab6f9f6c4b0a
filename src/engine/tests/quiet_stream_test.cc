// A slow stream's rows must not wait for a full exchange batch: the exchange
// sends partial batches when its input goes quiet (and at the latest after
// JobConfig::buffer_timeout_ms), as Flink's buffer timeout does. And LIMIT
// passes exactly the first n rows whatever the batch boundaries.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "engine/job.h"
#include "engine/limit_operator.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "engine/source.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {

namespace {

using namespace std::chrono_literals;

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}});

// Yields `rows` rows one per read, then nothing until `end` is set; no event
// time, so no watermark ever flushes an exchange.
class TrickleSource : public Source {
 public:
  TrickleSource(int rows, std::atomic<bool>* end) : rows_(rows), end_(end) {}
  std::string name() const override { return "trickle"; }
  const Schema& schema() const override { return kSchema; }
  int event_time_column() const override { return -1; }
  WatermarkStrategy watermark_strategy() const override { return WatermarkStrategy{}; }
  int num_splits() const override { return 1; }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int) override {
    return std::unique_ptr<SourceReader>(new Reader(rows_, end_));
  }

 private:
  class Reader : public SourceReader {
   public:
    Reader(int rows, std::atomic<bool>* end) : left_(rows), end_(end) {}
    Result<ReadStatus> Read(Batch* out) override {
      if (left_ == 0) return end_->load() ? ReadStatus::kEndOfInput : ReadStatus::kNoDataNow;
      out->column(0).data<int64_t>()[0] = left_ % 3;
      out->column(1).data<int64_t>()[0] = left_;
      out->column(0).SetValidity(0, true);
      out->column(1).SetValidity(0, true);
      out->set_num_rows(1);
      --left_;
      return ReadStatus::kData;
    }

   private:
    int left_;
    std::atomic<bool>* end_;
  };
  int rows_;
  std::atomic<bool>* end_;
};

TEST(QuietStreamTest, RowsReachTheSinkBeforeABatchFillsOrTheInputEnds) {
  for (int workers : {1, 2}) {
    SCOPED_TRACE(workers);
    std::atomic<bool> end{false};
    CollectingSink sink;
    Pipeline p;
    // Two exchanges: rows cross two stages before the sink.
    p.From(std::make_shared<TrickleSource>(5, &end))
        .KeyBy({"k"})
        .Aggregate({Count().As("n")})
        .KeyBy({"n"})
        .Aggregate({Count().As("keys")});
    p.To(&sink);
    JobConfig config{workers, 16, 1024, 2, nullptr};
    auto job = p.Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { EXPECT_TRUE((*job)->Run().ok()); });
    // 5 rows over 3 keys reach the second stage: its changelog ends with the
    // count of keys per count; wait for the updates to arrive (bounded wait).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (sink.rows().size() < 5 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_GE(sink.rows().size(), 5u) << "rows stuck in a partly filled exchange batch";
    EXPECT_FALSE(sink.finished());
    end = true;
    runner.join();
  }
}

TEST(QuietStreamTest, LimitPassesTheFirstRowsAndSaysSoOnce) {
  for (int batch : {1, 3, 1024}) {
    SCOPED_TRACE(batch);
    std::atomic<bool> end{true};
    std::atomic<int> fired{0};
    JobSpec spec;
    StageSpec& source = spec.stages.emplace_back();
    source.sources.push_back(std::make_shared<TrickleSource>(10, &end));
    StageSpec& single = spec.stages.emplace_back();
    single.inputs.push_back(StageInput{0, {}, nullptr});
    single.operators.push_back(OperatorSpec{
        "limit", [&fired](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
          SLUICE_ASSIGN_OR_RETURN(auto op, LimitOperator::Create(
                                               in, 4, [&fired] { ++fired; }, ctx));
          return std::unique_ptr<Operator>(std::move(op));
        }});
    CollectingSink sink;
    single.sink = &sink;
    auto job = Job::Create(std::move(spec), JobConfig{2, 16, batch, 2, nullptr});
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_TRUE((*job)->Run().ok());
    ASSERT_EQ(sink.rows().size(), 4u);
    // The source counts down from 10: the first four rows are 10, 9, 8, 7.
    for (int i = 0; i < 4; ++i) EXPECT_EQ(sink.rows()[i].values[1], Value::Int64(10 - i));
    EXPECT_EQ(fired.load(), 1);
  }
}

// LIMIT n OFFSET m: rows m+1 .. m+n across any batching, and across a
// snapshot taken between batches and restored into a new instance.
TEST(QuietStreamTest, LimitWithOffsetPassesRowsAfterTheOffsetAcrossARestore) {
  const Schema schema({{"v", DataType::kInt64}});
  for (int batch : {1, 2, 5}) {
    SCOPED_TRACE(batch);
    OperatorContext ctx;
    int fired = 0;
    CollectingSink sink;
    SinkOperator out(schema, &sink);
    auto op = LimitOperator::Create(
                  schema, 3, [&fired] { ++fired; }, ctx, 4)
                  .value();
    op->set_next(&out);
    for (int64_t start = 0; start < 12; start += batch) {
      if (start == 6) {  // restore mid-way
        std::vector<std::string> snaps(ctx.num_key_groups);
        for (int kg = 0; kg < ctx.num_key_groups; ++kg) ASSERT_TRUE(op->SnapshotKeyGroup(kg, &snaps[kg]).ok());
        op = LimitOperator::Create(
                 schema, 3, [&fired] { ++fired; }, ctx, 4)
                 .value();
        op->set_next(&out);
        for (int kg = 0; kg < ctx.num_key_groups; ++kg) {
          if (!snaps[kg].empty()) ASSERT_TRUE(op->RestoreKeyGroup(kg, snaps[kg]).ok());
        }
      }
      std::vector<testing::Row> rows;
      for (int64_t v = start; v < std::min<int64_t>(12, start + batch); ++v) rows.push_back({Value::Int64(v)});
      Batch b = testing::MakeBatch(schema, rows, 8);
      ASSERT_TRUE(op->Process(b).ok());
    }
    ASSERT_EQ(sink.rows().size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(sink.rows()[i].values[0], Value::Int64(4 + i));
    EXPECT_GE(fired, 1);
  }
}

}  // namespace

}  // namespace sluice::engine
