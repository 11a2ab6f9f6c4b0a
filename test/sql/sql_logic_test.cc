// Runs the data-driven SQL suite: every test/sql/**/*.test file (format in
// test/sql/README.md) is one GoogleTest case.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/sink.h"
#include "memory_connector.h"
#include "sql/session.h"

namespace sluice::sqltest {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> TestFiles() {
  std::vector<std::string> out;
  fs::path root(SLUICE_SQL_TEST_DIR);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".test") out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> SplitValues(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  std::stringstream ss(line);
  while (std::getline(ss, cur, ',')) out.push_back(Trim(cur));
  return out;
}

// Applies a changelog: +I/+U add a row, -U/-D remove one equal row.
std::vector<std::string> Materialize(const std::vector<engine::CollectedRow>& rows, std::string* error) {
  std::vector<std::vector<engine::Value>> table;
  for (const auto& r : rows) {
    if (r.kind == engine::RowKind::kInsert || r.kind == engine::RowKind::kUpdateAfter) {
      table.push_back(r.values);
    } else {
      auto it = std::find(table.begin(), table.end(), r.values);
      if (it == table.end()) {
        *error = "retraction of a row that is not in the result: " + FormatChangelogRow(r);
      } else {
        table.erase(it);
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& v : table) out.push_back(FormatRow(v));
  std::sort(out.begin(), out.end());
  return out;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class SqlLogicTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlLogicTest, Run) {
  fs::path path = fs::path(SLUICE_SQL_TEST_DIR) / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }

  engine::ConnectorRegistry registry;
  auto memory = std::make_shared<MemoryConnector>();
  registry.Register(memory);
  engine::ManualClock clock;
  sql::Session session(&registry, engine::ConnectorContext{});
  std::shared_ptr<engine::CollectingSink> select_sink;
  session.set_select_sink_factory(
      [&](const engine::Schema&, sql::PlannedQuery::Changelog) -> Result<std::shared_ptr<engine::Sink>> {
        select_sink = std::make_shared<engine::CollectingSink>();
        return std::shared_ptr<engine::Sink>(select_sink);
      });

  size_t i = 0;
  auto at = [&](size_t line) { return path.string() + ":" + std::to_string(line + 1); };
  // Lines up to a blank line (or `----` when stop_at_dashes), advancing i.
  auto take = [&](bool stop_at_dashes) {
    std::vector<std::string> out;
    while (i < lines.size() && !Trim(lines[i]).empty() && !(stop_at_dashes && lines[i] == "----")) {
      out.push_back(lines[i++]);
    }
    return out;
  };
  while (i < lines.size()) {
    std::string line = Trim(lines[i]);
    if (line.empty() || line[0] == '#') {
      ++i;
      continue;
    }
    size_t directive_line = i++;
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "statement") {
      std::string mode;
      words >> mode;
      std::string expected;
      std::getline(words, expected);
      expected = Trim(expected);
      std::string sql = JoinLines(take(false));
      std::string out;
      Status st = session.ExecuteScript(sql, &out);
      if (mode == "ok") {
        EXPECT_TRUE(st.ok()) << at(directive_line) << ": statement failed: " << st.ToString() << "\n" << sql;
      } else if (mode == "error") {
        if (st.ok()) {
          ADD_FAILURE() << at(directive_line) << ": statement succeeded but an error was expected:\n" << sql;
        } else {
          EXPECT_NE(st.message().find(expected), std::string::npos)
              << at(directive_line) << ": error message lacks '" << expected << "':\n"
              << st.message();
        }
      } else {
        FAIL() << at(directive_line) << ": statement ok|error, not '" << mode << "'";
      }
    } else if (word == "rows") {
      std::string table, part_word;
      int partition = 0;
      words >> table >> part_word;
      if (part_word == "partition") words >> partition;
      for (const std::string& r : take(false)) {
        if (!r.empty() && r[0] == '!') {
          memory->AddBadRecord(table, partition, r.substr(1));
        } else {
          memory->AddRow(table, partition, SplitValues(r));
        }
      }
    } else if (word == "processing-time") {
      // The clock the session's jobs read for processing time, from here on;
      // it stands still while a job runs, so results are deterministic.
      std::string when;
      std::getline(words, when);
      int64_t ms = 0;
      ASSERT_TRUE(engine::ParseTimestamp(Trim(when), &ms)) << at(directive_line) << ": bad time '" << when << "'";
      clock.Set(ms);
      session.set_clock(&clock);
    } else if (word == "clear") {
      std::string table;
      words >> table;
      memory->ClearRows(table);
    } else if (word == "query" || word == "changelog" || word == "output") {
      std::string sql = JoinLines(take(true));
      std::vector<std::string> expected;
      if (i < lines.size() && lines[i] == "----") {
        ++i;
        expected = take(false);
      }
      select_sink.reset();
      std::string out;
      Status st = session.ExecuteScript(sql, &out);
      if (!st.ok()) {
        ADD_FAILURE() << at(directive_line) << ": query failed: " << st.ToString() << "\n" << sql;
        continue;
      }
      if (word == "output") {
        EXPECT_EQ(JoinLines(expected), out) << at(directive_line);
        continue;
      }
      if (!select_sink) {
        ADD_FAILURE() << at(directive_line) << ": not a SELECT";
        continue;
      }
      std::vector<engine::CollectedRow> rows = select_sink->rows();
      if (word == "changelog") {
        std::vector<std::string> got;
        for (const auto& r : rows) got.push_back(FormatChangelogRow(r));
        EXPECT_EQ(JoinLines(expected), JoinLines(got)) << at(directive_line);
      } else {
        std::string error;
        std::vector<std::string> got = Materialize(rows, &error);
        EXPECT_TRUE(error.empty()) << at(directive_line) << ": " << error;
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(JoinLines(expected), JoinLines(got)) << at(directive_line);
      }
    } else if (word == "sink") {
      std::string a, b;
      words >> a >> b;
      bool changelog = a == "changelog";
      std::string table = changelog ? b : a;
      std::vector<std::string> expected = take(false);
      std::vector<engine::CollectedRow> rows = memory->SinkRows(table);
      if (changelog) {
        std::vector<std::string> got;
        for (const auto& r : rows) got.push_back(FormatChangelogRow(r));
        EXPECT_EQ(JoinLines(expected), JoinLines(got)) << at(directive_line);
      } else {
        std::string error;
        std::vector<std::string> got = Materialize(rows, &error);
        EXPECT_TRUE(error.empty()) << at(directive_line) << ": " << error;
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(JoinLines(expected), JoinLines(got)) << at(directive_line);
      }
    } else {
      FAIL() << at(directive_line) << ": unknown directive '" << word << "'";
    }
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  if (n.size() > 5) n.resize(n.size() - 5);  // ".test"
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Files, SqlLogicTest, ::testing::ValuesIn(TestFiles()), TestName);

}  // namespace
}  // namespace sluice::sqltest
