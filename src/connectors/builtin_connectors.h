#pragma once

#include <string>

#include "engine/connector_registry.h"

namespace sluice::log {
class Log;
}

namespace sluice::connectors {

// Where the topic connectors find topics.
struct ConnectorEnvironment {
  // The embedded log when the job runs in the process that owns it (`sluice
  // server`, `sluice run --data-dir D`); null otherwise, and 'topic' tables
  // then reach a Sluice server over the Kafka protocol at `bootstrap`.
  log::Log* log = nullptr;
  std::string bootstrap = "127.0.0.1:9092";
};

// Registers every connector of this module: 'filesystem', 'print',
// 'blackhole', 'datagen', 'topic', 'kafka'. The log, if any, must outlive
// the registry's jobs.
void RegisterBuiltinConnectors(engine::ConnectorRegistry& registry, const ConnectorEnvironment& env = {});

}  // namespace sluice::connectors
