#include "engine/column.h"

namespace sluice::engine {

namespace {
constexpr size_t kInitialArenaBytesPerRow = 16;
}

Column::Column(DataType type, int capacity)
    : type_(type),
      capacity_(capacity),
      values_(static_cast<size_t>(capacity) * PhysicalWidth(type)),
      validity_((capacity + 63) / 64, 0) {
  if (type == DataType::kString) arena_.reserve(static_cast<size_t>(capacity) * kInitialArenaBytesPerRow);
}

void Column::CopyRow(const Column& from, int from_row, int to_row) {
  SetValidity(to_row, from.IsValid(from_row));
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp:
    case DataType::kDouble: data<int64_t>()[to_row] = from.data<int64_t>()[from_row]; break;
    case DataType::kInt32:
    case DataType::kDate: data<int32_t>()[to_row] = from.data<int32_t>()[from_row]; break;
    case DataType::kBool: data<uint8_t>()[to_row] = from.data<uint8_t>()[from_row]; break;
    case DataType::kString:
      if (from.IsValid(from_row)) {
        SetString(to_row, from.GetString(from_row));
      } else {
        data<StringRef>()[to_row] = StringRef{};
      }
      break;
  }
}

}  // namespace sluice::engine
