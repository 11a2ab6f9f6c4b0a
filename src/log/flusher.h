#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::log {

class Partition;

// The threads that fsync partitions: on request (fsync=always: every append
// that waits for durability asks; requests that arrive while an fsync runs
// are served together by the next one — group commit) and on a timer
// (fsync=interval). One Flusher serves every partition of a Log.
//
// Thread-safety: thread-safe. Lifetime: must outlive nothing; holds partitions
// only weakly, so a partition may be destroyed while queued.
class Flusher {
 public:
  explicit Flusher(int threads = 2);
  ~Flusher();
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues a sync of `partition` (the caller has marked it queued; see Partition).
  void RequestSync(std::weak_ptr<Partition> partition);
  // Syncs `partition` every `interval` while it has unsynced data, until it is gone.
  void RegisterPeriodic(std::weak_ptr<Partition> partition, std::chrono::milliseconds interval);
  // Stops the threads; pending requests are dropped (partitions sync on Close).
  void Stop();

 private:
  struct Periodic {
    std::weak_ptr<Partition> partition;
    std::chrono::milliseconds interval;
    std::chrono::steady_clock::time_point next;
  };
  void WorkerLoop();
  void TimerLoop();

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable timer_cv_;
  std::deque<std::weak_ptr<Partition>> queue_;
  std::vector<Periodic> periodic_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread timer_;
};

}  // namespace sluice::log
