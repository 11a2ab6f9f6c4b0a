#include "engine/union_operator.h"

#include <fmt/format.h>

namespace sluice::engine {

Result<std::unique_ptr<UnionOperator>> UnionOperator::Create(const Schema& left, const Schema& right) {
  if (left.size() != right.size()) {
    return Status::InvalidArgument(
        fmt::format("UNION ALL of {} and {}: different numbers of columns", left.ToString(), right.ToString()));
  }
  for (int i = 0; i < left.size(); ++i) {
    if (left.field(i).type != right.field(i).type) {
      return Status::InvalidArgument(fmt::format("UNION ALL: column {} is {} on the left and {} on the right", i + 1,
                                                 DataTypeName(left.field(i).type), DataTypeName(right.field(i).type)));
    }
  }
  return std::unique_ptr<UnionOperator>(new UnionOperator(left));
}

}  // namespace sluice::engine
