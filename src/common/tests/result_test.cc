#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sluice {
namespace {

Result<int> Parse(const std::string& s) {
  if (s.empty()) return Status::InvalidArgument("empty input");
  return std::stoi(s);
}

Result<int> Doubled(const std::string& s) {
  SLUICE_ASSIGN_OR_RETURN(int v, Parse(s));
  return v * 2;
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = Parse("21");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 21);
  EXPECT_TRUE(r.status().ok());
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Parse("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(ResultTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Doubled("4"), 8);
  EXPECT_EQ(Doubled("").status().code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace sluice
