#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// Adds `sluice run pipeline.sql [--data-dir D] [--parallelism P]`: runs a SQL
// script in-process; with bounded sources it returns when they are drained.
void AddRunCommand(CLI::App& app, int* exit_code);

// Adds `sluice sql [-f file.sql]`: a local interactive SQL shell (statements
// end with `;`); a bare SELECT prints its rows as a changelog.
void AddSqlCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
