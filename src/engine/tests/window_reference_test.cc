// Randomized checks of the keyed window operators against a plain reference
// computation over the whole input. Inputs are shuffled within the
// watermark bound and carry late and duplicate events; every configuration
// runs with 1 and several workers and several batch sizes, and must give
// exactly the reference's result.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {

namespace {

using namespace std::chrono_literals;

struct Ev {
  int64_t k;
  std::optional<int64_t> v;
  int64_t ts;
  int part;
  int idx;
  int64_t w = kMinWatermark;  // partition watermark before this event
};

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

struct Scenario {
  WindowSpec window;
  int64_t delay_ms;
  int partitions;
  int keys;
  int events_per_partition;
  bool keys_pinned;  // every key in one partition: update order is fully determined
  uint32_t seed;
};

std::vector<std::vector<Ev>> Generate(const Scenario& sc) {
  std::mt19937_64 rng(sc.seed);
  std::vector<std::vector<Ev>> parts(sc.partitions);
  const int64_t span = std::max<int64_t>(sc.window.size_ms, sc.window.gap_ms);
  for (int p = 0; p < sc.partitions; ++p) {
    int64_t base = 1'000'000 + static_cast<int64_t>(rng() % 1000);
    for (int i = 0; i < sc.events_per_partition; ++i) {
      base += static_cast<int64_t>(rng() % 40);
      Ev e;
      if (sc.keys_pinned) {
        int per = std::max(1, sc.keys / sc.partitions);
        e.k = p * per + static_cast<int64_t>(rng() % per);
      } else {
        e.k = static_cast<int64_t>(rng() % sc.keys);
      }
      if (rng() % 10 != 0) e.v = static_cast<int64_t>(rng() % 1000) - 100;
      int dice = static_cast<int>(rng() % 100);
      if (dice < 80) {
        e.ts = base - static_cast<int64_t>(rng() % (sc.delay_ms + 1));  // within the bound: on time
      } else if (dice < 95) {
        e.ts = base - sc.delay_ms - static_cast<int64_t>(rng() % (2 * span + 1));  // late, some very late
      } else if (!parts[p].empty()) {
        e = parts[p].back();  // duplicate
      } else {
        e.ts = base;
      }
      e.part = p;
      e.idx = i;
      parts[p].push_back(e);
    }
  }
  for (auto& part : parts) {
    int64_t max_ts = kMinWatermark;
    for (Ev& e : part) {
      e.w = max_ts == kMinWatermark ? kMinWatermark : max_ts - sc.delay_ms;
      max_ts = std::max(max_ts, e.ts);
    }
  }
  return parts;
}

// `distinct_as_count`: sessions run COUNT(v) where the others run COUNT(DISTINCT v).
std::vector<Value> Aggregates(const std::vector<const Ev*>& rows, bool distinct_as_count = false) {
  int64_t count = static_cast<int64_t>(rows.size());
  int64_t n = 0, sum = 0, squares = 0;
  std::optional<int64_t> mn, mx;
  std::set<int64_t> distinct;
  std::optional<std::pair<int64_t, int64_t>> first, last;  // (ts, v)
  for (const Ev* e : rows) {
    if (!e->v) continue;
    int64_t v = *e->v;
    ++n;
    sum += v;
    squares += v * v;
    mn = mn ? std::min(*mn, v) : v;
    mx = mx ? std::max(*mx, v) : v;
    distinct.insert(v);
    std::pair<int64_t, int64_t> tv{e->ts, v};
    if (!first || tv < *first) first = tv;
    if (!last || tv > *last) last = tv;
  }
  auto opt = [](std::optional<int64_t> x) { return x ? Value::Int64(*x) : Value::Null(DataType::kInt64); };
  return {Value::Int64(count), n ? Value::Int64(sum) : Value::Null(DataType::kInt64), opt(mn), opt(mx),
          Value::Int64(distinct_as_count ? n : static_cast<int64_t>(distinct.size())),
          first ? Value::Int64(first->second) : Value::Null(DataType::kInt64),
          last ? Value::Int64(last->second) : Value::Null(DataType::kInt64),
          n ? Value::Int64(sum / n) : Value::Null(DataType::kInt64),  // AVG(BIGINT) is BIGINT, truncated
          // VAR_POP and STDDEV_SAMP of BIGINT, in integer arithmetic as Flink
          // reduces them: (SUM(x*x) - SUM(x)*SUM(x)/COUNT(x)) / COUNT(x) [- 1].
          n ? Value::Int64((squares - sum * sum / n) / n) : Value::Null(DataType::kInt64),
          n > 1 ? Value::Int64(static_cast<int64_t>(
                      std::sqrt(static_cast<double>(std::max<int64_t>(0, (squares - sum * sum / n) / (n - 1))))))
                : Value::Null(DataType::kInt64)};
}

std::vector<AggregateSpec> AggSpecs(bool with_distinct) {
  std::vector<AggregateSpec> a = {Count(), Sum("v"), Min("v"), Max("v")};
  a.push_back(with_distinct ? CountDistinct("v") : Count("v").As("count_distinct_v"));
  a.push_back(FirstValue("v"));
  a.push_back(LastValue("v"));
  a.push_back(Avg("v"));
  a.push_back(VarPop("v"));
  a.push_back(StddevSamp("v"));
  return a;
}

// A changelog grouped per (key, window_start, window_end), in emission order.
using WindowKey = std::tuple<int64_t, int64_t, int64_t>;
using Changelog = std::map<WindowKey, std::vector<CollectedRow>>;

struct Expected {
  Changelog log;
  std::multiset<std::tuple<int64_t, std::optional<int64_t>, int64_t>> late;
};

CollectedRow MakeRow(RowKind kind, int64_t k, int64_t start, int64_t end, std::vector<Value> aggs) {
  CollectedRow r;
  r.kind = kind;
  r.values = {Value::Int64(k), Value::Timestamp(start), Value::Timestamp(end)};
  r.values.insert(r.values.end(), aggs.begin(), aggs.end());
  return r;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

std::vector<std::pair<int64_t, int64_t>> WindowsOf(const WindowSpec& w, int64_t ts) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (w.kind == WindowKind::kTumble) {
    int64_t s = FloorDiv(ts, w.size_ms) * w.size_ms;
    out.push_back({s, s + w.size_ms});
  } else if (w.kind == WindowKind::kHop) {
    for (int64_t s = FloorDiv(ts, w.slide_ms) * w.slide_ms; s > ts - w.size_ms; s -= w.slide_ms) {
      out.push_back({s, s + w.size_ms});
    }
    std::reverse(out.begin(), out.end());
  } else {
    int64_t p = FloorDiv(ts, w.size_ms) * w.size_ms;
    for (int64_t e = p + w.slide_ms; e <= p + w.size_ms; e += w.slide_ms) {
      if (e > ts) out.push_back({p, e});
    }
  }
  return out;
}

std::vector<const Ev*> LateOrder(const std::vector<std::vector<Ev>>& parts) {
  std::vector<const Ev*> late;
  for (const auto& part : parts) {
    for (const Ev& e : part) {
      if (e.w != kMinWatermark && e.ts < e.w) late.push_back(&e);
    }
  }
  std::stable_sort(late.begin(), late.end(), [](const Ev* a, const Ev* b) {
    if (a->w != b->w) return a->w < b->w;
    if (a->part != b->part) return a->part < b->part;
    return a->idx < b->idx;
  });
  return late;
}

Expected ReferenceSliced(const Scenario& sc, const std::vector<std::vector<Ev>>& parts) {
  const WindowSpec& w = sc.window;
  const int64_t L = w.allowed_lateness_ms;
  std::map<WindowKey, std::vector<const Ev*>> rows;
  Expected ex;
  // On-time contributions: every window of an on-time event; the windows of a
  // late event that end after its partition's watermark.
  for (const auto& part : parts) {
    for (const Ev& e : part) {
      bool late = e.w != kMinWatermark && e.ts < e.w;
      for (auto [s, end] : WindowsOf(w, e.ts)) {
        if (!late || end > e.w) rows[{e.k, s, end}].push_back(&e);
      }
    }
  }
  for (auto& [key, evs] : rows) {
    ex.log[key].push_back(
        MakeRow(RowKind::kInsert, std::get<0>(key), std::get<1>(key), std::get<2>(key), Aggregates(evs)));
  }
  for (const Ev* e : LateOrder(parts)) {
    bool accepted = false;
    for (auto [s, end] : WindowsOf(w, e->ts)) {
      if (end > e->w) {
        accepted = true;
        continue;
      }
      if (end + L <= e->w) continue;
      accepted = true;
      WindowKey key{e->k, s, end};
      auto& evs = rows[key];
      auto& log = ex.log[key];
      if (!evs.empty()) log.push_back(MakeRow(RowKind::kUpdateBefore, e->k, s, end, Aggregates(evs)));
      evs.push_back(e);
      log.push_back(MakeRow(log.empty() ? RowKind::kInsert : RowKind::kUpdateAfter, e->k, s, end, Aggregates(evs)));
    }
    if (!accepted) ex.late.insert({e->k, e->v, e->ts});
  }
  return ex;
}

Expected ReferenceSession(const Scenario& sc, const std::vector<std::vector<Ev>>& parts) {
  const int64_t gap = sc.window.gap_ms;
  const int64_t L = sc.window.allowed_lateness_ms;
  struct Session {
    int64_t start, end;
    std::vector<const Ev*> rows;
    bool fired = false;
  };
  std::map<int64_t, std::vector<Session>> sessions;
  Expected ex;
  // On-time events sessionize up front: none of them can touch a session
  // that has fired (its end would be at or below their watermark).
  std::map<int64_t, std::vector<const Ev*>> on_time;
  for (const auto& part : parts) {
    for (const Ev& e : part) {
      if (!(e.w != kMinWatermark && e.ts < e.w)) on_time[e.k].push_back(&e);
    }
  }
  for (auto& [k, evs] : on_time) {
    std::stable_sort(evs.begin(), evs.end(), [](const Ev* a, const Ev* b) { return a->ts < b->ts; });
    for (const Ev* e : evs) {
      auto& list = sessions[k];
      if (!list.empty() && e->ts < list.back().end) {
        list.back().end = std::max(list.back().end, e->ts + gap);
        list.back().rows.push_back(e);
      } else {
        list.push_back(Session{e->ts, e->ts + gap, {e}});
      }
    }
  }
  auto emit = [&](RowKind kind, int64_t k, const Session& s) {
    ex.log[{k, s.start, s.end}].push_back(MakeRow(kind, k, s.start, s.end, Aggregates(s.rows, true)));
  };
  // Fires sessions ending at or before t (in end order, as the engine's timers
  // do) and drops those past their lateness.
  auto fire_up_to = [&](int64_t t) {
    for (auto& [k, list] : sessions) {
      for (auto& s : list) {
        if (!s.fired && s.end <= t) {
          emit(RowKind::kInsert, k, s);
          s.fired = true;
        }
      }
      std::erase_if(list, [&](const Session& s) { return s.fired && s.end + L <= t; });
    }
  };
  for (const Ev* e : LateOrder(parts)) {
    fire_up_to(e->w);
    if (e->ts + gap + L <= e->w) {
      ex.late.insert({e->k, e->v, e->ts});
      continue;
    }
    auto& list = sessions[e->k];
    Session merged{e->ts, e->ts + gap, {e}};
    std::vector<Session> overlapping;
    std::vector<Session> rest;
    for (auto& s : list) {
      if (s.start < e->ts + gap && e->ts < s.end) {
        overlapping.push_back(s);
      } else {
        rest.push_back(s);
      }
    }
    for (auto& s : overlapping) {
      merged.start = std::min(merged.start, s.start);
      merged.end = std::max(merged.end, s.end);
    }
    bool same = overlapping.size() == 1 && overlapping[0].fired && overlapping[0].start == merged.start &&
                overlapping[0].end == merged.end;
    for (auto& s : overlapping) {
      if (s.fired) emit(same ? RowKind::kUpdateBefore : RowKind::kDelete, e->k, s);
      merged.rows.insert(merged.rows.end(), s.rows.begin(), s.rows.end());
    }
    if (merged.end <= e->w) {
      emit(same ? RowKind::kUpdateAfter : RowKind::kInsert, e->k, merged);
      merged.fired = true;
    }
    rest.push_back(merged);
    list = rest;
  }
  fire_up_to(kMaxWatermark);
  return ex;
}

Changelog Group(const std::vector<CollectedRow>& rows) {
  Changelog log;
  for (const CollectedRow& r : rows) log[{r.values[0].i, r.values[1].i, r.values[2].i}].push_back(r);
  return log;
}

// The table a changelog leaves behind; fails when a retraction names no row.
std::multiset<std::vector<Value>> Materialize(const Changelog& log, bool* consistent) {
  std::multiset<std::vector<Value>> table;
  for (const auto& [key, rows] : log) {
    for (const CollectedRow& r : rows) {
      if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
        table.insert(r.values);
      } else {
        auto it = table.find(r.values);
        if (it == table.end()) {
          *consistent = false;
        } else {
          table.erase(it);
        }
      }
    }
  }
  return table;
}

class CollectLate : public CollectingSink {};

void RunScenario(const Scenario& sc, int workers, int batch) {
  SCOPED_TRACE(::testing::Message() << "seed=" << sc.seed << " window=" << sc.window.ToString()
                                    << " lateness=" << sc.window.allowed_lateness_ms << " workers=" << workers
                                    << " batch=" << batch << " pinned=" << sc.keys_pinned);
  auto parts = Generate(sc);
  std::vector<std::vector<MemorySource::Row>> rows(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    for (const Ev& e : parts[p]) {
      rows[p].push_back(
          {Value::Int64(e.k), e.v ? Value::Int64(*e.v) : Value::Null(DataType::kInt64), Value::Timestamp(e.ts)});
    }
  }
  auto source = MemorySource::Create(kSchema, rows, "ts",
                                     WatermarkStrategy::BoundedDelay(std::chrono::milliseconds(sc.delay_ms)), batch);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  CollectingSink sink;
  CollectingSink late;
  const bool session = sc.window.kind == WindowKind::kSession;
  auto job = Pipeline()
                 .From(*source)
                 .KeyBy({"k"})
                 .Window(sc.window)
                 .Aggregate(AggSpecs(!session))
                 .To(&sink)
                 .LateDataTo(&late)
                 .Build(JobConfig{workers, 128, batch, 2, nullptr});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  Status s = (*job)->Run();
  ASSERT_TRUE(s.ok()) << s.ToString();

  Expected ex = session ? ReferenceSession(sc, parts) : ReferenceSliced(sc, parts);
  Changelog got = Group(sink.rows());
  std::multiset<std::tuple<int64_t, std::optional<int64_t>, int64_t>> got_late;
  for (const CollectedRow& r : late.rows()) {
    got_late.insert(
        {r.values[0].i, r.values[1].is_null ? std::nullopt : std::optional<int64_t>(r.values[1].i), r.values[2].i});
  }
  EXPECT_EQ(got_late, ex.late);
  int64_t late_metric = 0;
  for (const auto& m : (*job)->Metrics()) late_metric += m.late_rows;
  EXPECT_EQ(late_metric, static_cast<int64_t>(ex.late.size()));
  if (sc.keys_pinned) {
    for (const auto& [key, log] : got) {
      ASSERT_TRUE(ex.log.count(key)) << "unexpected window for key " << std::get<0>(key) << " [" << std::get<1>(key)
                                     << "," << std::get<2>(key) << "): " << log[0].ToString();
    }
    for (const auto& [key, log] : ex.log) {
      auto it = got.find(key);
      ASSERT_NE(it, got.end()) << "missing window for key " << std::get<0>(key) << " [" << std::get<1>(key) << ","
                               << std::get<2>(key) << ")";
      std::string both;
      for (const auto& r : it->second) both += "\n  engine:    " + r.ToString();
      for (const auto& r : log) both += "\n  reference: " + r.ToString();
      ASSERT_EQ(it->second.size(), log.size()) << "key " << std::get<0>(key) << both;
      for (size_t i = 0; i < log.size(); ++i) {
        ASSERT_EQ(it->second[i], log[i]) << both;
      }
    }
  }
  bool consistent_got = true, consistent_ex = true;
  auto table_got = Materialize(got, &consistent_got);
  auto table_ex = Materialize(ex.log, &consistent_ex);
  EXPECT_TRUE(consistent_got);
  EXPECT_TRUE(consistent_ex);
  if (table_got != table_ex) {
    std::vector<std::vector<Value>> only_got, only_ex;
    std::set_difference(table_got.begin(), table_got.end(), table_ex.begin(), table_ex.end(),
                        std::back_inserter(only_got));
    std::set_difference(table_ex.begin(), table_ex.end(), table_got.begin(), table_got.end(),
                        std::back_inserter(only_ex));
    std::string msg;
    for (size_t i = 0; i < std::min<size_t>(5, only_got.size()); ++i)
      msg += "\n  only in engine: " + ::sluice::engine::testing::RowToString(only_got[i]);
    for (size_t i = 0; i < std::min<size_t>(5, only_ex.size()); ++i)
      msg += "\n  only in reference: " + ::sluice::engine::testing::RowToString(only_ex[i]);
    ADD_FAILURE() << "materialized tables differ (" << only_got.size() << " vs " << only_ex.size() << " rows)" << msg;
  }
}

std::vector<Scenario> Scenarios(bool pinned) {
  std::vector<Scenario> out;
  uint32_t seed = 1234;
  for (WindowSpec w : {WindowSpec::Tumble(1000ms), WindowSpec::Hop(1000ms, 250ms), WindowSpec::Hop(1000ms, 400ms),
                       WindowSpec::Cumulate(1000ms, 250ms), WindowSpec::Session(300ms)}) {
    for (int64_t lateness : {0, 700}) {
      Scenario sc{w.WithAllowedLateness(std::chrono::milliseconds(lateness)), 200, 3, 60, 1500, pinned, seed++};
      out.push_back(sc);
    }
  }
  return out;
}

#ifndef SLUICE_ENGINE_SLOW

TEST(WindowReferenceTest, KeysPinnedToPartitionsMatchReferenceChangelogExactly) {
  for (const Scenario& sc : Scenarios(true)) {
    for (int workers : {1, 3}) {
      for (int batch : {7, 256}) RunScenario(sc, workers, batch);
    }
  }
}

TEST(WindowReferenceTest, KeysSpreadOverPartitionsMatchReferenceTableAndLateOutput) {
  for (const Scenario& sc : Scenarios(false)) {
    for (int workers : {1, 2}) {
      for (int batch : {13, 2048}) RunScenario(sc, workers, batch);
    }
  }
}

TEST(WindowReferenceTest, ManyKeysAcrossKeyGroups) {
  Scenario sc{WindowSpec::Hop(2000ms, 500ms), 300, 2, 5000, 4000, true, 99};
  RunScenario(sc, 2, 512);
}

#else  // the slow suite: many seeds, shapes and configurations

TEST(WindowReferenceSlowTest, ManySeedsWorkersAndBatchSizes) {
  uint32_t seed = 5000;
  for (int round = 0; round < 12; ++round) {
    for (WindowSpec w : {WindowSpec::Tumble(700ms), WindowSpec::Hop(900ms, 300ms), WindowSpec::Hop(1000ms, 400ms),
                         WindowSpec::Cumulate(1200ms, 300ms), WindowSpec::Session(150ms)}) {
      for (int64_t lateness : {0, 400, 2000}) {
        for (bool pinned : {true, false}) {
          Scenario sc{w.WithAllowedLateness(std::chrono::milliseconds(lateness)),
                      50 + 100 * (round % 4),
                      1 + round % 4,
                      20 + 40 * (round % 3),
                      700,
                      pinned,
                      seed++};
          for (int workers : {1, 2, 3}) {
            for (int batch : {1, 17, 2048}) {
              RunScenario(sc, workers, batch);
              if (::testing::Test::HasFatalFailure()) return;
            }
          }
        }
      }
    }
  }
}

#endif

}  // namespace
}  // namespace sluice::engine
