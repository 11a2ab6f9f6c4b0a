#include "connectors/builtin_connectors.h"

#include "connectors/datagen_connector.h"
#include "connectors/filesystem_connector.h"
#include "connectors/print_connector.h"

namespace sluice::connectors {

void RegisterBuiltinConnectors(engine::ConnectorRegistry& registry, const ConnectorEnvironment& env) {
  (void)env;
  registry.Register(NewFilesystemConnector());
  registry.Register(NewPrintConnector());
  registry.Register(NewBlackholeConnector());
  registry.Register(NewDatagenConnector());
}

}  // namespace sluice::connectors
