// Session behaviour that the data-driven suite (test/sql) cannot show:
// atomicity of a failed script, per-statement output, plan-time sink creation.

#include "sql/session.h"

#include <gtest/gtest.h>

#include "memory_connector.h"

namespace sluice::sql {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : memory_(std::make_shared<sqltest::MemoryConnector>()), session_(&registry_, {}) {
    registry_.Register(memory_);
  }
  engine::ConnectorRegistry registry_;
  std::shared_ptr<sqltest::MemoryConnector> memory_;
  Session session_;
};

TEST_F(SessionTest, AFailingStatementRunsNoneOfTheScriptsInserts) {
  memory_->AddRow("src", 0, {"1"});
  std::string out;
  Status st = session_.ExecuteScript(
      "CREATE TABLE src (a BIGINT) WITH ('connector' = 'memory');\n"
      "CREATE TABLE dst (a BIGINT) WITH ('connector' = 'memory');\n"
      "INSERT INTO dst SELECT a FROM src;\n"
      "INSERT INTO dst SELECT nope FROM src;\n",
      &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("line 4:24: column nope not found"), std::string::npos) << st.message();
  EXPECT_TRUE(memory_->SinkRows("dst").empty());
  // The tables created before the error stay; a corrected script runs.
  ASSERT_TRUE(session_.ExecuteScript("INSERT INTO dst SELECT a + 1 FROM src;", &out).ok());
  ASSERT_EQ(memory_->SinkRows("dst").size(), 1u);
  EXPECT_EQ(memory_->SinkRows("dst")[0].values[0], engine::Value::Int64(2));
}

TEST_F(SessionTest, OutputCallbackReceivesEachStatementsTextWhenItIsDone) {
  std::vector<std::string> texts;
  session_.set_output_callback([&](const std::string& t) { texts.push_back(t); });
  std::string out;
  ASSERT_TRUE(session_
                  .ExecuteScript("CREATE TABLE t (a BIGINT) WITH ('connector' = 'memory');\n"
                                 "SHOW TABLES;\n",
                                 &out)
                  .ok());
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[0], "[INFO] Execute statement succeeded.\n");
  EXPECT_NE(texts[1].find("| t          |"), std::string::npos) << texts[1];
  EXPECT_TRUE(out.empty());
}

TEST_F(SessionTest, BareSelectWithoutAResultSinkSaysWhereResultsCanGo) {
  std::string out;
  Status st =
      session_.ExecuteScript("CREATE TABLE t (a BIGINT) WITH ('connector' = 'memory');\nSELECT a FROM t;", &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("line 2:1: a bare SELECT has nowhere to print here"), std::string::npos) << st.message();
}

TEST_F(SessionTest, CancelBeforeAJobStartsCancelsOnlyTheCurrentScript) {
  std::string out;
  ASSERT_TRUE(session_
                  .ExecuteScript("CREATE TABLE s (a BIGINT) WITH ('connector' = 'memory');\n"
                                 "CREATE TABLE d (a BIGINT) WITH ('connector' = 'memory');",
                                 &out)
                  .ok());
  memory_->AddRow("s", 0, {"7"});
  session_.Cancel();  // between scripts: forgotten when the next one starts
  ASSERT_TRUE(session_.ExecuteScript("INSERT INTO d SELECT a FROM s;", &out).ok());
  EXPECT_EQ(memory_->SinkRows("d").size(), 1u);
}

}  // namespace
}  // namespace sluice::sql
