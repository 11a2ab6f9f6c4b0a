#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/rank_operators.h"

namespace sluice::engine {

// Top-N per key over an updating input (Flink's retract rank): the top-N of
// an unwindowed GROUP BY, a deduplication or another top-N, e.g.
//
//   SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY category
//     ORDER BY sales DESC) AS rn FROM (SELECT category, product, SUM(amount)
//     AS sales FROM orders GROUP BY category, product)) WHERE rn <= 3
//
// Unlike TopNOperator it keeps every row of a key, not only the N best: when
// a row of the top N is retracted (-U/-D of exactly that row) the next one
// moves up. +I/+U rows are added, -U/-D rows remove one equal row. Rows rank
// by the order column, then the tie-breaker, then arrival (ties keep the rows
// already held). Emits, per change to a key's top N: -D for a row that
// leaves it, +I for a row that enters it and, with the rank column, -U/+U for
// rows whose rank changes. A NULL order value never ranks (its +I and its
// retraction are both skipped); a retraction of a row that is not held (its
// state was never built here) is skipped and counted as a dropped row.
//
// State: every row of every key, O(log rows) per change plus O(N) to find
// ranks. Snapshots (format in retract_top_n_operator.cc) keep each key's
// rows in rank order.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class RetractTopNOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<RetractTopNOperator>> Create(const Schema& input, TopNSpec spec,
                                                             const OperatorContext& ctx);
  bool stateful() const override { return true; }
  std::string name() const override { return "retract-top-n"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  struct Row {
    double v = 0;       // the order column as DOUBLE
    double t = 0;       // the tie-breaker as DOUBLE (±inf for NULL: last); 0 without one
    uint64_t seq = 0;   // arrival: ties rank in arrival order
    std::string bytes;  // the whole row (snapshot_rows.h encoding)
  };
  // Best first.
  struct Better {
    bool descending;
    bool has_then;
    bool then_descending;
    bool operator()(const Row& a, const Row& b) const {
      if (a.v != b.v) return descending ? a.v > b.v : a.v < b.v;
      if (has_then && a.t != b.t) return then_descending ? a.t > b.t : a.t < b.t;
      return a.seq < b.seq;
    }
  };
  using Rows = std::set<Row, Better>;

  RetractTopNOperator(const Schema& input, TopNSpec spec, const OperatorContext& ctx);
  double OrderValue(const Batch& b, int column, int row) const;
  double ThenValue(const Batch& b, int row) const;
  // The group of entry `e` of keys_table_ (created on first use).
  Rows& GroupOf(uint32_t e, bool inserted);
  Status Add(Rows& rows, Row row);
  Status Remove(uint32_t e, Rows& rows, double v, double t, std::string_view bytes);
  Status EmitRow(RowKind kind, const Row& row, int64_t rank);

  Schema input_;
  Schema schema_;  // input_, plus the rank column when asked for
  TopNSpec spec_;
  KeyEncoder keys_;
  KeyEncoder rows_;
  KeyTable keys_table_;  // key -> u32 index into groups_
  std::vector<Rows> groups_;
  std::vector<uint32_t> free_groups_;
  uint64_t next_seq_ = 1;
  int64_t row_bytes_ = 0;  // bytes of the rows held (for StateBytes)
  int64_t rows_held_ = 0;
  int num_key_groups_;
  Batch out_;
};

}  // namespace sluice::engine
