#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/job.h"
#include "engine/key_table.h"

namespace sluice::engine {

// Which left rows a semi-join lets through: those with at least one right row
// of an equal key (SQL's `k IN (SELECT ...)`, `EXISTS (...)`), or those with
// none (`NOT EXISTS (...)`).
enum class SemiJoinType : uint8_t { kSemi, kAnti };

// Whether a NULL key column equals nothing (SQL's =, for IN and EXISTS) or
// another NULL (row comparison, for INTERSECT and EXCEPT).
enum class NullKeys : uint8_t { kMatchNothing, kEqual };

struct SemiJoinSpec {
  std::vector<int> left_keys;  // pair up by position with right_keys; equal types
  std::vector<int> right_keys;
  SemiJoinType type = SemiJoinType::kSemi;
  NullKeys null_keys = NullKeys::kMatchNothing;
};

// A regular (unwindowed) semi- or anti-join, as Flink runs IN / EXISTS
// subqueries in streaming mode: the output is the left input's rows, each
// present while its key has a match on the right (semi) or has none (anti).
// Per key it keeps the number of right rows and every left row, forever
// (there is no time bound to forget them by).
//
// Changelog: a left row passes with its own kind when its key's state says
// so; when a key's right count goes from 0 to 1 (or back), every stored left
// row of the key is emitted as +I or retracted as -D. A left -U/-D removes an
// equal stored row. A row whose key has a NULL column matches nothing (SQL's
// =): a semi-join drops it, an anti-join passes it. With append-only inputs
// a semi-join's output is append-only; an anti-join's retracts rows whose
// first match arrives later.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class SemiJoinOperator : public TwoInputOperator, public KeyedState {
 public:
  static Result<std::unique_ptr<SemiJoinOperator>> Create(const Schema& left, const Schema& right, SemiJoinSpec spec,
                                                          const OperatorContext& ctx);

  std::string name() const override { return spec_.type == SemiJoinType::kSemi ? "semi-join" : "anti-join"; }
  const Schema& output_schema() const override { return schema_; }
  bool stateful() const override { return true; }
  Status Process(Batch& batch) override;
  Status ProcessRight(Batch& batch) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // Per key of group `kg`: the key, its right-row count and its left rows;
  // format in semi_join_operator.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  // KeyTable payload of a join key.
  struct KeyState {
    int64_t right_rows;  // net right rows with this key
    int32_t head;        // first stored left row (node index), -1 when none
    int32_t tail;        // last one: rows are kept (and re-emitted) in arrival order
    int32_t left_rows;
    int32_t unused;
  };
  // A stored left row: its encoding in rows_.
  struct Node {
    uint32_t offset;
    uint32_t length;
    int32_t next;
  };

  SemiJoinOperator(const Schema& left, const Schema& right, SemiJoinSpec spec, const OperatorContext& ctx);
  // Whether a key with `right_rows` matches lets its left rows through.
  bool Passes(int64_t right_rows) const { return (right_rows > 0) == (spec_.type == SemiJoinType::kSemi); }
  void StoreLeft(KeyState* state, std::string_view row);
  // Removes one stored left row equal to `row`; false when there is none.
  bool RemoveLeft(KeyState* state, std::string_view row);
  // Emits every stored left row of `state` with `kind`.
  Status EmitStored(const KeyState& state, RowKind kind);
  Status FlushOut();
  void MaybeCompact();
  KeyState* State(uint32_t entry) { return reinterpret_cast<KeyState*>(keys_.payload(entry)); }

  Schema schema_;
  SemiJoinSpec spec_;
  OperatorContext ctx_;
  KeyEncoder left_keys_;
  KeyEncoder right_keys_;
  KeyTable keys_;
  std::vector<Node> nodes_;
  std::vector<int32_t> free_nodes_;
  std::vector<char> rows_;  // encoded left rows (EncodeRow); garbage_ bytes of it are dead
  std::vector<char> compact_scratch_;
  size_t garbage_ = 0;
  int64_t stored_rows_ = 0;
  std::string scratch_;
  std::unique_ptr<Batch> out_;
};

}  // namespace sluice::engine
