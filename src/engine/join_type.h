#pragma once

#include <string_view>

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

}  // namespace sluice::engine
