#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "common/result.h"

namespace sluice::cli {

// Holds an exclusive flock on <data-dir>/LOCK so that two sluice processes
// (`server`, `run --data-dir`) never share one data directory. Released when the process exits, even on kill -9.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create data dir " + dir.string() + ": " + ec.message());
    auto path = dir / "LOCK";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoErrorFromErrno("open", path.string(), errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Status::Unavailable("data dir " + dir.string() + " is in use by another sluice process");
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
  }
  ~DataDirLock() { ::close(fd_); }

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sluice::cli
