// Session behaviour that the data-driven suite (test/sql) cannot show:
// atomicity of a failed script, per-statement output, plan-time sink creation.

#include "sql/session.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

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

namespace sluice::sql {
namespace {

// The final table a changelog describes, as sorted strings.
std::vector<std::string> Materialized(const std::vector<engine::CollectedRow>& rows) {
  std::multiset<std::string> table;
  for (const auto& r : rows) {
    engine::CollectedRow plain{engine::RowKind::kInsert, r.values};
    if (r.kind == engine::RowKind::kInsert || r.kind == engine::RowKind::kUpdateAfter) {
      table.insert(plain.ToString());
    } else if (auto it = table.find(plain.ToString()); it != table.end()) {
      table.erase(it);
    }
  }
  return {table.begin(), table.end()};
}

TEST_F(SessionTest, RocksDbStateBackendGivesTheSameResultsAsTheHashMapBackend) {
  for (int i = 0; i < 500; ++i) {
    memory_->AddRow(
        "src", i % 2,
        {std::to_string(i % 37), std::to_string(i), fmt::format("2024-01-01 00:{:02d}:{:02d}", i / 60, i % 60)});
  }
  const std::string ddl =
      "CREATE TABLE src (k BIGINT, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) "
      "WITH ('connector' = 'memory');\n"
      "CREATE TABLE agg (k BIGINT, n BIGINT, total BIGINT) WITH ('connector' = 'memory');\n"
      "CREATE TABLE firsts (k BIGINT, v BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'memory');\n";
  const std::string inserts =
      "INSERT INTO agg SELECT k, COUNT(*), SUM(v) FROM src GROUP BY k;\n"
      "INSERT INTO firsts SELECT k, v, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC) AS rn "
      "FROM src) WHERE rn = 1;\n";
  std::string out;
  ASSERT_TRUE(session_.ExecuteScript(ddl + inserts, &out).ok()) << out;
  const auto agg = Materialized(memory_->SinkRows("agg"));
  const auto firsts = Materialized(memory_->SinkRows("firsts"));
  ASSERT_EQ(agg.size(), 37u);
  ASSERT_EQ(firsts.size(), 37u);

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sluice-session-rocksdb-" + std::to_string(::getpid()));
  auto memory = std::make_shared<sqltest::MemoryConnector>();
  engine::ConnectorRegistry registry;
  registry.Register(memory);
  Session session(&registry, {});
  for (int i = 0; i < 500; ++i) {
    memory->AddRow(
        "src", i % 2,
        {std::to_string(i % 37), std::to_string(i), fmt::format("2024-01-01 00:{:02d}:{:02d}", i / 60, i % 60)});
  }
  Status st = session.ExecuteScript(
      "SET 'state.backend' = 'rocksdb';\n"
      "SET 'state.backend.rocksdb.cache-entries' = '4';\n"
      "SET 'state.backend.rocksdb.block.cache-size' = '2 mb';\n"
      "SET 'state.backend.rocksdb.writebuffer.size' = '1mb';\n"
      "SET 'state.backend.rocksdb.localdir' = '" +
          dir.string() + "';\n" + ddl + inserts,
      &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Materialized(memory->SinkRows("agg")), agg);
  EXPECT_EQ(Materialized(memory->SinkRows("firsts")), firsts);
  std::filesystem::remove_all(dir);

  st = session.ExecuteScript("SET 'state.backend' = 'heap-of-stuff';\n" + inserts, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("use 'hashmap' (in memory) or 'rocksdb'"), std::string::npos) << st.ToString();
  st = session.ExecuteScript(
      "SET 'state.backend' = 'rocksdb';\nSET 'state.backend.rocksdb.block.cache-size' = 'lots';\n" + inserts, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not a memory size"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace sluice::sql
