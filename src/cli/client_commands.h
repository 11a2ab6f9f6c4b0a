#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

// `sluice topic create|list|describe|delete`, `sluice produce`,
// `sluice consume` and `sluice group list|describe`: a small client on
// librdkafka, so the same commands work against any Kafka cluster.
void AddTopicCommands(CLI::App& app, int* exit_code);
void AddProduceCommand(CLI::App& app, int* exit_code);
void AddConsumeCommand(CLI::App& app, int* exit_code);
void AddGroupCommands(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
