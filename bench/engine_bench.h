#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// Per-core throughput of the engine's operators over in-memory batches —
// filter/project, tumbling, hopping (10s/2s, 60s/1s) and session window
// aggregation — each beside a hand-written single-purpose loop that computes
// the same result in the same run, and a whole job's scaling from 1 to 2
// workers.
Status RunEngineBench(Context& ctx);

}  // namespace sluice::bench
