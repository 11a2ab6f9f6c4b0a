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

// The late-data side output of one source table: takes the rows a window
// aggregation or a join dropped as late (batches of that operator's input
// schema) and writes their columns, matched by name, into the late table's
// sink. A column "$late.<name>" (kept through a window aggregation's
// pre-projection for this purpose) wins over a plain "<name>".
//
// Thread-safety: thread-safe (every worker's keyed task may write). Late rows
// are rare, so one mutex around a reused batch is enough.
// One per late table and job, shared by every keyed input whose late rows go
// there; the job calls Finish() once at its end, which finishes `target`.
class LateRowSink : public engine::Sink {
 public:
  // `table`: the late table's name, for error messages.
  LateRowSink(std::string table, engine::Schema schema, std::shared_ptr<engine::Sink> target);

  Status Write(const engine::Batch& batch) override;
  Status Finish() override;

 private:
  // Which input column feeds each of schema_'s columns, for `input`.
  Result<const std::vector<int>*> Mapping(const engine::Schema& input);

  const std::string table_;
  const engine::Schema schema_;
  const std::shared_ptr<engine::Sink> target_;
  std::mutex mu_;
  // Per input schema seen (one per keyed input writing here): its mapping.
  std::vector<std::pair<engine::Schema, std::vector<int>>> mappings_;
  std::unique_ptr<engine::Batch> out_;
  bool finished_ = false;
};

}  // namespace sluice::sql
