#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "common/status.h"

namespace sluice::bench {

// What every suite is given: where to print, where it may write scratch files
// (removed afterwards), and whether to run a short version (CI smoke runs).
// The last three are the workload flags of `sluice bench SUITE` (only the
// nexmark suite reads them today); empty/0 = the suite's default.
struct Context {
  Report* report = nullptr;
  std::filesystem::path scratch_dir;
  bool quick = false;
  std::vector<std::string> queries;  // --queries q0,q5
  int64_t events = 0;                // --events N
  int parallelism = 0;               // --parallelism P
};

using SuiteFn = Status (*)(Context& ctx);

struct Suite {
  std::string name;
  std::string description;
  SuiteFn run;
};

// Every suite linked into the binary, in the order `sluice bench all` runs them.
const std::vector<Suite>& AllSuites();

}  // namespace sluice::bench
