#include "engine/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/group_aggregate_operator.h"
#include "engine/json_file_source.h"
#include "engine/memory_source.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {

namespace {

using namespace std::chrono_literals;
using Row = MemorySource::Row;

const Schema kBids({{"auction", DataType::kInt64},
                    {"bidder", DataType::kString},
                    {"price", DataType::kInt64},
                    {"ts", DataType::kTimestamp}});

std::vector<std::vector<Row>> RandomBids(uint32_t seed, int partitions, int rows_per_partition, int auctions) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Row>> parts(partitions);
  for (int p = 0; p < partitions; ++p) {
    int64_t t = 1'700'000'000'000;
    for (int i = 0; i < rows_per_partition; ++i) {
      t += rng() % 20;
      Value bidder = rng() % 8 == 0 ? Value::Null(DataType::kString) : Value::String("b" + std::to_string(rng() % 50));
      Value price = rng() % 10 == 0 ? Value::Null(DataType::kInt64) : Value::Int64(rng() % 300);
      parts[p].push_back({Value::Int64(p * 1000 + rng() % auctions), bidder, price, Value::Timestamp(t)});
    }
  }
  return parts;
}

std::multiset<std::vector<Value>> Values(const std::vector<CollectedRow>& rows) {
  std::multiset<std::vector<Value>> out;
  for (const auto& r : rows) out.insert(r.values);
  return out;
}

TEST(PipelineTest, FilterProjectMatchesReferenceForAnyWorkersAndBatchSize) {
  const uint32_t seed = 7;
  auto parts = RandomBids(seed, 3, 3000, 40);
  std::multiset<std::vector<Value>> expected;
  for (const auto& part : parts) {
    for (const Row& r : part) {
      // WHERE price > 100 AND bidder IS NOT NULL: NULL price drops the row.
      if (r[2].is_null || r[2].i <= 100 || r[1].is_null) continue;
      std::string upper = r[1].s;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      expected.insert({Value::Int64(r[0].i), Value::String(upper), Value::Int64(r[2].i * 2)});
    }
  }
  for (int workers : {1, 2}) {
    for (int batch : {1, 33, 2048}) {
      SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers << " batch=" << batch);
      auto source = MemorySource::Create(kBids, parts, "ts", WatermarkStrategy::BoundedDelay(0ms), batch);
      ASSERT_TRUE(source.ok());
      CollectingSink sink;
      auto job = Pipeline()
                     .From(*source)
                     .Filter(Col("price") > 100 && IsNotNull(Col("bidder")))
                     .Select({{Col("auction"), "auction"}, {Upper(Col("bidder")), "bidder"}, {Col("price") * 2, "p2"}})
                     .To(&sink)
                     .Build(JobConfig{workers, 128, batch, 2, nullptr});
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      ASSERT_TRUE((*job)->Run().ok());
      EXPECT_EQ(Values(sink.rows()), expected);
      EXPECT_TRUE(sink.finished());
    }
  }
}

TEST(PipelineTest, UnionReadsEverySource) {
  auto a = MemorySource::Create(kBids, RandomBids(1, 2, 500, 10), "ts", {}, 64).value();
  auto b = MemorySource::Create(kBids, RandomBids(2, 3, 300, 10), "ts", {}, 64).value();
  CollectingSink sink;
  auto job = Pipeline()
                 .From(a)
                 .Union(b)
                 .KeyBy({"auction"})
                 .Aggregate({Count()})
                 .To(&sink)
                 .Build(JobConfig{2, 128, 64, 2, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  // The last row per auction holds its final count: all of them sum to the input size.
  std::map<int64_t, int64_t> last;
  for (const auto& r : sink.rows()) {
    if (r.kind != RowKind::kUpdateBefore) last[r.values[0].i] = r.values[1].i;
  }
  int64_t total = 0;
  for (auto& [k, n] : last) total += n;
  EXPECT_EQ(total, 2 * 500 + 3 * 300);
  const Schema other({{"x", DataType::kInt64}});
  auto c = MemorySource::Create(other, {{}}, "", {}).value();
  EXPECT_FALSE(Pipeline().From(a).Union(c).To(&sink).Build().ok());
}

TEST(PipelineTest, UnknownColumnIsReportedByBuild) {
  auto source = MemorySource::Create(kBids, {{}}, "ts", {}).value();
  CollectingSink sink;
  auto job = Pipeline().From(source).Filter(Col("nope") > 1).To(&sink).Build();
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.status().message().find("nope"), std::string::npos);
}

TEST(PipelineTest, JsonLinesSourceReadsTypesAndCountsBadLines) {
  auto dir = std::filesystem::temp_directory_path() / ("sluice-json-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "bids.jsonl";
  {
    std::ofstream f(path);
    f << R"({"auction": 1, "bidder": "ann", "price": 150, "ts": "2024-01-01 00:00:01.000"})"
      << "\n";
    f << R"({"auction": 1, "bidder": null, "price": 50, "ts": 1704067202000, "extra": [1,2]})"
      << "\n";
    f << "this is not json\n";
    f << R"({"auction": "two", "price": 1, "ts": 0})"
      << "\n";
    f << "\n";
    f << R"({"auction": 2, "bidder": "bob", "price": 300, "ts": "2024-01-01T00:00:09Z"})"
      << "\n";
    f << R"({"auction": 3, "bidder": "cy", "price": 7})"
      << "\n";  // no event time: dropped, counted
  }
  auto source = JsonFileSource::Create({path}, kBids, "ts", WatermarkStrategy::BoundedDelay(1s));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  CollectingSink sink;
  auto job = Pipeline()
                 .From(*source)
                 .KeyBy({"auction"})
                 .Window(WindowSpec::Tumble(10s))
                 .Aggregate({Count(), Max("price"), Count("bidder")})
                 .To(&sink)
                 .Build(JobConfig{1, 128, 16, 2, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  auto rows = sink.rows();
  std::sort(rows.begin(), rows.end());
  const int64_t t0 = 1704067200000;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].values, (std::vector<Value>{Value::Int64(1), Value::Timestamp(t0), Value::Timestamp(t0 + 10000),
                                                Value::Int64(2), Value::Int64(150), Value::Int64(1)}));
  EXPECT_EQ(rows[1].values, (std::vector<Value>{Value::Int64(2), Value::Timestamp(t0), Value::Timestamp(t0 + 10000),
                                                Value::Int64(1), Value::Int64(300), Value::Int64(1)}));
  int64_t dropped = 0;
  for (const auto& m : (*job)->Metrics()) dropped += m.dropped_rows;
  EXPECT_EQ(dropped, 3);  // two unreadable lines, one row without event time
  std::filesystem::remove_all(dir);
}

// Unwindowed GROUP BY against a reference that replays the input row by row.
TEST(PipelineTest, GroupByChangelogMatchesReference) {
  const uint32_t seed = 11;
  auto parts = RandomBids(seed, 3, 2000, 30);  // auctions are pinned to partitions (p * 1000 + ...)
  std::map<int64_t, std::vector<CollectedRow>> expected;
  for (const auto& part : parts) {
    std::map<int64_t, std::vector<const Row*>> groups;
    for (const Row& r : part) {
      auto& g = groups[r[0].i];
      auto result = [&] {
        int64_t n = 0, sum = 0;
        std::set<std::string> distinct;
        std::optional<int64_t> mx;
        for (const Row* x : g) {
          if (!(*x)[1].is_null) distinct.insert((*x)[1].s);
          if ((*x)[2].is_null) continue;
          ++n;
          sum += (*x)[2].i;
          mx = mx ? std::max(*mx, (*x)[2].i) : (*x)[2].i;
        }
        return std::vector<Value>{Value::Int64(r[0].i), Value::Int64(static_cast<int64_t>(g.size())),
                                  n ? Value::Int64(sum) : Value::Null(DataType::kInt64),
                                  Value::Int64(static_cast<int64_t>(distinct.size())),
                                  mx ? Value::Int64(*mx) : Value::Null(DataType::kInt64)};
      };
      auto& log = expected[r[0].i];
      if (!g.empty()) log.push_back({RowKind::kUpdateBefore, result()});
      g.push_back(&r);
      log.push_back({g.size() == 1 ? RowKind::kInsert : RowKind::kUpdateAfter, result()});
    }
  }
  for (int workers : {1, 3}) {
    for (int batch : {5, 1024}) {
      SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers << " batch=" << batch);
      auto source = MemorySource::Create(kBids, parts, "ts", {}, batch).value();
      CollectingSink sink;
      auto job = Pipeline()
                     .From(source)
                     .KeyBy({"auction"})
                     .Aggregate({Count(), Sum("price"), CountDistinct("bidder"), Max("price")})
                     .To(&sink)
                     .Build(JobConfig{workers, 128, batch, 2, nullptr});
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      ASSERT_TRUE((*job)->Run().ok());
      std::map<int64_t, std::vector<CollectedRow>> got;
      for (const auto& r : sink.rows()) got[r.values[0].i].push_back(r);
      ASSERT_EQ(got.size(), expected.size());
      for (const auto& [k, log] : expected) ASSERT_EQ(got[k], log) << "auction " << k;
    }
  }
}

TEST(GroupAggregateTest, RetractionsUpdateAndDeleteGroups) {
  const Schema in({{"k", DataType::kString}, {"v", DataType::kInt64}});
  OperatorContext ctx;
  auto op = GroupAggregateOperator::Create(in, {0}, {Count(), Sum("v"), Avg("v"), CountDistinct("v")}, -1, ctx);
  ASSERT_TRUE(op.ok());
  CollectingSink sink;
  SinkOperator sink_op((*op)->output_schema(), &sink);
  (*op)->set_next(&sink_op);
  Batch b = testing::MakeBatch(in, {{Value::String("a"), Value::Int64(10)},
                                    {Value::String("a"), Value::Int64(10)},
                                    {Value::String("a"), Value::Int64(10)},
                                    {Value::String("a"), Value::Int64(30)}});
  b.mutable_row_kinds()[2] = RowKind::kUpdateBefore;  // retract one 10
  b.mutable_row_kinds()[3] = RowKind::kInsert;
  ASSERT_TRUE((*op)->Process(b).ok());
  Batch del = testing::MakeBatch(in, {{Value::String("a"), Value::Int64(10)}, {Value::String("a"), Value::Int64(30)}});
  del.mutable_row_kinds()[0] = RowKind::kDelete;
  del.mutable_row_kinds()[1] = RowKind::kDelete;
  ASSERT_TRUE((*op)->Process(del).ok());
  std::vector<std::string> got;
  for (const auto& r : sink.rows()) got.push_back(r.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{"+I(a,1,10,10,1)", "-U(a,1,10,10,1)", "+U(a,2,20,10,1)", "-U(a,2,20,10,1)",
                                           "+U(a,1,10,10,1)", "-U(a,1,10,10,1)", "+U(a,2,40,20,2)", "-U(a,2,40,20,2)",
                                           "+U(a,1,30,30,1)", "-D(a,1,30,30,1)"}));
}

TEST(GroupAggregateTest, StateTtlForgetsIdleKeysWithoutRetraction) {
  const Schema in({{"k", DataType::kString}, {"v", DataType::kInt64}});
  ManualClock clock(0);
  OperatorContext ctx;
  ctx.clock = &clock;
  auto op = GroupAggregateOperator::Create(in, {0}, {Count(), Sum("v")}, -1, ctx, /*state_ttl_ms=*/1000);
  ASSERT_TRUE(op.ok());
  CollectingSink sink;
  SinkOperator sink_op((*op)->output_schema(), &sink);
  (*op)->set_next(&sink_op);
  auto feed = [&](const char* k, int64_t v) {
    Batch b = testing::MakeBatch(in, {{Value::String(k), Value::Int64(v)}});
    ASSERT_TRUE((*op)->Process(b).ok());
  };
  feed("a", 1);
  feed("b", 1);
  clock.Advance(600);
  ASSERT_TRUE((*op)->OnProcessingTime(clock.NowMillis()).ok());
  feed("a", 2);  // touches a: its TTL restarts
  clock.Advance(600);
  ASSERT_TRUE((*op)->OnProcessingTime(clock.NowMillis()).ok());  // b idle 1200 ms: gone; a idle 600 ms
  feed("a", 3);
  feed("b", 5);  // a fresh group: +I
  std::vector<std::string> got;
  for (const auto& r : sink.rows()) got.push_back(r.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{"+I(a,1,1)", "+I(b,1,1)", "-U(a,1,1)", "+U(a,2,3)", "-U(a,2,3)", "+U(a,3,6)",
                                           "+I(b,1,5)"}));
  auto distinct = GroupAggregateOperator::Create(in, {0}, {CountDistinct("v")}, -1, ctx, 1000);
  EXPECT_EQ(distinct.status().code(), StatusCode::kUnsupported);
}

// A source that yields batches from a generator, never holding the input:
// the rows handed out minus the rows a sink has seen is what the job holds.
class GeneratorSource : public Source {
 public:
  GeneratorSource(int64_t rows, int batch) : rows_(rows), batch_(batch) {}
  std::string name() const override { return "generator"; }
  const Schema& schema() const override { return kBids; }
  int event_time_column() const override { return 3; }
  WatermarkStrategy watermark_strategy() const override { return {}; }
  int num_splits() const override { return 2; }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override {
    return std::unique_ptr<SourceReader>(new Reader(this, split));
  }
  std::atomic<int64_t> produced{0};

 private:
  class Reader : public SourceReader {
   public:
    Reader(GeneratorSource* s, int split) : s_(s), split_(split) {}
    Result<ReadStatus> Read(Batch* out) override {
      if (next_ >= s_->rows_ / 2) return ReadStatus::kEndOfInput;
      int n = static_cast<int>(std::min<int64_t>(std::min(s_->batch_, out->capacity()), s_->rows_ / 2 - next_));
      for (int i = 0; i < n; ++i, ++next_) {
        out->column(0).data<int64_t>()[i] = next_ % 1000;
        out->column(1).SetString(i, "bidder");
        out->column(2).data<int64_t>()[i] = next_;
        out->column(3).data<int64_t>()[i] = next_;
      }
      for (int c = 0; c < 4; ++c) out->column(c).SetAllValid();
      out->set_num_rows(n);
      s_->produced.fetch_add(n);
      return ReadStatus::kData;
    }

   private:
    GeneratorSource* s_;
    int split_;
    int64_t next_ = 0;
  };
  int64_t rows_;
  int batch_;
};

// Consumes slowly and records the largest number of rows in flight.
class SlowSink : public Sink {
 public:
  explicit SlowSink(GeneratorSource* source) : source_(source) {}
  Status Write(const Batch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    written_ += batch.active_rows();
    max_in_flight_ = std::max(max_in_flight_, source_->produced.load() - written_);
    // Slowness, not synchronisation: the producers must wait for this sink.
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (std::chrono::steady_clock::now() < until) {
    }
    return Status::Ok();
  }
  int64_t max_in_flight() const { return max_in_flight_; }
  int64_t written() const { return written_; }

 private:
  std::mutex mu_;
  GeneratorSource* source_;
  int64_t written_ = 0;
  int64_t max_in_flight_ = 0;
};

TEST(PipelineTest, SlowSinkKeepsRowsInFlightBounded) {
  const int batch = 256, workers = 2, channel_batches = 2;
  const int64_t rows = 400'000;
  auto source = std::make_shared<GeneratorSource>(rows, batch);
  SlowSink sink(source.get());
  auto job = Pipeline()
                 .From(source)
                 .KeyBy({"auction"})
                 .To(&sink)
                 .Build(JobConfig{workers, 128, batch, channel_batches, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  EXPECT_EQ(sink.written(), rows);
  // Per producer: one batch being read, one partial outgoing batch per
  // consumer, plus the pools; per consumer: the batch being written.
  const int64_t bound = static_cast<int64_t>(workers) * (1 + workers + workers * channel_batches + 1) * batch;
  EXPECT_LE(sink.max_in_flight(), bound);
  int64_t backpressured = 0;
  for (const auto& m : (*job)->Metrics()) backpressured += m.backpressured_ns;
  EXPECT_GT(backpressured, 0);
  EXPECT_LE((*job)->QueueMemoryBytes(), static_cast<size_t>(workers * workers * channel_batches) * 256 * 64);
}

// A source whose second partition never yields data: with an idle timeout
// the window still fires before the input ends.
class StallingSource : public Source {
 public:
  StallingSource(ManualClock* clock, std::atomic<bool>* stop) : clock_(clock), stop_(stop) {}
  std::string name() const override { return "stalling"; }
  const Schema& schema() const override { return kBids; }
  int event_time_column() const override { return 3; }
  WatermarkStrategy watermark_strategy() const override { return WatermarkStrategy{0, 100}; }
  int num_splits() const override { return 2; }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override {
    return std::unique_ptr<SourceReader>(new Reader(this, split));
  }

 private:
  class Reader : public SourceReader {
   public:
    Reader(StallingSource* s, int split) : s_(s), split_(split) {}
    Result<ReadStatus> Read(Batch* out) override {
      if (s_->stop_->load()) return ReadStatus::kEndOfInput;
      s_->clock_->Advance(10);  // time passes as the job polls
      if (split_ == 1 || sent_ == 2) return ReadStatus::kNoDataNow;
      // Two rows: ts 1000 (window [0, 10000)) then ts 20000 (moves the watermark past it).
      out->column(0).data<int64_t>()[0] = 1;
      out->column(1).SetString(0, "x");
      out->column(2).data<int64_t>()[0] = 5;
      out->column(3).data<int64_t>()[0] = sent_ == 0 ? 1000 : 20000;
      for (int c = 0; c < 4; ++c) out->column(c).SetValid(0);
      out->set_num_rows(1);
      ++sent_;
      return ReadStatus::kData;
    }

   private:
    StallingSource* s_;
    int split_;
    int sent_ = 0;
  };
  ManualClock* clock_;
  std::atomic<bool>* stop_;
};

class NotifyingSink : public CollectingSink {
 public:
  explicit NotifyingSink(std::atomic<bool>* stop) : stop_(stop) {}
  Status Write(const Batch& batch) override {
    Status s = CollectingSink::Write(batch);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!got_) fired_before_stop_ = !stop_->load();  // the first result decides
      got_ = true;
    }
    cv_.notify_all();
    return s;
  }
  bool WaitForRow() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return got_; });
  }
  bool fired_before_stop() {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_before_stop_;
  }

 private:
  std::atomic<bool>* stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool got_ = false;
  bool fired_before_stop_ = false;
};

TEST(PipelineTest, IdlePartitionStopsHoldingBackTheWatermark) {
  ManualClock clock(0);
  std::atomic<bool> stop{false};
  auto source = std::make_shared<StallingSource>(&clock, &stop);
  for (int workers : {1, 2}) {
    NotifyingSink sink(&stop);
    auto job = Pipeline()
                   .From(source)
                   .KeyBy({"auction"})
                   .Window(WindowSpec::Tumble(10s))
                   .Aggregate({Count()})
                   .To(&sink)
                   .Build(JobConfig{workers, 128, 64, 2, &clock});
    ASSERT_TRUE(job.ok());
    std::thread runner([&] { EXPECT_TRUE((*job)->Run().ok()); });
    const bool got_row = sink.WaitForRow();
    stop.store(true);
    runner.join();
    ASSERT_TRUE(got_row);
    EXPECT_TRUE(sink.fired_before_stop());
    stop.store(false);
  }
}

TEST(PipelineTest, MetricsCountRowsPerOperator) {
  auto parts = RandomBids(3, 2, 1000, 10);
  auto source = MemorySource::Create(kBids, parts, "ts", {}, 100).value();
  CollectingSink sink;
  auto job = Pipeline()
                 .From(source)
                 .Filter(Col("price") >= 0)
                 .KeyBy({"auction"})
                 .Window(WindowSpec::Tumble(1s))
                 .Aggregate({Count()})
                 .To(&sink)
                 .Build(JobConfig{2, 128, 100, 2, nullptr});
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE((*job)->Run().ok());
  auto m = (*job)->Metrics();
  ASSERT_EQ(m.size(), 5u);  // source, calc, exchange, window, sink
  EXPECT_EQ(m[0].name, "source");
  EXPECT_EQ(m[0].rows_out, 2000);
  EXPECT_EQ(m[1].name, "calc");
  EXPECT_EQ(m[1].rows_in, 2000);
  EXPECT_EQ(m[2].name, "exchange");
  EXPECT_EQ(m[2].rows_in, m[1].rows_out);
  EXPECT_EQ(m[3].name, "window");
  EXPECT_EQ(m[3].rows_in, m[2].rows_out);
  EXPECT_EQ(m[3].watermark, kMaxWatermark);
  EXPECT_EQ(m[4].rows_in, static_cast<int64_t>(sink.rows().size()));
  EXPECT_GT(m[3].busy_ns, 0);
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// Cancels the job from its sink on the first batch.
class CancellingSink : public Sink {
 public:
  Status Write(const Batch&) override {
    if (job) job->Cancel();
    return Status::Ok();
  }
  Job* job = nullptr;
};

TEST(PipelineTest, CancelStopsAnUnfinishedJob) {
  auto source = std::make_shared<GeneratorSource>(int64_t{1} << 40, 256);  // effectively endless
  CancellingSink sink;
  auto job = Pipeline().From(source).KeyBy({"auction"}).To(&sink).Build(JobConfig{2, 128, 256, 2, nullptr});
  ASSERT_TRUE(job.ok());
  sink.job = job->get();
  EXPECT_EQ((*job)->Run().code(), StatusCode::kCancelled);
}

TEST(PipelineTest, StateBeyondTheConfiguredLimitFailsTheJob) {
  // Every row a new key in an unwindowed GROUP BY: state only grows.
  auto source = std::make_shared<GeneratorSource>(200'000, 256);
  CollectingSink sink;
  JobConfig config{1, 128, 256, 2, nullptr};
  config.max_state_bytes = 1 << 20;
  auto job = Pipeline().From(source).KeyBy({"price"}).Aggregate({Count()}).To(&sink).Build(config);
  ASSERT_TRUE(job.ok());
  Status s = (*job)->Run();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
}

}  // namespace
}  // namespace sluice::engine
