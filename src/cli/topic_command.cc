#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>

#include "broker/messages/describe_log_dirs.h"
#include "cli/client_commands.h"
#include "cli/exit_codes.h"
#include "cli/group_offsets_query.h"
#include "cli/kafka_client.h"
#include "cli/raw_kafka_request.h"

namespace sluice::cli {
namespace {

struct TopicFlags {
  ClientOptions client;
  std::string name;
  int partitions = 1;
  std::vector<std::string> configs;
};

// Runs one admin operation and waits for its result event.
template <typename Submit, typename Results>
Status RunAdmin(rd_kafka_t* rk, const ClientOptions& o, rd_kafka_admin_op_t op, rd_kafka_event_type_t type,
                Submit submit, Results results, const std::string& what) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, op);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(o.timeout.count()), err, sizeof(err));
  submit(opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(o.timeout.count()) + 1000);
  Status s;
  if (!ev) {
    s = Status::Timeout(what + ": no answer from " + o.bootstrap);
  } else if (rd_kafka_event_type(ev) != type || rd_kafka_event_error(ev)) {
    s = KafkaError(rd_kafka_event_error(ev), what);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** r = results(ev, &n);
    for (size_t i = 0; i < n && s.ok(); ++i) {
      if (rd_kafka_topic_result_error(r[i])) {
        const char* msg = rd_kafka_topic_result_error_string(r[i]);
        s = KafkaError(rd_kafka_topic_result_error(r[i]), what + (msg ? std::string(" (") + msg + ")" : ""));
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  return s;
}

Status Create(const TopicFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, f.client));
  char err[256];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(f.name.c_str(), f.partitions, -1, err, sizeof(err));
  if (!nt) return Status::InvalidArgument(std::string("topic ") + f.name + ": " + err);
  for (const auto& kv : f.configs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      rd_kafka_NewTopic_destroy(nt);
      return Status::InvalidArgument("--config expects key=value, got '" + kv + "'");
    }
    rd_kafka_NewTopic_set_config(nt, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str());
  }
  Status s = RunAdmin(
      rk.get(), f.client, RD_KAFKA_ADMIN_OP_CREATETOPICS, RD_KAFKA_EVENT_CREATETOPICS_RESULT,
      [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) { rd_kafka_CreateTopics(rk.get(), &nt, 1, opts, q); },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
      },
      "create topic " + f.name);
  rd_kafka_NewTopic_destroy(nt);
  if (s.ok()) fmt::print("created topic {} with {} partition(s)\n", f.name, f.partitions);
  return s;
}

Status Delete(const TopicFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, f.client));
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(f.name.c_str());
  Status s = RunAdmin(
      rk.get(), f.client, RD_KAFKA_ADMIN_OP_DELETETOPICS, RD_KAFKA_EVENT_DELETETOPICS_RESULT,
      [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) { rd_kafka_DeleteTopics(rk.get(), &dt, 1, opts, q); },
      [](rd_kafka_event_t* ev, size_t* n) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
      },
      "delete topic " + f.name);
  rd_kafka_DeleteTopic_destroy(dt);
  if (s.ok()) fmt::print("deleted topic {}\n", f.name);
  return s;
}

Status List(const TopicFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, f.client));
  SLUICE_ASSIGN_OR_RETURN(auto topics, ListTopics(rk.get(), f.client));
  std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& t : topics) fmt::print("{}\t{} partition(s)\n", t.name, t.partitions.size());
  return Status::Ok();
}

// Bytes per partition from DescribeLogDirs (empty when the broker does not
// answer it: sizes are then shown as unknown).
std::map<int32_t, int64_t> PartitionSizes(const TopicFlags& f, const TopicInfo& topic) {
  broker::DescribeLogDirsRequest req;
  req.topics.emplace();
  req.topics->push_back({f.name, {}});
  for (const auto& p : topic.partitions) req.topics->back().partitions.push_back(p.id);
  std::string body;
  broker::WireWriter w(&body);
  broker::EncodeDescribeLogDirsRequest(w, 1, req);
  std::map<int32_t, int64_t> sizes;
  auto resp = SendKafkaRequest(f.client.bootstrap, 35, 1, body, f.client.timeout);
  if (!resp.ok()) return sizes;
  broker::WireReader r(*resp);
  for (const auto& dir : broker::DecodeDescribeLogDirsResponse(r, 1)) {
    for (const auto& t : dir.topics) {
      if (t.name != f.name) continue;
      for (const auto& p : t.partitions) sizes[p.index] += p.size_bytes;
    }
  }
  if (!r.ok()) sizes.clear();
  return sizes;
}

Status Describe(const TopicFlags& f) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, f.client));
  SLUICE_ASSIGN_OR_RETURN(TopicInfo t, DescribeTopic(rk.get(), f.name, f.client));
  std::map<int32_t, int64_t> sizes = PartitionSizes(f, t);
  int64_t total = 0, total_bytes = 0;
  fmt::print("topic {}: {} partition(s)\n", t.name, t.partitions.size());
  fmt::print("{:>9}  {:>14}  {:>14}  {:>12}  {:>14}\n", "partition", "start offset", "end offset", "records", "bytes");
  for (const auto& p : t.partitions) {
    auto it = sizes.find(p.id);
    std::string bytes = it == sizes.end() ? "?" : std::to_string(it->second);
    fmt::print("{:>9}  {:>14}  {:>14}  {:>12}  {:>14}\n", p.id, p.low, p.high, p.high - p.low, bytes);
    total += p.high - p.low;
    if (it != sizes.end()) total_bytes += it->second;
  }
  if (sizes.empty()) {
    fmt::print("{} record(s) retained (sizes unknown: the broker did not answer DescribeLogDirs)\n", total);
  } else {
    fmt::print("{} record(s), {} bytes retained\n", total, total_bytes);
  }
  SLUICE_ASSIGN_OR_RETURN(auto lags, GroupLagsForTopic(f.client, t));
  if (lags.empty()) {
    fmt::print("no consumer group has committed offsets on {}\n", t.name);
  } else {
    fmt::print("\n{:<24}  {:>9}  {:>14}  {:>10}\n", "group", "partition", "committed", "lag");
    for (const auto& l : lags) fmt::print("{:<24}  {:>9}  {:>14}  {:>10}\n", l.group, l.partition, l.committed, l.lag);
  }
  return Status::Ok();
}

void AddBootstrap(CLI::App* cmd, TopicFlags* f) {
  cmd->add_option("--bootstrap", f->client.bootstrap, "Kafka bootstrap server(s), host:port")->capture_default_str();
}

}  // namespace

void AddTopicCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<TopicFlags>();
  CLI::App* topic = app.add_subcommand("topic", "Create, list, describe and delete topics");
  topic->require_subcommand(1);

  CLI::App* create = topic->add_subcommand("create", "Create a topic");
  create->add_option("name", f->name, "Topic name")->required();
  create->add_option("--partitions,-p", f->partitions, "Number of partitions")->capture_default_str();
  create->add_option("--config,-c", f->configs, "Topic config key=value (e.g. fsync=always, retention.ms=60000)");
  AddBootstrap(create, f.get());
  create->callback([f, exit_code] { *exit_code = ReportError(Create(*f)); });

  CLI::App* list = topic->add_subcommand("list", "List topics");
  AddBootstrap(list, f.get());
  list->callback([f, exit_code] { *exit_code = ReportError(List(*f)); });

  CLI::App* describe = topic->add_subcommand("describe", "Partitions, offsets and consumer-group lag of a topic");
  describe->add_option("name", f->name, "Topic name")->required();
  AddBootstrap(describe, f.get());
  describe->callback([f, exit_code] { *exit_code = ReportError(Describe(*f)); });

  CLI::App* del = topic->add_subcommand("delete", "Delete a topic and its data");
  del->add_option("name", f->name, "Topic name")->required();
  AddBootstrap(del, f.get());
  del->callback([f, exit_code] { *exit_code = ReportError(Delete(*f)); });
}

}  // namespace sluice::cli
