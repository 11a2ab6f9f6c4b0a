#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "engine/batch.h"
#include "engine/schema.h"
#include "engine/sink.h"

namespace sluice::sql {

// A side output of a query's sources into a catalog table: the late-data
// table (rows a window aggregation or a join dropped as late, in batches of
// that operator's input schema) or the dead-letter table (records a source
// could not decode, in batches of engine::DeadLetterSchema()). Writes the
// columns of the batches it gets, matched by name, into the table's sink; a
// column "$late.<name>" (kept through a window aggregation's pre-projection
// for this purpose) wins over a plain "<name>", and `constants` fill columns
// no batch has (the dead-letter table's `source`). With
// LateWatermark::kColumn, a TIMESTAMP column `late_watermark` no batch has
// gets each row's late watermark (Batch::late_watermark: the watermark of its
// source partition that it was behind; NULL if it was not).
//
// Thread-safety: thread-safe (every worker's tasks may write). Side rows are
// rare, so one mutex around a reused batch is enough.
// One per table and job, shared by every input whose side rows go there; the
// job commits and finishes it like a stage sink (it forwards to `target`).
class SideOutputSink : public engine::Sink {
 public:
  enum class LateWatermark { kNone, kColumn };
  // `what` and `table` name it in error messages ("late-data table bids_late").
  SideOutputSink(std::string what, std::string table, engine::Schema schema, std::shared_ptr<engine::Sink> target,
                 std::vector<std::pair<std::string, std::string>> constants = {},
                 LateWatermark late_watermark = LateWatermark::kNone);

  Status Write(const engine::Batch& batch) override { return WriteFrom(0, batch); }
  Status Finish() override;
  // Exactly-once when the table's sink is transactional: the job gives each
  // keyed task's late rows (each source task's dead letters) as one writer
  // and pre-commits them at its barriers; all of it is forwarded to `target`.
  Status WriteFrom(int writer, const engine::Batch& batch) override;
  bool transactional() const override { return target_->transactional(); }
  Result<std::string> PreCommit(int writer, int64_t checkpoint_id) override {
    return target_->PreCommit(writer, checkpoint_id);
  }
  Status Commit(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    return target_->Commit(checkpoint_id, handles);
  }
  Status Recover(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    return target_->Recover(checkpoint_id, handles);
  }

 private:
  // Which input column feeds each of schema_'s columns, for `input`.
  Result<const std::vector<int>*> Mapping(const engine::Schema& input);

  const std::string what_;
  const std::string table_;
  const std::vector<std::pair<std::string, std::string>> constants_;
  const LateWatermark late_watermark_;
  const engine::Schema schema_;
  const std::shared_ptr<engine::Sink> target_;
  std::mutex mu_;
  // Per input schema seen (one per keyed input writing here): its mapping.
  std::vector<std::pair<engine::Schema, std::vector<int>>> mappings_;
  std::unique_ptr<engine::Batch> out_;
  bool finished_ = false;
};

}  // namespace sluice::sql
