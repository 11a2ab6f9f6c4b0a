#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/aggregate.h"

namespace sluice::engine {

enum class WindowKind : uint8_t { kTumble, kHop, kCumulate, kSession };

// Window shapes over event time, as Flink's window table functions define
// them. Windows are [start, end); a window fires when the watermark reaches
// its end. allowed_lateness keeps a fired window open for updates.
struct WindowSpec {
  WindowKind kind = WindowKind::kTumble;
  int64_t size_ms = 0;   // tumble, hop, cumulate (max size)
  int64_t slide_ms = 0;  // hop: slide; cumulate: step
  int64_t gap_ms = 0;    // session
  int64_t allowed_lateness_ms = 0;
  // Early results (tumble/hop/cumulate): every this many ms of processing
  // time, windows still open emit their current result (+I, then -U/+U as it
  // changes); the final firing then only emits what changed. 0: off.
  int64_t early_fire_interval_ms = 0;

  static WindowSpec Tumble(std::chrono::milliseconds size) { return {WindowKind::kTumble, size.count(), size.count()}; }
  static WindowSpec Hop(std::chrono::milliseconds size, std::chrono::milliseconds slide) {
    return {WindowKind::kHop, size.count(), slide.count()};
  }
  static WindowSpec Cumulate(std::chrono::milliseconds max_size, std::chrono::milliseconds step) {
    return {WindowKind::kCumulate, max_size.count(), step.count()};
  }
  static WindowSpec Session(std::chrono::milliseconds gap) { return {WindowKind::kSession, 0, 0, gap.count()}; }
  WindowSpec WithAllowedLateness(std::chrono::milliseconds l) const {
    WindowSpec s = *this;
    s.allowed_lateness_ms = l.count();
    return s;
  }
  WindowSpec WithEarlyFire(std::chrono::milliseconds interval) const {
    WindowSpec s = *this;
    s.early_fire_interval_ms = interval.count();
    return s;
  }
  std::string ToString() const;
};

// A keyed window aggregation as a planner describes it. Output columns: the
// key columns (input names), window_start, window_end (TIMESTAMP(3)), then
// one column per aggregate.
struct WindowAggregateSpec {
  std::vector<int> key_columns;  // indices into the input schema
  int time_column = -1;          // the input's event-time TIMESTAMP column
  WindowSpec window;
  std::vector<AggregateSpec> aggregates;
};

}  // namespace sluice::engine
