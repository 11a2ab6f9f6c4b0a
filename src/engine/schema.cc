#include "engine/schema.h"

#include <fmt/format.h>

namespace sluice::engine {

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kInt64: return "BIGINT";
    case DataType::kInt32: return "INT";
    case DataType::kDouble: return "DOUBLE";
    case DataType::kBool: return "BOOLEAN";
    case DataType::kString: return "STRING";
    case DataType::kTimestamp: return "TIMESTAMP(3)";
    case DataType::kDate: return "DATE";
  }
  return "?";
}

int PhysicalWidth(DataType type) {
  switch (type) {
    case DataType::kInt64:
    case DataType::kDouble:
    case DataType::kTimestamp:
    case DataType::kString: return 8;
    case DataType::kInt32:
    case DataType::kDate: return 4;
    case DataType::kBool: return 1;
  }
  return 8;
}

bool IsNumeric(DataType type) {
  return type == DataType::kInt64 || type == DataType::kInt32 || type == DataType::kDouble;
}

Result<int> Schema::IndexOf(std::string_view name) const {
  for (int i = 0; i < size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return Status::NotFound(fmt::format("no column '{}' in {}; use one of its column names", name, ToString()));
}

std::string Schema::ToString() const {
  std::string out = "(";
  for (int i = 0; i < size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{} {}", fields_[i].name, DataTypeName(fields_[i].type));
  }
  return out + ")";
}

bool operator==(const Schema& a, const Schema& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a.fields_[i].name != b.fields_[i].name || a.fields_[i].type != b.fields_[i].type) return false;
  }
  return true;
}

}  // namespace sluice::engine
