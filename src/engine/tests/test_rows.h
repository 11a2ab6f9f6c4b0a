#pragma once

// Helpers for engine tests: build batches from rows of Values and read them back.

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <ostream>

#include "engine/batch.h"
#include "engine/key_table.h"
#include "engine/sink.h"
#include "engine/value.h"

namespace sluice::engine {
// GoogleTest prints values and rows readably.
inline void PrintTo(const Value& v, std::ostream* os) { *os << v.ToString(); }
inline void PrintTo(const CollectedRow& r, std::ostream* os) { *os << r.ToString(); }
}  // namespace sluice::engine

namespace sluice::engine::testing {

using Row = std::vector<Value>;

inline Batch MakeBatch(const Schema& schema, const std::vector<Row>& rows, int capacity = kDefaultBatchCapacity) {
  Batch b(schema, capacity);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int c = 0; c < schema.size(); ++c) rows[r][c].WriteTo(&b.column(c), static_cast<int>(r));
  }
  b.set_num_rows(static_cast<int>(rows.size()));
  return b;
}

inline std::vector<Value> ColumnValues(const Column& col, const Batch& b) {
  std::vector<Value> out;
  for (int k = 0; k < b.active_rows(); ++k) out.push_back(Value::FromColumn(col, b.active_row(k)));
  return out;
}

// The key group of `row`'s key columns, as an exchange would route it.
inline int KeyGroupOfRow(const Schema& schema, const Row& row, std::vector<int> key_columns, int num_key_groups) {
  Batch b = MakeBatch(schema, {row}, 1);
  KeyEncoder enc(std::move(key_columns));
  enc.Encode(b);
  return KeyGroupOf(enc.hash(0), num_key_groups);
}

// Feeds `events` (rows with their kinds, in order) to operators made by
// `make` (a callable returning std::unique_ptr<Op>, Op an Operator and
// KeyedState), in batches of up to `batch_rows` rows with the output into
// `sink`. Halfway through, every key group of the one instance is
// snapshotted and restored onto two new instances that split the key groups
// (a rescale); each later batch goes to the instance owning its rows' key.
template <typename Make>
void ReplayWithRescale(const Schema& schema, const std::vector<int>& key_columns, int num_key_groups,
                       const std::vector<std::pair<Row, RowKind>>& events, size_t batch_rows, Make make,
                       CollectingSink* sink) {
  using Op = typename decltype(make())::element_type;
  std::vector<std::unique_ptr<Op>> ops;
  std::vector<std::unique_ptr<SinkOperator>> outs;
  auto add_op = [&] {
    ops.push_back(make());
    outs.push_back(std::make_unique<SinkOperator>(ops.back()->output_schema(), sink));
    ops.back()->set_next(outs.back().get());
  };
  add_op();
  const size_t half = events.size() / 2;
  for (size_t i = 0; i < events.size();) {
    if (ops.size() == 1 && i >= half) {
      std::vector<std::string> snaps(num_key_groups);
      for (int kg = 0; kg < num_key_groups; ++kg) ASSERT_TRUE(ops[0]->SnapshotKeyGroup(kg, &snaps[kg]).ok());
      ops.clear();
      outs.clear();
      add_op();
      add_op();
      for (int kg = 0; kg < num_key_groups; ++kg) {
        Status s = ops[kg < num_key_groups / 2 ? 0 : 1]->RestoreKeyGroup(kg, snaps[kg]);
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
    }
    auto owner = [&](const Row& r) {
      return ops.size() == 1 ? 0 : (KeyGroupOfRow(schema, r, key_columns, num_key_groups) < num_key_groups / 2 ? 0 : 1);
    };
    const int op = owner(events[i].first);
    std::vector<Row> rows;
    std::vector<RowKind> kinds;
    while (i < events.size() && rows.size() < batch_rows && owner(events[i].first) == op &&
           !(ops.size() == 1 && i == half && !rows.empty())) {
      rows.push_back(events[i].first);
      kinds.push_back(events[i].second);
      ++i;
    }
    Batch b = MakeBatch(schema, rows, static_cast<int>(batch_rows) + 8);
    for (size_t r = 0; r < kinds.size(); ++r) b.mutable_row_kinds()[r] = kinds[r];
    Status s = ops[op]->Process(b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

// The final table a changelog describes: +I/+U add a row, -U/-D remove one.
inline std::multiset<std::vector<Value>> Materialize(const std::vector<CollectedRow>& rows) {
  std::multiset<std::vector<Value>> table;
  for (const CollectedRow& r : rows) {
    if (r.kind == RowKind::kInsert || r.kind == RowKind::kUpdateAfter) {
      table.insert(r.values);
    } else {
      auto it = table.find(r.values);
      EXPECT_NE(it, table.end()) << "retraction of a row never emitted: " << r.ToString();
      if (it != table.end()) table.erase(it);
    }
  }
  return table;
}

inline std::string RowToString(const Row& row) {
  std::string s;
  for (size_t i = 0; i < row.size(); ++i) s += (i ? "," : "") + row[i].ToString();
  return s;
}

}  // namespace sluice::engine::testing
