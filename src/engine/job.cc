#include "engine/job.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <random>
#include <set>

#include "common/logging.h"
#include "engine/key_table.h"

#include "engine/channel.h"
#include "engine/exchange_operator.h"
#include "engine/state/rocksdb_store.h"
#include "engine/state/state_cache.h"

namespace sluice::engine {

namespace {
constexpr auto kPollInterval = std::chrono::milliseconds(1);
constexpr auto kConsumerTick = std::chrono::milliseconds(10);

namespace fs = std::filesystem;

// The key groups [first, second) worker w of n owns (WorkerOfKeyGroup).
std::pair<int, int> KeyGroupRangeOf(int w, int key_groups, int n) {
  int lo = 0;
  while (lo < key_groups && WorkerOfKeyGroup(lo, key_groups, n) < w) ++lo;
  int hi = lo;
  while (hi < key_groups && WorkerOfKeyGroup(hi, key_groups, n) == w) ++hi;
  return {lo, hi};
}

// Bytes of the files in `dir`; `names` (when given) receives their names.
int64_t DirBytes(const fs::path& dir, std::set<std::string>* names = nullptr) {
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    std::error_code size_ec;
    const auto size = f.file_size(size_ec);
    if (!size_ec) bytes += static_cast<int64_t>(size);
    if (names) names->insert(f.path().filename().string());
  }
  return bytes;
}
}  // namespace

int JobSpec::Append(const JobSpec& other) {
  const int offset = static_cast<int>(stages.size());
  for (StageSpec stage : other.stages) {
    for (StageInput& in : stage.inputs) in.stage += offset;
    stages.push_back(std::move(stage));
  }
  return offset;
}

// One source partition read by a source task.
struct Job::Reader {
  int stage = 0;
  int source_index = 0;  // within the stage
  int split = 0;
  std::unique_ptr<SourceReader> reader;
  std::unique_ptr<Batch> batch;
  // When the stage has a dead-letter sink: what the reader skipped since the
  // last Read(), and the batch they are written from.
  std::unique_ptr<std::vector<DeadLetter>> dead_letters;
  std::unique_ptr<Batch> dead_batch;
  int time_column = -1;
  int64_t delay = 0;
  int64_t idle_timeout = 0;
  int64_t max_ts = kMinWatermark;
  int64_t watermark = kMinWatermark;
  int64_t last_data_ms = 0;
  int64_t bad_seen = 0;
  bool ended = false;
  bool idle = false;
};

// Key groups of one keyed operator captured at a barrier, to be serialized
// into kKeyGroupState entries on the checkpoint thread.
struct DeferredState {
  uint32_t stage = 0;
  uint32_t op = 0;  // index in the chain
  std::vector<int> key_groups;
  std::unique_ptr<StateCapture> capture;
};

// What one task contributes to a checkpoint.
struct Job::TaskSnapshot {
  std::vector<CheckpointEntry> entries;
  std::vector<DeferredState> deferred;
};

// A checkpoint between its trigger and the last task's acknowledgement.
struct Job::PendingCheckpoint {
  int64_t id = 0;
  int64_t started_ms = 0;
  int acks = 0;
  std::vector<CheckpointEntry> entries;
  std::vector<DeferredState> deferred;
};

namespace {

// Serializes the captured key groups: the asynchronous part of a checkpoint.
Status SerializeDeferred(std::vector<DeferredState> deferred, std::vector<CheckpointEntry>* out) {
  std::vector<std::string> blobs;
  for (DeferredState& d : deferred) {
    SLUICE_RETURN_IF_ERROR(d.capture->Serialize(&blobs));
    if (blobs.size() != d.key_groups.size()) {
      return Status::Internal(fmt::format("stage {} operator {}: a state capture serialized {} of {} key groups",
                                          d.stage, d.op, blobs.size(), d.key_groups.size()));
    }
    d.capture.reset();  // frees the copy before the next is serialized
    for (size_t k = 0; k < blobs.size(); ++k) {
      if (blobs[k].empty()) continue;
      out->push_back(CheckpointEntry{CheckpointEntry::Kind::kKeyGroupState, d.stage, d.op,
                                     static_cast<uint32_t>(d.key_groups[k]), 0, std::move(blobs[k])});
    }
  }
  return Status::Ok();
}

}  // namespace

// One keyed task's writer of a stage input's late-data sink: the operators
// Write() late rows to it, and it hands them on as writer `writer`, so that
// a transactional late sink stages them per task and pre-commits them at the
// task's barriers like a stage sink (checkpoint entry kSinkHandle with
// part = 1 + input side).
struct Job::LateWriter final : public Sink {
  LateWriter(Sink* s, int w) : sink(s), writer(w) {}
  Status Write(const Batch& batch) override { return sink->WriteFrom(writer, batch); }
  Sink* sink;
  int writer;
};

// The `part` of a kSinkHandle checkpoint entry: 0 the stage's sink, 1 + side
// an input's late-data sink, this one the stage's dead-letter sink.
constexpr uint32_t kDeadLetterHandlePart = 3;

struct Job::Worker {
  int index = 0;
  std::vector<Reader> readers;
  OperatorMetrics source_metrics;
  // Per stage: its operators, ending in an exchange or a sink operator.
  std::vector<std::vector<std::unique_ptr<Operator>>> chains;
  std::vector<ExchangeOperator*> exchanges;  // per stage: the exchange ending it, or null
  std::vector<SinkOperator*> sink_ops;       // per stage: the sink operator ending it, or null
  // Per stage and input side: the task's writer of that input's late sink, or null.
  std::vector<std::array<std::unique_ptr<LateWriter>, 2>> late_writers;
  // Per stage: keyed state bytes last measured by its task (for max_state_bytes).
  std::unique_ptr<std::atomic<int64_t>[]> state_bytes;
  std::thread source_task;
  std::vector<std::thread> stage_tasks;
  // state.backend 'rocksdb', per stage (keyed stages only): the instance and
  // the files of its last checkpoint (to tell which files a checkpoint adds).
  std::vector<std::unique_ptr<RocksDbStore>> stores;
  std::vector<std::set<std::string>> checkpointed_files;
};

Status Job::Validate() const {
  const auto& stages = spec_.stages;
  if (stages.empty()) return Status::InvalidArgument("a job needs at least one stage");
  std::vector<int> consumers(stages.size(), 0);
  for (size_t i = 0; i < stages.size(); ++i) {
    const StageSpec& st = stages[i];
    if (st.sources.empty() == st.inputs.empty()) {
      return Status::InvalidArgument(fmt::format("stage {} needs either sources or inputs (not both)", i));
    }
    if (st.inputs.size() > 2) return Status::InvalidArgument(fmt::format("stage {} has more than two inputs", i));
    if (st.inputs.size() == 2 && !st.join) {
      return Status::InvalidArgument(fmt::format("stage {}: two inputs need a two-input operator to meet in", i));
    }
    for (const StageInput& in : st.inputs) {
      if (in.stage < 0 || in.stage >= static_cast<int>(i)) {
        return Status::InvalidArgument(
            fmt::format("stage {} reads stage {}, which does not come before it", i, in.stage));
      }
      if (stages[in.stage].sink) {
        return Status::InvalidArgument(fmt::format("stage {} writes to a sink and cannot feed stage {}", in.stage, i));
      }
      ++consumers[in.stage];
    }
    for (const auto& s : st.sources) {
      if (!(s->schema() == st.sources[0]->schema())) {
        return Status::InvalidArgument(fmt::format("UNION of sources with different schemas: {} vs {}",
                                                   st.sources[0]->schema().ToString(), s->schema().ToString()));
      }
    }
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    if (!stages[i].sink && consumers[i] != 1) {
      return Status::InvalidArgument(
          fmt::format("stage {} feeds {} stages; it needs a sink or exactly one consumer", i, consumers[i]));
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Job>> Job::Create(JobSpec spec, JobConfig config) {
  if (config.workers <= 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
  if (config.key_groups < config.workers) config.key_groups = config.workers;
  if (config.batch_capacity <= 0 || config.channel_batches <= 0) {
    return Status::InvalidArgument("batch capacity and channel batches must be positive");
  }
  if (!config.clock) config.clock = SystemClock::Default();
  std::unique_ptr<Job> job(new Job());
  job->spec_ = std::move(spec);
  job->config_ = config;
  SLUICE_RETURN_IF_ERROR(job->Validate());
  const auto& stages = job->spec_.stages;
  const int n = config.workers;
  job->consumer_of_.assign(stages.size(), -1);
  job->side_in_consumer_.assign(stages.size(), 0);
  job->inboxes_.resize(stages.size());
  job->pools_.resize(stages.size());
  for (size_t i = 0; i < stages.size(); ++i) {
    for (size_t side = 0; side < stages[i].inputs.size(); ++side) {
      job->consumer_of_[stages[i].inputs[side].stage] = static_cast<int>(i);
      job->side_in_consumer_[stages[i].inputs[side].stage] = static_cast<int>(side);
    }
    if (!stages[i].keyed()) continue;
    ++job->keyed_stages_;
    const size_t sides = stages[i].inputs.size();
    for (int c = 0; c < n; ++c) {
      job->inboxes_[i].push_back(
          std::make_unique<Inbox>(static_cast<size_t>(n) * sides * (2 * config.channel_batches + 4)));
    }
  }
  SLUICE_RETURN_IF_ERROR(job->SetUpCheckpoints());
  SLUICE_RETURN_IF_ERROR(job->SetUpStateBackend());
  for (int w = 0; w < n; ++w) job->workers_.push_back(std::make_unique<Worker>());
  for (int w = 0; w < n; ++w) SLUICE_RETURN_IF_ERROR(job->BuildWorker(w));
  if (job->store_) {
    // Each transactional sink publishes what the restored checkpoint covers
    // and forgets what the crashed run wrote after it; on a fresh start
    // (checkpoint 0, no handles) it learns that it is checkpointed, so even
    // rows before the first barrier wait for a checkpoint.
    const int64_t id = job->restored_ ? job->restored_->id : 0;
    for (auto& [sink, handles] : job->SinkHandles(job->restored_ ? &*job->restored_ : nullptr)) {
      SLUICE_RETURN_IF_ERROR(
          sink->Recover(id, handles).WithContext(fmt::format("recovering a sink from checkpoint {}", id)));
    }
  }
  return job;
}

std::vector<std::pair<Sink*, std::vector<std::string>>> Job::SinkHandles(const Checkpoint* c) const {
  std::vector<std::pair<Sink*, std::vector<std::string>>> out;
  auto add = [&](Sink* sink) {
    if (sink && std::find_if(out.begin(), out.end(), [&](const auto& u) { return u.first == sink; }) == out.end()) {
      out.emplace_back(sink, std::vector<std::string>());
    }
  };
  for (const StageSpec& st : spec_.stages) {
    add(st.sink);
    for (const StageInput& in : st.inputs) add(in.late_sink);  // late-data sinks commit like stage sinks
    add(st.dead_letter_sink);
  }
  if (!c) return out;
  for (const CheckpointEntry& e : c->entries) {
    if (e.kind != CheckpointEntry::Kind::kSinkHandle || e.stage >= spec_.stages.size()) continue;
    // part 0: the stage's sink; 1 + side: the late sink of that input.
    const StageSpec& st = spec_.stages[e.stage];
    Sink* owner = e.part == 0                       ? st.sink
                  : e.part == kDeadLetterHandlePart ? st.dead_letter_sink
                  : e.part <= st.inputs.size()      ? st.inputs[e.part - 1].late_sink
                                                    : nullptr;
    for (auto& [sink, handles] : out) {
      if (owner == sink) handles.push_back(e.data);
    }
  }
  return out;
}

Status Job::SetUpCheckpoints() {
  if (config_.checkpoint_interval_ms <= 0) return Status::Ok();
  if (config_.checkpoint_dir.empty()) return Status::InvalidArgument("checkpoints need a directory to be stored in");
  for (size_t i = 0; i < spec_.stages.size(); ++i) {
    if (spec_.stages[i].sink && !spec_.stages[i].sink->transactional()) {
      SLUICE_LOG_INFO("checkpoint",
                      "job '{}': stage {} writes to a non-transactional sink: after a restore it may see rows twice "
                      "(at-least-once)",
                      config_.job_name, i);
    }
  }
  store_ = std::make_unique<CheckpointStore>(config_.checkpoint_dir, config_.checkpoints_retained);
  SLUICE_ASSIGN_OR_RETURN(restored_, store_->LoadLatest([this](const Checkpoint& c) { return VerifyStateOf(c); }));
  // New checkpoints take ids above every checkpoint file on disk, not just
  // above the one restored: after a fallback past a damaged newest
  // checkpoint N, the next one must not be N again (its files and state
  // directories from the crashed run are still there).
  const std::vector<int64_t> on_disk = store_->List();
  if (!on_disk.empty()) next_checkpoint_id_ = std::max(next_checkpoint_id_, on_disk.back() + 1);
  if (!restored_) return Status::Ok();
  if (restored_->job != config_.job_name) {
    return Status::InvalidArgument(
        fmt::format("checkpoint {} in {} belongs to job '{}', not '{}'; use another checkpoint directory or job name",
                    restored_->id, config_.checkpoint_dir.string(), restored_->job, config_.job_name));
  }
  next_checkpoint_id_ = std::max(next_checkpoint_id_, restored_->id + 1);
  stats_.restored_from = restored_->id;
  SLUICE_LOG_INFO("checkpoint", "job '{}' resumes from checkpoint {} ({} entries)", config_.job_name, restored_->id,
                  restored_->entries.size());
  return Status::Ok();
}

Status Job::VerifyStateOf(const Checkpoint& c) const {
  for (const CheckpointEntry& e : c.entries) {
    if (e.kind != CheckpointEntry::Kind::kRocksDbState) continue;
    SLUICE_ASSIGN_OR_RETURN(RocksDbStateRef ref, RocksDbStateRef::Decode(e.data));
    SLUICE_RETURN_IF_ERROR(RocksDbStore::VerifyCheckpoint(store_->dir() / ref.dir));
  }
  return Status::Ok();
}

Status Job::SetUpStateBackend() {
  if (config_.state.backend != StateBackend::kRocksDb) return Status::Ok();
  if (config_.key_groups > kMaxStoreKeyGroups) {
    return Status::InvalidArgument(fmt::format("state.backend 'rocksdb' supports at most {} key groups, not {}",
                                               kMaxStoreKeyGroups, config_.key_groups));
  }
  // A working copy per job instance: the durable state is in the
  // checkpoints, so a crashed run's copy is garbage. Under the checkpoint
  // directory (one job per directory) it is removed here; elsewhere each
  // instance takes a directory of its own.
  static std::atomic<int> instances{0};
  std::error_code ec;
  fs::path base = config_.state.local_dir;
  if (base.empty() && !config_.checkpoint_dir.empty()) {
    base = config_.checkpoint_dir / "rocksdb-live";
    fs::remove_all(base, ec);
  } else if (base.empty()) {
    base = fs::temp_directory_path(ec) / "sluice-rocksdb";
  }
  std::string safe = config_.job_name.empty() ? "job" : config_.job_name;
  for (char& c : safe) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  state_live_dir_ = base / fmt::format("{}-{}-{}", safe, ::getpid(), instances.fetch_add(1));
  std::random_device random;
  state_run_ = fmt::format("{:08x}{:08x}", random(), random());
  fs::remove_all(state_live_dir_, ec);
  fs::create_directories(state_live_dir_, ec);
  if (ec) {
    return Status::IoError(
        fmt::format("cannot create the RocksDB state directory {}: {}; set "
                    "'state.backend.rocksdb.localdir'",
                    state_live_dir_.string(), ec.message()));
  }
  return Status::Ok();
}

Status Job::OpenStateStore(int w, int stage) {
  Worker& worker = *workers_[w];
  const int n = config_.workers;
  const fs::path live = state_live_dir_ / fmt::format("stage-{}-worker-{}", stage, w);
  RocksDbStore::Options options;
  options.block_cache_bytes = config_.state.block_cache_bytes;
  options.write_buffer_bytes = config_.state.write_buffer_bytes;
  std::vector<std::pair<const CheckpointEntry*, RocksDbStateRef>> saved;
  if (restored_) {
    for (const CheckpointEntry& e : restored_->entries) {
      if (e.kind != CheckpointEntry::Kind::kRocksDbState || e.stage != static_cast<uint32_t>(stage)) continue;
      SLUICE_ASSIGN_OR_RETURN(RocksDbStateRef ref, RocksDbStateRef::Decode(e.data));
      if (ref.key_groups != static_cast<uint32_t>(config_.key_groups)) {
        return Status::InvalidArgument(fmt::format(
            "checkpoint {} has {} key groups, but the job has {}; key groups must not change across a restore",
            restored_->id, ref.key_groups, config_.key_groups));
      }
      saved.emplace_back(&e, std::move(ref));
    }
  }
  // Same worker count: this worker's instance is the saved one, cloned
  // (hard links to its SST files).
  for (const auto& [e, ref] : saved) {
    if (e->part != static_cast<uint32_t>(n) || e->index != static_cast<uint32_t>(w)) continue;
    const fs::path from = store_->dir() / ref.dir;
    SLUICE_RETURN_IF_ERROR(RocksDbStore::CloneCheckpoint(from, live));
    SLUICE_ASSIGN_OR_RETURN(worker.stores[stage], RocksDbStore::Open(live, options));
    DirBytes(from, &worker.checkpointed_files[stage]);
    return Status::Ok();
  }
  SLUICE_ASSIGN_OR_RETURN(worker.stores[stage], RocksDbStore::Open(live, options));
  // Another worker count: copy the key-group ranges this worker now owns
  // out of every saved instance that held some of them.
  const auto [lo, hi] = KeyGroupRangeOf(w, config_.key_groups, n);
  for (const auto& [e, ref] : saved) {
    if (e->part == 0 || e->index >= e->part) {
      return Status::Corruption(
          fmt::format("checkpoint {}: RocksDB state of worker {} of {}", restored_->id, e->index, e->part));
    }
    const auto [old_lo, old_hi] =
        KeyGroupRangeOf(static_cast<int>(e->index), config_.key_groups, static_cast<int>(e->part));
    const int from_kg = std::max(lo, old_lo), to_kg = std::min(hi, old_hi);
    if (from_kg >= to_kg) continue;
    SLUICE_ASSIGN_OR_RETURN(auto old,
                            RocksDbStore::Open(store_->dir() / ref.dir, options, RocksDbStore::Mode::kReadOnly));
    SLUICE_RETURN_IF_ERROR(worker.stores[stage]->CopyRange(*old, KeyGroupStart(from_kg), KeyGroupStart(to_kg)));
  }
  return Status::Ok();
}

Job::~Job() {
  Cancel();
  if (checkpointer_.joinable()) checkpointer_.join();
  for (auto& w : workers_) {
    if (w->source_task.joinable()) w->source_task.join();
    for (auto& t : w->stage_tasks) {
      if (t.joinable()) t.join();
    }
  }
  if (!state_live_dir_.empty()) {
    for (auto& w : workers_) w->stores.clear();
    std::error_code ec;
    fs::remove_all(state_live_dir_, ec);
  }
}

Status Job::BuildWorker(int w) {
  Worker& worker = *workers_[w];
  worker.index = w;
  const int n = config_.workers;
  const size_t num_stages = spec_.stages.size();
  worker.chains.resize(num_stages);
  worker.exchanges.assign(num_stages, nullptr);
  worker.sink_ops.assign(num_stages, nullptr);
  worker.late_writers.resize(num_stages);
  worker.state_bytes = std::make_unique<std::atomic<int64_t>[]>(num_stages);
  worker.stores.resize(num_stages);
  worker.checkpointed_files.resize(num_stages);
  OperatorContext ctx;
  ctx.worker = w;
  ctx.num_workers = n;
  ctx.num_key_groups = config_.key_groups;
  ctx.batch_capacity = config_.batch_capacity;
  ctx.clock = config_.clock;

  // Source partitions: global index p over every source of every stage, p % n == w.
  int p = 0;
  for (size_t s = 0; s < num_stages; ++s) {
    const auto& sources = spec_.stages[s].sources;
    for (size_t si = 0; si < sources.size(); ++si) {
      const auto& source = sources[si];
      for (int split = 0; split < source->num_splits(); ++split, ++p) {
        if (p % n != w) continue;
        Reader r;
        r.stage = static_cast<int>(s);
        r.source_index = static_cast<int>(si);
        r.split = split;
        r.time_column = source->event_time_column();
        r.delay = source->watermark_strategy().max_out_of_orderness_ms;
        r.idle_timeout = source->watermark_strategy().idle_timeout_ms;
        const CheckpointEntry* saved = nullptr;
        if (restored_) {
          for (const CheckpointEntry& e : restored_->entries) {
            if (e.kind == CheckpointEntry::Kind::kSourcePosition && e.stage == s && e.index == si &&
                e.part == static_cast<uint32_t>(split)) {
              saved = &e;
            }
          }
        }
        if (saved) {
          // Resume where the checkpoint stood, with the partition's event-time
          // progress, so lateness is judged as in the first run.
          SLUICE_ASSIGN_OR_RETURN(r.reader, source->OpenSplitAt(split, saved->data));
          r.max_ts = saved->aux;
          r.watermark = r.max_ts == kMinWatermark ? kMinWatermark : r.max_ts - r.delay;
        } else {
          SLUICE_ASSIGN_OR_RETURN(r.reader, source->OpenSplit(split));
        }
        if (store_) {
          auto pos = r.reader->Position();
          if (!pos.ok()) {
            return pos.status().WithContext(
                fmt::format("checkpoints are on but source {} (stage {}) cannot report positions", source->name(), s));
          }
        }
        r.batch = std::make_unique<Batch>(source->schema(), config_.batch_capacity);
        if (spec_.stages[s].dead_letter_sink) {
          r.dead_letters = std::make_unique<std::vector<DeadLetter>>();
          r.dead_batch = std::make_unique<Batch>(DeadLetterSchema(), config_.batch_capacity);
          r.reader->SetDeadLetterOutput(r.dead_letters.get());
        }
        r.last_data_ms = config_.clock->NowMillis();
        worker.readers.push_back(std::move(r));
      }
    }
  }
  std::vector<Schema> outputs(num_stages);
  for (size_t s = 0; s < num_stages; ++s) {
    SLUICE_RETURN_IF_ERROR(BuildStage(w, static_cast<int>(s), ctx, &outputs).WithContext(fmt::format("stage {}", s)));
  }
  return Status::Ok();
}

Status Job::BuildStage(int w, int stage, const OperatorContext& base_ctx, std::vector<Schema>* outputs) {
  Worker& worker = *workers_[w];
  const StageSpec& st = spec_.stages[stage];
  const int n = config_.workers;
  auto& chain = worker.chains[stage];
  OperatorContext ctx = base_ctx;
  if (st.keyed() && config_.state.backend == StateBackend::kRocksDb) {
    SLUICE_RETURN_IF_ERROR(OpenStateStore(w, stage));
    ctx.state_store = worker.stores[stage].get();
    ctx.state_cache_entries = config_.state.cache_entries;
  } else if (restored_) {
    for (const CheckpointEntry& e : restored_->entries) {
      if (e.kind == CheckpointEntry::Kind::kRocksDbState && e.stage == static_cast<uint32_t>(stage)) {
        return Status::InvalidArgument(
            fmt::format("checkpoint {} keeps this stage's state in RocksDB; restore it with SET 'state.backend' = "
                        "'rocksdb'",
                        restored_->id));
      }
    }
  }
  Schema schema;
  if (!st.keyed()) {
    schema = st.sources[0]->schema();
  } else {
    const int num_stages = static_cast<int>(spec_.stages.size());
    auto& late = worker.late_writers[stage];
    for (size_t side = 0; side < st.inputs.size() && side < late.size(); ++side) {
      if (!st.inputs[side].late_sink) continue;
      // Writer ids after the stage sinks' (stage * n + w), unique per sink.
      const int writer = ((1 + static_cast<int>(side)) * num_stages + stage) * n + w;
      late[side] = std::make_unique<LateWriter>(st.inputs[side].late_sink, writer);
    }
    ctx.late_sink = late[0].get();
    schema = (*outputs)[st.inputs[0].stage];
    if (st.inputs.size() == 2) {
      ctx.right_late_sink = late[1].get();
      SLUICE_ASSIGN_OR_RETURN(auto join, st.join(schema, (*outputs)[st.inputs[1].stage], ctx));
      schema = join->output_schema();
      chain.push_back(std::move(join));
    }
  }
  for (const OperatorSpec& op : st.operators) {
    ctx.operator_id = static_cast<int>(chain.size());
    SLUICE_ASSIGN_OR_RETURN(auto instance, op.create(schema, ctx));
    schema = instance->output_schema();
    chain.push_back(std::move(instance));
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    Operator* op = chain[i].get();
    if (store_ && op->stateful() && !op->keyed_state()) {
      return Status::Unsupported(
          fmt::format("checkpoints are on, but operator {} cannot snapshot its state yet", op->name()));
    }
    if (!restored_ || !op->keyed_state()) continue;
    // This worker's key groups, whichever worker saved them.
    for (const CheckpointEntry& e : restored_->entries) {
      if (e.kind != CheckpointEntry::Kind::kKeyGroupState || e.stage != static_cast<uint32_t>(stage) || e.index != i) {
        continue;
      }
      const int kg = static_cast<int>(e.part);
      if (kg >= config_.key_groups) {
        return Status::InvalidArgument(fmt::format(
            "checkpoint {} has key group {}, but the job has {}; key groups must not change across a restore",
            restored_->id, kg, config_.key_groups));
      }
      if (WorkerOfKeyGroup(kg, config_.key_groups, n) != w) continue;
      SLUICE_RETURN_IF_ERROR(
          op->keyed_state()
              ->RestoreKeyGroup(kg, e.data)
              .WithContext(fmt::format("restoring {} key group {} from checkpoint {}", op->name(), kg, restored_->id)));
    }
  }
  if (RocksDbStore* db = worker.stores[stage].get()) {
    // A stage none of whose operators keeps state in RocksDB (windows, joins)
    // gets no instance: nothing to look up, nothing to checkpoint. One
    // restored from a checkpoint stays (its state must carry over).
    bool used = false;
    for (const auto& op : chain) used |= op->keyed_state() && op->keyed_state()->in_store();
    bool restored = false;
    if (restored_) {
      for (const CheckpointEntry& e : restored_->entries) {
        restored |= e.kind == CheckpointEntry::Kind::kRocksDbState && e.stage == static_cast<uint32_t>(stage);
      }
    }
    if (!used && !restored) {
      const fs::path dir = db->dir();
      worker.stores[stage].reset();
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
  (*outputs)[stage] = schema;
  if (st.sink) {
    auto sink = std::make_unique<SinkOperator>(schema, st.sink, stage * n + w);
    worker.sink_ops[stage] = sink.get();
    chain.push_back(std::move(sink));
    output_schema_ = schema;
  } else {
    const int consumer = consumer_of_[stage];
    const int side = side_in_consumer_[stage];
    const std::vector<int>& keys = spec_.stages[consumer].inputs[side].key_columns;
    for (int c : keys) {
      if (c < 0 || c >= schema.size()) {
        return Status::InvalidArgument(fmt::format("key column ${} out of range for {}", c, schema.ToString()));
      }
    }
    if (w == 0) {
      for (int i = 0; i < n * n; ++i) {
        pools_[stage].push_back(std::make_unique<BatchPool>(schema, config_.batch_capacity, config_.channel_batches));
      }
    }
    std::vector<Inbox*> inboxes;
    std::vector<BatchPool*> pools;
    for (int c = 0; c < n; ++c) {
      inboxes.push_back(inboxes_[consumer][c].get());
      pools.push_back(pools_[stage][w * n + c].get());
    }
    auto exchange = std::make_unique<ExchangeOperator>(schema, keys, w, config_.key_groups, std::move(inboxes),
                                                       std::move(pools), static_cast<uint8_t>(side));
    worker.exchanges[stage] = exchange.get();
    chain.push_back(std::move(exchange));
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) chain[i]->set_next(chain[i + 1].get());
  return Status::Ok();
}

void Job::Fail(const Status& s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_error_.ok()) first_error_ = s;
  }
  Cancel();
}

void Job::Cancel() {
  cancelled_.store(true);
  {
    std::lock_guard<std::mutex> lock(ck_mu_);
    ck_cv_.notify_all();
  }
  for (auto& per_stage : inboxes_) {
    for (auto& i : per_stage) i->Cancel();
  }
  for (auto& per_stage : pools_) {
    for (auto& p : per_stage) p->Cancel();
  }
}

namespace {

// Marks rows that are late in their partition (event time below the
// partition's watermark before them) and advances the partition's watermark.
void TrackEventTime(Batch* b, int time_column, int64_t delay, int64_t* max_ts, int64_t* watermark) {
  const Column& col = b->column(time_column);
  const int64_t* ts = col.data<int64_t>();
  const int n = b->num_rows();
  int64_t m = *max_ts;
  for (int r = 0; r < n; ++r) {
    if (col.IsNull(r)) continue;
    const int64_t wm = m == kMinWatermark ? kMinWatermark : m - delay;
    if (ts[r] < wm) b->mutable_late_watermarks()[r] = wm;
    m = std::max(m, ts[r]);
  }
  *max_ts = m;
  *watermark = m == kMinWatermark ? kMinWatermark : m - delay;
}

}  // namespace

void Job::SourceLoop(int w) {
  Worker& worker = *workers_[w];
  // Per source stage: the watermark sent, whether idleness was announced,
  // whether its partitions are all drained.
  struct SourceStage {
    int stage;
    Operator* head;
    int64_t sent_watermark = kMinWatermark;
    bool sent_idle = false;
    bool finished = false;
  };
  std::vector<SourceStage> stages;
  std::vector<int> slot_of(spec_.stages.size(), -1);
  for (size_t s = 0; s < spec_.stages.size(); ++s) {
    if (spec_.stages[s].keyed()) continue;
    slot_of[s] = static_cast<int>(stages.size());
    stages.push_back(SourceStage{static_cast<int>(s), worker.chains[s].front().get()});
  }
  Status s;
  int64_t injected = 0;
  int64_t last_flush = config_.clock->NowMillis();
  while (!cancelled_.load(std::memory_order_relaxed)) {
    // A checkpoint: positions of every partition this task reads, then the
    // barrier through every source stage, between two batches.
    const int64_t trigger = trigger_.load(std::memory_order_acquire);
    if (trigger > injected) {
      injected = trigger;
      TaskSnapshot snap;
      std::vector<CheckpointEntry>& entries = snap.entries;
      s = AddSourcePositions(w, &entries);
      for (SourceStage& st : stages) {
        if (!s.ok()) continue;
        if (Sink* dead = spec_.stages[st.stage].dead_letter_sink) {
          const int writer = DeadLetterWriter(w, st.stage);
          auto handle = dead->PreCommit(writer, trigger);
          if (!handle.ok()) {
            s = handle.status();
            continue;
          }
          entries.push_back(CheckpointEntry{CheckpointEntry::Kind::kSinkHandle, static_cast<uint32_t>(st.stage),
                                            static_cast<uint32_t>(writer), kDeadLetterHandlePart, 0,
                                            std::move(*handle)});
        }
        s = st.finished ? SnapshotFinishedChain(w, st.stage, trigger, &snap) : st.head->OnBarrier(trigger);
        if (s.ok() && !st.finished) s = SnapshotChain(w, st.stage, trigger, &snap);
      }
      if (!s.ok()) break;
      Ack(trigger, std::move(snap));
    }
    bool progressed = false;
    const int64_t now = config_.clock->NowMillis();
    for (Reader& r : worker.readers) {
      if (r.ended) continue;
      r.batch->Clear();
      auto t0 = std::chrono::steady_clock::now();
      Result<ReadStatus> rs = r.reader->Read(r.batch.get());
      if (!rs.ok()) {
        s = rs.status();
        break;
      }
      if (r.dead_letters && !r.dead_letters->empty()) {
        s = WriteDeadLetters(w, &r);
        if (!s.ok()) break;
      }
      const int64_t bad = r.reader->bad_records();
      if (bad != r.bad_seen) {
        worker.source_metrics.Add(worker.source_metrics.dropped_rows, bad - r.bad_seen);
        r.bad_seen = bad;
      }
      if (*rs == ReadStatus::kEndOfInput) {
        r.ended = true;
        r.watermark = kMaxWatermark;
        continue;
      }
      if (*rs == ReadStatus::kNoDataNow || r.batch->num_rows() == 0) {
        if (r.idle_timeout > 0 && now - r.last_data_ms >= r.idle_timeout) r.idle = true;
        continue;
      }
      progressed = true;
      r.idle = false;
      r.last_data_ms = now;
      if (r.time_column >= 0) TrackEventTime(r.batch.get(), r.time_column, r.delay, &r.max_ts, &r.watermark);
      worker.source_metrics.Add(worker.source_metrics.rows_out, r.batch->num_rows());
      worker.source_metrics.Add(worker.source_metrics.batches_in, 1);
      worker.source_metrics.Add(
          worker.source_metrics.busy_ns,
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
      s = stages[slot_of[r.stage]].head->ProcessAndMeasure(*r.batch);
      if (!s.ok()) break;
    }
    if (!s.ok()) break;
    if (!progressed || now - last_flush >= config_.buffer_timeout_ms) {
      last_flush = now;
      for (SourceStage& st : stages) {
        ExchangeOperator* exchange = worker.exchanges[st.stage];
        if (exchange && s.ok()) s = exchange->FlushPending();
      }
      if (!s.ok()) break;
    }
    // Per source stage, this task's watermark: minimum over partitions that
    // are neither idle nor drained.
    bool all_finished = true;
    int64_t lowest = kMaxWatermark;
    for (SourceStage& st : stages) {
      if (st.finished) continue;
      bool all_ended = true;
      bool any_active = false;
      int64_t wm = kMaxWatermark;
      for (const Reader& r : worker.readers) {
        if (r.stage != st.stage || r.ended) continue;
        all_ended = false;
        if (r.idle) continue;
        any_active = true;
        wm = std::min(wm, r.watermark);
      }
      if (all_ended) {
        if (st.sent_watermark != kMaxWatermark) s = st.head->OnWatermark(kMaxWatermark);
        if (s.ok()) s = st.head->Finish();
        st.finished = true;
        if (!s.ok()) break;
        continue;
      }
      all_finished = false;
      if (!any_active) {
        ExchangeOperator* exchange = worker.exchanges[st.stage];
        if (!st.sent_idle && exchange) s = exchange->SendIdle();
        st.sent_idle = true;
      } else if (wm > st.sent_watermark || (st.sent_idle && wm >= st.sent_watermark)) {
        st.sent_idle = false;
        st.sent_watermark = wm;
        s = st.head->OnWatermark(wm);
      }
      if (!s.ok()) break;
      lowest = std::min(lowest, st.sent_watermark);
    }
    if (!s.ok()) break;
    worker.source_metrics.watermark.store(lowest, std::memory_order_relaxed);
    if (all_finished) break;
    if (!progressed) std::this_thread::sleep_for(kPollInterval);
  }
  TaskFinished();
  // Every partition is drained. While other tasks run, checkpoints go on:
  // they record these partitions as done and commit what the finished
  // chains' sinks still hold.
  while (s.ok() && AwaitTrigger(&injected)) {
    TaskSnapshot snap;
    s = AddSourcePositions(w, &snap.entries);
    for (SourceStage& st : stages) {
      if (s.ok()) s = SnapshotFinishedChain(w, st.stage, injected, &snap);
    }
    if (s.ok()) Ack(injected, std::move(snap));
  }
  if (!s.ok() && s.code() != StatusCode::kCancelled) Fail(s.WithContext(fmt::format("worker {} sources", w)));
}

Status Job::CheckStateLimit(int w, int stage) {
  Worker& worker = *workers_[w];
  int64_t mine = 0;
  for (const auto& op : worker.chains[stage]) mine += op->StateBytes();
  worker.state_bytes[stage].store(mine, std::memory_order_relaxed);
  int64_t total = 0;
  for (size_t s = 0; s < spec_.stages.size(); ++s) total += worker.state_bytes[s].load(std::memory_order_relaxed);
  const int64_t share = config_.max_state_bytes / config_.workers;
  if (total <= share) return Status::Ok();
  return Status::ResourceExhausted(
      fmt::format("keyed state of {} bytes exceeds this worker's share {} of max_state_bytes {}; raise the limit, "
                  "shorten windows or allowed lateness, or add a state TTL",
                  total, share, config_.max_state_bytes));
}

void Job::StageLoop(int w, int stage) {
  Worker& worker = *workers_[w];
  const StageSpec& st = spec_.stages[stage];
  Operator* head = worker.chains[stage].front().get();
  TwoInputOperator* join = st.inputs.size() == 2 ? static_cast<TwoInputOperator*>(head) : nullptr;
  const int n = config_.workers;
  const int sides = static_cast<int>(st.inputs.size());
  const int channels = sides * n;
  // Per channel (side, producer): watermark, idle, ended.
  std::vector<int64_t> wms(channels, kMinWatermark);
  std::vector<uint8_t> idle(channels, 0), ended(channels, 0);
  int64_t current = kMinWatermark;
  int ended_count = 0;
  // Barrier alignment: once a channel delivered checkpoint `aligning`'s
  // barrier, its later messages wait in `held` until every channel has.
  int64_t aligning = 0;
  int64_t acked = 0;  // the newest checkpoint this task acknowledged
  std::vector<uint8_t> barrier_seen(channels, 0);
  std::vector<ChannelMessage> held;
  bool done = false;

  auto aligned = [&] {
    for (int c = 0; c < channels; ++c) {
      if (!barrier_seen[c] && !ended[c]) return false;
    }
    return true;
  };
  // Handles one message; `held` collects what must wait for alignment.
  std::function<Status(const ChannelMessage&)> dispatch = [&](const ChannelMessage& m) -> Status {
    const int ch = m.side * n + m.producer;
    if (aligning && barrier_seen[ch]) {
      held.push_back(m);
      return Status::Ok();
    }
    switch (m.kind) {
      case ChannelMessage::Kind::kData: {
        idle[ch] = 0;
        Status s;
        if (m.side == 0) {
          s = head->ProcessAndMeasure(*m.batch);
        } else {
          auto t0 = std::chrono::steady_clock::now();
          join->metrics().Add(join->metrics().rows_in, m.batch->active_rows());
          join->metrics().Add(join->metrics().batches_in, 1);
          s = join->ProcessRight(*m.batch);
          join->metrics().Add(
              join->metrics().busy_ns,
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
        }
        pools_[st.inputs[m.side].stage][m.producer * n + w]->Release(m.batch);
        if (s.ok() && config_.max_state_bytes > 0) s = CheckStateLimit(w, stage);
        return s;
      }
      case ChannelMessage::Kind::kBarrier:
        aligning = m.watermark;
        barrier_seen[ch] = 1;
        break;
      case ChannelMessage::Kind::kWatermark:
        idle[ch] = 0;
        wms[ch] = std::max(wms[ch], m.watermark);
        break;
      case ChannelMessage::Kind::kIdle: idle[ch] = 1; break;
      case ChannelMessage::Kind::kEnd:
        if (!ended[ch]) ++ended_count;
        ended[ch] = 1;
        wms[ch] = kMaxWatermark;
        break;
    }
    if (aligning && aligned()) {
      // Every row before the barrier is in: forward it, snapshot, go on
      // with what waited.
      const int64_t id = aligning;
      aligning = 0;
      std::fill(barrier_seen.begin(), barrier_seen.end(), 0);
      TaskSnapshot snap;
      SLUICE_RETURN_IF_ERROR(head->OnBarrier(id));
      SLUICE_RETURN_IF_ERROR(PreCommitLateSinks(w, stage, id, &snap.entries));
      SLUICE_RETURN_IF_ERROR(SnapshotChain(w, stage, id, &snap));
      Ack(id, std::move(snap));
      acked = id;
      std::vector<ChannelMessage> replay;
      replay.swap(held);
      for (const ChannelMessage& r : replay) {
        SLUICE_RETURN_IF_ERROR(dispatch(r));
        if (done) return Status::Ok();
      }
      return Status::Ok();
    }
    // Combined watermark: minimum over channels that are not idle. When every
    // channel is idle, the largest watermark any of them reached (as Flink's
    // watermark valve does): the progress they made before going quiet.
    int64_t combined = kMaxWatermark;
    int64_t idle_max = kMinWatermark;
    bool any = false;
    for (int c = 0; c < channels; ++c) {
      if (idle[c] && !ended[c]) {
        idle_max = std::max(idle_max, wms[c]);
        continue;
      }
      any = true;
      combined = std::min(combined, wms[c]);
    }
    if (!any) combined = idle_max;
    if (combined > current) {
      current = combined;
      SLUICE_RETURN_IF_ERROR(head->OnWatermark(current));
    }
    if (ended_count == channels) {
      done = true;
      return head->Finish();
    }
    return Status::Ok();
  };

  Status s;
  Inbox* inbox = inboxes_[stage][w].get();
  ExchangeOperator* exchange = worker.exchanges[stage];
  int64_t last_tick = config_.clock->NowMillis();
  int64_t last_flush = last_tick;
  while (s.ok() && !done) {
    // Processing-time timers fire every tick, busy or not.
    const int64_t now = config_.clock->NowMillis();
    if (now - last_tick >= kConsumerTick.count()) {
      last_tick = now;
      s = head->OnProcessingTime(now);
      if (!s.ok()) break;
    }
    if (exchange && now - last_flush >= config_.buffer_timeout_ms) {
      last_flush = now;
      s = exchange->FlushPending();
      if (!s.ok()) break;
    }
    ChannelMessage m;
    if (!inbox->Pop(&m, kConsumerTick)) {
      if (inbox->cancelled()) break;
      if (exchange) s = exchange->FlushPending();  // quiet input: send what is pending
      continue;
    }
    s = dispatch(m);
  }
  TaskFinished();
  // Every input ended, so no barrier comes any more: while other tasks run,
  // this one answers checkpoints with its final state and commits what its
  // sink still holds.
  while (s.ok() && done && AwaitTrigger(&acked)) {
    TaskSnapshot snap;
    s = SnapshotFinishedChain(w, stage, acked, &snap);
    if (s.ok()) Ack(acked, std::move(snap));
  }
  if (!s.ok() && s.code() != StatusCode::kCancelled) {
    Fail(s.WithContext(fmt::format("worker {} stage {} keyed operators", w, stage)));
  }
}

Status Job::SnapshotChain(int w, int stage, int64_t checkpoint_id, TaskSnapshot* snap) {
  std::vector<CheckpointEntry>* out = &snap->entries;
  Worker& worker = *workers_[w];
  const int n = config_.workers;
  const auto& chain = worker.chains[stage];
  for (const auto& op : chain) {
    if (KeyedState* state = op->keyed_state()) SLUICE_RETURN_IF_ERROR(state->PrepareSnapshot());
  }
  if (RocksDbStore* db = worker.stores[stage].get()) {
    // The instance's checkpoint: SST files hard-linked, so the files an
    // earlier checkpoint has are shared, not written again.
    RocksDbStateRef ref;
    ref.key_groups = static_cast<uint32_t>(config_.key_groups);
    ref.dir =
        (store_->StateDirOf(checkpoint_id).filename() / fmt::format("{}-stage-{}-worker-{}", state_run_, stage, w))
            .string();
    const fs::path dir = store_->dir() / ref.dir;
    std::error_code ec;
    fs::remove_all(dir, ec);  // left by a run that crashed before storing this checkpoint id
    fs::create_directories(dir.parent_path(), ec);
    if (ec) return Status::IoError(fmt::format("cannot create {}: {}", dir.parent_path().string(), ec.message()));
    SLUICE_RETURN_IF_ERROR(db->CreateCheckpoint(dir));
    std::set<std::string> files;
    DirBytes(dir, &files);
    int64_t added = 0;
    for (const std::string& f : files) {
      // SST file names are never reused by an instance: a name the last
      // checkpoint had is the same immutable file.
      if (fs::path(f).extension() == ".sst" && worker.checkpointed_files[stage].count(f)) continue;
      std::error_code size_ec;
      const auto size = fs::file_size(dir / f, size_ec);
      if (!size_ec) added += static_cast<int64_t>(size);
    }
    worker.checkpointed_files[stage] = std::move(files);
    out->push_back(CheckpointEntry{CheckpointEntry::Kind::kRocksDbState, static_cast<uint32_t>(stage),
                                   static_cast<uint32_t>(w), static_cast<uint32_t>(n), added, ref.Encode()});
  }
  std::vector<int> owned;
  for (int kg = 0; kg < config_.key_groups; ++kg) {
    if (WorkerOfKeyGroup(kg, config_.key_groups, n) == w) owned.push_back(kg);
  }
  // Captured now, serialized by the checkpoint thread (SerializeDeferred)
  // while this task goes on.
  for (size_t i = 0; i < chain.size(); ++i) {
    KeyedState* state = chain[i]->keyed_state();
    if (!state) continue;
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<StateCapture> capture, state->CaptureKeyGroups(owned));
    snap->deferred.push_back(
        DeferredState{static_cast<uint32_t>(stage), static_cast<uint32_t>(i), owned, std::move(capture)});
  }
  if (SinkOperator* sink = worker.sink_ops[stage]) {
    out->push_back(CheckpointEntry{CheckpointEntry::Kind::kSinkHandle, static_cast<uint32_t>(stage),
                                   static_cast<uint32_t>(stage * n + w), 0, 0, sink->handle()});
  }
  return Status::Ok();
}

Status Job::AddSourcePositions(int w, std::vector<CheckpointEntry>* out) const {
  for (const Reader& r : workers_[w]->readers) {
    SLUICE_ASSIGN_OR_RETURN(std::string pos, r.reader->Position());
    out->push_back(CheckpointEntry{CheckpointEntry::Kind::kSourcePosition, static_cast<uint32_t>(r.stage),
                                   static_cast<uint32_t>(r.source_index), static_cast<uint32_t>(r.split), r.max_ts,
                                   std::move(pos)});
  }
  return Status::Ok();
}

Status Job::SnapshotFinishedChain(int w, int stage, int64_t checkpoint_id, TaskSnapshot* out) {
  // The chain has finished: its operators hold no rows in flight and send
  // nothing downstream (whose channel from here has ended), so only the sink
  // pre-commits before the state is saved.
  if (SinkOperator* sink = workers_[w]->sink_ops[stage]) SLUICE_RETURN_IF_ERROR(sink->OnBarrier(checkpoint_id));
  SLUICE_RETURN_IF_ERROR(PreCommitLateSinks(w, stage, checkpoint_id, &out->entries));
  return SnapshotChain(w, stage, checkpoint_id, out);
}

const Schema& DeadLetterSchema() {
  static const Schema schema({{"raw", DataType::kString},
                              {"reason", DataType::kString},
                              {"position", DataType::kString},
                              {"ts", DataType::kTimestamp}});
  return schema;
}

int Job::DeadLetterWriter(int w, int stage) const {
  // After the stage sinks' and the late sinks' writer ids.
  return (3 * static_cast<int>(spec_.stages.size()) + stage) * config_.workers + w;
}

Status Job::WriteDeadLetters(int w, Reader* r) {
  Batch& b = *r->dead_batch;
  size_t i = 0;
  const std::vector<DeadLetter>& letters = *r->dead_letters;
  while (i < letters.size()) {
    b.Clear();
    int row = 0;
    for (; i < letters.size() && row < b.capacity(); ++i, ++row) {
      const DeadLetter& d = letters[i];
      b.column(0).SetString(row, d.raw);
      b.column(1).SetString(row, d.reason);
      b.column(2).SetString(row, d.position);
      b.column(3).data<int64_t>()[row] = d.at_ms;
      for (int c = 0; c < 4; ++c) b.column(c).SetValid(row);
    }
    b.set_num_rows(row);
    SLUICE_RETURN_IF_ERROR(spec_.stages[r->stage].dead_letter_sink->WriteFrom(DeadLetterWriter(w, r->stage), b));
  }
  r->dead_letters->clear();
  return Status::Ok();
}

Status Job::PreCommitLateSinks(int w, int stage, int64_t checkpoint_id, std::vector<CheckpointEntry>* out) {
  const auto& late = workers_[w]->late_writers[stage];
  for (size_t side = 0; side < late.size(); ++side) {
    if (!late[side]) continue;
    SLUICE_ASSIGN_OR_RETURN(std::string handle, late[side]->sink->PreCommit(late[side]->writer, checkpoint_id));
    out->push_back(CheckpointEntry{CheckpointEntry::Kind::kSinkHandle, static_cast<uint32_t>(stage),
                                   static_cast<uint32_t>(late[side]->writer), static_cast<uint32_t>(1 + side), 0,
                                   std::move(handle)});
  }
  return Status::Ok();
}

void Job::TaskFinished() {
  std::lock_guard<std::mutex> lock(ck_mu_);
  --running_tasks_;
  ck_cv_.notify_all();
}

bool Job::AwaitTrigger(int64_t* injected) {
  if (!store_) return false;
  std::unique_lock<std::mutex> lock(ck_mu_);
  ck_cv_.wait(lock, [&] {
    return trigger_.load() > *injected || running_tasks_ == 0 || checkpoints_stopped_.load() || cancelled_.load();
  });
  if (running_tasks_ == 0 || checkpoints_stopped_.load() || cancelled_.load()) return false;
  *injected = trigger_.load();
  return true;
}

void Job::Ack(int64_t checkpoint_id, TaskSnapshot snapshot) {
  std::lock_guard<std::mutex> lock(ck_mu_);
  if (!pending_ || pending_->id != checkpoint_id) return;  // aborted
  for (auto& e : snapshot.entries) pending_->entries.push_back(std::move(e));
  for (auto& d : snapshot.deferred) pending_->deferred.push_back(std::move(d));
  ++pending_->acks;
  ck_cv_.notify_all();
}

void Job::StopCheckpoints() {
  std::lock_guard<std::mutex> lock(ck_mu_);
  checkpoints_stopped_.store(true);
  ck_cv_.notify_all();
}

void Job::CheckpointLoop() {
  // Every task acknowledges: each worker's source task and stage tasks.
  const int expected = config_.workers * (1 + keyed_stages_);
  const auto interval = std::chrono::milliseconds(config_.checkpoint_interval_ms);
  std::unique_lock<std::mutex> lock(ck_mu_);
  auto stopped = [&] { return checkpoints_stopped_.load() || cancelled_.load(); };
  while (true) {
    ck_cv_.wait_for(lock, interval, [&] { return stopped() || savepoint_requested_; });
    if (stopped()) return;
    const bool savepoint = savepoint_requested_;
    savepoint_requested_ = false;
    pending_ = std::make_unique<PendingCheckpoint>();
    pending_->id = next_checkpoint_id_++;
    pending_->started_ms = SystemClock::Default()->NowMillis();
    trigger_.store(pending_->id, std::memory_order_release);
    ck_cv_.notify_all();  // tasks whose work is done wait for triggers
    ck_cv_.wait(lock, [&] { return pending_->acks == expected || stopped(); });
    if (pending_->acks != expected) {
      SLUICE_LOG_DEBUG("checkpoint", "job '{}': checkpoint {} abandoned (the job is ending)", config_.job_name,
                       pending_->id);
      pending_.reset();
      return;
    }
    Checkpoint c;
    c.id = pending_->id;
    c.created_ms = pending_->started_ms;
    c.job = config_.job_name;
    c.entries = std::move(pending_->entries);
    std::vector<DeferredState> deferred = std::move(pending_->deferred);
    const int64_t started = pending_->started_ms;
    pending_.reset();
    const int64_t id = c.id;
    lock.unlock();
    Status st = SerializeDeferred(std::move(deferred), &c.entries);
    if (st.ok()) st = CompleteCheckpoint(std::move(c), started);
    // A savepoint's output is published at once: the job is about to stop.
    if (st.ok() && savepoint) st = PublishStored();
    lock.lock();
    if (savepoint) {
      savepoint_result_ = st.ok() ? Result<int64_t>(id) : Result<int64_t>(st);
      ck_cv_.notify_all();
    }
    if (!st.ok()) {
      lock.unlock();
      Fail(st.WithContext(fmt::format("job '{}': checkpoint", config_.job_name)));
      return;
    }
  }
}

Result<int64_t> Job::Savepoint() {
  if (!store_) return Status::InvalidArgument("the job has no checkpoints ('execution.checkpointing.interval')");
  std::unique_lock<std::mutex> lock(ck_mu_);
  savepoint_result_.reset();
  savepoint_requested_ = true;
  ck_cv_.notify_all();
  ck_cv_.wait(lock, [&] { return savepoint_result_.has_value() || checkpoints_stopped_.load() || cancelled_.load(); });
  if (!savepoint_result_) return Status::Unavailable("the job ended before its savepoint was taken");
  return *savepoint_result_;
}

Status Job::PublishStored() {
  for (auto& [sink, handles] : unpublished_) SLUICE_RETURN_IF_ERROR(sink->Commit(unpublished_id_, handles));
  unpublished_.clear();
  return Status::Ok();
}

Status Job::CompleteCheckpoint(Checkpoint c, int64_t started_ms) {
  int64_t bytes = 0, state_bytes = 0;
  for (const CheckpointEntry& e : c.entries) {
    bytes += static_cast<int64_t>(e.data.size());
    if (e.kind != CheckpointEntry::Kind::kRocksDbState) continue;
    bytes += e.aux;
    auto ref = RocksDbStateRef::Decode(e.data);
    if (ref.ok()) state_bytes += DirBytes(store_->dir() / ref->dir);
  }
  SLUICE_RETURN_IF_ERROR(store_->Write(c));
  // Sinks publish the checkpoint before this one. Output lags one interval,
  // but a newest checkpoint lost to corruption is harmless: the one before
  // it is restored, whose output is exactly what was published, and the
  // rest is replayed.
  SLUICE_RETURN_IF_ERROR(PublishStored());
  unpublished_id_ = c.id;
  unpublished_ = SinkHandles(&c);
  const int64_t took = SystemClock::Default()->NowMillis() - started_ms;
  std::lock_guard<std::mutex> lock(ck_mu_);
  ++stats_.completed;
  stats_.last_id = c.id;
  stats_.last_duration_ms = took;
  stats_.last_bytes = bytes;
  stats_.last_state_bytes = state_bytes;
  SLUICE_LOG_DEBUG("checkpoint", "job '{}': checkpoint {} stored: {} entries, {} bytes, {} ms", config_.job_name, c.id,
                   c.entries.size(), bytes, took);
  return Status::Ok();
}

CheckpointStats Job::checkpoint_stats() const {
  std::lock_guard<std::mutex> lock(ck_mu_);
  return stats_;
}

Status Job::Run() {
  running_tasks_ = config_.workers * (1 + keyed_stages_);
  if (store_) checkpointer_ = std::thread([this] { CheckpointLoop(); });
  for (int w = 0; w < config_.workers; ++w) {
    Worker& worker = *workers_[w];
    worker.source_task = std::thread([this, w] { SourceLoop(w); });
    for (size_t s = 0; s < spec_.stages.size(); ++s) {
      if (!spec_.stages[s].keyed()) continue;
      worker.stage_tasks.emplace_back([this, w, s] { StageLoop(w, static_cast<int>(s)); });
    }
  }
  for (auto& w : workers_) {
    w->source_task.join();
    for (auto& t : w->stage_tasks) t.join();
  }
  StopCheckpoints();
  if (checkpointer_.joinable()) checkpointer_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!first_error_.ok()) return first_error_;
  }
  if (cancelled_.load()) return Status::Cancelled("job cancelled");
  for (auto& [sink, handles] : SinkHandles(nullptr)) SLUICE_RETURN_IF_ERROR(sink->Finish());
  return Status::Ok();
}

std::vector<OperatorMetricsSnapshot> Job::Metrics() const {
  std::vector<OperatorMetricsSnapshot> out;
  auto add = [&](size_t slot, const std::string& name, const OperatorMetrics& m) {
    if (out.size() <= slot) out.resize(slot + 1);
    OperatorMetricsSnapshot& s = out[slot];
    if (s.instances == 0) s.watermark = kMaxWatermark;
    s.name = name;
    ++s.instances;
    s.rows_in += m.rows_in.load(std::memory_order_relaxed);
    s.rows_out += m.rows_out.load(std::memory_order_relaxed);
    s.batches_in += m.batches_in.load(std::memory_order_relaxed);
    s.busy_ns += m.busy_ns.load(std::memory_order_relaxed);
    s.backpressured_ns += m.backpressured_ns.load(std::memory_order_relaxed);
    s.watermark = std::min(s.watermark, m.watermark.load(std::memory_order_relaxed));
    s.state_bytes += m.state_bytes.load(std::memory_order_relaxed);
    s.late_rows += m.late_rows.load(std::memory_order_relaxed);
    s.dropped_rows += m.dropped_rows.load(std::memory_order_relaxed);
  };
  for (const auto& w : workers_) {
    size_t slot = 0;
    add(slot++, "source", w->source_metrics);
    for (const auto& chain : w->chains) {
      for (const auto& op : chain) add(slot++, op->name(), const_cast<Operator&>(*op).metrics());
    }
  }
  return out;
}

size_t Job::QueueMemoryBytes() const {
  size_t bytes = 0;
  for (const auto& per_stage : pools_) {
    for (const auto& p : per_stage) bytes += p->MemoryBytes();
  }
  return bytes;
}

}  // namespace sluice::engine
