#include "common/ids.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

namespace sluice {
namespace {

TEST(StrongIdTest, DistinctIdTypesDoNotConvert) {
  static_assert(!std::is_convertible_v<Offset, PartitionId>);
  static_assert(!std::is_convertible_v<int64_t, Offset>);
  static_assert(std::is_constructible_v<Offset, int64_t>);
}

TEST(StrongIdTest, OrderedAndHashable) {
  EXPECT_LT(Offset{3}, Offset{4});
  EXPECT_EQ(Offset{7}, Offset{7});
  std::unordered_set<PartitionId> set{PartitionId{1}, PartitionId{1}, PartitionId{2}};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(Offset{}.value(), 0);
}

}  // namespace
}  // namespace sluice
