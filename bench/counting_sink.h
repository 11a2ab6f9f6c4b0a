#pragma once

#include <atomic>
#include <cstdint>

#include "engine/sink.h"

namespace sluice::bench {

// Counts and drops what it is given: the sink of benchmarks that measure a
// job, not its output. Not transactional: a restored job may write rows twice
// to it (at-least-once), which a benchmark does not mind.
//
// Thread-safety: thread-safe (every worker writes).
class CountingSink : public engine::Sink {
 public:
  Status Write(const engine::Batch& b) override {
    rows_.fetch_add(b.active_rows(), std::memory_order_relaxed);
    return Status::Ok();
  }
  int64_t rows() const { return rows_.load(); }

 private:
  std::atomic<int64_t> rows_{0};
};

}  // namespace sluice::bench
