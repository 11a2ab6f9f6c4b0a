#include "engine/value.h"

#include <fmt/format.h>

#include <ctime>

#include "engine/column.h"

namespace sluice::engine {

Value Value::FromColumn(const Column& col, int row) {
  if (col.IsNull(row)) return Null(col.type());
  switch (col.type()) {
    case DataType::kInt64: return Int64(col.data<int64_t>()[row]);
    case DataType::kInt32: return Int32(col.data<int32_t>()[row]);
    case DataType::kDouble: return Double(col.data<double>()[row]);
    case DataType::kBool: return Bool(col.data<uint8_t>()[row] != 0);
    case DataType::kString: return String(std::string(col.GetString(row)));
    case DataType::kTimestamp: return Timestamp(col.data<int64_t>()[row]);
    case DataType::kDate: return Date(col.data<int32_t>()[row]);
  }
  return Null(col.type());
}

void Value::WriteTo(Column* col, int row) const {
  if (is_null) {
    col->SetNull(row);
    if (col->type() == DataType::kString) col->data<StringRef>()[row] = StringRef{};
    return;
  }
  col->SetValid(row);
  switch (col->type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: col->data<int64_t>()[row] = i; break;
    case DataType::kInt32:
    case DataType::kDate: col->data<int32_t>()[row] = static_cast<int32_t>(i); break;
    case DataType::kDouble: col->data<double>()[row] = d; break;
    case DataType::kBool: col->data<uint8_t>()[row] = i != 0; break;
    case DataType::kString: col->SetString(row, s); break;
  }
}

std::string Value::ToString() const {
  if (is_null) return "NULL";
  switch (type) {
    case DataType::kInt64:
    case DataType::kInt32: return std::to_string(i);
    case DataType::kDouble: return fmt::format("{}", d);
    case DataType::kBool: return i ? "true" : "false";
    case DataType::kString: return s;
    case DataType::kTimestamp: {
      int64_t secs = i >= 0 ? i / 1000 : -((-i + 999) / 1000);
      int64_t ms = i - secs * 1000;
      std::time_t t = static_cast<std::time_t>(secs);
      std::tm tm{};
      gmtime_r(&t, &tm);
      return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    }
    case DataType::kDate: {
      std::time_t t = static_cast<std::time_t>(i) * 86400;
      std::tm tm{};
      gmtime_r(&t, &tm);
      return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    }
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  if (a.type != b.type || a.is_null != b.is_null) return false;
  if (a.is_null) return true;
  if (a.type == DataType::kDouble) return a.d == b.d;
  if (a.type == DataType::kString) return a.s == b.s;
  return a.i == b.i;
}

bool operator<(const Value& a, const Value& b) {
  if (a.type != b.type) return a.type < b.type;
  if (a.is_null != b.is_null) return a.is_null;
  if (a.is_null) return false;
  if (a.type == DataType::kDouble) return a.d < b.d;
  if (a.type == DataType::kString) return a.s < b.s;
  return a.i < b.i;
}

}  // namespace sluice::engine
