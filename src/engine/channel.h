#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/batch.h"

namespace sluice::engine {

// What travels from a producer worker to a consumer worker, in order.
struct ChannelMessage {
  enum class Kind : uint8_t { kData, kWatermark, kIdle, kBarrier, kEnd };
  Kind kind = Kind::kData;
  uint8_t side = 0;  // which input of a two-input job (0: the only or left one, 1: right)
  int producer = 0;
  Batch* batch = nullptr;  // kData: borrowed from the producer's BatchPool for this consumer
  int64_t watermark = 0;   // kWatermark; kBarrier: the checkpoint id
};

// The bounded queue into one consumer worker, shared by every producer.
// Push() blocks while the queue is full, Pop() while it is empty; the time a
// producer spends blocked is its backpressure. Cancel() wakes every waiter
// and makes further calls fail fast.
//
// Thread-safety: thread-safe (many producers, one consumer).
class Inbox {
 public:
  explicit Inbox(size_t capacity) : ring_(capacity) {}

  // False when cancelled. *blocked_ns accumulates the time spent waiting.
  bool Push(const ChannelMessage& m, int64_t* blocked_ns) {
    std::unique_lock<std::mutex> lock(mu_);
    if (count_ == ring_.size()) {
      auto t0 = std::chrono::steady_clock::now();
      not_full_.wait(lock, [&] { return count_ < ring_.size() || cancelled_; });
      *blocked_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    }
    if (cancelled_) return false;
    ring_[(head_ + count_) % ring_.size()] = m;
    ++count_;
    not_empty_.notify_one();
    return true;
  }

  // False when cancelled or when `timeout` passed with nothing to pop.
  bool Pop(ChannelMessage* m, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return count_ > 0 || cancelled_; })) return false;
    if (cancelled_) return false;
    *m = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --count_;
    not_full_.notify_one();
    return true;
  }

  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::vector<ChannelMessage> ring_;
  size_t head_ = 0;
  size_t count_ = 0;
  bool cancelled_ = false;
};

// A fixed set of batches one producer may have in flight to one consumer.
// Acquire() blocks while all are in flight: this bounds memory between two
// workers to capacity × batch size, whatever the speed of the consumer.
//
// Thread-safety: thread-safe (one producer acquires, one consumer releases).
class BatchPool {
 public:
  BatchPool(const Schema& schema, int batch_capacity, int batches) {
    for (int i = 0; i < batches; ++i) {
      owned_.push_back(std::make_unique<Batch>(schema, batch_capacity));
      free_.push_back(owned_.back().get());
    }
  }

  // Null when cancelled. *blocked_ns accumulates the time spent waiting.
  Batch* Acquire(int64_t* blocked_ns) {
    std::unique_lock<std::mutex> lock(mu_);
    if (free_.empty()) {
      auto t0 = std::chrono::steady_clock::now();
      cv_.wait(lock, [&] { return !free_.empty() || cancelled_; });
      *blocked_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    }
    if (cancelled_) return nullptr;
    Batch* b = free_.back();
    free_.pop_back();
    b->Clear();
    return b;
  }
  void Release(Batch* b) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(b);
    cv_.notify_one();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  size_t MemoryBytes() const {
    size_t bytes = 0;
    for (const auto& b : owned_) bytes += b->MemoryBytes();
    return bytes;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Batch>> owned_;
  std::vector<Batch*> free_;
  bool cancelled_ = false;
};

}  // namespace sluice::engine
