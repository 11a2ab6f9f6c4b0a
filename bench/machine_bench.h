#pragma once

#include <cstddef>
#include <filesystem>

#include "bench/bench_registry.h"
#include "common/result.h"

namespace sluice::bench {

// The physical limits other suites compare themselves with, measured in the
// same run: memory copy bandwidth, buffered sequential write then fdatasync,
// and the latency of one small write + fdatasync.
Status RunMachineBench(Context& ctx);

// Bytes per second memcpy achieves over a buffer of `bytes` (out of cache).
double MeasureMemcpyBandwidth(size_t bytes, int repeats);
// Bytes per second of writing `bytes` sequentially in 1 MiB writes to a new
// file in `dir`, including one fdatasync at the end.
Result<double> MeasureSequentialWriteBandwidth(const std::filesystem::path& dir, size_t bytes);

}  // namespace sluice::bench
