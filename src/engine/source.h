#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "engine/batch.h"

namespace sluice::engine {

// How a source's watermarks follow its event times, per partition:
// watermark = (max event time seen so far) - max_out_of_orderness. A
// partition that yields no data for idle_timeout (processing time) stops
// holding the job's watermark back until it yields data again.
struct WatermarkStrategy {
  int64_t max_out_of_orderness_ms = 0;
  int64_t idle_timeout_ms = 0;  // 0: never considered idle

  static WatermarkStrategy BoundedDelay(std::chrono::milliseconds delay) { return WatermarkStrategy{delay.count(), 0}; }
  WatermarkStrategy WithIdleTimeout(std::chrono::milliseconds t) const {
    WatermarkStrategy s = *this;
    s.idle_timeout_ms = t.count();
    return s;
  }
};

enum class ReadStatus { kData, kNoDataNow, kEndOfInput };

// Reads one partition (split) of a source. Owned and called by one worker.
//
// Thread-safety: not thread-safe.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  // Fills `out` (cleared by the caller, schema of the source) with up to
  // out->capacity() rows. kNoDataNow: nothing available yet (an unbounded
  // source); kEndOfInput: the partition is drained (a bounded source), and
  // `out` is empty.
  virtual Result<ReadStatus> Read(Batch* out) = 0;
  // Rows skipped as unreadable (bad JSON, wrong types), for the metrics.
  virtual int64_t bad_records() const { return 0; }
};

// A table of rows arriving over time, split into partitions that are read in
// parallel. The log/topic, Kafka and file connectors implement it.
//
// Thread-safety: OpenSplit() may be called from any thread, once per split.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::string name() const = 0;
  virtual const Schema& schema() const = 0;
  // The TIMESTAMP column that carries event time, or -1 (processing time only).
  virtual int event_time_column() const = 0;
  virtual WatermarkStrategy watermark_strategy() const = 0;
  virtual int num_splits() const = 0;
  virtual Result<std::unique_ptr<SourceReader>> OpenSplit(int split) = 0;
};

}  // namespace sluice::engine
