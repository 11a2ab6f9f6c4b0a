#include "bench/checkpoint_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "bench/counting_sink.h"
#include "engine/checkpoint_store.h"
#include "engine/group_aggregate_operator.h"
#include "engine/memory_source.h"
#include "engine/pipeline.h"

namespace sluice::bench {
namespace {

using namespace sluice::engine;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kBatch = kDefaultBatchCapacity;
constexpr int kWorkers = 1;  // a worker already runs two threads: this machine's two cores

const Schema kSchema({{"k", DataType::kInt64}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

double Seconds(Clock::time_point t0, Clock::time_point t1) { return std::chrono::duration<double>(t1 - t0).count(); }
double Millis(Clock::time_point t0, Clock::time_point t1) { return Seconds(t0, t1) * 1e3; }

// `rows` rows with keys uniformly random over [0, keys) (`random_keys`), or
// i % keys in order: every key once, then again.
std::vector<std::shared_ptr<Batch>> MakeBatches(int64_t rows, int64_t keys, bool random_keys, uint64_t seed) {
  std::vector<std::shared_ptr<Batch>> out;
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < rows;) {
    auto b = std::make_shared<Batch>(kSchema, kBatch);
    const int n = static_cast<int>(std::min<int64_t>(kBatch, rows - i));
    for (int r = 0; r < n; ++r, ++i) {
      b->column(0).data<int64_t>()[r] = random_keys ? static_cast<int64_t>(rng() % keys) : i % keys;
      b->column(1).data<int64_t>()[r] = static_cast<int64_t>(rng() % 1000);
      b->column(2).data<int64_t>()[r] = 1'700'000'000'000 + i / 100;
    }
    for (int c = 0; c < 3; ++c) b->column(c).SetAllValid();
    b->set_num_rows(n);
    out.push_back(std::move(b));
  }
  return out;
}

// A one-split memory source that stops (reads "no data now", so barriers still
// pass) before batch `gate` until `open` is set, and says when it got there.
// Its position wraps the memory source's (version 1 + next batch index).
class GatedSource : public Source {
 public:
  GatedSource(std::shared_ptr<MemorySource> inner, uint64_t gate) : inner_(std::move(inner)), gate_(gate) {}
  std::string name() const override { return "gated-memory"; }
  const Schema& schema() const override { return inner_->schema(); }
  int event_time_column() const override { return inner_->event_time_column(); }
  WatermarkStrategy watermark_strategy() const override { return inner_->watermark_strategy(); }
  int num_splits() const override { return inner_->num_splits(); }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override {
    SLUICE_ASSIGN_OR_RETURN(auto r, inner_->OpenSplit(split));
    return std::unique_ptr<SourceReader>(new Reader(this, std::move(r), 0));
  }
  Result<std::unique_ptr<SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    SLUICE_ASSIGN_OR_RETURN(auto r, inner_->OpenSplitAt(split, position));
    uint64_t next = 0;
    std::memcpy(&next, position.data() + 1, sizeof(next));  // checked by the memory source
    return std::unique_ptr<SourceReader>(new Reader(this, std::move(r), next));
  }

  std::atomic<bool> open{false};
  std::atomic<bool> reached{false};

 private:
  class Reader : public SourceReader {
   public:
    Reader(GatedSource* source, std::unique_ptr<SourceReader> inner, uint64_t next)
        : source_(source), inner_(std::move(inner)), next_(next) {}
    Result<ReadStatus> Read(Batch* out) override {
      if (next_ == source_->gate_ && !source_->open.load()) {
        source_->reached.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return ReadStatus::kNoDataNow;
      }
      SLUICE_ASSIGN_OR_RETURN(ReadStatus s, inner_->Read(out));
      if (s == ReadStatus::kData) ++next_;
      return s;
    }
    Result<std::string> Position() const override { return inner_->Position(); }

   private:
    GatedSource* source_;
    std::unique_ptr<SourceReader> inner_;
    uint64_t next_;
  };
  std::shared_ptr<MemorySource> inner_;
  uint64_t gate_;
};

Result<std::unique_ptr<Job>> GroupByJob(std::shared_ptr<Source> source, Sink* sink, const JobConfig& config) {
  return Pipeline()
      .From(std::move(source))
      .KeyBy({"k"})
      .Aggregate({Count().As("n"), Sum("v").As("total")})
      .To(sink)
      .Build(config);
}

JobConfig Config(int key_groups, int64_t interval_ms, const fs::path& dir,
                 StateBackend backend = StateBackend::kHashMap) {
  JobConfig c;
  c.workers = kWorkers;
  c.key_groups = key_groups;
  c.batch_capacity = kBatch;
  c.state.backend = backend;
  // Without checkpoints the RocksDB working copy goes to the scratch dir too.
  if (interval_ms <= 0) c.state.local_dir = dir / "rocksdb-live";
  if (interval_ms > 0) {
    c.checkpoint_interval_ms = interval_ms;
    c.checkpoint_dir = dir;
    c.job_name = "checkpoint-bench";
  }
  return c;
}

struct CheckpointSample {
  int64_t id, duration_ms, bytes;
  int64_t state_bytes;  // RocksDB: every file the checkpoint refers to, shared ones too
};

// Runs `job` on a thread while recording every checkpoint it completes.
class JobRunner {
 public:
  explicit JobRunner(Job* job) : job_(job) {
    runner_ = std::thread([this] {
      status_ = job_->Run();
      finished_.store(true);
    });
    monitor_ = std::thread([this] {
      while (!finished_.load()) {
        Poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      Poll();
    });
  }
  ~JobRunner() { (void)Join(); }
  Status Join() {
    if (runner_.joinable()) runner_.join();
    if (monitor_.joinable()) monitor_.join();
    return status_;
  }
  bool finished() const { return finished_.load(); }
  // Checkpoints completed so far (the monitor thread's view).
  std::vector<CheckpointSample> samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }

 private:
  void Poll() {
    CheckpointStats s = job_->checkpoint_stats();
    std::lock_guard lock(mu_);
    if (s.last_id != 0 && (samples_.empty() || samples_.back().id != s.last_id)) {
      samples_.push_back({s.last_id, s.last_duration_ms, s.last_bytes, s.last_state_bytes});
    }
  }
  Job* job_;
  Status status_;
  std::atomic<bool> finished_{false};
  mutable std::mutex mu_;
  std::vector<CheckpointSample> samples_;
  std::thread runner_, monitor_;
};

double Average(const std::vector<CheckpointSample>& v, int64_t CheckpointSample::*field) {
  if (v.empty()) return 0;
  double sum = 0;
  for (const auto& s : v) sum += static_cast<double>(s.*field);
  return sum / static_cast<double>(v.size());
}

// ---- 1. throughput with and without checkpoints ---------------------------

struct ThroughputRun {
  double events_per_s = 0;
  std::vector<CheckpointSample> checkpoints;
};

Result<ThroughputRun> GroupByThroughput(const std::vector<std::shared_ptr<Batch>>& batches, int64_t rows,
                                        int64_t interval_ms, const fs::path& dir,
                                        StateBackend backend = StateBackend::kHashMap) {
  fs::remove_all(dir);  // a leftover checkpoint would make the job resume
  SLUICE_ASSIGN_OR_RETURN(auto source, MemorySource::FromBatches(kSchema, {batches}, "ts", WatermarkStrategy{}));
  CountingSink sink;
  SLUICE_ASSIGN_OR_RETURN(auto job, GroupByJob(source, &sink, Config(128, interval_ms, dir, backend)));
  ThroughputRun out;
  auto t0 = Clock::now();
  JobRunner runner(job.get());
  SLUICE_RETURN_IF_ERROR(runner.Join());
  out.events_per_s = static_cast<double>(rows) / Seconds(t0, Clock::now());
  out.checkpoints = runner.samples();
  if (sink.rows() < rows) {
    return Status::Internal(fmt::format("the job wrote {} changelog rows for {} input rows", sink.rows(), rows));
  }
  fs::remove_all(dir);
  return out;
}

// ---- 2./3. checkpoints of K keys of state, and recovery --------------------

struct StateRun {
  std::vector<CheckpointSample> full;  // checkpoints taken once every key was in the state
  double build_s = 0;                  // job start until the source reached the gate
  // Recovery (when asked for).
  double create_ms = 0, run_ms = 0;
  int64_t restored_from = 0;
  int64_t resumed_rows = 0;
};

// A GROUP BY over `keys` distinct keys (one row each), then a gate, then one
// batch of updates. The job checkpoints every `interval_ms` until `samples`
// checkpoints have been taken with every key in the state, and is cancelled.
// With `recover`, a second job is then created over the same directory with
// the gate open: it restores the state and processes the last batch.
Result<StateRun> StateCheckpoints(int64_t keys, int key_groups, int samples, bool recover, const fs::path& dir,
                                  StateBackend backend = StateBackend::kHashMap) {
  fs::remove_all(dir);
  auto batches = MakeBatches(keys, keys, false, 7);
  const uint64_t gate = batches.size();
  auto tail = MakeBatches(kBatch, keys, true, 8);
  batches.insert(batches.end(), tail.begin(), tail.end());
  SLUICE_ASSIGN_OR_RETURN(auto mem, MemorySource::FromBatches(kSchema, {batches}, "ts", WatermarkStrategy{}));
  batches.clear();
  const int64_t interval_ms = 500;
  StateRun out;
  {
    auto source = std::make_shared<GatedSource>(mem, gate);
    CountingSink sink;
    SLUICE_ASSIGN_OR_RETURN(auto job, GroupByJob(source, &sink, Config(key_groups, interval_ms, dir, backend)));
    auto t0 = Clock::now();
    JobRunner runner(job.get());
    while (!source->reached.load() && !runner.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    out.build_s = Seconds(t0, Clock::now());
    // A checkpoint pending when the source reached the gate may miss rows;
    // the one triggered after it completes covers every key.
    const int64_t first_full = job->checkpoint_stats().last_id + 2;
    while (!runner.finished()) {
      auto got = runner.samples();
      if (!got.empty() && got.back().id >= first_full + samples - 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    job->Cancel();
    Status s = runner.Join();
    if (!s.ok() && s.code() != StatusCode::kCancelled) return s;
    for (const auto& c : runner.samples()) {
      if (c.id >= first_full) out.full.push_back(c);
    }
    if (out.full.empty()) return Status::Internal("the job ended before a checkpoint of its whole state completed");
  }
  if (recover) {
    auto source = std::make_shared<GatedSource>(mem, gate);
    source->open.store(true);
    CountingSink sink;
    auto t0 = Clock::now();
    SLUICE_ASSIGN_OR_RETURN(auto job, GroupByJob(source, &sink, Config(key_groups, interval_ms, dir, backend)));
    auto t1 = Clock::now();
    SLUICE_RETURN_IF_ERROR(job->Run());
    auto t2 = Clock::now();
    out.create_ms = Millis(t0, t1);
    out.run_ms = Millis(t1, t2);
    out.restored_from = job->checkpoint_stats().restored_from;
    out.resumed_rows = sink.rows();
    if (out.restored_from == 0) return Status::Internal("the resumed job did not restore a checkpoint");
    // Every tail key already existed: each row retracts and re-emits its group.
    if (out.resumed_rows != 2 * kBatch) {
      return Status::Internal(
          fmt::format("the resumed job wrote {} rows, expected {} (-U/+U per row of the last batch)", out.resumed_rows,
                      2 * kBatch));
    }
  }
  return out;
}

// ---- where a checkpoint's time goes -------------------------------------

struct Phases {
  double snapshot_ms = 0;  // SnapshotKeyGroups of every key group (one call, as a job's task does)
  double encode_ms = 0;    // CheckpointStore::Encode
  double write_ms = 0;     // CheckpointStore::Write less its Encode: write, fsync, rename
  int64_t bytes = 0;
};

// The phases of a checkpoint of one GROUP BY operator holding `keys` keys,
// driven directly (no job, no barrier alignment): the operator's snapshot of
// `key_groups` key groups, the checkpoint's encoding and its storing.
Result<Phases> SnapshotPhases(int64_t keys, int key_groups, const fs::path& dir) {
  OperatorContext ctx;
  ctx.num_key_groups = key_groups;
  SLUICE_ASSIGN_OR_RETURN(
      auto op, GroupAggregateOperator::Create(kSchema, {0}, {Count().As("n"), Sum("v").As("total")}, 2, ctx));
  {
    auto batches = MakeBatches(keys, keys, false, 7);
    Batch work(kSchema, kBatch);
    for (const auto& b : batches) {
      CopyBatch(*b, &work);
      SLUICE_RETURN_IF_ERROR(op->Process(work));
    }
  }
  Phases p;
  Checkpoint c;
  c.id = 1;
  c.job = "checkpoint-bench";
  std::vector<int> kgs(key_groups);
  for (int kg = 0; kg < key_groups; ++kg) kgs[kg] = kg;
  std::vector<std::string> blobs;
  auto t0 = Clock::now();
  SLUICE_RETURN_IF_ERROR(op->SnapshotKeyGroups(kgs, &blobs));
  for (int kg = 0; kg < key_groups; ++kg) {
    p.bytes += static_cast<int64_t>(blobs[kg].size());
    c.entries.push_back(CheckpointEntry{CheckpointEntry::Kind::kKeyGroupState, 1, 0, static_cast<uint32_t>(kg), 0,
                                        std::move(blobs[kg])});
  }
  auto t1 = Clock::now();
  const std::string encoded = CheckpointStore::Encode(c);
  auto t2 = Clock::now();
  fs::remove_all(dir);
  SLUICE_RETURN_IF_ERROR(CheckpointStore(dir).Write(c));
  auto t3 = Clock::now();
  fs::remove_all(dir);
  p.snapshot_ms = Millis(t0, t1);
  p.encode_ms = Millis(t1, t2);
  p.write_ms = std::max(0.0, Millis(t2, t3) - p.encode_ms);
  return p;
}

// The newest checkpoint file of `dir`.
fs::path NewestCheckpoint(const fs::path& dir) {
  fs::path newest;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".ckpt") && (newest.empty() || name > newest.filename().string())) newest = e.path();
  }
  return newest;
}

Result<double> ReadFileMs(const fs::path& path, int64_t* bytes) {
  auto t0 = Clock::now();
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::IoError(fmt::format("cannot open {}", path.string()));
  std::string data(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    return Status::IoError(fmt::format("cannot read {}", path.string()));
  }
  *bytes = static_cast<int64_t>(data.size());
  return Millis(t0, Clock::now());
}

// Writing `bytes` to a new file and fdatasync: the storage's share of a
// checkpoint of that size.
Result<double> WriteSyncMs(const fs::path& dir, int64_t bytes) {
  fs::create_directories(dir);
  const fs::path path = dir / "write-sync.tmp";
  std::string chunk(1 << 20, 'x');
  auto t0 = Clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IoError(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  for (int64_t left = bytes; left > 0;) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(chunk.size())));
    if (::write(fd, chunk.data(), n) != static_cast<ssize_t>(n)) {
      ::close(fd);
      return Status::IoError(fmt::format("writing {}: {}", path.string(), std::strerror(errno)));
    }
    left -= static_cast<int64_t>(n);
  }
  ::fdatasync(fd);
  ::close(fd);
  const double ms = Millis(t0, Clock::now());
  fs::remove(path);
  return ms;
}

std::string KeysLabel(int64_t keys) {
  if (keys % 1'000'000 == 0) return fmt::format("{}M", keys / 1'000'000);
  return fmt::format("{}k", keys / 1000);
}

int64_t AvailableMemoryMb() {
  std::ifstream in("/proc/meminfo");
  std::string name;
  int64_t kb = 0;
  std::string unit;
  while (in >> name >> kb >> unit) {
    if (name == "MemAvailable:") return kb / 1024;
  }
  return -1;
}

}  // namespace

Status RunCheckpointBench(Context& ctx) {
  Report& r = *ctx.report;
  const fs::path dir = ctx.scratch_dir / "checkpoint-bench";
  r.Note(fmt::format(
      "GROUP BY k COUNT(*), SUM(v) (an updating aggregation: -U/+U per row) over in-memory batches of {}, {} worker "
      "(2 threads) of this machine's {} hardware threads, 128 key groups; a discarding, non-transactional sink",
      kBatch, kWorkers, std::thread::hardware_concurrency()));

  // 1. Throughput with checkpoints every second beside none.
  {
    const int64_t rows = ctx.quick ? 3'000'000 : 40'000'000;
    const int64_t interval_ms = ctx.quick ? 250 : 1000;
    const std::vector<int64_t> key_counts =
        ctx.quick ? std::vector<int64_t>{100'000} : std::vector<int64_t>{100'000, 1'000'000};
    for (int64_t keys : key_counts) {
      auto batches = MakeBatches(rows, keys, true, 42);
      // Alternated, best of each: the machine is shared.
      const int repeats = ctx.quick ? 1 : 2;
      ThroughputRun none, with;
      for (int i = 0; i < repeats; ++i) {
        SLUICE_ASSIGN_OR_RETURN(auto a, GroupByThroughput(batches, rows, 0, dir));
        SLUICE_ASSIGN_OR_RETURN(auto b, GroupByThroughput(batches, rows, interval_ms, dir));
        if (a.events_per_s > none.events_per_s) none = a;
        if (b.events_per_s > with.events_per_s) with = b;
      }
      const std::string what = fmt::format("GROUP BY {} keys, {}M events", KeysLabel(keys), rows / 1'000'000);
      r.Add({fmt::format("{}: checkpoint every {} ms", what, interval_ms), with.events_per_s, "events/s",
             "no checkpoints", none.events_per_s});
      r.Add({fmt::format("{}: checkpoints completed", what), static_cast<double>(with.checkpoints.size()),
             "checkpoints", std::nullopt, std::nullopt});
      r.Add({fmt::format("{}: checkpoint duration, average", what),
             Average(with.checkpoints, &CheckpointSample::duration_ms), "ms", std::nullopt, std::nullopt});
      r.Add({fmt::format("{}: checkpoint size, average", what),
             Average(with.checkpoints, &CheckpointSample::bytes) / 1e6, "MB", std::nullopt, std::nullopt});
      r.Note(fmt::format("{}: {:.2f} M events/s with checkpoints, {:.2f} M without: a cost of {:.1f} % (goal <= 10 %)",
                         what, with.events_per_s / 1e6, none.events_per_s / 1e6,
                         100.0 * (1.0 - with.events_per_s / none.events_per_s)));
    }
  }

  // 2. Duration and size of a checkpoint of K keys; 3. recovery of 1 M keys.
  {
    std::vector<int64_t> key_counts =
        ctx.quick ? std::vector<int64_t>{100'000} : std::vector<int64_t>{1'000'000, 10'000'000};
    // About 250 bytes per key at peak (hash table, snapshot blobs, the encoded
    // file and the input batches); measure only what fits.
    const int64_t avail_mb = AvailableMemoryMb();
    const int samples = ctx.quick ? 1 : 3;
    for (int64_t keys : key_counts) {
      if (avail_mb > 0 && keys * 250 / (1 << 20) > avail_mb / 2) {
        r.Note(fmt::format("{} keys skipped: about {} MB needed, {} MB available", KeysLabel(keys),
                           keys * 250 / (1 << 20), avail_mb));
        continue;
      }
      const bool recover = keys == key_counts.front();
      SLUICE_ASSIGN_OR_RETURN(StateRun run, StateCheckpoints(keys, 128, samples, recover, dir));
      const double avg_ms = Average(run.full, &CheckpointSample::duration_ms);
      const double avg_bytes = Average(run.full, &CheckpointSample::bytes);
      SLUICE_ASSIGN_OR_RETURN(double write_ms, WriteSyncMs(ctx.scratch_dir, static_cast<int64_t>(avg_bytes)));
      r.Add({fmt::format("checkpoint of {} keys: duration", KeysLabel(keys)), avg_ms, "ms",
             "write+fdatasync of its bytes", write_ms});
      r.Add({fmt::format("checkpoint of {} keys: size", KeysLabel(keys)), avg_bytes / 1e6, "MB", std::nullopt,
             std::nullopt});
      r.Note(fmt::format("{} keys: state built in {:.2f} s; {} checkpoint(s) of the whole state averaged",
                         KeysLabel(keys), run.build_s, run.full.size()));
      if (recover) {
        // The raw load beside reading the file's bytes (page cache: the
        // checkpoint was just written).
        const fs::path newest = NewestCheckpoint(dir);
        int64_t file_bytes = 0;
        SLUICE_ASSIGN_OR_RETURN(double read_ms, ReadFileMs(newest, &file_bytes));
        CheckpointStore store(dir);
        auto t0 = Clock::now();
        SLUICE_ASSIGN_OR_RETURN(auto loaded, store.LoadLatest());
        const double load_ms = Millis(t0, Clock::now());
        if (!loaded) return Status::Internal("no checkpoint to load after the state run");
        r.Add({fmt::format("recovery of {} keys: Job::Create (load+restore)", KeysLabel(keys)), run.create_ms, "ms",
               "LoadLatest (read+decode)", load_ms});
        r.Add({fmt::format("recovery of {} keys: Create + Run of last batch", KeysLabel(keys)),
               run.create_ms + run.run_ms, "ms", "goal", 2000});
        r.Add({fmt::format("checkpoint file of {} keys: LoadLatest", KeysLabel(keys)), load_ms, "ms",
               "read of the file (cached)", read_ms});
        r.Note(
            fmt::format("{} keys: resumed from checkpoint {} (file {:.1f} MB); Create {:.0f} ms, Run of the last {} "
                        "rows {:.0f} ms",
                        KeysLabel(keys), run.restored_from, static_cast<double>(file_bytes) / 1e6, run.create_ms,
                        kBatch, run.run_ms));
      }
    }
    // Where the time goes, on the operator alone.
    for (int64_t keys : key_counts) {
      if (avail_mb > 0 && keys * 250 / (1 << 20) > avail_mb / 2) continue;
      SLUICE_ASSIGN_OR_RETURN(Phases p128, SnapshotPhases(keys, 128, dir));
      SLUICE_ASSIGN_OR_RETURN(Phases p1, SnapshotPhases(keys, 1, dir));
      const std::string k = KeysLabel(keys);
      r.Add({fmt::format("GROUP BY operator, {} keys: snapshot of 128 key groups", k), p128.snapshot_ms, "ms",
             "one key group (one scan)", p1.snapshot_ms});
      r.Add({fmt::format("GROUP BY operator, {} keys: Encode", k), p128.encode_ms, "ms", std::nullopt, std::nullopt});
      r.Add({fmt::format("GROUP BY operator, {} keys: Write less Encode", k), p128.write_ms, "ms", std::nullopt,
             std::nullopt});
      r.Note(
          fmt::format("{} keys, operator alone: snapshot {:.0f} ms + encode {:.0f} ms + write/fsync {:.0f} ms = {:.0f} "
                      "ms for {:.1f} MB",
                      k, p128.snapshot_ms, p128.encode_ms, p128.write_ms,
                      p128.snapshot_ms + p128.encode_ms + p128.write_ms, static_cast<double>(p128.bytes) / 1e6));
    }
    // The GROUP BY snapshot scans its whole table once per key group: the
    // same state with 16 key groups instead of 128 shows that share.
    const int64_t keys = key_counts.front();
    SLUICE_ASSIGN_OR_RETURN(StateRun g128, StateCheckpoints(keys, 128, samples, false, dir));
    SLUICE_ASSIGN_OR_RETURN(StateRun g16, StateCheckpoints(keys, 16, samples, false, dir));
    r.Add({fmt::format("checkpoint of {} keys, 128 key groups", KeysLabel(keys)),
           Average(g128.full, &CheckpointSample::duration_ms), "ms", "16 key groups",
           Average(g16.full, &CheckpointSample::duration_ms)});
  }

  // 4. The same with state.backend 'rocksdb' (64 k keys cached per operator,
  // 8 MB block cache, 8 MB memtables): throughput beside the in-memory
  // backend, checkpoint duration and size (a checkpoint adds only the SST
  // files written since the last one), recovery.
  {
    const int64_t rows = ctx.quick ? 1'000'000 : 10'000'000;
    const int64_t keys = 1'000'000;
    const int64_t interval_ms = ctx.quick ? 250 : 1000;
    auto batches = MakeBatches(rows, keys, true, 42);
    SLUICE_ASSIGN_OR_RETURN(auto heap, GroupByThroughput(batches, rows, 0, dir));
    SLUICE_ASSIGN_OR_RETURN(auto none, GroupByThroughput(batches, rows, 0, dir, StateBackend::kRocksDb));
    SLUICE_ASSIGN_OR_RETURN(auto with, GroupByThroughput(batches, rows, interval_ms, dir, StateBackend::kRocksDb));
    batches.clear();
    const std::string what = fmt::format("RocksDB GROUP BY {} keys, {}M events", KeysLabel(keys), rows / 1'000'000);
    r.Add({fmt::format("{}: no checkpoints", what), none.events_per_s, "events/s", "in-memory backend",
           heap.events_per_s});
    r.Add({fmt::format("{}: checkpoint every {} ms", what, interval_ms), with.events_per_s, "events/s",
           "no checkpoints", none.events_per_s});
    r.Add({fmt::format("{}: checkpoint duration, average", what),
           Average(with.checkpoints, &CheckpointSample::duration_ms), "ms", std::nullopt, std::nullopt});
    r.Add({fmt::format("{}: bytes added per checkpoint, average", what),
           Average(with.checkpoints, &CheckpointSample::bytes) / 1e6, "MB", "whole state referenced",
           Average(with.checkpoints, &CheckpointSample::state_bytes) / 1e6});

    std::vector<int64_t> key_counts =
        ctx.quick ? std::vector<int64_t>{1'000'000} : std::vector<int64_t>{1'000'000, 10'000'000};
    const int64_t avail_mb = AvailableMemoryMb();
    const int samples = ctx.quick ? 2 : 3;
    for (int64_t k : key_counts) {
      // The input batches alone take ~100 bytes per key here.
      if (avail_mb > 0 && k * 100 / (1 << 20) > avail_mb / 2) {
        r.Note(fmt::format("RocksDB: {} keys skipped: about {} MB needed, {} MB available", KeysLabel(k),
                           k * 100 / (1 << 20), avail_mb));
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(StateRun run,
                              StateCheckpoints(k, 128, samples, /*recover=*/true, dir, StateBackend::kRocksDb));
      const std::string label = KeysLabel(k);
      r.Add({fmt::format("RocksDB checkpoint of {} keys: duration", label),
             Average(run.full, &CheckpointSample::duration_ms), "ms", std::nullopt, std::nullopt});
      r.Add({fmt::format("RocksDB checkpoint of {} keys: bytes added", label),
             Average(run.full, &CheckpointSample::bytes) / 1e6, "MB", "whole state referenced",
             Average(run.full, &CheckpointSample::state_bytes) / 1e6});
      r.Add({fmt::format("RocksDB recovery of {} keys: Job::Create (clone)", label), run.create_ms, "ms", std::nullopt,
             std::nullopt});
      r.Add({fmt::format("RocksDB recovery of {} keys: Create + Run of last batch", label), run.create_ms + run.run_ms,
             "ms", "goal", 2000});
      r.Note(
          fmt::format("RocksDB, {} keys: state built in {:.2f} s; {} checkpoint(s) of the whole state averaged; "
                      "resumed from checkpoint {}",
                      label, run.build_s, run.full.size(), run.restored_from));
    }
  }
  fs::remove_all(dir);
  return Status::Ok();
}

}  // namespace sluice::bench
