#include "bench/sql_bench.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/counting_sink.h"
#include "engine/connector_registry.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "sql/session.h"

namespace sluice::bench {
namespace {

using namespace sluice::engine;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 1000;
constexpr int kEventsPerMs = 100;  // event time advances 1 ms every 100 rows
constexpr int kBatch = kDefaultBatchCapacity;
constexpr int kRepeats = 3;
constexpr int64_t kBaseMs = 1'700'000'000'000;

const Schema kSchema({{"auction", DataType::kInt64}, {"price", DataType::kInt64}, {"ts", DataType::kTimestamp}});

using Batches = std::vector<std::vector<std::shared_ptr<Batch>>>;  // one partition

Batches MakeData(int64_t rows) {
  Batches parts(1);
  std::mt19937_64 rng(42);
  for (int64_t i = 0; i < rows;) {
    auto b = std::make_shared<Batch>(kSchema, kBatch);
    const int n = static_cast<int>(std::min<int64_t>(kBatch, rows - i));
    for (int r = 0; r < n; ++r, ++i) {
      b->column(0).data<int64_t>()[r] = static_cast<int64_t>(rng() % kKeys);
      b->column(1).data<int64_t>()[r] = static_cast<int64_t>(rng() % 1000);
      b->column(2).data<int64_t>()[r] = kBaseMs + i / kEventsPerMs;
    }
    for (int c = 0; c < 3; ++c) b->column(c).SetAllValid();
    b->set_num_rows(n);
    parts[0].push_back(std::move(b));
  }
  return parts;
}

// 'connector' = 'bench': sources replay the benchmark's batches, sinks count.
class BenchConnector : public ConnectorFactory {
 public:
  explicit BenchConnector(const Batches* data) : data_(data) {}
  std::string name() const override { return "bench"; }
  Result<std::shared_ptr<Source>> CreateSource(const TableDescriptor& t, const ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(auto s, MemorySource::FromBatches(t.schema, *data_, t.event_time_column, t.watermark));
    return std::shared_ptr<Source>(std::move(s));
  }
  Result<std::shared_ptr<Sink>> CreateSink(const TableDescriptor&, const ConnectorContext&) override {
    last_sink_ = std::make_shared<CountingSink>();
    return std::shared_ptr<Sink>(last_sink_);
  }
  int64_t last_rows() const { return last_sink_ ? last_sink_->rows() : -1; }

 private:
  const Batches* data_;
  std::shared_ptr<CountingSink> last_sink_;
};

struct Case {
  std::string name;
  std::string sql_sink_columns;  // the sink table's columns
  std::string sql_query;         // over bids (and bids2 for the join)
  // The same pipeline against the C++ API, reading `a` (and `b`).
  std::function<Pipeline(std::shared_ptr<Source> a, std::shared_ptr<Source> b)> pipeline;
};

std::vector<Case> Cases() {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  auto window = [](WindowSpec w) {
    return [w](std::shared_ptr<Source> a, std::shared_ptr<Source>) {
      Pipeline p;
      p.From(std::move(a)).KeyBy({"auction"}).Window(w).Aggregate({Count().As("n"), Max("price").As("top")});
      return p;
    };
  };
  const std::string window_cols =
      "auction BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, top BIGINT";
  auto window_sql = [](const std::string& tvf) {
    return "SELECT auction, window_start, window_end, COUNT(*), MAX(price) FROM TABLE(" + tvf +
           ") GROUP BY auction, window_start, window_end";
  };
  return {
      {"filter price>500, project 3 cols", "auction BIGINT, p2 BIGINT, ts TIMESTAMP(3)",
       "SELECT auction, price * 2, ts FROM bids WHERE price > 500",
       [](std::shared_ptr<Source> a, std::shared_ptr<Source>) {
         Pipeline p;
         p.From(std::move(a))
             .Filter(Col("price") > 500)
             .Select({{Col("auction"), "auction"}, {Col("price") * 2, "p2"}, {Col("ts"), "ts"}});
         return p;
       }},
      {"tumble 10s COUNT+MAX by key", window_cols,
       window_sql("TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)"), window(WindowSpec::Tumble(seconds(10)))},
      {"hop 10s/2s COUNT+MAX by key", window_cols,
       window_sql("HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"),
       window(WindowSpec::Hop(seconds(10), seconds(2)))},
      {"session gap 1s COUNT+MAX by key", window_cols,
       window_sql("SESSION(TABLE bids PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '1' SECOND)"),
       window(WindowSpec::Session(seconds(1)))},
      {"GROUP BY key COUNT+SUM (updating)", "auction BIGINT, n BIGINT, total BIGINT",
       "SELECT auction, COUNT(*), SUM(price) FROM bids GROUP BY auction",
       [](std::shared_ptr<Source> a, std::shared_ptr<Source>) {
         Pipeline p;
         p.From(std::move(a)).KeyBy({"auction"}).Aggregate({Count().As("n"), Sum("price").As("total")});
         return p;
       }},
      {"interval join +-10ms by key", "auction BIGINT, price BIGINT, price2 BIGINT",
       "SELECT a.auction, a.price, b.price FROM bids a JOIN bids2 b ON a.auction = b.auction AND "
       "b.ts BETWEEN a.ts - INTERVAL '0.01' SECOND AND a.ts + INTERVAL '0.01' SECOND",
       [](std::shared_ptr<Source> a, std::shared_ptr<Source> b) {
         Pipeline right;
         right.From(std::move(b));
         Pipeline p;
         p.From(std::move(a)).IntervalJoin(right, {"auction"}, {"auction"}, milliseconds(-10), milliseconds(10));
         return p;
       }},
  };
}

double RowsPerSecond(int64_t rows, Clock::time_point t0, Clock::time_point t1) {
  return static_cast<double>(rows) / std::chrono::duration<double>(t1 - t0).count();
}

// One run of the C++ pipeline: rows/s and rows written.
Result<std::pair<double, int64_t>> RunApi(const Case& c, const Batches& data, int64_t rows) {
  SLUICE_ASSIGN_OR_RETURN(auto a, MemorySource::FromBatches(kSchema, data, "ts", WatermarkStrategy{}));
  SLUICE_ASSIGN_OR_RETURN(auto b, MemorySource::FromBatches(kSchema, data, "ts", WatermarkStrategy{}));
  CountingSink sink;
  Pipeline p = c.pipeline(a, b);
  p.To(&sink);
  SLUICE_ASSIGN_OR_RETURN(auto job, p.Build(JobConfig{1, 128, kBatch, 4, nullptr}));
  auto t0 = Clock::now();
  SLUICE_RETURN_IF_ERROR(job->Run());
  return std::make_pair(RowsPerSecond(rows, t0, Clock::now()), sink.rows());
}

// One run of the SQL script through a session: rows/s and rows written.
Result<std::pair<double, int64_t>> RunSql(const Case& c, const Batches& data, int64_t rows) {
  auto connector = std::make_shared<BenchConnector>(&data);
  ConnectorRegistry registry;
  registry.Register(connector);
  ConnectorContext ctx;
  ctx.parallelism = 1;
  sql::Session session(&registry, ctx);
  const std::string table =
      "(auction BIGINT, price BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'bench')";
  const std::string script = fmt::format(
      "CREATE TABLE bids {0};\nCREATE TABLE bids2 {0};\nCREATE TABLE out ({1}) WITH ('connector' = 'bench');\n"
      "INSERT INTO out {2};\n",
      table, c.sql_sink_columns, c.sql_query);
  std::string out;
  auto t0 = Clock::now();
  SLUICE_RETURN_IF_ERROR(session.ExecuteScript(script, &out));
  return std::make_pair(RowsPerSecond(rows, t0, Clock::now()), connector->last_rows());
}

}  // namespace

Status RunSqlBench(Context& ctx) {
  Report& r = *ctx.report;
  const int64_t rows = ctx.quick ? 400'000 : 6'000'000;
  const Batches data = MakeData(rows);
  r.Note(
      fmt::format("{} rows, {} keys, {} rows per ms of event time, one partition, 1 worker (source and keyed threads); "
                  "best of {} alternating runs, each a whole job: SQL's time includes planning",
                  rows, kKeys, kEventsPerMs, kRepeats));
  for (const Case& c : Cases()) {
    double sql_best = 0, api_best = 0;
    int64_t sql_rows = -1, api_rows = -1;
    for (int i = 0; i < kRepeats; ++i) {
      SLUICE_ASSIGN_OR_RETURN(auto api, RunApi(c, data, rows));
      SLUICE_ASSIGN_OR_RETURN(auto sql, RunSql(c, data, rows));
      api_best = std::max(api_best, api.first);
      sql_best = std::max(sql_best, sql.first);
      api_rows = api.second;
      sql_rows = sql.second;
    }
    if (sql_rows != api_rows) {
      return Status::Internal(
          fmt::format("{}: SQL wrote {} rows, the C++ pipeline {}: they do not compute the same thing", c.name,
                      sql_rows, api_rows));
    }
    r.Add({fmt::format("SQL: {} ({} rows out)", c.name, sql_rows), sql_best, "rows/s", "C++ Pipeline API", api_best});
  }
  return Status::Ok();
}

}  // namespace sluice::bench
