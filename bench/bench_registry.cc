#include "bench/bench_registry.h"

#include "bench/engine_bench.h"
#include "bench/machine_bench.h"

namespace sluice::bench {

const std::vector<Suite>& AllSuites() {
  // Listed explicitly rather than self-registered: static registration in a
  // static library is silently dropped by the linker.
  static const std::vector<Suite> kSuites = {
      {"machine", "this machine's limits: memcpy, sequential write + fdatasync, fdatasync latency", RunMachineBench},
      {"engine", "operators and windows per core beside hand-written loops; 1 vs 2 workers", RunEngineBench},
  };
  return kSuites;
}

}  // namespace sluice::bench
