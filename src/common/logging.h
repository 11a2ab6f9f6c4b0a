#pragma once

// Structured, levelled logging on spdlog. This header pulls in only
// <fmt/core.h>; spdlog itself stays inside logging.cc so that widely included
// headers stay cheap to compile.

#include <fmt/core.h>

#include <string_view>
#include <utility>

namespace sluice::logging {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

// Sets the process-wide minimum level. Thread-safe.
void SetLevel(Level level);
// Parses "trace", "debug", "info", "warn", "error", "off"; false if unknown.
bool ParseLevel(std::string_view text, Level* out);
bool Enabled(Level level);
// Writes one line to stderr: time, level, component and message. Thread-safe.
void Write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void Log(Level level, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (!Enabled(level)) return;
  Write(level, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sluice::logging

#define SLUICE_LOG_DEBUG(component, ...) \
  ::sluice::logging::Log(::sluice::logging::Level::kDebug, component, __VA_ARGS__)
#define SLUICE_LOG_INFO(component, ...) ::sluice::logging::Log(::sluice::logging::Level::kInfo, component, __VA_ARGS__)
#define SLUICE_LOG_WARN(component, ...) ::sluice::logging::Log(::sluice::logging::Level::kWarn, component, __VA_ARGS__)
#define SLUICE_LOG_ERROR(component, ...) \
  ::sluice::logging::Log(::sluice::logging::Level::kError, component, __VA_ARGS__)
