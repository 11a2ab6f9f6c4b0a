#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/result.h"
#include "engine/operator.h"

namespace sluice::engine {

// LIMIT n over an append-only stream (Flink's streaming LIMIT without ORDER
// BY): passes the first n rows it receives and drops every later one. The
// planner sends all rows to one key group, so one instance sees them all and
// "first" is their arrival order there. Output schema = input schema.
//
// `on_limit`, if set, is called once, right after the n-th row went
// downstream: a bare SELECT in the shell stops its job there.
//
// State: the number of rows passed, kept in the key group every row goes to,
// so a restored job does not pass more than n rows in all.
//
// Thread-safety: not thread-safe; one per worker.
class LimitOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<LimitOperator>> Create(const Schema& input, int64_t n, std::function<void()> on_limit,
                                                       const OperatorContext& ctx);
  std::string name() const override { return "limit"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  bool stateful() const override { return true; }
  KeyedState* keyed_state() override { return this; }
  // Format: u8 version 1, i64 rows passed (only in the key group of the empty key).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  LimitOperator(Schema schema, int64_t n, std::function<void()> on_limit, int key_group)
      : schema_(std::move(schema)), n_(n), on_limit_(std::move(on_limit)), key_group_(key_group) {}

  Schema schema_;
  int64_t n_;
  std::function<void()> on_limit_;
  int key_group_;  // where rows exchanged on no key land
  int64_t passed_ = 0;
};

}  // namespace sluice::engine
