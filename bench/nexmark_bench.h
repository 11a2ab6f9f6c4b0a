#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// `sluice bench nexmark`: each Nexmark query of bench/nexmark/queries run by
// Sluice SQL in this process over the 'nexmark' connector (events generated
// in-process) into a row-counting blackhole, timed to completion (every
// window fired); events/s and events/s per core (CPU time actually used, as
// the Flink Nexmark runner measures cores). Beside them, in the same run,
// hand-written single-purpose loops for q0, q1, q5 and q7 over the same
// events held in memory (generation not timed), and the published Flink
// per-core figures (cited in bench/nexmark/README.md). A query the planner
// rejects is reported as "not supported yet: <reason>", not as a failure; a
// planned query that fails, or whose row count differs from its loop's, fails
// the suite. Options: ctx.queries, ctx.events, ctx.parallelism.
Status RunNexmarkBench(Context& ctx);

}  // namespace sluice::bench
