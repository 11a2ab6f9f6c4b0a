#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// Adds `sluice bench SUITE|all [--json] [--quick]` (bench/README.md).
void AddBenchCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
