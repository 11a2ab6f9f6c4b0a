#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace sluice::engine {

// Where keyed state lives (Flink's 'state.backend').
enum class StateBackend : uint8_t {
  kHashMap,  // in-memory KeyTables (default, fastest); snapshots copy every key
  kRocksDb,  // RocksDB on local disk behind a bounded cache; state may exceed memory
};

Result<StateBackend> ParseStateBackend(std::string_view name);

// The state backend of a job (JobConfig::state). Only GROUP BY and
// deduplication keep their state in RocksDB so far; every other operator
// keeps it in memory whatever the backend.
struct StateBackendConfig {
  StateBackend backend = StateBackend::kHashMap;
  // Working copies of the RocksDB instances (one per stage and worker); empty:
  // <checkpoint_dir>/rocksdb-live, or a directory under the system's
  // temporary directory when the job has no checkpoints. Best on the same
  // filesystem as the checkpoints, so checkpoints hard-link files instead of
  // copying them.
  std::filesystem::path local_dir;
  // Keys held in memory per operator instance (the write-back cache in front
  // of RocksDB); past it the cache is written to RocksDB and emptied.
  int64_t cache_entries = 64 * 1024;
  // Per RocksDB instance: block cache for reads and memtable size for writes.
  int64_t block_cache_bytes = 8 << 20;
  int64_t write_buffer_bytes = 8 << 20;
};

}  // namespace sluice::engine
