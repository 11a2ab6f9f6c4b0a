#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace sluice {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Corruption("bad CRC at byte 1024");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.ToString(), "Corruption: bad CRC at byte 1024");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::NotFound("no such partition 7").WithContext("topic bids");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "topic bids: no such partition 7");
  EXPECT_TRUE(Status::Ok().WithContext("ignored").ok());
}

TEST(StatusTest, IoErrorFromErrnoNamesOperationAndReason) {
  Status s = Status::IoErrorFromErrno("open", "/nope", ENOENT);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("open /nope"), std::string::npos);
  EXPECT_NE(s.message().find("No such file"), std::string::npos);
}

Status FailsThenNeverReached(bool* reached) {
  SLUICE_RETURN_IF_ERROR(Status::Timeout("slow"));
  *reached = true;
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorPropagatesFirstError) {
  bool reached = false;
  Status s = FailsThenNeverReached(&reached);
  EXPECT_EQ(s.code(), StatusCode::kTimeout);
  EXPECT_FALSE(reached);
}

}  // namespace
}  // namespace sluice
