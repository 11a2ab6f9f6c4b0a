#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sluice::engine {

// Processing time, in ms since the epoch. The job reads it for idleness and
// processing-time timers; tests pass a ManualClock and drive it.
//
// Thread-safety: implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock* Default() {
    static SystemClock clock;
    return &clock;
  }
};

class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 0) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_.load(std::memory_order_acquire); }
  void Advance(int64_t ms) { now_.fetch_add(ms, std::memory_order_acq_rel); }
  void Set(int64_t ms) { now_.store(ms, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sluice::engine
