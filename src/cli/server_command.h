#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// Adds `sluice server`: the log, the engine, the REST API and the dashboard in
// one process, stopped cleanly by SIGINT or SIGTERM.
void AddServerCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
