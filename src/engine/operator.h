#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "engine/batch.h"
#include "engine/keyed_state.h"
#include "engine/metrics.h"

namespace sluice::engine {

class Sink;
class Clock;
class RocksDbStore;

// What a running operator instance knows about where it runs.
struct OperatorContext {
  int worker = 0;  // index of the worker that owns this instance
  int num_workers = 1;
  int num_key_groups = 128;
  int batch_capacity = kDefaultBatchCapacity;
  Sink* late_sink = nullptr;        // where rows too late for any window go (may be null: counted only)
  Sink* right_late_sink = nullptr;  // two-input operators: late rows of the right input
  Clock* clock = nullptr;
  // state.backend 'rocksdb': the stage's RocksDB instance on this worker
  // (null: keep state in memory). Operators that support it keep their keyed
  // state there under `operator_id`, with at most `state_cache_entries` keys
  // cached in memory.
  RocksDbStore* state_store = nullptr;
  int operator_id = 0;  // the operator's index in its stage's chain
  int64_t state_cache_entries = 0;
};

// One step of a dataflow, run by one worker on the batches it is given.
// Operators are chained: each pushes its output to the next by calling
// Emit(), so a chain of operators without an exchange runs as one fused task.
//
// Calls come from one thread (the owning worker). Per batch the cost is one
// virtual call; loops over rows live inside the operator.
//
// Thread-safety: not thread-safe; one instance per worker. Lifetime: built by
// the job before it runs, destroyed after the worker stops.
class Operator {
 public:
  virtual ~Operator() = default;

  virtual std::string name() const = 0;
  virtual const Schema& output_schema() const = 0;

  // Processes the live rows of `batch`. The operator may narrow its selection
  // or overwrite it; the caller reuses the batch afterwards.
  virtual Status Process(Batch& batch) = 0;
  // The input's event time has advanced to `watermark`: no more on-time rows
  // below it will come. Stateful operators fire; everyone forwards.
  virtual Status OnWatermark(int64_t watermark) { return EmitWatermark(watermark); }
  // The wall clock reads `now_ms` (processing-time timers).
  virtual Status OnProcessingTime(int64_t now_ms) { return next_ ? next_->OnProcessingTime(now_ms) : Status::Ok(); }
  // End of input, after a final watermark of kMaxWatermark.
  virtual Status Finish() { return next_ ? next_->Finish() : Status::Ok(); }
  // Checkpoint `checkpoint_id`'s barrier: every row before it has been
  // processed. Forward it; exchanges send it on, sinks pre-commit. The task
  // snapshots the chain's keyed state once this returns.
  virtual Status OnBarrier(int64_t checkpoint_id) { return next_ ? next_->OnBarrier(checkpoint_id) : Status::Ok(); }
  // The operator's keyed state, or null for stateless operators.
  virtual KeyedState* keyed_state() { return nullptr; }
  // Whether the operator keeps state across batches. A stateful operator
  // without keyed_state() cannot be checkpointed yet.
  virtual bool stateful() const { return false; }
  // Bytes of keyed state this instance holds.
  virtual int64_t StateBytes() const { return 0; }

  void set_next(Operator* next) { next_ = next; }
  Operator* next() const { return next_; }
  OperatorMetrics& metrics() { return metrics_; }

  // Runs Process() and accounts rows, batches and self time.
  Status ProcessAndMeasure(Batch& batch) {
    auto t0 = std::chrono::steady_clock::now();
    int64_t downstream_before = downstream_ns_;
    metrics_.Add(metrics_.rows_in, batch.active_rows());
    metrics_.Add(metrics_.batches_in, 1);
    Status s = Process(batch);
    auto t1 = std::chrono::steady_clock::now();
    metrics_.Add(metrics_.busy_ns, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count() -
                                       (downstream_ns_ - downstream_before));
    return s;
  }

 protected:
  Status Emit(Batch& batch) {
    metrics_.Add(metrics_.rows_out, batch.active_rows());
    if (!next_ || batch.active_rows() == 0) return Status::Ok();
    auto t0 = std::chrono::steady_clock::now();
    Status s = next_->ProcessAndMeasure(batch);
    downstream_ns_ +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    return s;
  }
  Status EmitWatermark(int64_t watermark) {
    metrics_.watermark.store(watermark, std::memory_order_relaxed);
    return next_ ? next_->OnWatermark(watermark) : Status::Ok();
  }

 private:
  Operator* next_ = nullptr;
  int64_t downstream_ns_ = 0;
  OperatorMetrics metrics_;
};

}  // namespace sluice::engine
