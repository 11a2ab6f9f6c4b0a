#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// Adds `sluice bench SUITE|all [--json] [--quick] [--queries q0,q5] [--events N]
// [--parallelism P]` (bench/README.md; the last three are the nexmark suite's).
void AddBenchCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
