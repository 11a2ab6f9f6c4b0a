#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// `sluice gen nexmark --events N [--rate R] [--seed S] [--out FILE | --topic T]`:
// realistic event generators.
void AddGenCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
