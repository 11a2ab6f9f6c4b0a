#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "engine/batch.h"
#include "engine/operator.h"
#include "engine/value.h"

namespace sluice::engine {

// Where a job's results go. The engine knows destinations (topics, files,
// databases) only through this interface; connectors implement it.
//
// Thread-safety: Write() is called concurrently by every worker of the job;
// implementations must be thread-safe. A slow Write() blocks its worker, and
// through the bounded queues, the sources (backpressure).
//
// Exactly-once (two-phase commit tied to checkpoints): a transactional sink
// keeps what each writer gives it invisible (staged, in-progress) until the
// checkpoint covering it completes. Per checkpoint: each writer's task calls
// PreCommit() when the checkpoint's barrier reaches it (after its last
// pre-barrier WriteFrom()); once the checkpoint is stored, the job calls
// Commit() with every writer's handle. After a crash the job restores the
// last stored checkpoint and calls Recover() with its handles: the sink
// commits them (again, idempotently) and discards whatever was written after
// them. Non-transactional sinks see rows at once (at-least-once after a
// restore).
class Sink {
 public:
  virtual ~Sink() = default;
  // The live rows of `batch`, with their row kinds (+I, -U, +U, -D).
  virtual Status Write(const Batch& batch) = 0;
  // Called once, after every worker has written its last batch; a
  // transactional sink makes everything written visible.
  virtual Status Finish() { return Status::Ok(); }

  // The engine writes through this: `writer` identifies the task (unique per
  // stage and worker of the job, small and dense). Transactional sinks keep
  // per-writer state; others need not override it.
  virtual Status WriteFrom(int writer, const Batch& batch) {
    (void)writer;
    return Write(batch);
  }
  // `writer`'s input watermark advanced to `watermark` (sinks that act on
  // event time, e.g. the filesystem sink's partition commits, keep it; its
  // value at a barrier is the checkpoint's watermark for that writer).
  virtual Status OnWatermark(int writer, int64_t watermark) {
    (void)writer;
    (void)watermark;
    return Status::Ok();
  }
  virtual bool transactional() const { return false; }
  // Makes `writer`'s rows since its previous PreCommit() durable but still
  // invisible; returns what Commit() needs to publish them (stored in the
  // checkpoint, so its format is durable).
  virtual Result<std::string> PreCommit(int writer, int64_t checkpoint_id) {
    (void)writer;
    (void)checkpoint_id;
    return std::string();
  }
  // Checkpoint `checkpoint_id` is stored: publish `handles` (one per writer).
  // Idempotent: publishing what is already published is a no-op.
  virtual Status Commit(int64_t checkpoint_id, const std::vector<std::string>& handles) {
    (void)checkpoint_id;
    (void)handles;
    return Status::Ok();
  }
  // The job resumes from checkpoint `checkpoint_id` whose handles these are:
  // Commit() them, and discard what any writer wrote after them. Called once,
  // before the first WriteFrom(), in every checkpointed job: a fresh one
  // passes checkpoint 0 and no handles (the sink then knows its rows wait
  // for checkpoints).
  virtual Status Recover(int64_t checkpoint_id, const std::vector<std::string>& handles) {
    return Commit(checkpoint_id, handles);
  }
};

// One result row as collected for inspection.
struct CollectedRow {
  RowKind kind = RowKind::kInsert;
  std::vector<Value> values;
  std::string ToString() const;  // "+I(a,1,2)"
  friend bool operator==(const CollectedRow&, const CollectedRow&) = default;
  friend bool operator<(const CollectedRow& a, const CollectedRow& b) {
    if (a.values != b.values) return a.values < b.values;
    return a.kind < b.kind;
  }
};

// Keeps every row written to it, in arrival order. For tests and small
// interactive results.
//
// Thread-safety: thread-safe.
class CollectingSink : public Sink {
 public:
  Status Write(const Batch& batch) override;
  Status Finish() override;
  std::vector<CollectedRow> rows() const;
  bool finished() const;

 private:
  mutable std::mutex mu_;
  std::vector<CollectedRow> rows_;
  bool finished_ = false;
};

// The last operator of a chain: hands batches to a Sink as writer `writer`,
// and pre-commits the sink at checkpoint barriers.
class SinkOperator : public Operator {
 public:
  SinkOperator(Schema schema, Sink* sink, int writer = 0) : schema_(std::move(schema)), sink_(sink), writer_(writer) {}
  std::string name() const override { return "sink"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override {
    metrics().Add(metrics().rows_out, batch.active_rows());
    return sink_->WriteFrom(writer_, batch);
  }
  Status OnWatermark(int64_t watermark) override {
    metrics().watermark.store(watermark, std::memory_order_relaxed);
    return sink_->OnWatermark(writer_, watermark);
  }
  Status OnBarrier(int64_t checkpoint_id) override {
    SLUICE_ASSIGN_OR_RETURN(handle_, sink_->PreCommit(writer_, checkpoint_id));
    return Status::Ok();
  }
  Status Finish() override { return Status::Ok(); }
  Sink* sink() const { return sink_; }
  // What the last PreCommit() returned.
  const std::string& handle() const { return handle_; }

 private:
  Schema schema_;
  Sink* sink_;
  int writer_;
  std::string handle_;
};

}  // namespace sluice::engine
