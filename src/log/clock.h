#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sluice::log {

// Wall-clock time as the log sees it: segment age, retention, commit times.
// Tests drive a ManualClock instead of sleeping.
// Thread-safety: implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;  // ms since the Unix epoch
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // The process-wide instance; lives forever.
  static const SystemClock* Get() {
    static const SystemClock clock;
    return &clock;
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(std::memory_order_relaxed); }
  void Advance(std::chrono::milliseconds d) { now_.fetch_add(d.count(), std::memory_order_relaxed); }
  void Set(int64_t ms) { now_.store(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sluice::log
