#pragma once

#include <string>

#include "common/status.h"

namespace CLI {
class App;
}

namespace sluice::cli {

// Sends the SQL script at `path` to the server at `server` (host:port of its
// HTTP API), where it runs as a job; prints the job id.
Status SubmitScript(const std::string& server, const std::string& path);

// Adds `sluice job list|cancel ID [--server host:port]`.
void AddJobCommands(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
