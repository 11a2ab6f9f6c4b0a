#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/calc_operator.h"
#include "engine/source.h"

namespace sluice::sql {

// A connector's source with a table's computed columns appended, so that
// event time and watermarks can come from a computed column (Flink computes
// `ts AS TO_TIMESTAMP_LTZ(ts_ms, 3)` before `WATERMARK FOR ts`). Each reader
// reads a batch of the inner source and evaluates the computed expressions
// over it into the output batch.
//
// Thread-safety: as engine::Source; each reader owns its compiled expressions.
// Lifetime: keeps the inner source alive.
class ComputedSource : public engine::Source {
 public:
  // `computed`: expressions over the inner schema, with their column names.
  static Result<std::shared_ptr<ComputedSource>> Create(std::shared_ptr<engine::Source> inner,
                                                        std::vector<engine::Projection> computed, int event_time_column,
                                                        engine::WatermarkStrategy strategy);

  std::string name() const override { return inner_->name(); }
  const engine::Schema& schema() const override { return schema_; }
  int event_time_column() const override { return event_time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return strategy_; }
  int num_splits() const override { return inner_->num_splits(); }
  std::vector<int> upsert_key() const override { return inner_->upsert_key(); }  // physical columns come first
  bool changelog() const override { return inner_->changelog(); }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override;

 private:
  std::shared_ptr<engine::Source> inner_;
  std::vector<engine::Projection> computed_;
  engine::Schema schema_;
  int event_time_column_ = -1;
  engine::WatermarkStrategy strategy_;
};

}  // namespace sluice::sql
