#include "connectors/builtin_connectors.h"

#include "connectors/datagen_connector.h"
#include "connectors/filesystem_connector.h"
#include "connectors/nexmark/nexmark_connector.h"
#include "connectors/print_connector.h"
#include "connectors/topic_connector.h"

namespace sluice::connectors {

void RegisterBuiltinConnectors(engine::ConnectorRegistry& registry, const ConnectorEnvironment& env) {
  registry.Register(NewFilesystemConnector());
  registry.Register(NewPrintConnector());
  registry.Register(NewBlackholeConnector());
  registry.Register(NewDatagenConnector());
  registry.Register(NewTopicConnector(env.log, env.bootstrap));
  registry.Register(NewKafkaConnector());
  registry.Register(NewUpsertKafkaConnector());
  registry.Register(NewNexmarkConnector());
}

}  // namespace sluice::connectors
