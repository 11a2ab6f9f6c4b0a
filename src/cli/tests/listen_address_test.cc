#include "cli/listen_address.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(ListenAddressTest, ParsesHostAndPort) {
  auto a = ParseListenAddress("127.0.0.1:9092");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9092);
}

TEST(ListenAddressTest, ParsesBracketedIpv6) {
  auto a = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
}

TEST(ListenAddressTest, RejectsMissingOrBadPortWithExample) {
  for (const char* bad : {"127.0.0.1", ":9092", "host:http", "host:70000", "host:-1"}) {
    auto a = ParseListenAddress(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find("host:port"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::cli
