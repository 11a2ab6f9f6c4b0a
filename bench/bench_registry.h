#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "common/status.h"

namespace sluice::bench {

// What every suite is given: where to print, where it may write scratch files
// (removed afterwards), and whether to run a short version (CI smoke runs).
struct Context {
  Report* report = nullptr;
  std::filesystem::path scratch_dir;
  bool quick = false;
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
