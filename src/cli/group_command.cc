#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>

#include "cli/client_commands.h"
#include "cli/exit_codes.h"
#include "cli/group_offsets_query.h"

namespace sluice::cli {
namespace {

struct GroupFlags {
  ClientOptions client;
  std::string group;
};

Status List(const GroupFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto groups, ListGroupInfos(f.client));
  for (const auto& g : groups) fmt::print("{}\t{}\t{} member(s)\n", g.group, g.state, g.members.size());
  return Status::Ok();
}

Status Describe(const GroupFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto groups, ListGroupInfos(f.client, f.group));
  if (groups.empty() || groups[0].state == "Dead") {
    return Status::NotFound("consumer group " + f.group + " does not exist (sluice group list shows the groups)");
  }
  const GroupInfo& g = groups[0];
  fmt::print("group {}: {}, protocol {}, {} member(s)\n", g.group, g.state, g.protocol.empty() ? "-" : g.protocol,
             g.members.size());
  for (const auto& m : g.members)
    fmt::print("  member {} (client {}, host {})\n", m.member_id, m.client_id, m.client_host);
  SLUICE_ASSIGN_OR_RETURN(auto lags, GroupLags(f.client, f.group));
  fmt::print("\n{:<24}  {:>9}  {:>14}  {:>10}\n", "topic", "partition", "committed", "lag");
  int64_t total = 0;
  for (const auto& l : lags) {
    fmt::print("{:<24}  {:>9}  {:>14}  {:>10}\n", l.topic, l.partition, l.committed, l.lag);
    total += l.lag;
  }
  fmt::print("total lag {}\n", total);
  return Status::Ok();
}

}  // namespace

void AddGroupCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<GroupFlags>();
  CLI::App* group = app.add_subcommand("group", "Inspect consumer groups");
  group->require_subcommand(1);
  CLI::App* list = group->add_subcommand("list", "List consumer groups");
  list->add_option("--bootstrap", f->client.bootstrap, "Kafka bootstrap server(s)")->capture_default_str();
  list->callback([f, exit_code] { *exit_code = ReportError(List(*f)); });
  CLI::App* describe = group->add_subcommand("describe", "Members, committed offsets and lag of a group");
  describe->add_option("group", f->group, "Group id")->required();
  describe->add_option("--bootstrap", f->client.bootstrap, "Kafka bootstrap server(s)")->capture_default_str();
  describe->callback([f, exit_code] { *exit_code = ReportError(Describe(*f)); });
}

}  // namespace sluice::cli
