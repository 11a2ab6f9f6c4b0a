#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// The cost of the engine's aligned-barrier checkpoints (issue 7): a keyed
// GROUP BY's throughput with checkpoints every second beside the same job
// without checkpoints; checkpoint duration and size for 1 M and 10 M keys of
// in-memory state; and the time a job with 1 M keys of state needs to resume
// from its checkpoint (Job::Create + Run of a tiny remaining input), beside
// the raw load of the checkpoint file.
Status RunCheckpointBench(Context& ctx);

}  // namespace sluice::bench
