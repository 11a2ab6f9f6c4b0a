#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice {

// A duration option as Flink writes them ("3600000", "90 s", "1 h", "10min",
// "500 ms", "1 d"), in milliseconds. `key` names the option in errors.
Result<int64_t> ParseDurationMs(std::string_view key, const std::string& text);

}  // namespace sluice
