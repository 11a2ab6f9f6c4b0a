#pragma once

#include <memory>

#include "engine/connector_registry.h"

namespace sluice::connectors {

// 'connector' = 'datagen', as in Flink: generated rows.
//   'rows-per-second'        (default 10000; 0 = as fast as possible)
//   'number-of-rows'         bounded source when set
//   'fields.<col>.kind'      'random' (default) | 'sequence'
//   'fields.<col>.min'/'max' range of random numbers (default 0 .. 2^31-1)
//   'fields.<col>.start'/'end' sequence range (the source ends at 'end')
//   'fields.<col>.length'    length of random strings (default 100)
// TIMESTAMP columns carry the processing time of generation. Deterministic
// for a given 'seed' option (default 42). One split. Source only.
std::shared_ptr<engine::ConnectorFactory> NewDatagenConnector();

}  // namespace sluice::connectors
