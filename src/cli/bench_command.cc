#include "cli/bench_command.h"

#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_registry.h"
#include "cli/exit_codes.h"

namespace sluice::cli {
namespace {

struct BenchFlags {
  std::string suite;
  bool json = false;
  bool quick = false;
  std::string dir;
  std::string queries;
  int64_t events = 0;
  int parallelism = 0;
};

std::vector<std::string> SplitList(const std::string& csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t end = csv.find(',', start);
    if (end == std::string::npos) end = csv.size();
    std::string item = csv.substr(start, end - start);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

Status RunBench(const BenchFlags& flags) {
  const auto& suites = bench::AllSuites();
  std::vector<const bench::Suite*> chosen;
  for (const auto& s : suites) {
    if (flags.suite == "all" || flags.suite == s.name) chosen.push_back(&s);
  }
  if (chosen.empty()) {
    std::string names;
    for (const auto& s : suites) names += " " + s.name;
    return Status::InvalidArgument("unknown benchmark suite '" + flags.suite + "'; available: all" + names);
  }
  std::filesystem::path base =
      flags.dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(flags.dir);
  std::filesystem::path scratch = base / fmt::format("sluice-bench-{}", ::getpid());
  std::error_code ec;
  std::filesystem::create_directories(scratch, ec);
  if (ec) return Status::IoError("cannot create scratch dir " + scratch.string() + ": " + ec.message());

  Status result;
  for (const bench::Suite* s : chosen) {
    bench::Report report(s->name, flags.json ? bench::OutputFormat::kJsonLines : bench::OutputFormat::kTable);
    bench::Context ctx{&report, scratch, flags.quick, SplitList(flags.queries), flags.events, flags.parallelism};
    Status st = s->run(ctx);
    if (!st.ok()) {
      result = st.WithContext("suite " + s->name);
      break;
    }
  }
  std::filesystem::remove_all(scratch, ec);
  return result;
}

}  // namespace

void AddBenchCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<BenchFlags>();
  std::string suite_help = "Suite to run: all";
  for (const auto& s : bench::AllSuites()) suite_help += ", " + s.name + " (" + s.description + ")";
  CLI::App* cmd = app.add_subcommand("bench", "Run benchmarks beside their peers and the machine's limits");
  cmd->add_option("suite", flags->suite, suite_help)->required();
  cmd->add_flag("--json", flags->json, "One JSON object per measurement per line");
  cmd->add_flag("--quick", flags->quick, "Short run (smoke test): smaller sizes, fewer repetitions");
  cmd->add_option("--dir", flags->dir, "Where scratch files go (default: the system temp dir)");
  cmd->add_option("--queries", flags->queries, "nexmark: the queries to run, e.g. q0,q5,q7 (default: all)");
  cmd->add_option("--events", flags->events,
                  "nexmark: events to generate per query (default: 10000000; --quick: 100000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--parallelism", flags->parallelism, "nexmark: worker threads per query (default: 1)")
      ->check(CLI::Range(1, 1024));
  cmd->callback([flags, exit_code] { *exit_code = ReportError(RunBench(*flags)); });
}

}  // namespace sluice::cli
