#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::connectors {

// Records that could not be decoded, with their reason and position. The job
// carries on; every bad record is counted and the first few are kept and
// logged so the user can find them ("bids.jsonl line 7: field \"price\":
// expected an integer (BIGINT)").
//
// Thread-safety: thread-safe; shared by every reader of one source.
class DeadLetters {
 public:
  explicit DeadLetters(std::string table) : table_(std::move(table)) {}
  void Add(const std::string& position, const std::string& reason);
  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::vector<std::string> first() const;

  static constexpr size_t kKept = 20;

 private:
  std::string table_;
  std::atomic<int64_t> count_{0};
  mutable std::mutex mu_;
  std::vector<std::string> first_;
};

}  // namespace sluice::connectors
