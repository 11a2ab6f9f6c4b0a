#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace sluice::engine {

// Key groups captured at a checkpoint barrier, turned into bytes later: the
// job serializes captures on its checkpoint thread while the operator goes on
// with the batches after the barrier (Flink's asynchronous snapshot phase).
// A capture owns what it serializes and never reads the operator again.
class StateCapture {
 public:
  virtual ~StateCapture() = default;
  // (*out)[i] = what SnapshotKeyGroup(kgs[i]) would have appended at the
  // barrier, for the key groups the capture was taken of.
  virtual Status Serialize(std::vector<std::string>* out) = 0;
};

// A capture serialized at once (the default for operators with small state).
class SerializedCapture final : public StateCapture {
 public:
  explicit SerializedCapture(std::vector<std::string> blobs) : blobs_(std::move(blobs)) {}
  Status Serialize(std::vector<std::string>* out) override {
    *out = std::move(blobs_);
    return Status::Ok();
  }

 private:
  std::vector<std::string> blobs_;
};

// The keyed state of one operator instance, partitioned by key group so a
// checkpoint can save each key group on its own and a rescaled job can give
// key groups to other workers. With the in-memory backend (state.backend
// 'hashmap') the snapshot holds every key; operators whose state lives in the
// stage's RocksDB instance (state.backend 'rocksdb') snapshot nothing here:
// PrepareSnapshot() writes their cache to RocksDB, whose checkpoint the job
// takes for the whole stage.
//
// Snapshot format (little-endian, private to each operator kind, versioned by
// its first byte): see the implementing operator.
//
// Thread-safety: called by the worker that owns the operator, between batches.
class KeyedState {
 public:
  virtual ~KeyedState() = default;
  // Called at a checkpoint barrier before the Snapshot* calls: state kept in
  // RocksDB is written there (the job checkpoints the instance next).
  virtual Status PrepareSnapshot() { return Status::Ok(); }
  // Whether the state lives in the stage's RocksDB instance (else in memory).
  virtual bool in_store() const { return false; }
  // Appends every key of key group `kg` — and nothing of other groups — to *out.
  virtual Status SnapshotKeyGroup(int kg, std::string* out) const = 0;
  // The same for several key groups at once: (*out)[i] gets what
  // SnapshotKeyGroup(kgs[i]) would append. Operators whose state is one big
  // table override it to scan the table once instead of once per group.
  virtual Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const {
    out->assign(kgs.size(), std::string());
    for (size_t i = 0; i < kgs.size(); ++i) {
      Status s = SnapshotKeyGroup(kgs[i], &(*out)[i]);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  // Captures key groups `kgs` at a barrier, for serializing off the data
  // path. The default serializes now; operators with large state override
  // it to copy their tables (at memcpy speed) and serialize in the capture.
  virtual Result<std::unique_ptr<StateCapture>> CaptureKeyGroups(const std::vector<int>& kgs) const {
    std::vector<std::string> blobs;
    Status s = SnapshotKeyGroups(kgs, &blobs);
    if (!s.ok()) return s;
    return std::unique_ptr<StateCapture>(std::make_unique<SerializedCapture>(std::move(blobs)));
  }
  // Adds the keys of `data`, produced by SnapshotKeyGroup of the same kind of
  // operator with the same specification.
  virtual Status RestoreKeyGroup(int kg, std::string_view data) = 0;
};

// Little-endian encoding helpers for snapshots.
class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string* out) : out_(out) {}
  template <typename T>
  void Put(T v) {
    out_->append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutBytes(std::string_view b) {
    Put<uint32_t>(static_cast<uint32_t>(b.size()));
    out_->append(b);
  }

 private:
  std::string* out_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetBytes(std::string_view* b) {
    uint32_t n;
    if (!Get(&n) || in_.size() < n) return false;
    *b = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace sluice::engine
