#pragma once

#include <string_view>
#include <vector>

#include "engine/batch.h"

namespace sluice::engine {

// Which rows a join keeps besides the matching pairs: an outer side's rows
// that match nothing appear once, padded with NULLs for the other side's
// columns (SQL's LEFT / RIGHT / FULL [OUTER] JOIN).
enum class JoinType { kInner, kLeft, kRight, kFull };

// Whether the unmatched rows of `side` (0 left, 1 right) are kept.
constexpr bool IsOuterSide(JoinType type, int side) {
  return type == JoinType::kFull || (side == 0 ? type == JoinType::kLeft : type == JoinType::kRight);
}

// Flink's names in plans: "InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin".
constexpr std::string_view JoinTypeName(JoinType type) {
  switch (type) {
    case JoinType::kInner: return "InnerJoin";
    case JoinType::kLeft: return "LeftOuterJoin";
    case JoinType::kRight: return "RightOuterJoin";
    case JoinType::kFull: return "FullOuterJoin";
  }
  return "?";
}

// Whether a join key column of the row is NULL: such a row equals no row of
// the other side (SQL's =), though a join stores it like any other (an outer
// join pads it).
inline bool JoinKeyIsNull(const Batch& batch, int row, const std::vector<int>& keys) {
  for (int c : keys) {
    if (batch.column(c).IsNull(row)) return true;
  }
  return false;
}

}  // namespace sluice::engine
