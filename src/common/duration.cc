#include "common/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace sluice {

Result<int64_t> ParseDurationMs(std::string_view key, const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return Status::InvalidArgument(fmt::format("'{}' = '{}' is not a duration", key, text));
  int64_t v = std::atoll(text.substr(0, i).c_str());
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) {
    if (!std::isspace(static_cast<unsigned char>(text[j]))) unit += static_cast<char>(std::tolower(text[j]));
  }
  if (unit.empty() || unit == "ms") return v;
  if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") return v * 1000;
  if (unit == "min" || unit == "m" || unit == "minute" || unit == "minutes") return v * 60'000;
  if (unit == "h" || unit == "hour" || unit == "hours") return v * 3'600'000;
  if (unit == "d" || unit == "day" || unit == "days") return v * 86'400'000;
  return Status::InvalidArgument(
      fmt::format("'{}' = '{}': unknown unit '{}'; use ms, s, min, h or d", key, text, unit));
}

}  // namespace sluice
