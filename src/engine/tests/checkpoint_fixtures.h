#pragma once

// Fixtures of the checkpoint tests: a two-phase-commit sink over shared
// "durable" storage, a slow source that can hold still while checkpoints
// are taken, and the table a changelog describes.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/memory_source.h"
#include "engine/sink.h"
#include "engine/source.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine::testing {

// "Durable" storage shared by the incarnations of a transactional test sink.
struct TxnStorage {
  std::mutex mu;
  std::map<std::string, std::vector<CollectedRow>> staged;
  std::set<std::string> published;
  std::vector<CollectedRow> committed;
};

// A two-phase-commit sink over TxnStorage: rows are staged per writer at
// PreCommit and become visible on Commit; a crash loses what was not staged.
class TxnSink : public Sink {
 public:
  TxnSink(TxnStorage* storage, std::string instance) : storage_(storage), instance_(std::move(instance)) {}
  Status Write(const Batch& batch) override { return WriteFrom(0, batch); }
  Status WriteFrom(int writer, const Batch& batch) override {
    std::lock_guard lock(storage_->mu);
    auto& rows = pending_[writer];
    for (int k = 0; k < batch.active_rows(); ++k) {
      const int r = batch.active_row(k);
      CollectedRow row;
      row.kind = batch.row_kind(r);
      for (int c = 0; c < batch.num_columns(); ++c) row.values.push_back(Value::FromColumn(batch.column(c), r));
      rows.push_back(std::move(row));
    }
    return Status::Ok();
  }
  bool transactional() const override { return true; }
  Result<std::string> PreCommit(int writer, int64_t id) override {
    std::lock_guard lock(storage_->mu);
    std::string handle = fmt::format("{}-{}-{}", instance_, id, writer);
    storage_->staged[handle] = std::move(pending_[writer]);
    pending_[writer].clear();
    mine_.push_back(handle);
    return handle;
  }
  Status Commit(int64_t, const std::vector<std::string>& handles) override {
    std::lock_guard lock(storage_->mu);
    for (const auto& h : handles) PublishLocked(h);
    return Status::Ok();
  }
  Status Finish() override {
    std::lock_guard lock(storage_->mu);
    for (const auto& h : mine_) PublishLocked(h);
    for (auto& [w, rows] : pending_) {
      for (auto& r : rows) storage_->committed.push_back(std::move(r));
      rows.clear();
    }
    return Status::Ok();
  }

 private:
  void PublishLocked(const std::string& h) {
    if (storage_->published.count(h)) return;
    auto it = storage_->staged.find(h);
    if (it == storage_->staged.end()) return;
    for (const auto& r : it->second) storage_->committed.push_back(r);
    storage_->published.insert(h);
  }
  TxnStorage* storage_;
  std::string instance_;
  std::map<int, std::vector<CollectedRow>> pending_;
  std::vector<std::string> mine_;
};

// A memory source that takes a little time per batch, so checkpoints happen
// while it runs. While `*hold` is set, each reader stops after kHoldAfter
// batches ("no data now", barriers still flow): a test that "crashes" the
// job after some checkpoints cannot see it drain first on a loaded machine.
class SlowSource : public Source {
 public:
  static constexpr int kHoldAfter = 100;
  explicit SlowSource(std::shared_ptr<MemorySource> inner, const std::atomic<bool>* hold = nullptr,
                      std::chrono::microseconds per_batch = std::chrono::microseconds(200))
      : inner_(std::move(inner)), hold_(hold), per_batch_(per_batch) {}
  std::string name() const override { return "slow"; }
  const Schema& schema() const override { return inner_->schema(); }
  int event_time_column() const override { return inner_->event_time_column(); }
  WatermarkStrategy watermark_strategy() const override { return inner_->watermark_strategy(); }
  int num_splits() const override { return inner_->num_splits(); }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override { return Wrap(inner_->OpenSplit(split)); }
  Result<std::unique_ptr<SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    return Wrap(inner_->OpenSplitAt(split, position));
  }

 private:
  class Reader : public SourceReader {
   public:
    Reader(std::unique_ptr<SourceReader> inner, const std::atomic<bool>* hold, std::chrono::microseconds per_batch)
        : inner_(std::move(inner)), hold_(hold), per_batch_(per_batch) {}
    Result<ReadStatus> Read(Batch* out) override {
      if (hold_ && hold_->load() && reads_ >= kHoldAfter) return ReadStatus::kNoDataNow;
      ++reads_;
      std::this_thread::sleep_for(per_batch_);
      return inner_->Read(out);
    }
    Result<std::string> Position() const override { return inner_->Position(); }

   private:
    std::unique_ptr<SourceReader> inner_;
    const std::atomic<bool>* hold_;
    std::chrono::microseconds per_batch_;
    int reads_ = 0;
  };
  Result<std::unique_ptr<SourceReader>> Wrap(Result<std::unique_ptr<SourceReader>> r) const {
    if (!r.ok()) return r.status();
    return std::unique_ptr<SourceReader>(new Reader(std::move(*r), hold_, per_batch_));
  }
  std::shared_ptr<MemorySource> inner_;
  const std::atomic<bool>* hold_;
  std::chrono::microseconds per_batch_;
};

}  // namespace sluice::engine::testing
