#include "bench/machine_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

constexpr size_t kWriteChunk = 1 << 20;

}  // namespace

double MeasureMemcpyBandwidth(size_t bytes, int repeats) {
  std::vector<char> src(bytes, 'x');
  std::vector<char> dst(bytes, 0);
  std::memcpy(dst.data(), src.data(), bytes);  // fault pages in before timing
  double best = 0;
  for (int i = 0; i < repeats; ++i) {
    src[i % bytes] = static_cast<char>(i);
    auto t0 = Clock::now();
    std::memcpy(dst.data(), src.data(), bytes);
    auto t1 = Clock::now();
    // Keep the copy observable so the compiler cannot drop it.
    if (dst[i % bytes] != src[i % bytes]) return 0;
    best = std::max(best, static_cast<double>(bytes) / Seconds(t0, t1));
  }
  return best;
}

Result<double> MeasureSequentialWriteBandwidth(const std::filesystem::path& dir, size_t bytes) {
  auto path = dir / "machine-seqwrite.tmp";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("open", path.string(), errno);
  std::vector<char> chunk(kWriteChunk, 'w');
  auto t0 = Clock::now();
  for (size_t done = 0; done < bytes; done += kWriteChunk) {
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
      int err = errno;
      ::close(fd);
      return Status::IoErrorFromErrno("write", path.string(), err);
    }
  }
  ::fdatasync(fd);
  auto t1 = Clock::now();
  ::close(fd);
  std::filesystem::remove(path);
  return static_cast<double>(bytes) / Seconds(t0, t1);
}

Status RunMachineBench(Context& ctx) {
  Report& r = *ctx.report;
  const size_t copy_bytes = ctx.quick ? (64u << 20) : (256u << 20);
  double memcpy_bw = MeasureMemcpyBandwidth(copy_bytes, ctx.quick ? 3 : 10);
  r.Add({"memcpy bandwidth", memcpy_bw / 1e6, "MB/s", {}, {}});

  const size_t write_bytes = ctx.quick ? (64u << 20) : (1u << 30);
  SLUICE_ASSIGN_OR_RETURN(double write_bw, MeasureSequentialWriteBandwidth(ctx.scratch_dir, write_bytes));
  r.Add({fmt::format("sequential write {} MiB + fdatasync", write_bytes >> 20), write_bw / 1e6, "MB/s", {}, {}});

  // Latency of the smallest durable append: 4 KiB write + fdatasync.
  auto path = ctx.scratch_dir / "machine-fsync.tmp";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("open", path.string(), errno);
  std::vector<char> block(4096, 'f');
  const int n = ctx.quick ? 50 : 500;
  std::vector<double> us;
  us.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) {
      int err = errno;
      ::close(fd);
      return Status::IoErrorFromErrno("write+fdatasync", path.string(), err);
    }
    us.push_back(Seconds(t0, Clock::now()) * 1e6);
  }
  ::close(fd);
  std::filesystem::remove(path);
  std::sort(us.begin(), us.end());
  r.Add({"4 KiB write + fdatasync p50", us[us.size() / 2], "us", {}, {}});
  r.Add({"4 KiB write + fdatasync p99", us[us.size() * 99 / 100], "us", {}, {}});
  return Status::Ok();
}

}  // namespace sluice::bench
