// Parses every Flink SQL file under test/sql/parse: the Nexmark queries
// q0-q22 as published for Flink, plus DDL, window, join and expression
// corpora. Each must parse and round-trip through the unparser.

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

std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(SLUICE_SQL_PARSE_CORPUS_DIR)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ParseCorpusTest, EveryNexmarkQueryIsPresent) {
  std::set<std::string> names;
  for (const fs::path& p : CorpusFiles()) names.insert(p.filename().string());
  for (int q = 0; q <= 22; ++q) {
    EXPECT_TRUE(names.count("nexmark_q" + std::to_string(q) + ".sql")) << "missing nexmark_q" << q << ".sql";
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
    fs::path path = fs::path(SLUICE_SQL_PARSE_CORPUS_DIR) / ("nexmark_q" + std::to_string(q) + ".sql");
    Result<Script> script = ParseScript(ReadFile(path));
    ASSERT_TRUE(script.ok()) << path << ": " << script.status().message();
    const Statement& last = *script->statements.back();
    ASSERT_EQ(last.kind, StatementKind::kInsert) << path;
    EXPECT_EQ(last.As<InsertStatement>().table.parts.back().name, "nexmark_q" + std::to_string(q));
  }
}

}  // namespace
}  // namespace sluice::sql
