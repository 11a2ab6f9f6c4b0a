#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// The log (src/log): append throughput for 100 B and 1 KiB records in
// batches of one record and of ~16 KiB under each fsync policy; sequential
// read throughput from the page cache; fsync=always latency p50/p99 and
// throughput with 1, 4 and 16 concurrent appenders (group commit). Each
// figure is printed beside this machine's limit measured in the same run:
// sequential write + fdatasync, memcpy bandwidth, 4 KiB write + fdatasync.
Status RunLogBench(Context& ctx);

}  // namespace sluice::bench
