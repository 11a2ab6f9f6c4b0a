#pragma once

#include <string_view>

#include "common/status.h"

namespace sluice::sql {

// The property the parser fuzz target checks on one input, shared with the
// unit test that runs it under gcc in CI:
//   - parsing never crashes, hangs or overflows the stack (the caller's
//     sanitizers and time limits catch those);
//   - a rejected input yields InvalidArgument whose message starts with
//     "line L:C: ";
//   - an accepted script unparses to SQL that parses again and unparses to
//     the same text (print -> parse -> print is a fixpoint).
// Returns OK when the property holds, else Internal describing the breach.
Status CheckParseProperties(std::string_view input);

}  // namespace sluice::sql
