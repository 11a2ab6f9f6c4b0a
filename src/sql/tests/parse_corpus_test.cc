// Parses every Flink SQL file under test/sql/parse (DDL, window, join and
// expression corpora) and bench/nexmark/queries (Nexmark q0-q22). Each must
// parse and round-trip through the unparser.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "sql/fuzz/parse_fuzz_entry.h"
#include "sql/parser.h"
#include "sql/unparser.h"

namespace sluice::sql {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The parse corpus, then the Nexmark queries the benchmark runs (one copy of
// each query: the one under bench/).
std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> files;
  for (const char* dir : {SLUICE_SQL_PARSE_CORPUS_DIR, SLUICE_NEXMARK_QUERIES_DIR}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".sql") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ParseCorpusTest, EveryNexmarkQueryIsPresent) {
  for (int q = 0; q <= 22; ++q) {
    EXPECT_TRUE(fs::exists(fs::path(SLUICE_NEXMARK_QUERIES_DIR) / ("q" + std::to_string(q) + ".sql")))
        << "missing q" << q << ".sql";
  }
}

TEST(ParseCorpusTest, EveryFileParsesAndRoundTrips) {
  std::vector<fs::path> files = CorpusFiles();
  ASSERT_GE(files.size(), 24u);
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::string sql = ReadFile(path);
    Result<Script> script = ParseScript(sql);
    ASSERT_TRUE(script.ok()) << script.status().message();
    EXPECT_FALSE(script->statements.empty());
    Status round_trip = CheckParseProperties(sql);
    EXPECT_TRUE(round_trip.ok()) << round_trip.message();
  }
}

TEST(ParseCorpusTest, NexmarkInsertsTargetTheirSink) {
  for (int q = 0; q <= 22; ++q) {
    fs::path path = fs::path(SLUICE_NEXMARK_QUERIES_DIR) / ("q" + std::to_string(q) + ".sql");
    Result<Script> script = ParseScript(ReadFile(path));
    ASSERT_TRUE(script.ok()) << path << ": " << script.status().message();
    const Statement& last = *script->statements.back();
    ASSERT_EQ(last.kind, StatementKind::kInsert) << path;
    EXPECT_EQ(last.As<InsertStatement>().table.parts.back().name, "nexmark_q" + std::to_string(q));
  }
}

}  // namespace
}  // namespace sluice::sql
