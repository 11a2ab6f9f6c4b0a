#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "engine/channel.h"
#include "engine/checkpoint_store.h"
#include "engine/clock.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/sink.h"
#include "engine/source.h"
#include "engine/state/state_backend.h"

namespace sluice::engine {

// Builds one instance of an operator for one worker, given its input schema.
// Called at job start only (a std::function is fine here, never per row).
using OperatorFactory = std::function<Result<std::unique_ptr<Operator>>(const Schema& input, const OperatorContext&)>;

struct OperatorSpec {
  std::string name;
  OperatorFactory create;
};

// A two-input keyed operator (joins). Process() takes the left input,
// ProcessRight() the right one; OnWatermark() gets the minimum of both sides.
class TwoInputOperator : public Operator {
 public:
  virtual Status ProcessRight(Batch& batch) = 0;
};

using TwoInputFactory = std::function<Result<std::unique_ptr<TwoInputOperator>>(const Schema& left, const Schema& right,
                                                                                const OperatorContext&)>;

// One input of a keyed stage: the output of an earlier stage, hash
// partitioned by `key_columns` (indices into that output) into key groups.
struct StageInput {
  int stage = -1;
  std::vector<int> key_columns;  // empty: every row to one key group (global aggregation)
  Sink* late_sink = nullptr;     // optional; rows of this input too late for the keyed operator
};

// One stage of a job's dataflow: where its rows come from, the operators that
// run fused on them in one task per worker, and where its output goes.
//
// A source stage reads `sources` (several = UNION ALL of same-schema inputs);
// each worker's source task reads its share of their partitions. A keyed
// stage reads one input, or two meeting in the two-input operator `join`
// (left = inputs[0], right = inputs[1]); each worker's task owns a range of
// key groups. A stage's output goes to `sink`, or, when that is null, into
// exactly one input of a later stage.
struct StageSpec {
  std::vector<std::shared_ptr<Source>> sources;
  std::vector<StageInput> inputs;
  TwoInputFactory join;
  std::vector<OperatorSpec> operators;
  Sink* sink = nullptr;  // must outlive the job
  // Source stages: where the records its sources cannot decode go, as rows of
  // DeadLetterSchema() (null: counted and logged only). Each worker's source
  // task writes them as one writer and pre-commits them at its barriers, so
  // a replay after a restore does not write them twice to a transactional sink.
  Sink* dead_letter_sink = nullptr;

  bool keyed() const { return !inputs.empty(); }
};

// A job as a planner (or the Pipeline builder) describes it: a tree of stages
// in topological order (inputs name earlier stages), whose roots write to
// sinks. Several roots = several pipelines (e.g. several INSERTs) run as one
// job. A source read by two branches is two sources: every stage's output
// feeds one consumer.
struct JobSpec {
  std::vector<StageSpec> stages;

  // Appends `other`'s stages, re-indexing their inputs; returns the index
  // offset they were moved by.
  int Append(const JobSpec& other);
};

struct JobConfig {
  int workers = 0;  // 0: one per hardware thread
  int key_groups = 128;
  int batch_capacity = kDefaultBatchCapacity;
  int channel_batches = 4;  // batches in flight per producer → consumer pair
  Clock* clock = nullptr;   // null: the system clock
  // Keyed state allowed per job (split evenly over workers); 0 = no limit. A
  // job whose state outgrows it fails with ResourceExhausted rather than
  // exhausting the machine's memory.
  int64_t max_state_bytes = 0;
  // Longest time rows wait in a partly filled exchange batch while the input
  // keeps coming (a quiet input flushes at once); Flink's execution.buffer-timeout.
  int64_t buffer_timeout_ms = 100;
  // Checkpoints: every `checkpoint_interval_ms` (0: none) the sources inject
  // a barrier; the checkpoint is stored in `checkpoint_dir`, and once the
  // next one is stored too the transactional sinks publish its output (so a
  // corrupt newest checkpoint can fall back to the previous one losing and
  // duplicating nothing). A job created over a directory that holds a
  // checkpoint resumes from the newest intact one.
  int64_t checkpoint_interval_ms = 0;
  std::filesystem::path checkpoint_dir;
  int checkpoints_retained = 3;
  std::string job_name;  // stored in checkpoints; a restore checks it
  // Where keyed state lives: memory (default) or RocksDB per stage and
  // worker, checkpointed by RocksDB checkpoints (docs/format/checkpoint.md).
  StateBackendConfig state = {};
};

// What a job's checkpoints have done so far.
struct CheckpointStats {
  int64_t restored_from = 0;  // the checkpoint the job resumed from (0: started fresh)
  int64_t completed = 0;
  int64_t last_id = 0;
  int64_t last_duration_ms = 0;  // barrier injection → stored and committed
  int64_t last_bytes = 0;        // bytes the checkpoint added: its file plus new RocksDB files
  int64_t last_state_bytes = 0;  // RocksDB: bytes of every file the checkpoint refers to (shared ones too)
};

// A running dataflow.
//
// Threading: `workers` workers. Worker w runs one source task that reads the
// source partitions p with p % workers == w (over every source stage),
// tracks their watermarks and runs each source stage's fused operators; and
// one task per keyed stage that owns the key groups [w*G/N, (w+1)*G/N) of
// that stage. A stage ends in an exchange (hash of key columns → key group →
// owning worker of the next stage) or in its sink. Tasks meet only through
// bounded queues (an Inbox per keyed stage and worker, a BatchPool per
// producer → consumer pair): a full queue blocks its producer, so pressure
// reaches the sources and memory stays bounded by stages × workers² ×
// channel_batches × batch size plus operator state. State is shared-nothing:
// each key group of a stage lives in exactly one worker. The stage graph is a
// tree, so blocked queues cannot form a cycle.
//
// Thread-safety: Run() from one thread; Cancel() and Metrics() from any.
class Job {
 public:
  static Result<std::unique_ptr<Job>> Create(JobSpec spec, JobConfig config);
  ~Job();

  // Runs until every source is drained (bounded inputs) or Cancel(); returns
  // the first error of any task, else the first error of a sink's Finish().
  Status Run();
  void Cancel();

  // The output schema of the last stage that writes to a sink.
  const Schema& output_schema() const { return output_schema_; }
  int workers() const { return config_.workers; }
  // Per operator, summed over workers: the sources, then each stage's
  // operators in stage and chain order.
  std::vector<OperatorMetricsSnapshot> Metrics() const;
  // Bytes held by the queues between workers (fixed at creation).
  size_t QueueMemoryBytes() const;
  CheckpointStats checkpoint_stats() const;
  // Takes a checkpoint now (a savepoint: the job is about to be stopped and
  // resumed later, possibly by a newer Sluice or with another parallelism),
  // publishes its output and returns its id once stored. Any thread, while
  // Run() runs.
  Result<int64_t> Savepoint();

 private:
  struct Reader;
  struct Worker;
  struct LateWriter;
  struct Alignment;
  struct PendingCheckpoint;
  struct TaskSnapshot;
  Job() = default;
  Status Validate() const;
  Status SetUpCheckpoints();
  Status SetUpStateBackend();
  // The stage's RocksDB instance on worker w, opened fresh or from the
  // restored checkpoint (rescaled when the worker count changed).
  Status OpenStateStore(int w, int stage);
  Status VerifyStateOf(const Checkpoint& c) const;
  Status BuildWorker(int w);
  Status BuildStage(int w, int stage, const OperatorContext& base_ctx, std::vector<Schema>* outputs);
  void SourceLoop(int w);
  void StageLoop(int w, int stage);
  Status CheckStateLimit(int w, int stage);
  void Fail(const Status& s);
  // Checkpoints: the coordinator thread triggers, collects and stores them.
  void CheckpointLoop();
  Status CompleteCheckpoint(Checkpoint c, int64_t started_ms);
  // Snapshot of stage `stage`'s chain on worker w after a barrier passed it.
  Status SnapshotChain(int w, int stage, int64_t checkpoint_id, TaskSnapshot* out);
  // The position (and event-time progress) of every partition worker w reads.
  Status AddSourcePositions(int w, std::vector<CheckpointEntry>* out) const;
  // The same as SnapshotChain for a chain that has finished (its inputs ended): no barrier
  // reaches it any more, so it is snapshotted when the checkpoint is triggered.
  Status SnapshotFinishedChain(int w, int stage, int64_t checkpoint_id, TaskSnapshot* out);
  // The writer id of worker `w`'s source task at stage `stage`'s dead-letter sink.
  int DeadLetterWriter(int w, int stage) const;
  // Writes and clears what `r`'s reader skipped (SourceLoop, worker `w`).
  Status WriteDeadLetters(int w, Reader* r);
  // Pre-commits worker `w`'s writers of stage `stage`'s late-data sinks
  // (after the chain's OnBarrier flushed its late rows) into `out`.
  Status PreCommitLateSinks(int w, int stage, int64_t checkpoint_id, std::vector<CheckpointEntry>* out);
  void Ack(int64_t checkpoint_id, TaskSnapshot snapshot);
  // A task's inputs are drained (or it failed): it no longer keeps the job running.
  void TaskFinished();
  // For a finished task: waits for a checkpoint newer than *injected and
  // returns true with its id in *injected, or false once no task runs any
  // more (or the job stops).
  bool AwaitTrigger(int64_t* injected);
  void StopCheckpoints();
  // Commits the sinks for the newest stored checkpoint (checkpoint thread).
  Status PublishStored();
  // Every distinct sink of the job (several stages may share one), with the
  // handles checkpoint `c` holds for it (none when `c` is null).
  std::vector<std::pair<Sink*, std::vector<std::string>>> SinkHandles(const Checkpoint* c) const;

  JobSpec spec_;
  JobConfig config_;
  Schema output_schema_;
  int keyed_stages_ = 0;
  std::vector<int> consumer_of_;  // per stage: the stage its output feeds, -1 for a sink
  std::vector<int> side_in_consumer_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Per keyed stage, per worker: the queue into that task.
  std::vector<std::vector<std::unique_ptr<Inbox>>> inboxes_;
  // Per stage feeding another: [producer * workers + consumer].
  std::vector<std::vector<std::unique_ptr<BatchPool>>> pools_;
  std::mutex mu_;
  Status first_error_;
  std::atomic<bool> cancelled_{false};

  std::unique_ptr<CheckpointStore> store_;
  // state.backend 'rocksdb': the working copies of this job's instances
  // (removed when the job is destroyed).
  std::filesystem::path state_live_dir_;
  // Names this run's RocksDB checkpoints: a checkpoint id reused after a
  // restore never names another run's directory (docs/format/checkpoint.md).
  std::string state_run_;
  std::optional<Checkpoint> restored_;
  std::atomic<int64_t> trigger_{0};               // the newest checkpoint the source tasks must inject
  std::atomic<bool> checkpoints_stopped_{false};  // the job ends: no more checkpoints
  int running_tasks_ = 0;                         // tasks whose inputs are not drained; under ck_mu_
  mutable std::mutex ck_mu_;
  std::condition_variable ck_cv_;
  std::unique_ptr<PendingCheckpoint> pending_;       // under ck_mu_
  bool savepoint_requested_ = false;                 // under ck_mu_
  std::optional<Result<int64_t>> savepoint_result_;  // under ck_mu_
  int64_t next_checkpoint_id_ = 1;
  CheckpointStats stats_;  // under ck_mu_
  // The newest stored checkpoint's sink handles, published when the next one
  // is stored (checkpoint thread only).
  int64_t unpublished_id_ = 0;
  std::vector<std::pair<Sink*, std::vector<std::string>>> unpublished_;
  std::thread checkpointer_;
};

}  // namespace sluice::engine
