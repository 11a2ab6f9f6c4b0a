#pragma once

#include "bench/bench_registry.h"

namespace sluice::bench {

// The same pipelines written in SQL (planned by src/sql, run through
// sql::Session) and against the engine's C++ Pipeline API, over the same
// in-memory batches, one worker each, side by side: what SQL's planning
// (extra Calcs, generic projections) costs at run time. Goal (issue 6): SQL
// within 10 % of the C++ API.
Status RunSqlBench(Context& ctx);

}  // namespace sluice::bench
