#include "bench/bench_registry.h"

#include "bench/broker_bench.h"
#include "bench/checkpoint_bench.h"
#include "bench/engine_bench.h"
#include "bench/log_bench.h"
#include "bench/machine_bench.h"
#include "bench/nexmark_bench.h"
#include "bench/sql_bench.h"

namespace sluice::bench {

const std::vector<Suite>& AllSuites() {
  // Listed explicitly rather than self-registered: static registration in a
  // static library is silently dropped by the linker.
  static const std::vector<Suite> kSuites = {
      {"machine", "this machine's limits: memcpy, sequential write + fdatasync, fdatasync latency", RunMachineBench},
      {"log", "append/read throughput per fsync policy, fsync=always latency with group commit", RunLogBench},
      {"broker", "Kafka protocol through librdkafka beside Redis Streams at matching durability", RunBrokerBench},
      {"engine", "operators and windows per core beside hand-written loops; 1 vs 2 workers", RunEngineBench},
      {"nexmark", "Nexmark queries per core beside hand-written loops and Flink's published figures", RunNexmarkBench},
      {"checkpoint", "checkpoint cost on a keyed GROUP BY's throughput, checkpoint duration/size, recovery time",
       RunCheckpointBench},
      {"sql", "the same pipelines in SQL and against the C++ Pipeline API, side by side", RunSqlBench},
  };
  return kSuites;
}

}  // namespace sluice::bench
