#pragma once

#include "common/status.h"

namespace sluice::cli {

// The one place a Status becomes a process exit code. 0 success, 1 a runtime
// failure, 2 a usage error (CLI11 uses 106-115 for its own parse errors).
int ExitCodeFor(const Status& status);

// Prints "sluice: <error>" to stderr and returns ExitCodeFor(status).
int ReportError(const Status& status);

}  // namespace sluice::cli
