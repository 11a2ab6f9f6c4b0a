#include "common/logging.h"

#include <gtest/gtest.h>

namespace sluice::logging {
namespace {

TEST(LoggingTest, ParsesLevelNames) {
  Level l = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", &l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_FALSE(ParseLevel("loud", &l));
  EXPECT_EQ(l, Level::kDebug);
}

TEST(LoggingTest, LevelFiltersMessages) {
  SetLevel(Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  SetLevel(Level::kOff);
  EXPECT_FALSE(Enabled(Level::kError));
  SetLevel(Level::kInfo);
  EXPECT_TRUE(Enabled(Level::kInfo));
}

}  // namespace
}  // namespace sluice::logging
