#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sluice::engine {

// The logical types a column can hold. Timestamps are milliseconds since the
// Unix epoch (Flink's TIMESTAMP(3)), stored as int64; dates are days since
// 1970-01-01 (Flink's DATE), stored as int32.
enum class DataType : uint8_t { kInt64, kInt32, kDouble, kBool, kString, kTimestamp, kDate };

std::string_view DataTypeName(DataType type);
// Bytes per row in the column's value buffer (strings store a StringRef).
int PhysicalWidth(DataType type);
bool IsNumeric(DataType type);  // int32, int64, double

// Event time meaning "no watermark yet" and "end of input" respectively.
inline constexpr int64_t kMinWatermark = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxWatermark = std::numeric_limits<int64_t>::max();

struct Field {
  std::string name;
  DataType type = DataType::kInt64;
};

// An ordered list of named, typed columns. Names are matched exactly.
//
// Thread-safety: a value type; immutable once shared by a running job.
class Schema {
 public:
  Schema() = default;
  Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}  // NOLINT: implicit by design

  int size() const { return static_cast<int>(fields_.size()); }
  const Field& field(int i) const { return fields_[i]; }
  const std::vector<Field>& fields() const { return fields_; }
  // The index of the column called `name`, or NotFound naming the columns there are.
  Result<int> IndexOf(std::string_view name) const;
  std::string ToString() const;  // "(auction BIGINT, price BIGINT, ts TIMESTAMP(3))"

  friend bool operator==(const Schema& a, const Schema& b);

 private:
  std::vector<Field> fields_;
};

}  // namespace sluice::engine
