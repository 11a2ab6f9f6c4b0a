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

namespace window_detail {
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace window_detail

// Calls f(end) for the end of every window of `w` (tumble, hop, cumulate)
// that contains event time `ts`, smallest first.
template <typename F>
void ForEachWindowEnd(const WindowSpec& w, int64_t ts, F&& f) {
  using window_detail::FloorDiv;
  switch (w.kind) {
    case WindowKind::kTumble: f(FloorDiv(ts, w.size_ms) * w.size_ms + w.size_ms); break;
    case WindowKind::kHop: {
      // Windows start at multiples of the slide: [s, s + size) with s <= ts < s + size.
      int64_t s = FloorDiv(ts, w.slide_ms) * w.slide_ms;
      while (s - w.slide_ms + w.size_ms > ts) s -= w.slide_ms;
      for (; s <= ts; s += w.slide_ms) f(s + w.size_ms);
      break;
    }
    case WindowKind::kCumulate: {
      const int64_t period = FloorDiv(ts, w.size_ms) * w.size_ms;
      for (int64_t e = FloorDiv(ts, w.slide_ms) * w.slide_ms + w.slide_ms; e <= period + w.size_ms; e += w.slide_ms)
        f(e);
      break;
    }
    case WindowKind::kSession: break;
  }
}

// The start of the window of `w` (tumble, hop, cumulate) that ends at `end`.
inline int64_t WindowStartOf(const WindowSpec& w, int64_t end) {
  if (w.kind == WindowKind::kCumulate) return window_detail::FloorDiv(end - 1, w.size_ms) * w.size_ms;
  return end - w.size_ms;
}

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
