#include "bench/nexmark_bench.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connectors/builtin_connectors.h"
#include "connectors/nexmark/nexmark_generator.h"
#include "engine/connector_registry.h"
#include "engine/sink.h"
#include "sql/session.h"

namespace sluice::bench {
namespace {

#include "nexmark_queries.inc"  // kNexmarkDdl, kNexmarkQueries: bench/nexmark, embedded at build time

namespace nx = connectors::nexmark;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDefaultEvents = 10'000'000;
constexpr int64_t kQuickEvents = 100'000;
constexpr int kLoopRepeats = 3;

// Published Flink figures (bench/nexmark/README.md cites them): Throughput/
// Cores of the nexmark/nexmark README's Flink 1.13 table (100 M events, 3
// workers x 8 cores), and the example table of its GUIDE_V2.md for Flink 2.0
// (50 M events, 4 workers x 16 cores), whose per-core figure is its
// Throughput divided by its Cores column. 0 = no published figure.
struct FlinkFigure {
  const char* query;
  double flink113_per_core;
  double flink2_throughput;
  double flink2_cores;
};
constexpr FlinkFigure kFlinkFigures[] = {
    {"q0", 155.02e3, 2.65e6, 7},       {"q1", 157.94e3, 2.86e6, 7.24},    {"q2", 175.21e3, 2.95e6, 7.13},
    {"q3", 152.12e3, 1.9e6, 8.69},     {"q4", 34.33e3, 347.84e3, 12.33},  {"q5", 22.14e3, 920.4e3, 12.35},
    {"q7", 12.33e3, 262.46e3, 11.45},  {"q8", 146.14e3, 2.08e6, 12.83},   {"q9", 14.24e3, 149.52e3, 10.86},
    {"q10", 57.81e3, 904.32e3, 6.81},  {"q11", 39.7e3, 427.88e3, 9.29},   {"q12", 75.67e3, 1.95e6, 10.03},
    {"q13", 130.73e3, 1.5e6, 7.97},    {"q14", 161.23e3, 2.03e6, 7.83},   {"q15", 72.42e3, 1.37e6, 8.16},
    {"q16", 18.65e3, 487.29e3, 10.77}, {"q17", 116.8e3, 1.63e6, 10.15},   {"q18", 53.7e3, 769.77e3, 11.77},
    {"q19", 44.04e3, 558.84e3, 13.09}, {"q20", 18.98e3, 194.96e3, 10.98}, {"q21", 98.49e3, 1.15e6, 7.81},
    {"q22", 129.96e3, 1.63e6, 7.7},
};

const FlinkFigure* FindFlink(const std::string& query) {
  for (const auto& f : kFlinkFigures) {
    if (query == f.query) return &f;
  }
  return nullptr;
}

int QueryNumber(const std::string& name) { return std::atoi(name.c_str() + 1); }

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// This thread's CPU time: the single-threaded loops are timed by it, so
// that, like Sluice's per-core figure, they do not count time this machine's
// other work took the core away.
double ThreadCpuSeconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// ---- Sluice ---------------------------------------------------------------

// 'connector' = 'blackhole' for the bench: discards rows like the built-in
// one, but keeps the net row count (+I/+U add, -U/-D take away) so the
// result's size can be checked against the hand-written loop's.
class CountingBlackholeSink : public engine::Sink {
 public:
  explicit CountingBlackholeSink(std::atomic<int64_t>* net_rows) : net_rows_(net_rows) {}
  Status Write(const engine::Batch& batch) override {
    int64_t delta = batch.active_rows();
    if (batch.has_row_kinds()) {
      delta = 0;
      for (int k = 0; k < batch.active_rows(); ++k) {
        engine::RowKind kind = batch.row_kind(batch.active_row(k));
        delta += (kind == engine::RowKind::kInsert || kind == engine::RowKind::kUpdateAfter) ? 1 : -1;
      }
    }
    net_rows_->fetch_add(delta, std::memory_order_relaxed);
    return Status::Ok();
  }

 private:
  std::atomic<int64_t>* net_rows_;
};

class CountingBlackhole : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "blackhole"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& t,
                                                       const engine::ConnectorContext&) override {
    return Status::Unsupported(fmt::format("table {}: the 'blackhole' connector is a sink only", t.name));
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor&,
                                                   const engine::ConnectorContext&) override {
    return std::shared_ptr<engine::Sink>(std::make_shared<CountingBlackholeSink>(&net_rows));
  }
  std::atomic<int64_t> net_rows{0};
};

struct QueryRun {
  std::optional<std::string> unsupported;  // the planner's (or DDL's) error when the query does not plan
  int scans = 0;                           // source scans in the plan: each generates every event
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t net_rows = 0;
};

// `query` with EXPLAIN before its INSERT INTO (at the start of a line).
Result<std::string> ExplainVersion(const std::string& name, const std::string& query) {
  std::string lower = query;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (size_t at = lower.find("insert into"); at != std::string::npos; at = lower.find("insert into", at + 1)) {
    if (at == 0 || lower[at - 1] == '\n') return query.substr(0, at) + "EXPLAIN " + query.substr(at);
  }
  return Status::InvalidArgument(fmt::format("nexmark query {} has no INSERT INTO at the start of a line", name));
}

// Plans `query` (EXPLAIN) in one session; if it plans, runs it in a fresh one
// and times it to completion.
Result<QueryRun> RunSluiceQuery(const std::string& name, const std::string& ddl, const std::string& query,
                                int parallelism) {
  engine::ConnectorRegistry registry;
  connectors::RegisterBuiltinConnectors(registry);
  auto blackhole = std::make_shared<CountingBlackhole>();
  registry.Register(blackhole);  // replaces the built-in 'blackhole'
  engine::ConnectorContext cctx;
  cctx.parallelism = parallelism;
  QueryRun run;
  std::string out;
  {
    sql::Session planning(&registry, cctx);
    SLUICE_RETURN_IF_ERROR(planning.ExecuteScript(ddl, &out).WithContext("bench/nexmark/ddl.sql"));
    SLUICE_ASSIGN_OR_RETURN(std::string explain, ExplainVersion(name, query));
    out.clear();
    Status st = planning.ExecuteScript(explain, &out);
    if (!st.ok()) {
      run.unsupported = st.message();
      return run;
    }
    for (size_t at = out.find("TableSourceScan("); at != std::string::npos; at = out.find("TableSourceScan(", at + 1)) {
      ++run.scans;
    }
  }
  sql::Session session(&registry, cctx);
  SLUICE_RETURN_IF_ERROR(session.ExecuteScript(ddl, &out).WithContext("bench/nexmark/ddl.sql"));
  out.clear();
  double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  Status st = session.ExecuteScript(query, &out);
  auto t1 = Clock::now();
  run.cpu_seconds = CpuSeconds() - cpu0;
  run.seconds = std::chrono::duration<double>(t1 - t0).count();
  if (!st.ok()) return st.WithContext("nexmark " + name + " planned but failed");
  run.net_rows = blackhole->net_rows.load();
  return run;
}

// ---- hand-written loops ---------------------------------------------------

// The bids of the generated events, column by column, in event order (which
// is event-time order: the generator spaces events by its fixed rate).
struct Bids {
  std::vector<int64_t> auction, bidder, price, time;
  std::vector<uint32_t> extra_end;  // bid i's extra is extras[extra_end[i-1], extra_end[i])
  std::string extras;
  size_t size() const { return auction.size(); }
  std::string_view extra(size_t i) const {
    uint32_t begin = i == 0 ? 0 : extra_end[i - 1];
    return std::string_view(extras).substr(begin, extra_end[i] - begin);
  }
};

// The same events the 'nexmark' connector generates for 'events.num' = events
// (default config: rate 10 000/s, seed 0).
Bids GenerateBids(int64_t events) {
  nx::GeneratorConfig config;
  config.max_events = events;
  nx::Generator gen(config);
  nx::Event e;
  Bids b;
  size_t expect = static_cast<size_t>(events) / 50 * 46 + 46;
  b.auction.reserve(expect);
  b.bidder.reserve(expect);
  b.price.reserve(expect);
  b.time.reserve(expect);
  b.extra_end.reserve(expect);
  b.extras.reserve(expect * 100);
  while (gen.HasNext()) {
    gen.Next(&e);
    if (e.type != nx::EventType::kBid) continue;
    b.auction.push_back(e.bid.auction);
    b.bidder.push_back(e.bid.bidder);
    b.price.push_back(e.bid.price);
    b.time.push_back(e.bid.date_time);
    b.extras += e.bid.extra;
    b.extra_end.push_back(static_cast<uint32_t>(b.extras.size()));
  }
  return b;
}

// What a loop computed: its row count (compared with Sluice's) and a
// checksum that keeps the compiler from dropping the work.
struct Summary {
  int64_t rows = 0;
  int64_t checksum = 0;
};

// q0 and q1: every bid's (auction, bidder, price, dateTime, extra) copied
// into a 1024-row output buffer, as a projection materialises a batch; q1
// converts the price to euros on the way.
template <bool kEuros>
Summary LoopProject(const Bids& b) {
  constexpr size_t kBatch = 1024;
  struct Row {
    int64_t auction, bidder;
    double price;
    int64_t time;
    uint32_t extra_end;
  };
  std::vector<Row> rows(kBatch);
  std::string arena;
  arena.reserve(kBatch * 128);
  Summary s;
  for (size_t i = 0; i < b.size(); ++i) {
    size_t r = i % kBatch;
    if (r == 0) arena.clear();
    arena.append(b.extra(i));
    double price = kEuros ? 0.908 * static_cast<double>(b.price[i]) : static_cast<double>(b.price[i]);
    rows[r] = Row{b.auction[i], b.bidder[i], price, b.time[i], static_cast<uint32_t>(arena.size())};
    s.checksum += rows[r].auction ^ rows[r].bidder ^ static_cast<int64_t>(rows[r].price) ^ rows[r].time;
    s.checksum += rows[r].extra_end;
  }
  s.rows = static_cast<int64_t>(b.size());
  return s;
}

// q5: bids per auction in HOP windows of 10 s sliding by 2 s, and per window
// the auctions whose count is the window's maximum. Counts are kept per 2 s
// pane; a window, when it ends, merges its five panes.
Summary LoopQ5(const Bids& b) {
  constexpr int64_t kSlide = 2000;
  constexpr int kPanes = 5;  // size / slide
  std::array<std::unordered_map<int64_t, int64_t>, kPanes> panes;
  std::array<int64_t, kPanes> pane_of;  // which pane each slot holds
  pane_of.fill(-1);
  std::unordered_map<int64_t, int64_t> window;
  Summary s;
  // Fires the window made of panes j-4..j.
  auto fire = [&](int64_t j) {
    window.clear();
    for (int k = 0; k < kPanes; ++k) {
      if (pane_of[k] < j - (kPanes - 1) || pane_of[k] > j) continue;
      for (const auto& [auction, count] : panes[k]) window[auction] += count;
    }
    int64_t max = 0;
    for (const auto& [auction, count] : window) max = std::max(max, count);
    for (const auto& [auction, count] : window) {
      if (count != max) continue;
      ++s.rows;
      s.checksum += auction + count;
    }
  };
  int64_t current = -1;
  int slot = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    int64_t pane = b.time[i] / kSlide;
    if (pane != current) {
      if (current >= 0) {
        for (int64_t j = current; j < pane; ++j) fire(j);
      }
      current = pane;
      slot = static_cast<int>(pane % kPanes);
      panes[slot].clear();
      pane_of[slot] = pane;
    }
    ++panes[slot][b.auction[i]];
  }
  if (current >= 0) {
    for (int64_t j = current; j < current + kPanes; ++j) fire(j);
  }
  return s;
}

// q7: per 10 s tumbling window its maximum price, and the bids whose price
// equals it with dateTime BETWEEN window_end - 10 s AND window_end (both
// ends inclusive, as the query says: a bid at exactly window_end, which
// belongs to the next window, also matches this one's maximum). A window's
// bids are scanned twice, as an operator would buffer them.
Summary LoopQ7(const Bids& b) {
  constexpr int64_t kSize = 10000;
  Summary s;
  std::optional<int64_t> prev_max;
  int64_t prev_end = -1;
  size_t i = 0;
  while (i < b.size()) {
    int64_t start = b.time[i] / kSize * kSize;
    int64_t end = start + kSize;
    size_t j = i;
    int64_t max = b.price[i];
    for (; j < b.size() && b.time[j] < end; ++j) max = std::max(max, b.price[j]);
    for (size_t k = i; k < j; ++k) {
      if (b.price[k] == max) {
        ++s.rows;
        s.checksum += b.auction[k] + b.price[k];
      }
      if (prev_end == start && b.time[k] == start && prev_max && b.price[k] == *prev_max) {
        ++s.rows;
        s.checksum += b.auction[k] + b.price[k];
      }
    }
    prev_max = max;
    prev_end = end;
    i = j;
  }
  return s;
}

// Seconds to generate `events` events with nothing done with them.
double GeneratorSeconds(int64_t events) {
  nx::GeneratorConfig config;
  config.max_events = events;
  nx::Generator gen(config);
  nx::Event e;
  int64_t sink = 0;
  double t0 = ThreadCpuSeconds();
  while (gen.HasNext()) {
    gen.Next(&e);
    sink += e.event_time;
  }
  double t1 = ThreadCpuSeconds();
  if (sink == 42) std::fputs("", stderr);  // keeps the loop from being optimised away
  return t1 - t0;
}

template <typename Fn>
std::pair<double, Summary> BestOf(int64_t events, Fn fn) {
  double best = 0;
  Summary s;
  for (int r = 0; r < kLoopRepeats; ++r) {
    double t0 = ThreadCpuSeconds();
    s = fn();
    double t1 = ThreadCpuSeconds();
    best = std::max(best, static_cast<double>(events) / (t1 - t0));
  }
  return {best, s};
}

// The queries named (all when `requested` is empty), in query-number order.
Result<std::vector<const EmbeddedQuery*>> ResolveQueries(std::vector<std::string> requested) {
  if (requested.empty()) {
    for (const auto& q : kNexmarkQueries) requested.push_back(q.name);
  }
  std::sort(requested.begin(), requested.end(),
            [](const std::string& a, const std::string& b) { return QueryNumber(a) < QueryNumber(b); });
  requested.erase(std::unique(requested.begin(), requested.end()), requested.end());
  std::vector<const EmbeddedQuery*> queries;
  for (const auto& n : requested) {
    const EmbeddedQuery* found = nullptr;
    std::string known;
    for (const auto& q : kNexmarkQueries) {
      if (n == q.name) found = &q;
      known += std::string(known.empty() ? "" : ",") + q.name;
    }
    if (!found) return Status::InvalidArgument(fmt::format("no nexmark query '{}'; known: {}", n, known));
    queries.push_back(found);
  }
  return queries;
}

// q13's side input as the Flink runner's SideInputGenerator writes it:
// "i,i" for i in [0, 10000). q10 writes its files under the same dir.
Status WriteSideInput(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir.string() + ": " + ec.message());
  std::string side;
  for (int i = 0; i < 10000; ++i) side += fmt::format("{},{}\n", i, i);
  std::filesystem::path path = dir / "side_input.txt";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::IoErrorFromErrno("fopen", path.string(), errno);
  bool written = std::fwrite(side.data(), 1, side.size(), f) == side.size();
  if (std::fclose(f) != 0 || !written) return Status::IoError("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

Status RunNexmarkBench(Context& ctx) {
  Report& r = *ctx.report;
  const int64_t events = ctx.events > 0 ? ctx.events : (ctx.quick ? kQuickEvents : kDefaultEvents);
  const int parallelism = ctx.parallelism > 0 ? ctx.parallelism : 1;
  const int machine_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int cores_by_parallelism = std::min(parallelism, machine_cores);

  SLUICE_ASSIGN_OR_RETURN(std::vector<const EmbeddedQuery*> queries, ResolveQueries(ctx.queries));
  std::vector<std::string> names;
  for (const EmbeddedQuery* q : queries) names.push_back(q->name);

  std::string ddl = kNexmarkDdl;
  ReplaceAll(&ddl, "${EVENTS}", std::to_string(events));
  r.Note(fmt::format(
      "{} events per query (46/50 bids), generated in-process by the 'nexmark' connector inside the timed run; "
      "parallelism {} on {} hardware threads",
      events, parallelism, machine_cores));
  r.Note(
      "per core = events/s / CPU cores actually used (process CPU time / wall time, as the Flink Nexmark runner "
      "measures cores); loops: 1 thread over events generated into memory beforehand (generation not timed), "
      "timed by the thread's CPU time; generator+loop: the generator alone's time plus the loop's, the fair peer "
      "of Sluice's in-process source");

  // The hand-written loops, over the same events held in memory.
  struct Loop {
    const char* query;
    Summary (*fn)(const Bids&);
  };
  const Loop kLoops[] = {{"q0", LoopProject<false>}, {"q1", LoopProject<true>}, {"q5", LoopQ5}, {"q7", LoopQ7}};
  struct LoopResult {
    double rate = 0;                  // over the events in memory
    double with_generation_rate = 0;  // generating the events (timed apart) and then the loop
    Summary summary;
  };
  std::unordered_map<std::string, LoopResult> loops;
  bool need_loops = false;
  for (const auto& l : kLoops) {
    need_loops |= std::find(names.begin(), names.end(), l.query) != names.end();
  }
  if (need_loops) {
    // The generator alone (what Sluice's source spends before any query work),
    // then the same events into memory for the loops.
    const double gen_seconds = GeneratorSeconds(events);
    r.Add({"generator alone (per core: 1 thread, CPU time)", static_cast<double>(events) / gen_seconds, "events/s",
           std::nullopt, std::nullopt});
    Bids bids = GenerateBids(events);
    for (const auto& l : kLoops) {
      if (std::find(names.begin(), names.end(), l.query) == names.end()) continue;
      auto [rate, summary] = BestOf(events, [&] { return l.fn(bids); });
      double with_generation = static_cast<double>(events) / (gen_seconds + static_cast<double>(events) / rate);
      loops[l.query] = {rate, with_generation, summary};
      r.Add({fmt::format("{} hand-written loop per core", l.query), rate, "events/s", std::nullopt, std::nullopt});
      r.Note(fmt::format("{} loop: {} result rows", l.query, summary.rows));
    }
  }

  const std::filesystem::path nexmark_dir = ctx.scratch_dir / "nexmark";
  SLUICE_RETURN_IF_ERROR(WriteSideInput(nexmark_dir / "data"));

  std::vector<std::string> failures;
  for (const EmbeddedQuery* q : queries) {
    std::string sql = q->sql;
    ReplaceAll(&sql, "${NEXMARK_DIR}", nexmark_dir.string());
    Result<QueryRun> result = RunSluiceQuery(q->name, ddl, sql, parallelism);
    if (!result.ok()) {
      failures.push_back(result.status().message());
      r.Note(fmt::format("{}: FAILED: {}", q->name, result.status().message()));
      if (r.format() != OutputFormat::kTable) {
        std::fprintf(stderr, "nexmark %s: FAILED: %s\n", q->name, result.status().message().c_str());
      }
      continue;
    }
    const QueryRun& run = *result;
    if (run.unsupported) {
      std::string first_line = run.unsupported->substr(0, run.unsupported->find('\n'));
      r.Note(fmt::format("{}: not supported yet: {}", q->name, first_line));
      if (r.format() != OutputFormat::kTable) {
        std::fprintf(stderr, "nexmark %s: not supported yet: %s\n", q->name, first_line.c_str());
      }
      continue;
    }
    double rate = static_cast<double>(events) / run.seconds;
    double cores = std::max(run.cpu_seconds / run.seconds, 1e-3);
    double per_core = rate / cores;
    r.Add({fmt::format("{} sluice p={}", q->name, parallelism), rate, "events/s", std::nullopt, std::nullopt});
    r.Note(
        fmt::format("{}: {} result rows, {:.2f} s wall, {:.2f} CPU cores used, {} source scan(s) (each "
                    "generates all events); per core of parallelism (min(P, {}) = {}): {:.3g} events/s",
                    q->name, run.net_rows, run.seconds, cores, run.scans, machine_cores, cores_by_parallelism,
                    rate / cores_by_parallelism));
    auto loop = loops.find(q->name);
    if (loop == loops.end()) {
      r.Add({fmt::format("{} sluice per core", q->name), per_core, "events/s", std::nullopt, std::nullopt});
    } else {
      r.Add({fmt::format("{} sluice per core", q->name), per_core, "events/s",
             std::string("hand-written loop, 1 thread"), loop->second.rate});
      r.Add({fmt::format("{} sluice per core vs generation+loop", q->name), per_core, "events/s",
             std::string("generator+loop, 1 thread"), loop->second.with_generation_rate});
      if (run.net_rows != loop->second.summary.rows) {
        std::string msg = fmt::format("{}: Sluice's result has {} rows, the hand-written loop's {}", q->name,
                                      run.net_rows, loop->second.summary.rows);
        failures.push_back(msg);
        r.Note("MISMATCH: " + msg);
      }
    }
    if (const FlinkFigure* f = FindFlink(q->name)) {
      r.Add({fmt::format("{} sluice per core vs Flink 2.0", q->name), per_core, "events/s",
             std::string("Flink 2.0 per core (GUIDE_V2)"), f->flink2_throughput / f->flink2_cores});
      r.Add({fmt::format("{} sluice per core vs Flink 1.13", q->name), per_core, "events/s",
             std::string("Flink 1.13 per core (README)"), f->flink113_per_core});
    }
  }
  if (!failures.empty()) {
    std::string all;
    for (const auto& f : failures) all += (all.empty() ? "" : "; ") + f;
    return Status::Internal(all);
  }
  return Status::Ok();
}

}  // namespace sluice::bench
