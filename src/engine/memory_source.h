#pragma once

#include <memory>
#include <vector>

#include "engine/source.h"
#include "engine/value.h"

namespace sluice::engine {

// A bounded source over rows held in memory, one vector of rows per
// partition, read in order. Rows are converted to batches once, at
// construction, so reading costs a copy of each batch (the benchmarks read it).
//
// Thread-safety: immutable after construction; readers are independent.
class MemorySource : public Source {
 public:
  using Row = std::vector<Value>;
  // `event_time_column` names a TIMESTAMP column of `schema` (or is empty).
  static Result<std::shared_ptr<MemorySource>> Create(Schema schema, std::vector<std::vector<Row>> partitions,
                                                      const std::string& event_time_column, WatermarkStrategy strategy,
                                                      int batch_capacity = kDefaultBatchCapacity);
  // Same, from ready-made batches per partition (their capacity must not
  // exceed the job's batch capacity).
  static Result<std::shared_ptr<MemorySource>> FromBatches(Schema schema,
                                                           std::vector<std::vector<std::shared_ptr<Batch>>> partitions,
                                                           const std::string& event_time_column,
                                                           WatermarkStrategy strategy);

  std::string name() const override { return "memory"; }
  const Schema& schema() const override { return schema_; }
  int event_time_column() const override { return event_time_column_; }
  WatermarkStrategy watermark_strategy() const override { return strategy_; }
  int num_splits() const override { return static_cast<int>(partitions_.size()); }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override;
  Result<std::unique_ptr<SourceReader>> OpenSplitAt(int split, std::string_view position) override;

 private:
  Schema schema_;
  int event_time_column_ = -1;
  WatermarkStrategy strategy_;
  std::vector<std::vector<std::shared_ptr<Batch>>> partitions_;
};

// Copies the rows and side vectors of `from` into `to` (same schema, capacity
// at least from.num_rows()), keeping buffers. Selection is copied too.
void CopyBatch(const Batch& from, Batch* to);

}  // namespace sluice::engine
