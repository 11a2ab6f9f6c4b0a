#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace sluice::engine {

// One piece of a checkpoint, addressed by where it belongs in the job.
struct CheckpointEntry {
  enum class Kind : uint8_t {
    kSourcePosition = 1,  // stage, index = source of the stage, part = split; aux = max event time seen
    kKeyGroupState = 2,   // stage, index = operator in the stage's chain, part = key group
    kSinkHandle = 3,      // stage, index = writer; what PreCommit() returned
    // stage, index = worker, part = workers when taken, aux = bytes of files
    // this checkpoint added; data = RocksDbStateRef (the RocksDB checkpoint of
    // that stage's instance on that worker, under StateDirOf(id))
    kRocksDbState = 4,
  };
  Kind kind = Kind::kSourcePosition;
  uint32_t stage = 0;
  uint32_t index = 0;
  uint32_t part = 0;
  int64_t aux = 0;
  std::string data;
};

// A consistent cut of a job: every source's position, every operator's keyed
// state and every sink's pre-commit handle at the same checkpoint barrier.
struct Checkpoint {
  int64_t id = 0;
  int64_t created_ms = 0;  // wall clock, for operators reading `sluice job`
  std::string job;         // the job's name, checked on restore
  std::vector<CheckpointEntry> entries;
};

// Where a kRocksDbState entry's RocksDB checkpoint is: `dir` relative to the
// checkpoint directory; `key_groups` of the job that took it.
struct RocksDbStateRef {
  uint32_t key_groups = 0;
  std::string dir;

  std::string Encode() const;
  static Result<RocksDbStateRef> Decode(std::string_view data);
};

// The checkpoints of one job under a directory, one file each
// (docs/format/checkpoint.md). A checkpoint is published atomically: written
// to a temporary file, fsynced, renamed to chk-<id>.ckpt and the directory
// fsynced, so a crash leaves either the whole file or none. The last
// `retain` checkpoints are kept, with their state directories
// (chk-<id>.state/: RocksDB checkpoints written before the file).
//
// Thread-safety: not thread-safe; one writer (the job's checkpoint thread).
class CheckpointStore {
 public:
  CheckpointStore(std::filesystem::path dir, int retain = 3) : dir_(std::move(dir)), retain_(retain) {}

  const std::filesystem::path& dir() const { return dir_; }
  Status Write(const Checkpoint& c);
  // The newest checkpoint that reads back intact, or none. A checkpoint file
  // that fails its checksum or is truncated, or that `verify` (when given)
  // rejects — say, a RocksDB checkpoint directory it names is missing or
  // damaged — is skipped with a warning naming it, and the one before it is
  // used.
  using Verifier = std::function<Status(const Checkpoint&)>;
  Result<std::optional<Checkpoint>> LoadLatest(const Verifier& verify = nullptr) const;
  // The directory holding checkpoint `id`'s state beside its file.
  std::filesystem::path StateDirOf(int64_t id) const;
  // Checkpoint ids present (intact or not), oldest first.
  std::vector<int64_t> List() const;

  static std::string Encode(const Checkpoint& c);
  static Result<Checkpoint> Decode(std::string_view bytes);

 private:
  std::filesystem::path PathOf(int64_t id) const;

  std::filesystem::path dir_;
  int retain_;
};

}  // namespace sluice::engine
