#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/key_table.h"
#include "engine/operator.h"

namespace sluice::engine {

// Turns an upsert changelog into a full one, as Flink's ChangelogNormalize
// after an upsert source ('upsert-kafka'): the input says only "this is now
// the row for key k" (+I/+U) or "key k is gone" (-D, possibly with only the
// key columns set); per key the operator keeps the last row and emits
//   +I(new)                  for a key it does not hold,
//   -U(old) +U(new)          for a key whose row changed,
//   nothing                  for a row equal to the one held (a duplicate),
//   -D(old, the whole row)   for a delete of a key it holds (else nothing).
// -U input rows are ignored (an upsert stream has none). Keyed by
// `key_columns` (the primary key): run it after an exchange on them.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class ChangelogNormalizeOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<ChangelogNormalizeOperator>> Create(const Schema& input, std::vector<int> key_columns,
                                                                    const OperatorContext& ctx);
  std::string name() const override { return "changelog-normalize"; }
  const Schema& output_schema() const override { return schema_; }
  bool stateful() const override { return true; }
  Status Process(Batch& batch) override;
  int64_t StateBytes() const override { return table_.MemoryBytes(); }
  KeyedState* keyed_state() override { return this; }
  // The row held per key of group `kg`; format in changelog_normalize_operator.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  ChangelogNormalizeOperator(const Schema& input, std::vector<int> key_columns, const OperatorContext& ctx);
  // Appends the encoded row `row` with `kind` to out_, flushing when full.
  Status EmitStored(RowKind kind, std::string_view row);
  Status Flush();
  void Store(uint32_t entry, std::string_view row);

  Schema schema_;
  KeyEncoder keys_;
  KeyEncoder rows_;  // every column: a row's bytes (the snapshot row encoding)
  KeyTable table_;   // payload: u32 offset, u32 length of the held row in the table's arena
  int num_key_groups_;
  Batch out_;
  size_t garbage_ = 0;
  std::vector<char> scratch_;
};

}  // namespace sluice::engine
