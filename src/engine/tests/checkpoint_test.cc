// Checkpoints: the store's file format and its corruption handling, and the
// exactly-once property — a job killed after some checkpoints and resumed
// (with another worker count) commits exactly what an uninterrupted run
// produces.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/checkpoint_store.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "engine/tests/checkpoint_fixtures.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Materialize;
using testing::SlowSource;
using testing::TxnSink;
using testing::TxnStorage;

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("sluice-{}-{}", name, ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Checkpoint Sample(int64_t id) {
  Checkpoint c;
  c.id = id;
  c.created_ms = 1000 + id;
  c.job = "job";
  c.entries.push_back({CheckpointEntry::Kind::kSourcePosition, 0, 1, 2, 12345, "pos"});
  c.entries.push_back({CheckpointEntry::Kind::kKeyGroupState, 1, 0, 77, 0, std::string(1000, 'x')});
  c.entries.push_back({CheckpointEntry::Kind::kSinkHandle, 2, 3, 0, 0, ""});
  return c;
}

TEST(CheckpointStoreTest, RoundTripsAndKeepsTheLastN) {
  fs::path dir = TempDir("ckstore");
  CheckpointStore store(dir, 2);
  for (int64_t id = 1; id <= 4; ++id) ASSERT_TRUE(store.Write(Sample(id)).ok());
  EXPECT_EQ(store.List(), (std::vector<int64_t>{3, 4}));
  auto latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  const Checkpoint& c = **latest;
  EXPECT_EQ(c.id, 4);
  EXPECT_EQ(c.job, "job");
  ASSERT_EQ(c.entries.size(), 3u);
  EXPECT_EQ(c.entries[0].aux, 12345);
  EXPECT_EQ(c.entries[0].data, "pos");
  EXPECT_EQ(c.entries[1].part, 77u);
  EXPECT_EQ(c.entries[1].data.size(), 1000u);
  fs::remove_all(dir);
}

TEST(CheckpointStoreTest, CorruptOrTruncatedNewestFallsBackToThePreviousOne) {
  fs::path dir = TempDir("ckcorrupt");
  CheckpointStore store(dir, 3);
  ASSERT_TRUE(store.Write(Sample(1)).ok());
  ASSERT_TRUE(store.Write(Sample(2)).ok());
  const fs::path newest = dir / "chk-00000000000000000002.ckpt";
  {
    std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    f.put('!');  // a flipped byte: checksum mismatch
  }
  auto latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 1);
  fs::resize_file(newest, 20);  // truncated
  latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 1);
  fs::resize_file(dir / "chk-00000000000000000001.ckpt", 3);
  latest = store.LoadLatest();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  // Every prefix and every flipped byte decodes to an error, never a crash.
  const std::string bytes = CheckpointStore::Encode(Sample(9));
  for (size_t n = 0; n < bytes.size(); n += 7) EXPECT_FALSE(CheckpointStore::Decode(bytes.substr(0, n)).ok());
  for (size_t i = 0; i < bytes.size(); i += 5) {
    std::string b = bytes;
    b[i] ^= 0x5a;
    EXPECT_FALSE(CheckpointStore::Decode(b).ok()) << "byte " << i;
  }
  fs::remove_all(dir);
}

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

std::shared_ptr<MemorySource> Input(uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<MemorySource::Row>> parts(3);
  for (auto& part : parts) {
    int64_t base = 0;
    for (int i = 0; i < 6000; ++i) {
      base += static_cast<int64_t>(rng() % 5);
      int64_t ts = base - static_cast<int64_t>(rng() % 60);  // some rows late (delay 40 ms)
      part.push_back({Value::Int64(static_cast<int64_t>(rng() % 50)), Value::Int64(static_cast<int64_t>(rng() % 100)),
                      Value::Timestamp(ts)});
    }
  }
  return *MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy::BoundedDelay(40ms), 16);
}

// Two keyed stages: per key and 50 ms window COUNT and SUM, then per window
// the number of keys and the largest sum (an updating aggregation).
Pipeline Query(std::shared_ptr<Source> source, Sink* sink) {
  Pipeline p;
  p.From(std::move(source))
      .KeyBy({"k"})
      .Window(WindowSpec::Tumble(50ms))
      .Aggregate({Count().As("n"), Sum("v").As("total")})
      .KeyBy({"window_start"})
      .Aggregate({Count().As("keys"), Max("total").As("top")})
      .To(sink);
  return p;
}

TEST(CheckpointTest, KilledJobResumesFromItsCheckpointExactlyOnce) {
  auto input = Input(99);
  CollectingSink reference_sink;
  auto reference = Query(input, &reference_sink).Build(JobConfig{2, 64, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_sink.rows());
  ASSERT_FALSE(want.empty());

  for (auto [first_workers, second_workers] : {std::pair{2, 3}, std::pair{1, 2}, std::pair{3, 1}}) {
    SCOPED_TRACE(fmt::format("workers {} then {}", first_workers, second_workers));
    fs::path dir = TempDir(fmt::format("ckjob{}{}", first_workers, second_workers));
    TxnStorage storage;
    std::atomic<bool> hold{true};
    auto source = std::make_shared<SlowSource>(input, &hold);
    JobConfig config{first_workers, 64, 16, 2, nullptr};
    config.checkpoint_interval_ms = 10;
    config.checkpoint_dir = dir;
    config.job_name = "windows";
    int64_t restored_from = 0;
    {
      TxnSink sink(&storage, "first");
      auto job = Query(source, &sink).Build(config);
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      std::thread runner([&] { (void)(*job)->Run(); });
      // "Crash" once a few checkpoints are stored: nothing more is committed.
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while ((*job)->checkpoint_stats().completed < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
      }
      (*job)->Cancel();
      runner.join();
      ASSERT_GE((*job)->checkpoint_stats().completed, 3);
      restored_from = (*job)->checkpoint_stats().last_id;
    }
    hold = false;
    {
      TxnSink sink(&storage, "second");
      config.workers = second_workers;
      auto job = Query(source, &sink).Build(config);
      ASSERT_TRUE(job.ok()) << job.status().ToString();
      EXPECT_GE((*job)->checkpoint_stats().restored_from, restored_from);
      Status s = (*job)->Run();
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    auto got = Materialize(storage.committed);
    EXPECT_EQ(got, want) << got.size() << " rows committed, " << want.size() << " expected";
    fs::remove_all(dir);
  }
}

// The window's late rows go to a transactional late-data sink, which stages
// them per keyed task and pre-commits them at that task's barriers: after a
// crash and a restore every late row is committed exactly once.
TEST(CheckpointTest, LateRowsReachATransactionalLateSinkExactlyOnceAcrossARestore) {
  auto input = Input(7);
  auto query = [](std::shared_ptr<Source> source, Sink* sink, Sink* late) {
    Pipeline p = Query(std::move(source), sink);
    p.LateDataTo(late);
    return p;
  };
  CollectingSink reference_sink;
  CollectingSink reference_late;
  auto reference = query(input, &reference_sink, &reference_late).Build(JobConfig{2, 64, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Run().ok());
  const auto want = Materialize(reference_late.rows());
  ASSERT_FALSE(want.empty());
  fs::path dir = TempDir("cklate");
  TxnStorage storage;
  TxnStorage late_storage;
  auto source = std::make_shared<SlowSource>(input);
  JobConfig config{2, 64, 16, 2, nullptr};
  config.checkpoint_interval_ms = 10;
  config.checkpoint_dir = dir;
  config.job_name = "late";
  {
    TxnSink sink(&storage, "first");
    TxnSink late(&late_storage, "first");
    auto job = query(source, &sink, &late).Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    while ((*job)->checkpoint_stats().completed < 3) std::this_thread::sleep_for(1ms);
    (*job)->Cancel();
    runner.join();
  }
  {
    TxnSink sink(&storage, "second");
    TxnSink late(&late_storage, "second");
    auto job = query(source, &sink, &late).Build(config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_GT((*job)->checkpoint_stats().restored_from, 0);
    Status s = (*job)->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  auto got = Materialize(late_storage.committed);
  EXPECT_EQ(got, want) << got.size() << " late rows committed, " << want.size() << " expected";
  fs::remove_all(dir);
}

// A slow source whose rows with v == 13 are "undecodable": its readers drop
// them from the batch and give them as dead letters ("k/v/ts" as raw text).
class BadRowSource : public Source {
 public:
  explicit BadRowSource(std::shared_ptr<Source> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return "bad-rows"; }
  const Schema& schema() const override { return inner_->schema(); }
  int event_time_column() const override { return inner_->event_time_column(); }
  WatermarkStrategy watermark_strategy() const override { return inner_->watermark_strategy(); }
  int num_splits() const override { return inner_->num_splits(); }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override { return Wrap(inner_->OpenSplit(split)); }
  Result<std::unique_ptr<SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    return Wrap(inner_->OpenSplitAt(split, position));
  }

 private:
  class Reader : public SourceReader {
   public:
    explicit Reader(std::unique_ptr<SourceReader> inner) : inner_(std::move(inner)) {}
    Result<ReadStatus> Read(Batch* out) override {
      SLUICE_ASSIGN_OR_RETURN(ReadStatus rs, inner_->Read(out));
      int kept = 0;
      for (int r = 0; r < out->num_rows(); ++r) {
        const int64_t k = out->column(0).data<int64_t>()[r];
        const int64_t v = out->column(1).data<int64_t>()[r];
        const int64_t ts = out->column(2).data<int64_t>()[r];
        if (v == 13) {
          ++bad_;
          if (dead_) dead_->push_back({fmt::format("{}/{}/{}", k, v, ts), "v is unlucky", "here", 0});
          continue;
        }
        for (int c = 0; c < out->num_columns(); ++c) out->column(c).CopyRow(out->column(c), r, kept);
        ++kept;
      }
      out->set_num_rows(kept);
      return rs;
    }
    int64_t bad_records() const override { return bad_; }
    void SetDeadLetterOutput(std::vector<DeadLetter>* out) override { dead_ = out; }
    Result<std::string> Position() const override { return inner_->Position(); }

   private:
    std::unique_ptr<SourceReader> inner_;
    std::vector<DeadLetter>* dead_ = nullptr;
    int64_t bad_ = 0;
  };
  static Result<std::unique_ptr<SourceReader>> Wrap(Result<std::unique_ptr<SourceReader>> r) {
    if (!r.ok()) return r.status();
    return std::unique_ptr<SourceReader>(new Reader(std::move(*r)));
  }
  std::shared_ptr<Source> inner_;
};

// Dead letters are written by the source task right after the Read() that
// skipped them and pre-committed at its barriers, with the positions that
// cover them: after a crash and a restore (with another worker count) every
// one is committed exactly once.
TEST(CheckpointTest, DeadLettersReachATransactionalSinkExactlyOnceAcrossARestore) {
  auto input = Input(11);
  std::multiset<std::string> want;
  for (int split = 0; split < input->num_splits(); ++split) {
    auto opened = input->OpenSplit(split);
    ASSERT_TRUE(opened.ok());
    std::unique_ptr<SourceReader> reader = std::move(*opened);
    Batch b(kSchema, 16);
    while (true) {
      b.Clear();
      auto rs = reader->Read(&b);
      ASSERT_TRUE(rs.ok());
      if (*rs == ReadStatus::kEndOfInput) break;
      for (int r = 0; r < b.num_rows(); ++r) {
        if (b.column(1).data<int64_t>()[r] != 13) continue;
        want.insert(fmt::format("{}/13/{}", b.column(0).data<int64_t>()[r], b.column(2).data<int64_t>()[r]));
      }
    }
  }
  ASSERT_FALSE(want.empty());
  fs::path dir = TempDir("ckdead");
  TxnStorage storage;
  TxnStorage dead_storage;
  auto source = std::make_shared<BadRowSource>(std::make_shared<SlowSource>(input));
  JobConfig config{2, 64, 16, 2, nullptr};
  config.checkpoint_interval_ms = 10;
  config.checkpoint_dir = dir;
  config.job_name = "dead";
  auto spec = [&](Sink* sink, Sink* dead) {
    JobSpec s = *Query(source, sink).BuildSpec();
    s.stages[0].dead_letter_sink = dead;
    return s;
  };
  {
    TxnSink sink(&storage, "first");
    TxnSink dead(&dead_storage, "first");
    auto job = Job::Create(spec(&sink, &dead), config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    while ((*job)->checkpoint_stats().completed < 3) std::this_thread::sleep_for(1ms);
    (*job)->Cancel();
    runner.join();
  }
  {
    TxnSink sink(&storage, "second");
    TxnSink dead(&dead_storage, "second");
    config.workers = 3;
    auto job = Job::Create(spec(&sink, &dead), config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_GT((*job)->checkpoint_stats().restored_from, 0);
    Status s = (*job)->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::multiset<std::string> got;
  for (const CollectedRow& r : dead_storage.committed) {
    got.insert(r.values[0].s);
    EXPECT_EQ(r.values[1].s, "v is unlucky");
  }
  EXPECT_EQ(got, want) << got.size() << " dead letters committed, " << want.size() << " expected";
  fs::remove_all(dir);
}

// A small bounded table that drains at once.
std::shared_ptr<MemorySource> SmallTable(int rows) {
  std::vector<std::vector<MemorySource::Row>> parts(1);
  for (int i = 0; i < rows; ++i) {
    parts[0].push_back({Value::Int64(i % 50), Value::Int64(i), Value::Timestamp(i)});
  }
  return *MemorySource::Create(kSchema, parts, "ts", WatermarkStrategy::BoundedDelay(0ms), 16);
}

// Two pipelines in one job: a join of a long-running input with a small
// table, and a window aggregation of another small table. The small inputs
// drain long before the job ends.
JobSpec MixedSpec(std::shared_ptr<Source> slow, Sink* joined, Sink* windows) {
  Pipeline dims;
  dims.From(SmallTable(60));
  Pipeline join;
  join.From(std::move(slow)).Join(dims, {"k"}, {"k"}).To(joined);
  Pipeline small;
  small.From(SmallTable(500))
      .KeyBy({"k"})
      .Window(WindowSpec::Tumble(50ms))
      .Aggregate({Count().As("n"), Sum("v").As("total")})
      .To(windows);
  JobSpec spec = *join.BuildSpec();
  spec.Append(*small.BuildSpec());
  return spec;
}

TEST(CheckpointTest, CheckpointsGoOnAfterSomeInputsDrainAndStayExactlyOnce) {
  auto input = Input(7);
  CollectingSink want_joined, want_windows;
  auto reference = Job::Create(MixedSpec(input, &want_joined, &want_windows), JobConfig{2, 64, 16, 2, nullptr});
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_TRUE((*reference)->Run().ok());
  ASSERT_FALSE(want_joined.rows().empty());
  ASSERT_FALSE(want_windows.rows().empty());

  fs::path dir = TempDir("ckmixed");
  TxnStorage joined, windows;
  std::atomic<bool> hold{true};
  auto source = std::make_shared<SlowSource>(input, &hold);
  JobConfig config{2, 64, 16, 2, nullptr};
  config.checkpoint_interval_ms = 10;
  config.checkpoint_dir = dir;
  config.job_name = "mixed";
  {
    TxnSink joined_sink(&joined, "first"), windows_sink(&windows, "first");
    auto job = Job::Create(MixedSpec(source, &joined_sink, &windows_sink), config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    std::thread runner([&] { (void)(*job)->Run(); });
    // The small inputs drain within the first checkpoint interval; later
    // checkpoints must still complete (they used to stop there).
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((*job)->checkpoint_stats().completed < 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_GE((*job)->checkpoint_stats().completed, 4) << "checkpoints stopped once an input drained";
    (*job)->Cancel();
    runner.join();
  }
  {
    std::lock_guard lock(windows.mu);
    EXPECT_FALSE(windows.committed.empty()) << "the drained pipeline's output was not committed by a checkpoint";
  }
  hold = false;
  {
    TxnSink joined_sink(&joined, "second"), windows_sink(&windows, "second");
    config.workers = 3;
    auto job = Job::Create(MixedSpec(source, &joined_sink, &windows_sink), config);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_GE((*job)->checkpoint_stats().restored_from, 4);
    Status s = (*job)->Run();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Materialize(joined.committed), Materialize(want_joined.rows()));
  EXPECT_EQ(Materialize(windows.committed), Materialize(want_windows.rows()));
  fs::remove_all(dir);
}

TEST(CheckpointTest, AJobWithAnotherNameDoesNotRestoreTheCheckpoint) {
  fs::path dir = TempDir("ckname");
  CheckpointStore store(dir);
  ASSERT_TRUE(store.Write(Sample(5)).ok());  // job "job"
  CollectingSink sink;
  JobConfig config{1, 64, 16, 2, nullptr};
  config.checkpoint_interval_ms = 10;
  config.checkpoint_dir = dir;
  config.job_name = "other";
  auto job = Query(Input(1), &sink).Build(config);
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.status().message().find("belongs to job 'job'"), std::string::npos) << job.status().ToString();
  fs::remove_all(dir);
}

}  // namespace

}  // namespace sluice::engine
