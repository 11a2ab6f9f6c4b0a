#include "engine/state/state_backend.h"

#include <fmt/format.h>

namespace sluice::engine {

Result<StateBackend> ParseStateBackend(std::string_view name) {
  // Flink's names; 'filesystem' and 'jobmanager' are its older names for the heap backend.
  if (name == "hashmap" || name == "filesystem" || name == "jobmanager") return StateBackend::kHashMap;
  if (name == "rocksdb") return StateBackend::kRocksDb;
  return Status::InvalidArgument(
      fmt::format("'state.backend' = '{}' is not a state backend; use 'hashmap' (in memory) or 'rocksdb'", name));
}

}  // namespace sluice::engine
