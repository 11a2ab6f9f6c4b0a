#include "connectors/dead_letters.h"

#include "common/logging.h"

namespace sluice::connectors {

void DeadLetters::Add(const std::string& position, const std::string& reason) {
  int64_t n = count_.fetch_add(1, std::memory_order_relaxed);
  if (n >= static_cast<int64_t>(kKept)) return;
  std::string entry = position + ": " + reason;
  SLUICE_LOG_WARN("connector", "table {}: skipped undecodable record at {} (the job continues)", table_, entry);
  std::lock_guard lock(mu_);
  first_.push_back(std::move(entry));
}

std::vector<std::string> DeadLetters::first() const {
  std::lock_guard lock(mu_);
  return first_;
}

}  // namespace sluice::connectors
