// Drives the fuzz target's property (fuzz/parse_fuzz_entry.h) with random
// and mutated inputs, so it also runs under gcc in CI, and checks that deep
// or huge input ends in a clear error instead of a stack overflow.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sql/fuzz/parse_fuzz_entry.h"
#include "sql/parser.h"
#include "sql/unparser.h"

namespace sluice::sql {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  for (const auto& entry : fs::directory_iterator(SLUICE_SQL_PARSE_CORPUS_DIR)) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    seeds.push_back(ss.str());
  }
  std::sort(seeds.begin(), seeds.end());
  return seeds;
}

// Tokens a mutation splices in, so mutants stay close to SQL.
const std::vector<std::string> kDictionary = {"SELECT",
                                              "FROM",
                                              "WHERE",
                                              "GROUP BY",
                                              "ORDER BY",
                                              "(",
                                              ")",
                                              ",",
                                              ";",
                                              "'x'",
                                              "`q`",
                                              "1",
                                              "2.5",
                                              "1e3",
                                              "*",
                                              "+",
                                              "-",
                                              "||",
                                              "=",
                                              "<>",
                                              "AND",
                                              "OR",
                                              "NOT",
                                              "IS NULL",
                                              "IN (",
                                              "BETWEEN",
                                              "LIKE",
                                              "CASE",
                                              "WHEN",
                                              "THEN",
                                              "ELSE",
                                              "END",
                                              "CAST(",
                                              "AS",
                                              "INT",
                                              "ROW<",
                                              ">",
                                              "<",
                                              "[",
                                              "]",
                                              ".",
                                              "JOIN",
                                              "ON",
                                              "UNION",
                                              "ALL",
                                              "WITH",
                                              "TABLE(",
                                              "TUMBLE(",
                                              "DESCRIPTOR(",
                                              "INTERVAL",
                                              "'1'",
                                              "SECOND",
                                              "DAY TO SECOND",
                                              "OVER (",
                                              "PARTITION BY",
                                              "ROWS BETWEEN",
                                              "PRECEDING",
                                              "CURRENT ROW",
                                              "FILTER (WHERE",
                                              "DISTINCT",
                                              "CREATE TABLE t (",
                                              "WATERMARK FOR",
                                              "PRIMARY KEY",
                                              "NOT ENFORCED",
                                              "WITH (",
                                              "INSERT INTO t",
                                              "EXECUTE STATEMENT SET BEGIN",
                                              "LATERAL",
                                              "UNNEST(",
                                              "=>",
                                              "--",
                                              "/*",
                                              "*/",
                                              "\n",
                                              " ",
                                              "EXPLAIN",
                                              "VALUES",
                                              "LIMIT",
                                              "EXTRACT(",
                                              "TRIM(",
                                              "POSITION(",
                                              "FLOOR(ts TO ",
                                              "SUBSTRING(",
                                              "MAP[",
                                              "ARRAY[",
                                              "X'0A'"};

std::string Mutate(const std::string& input, const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  std::string s = input;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (!s.empty()) s[std::min(at, s.size() - 1)] = static_cast<char>(rng() % 256);
        break;
      case 1:  // delete a range
        if (!s.empty()) s.erase(std::min(at, s.size() - 1), 1 + rng() % 16);
        break;
      case 2:  // insert a dictionary token
        s.insert(at, " " + kDictionary[rng() % kDictionary.size()] + " ");
        break;
      case 3: {  // splice in a piece of another seed
        const std::string& other = seeds[rng() % seeds.size()];
        if (other.empty()) break;
        size_t from = rng() % other.size();
        s.insert(at, other.substr(from, 1 + rng() % 80));
        break;
      }
      case 4:  // truncate
        s.resize(at);
        break;
      case 5: {  // duplicate a range
        if (s.empty()) break;
        size_t from = rng() % s.size();
        s.insert(at, s.substr(from, 1 + rng() % 40));
        break;
      }
    }
  }
  return s;
}

TEST(ParserRobustnessTest, MutatedCorpusKeepsParseProperties) {
  const uint64_t seed = 20261122;
  std::printf("ParserRobustnessTest seed: %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> seeds = Seeds();
  ASSERT_FALSE(seeds.empty());
  // Statement-sized pieces make most mutants fail late, deep in the grammar.
  std::vector<std::string> pieces;
  for (const std::string& file : seeds) {
    std::stringstream ss(file);
    std::string piece;
    while (std::getline(ss, piece, ';')) pieces.push_back(piece);
  }
  constexpr int kIterations = 20000;
  int accepted = 0;
  for (int i = 0; i < kIterations; ++i) {
    const std::string& base = pieces[rng() % pieces.size()];
    std::string input = Mutate(base, pieces, rng);
    Status s = CheckParseProperties(input);
    ASSERT_TRUE(s.ok()) << "iteration " << i << " (seed " << seed << "): " << s.message() << "\ninput:\n" << input;
    if (ParseScript(input).ok()) ++accepted;
  }
  // Most mutants should still be rejected somewhere; some must be accepted,
  // or the round-trip half of the property is never exercised.
  EXPECT_GT(accepted, kIterations / 50);
}

TEST(ParserRobustnessTest, RandomBytesAreRejectedCleanly) {
  const uint64_t seed = 7;
  std::printf("ParserRobustnessTest seed: %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 5000; ++i) {
    std::string input(rng() % 64, '\0');
    for (char& c : input) c = static_cast<char>(rng() % 256);
    Status s = CheckParseProperties(input);
    ASSERT_TRUE(s.ok()) << s.message();
  }
}

TEST(ParserRobustnessTest, RandomTokenSoupKeepsParseProperties) {
  const uint64_t seed = 99;
  std::printf("ParserRobustnessTest seed: %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    size_t n = 1 + rng() % 12;
    for (size_t k = 0; k < n; ++k) input += kDictionary[rng() % kDictionary.size()] + " ";
    Status s = CheckParseProperties(input);
    ASSERT_TRUE(s.ok()) << s.message() << "\ninput: " << input;
  }
}

std::string Repeat(std::string_view piece, size_t n) {
  std::string out;
  out.reserve(piece.size() * n);
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

// The first line of an error message (the rest is the caret snippet).
std::string FirstLine(const Status& s) { return s.message().substr(0, s.message().find('\n')); }

// Far beyond both limits; small enough to stay quick under ASan.
constexpr size_t kHuge = 20000;

TEST(ParserRobustnessTest, DeepParenthesesAreAClearError) {
  std::string sql = "SELECT " + Repeat("(", kHuge) + "1" + Repeat(")", kHuge);
  Result<Script> r = ParseScript(sql);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(FirstLine(r.status()).find("expected at most 200 nested levels"), std::string::npos)
      << r.status().message();
}

TEST(ParserRobustnessTest, DeepPrefixOperatorsAreAClearError) {
  for (std::string_view prefix : {"- ", "NOT ", "+ "}) {
    Result<Script> r = ParseScript("SELECT " + Repeat(prefix, kHuge) + "1");
    ASSERT_FALSE(r.ok()) << prefix;
    EXPECT_NE(FirstLine(r.status()).find("nested levels"), std::string::npos) << r.status().message();
  }
}

TEST(ParserRobustnessTest, LongOperatorChainsAreAClearError) {
  for (std::string_view op : {" + 1", " OR a", " || 'x'", " = 1", " IS NULL", "[1]", " BETWEEN 1 AND 2"}) {
    Result<Script> r = ParseScript("SELECT 1" + Repeat(op, kHuge));
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_NE(FirstLine(r.status()).find("at most 3000 levels deep"), std::string::npos) << r.status().message();
  }
}

TEST(ParserRobustnessTest, NestedCallsUseOneLevelEach) {
  std::string sql = "SELECT " + Repeat("f(", 150) + "1" + Repeat(")", 150);
  EXPECT_TRUE(ParseScript(sql).ok());
  EXPECT_TRUE(CheckParseProperties(sql).ok());
}

TEST(ParserRobustnessTest, ModeratelyLongChainsStillParse) {
  // Generated SQL with a few hundred ORs is normal and must keep working.
  Result<Script> r = ParseScript("SELECT * FROM t WHERE a = 0" + Repeat(" OR a = 1", 1000));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(CheckParseProperties("SELECT * FROM t WHERE a = 0" + Repeat(" OR a = 1", 1000)).ok());
}

TEST(ParserRobustnessTest, LongUnionAndJoinChainsAreAClearError) {
  Result<Script> unions = ParseScript("SELECT 1" + Repeat(" UNION ALL SELECT 1", kHuge));
  ASSERT_FALSE(unions.ok());
  EXPECT_NE(FirstLine(unions.status()).find("at most 3000 levels deep"), std::string::npos);
  Result<Script> joins = ParseScript("SELECT * FROM t" + Repeat(" JOIN t ON TRUE", kHuge));
  ASSERT_FALSE(joins.ok());
  EXPECT_NE(FirstLine(joins.status()).find("at most 3000 levels deep"), std::string::npos);
}

TEST(ParserRobustnessTest, DeepSubqueriesAndTypesAreAClearError) {
  std::vector<std::string> inputs = {
      Repeat("SELECT * FROM (", kHuge) + "SELECT 1" + Repeat(")", kHuge),
      "SELECT CAST(x AS " + Repeat("ARRAY<", kHuge) + "INT" + Repeat(">", kHuge) + ")",
      "SELECT " + Repeat("CASE WHEN ", kHuge),
      "SELECT " + Repeat("f(", kHuge),
      "SELECT * FROM " + Repeat("(", kHuge) + "t",
      Repeat("(", kHuge) + "SELECT 1",
      "SELECT 1 FROM t GROUP BY " + Repeat("GROUPING SETS (", kHuge),
      "SELECT " + Repeat("ROW(", kHuge),
      "SELECT x IN " + Repeat("(SELECT x IN ", kHuge),
      Repeat("EXPLAIN ", kHuge) + "SELECT 1",
      "SELECT " + Repeat("f() OVER (ROWS ", kHuge),
      "SELECT " + Repeat("POSITION(", kHuge),
      "SELECT " + Repeat("a BETWEEN -", kHuge),
  };
  for (const std::string& sql : inputs) {
    Result<Script> r = ParseScript(sql);
    ASSERT_FALSE(r.ok()) << sql.substr(0, 40);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind("line 1:", 0), 0u) << r.status().message();
  }
}

TEST(ParserRobustnessTest, WideInputParsesInLinearTime) {
  // 200k select items and a 1 MB string literal: finishes promptly (no
  // quadratic rescans), which ctest's timeout would otherwise catch.
  std::string sql = "SELECT a" + Repeat(", a", 200000) + " FROM t WHERE s = '" + std::string(1 << 20, 'x') + "'";
  Result<Script> r = ParseScript(sql);
  ASSERT_TRUE(r.ok()) << FirstLine(r.status());
  EXPECT_EQ(r->statements.size(), 1u);
}

TEST(ParserRobustnessTest, ManyStatementsParse) {
  Result<Script> r = ParseScript(Repeat("SELECT 1;", 50000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->statements.size(), 50000u);
}

}  // namespace
}  // namespace sluice::sql
