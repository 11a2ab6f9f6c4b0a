#include "bench/engine_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "bench/counting_sink.h"
#include "engine/calc_operator.h"
#include "engine/interval_join_operator.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/window_operator.h"

namespace sluice::bench {
namespace {

using namespace sluice::engine;
using Clock = std::chrono::steady_clock;

constexpr int kKeys = 1000;
constexpr int kEventsPerMs = 100;  // event time advances 1 ms every 100 rows
constexpr int kBatch = kDefaultBatchCapacity;
constexpr int kRepeats = 3;

const Schema kSchema({{"auction", DataType::kInt64}, {"price", DataType::kInt64}, {"ts", DataType::kTimestamp}});

struct Data {
  std::vector<std::shared_ptr<Batch>> batches;
  int64_t rows = 0;
};

Data MakeData(int64_t rows) {
  Data d;
  d.rows = rows;
  std::mt19937_64 rng(42);
  for (int64_t i = 0; i < rows;) {
    auto b = std::make_shared<Batch>(kSchema, kBatch);
    int n = static_cast<int>(std::min<int64_t>(kBatch, rows - i));
    for (int r = 0; r < n; ++r, ++i) {
      b->column(0).data<int64_t>()[r] = static_cast<int64_t>(rng() % kKeys);
      b->column(1).data<int64_t>()[r] = static_cast<int64_t>(rng() % 1000);
      b->column(2).data<int64_t>()[r] = 1'700'000'000'000 + i / kEventsPerMs;
    }
    for (int c = 0; c < 3; ++c) b->column(c).SetAllValid();
    b->set_num_rows(n);
    d.batches.push_back(std::move(b));
  }
  return d;
}

// What both sides report, to check that they computed the same result.
struct Summary {
  int64_t rows = 0;
  int64_t checksum = 0;
  bool operator==(const Summary&) const = default;
};

// Sums a result column (and, for windows, 7 × the MAX column after it, so
// that both sides must compute MAX too — a hand loop whose MAX feeds no
// result could be optimized away).
class SummaryOperator : public Operator {
 public:
  SummaryOperator(Schema s, int count_column, int max_column = -1)
      : schema_(std::move(s)), count_column_(count_column), max_column_(max_column) {}
  std::string name() const override { return "summary"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override {
    const int64_t* c = b.column(count_column_).data<int64_t>();
    const int64_t* m = max_column_ >= 0 ? b.column(max_column_).data<int64_t>() : nullptr;
    for (int k = 0; k < b.active_rows(); ++k) {
      const int r = b.active_row(k);
      summary.checksum += c[r] + (m ? 7 * m[r] : 0);
    }
    summary.rows += b.active_rows();
    return Status::Ok();
  }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  Summary summary;

 private:
  Schema schema_;
  int count_column_;
  int max_column_;
};

double RowsPerSecond(int64_t rows, Clock::time_point t0, Clock::time_point t1) {
  return static_cast<double>(rows) / std::chrono::duration<double>(t1 - t0).count();
}

// Best of kRepeats runs of `fn`, which returns the Summary it computed.
template <typename Fn>
Result<std::pair<double, Summary>> Best(int64_t rows, Fn fn) {
  double best = 0;
  Summary s;
  for (int i = 0; i < kRepeats; ++i) {
    auto t0 = Clock::now();
    Result<Summary> r = fn();
    auto t1 = Clock::now();
    if (!r.ok()) return r.status();
    s = *r;
    best = std::max(best, RowsPerSecond(rows, t0, t1));
  }
  return std::make_pair(best, s);
}

// Runs the data through `head` (then `summary`), with a watermark after each batch.
Result<Summary> DriveOperators(const Data& d, Operator* head, SummaryOperator* summary) {
  Batch work(kSchema, kBatch);
  for (const auto& b : d.batches) {
    CopyBatch(*b, &work);
    SLUICE_RETURN_IF_ERROR(head->Process(work));
    SLUICE_RETURN_IF_ERROR(head->OnWatermark(b->column(2).data<int64_t>()[b->num_rows() - 1]));
  }
  SLUICE_RETURN_IF_ERROR(head->OnWatermark(kMaxWatermark));
  return summary->summary;
}

Status Compare(const std::string& what, const Summary& engine, const Summary& hand) {
  if (engine == hand) return Status::Ok();
  return Status::Internal(fmt::format("{}: engine computed {} rows / checksum {}, the hand-written loop {} / {}", what,
                                      engine.rows, engine.checksum, hand.rows, hand.checksum));
}

// ---- filter / project ----------------------------------------------------

Result<Summary> EngineFilterProject(const Data& d) {
  SLUICE_ASSIGN_OR_RETURN(
      auto calc, CalcOperator::Create(kSchema, Col("price") > 500,
                                      {{Col("auction"), "auction"}, {Col("price") * 2, "p2"}, {Col("ts"), "ts"}}));
  SummaryOperator summary(calc->output_schema(), 1);
  calc->set_next(&summary);
  return DriveOperators(d, calc.get(), &summary);
}

Result<Summary> HandFilterProject(const Data& d) {
  std::vector<int64_t> out_a(kBatch), out_p(kBatch), out_t(kBatch);
  Summary s;
  for (const auto& b : d.batches) {
    const int64_t* a = b->column(0).data<int64_t>();
    const int64_t* p = b->column(1).data<int64_t>();
    const int64_t* t = b->column(2).data<int64_t>();
    int j = 0;
    for (int i = 0; i < b->num_rows(); ++i) {
      if (p[i] > 500) {
        out_a[j] = a[i];
        out_p[j] = p[i] * 2;
        out_t[j] = t[i];
        ++j;
      }
    }
    for (int i = 0; i < j; ++i) s.checksum += out_p[i];
    s.rows += j;
  }
  return s;
}

// ---- windows: COUNT(*), MAX(price) per auction ---------------------------

Result<Summary> EngineWindow(const Data& d, WindowSpec w) {
  OperatorContext ctx;
  WindowAggregateSpec spec{{0}, 2, w, {Count(), Max("price")}};
  SLUICE_ASSIGN_OR_RETURN(auto op, CreateWindowOperator(kSchema, spec, ctx));
  SummaryOperator summary(op->output_schema(), 3, 4);
  op->set_next(&summary);
  return DriveOperators(d, op.get(), &summary);
}

// Hopping (and tumbling: slide == size) windows by hand: one dense array of
// per-key accumulators per slice in a ring; each slide merges the window's
// slices per key — the same work sharing, with no hashing or generality.
Result<Summary> HandSlidingWindow(const Data& d, int64_t size, int64_t slide) {
  const int64_t slice = std::gcd(size, slide);
  const int nslices = static_cast<int>(size / slice);
  std::vector<int64_t> cnt(static_cast<size_t>(nslices) * kKeys, 0), mx(static_cast<size_t>(nslices) * kKeys, 0);
  std::vector<int64_t> wc(kKeys), wm(kKeys);
  Summary s;
  int64_t cur_slice_end = -1;  // end of the slice being filled
  auto ring = [&](int64_t slice_end) { return static_cast<int>((slice_end / slice) % nslices); };
  auto close_slice = [&](int64_t slice_end) {
    // Fire the window ending at slice_end when it is a window end.
    if (slice_end % slide == 0) {
      std::fill(wc.begin(), wc.end(), 0);
      std::fill(wm.begin(), wm.end(), INT64_MIN);
      for (int j = 0; j < nslices; ++j) {
        const int64_t* c = &cnt[static_cast<size_t>(ring(slice_end - j * slice)) * kKeys];
        const int64_t* m = &mx[static_cast<size_t>(ring(slice_end - j * slice)) * kKeys];
        for (int k = 0; k < kKeys; ++k) {
          wc[k] += c[k];
          wm[k] = std::max(wm[k], m[k]);
        }
      }
      for (int k = 0; k < kKeys; ++k) {
        if (wc[k] == 0) continue;
        ++s.rows;
        s.checksum += wc[k] + 7 * wm[k];
      }
    }
  };
  auto reset_slice = [&](int64_t slice_end) {
    int r = ring(slice_end);
    std::fill(&cnt[static_cast<size_t>(r) * kKeys], &cnt[static_cast<size_t>(r + 1) * kKeys], 0);
    std::fill(&mx[static_cast<size_t>(r) * kKeys], &mx[static_cast<size_t>(r + 1) * kKeys], INT64_MIN);
  };
  for (const auto& b : d.batches) {
    const int64_t* a = b->column(0).data<int64_t>();
    const int64_t* p = b->column(1).data<int64_t>();
    const int64_t* t = b->column(2).data<int64_t>();
    for (int i = 0; i < b->num_rows(); ++i) {
      const int64_t se = (t[i] / slice) * slice + slice;
      if (se != cur_slice_end) {
        if (cur_slice_end < 0) {
          for (int j = 0; j < nslices; ++j) reset_slice(se - j * slice);
        }
        while (cur_slice_end >= 0 && cur_slice_end < se) {
          close_slice(cur_slice_end);
          cur_slice_end += slice;
          reset_slice(cur_slice_end);
        }
        cur_slice_end = se;
      }
      const size_t at = static_cast<size_t>(ring(se)) * kKeys + a[i];
      ++cnt[at];
      mx[at] = std::max(mx[at], p[i]);
    }
  }
  // End of input: close the remaining windows.
  for (int64_t e = cur_slice_end; e < cur_slice_end + size; e += slice) {
    close_slice(e);
    reset_slice(e + slice);
  }
  return s;
}

Result<Summary> HandSession(const Data& d, int64_t gap) {
  std::vector<int64_t> end(kKeys, INT64_MIN), cnt(kKeys, 0), mx(kKeys, 0);
  Summary s;
  auto emit = [&](int k) {
    ++s.rows;
    s.checksum += cnt[k] + 7 * mx[k];
  };
  for (const auto& b : d.batches) {
    const int64_t* a = b->column(0).data<int64_t>();
    const int64_t* p = b->column(1).data<int64_t>();
    const int64_t* t = b->column(2).data<int64_t>();
    for (int i = 0; i < b->num_rows(); ++i) {
      const int64_t k = a[i];
      if (cnt[k] > 0 && t[i] < end[k]) {
        end[k] = std::max(end[k], t[i] + gap);
        ++cnt[k];
        mx[k] = std::max(mx[k], p[i]);
      } else {
        if (cnt[k] > 0) emit(static_cast<int>(k));
        end[k] = t[i] + gap;
        cnt[k] = 1;
        mx[k] = p[i];
      }
    }
  }
  for (int k = 0; k < kKeys; ++k) {
    if (cnt[k] > 0) emit(k);
  }
  return s;
}

// ---- interval join: bids JOIN bids' ON key, b.ts BETWEEN a.ts - 10ms AND a.ts + 10ms

// Left rows are the even batches, right rows the odd ones: both sides advance
// together in event time.
class JoinSummary : public Operator {
 public:
  explicit JoinSummary(Schema s) : schema_(std::move(s)) {}
  std::string name() const override { return "summary"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override {
    const int64_t* lp = b.column(1).data<int64_t>();
    const int64_t* rp = b.column(4).data<int64_t>();
    for (int k = 0; k < b.active_rows(); ++k) summary.checksum += lp[b.active_row(k)] ^ rp[b.active_row(k)];
    summary.rows += b.active_rows();
    return Status::Ok();
  }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  Summary summary;

 private:
  Schema schema_;
};

constexpr int64_t kJoinBound = 10;  // about two matches per row at 100 rows/ms over 1000 keys

Result<Summary> EngineIntervalJoin(const Data& d) {
  OperatorContext ctx;
  IntervalJoinSpec spec{{0}, {0}, 2, 2, -kJoinBound, kJoinBound};
  SLUICE_ASSIGN_OR_RETURN(auto join, IntervalJoinOperator::Create(kSchema, kSchema, spec, ctx));
  JoinSummary summary(join->output_schema());
  join->set_next(&summary);
  Batch work(kSchema, kBatch);
  for (size_t i = 0; i < d.batches.size(); ++i) {
    CopyBatch(*d.batches[i], &work);
    SLUICE_RETURN_IF_ERROR(i % 2 == 0 ? join->Process(work) : join->ProcessRight(work));
    if (i % 2 == 1) SLUICE_RETURN_IF_ERROR(join->OnWatermark(d.batches[i - 1]->column(2).data<int64_t>()[0]));
  }
  SLUICE_RETURN_IF_ERROR(join->OnWatermark(kMaxWatermark));
  return summary.summary;
}

// By hand: per key, a deque of (ts, price) per side, expired from the front
// as time moves on (the input is in time order per side).
Result<Summary> HandIntervalJoin(const Data& d) {
  struct Rows {
    std::vector<int64_t> ts, price;
    size_t head = 0;
  };
  std::vector<Rows> side[2] = {std::vector<Rows>(kKeys), std::vector<Rows>(kKeys)};
  Summary s;
  // The joined rows are materialized, as the engine's are: six columns.
  std::vector<int64_t> out(6 * kBatch);
  int out_rows = 0;
  for (size_t i = 0; i < d.batches.size(); ++i) {
    const int me = static_cast<int>(i % 2);
    const Batch& b = *d.batches[i];
    const int64_t* a = b.column(0).data<int64_t>();
    const int64_t* p = b.column(1).data<int64_t>();
    const int64_t* t = b.column(2).data<int64_t>();
    const int64_t watermark = i % 2 == 1 ? d.batches[i - 1]->column(2).data<int64_t>()[0] : INT64_MIN;
    for (int r = 0; r < b.num_rows(); ++r) {
      Rows& other = side[1 - me][a[r]];
      for (size_t j = other.head; j < other.ts.size(); ++j) {
        if (other.ts[j] < t[r] - kJoinBound || other.ts[j] > t[r] + kJoinBound) continue;
        int64_t* o = &out[6 * out_rows];
        o[0] = a[r];
        o[1] = me == 0 ? p[r] : other.price[j];
        o[2] = me == 0 ? t[r] : other.ts[j];
        o[3] = a[r];
        o[4] = me == 0 ? other.price[j] : p[r];
        o[5] = me == 0 ? other.ts[j] : t[r];
        if (++out_rows == kBatch) out_rows = 0;
        ++s.rows;
        s.checksum += o[1] ^ o[4];
      }
      Rows& mine = side[me][a[r]];
      mine.ts.push_back(t[r]);
      mine.price.push_back(p[r]);
    }
    if (watermark != INT64_MIN) {
      for (auto& rows_of_side : side) {
        for (Rows& rows : rows_of_side) {
          while (rows.head < rows.ts.size() && rows.ts[rows.head] + kJoinBound < watermark) ++rows.head;
        }
      }
    }
  }
  return s;
}

// ---- a whole job: threads, exchange, queues -----------------------------

Result<double> JobThroughput(const Data& d, int workers) {
  std::vector<std::vector<std::shared_ptr<Batch>>> parts(2);
  for (size_t i = 0; i < d.batches.size(); ++i) parts[i * 2 / d.batches.size()].push_back(d.batches[i]);
  double best = 0;
  for (int rep = 0; rep < kRepeats; ++rep) {
    SLUICE_ASSIGN_OR_RETURN(auto source, MemorySource::FromBatches(kSchema, parts, "ts", WatermarkStrategy{}));
    CountingSink sink;
    SLUICE_ASSIGN_OR_RETURN(auto job, Pipeline()
                                          .From(source)
                                          .KeyBy({"auction"})
                                          .Window(WindowSpec::Tumble(std::chrono::seconds(10)))
                                          .Aggregate({Count(), Max("price")})
                                          .To(&sink)
                                          .Build(JobConfig{workers, 128, kBatch, 4, nullptr}));
    auto t0 = Clock::now();
    SLUICE_RETURN_IF_ERROR(job->Run());
    best = std::max(best, RowsPerSecond(d.rows, t0, Clock::now()));
  }
  return best;
}

}  // namespace

Status RunEngineBench(Context& ctx) {
  Report& r = *ctx.report;
  const int64_t rows = ctx.quick ? 400'000 : 6'000'000;
  Data d = MakeData(rows);
  r.Note(fmt::format("{} rows, {} keys, {} rows per ms of event time, batches of {}; single thread unless noted", rows,
                     kKeys, kEventsPerMs, kBatch));
  const std::string hand = "hand-written loop";

  {
    SLUICE_ASSIGN_OR_RETURN(auto e, Best(rows, [&] { return EngineFilterProject(d); }));
    SLUICE_ASSIGN_OR_RETURN(auto h, Best(rows, [&] { return HandFilterProject(d); }));
    SLUICE_RETURN_IF_ERROR(Compare("filter/project", e.second, h.second));
    r.Add({"filter price>500, project 3 cols", e.first, "rows/s", hand, h.first});
  }
  struct WindowCase {
    std::string name;
    WindowSpec spec;
    int64_t size, slide;
  };
  using std::chrono::seconds;
  std::vector<WindowCase> cases = {
      {"tumble 10s COUNT+MAX by key", WindowSpec::Tumble(seconds(10)), 10000, 10000},
      {"hop 10s/2s COUNT+MAX by key", WindowSpec::Hop(seconds(10), seconds(2)), 10000, 2000},
      {"hop 60s/1s COUNT+MAX by key", WindowSpec::Hop(seconds(60), seconds(1)), 60000, 1000},
  };
  double tumble_rate = 0;
  for (const auto& c : cases) {
    SLUICE_ASSIGN_OR_RETURN(auto e, Best(rows, [&] { return EngineWindow(d, c.spec); }));
    SLUICE_ASSIGN_OR_RETURN(auto h, Best(rows, [&] { return HandSlidingWindow(d, c.size, c.slide); }));
    SLUICE_RETURN_IF_ERROR(Compare(c.name, e.second, h.second));
    r.Add({c.name, e.first, "rows/s", hand, h.first});
    if (c.slide == c.size) {
      tumble_rate = e.first;
    } else if (c.size == 60000) {
      r.Add({"hop 60s/1s vs tumble 10s (engine)", e.first, "rows/s", "engine tumble 10s", tumble_rate});
    }
  }
  {
    SLUICE_ASSIGN_OR_RETURN(auto e, Best(rows, [&] { return EngineWindow(d, WindowSpec::Session(seconds(1))); }));
    SLUICE_ASSIGN_OR_RETURN(auto h, Best(rows, [&] { return HandSession(d, 1000); }));
    SLUICE_RETURN_IF_ERROR(Compare("session", e.second, h.second));
    r.Add({"session gap 1s COUNT+MAX by key", e.first, "rows/s", hand, h.first});
  }
  {
    SLUICE_ASSIGN_OR_RETURN(auto e, Best(rows, [&] { return EngineIntervalJoin(d); }));
    SLUICE_ASSIGN_OR_RETURN(auto h, Best(rows, [&] { return HandIntervalJoin(d); }));
    SLUICE_RETURN_IF_ERROR(Compare("interval join", e.second, h.second));
    r.Add({fmt::format("interval join +-10ms by key ({} pairs)", e.second.rows), e.first, "rows/s", hand, h.first});
  }
  {
    SLUICE_ASSIGN_OR_RETURN(double one, JobThroughput(d, 1));
    SLUICE_ASSIGN_OR_RETURN(double two, JobThroughput(d, 2));
    r.Add({"job tumble 10s, 1 worker (threads+exchange)", one, "rows/s", "engine operator, 1 thread", tumble_rate});
    r.Add({"job tumble 10s, 2 workers", two, "rows/s", "job, 1 worker", one});
    r.Note(
        fmt::format("a worker runs two threads (sources+exchange, keyed operators), so 1 worker already uses 2 of "
                    "this machine's {} hardware threads",
                    std::thread::hardware_concurrency()));
  }
  return Status::Ok();
}

}  // namespace sluice::bench
