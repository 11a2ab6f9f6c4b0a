#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sluice::engine {

// One RocksDB instance holding keyed state: a small interface so that no
// rocksdb/*.h header reaches the rest of the engine (pimpl).
//
// Keys are state keys (state_key.h: big-endian key group, operator id, key
// bytes), so one key group range is one contiguous key range. The instance
// runs without a write-ahead log: it is a working copy, and what survives a
// crash is its last checkpoint (CreateCheckpoint), never the live files.
//
// Thread-safety: not thread-safe; owned by one stage task of one worker.
// Lifetime: the directory stays until the owner deletes it.
class RocksDbStore {
 public:
  struct Options {
    int64_t block_cache_bytes = 8 << 20;
    int64_t write_buffer_bytes = 8 << 20;
  };
  enum class Mode : uint8_t { kReadWrite, kReadOnly };

  // Opens (kReadWrite: creating if absent) the instance in `dir`.
  static Result<std::unique_ptr<RocksDbStore>> Open(const std::filesystem::path& dir, const Options& options,
                                                    Mode mode = Mode::kReadWrite);
  ~RocksDbStore();
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  // Staged writes, applied atomically by Commit(). The staging buffer is
  // reused, so a steady stream of flushes does not allocate.
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  size_t staged() const { return staged_; }
  Status Commit();

  // Batched point lookups: after MultiGet(keys), found(i) and value(i)
  // describe keys[i]; values stay valid until the next MultiGet. Inside, one
  // RocksDB Get per key into reused strings. RocksDB's own MultiGet fills
  // PinnableSlices; reused across calls they crashed jobs of two workers
  // inside MemTable::Get once a checkpoint had flushed (Debian's RocksDB
  // 7.8; cause not found, RocksDbStateTest.KilledJob... reproduces it).
  Status MultiGet(const std::vector<std::string_view>& keys);
  bool found(size_t i) const;
  std::string_view value(size_t i) const;

  // Visits every key in [lo, hi) in order; `visit` returns false to stop.
  template <typename Visit>
  Status Scan(std::string_view lo, std::string_view hi, Visit visit) const {
    Cursor c(*this, lo, hi);
    for (; c.Valid(); c.Next()) {
      if (!visit(c.key(), c.value())) break;
    }
    return c.status();
  }

  // Copies every key in [lo, hi) of `from` into this instance (committing
  // in batches of bounded size).
  Status CopyRange(const RocksDbStore& from, std::string_view lo, std::string_view hi);

  // Writes a RocksDB checkpoint of the current contents into `dir`, which
  // must not exist: the memtable is flushed, SST files are hard-linked (so
  // files unchanged since an earlier checkpoint are shared, not rewritten:
  // incremental), the small metadata files copied.
  Status CreateCheckpoint(const std::filesystem::path& dir);
  // Whether `dir` holds a checkpoint that opens (every file it names present
  // with its size); the error says what is wrong.
  static Status VerifyCheckpoint(const std::filesystem::path& dir);
  // Makes `to` a writable copy of the checkpoint in `from`: SST files
  // (immutable) hard-linked where the filesystem allows, the rest copied.
  static Status CloneCheckpoint(const std::filesystem::path& from, const std::filesystem::path& to);

  // Memory RocksDB holds for this instance (memtables, block cache, index
  // and filter blocks), approximately.
  int64_t MemoryBytes() const;
  // Bytes of the live SST files.
  int64_t DiskBytes() const;

 private:
  class Cursor {
   public:
    Cursor(const RocksDbStore& store, std::string_view lo, std::string_view hi);
    ~Cursor();
    bool Valid() const;
    void Next();
    std::string_view key() const;
    std::string_view value() const;
    Status status() const;

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  struct Impl;
  explicit RocksDbStore(std::filesystem::path dir);

  std::filesystem::path dir_;
  std::unique_ptr<Impl> impl_;
  size_t staged_ = 0;
};

}  // namespace sluice::engine
