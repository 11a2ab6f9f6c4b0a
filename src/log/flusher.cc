#include "log/flusher.h"

#include <algorithm>

#include "log/partition.h"

namespace sluice::log {

Flusher::Flusher(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_ = std::thread([this] { TimerLoop(); });
}

Flusher::~Flusher() { Stop(); }

void Flusher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& t : workers_) t.join();
  timer_.join();
}

void Flusher::RequestSync(std::weak_ptr<Partition> partition) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(partition));
  }
  work_cv_.notify_one();
}

void Flusher::RegisterPeriodic(std::weak_ptr<Partition> partition, std::chrono::milliseconds interval) {
  {
    std::lock_guard lock(mu_);
    periodic_.push_back({std::move(partition), interval, std::chrono::steady_clock::now() + interval});
  }
  timer_cv_.notify_all();
}

void Flusher::WorkerLoop() {
  for (;;) {
    std::weak_ptr<Partition> weak;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      weak = std::move(queue_.front());
      queue_.pop_front();
    }
    if (auto p = weak.lock()) p->SyncFromFlusher();
  }
}

void Flusher::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::seconds(1);
    for (auto it = periodic_.begin(); it != periodic_.end();) {
      if (it->partition.expired()) {
        it = periodic_.erase(it);
        continue;
      }
      if (it->next <= now) {
        queue_.push_back(it->partition);
        work_cv_.notify_one();
        it->next = now + it->interval;
      }
      next = std::min(next, it->next);
      ++it;
    }
    timer_cv_.wait_until(lock, next);
  }
}

}  // namespace sluice::log
