#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "engine/channel.h"
#include "engine/clock.h"
#include "engine/metrics.h"
#include "engine/operator.h"
#include "engine/sink.h"
#include "engine/source.h"

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

// One input of a job: its sources (several = UNION ALL of same-schema
// inputs), the stateless operators that run fused with them, and the key
// columns of the exchange (when the job has a key-by).
struct JobInput {
  std::vector<std::shared_ptr<Source>> sources;
  std::vector<OperatorSpec> before_exchange;
  std::vector<int> key_columns;  // empty with key_by: every row to one key group (global aggregation)
  Sink* late_sink = nullptr;     // optional; rows of this input too late for the keyed operator
};

// A job as a planner (or the Pipeline builder) describes it: one input, or
// two meeting in a two-input keyed operator (a join); an optional key-by;
// keyed operators after it; the sink. Operators without an exchange between
// them run fused in one task.
struct JobSpec {
  std::vector<std::shared_ptr<Source>> sources;
  std::vector<OperatorSpec> before_exchange;
  bool key_by = false;
  std::vector<int> key_columns;   // empty with key_by: every row to one key group (global aggregation)
  std::optional<JobInput> right;  // a second input: requires key_by and `join`
  TwoInputFactory join;           // the operator both inputs meet in, before after_exchange
  std::vector<OperatorSpec> after_exchange;
  Sink* sink = nullptr;       // required; must outlive the job
  Sink* late_sink = nullptr;  // optional; rows too late for any window
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
};

// A running dataflow.
//
// Threading: `workers` workers. Worker w runs a producer thread that reads the
// source partitions p with p % workers == w (of both inputs, for a join),
// tracks their watermarks, runs the fused operators before the exchange and
// partitions rows by key group; and,
// when the job has a key-by, a consumer thread that owns the key groups
// [w*G/N, (w+1)*G/N) and runs the keyed operators and the sink for them. The
// two meet only through bounded queues (Inbox + BatchPool per pair): a full
// queue blocks the producer, so pressure reaches the sources and memory stays
// bounded by workers² × channel_batches × batch size plus operator state.
// State is shared-nothing: each key group lives in exactly one worker.
//
// Thread-safety: Run() from one thread; Cancel() and Metrics() from any.
class Job {
 public:
  static Result<std::unique_ptr<Job>> Create(JobSpec spec, JobConfig config);
  ~Job();

  // Runs until every source is drained (bounded inputs) or Cancel(); returns
  // the first error of any worker.
  Status Run();
  void Cancel();

  const Schema& output_schema() const { return output_schema_; }
  int workers() const { return config_.workers; }
  // Per operator, summed over workers; in chain order.
  std::vector<OperatorMetricsSnapshot> Metrics() const;
  // Bytes held by the queues between workers (fixed at creation).
  size_t QueueMemoryBytes() const;

 private:
  struct Reader;
  struct Worker;
  Job() = default;
  Status BuildWorker(int w);
  void ProducerLoop(int w);
  void ConsumerLoop(int w);
  void Fail(const Status& s);

  JobSpec spec_;
  JobConfig config_;
  Schema source_schema_;
  Schema output_schema_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::vector<std::unique_ptr<BatchPool>> pools_;  // [(side * workers + producer) * workers + consumer]
  std::mutex mu_;
  Status first_error_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace sluice::engine
