#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/expression.h"
#include "engine/operator.h"

namespace sluice::engine {

// A named output column of a projection.
struct Projection {
  Expr expr;
  std::string name;
};

// Filter and projection fused into one step (Flink's "Calc"): evaluates the
// predicate, narrows the selection to rows where it is TRUE (NULL and FALSE
// drop the row), then evaluates the projections over the surviving rows only.
// Rows keep their positions; nothing is copied except computed columns.
// Without projections the input columns pass through unchanged.
// CURRENT_WATERMARK(...) reads the last watermark the operator received.
//
// Thread-safety: not thread-safe; one per worker.
class CalcOperator : public Operator {
 public:
  // `filter` may be invalid (no filter); `projections` empty = keep the input
  // columns. PROCTIME() reads `clock` (null: the system clock).
  static Result<std::unique_ptr<CalcOperator>> Create(const Schema& input, Expr filter,
                                                      std::vector<Projection> projections,
                                                      int capacity = kDefaultBatchCapacity,
                                                      const Clock* clock = nullptr);

  std::string name() const override { return "calc"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override;
  // CURRENT_WATERMARK(...) in the filter or projections returns the latest
  // watermark this operator received (NULL before the first).
  Status OnWatermark(int64_t watermark) override;

 private:
  CalcOperator(Schema output, int capacity) : output_schema_(output), out_(std::move(output), capacity) {}

  Schema output_schema_;
  std::unique_ptr<CompiledExpr> filter_;
  std::vector<std::unique_ptr<CompiledExpr>> projections_;
  Batch out_;
};

}  // namespace sluice::engine
