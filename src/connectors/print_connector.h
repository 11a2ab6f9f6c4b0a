#pragma once

#include <memory>

#include "engine/connector_registry.h"

namespace sluice::connectors {

// 'connector' = 'print': each row on stdout as Flink prints it,
// "+I[1, bob, 2026-11-22 10:00:00.000]" (changelog kind first), prefixed by
// 'print-identifier' when set. Sink only.
std::shared_ptr<engine::ConnectorFactory> NewPrintConnector();

// 'connector' = 'blackhole': discards every row (benchmarks). Sink only.
std::shared_ptr<engine::ConnectorFactory> NewBlackholeConnector();

// Formats one row as "+I[a, 1, 2026-11-22 10:00:00.000]" (NULL as "null").
void AppendRowText(const engine::Batch& batch, int row, std::string* out);

}  // namespace sluice::connectors
