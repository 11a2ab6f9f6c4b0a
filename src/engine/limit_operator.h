#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/result.h"
#include "engine/operator.h"

namespace sluice::engine {

// LIMIT n [OFFSET m] over an append-only stream (Flink's streaming LIMIT
// without ORDER BY): skips the first m rows it receives, passes the next n
// and drops every later one. The
// planner sends all rows to one key group, so one instance sees them all and
// "first" is their arrival order there. Output schema = input schema.
//
// `on_limit`, if set, is called once, right after the (m+n)-th row was seen:
// a bare SELECT in the shell stops its job there.
//
// State: the number of rows seen, kept in the key group every row goes to,
// so a restored job neither repeats nor skips rows in all.
//
// Thread-safety: not thread-safe; one per worker.
class LimitOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<LimitOperator>> Create(const Schema& input, int64_t n, std::function<void()> on_limit,
                                                       const OperatorContext& ctx, int64_t offset = 0);
  std::string name() const override { return "limit"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  bool stateful() const override { return true; }
  KeyedState* keyed_state() override { return this; }
  // Format: u8 version 1, i64 rows seen (only in the key group of the empty key).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  LimitOperator(Schema schema, int64_t n, int64_t offset, std::function<void()> on_limit, int key_group)
      : schema_(std::move(schema)), n_(n), offset_(offset), on_limit_(std::move(on_limit)), key_group_(key_group) {}

  Schema schema_;
  int64_t n_;
  int64_t offset_;
  std::function<void()> on_limit_;
  int key_group_;     // where rows exchanged on no key land
  int64_t seen_ = 0;  // rows received so far, skipped ones included
};

}  // namespace sluice::engine
