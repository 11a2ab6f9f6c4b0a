// `sluice`: one binary for the server, the client tools, SQL and benchmarks.
// Each subcommand lives in its own <name>_command.cc; this file only wires
// them into CLI11 and sets up logging.

#include <CLI/CLI.hpp>

#include <string>

#include "cli/bench_command.h"
#include "cli/client_commands.h"
#include "cli/gen_command.h"
#include "cli/job_client.h"
#include "cli/server_command.h"
#include "cli/sql_commands.h"
#include "common/logging.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a streaming data platform (Kafka-compatible log + Flink-style SQL engine) in one binary"};
  app.set_version_flag("--version,-V", std::string("sluice ") + sluice::Version());
  app.require_subcommand(1);
  // Global options (--log-level) are accepted after the subcommand too.
  app.fallthrough();

  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&] {
    sluice::logging::Level level;
    if (!sluice::logging::ParseLevel(log_level, &level)) {
      throw CLI::ValidationError("--log-level", "unknown level '" + log_level + "'");
    }
    sluice::logging::SetLevel(level);
  });

  int exit_code = 0;
  sluice::cli::AddServerCommand(app, &exit_code);
  sluice::cli::AddTopicCommands(app, &exit_code);
  sluice::cli::AddProduceCommand(app, &exit_code);
  sluice::cli::AddConsumeCommand(app, &exit_code);
  sluice::cli::AddGroupCommands(app, &exit_code);
  sluice::cli::AddRunCommand(app, &exit_code);
  sluice::cli::AddSqlCommand(app, &exit_code);
  sluice::cli::AddJobCommands(app, &exit_code);
  sluice::cli::AddGenCommand(app, &exit_code);
  sluice::cli::AddBenchCommand(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
