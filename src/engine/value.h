#pragma once

#include <cstdint>
#include <string>

#include "engine/schema.h"

namespace sluice::engine {

class Column;

// One scalar of any engine type, or NULL. Used for literals in expressions
// and to read results in tests and tools; never on a per-row hot path.
//
// Thread-safety: a value type.
struct Value {
  DataType type = DataType::kInt64;
  bool is_null = true;
  int64_t i = 0;  // int64, int32, timestamp, bool
  double d = 0;   // double
  std::string s;  // string

  static Value Null(DataType t) { return Value{t, true, 0, 0, {}}; }
  static Value Int64(int64_t v) { return Value{DataType::kInt64, false, v, 0, {}}; }
  static Value Int32(int32_t v) { return Value{DataType::kInt32, false, v, 0, {}}; }
  static Value Double(double v) { return Value{DataType::kDouble, false, 0, v, {}}; }
  static Value Bool(bool v) { return Value{DataType::kBool, false, v ? 1 : 0, 0, {}}; }
  static Value String(std::string v) { return Value{DataType::kString, false, 0, 0, std::move(v)}; }
  static Value Timestamp(int64_t ms) { return Value{DataType::kTimestamp, false, ms, 0, {}}; }
  static Value Date(int32_t days) { return Value{DataType::kDate, false, days, 0, {}}; }

  // Reads row `row` of `col`.
  static Value FromColumn(const Column& col, int row);
  // Writes this value into row `row` of `col` (same type).
  void WriteTo(Column* col, int row) const;

  std::string ToString() const;  // "NULL", "42", "3.5", "true", "abc", "1970-01-01 00:00:01.000", "1970-01-02"
  friend bool operator==(const Value& a, const Value& b);
  friend bool operator<(const Value& a, const Value& b);  // NULL first, then by value
};

}  // namespace sluice::engine
