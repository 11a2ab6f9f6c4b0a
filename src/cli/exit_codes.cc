#include "cli/exit_codes.h"

#include <fmt/core.h>

#include <cstdio>

namespace sluice::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidArgument: return 2;
    default: return 1;
  }
}

int ReportError(const Status& status) {
  if (!status.ok()) fmt::print(stderr, "sluice: {}\n", status.ToString());
  return ExitCodeFor(status);
}

}  // namespace sluice::cli
