#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::log {

// Small-file and directory operations that survive a crash at any point.
// Thread-safety: functions; concurrent calls on the same path race as the OS does.

// Writes `contents` to `path` so that after a crash the file holds either the
// old or the new contents, never a mix: write `path`.tmp, fsync, rename over
// `path`, fsync the directory.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);
// Reads a whole file.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);
// fsyncs a directory so that entries created, renamed or removed in it persist.
Status FsyncDirectory(const std::filesystem::path& dir);

}  // namespace sluice::log
