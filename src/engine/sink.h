#pragma once

#include <mutex>
#include <string>
#include <vector>

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
class Sink {
 public:
  virtual ~Sink() = default;
  // The live rows of `batch`, with their row kinds (+I, -U, +U, -D).
  virtual Status Write(const Batch& batch) = 0;
  // Called once, after every worker has written its last batch.
  virtual Status Finish() { return Status::Ok(); }
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

// The last operator of a chain: hands batches to a Sink.
class SinkOperator : public Operator {
 public:
  SinkOperator(Schema schema, Sink* sink) : schema_(std::move(schema)), sink_(sink) {}
  std::string name() const override { return "sink"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override {
    metrics().Add(metrics().rows_out, batch.active_rows());
    return sink_->Write(batch);
  }
  Status OnWatermark(int64_t watermark) override {
    metrics().watermark.store(watermark, std::memory_order_relaxed);
    return Status::Ok();
  }
  Status Finish() override { return Status::Ok(); }

 private:
  Schema schema_;
  Sink* sink_;
};

}  // namespace sluice::engine
