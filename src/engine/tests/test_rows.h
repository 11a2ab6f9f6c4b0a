#pragma once

// Helpers for engine tests: build batches from rows of Values and read them back.

#include <string>
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

inline std::string RowToString(const Row& row) {
  std::string s;
  for (size_t i = 0; i < row.size(); ++i) s += (i ? "," : "") + row[i].ToString();
  return s;
}

}  // namespace sluice::engine::testing
