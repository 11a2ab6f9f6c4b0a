#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/schema.h"

namespace sluice::engine {

// Live counters of one operator instance (one per worker). Written by the
// worker that runs the operator, read by anyone (the server, the dashboard)
// with relaxed atomics: each figure is current, the set is not a snapshot.
struct OperatorMetrics {
  std::atomic<int64_t> rows_in{0};
  std::atomic<int64_t> rows_out{0};
  std::atomic<int64_t> batches_in{0};
  std::atomic<int64_t> busy_ns{0};           // time in this operator, excluding downstream operators
  std::atomic<int64_t> backpressured_ns{0};  // time blocked on a full downstream queue
  std::atomic<int64_t> watermark{kMinWatermark};
  std::atomic<int64_t> state_bytes{0};
  std::atomic<int64_t> late_rows{0};     // rows sent to the late-data output
  std::atomic<int64_t> dropped_rows{0};  // rows dropped for a reason counted here (e.g. NULL event time)

  void Add(std::atomic<int64_t>& counter, int64_t v) { counter.fetch_add(v, std::memory_order_relaxed); }
};

// A copy of one operator's figures summed over its worker instances
// (watermark: the minimum).
struct OperatorMetricsSnapshot {
  std::string name;  // "source[0]", "calc", "exchange", "window", "sink"
  int instances = 0;
  int64_t rows_in = 0;
  int64_t rows_out = 0;
  int64_t batches_in = 0;
  int64_t busy_ns = 0;
  int64_t backpressured_ns = 0;
  int64_t watermark = kMinWatermark;
  int64_t state_bytes = 0;
  int64_t late_rows = 0;
  int64_t dropped_rows = 0;
};

}  // namespace sluice::engine
