#pragma once

#include <memory>

#include "common/result.h"
#include "engine/job.h"

namespace sluice::engine {

// UNION ALL of two inputs with the same column types: every row of either,
// unchanged (row kinds and late marks included). Output column names are the
// left input's. The stage's watermark is already the minimum of both inputs.
//
// Thread-safety: not thread-safe; one per worker.
class UnionOperator : public TwoInputOperator {
 public:
  static Result<std::unique_ptr<UnionOperator>> Create(const Schema& left, const Schema& right);
  std::string name() const override { return "union"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override { return Emit(batch); }
  Status ProcessRight(Batch& batch) override { return Emit(batch); }

 private:
  explicit UnionOperator(Schema schema) : schema_(std::move(schema)) {}
  Schema schema_;
};

}  // namespace sluice::engine
