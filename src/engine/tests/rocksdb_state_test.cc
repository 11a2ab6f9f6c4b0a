// State backend 'rocksdb': the store (writes, lookups, scans, checkpoints,
// corruption), GROUP BY and deduplication against the same plain references
// as the in-memory backend with a cache far smaller than the state, and
// checkpoints of RocksDB state restored onto the same and other worker
// counts, exactly once, falling back past a damaged RocksDB checkpoint.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "engine/checkpoint_store.h"
#include "engine/group_aggregate_operator.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/rank_operators.h"
#include "engine/sink.h"
#include "engine/state/rocksdb_store.h"
#include "engine/state/state_cache.h"
#include "engine/tests/checkpoint_fixtures.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Row = MemorySource::Row;
using testing::Materialize;
using testing::SlowSource;
using testing::TxnSink;
using testing::TxnStorage;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("sluice-rdb-{}-{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

JobConfig RocksConfig(int workers, int batch, int64_t cache_entries, const fs::path& local_dir) {
  JobConfig c{workers, 128, batch, 2, nullptr};
  c.state.backend = StateBackend::kRocksDb;
  c.state.cache_entries = cache_entries;
  c.state.local_dir = local_dir;
  c.state.block_cache_bytes = 1 << 20;
  c.state.write_buffer_bytes = 1 << 20;
  return c;
}

TEST(RocksDbStoreTest, WritesLooksUpScansAndCheckpoints) {
  const fs::path dir = TempDir("store");
  auto store = RocksDbStore::Open(dir / "live", {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RocksDbStore& db = **store;
  for (int kg = 0; kg < 4; ++kg) {
    for (int i = 0; i < 100; ++i) {
      std::string key;
      AppendStateKeyPrefix(kg, 1, &key);
      key += fmt::format("k{:03d}", i);
      db.Put(key, fmt::format("v{}-{}", kg, i));
    }
  }
  EXPECT_EQ(db.staged(), 400u);
  ASSERT_TRUE(db.Commit().ok());
  std::string present, absent;
  AppendStateKeyPrefix(2, 1, &present);
  present += "k007";
  AppendStateKeyPrefix(2, 2, &absent);
  absent += "k007";
  ASSERT_TRUE(db.MultiGet({present, absent}).ok());
  ASSERT_TRUE(db.found(0));
  EXPECT_EQ(db.value(0), "v2-7");
  EXPECT_FALSE(db.found(1));
  int n = 0;
  ASSERT_TRUE(db.Scan(KeyGroupStart(1), KeyGroupStart(3), [&](std::string_view k, std::string_view) {
                  EXPECT_TRUE(k[1] == 1 || k[1] == 2);
                  return ++n > 0;
                }).ok());
  EXPECT_EQ(n, 200);

  ASSERT_TRUE(db.CreateCheckpoint(dir / "ck1").ok());
  db.Put(present, "changed");
  ASSERT_TRUE(db.Commit().ok());
  ASSERT_TRUE(db.CreateCheckpoint(dir / "ck2").ok());
  EXPECT_TRUE(RocksDbStore::VerifyCheckpoint(dir / "ck1").ok());
  // The second checkpoint shares the first one's SST file (a hard link, not
  // a copy) and adds one for the change: incremental.
  std::set<ino_t> first, second;
  for (const auto& f : fs::directory_iterator(dir / "ck1")) {
    struct stat st;
    if (f.path().extension() == ".sst" && ::stat(f.path().c_str(), &st) == 0) first.insert(st.st_ino);
  }
  for (const auto& f : fs::directory_iterator(dir / "ck2")) {
    struct stat st;
    if (f.path().extension() == ".sst" && ::stat(f.path().c_str(), &st) == 0) second.insert(st.st_ino);
  }
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 2u);
  EXPECT_TRUE(second.count(*first.begin()));

  ASSERT_TRUE(db.MultiGet({present, absent}).ok());
  EXPECT_EQ(db.value(0), "changed");
  // A clone of the first checkpoint is writable and holds its contents.
  ASSERT_TRUE(RocksDbStore::CloneCheckpoint(dir / "ck1", dir / "clone").ok());
  auto clone = RocksDbStore::Open(dir / "clone", {});
  ASSERT_TRUE(clone.ok()) << clone.status().ToString();
  ASSERT_TRUE((*clone)->MultiGet({present}).ok());
  EXPECT_EQ((*clone)->value(0), "v2-7");
  (*clone)->Put(present, "x");
  EXPECT_TRUE((*clone)->Commit().ok());

  // A checkpoint missing an SST file, or missing altogether, is rejected.
  for (const auto& f : fs::directory_iterator(dir / "ck2")) {
    if (f.path().extension() == ".sst") {
      fs::remove(f.path());
      break;
    }
  }
  EXPECT_FALSE(RocksDbStore::VerifyCheckpoint(dir / "ck2").ok());
  EXPECT_FALSE(RocksDbStore::VerifyCheckpoint(dir / "nowhere").ok());
  fs::remove_all(dir);
}

// Input: keys pinned to partitions, so each key's changelog is fixed.
const Schema kSchema({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

std::vector<std::vector<Row>> Generate(uint32_t seed, int partitions, int rows, int keys_per_partition) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Row>> parts(partitions);
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < rows; ++i) {
      parts[p].push_back({Value::String("p" + std::to_string(p) + "k" + std::to_string(rng() % keys_per_partition)),
                          Value::Int64(static_cast<int64_t>(rng() % 500)),
                          Value::Timestamp(static_cast<int64_t>(rng() % 10000))});
    }
  }
  return parts;
}

using Log = std::map<std::string, std::vector<std::string>>;

Log ByKey(const std::vector<CollectedRow>& rows) {
  Log out;
  for (const auto& r : rows) out[r.values[0].s].push_back(r.ToString());
  return out;
}

std::string Str(RowKind kind, const Row& r) { return CollectedRow{kind, r}.ToString(); }

// GROUP BY k: COUNT(*), SUM(v), MAX(v), MIN(k) (a string accumulator).
Log GroupByReference(const std::vector<std::vector<Row>>& parts) {
  Log expected;
  for (const auto& part : parts) {
    std::map<std::string, std::pair<int64_t, std::pair<int64_t, int64_t>>> acc;  // n, sum, max
    for (const Row& r : part) {
      auto it = acc.find(r[0].s);
      auto row = [&](int64_t n, int64_t sum, int64_t mx) {
        return Row{r[0], Value::Int64(n), Value::Int64(sum), Value::Int64(mx), r[0]};
      };
      if (it == acc.end()) {
        acc[r[0].s] = {1, {r[1].i, r[1].i}};
        expected[r[0].s].push_back(Str(RowKind::kInsert, row(1, r[1].i, r[1].i)));
        continue;
      }
      auto& [n, sm] = it->second;
      expected[r[0].s].push_back(Str(RowKind::kUpdateBefore, row(n, sm.first, sm.second)));
      ++n;
      sm.first += r[1].i;
      sm.second = std::max(sm.second, r[1].i);
      expected[r[0].s].push_back(Str(RowKind::kUpdateAfter, row(n, sm.first, sm.second)));
    }
  }
  return expected;
}

Log DedupReference(const std::vector<std::vector<Row>>& parts, Keep keep) {
  Log expected;
  for (const auto& part : parts) {
    std::map<std::string, Row> held;
    for (const Row& r : part) {
      auto it = held.find(r[0].s);
      if (it == held.end()) {
        expected[r[0].s].push_back(Str(RowKind::kInsert, r));
        held[r[0].s] = r;
        continue;
      }
      bool replace = keep == Keep::kFirst ? r[2].i < it->second[2].i : r[2].i >= it->second[2].i;
      if (!replace) continue;
      expected[r[0].s].push_back(Str(RowKind::kUpdateBefore, it->second));
      expected[r[0].s].push_back(Str(RowKind::kUpdateAfter, r));
      it->second = r;
    }
  }
  return expected;
}

Pipeline& GroupBy(Pipeline& p) { return p.Aggregate({Count(), Sum("v"), Max("v"), Min("k")}); }

Log RunJob(const std::vector<std::vector<Row>>& parts, JobConfig config,
           const std::function<Pipeline&(Pipeline&)>& keyed) {
  auto source = MemorySource::Create(kSchema, parts, "ts", {}, config.batch_capacity).value();
  CollectingSink sink;
  Pipeline p;
  p.From(source).KeyBy({"k"});
  keyed(p).To(&sink);
  auto job = p.Build(config);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  if (!job.ok()) return {};
  Status s = (*job)->Run();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return ByKey(sink.rows());
}

TEST(RocksDbStateTest, GroupByMatchesReferenceWithACacheFarSmallerThanTheState) {
  const uint32_t seed = 4242;
  auto parts = Generate(seed, 3, 3000, 400);  // 1200 keys, cache of 50
  const Log expected = GroupByReference(parts);
  const fs::path dir = TempDir("groupby");
  for (int workers : {1, 3}) {
    for (int batch : {7, 1024}) {
      SCOPED_TRACE(fmt::format("seed={} workers={} batch={}", seed, workers, batch));
      EXPECT_EQ(RunJob(parts, RocksConfig(workers, batch, 50, dir), GroupBy), expected);
    }
  }
  // Every job removed its working copy.
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(RocksDbStateTest, DeduplicateMatchesReferenceWithACacheFarSmallerThanTheState) {
  const uint32_t seed = 777;
  auto parts = Generate(seed, 3, 3000, 400);
  const fs::path dir = TempDir("dedup");
  for (Keep keep : {Keep::kFirst, Keep::kLast}) {
    const Log expected = DedupReference(parts, keep);
    for (int workers : {1, 3}) {
      for (int batch : {7, 1024}) {
        SCOPED_TRACE(fmt::format("seed={} keep={} workers={} batch={}", seed, keep == Keep::kFirst ? "first" : "last",
                                 workers, batch));
        EXPECT_EQ(RunJob(parts, RocksConfig(workers, batch, 50, dir),
                         [&](Pipeline& p) -> Pipeline& { return p.Deduplicate(keep); }),
                  expected);
      }
    }
  }
  fs::remove_all(dir);
}

TEST(RocksDbStateTest, StateFarBeyondTheCacheStaysBoundedInMemory) {
  // One GROUP BY instance over 1 M distinct keys (engine_slow_tests; 200 k
  // in the default run), each seen twice, with a cache of 1 % of them: the
  // table never grows past the cache plus a batch, RocksDB's memory stays
  // within its budget, and every key's count is right.
  const fs::path dir = TempDir("big");
#ifdef SLUICE_ENGINE_SLOW
  constexpr int kKeys = 1'000'000;
#else
  constexpr int kKeys = 200'000;
#endif
  constexpr int64_t kCache = kKeys / 100;
  const Schema schema({{"k", DataType::kInt64}, {"v", DataType::kInt64}});
  RocksDbStore::Options options;
  options.block_cache_bytes = 4 << 20;
  options.write_buffer_bytes = 4 << 20;
  auto store = RocksDbStore::Open(dir / "db", options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  OperatorContext ctx;
  ctx.state_store = store->get();
  ctx.state_cache_entries = kCache;
  auto op = GroupAggregateOperator::Create(schema, {0}, {Count(), Sum("v")}, -1, ctx);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  ASSERT_TRUE((*op)->in_store());
  CollectingSink sink;
  int64_t emitted = 0, max_table = 0, max_rocks = 0;
  Batch b(schema, kDefaultBatchCapacity);
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2; ++round) {
    for (int start = 0; start < kKeys; start += kDefaultBatchCapacity) {
      b.Clear();
      b.column(0).SetAllValid();
      b.column(1).SetAllValid();
      const int n = std::min(kDefaultBatchCapacity, kKeys - start);
      for (int i = 0; i < n; ++i) {
        // A scattered order: key (start + i) * a prime mod kKeys covers them all.
        b.column(0).data<int64_t>()[i] = static_cast<int64_t>((static_cast<int64_t>(start + i) * 7919) % kKeys);
        b.column(1).data<int64_t>()[i] = round + 1;
      }
      b.set_num_rows(n);
      ASSERT_TRUE((*op)->Process(b).ok());
      emitted += (*op)->metrics().rows_out.load();
      max_table = std::max(max_table, (*op)->StateBytes());
      if ((start / kDefaultBatchCapacity) % 50 == 0) max_rocks = std::max(max_rocks, (*store)->MemoryBytes());
    }
  }
  ASSERT_TRUE((*op)->PrepareSnapshot().ok());
  // Rows out: +I per key in round 1, -U/+U per key in round 2.
  EXPECT_EQ((*op)->metrics().rows_out.load(), 3LL * kKeys);
  // The cache: (1 % of the keys + a batch) entries of ~60 bytes, with table
  // slack; far below the ~40 MB 1 M keys take in memory.
  EXPECT_LT(max_table, 8 << 20) << "cache bytes";
  EXPECT_LT(max_rocks, 24 << 20) << "RocksDB memory";
  // Every key is in RocksDB with COUNT 2 and SUM 3.
  int64_t keys = 0, wrong = 0;
  ASSERT_TRUE((*store)
                  ->Scan(KeyGroupStart(0), KeyGroupStart(kMaxStoreKeyGroups),
                         [&](std::string_view, std::string_view v) {
                           int64_t count, sum;
                           std::memcpy(&count, v.data(), 8);  // COUNT(*) comes first in the layout
                           std::memcpy(&sum, v.data() + 8, 8);
                           ++keys;
                           wrong += !(count == 2);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(keys, kKeys);
  EXPECT_EQ(wrong, 0);
  op->reset();
  store->reset();
  fs::remove_all(dir);
}

// --- checkpoints -----------------------------------------------------------

// GROUP BY k, then deduplication of its changelog's rows per count: both
// operators keep their state in RocksDB, in two stages.
Pipeline Query(std::shared_ptr<Source> source, Sink* sink) {
  Pipeline p;
  p.From(std::move(source)).KeyBy({"k"}).Aggregate({Count().As("n"), Sum("v").As("total")}).To(sink);
  return p;
}

struct Crash {
  int first_workers;
  int second_workers;
};

using QueryFn = std::function<Pipeline(std::shared_ptr<Source>, Sink*)>;

// Runs the query until `checkpoints` are stored, "crashes" (cancel: nothing
// more commits), optionally damages the state, and resumes to the end.
void CrashAndResume(const std::shared_ptr<MemorySource>& input, Crash crash, const fs::path& dir,
                    const std::function<void(CheckpointStore&)>& damage, TxnStorage* storage, int64_t* resumed_from,
                    const QueryFn& query = Query) {
  std::atomic<bool> hold{true};
  auto source = std::make_shared<SlowSource>(input, &hold, 300us);
  JobConfig config = RocksConfig(crash.first_workers, 64, 20, "");
  config.checkpoint_interval_ms = 15;
  config.checkpoint_dir = dir;
  config.job_name = "rocks";
  {
    TxnSink sink(storage, "first");
    auto job = query(source, &sink).Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((*job)->checkpoint_stats().completed < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    (*job)->Cancel();
    runner.join();
    ASSERT_GE((*job)->checkpoint_stats().completed, 3);
    EXPECT_GT((*job)->checkpoint_stats().last_state_bytes, 0);
  }
  hold = false;
  CheckpointStore store(dir, config.checkpoints_retained);
  if (damage) damage(store);
  {
    TxnSink sink(storage, "second");
    config.workers = crash.second_workers;
    auto job = query(source, &sink).Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    *resumed_from = (*job)->checkpoint_stats().restored_from;
    Status s = (*job)->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

std::shared_ptr<MemorySource> CheckpointInput(uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Row>> parts(3);
  for (auto& part : parts) {
    for (int i = 0; i < 5000; ++i) {
      part.push_back({Value::String(fmt::format("key{}", rng() % 2000)),
                      Value::Int64(static_cast<int64_t>(rng() % 100)), Value::Timestamp(i)});
    }
  }
  return *MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy::BoundedDelay(10ms), 16);
}

TEST(RocksDbStateTest, KilledJobResumesFromRocksDbCheckpointsOntoAnyWorkerCount) {
  const uint32_t seed = 31;
  auto input = CheckpointInput(seed);
  CollectingSink reference_sink;
  auto reference = Query(input, &reference_sink).Build(JobConfig{2, 128, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_sink.rows());
  ASSERT_FALSE(want.empty());
  for (Crash crash : {Crash{2, 2}, Crash{2, 3}, Crash{1, 2}, Crash{3, 1}}) {
    SCOPED_TRACE(fmt::format("seed={} workers {} then {}", seed, crash.first_workers, crash.second_workers));
    const fs::path dir = TempDir(fmt::format("ck{}{}", crash.first_workers, crash.second_workers));
    TxnStorage storage;
    int64_t resumed_from = 0;
    CrashAndResume(input, crash, dir, nullptr, &storage, &resumed_from);
    EXPECT_GE(resumed_from, 3);
    auto got = Materialize(storage.committed);
    EXPECT_EQ(got, want) << got.size() << " rows committed, " << want.size() << " expected";
    // Retention: the retained checkpoints' state directories, and at most
    // one more of a checkpoint abandoned when the job ended (removed by the
    // next checkpoint written there).
    int state_dirs = 0;
    for (const auto& f : fs::directory_iterator(dir)) state_dirs += f.path().extension() == ".state";
    EXPECT_LE(state_dirs, 3 + 1);
    fs::remove_all(dir);
  }
}

// A regular inner join of the input with itself (rows of one key meet every
// row of that key), its state in RocksDB (RocksDbJoinOperator), then a
// GROUP BY of the pairs.
Pipeline JoinQuery(std::shared_ptr<Source> source, Sink* sink) {
  Pipeline right;
  right.From(source);
  Pipeline p;
  p.From(std::move(source))
      .Join(right, {"k"}, {"k"})
      .KeyBy({"k"})
      .Aggregate({Count().As("pairs"), Sum("v").As("total")})
      .To(sink);
  return p;
}

TEST(RocksDbStateTest, KilledJoinResumesFromRocksDbCheckpointsOntoAnyWorkerCount) {
  // Few rows per key: every key's pairs grow quadratically.
  std::mt19937_64 rng(5);
  std::vector<std::vector<Row>> parts(2);
  for (auto& part : parts) {
    for (int i = 0; i < 1500; ++i) {
      part.push_back({Value::String(fmt::format("key{}", rng() % 400)), Value::Int64(static_cast<int64_t>(rng() % 100)),
                      Value::Timestamp(i)});
    }
  }
  auto input = *MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy::BoundedDelay(10ms), 16);
  CollectingSink reference_sink;
  auto reference = JoinQuery(input, &reference_sink).Build(JobConfig{2, 128, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_sink.rows());
  ASSERT_FALSE(want.empty());
  for (Crash crash : {Crash{2, 2}, Crash{1, 3}}) {
    SCOPED_TRACE(fmt::format("workers {} then {}", crash.first_workers, crash.second_workers));
    const fs::path dir = TempDir(fmt::format("join{}{}", crash.first_workers, crash.second_workers));
    TxnStorage storage;
    int64_t resumed_from = 0;
    CrashAndResume(input, crash, dir, nullptr, &storage, &resumed_from, JoinQuery);
    EXPECT_GE(resumed_from, 3);
    auto got = Materialize(storage.committed);
    EXPECT_EQ(got, want) << got.size() << " rows committed, " << want.size() << " expected";
    fs::remove_all(dir);
  }
}

TEST(RocksDbStateTest, DamagedNewestRocksDbCheckpointFallsBackToThePreviousOne) {
  auto input = CheckpointInput(8);
  CollectingSink reference_sink;
  auto reference = Query(input, &reference_sink).Build(JobConfig{2, 128, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_sink.rows());
  const fs::path dir = TempDir("damaged");
  TxnStorage storage;
  int64_t newest = 0, resumed_from = 0;
  CrashAndResume(
      input, Crash{2, 2}, dir,
      [&](CheckpointStore& store) {
        newest = store.List().back();
        for (const auto& d : fs::directory_iterator(store.StateDirOf(newest))) {
          if (d.path().filename().string().ends_with("-stage-1-worker-1")) fs::remove_all(d.path());
        }
      },
      &storage, &resumed_from);
  EXPECT_EQ(resumed_from, newest - 1);
  auto got = Materialize(storage.committed);
  EXPECT_EQ(got, want) << got.size() << " rows committed, " << want.size() << " expected";
  fs::remove_all(dir);
}

TEST(RocksDbStateTest, HashMapCheckpointRestoresIntoRocksDbButNotTheOtherWayRound) {
  auto input = CheckpointInput(12);
  CollectingSink reference_sink;
  auto reference = Query(input, &reference_sink).Build(JobConfig{2, 128, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_sink.rows());
  const fs::path dir = TempDir("switch");
  TxnStorage storage;
  auto source = std::make_shared<SlowSource>(input);
  JobConfig config{2, 128, 64, 2, nullptr};
  config.checkpoint_interval_ms = 15;
  config.checkpoint_dir = dir;
  config.job_name = "switch";
  {
    TxnSink sink(&storage, "first");
    auto job = Query(source, &sink).Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    while ((*job)->checkpoint_stats().completed < 2) std::this_thread::sleep_for(1ms);
    (*job)->Cancel();
    runner.join();
  }
  {
    TxnSink sink(&storage, "second");
    JobConfig rocks = config;
    rocks.state = RocksConfig(3, 64, 30, "").state;
    rocks.workers = 3;
    auto job = Query(source, &sink).Build(rocks);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    while ((*job)->checkpoint_stats().completed < 1) std::this_thread::sleep_for(1ms);
    (*job)->Cancel();
    runner.join();
  }
  {
    // Back to the heap backend: refused with a message that says what to do.
    TxnSink sink(&storage, "third");
    auto job = Query(source, &sink).Build(config);
    ASSERT_FALSE(job.ok());
    EXPECT_NE(job.status().message().find("'state.backend' = 'rocksdb'"), std::string::npos) << job.status().ToString();
  }
  {
    TxnSink sink(&storage, "fourth");
    JobConfig rocks = config;
    rocks.state = RocksConfig(1, 64, 30, "").state;
    rocks.workers = 1;
    auto job = Query(source, &sink).Build(rocks);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    Status s = (*job)->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  auto got = Materialize(storage.committed);
  EXPECT_EQ(got, want) << got.size() << " rows committed, " << want.size() << " expected";
  fs::remove_all(dir);
}

TEST(RocksDbStateTest, StagesWithoutRocksDbStateGetNoInstance) {
  // A window aggregation keeps its state in memory: with state.backend
  // 'rocksdb' its stage has no RocksDB instance and checkpoints none.
  const fs::path dir = TempDir("windows");
  auto source = std::make_shared<SlowSource>(CheckpointInput(3));
  CollectingSink sink;
  JobConfig config = RocksConfig(2, 64, 20, "");
  config.checkpoint_interval_ms = 15;
  config.checkpoint_dir = dir;
  config.job_name = "windows";
  auto job = Pipeline()
                 .From(source)
                 .KeyBy({"k"})
                 .Window(WindowSpec::Tumble(50ms))
                 .Aggregate({Count().As("n")})
                 .To(&sink)
                 .Build(config);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::thread runner([&] { (void)(*job)->Run(); });
  while ((*job)->checkpoint_stats().completed < 3) std::this_thread::sleep_for(1ms);
  (*job)->Cancel();
  runner.join();
  auto latest = CheckpointStore(dir).LoadLatest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  int kg_entries = 0;
  for (const CheckpointEntry& e : (*latest)->entries) {
    EXPECT_NE(e.kind, CheckpointEntry::Kind::kRocksDbState);
    kg_entries += e.kind == CheckpointEntry::Kind::kKeyGroupState;
  }
  EXPECT_GT(kg_entries, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice::engine
