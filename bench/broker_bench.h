#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// `sluice bench broker`: the Kafka-protocol server measured through
// librdkafka, beside Redis Streams (Debian's redis-server, XADD pipelined with
// redis-benchmark) at matching durability, in the same run:
//   - producer throughput, 100 B and 1 KiB messages, fsync=never vs Redis
//     appendfsync no, fsync=always vs Redis appendfsync always;
//   - consumer throughput beside producer throughput;
//   - produce latency p50/p99 at half the measured maximum rate.
Status RunBrokerBench(Context& ctx);

}  // namespace sluice::bench
