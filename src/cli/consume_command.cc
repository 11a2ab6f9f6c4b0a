#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include "cli/client_commands.h"
#include "cli/exit_codes.h"
#include "cli/kafka_client.h"

namespace sluice::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct ConsumeFlags {
  ClientOptions client;
  std::string topic;
  bool from_beginning = false;
  int64_t from_offset = -1;
  std::string from_time;
  std::string group;
  int64_t max = -1;
  bool follow = false;
  bool print_key = false;
};

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// "1732233600000" (epoch ms) or "2026-11-22T10:00:00[.123][Z]" (UTC).
Result<int64_t> ParseTime(const std::string& s) {
  char* end = nullptr;
  long long ms = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') return static_cast<int64_t>(ms);
  std::tm tm{};
  int millis = 0;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) == 6) {
    const char* rest = s.c_str() + consumed;
    if (*rest == '.') {
      int n = 0;
      std::sscanf(rest + 1, "%3d%n", &millis, &n);
      rest += 1 + n;
    }
    if (*rest == 'Z') ++rest;
    if (*rest == '\0') {
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
    }
  }
  return Status::InvalidArgument("--from-time '" + s +
                                 "': expected epoch milliseconds or UTC time like 2026-11-22T10:00:00Z");
}

void Print(const rd_kafka_message_t* m, bool print_key) {
  if (print_key) {
    if (m->key) std::fwrite(m->key, 1, m->key_len, stdout);
    std::fputc('\t', stdout);
  }
  if (m->payload) std::fwrite(m->payload, 1, m->len, stdout);
  std::fputc('\n', stdout);
}

Status Consume(const ConsumeFlags& f) {
  int starts = (f.from_beginning ? 1 : 0) + (f.from_offset >= 0 ? 1 : 0) + (f.from_time.empty() ? 0 : 1);
  if (starts > 1) return Status::InvalidArgument("choose one of --from-beginning, --from-offset, --from-time");
  std::map<std::string, std::string> props = {
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "earliest"},
      // Offsets are stored only for messages actually printed.
      {"enable.auto.offset.store", "false"},
  };
  const bool grouped = !f.group.empty();
  props["group.id"] = grouped ? f.group : "sluice-cli-ungrouped";
  if (!grouped) props["enable.auto.commit"] = "false";
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_CONSUMER, f.client, props));
  rd_kafka_poll_set_consumer(rk.get());

  SLUICE_ASSIGN_OR_RETURN(TopicInfo topic, DescribeTopic(rk.get(), f.topic, f.client));
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topic.partitions.size())));
  for (const auto& p : topic.partitions) {
    auto* tp = rd_kafka_topic_partition_list_add(list.get(), f.topic.c_str(), p.id);
    if (f.from_offset >= 0) {
      tp->offset = f.from_offset;
    } else if (f.from_beginning || !grouped) {
      tp->offset = RD_KAFKA_OFFSET_BEGINNING;
    } else {
      tp->offset = RD_KAFKA_OFFSET_STORED;
    }
  }
  if (!f.from_time.empty()) {
    SLUICE_ASSIGN_OR_RETURN(int64_t ts, ParseTime(f.from_time));
    for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = ts;
    rd_kafka_resp_err_t e =
        rd_kafka_offsets_for_times(rk.get(), list.get(), static_cast<int>(f.client.timeout.count()));
    if (e) return KafkaError(e, "cannot look up offsets for " + f.from_time);
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
    }
  }

  const bool explicit_start = starts > 0;
  if (grouped && !explicit_start) {
    rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, f.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk.get(), sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) return KafkaError(e, "cannot subscribe to " + f.topic);
  } else {
    rd_kafka_resp_err_t e = rd_kafka_assign(rk.get(), list.get());
    if (e) return KafkaError(e, "cannot assign partitions of " + f.topic);
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::set<int32_t> at_end;
  int64_t printed = 0;
  Status result;
  while (!g_stop && (f.max < 0 || printed < f.max)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
      rd_kafka_message_destroy(m);
      if (!f.follow) {
        rd_kafka_topic_partition_list_t* assigned = nullptr;
        if (!rd_kafka_assignment(rk.get(), &assigned) && assigned) {
          bool all = assigned->cnt > 0;
          for (int i = 0; i < assigned->cnt; ++i) all = all && at_end.count(assigned->elems[i].partition);
          rd_kafka_topic_partition_list_destroy(assigned);
          if (all) break;
        }
      }
      continue;
    }
    if (m->err) {
      rd_kafka_resp_err_t e = m->err;
      rd_kafka_message_destroy(m);
      // A dropped connection is retried by librdkafka; anything else ends the run.
      if (e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) continue;
      result = KafkaError(e, "consume " + f.topic);
      break;
    }
    at_end.erase(m->partition);
    Print(m, f.print_key);
    ++printed;
    if (grouped) rd_kafka_offset_store(m->rkt, m->partition, m->offset);
    rd_kafka_message_destroy(m);
  }
  std::fflush(stdout);
  if (grouped) rd_kafka_commit(rk.get(), nullptr, 0);
  rd_kafka_consumer_close(rk.get());
  return result;
}

}  // namespace

void AddConsumeCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ConsumeFlags>();
  CLI::App* cmd =
      app.add_subcommand("consume", "Print a topic's messages, one per line (stops at the end unless --follow)");
  cmd->add_option("topic", f->topic, "Topic to read")->required();
  cmd->add_flag("--from-beginning", f->from_beginning, "Start at the earliest retained offset");
  cmd->add_option("--from-offset", f->from_offset, "Start every partition at this offset");
  cmd->add_option("--from-time", f->from_time, "Start at the first message at or after this time");
  cmd->add_option("--group,-g", f->group, "Consume as a member of this group, resuming from its committed offsets");
  cmd->add_option("--max,-n", f->max, "Stop after this many messages");
  cmd->add_flag("--follow,-f", f->follow, "Keep waiting for new messages");
  cmd->add_flag("--print-key", f->print_key, "Print key<TAB>value");
  cmd->add_option("--bootstrap", f->client.bootstrap, "Kafka bootstrap server(s)")->capture_default_str();
  cmd->callback([f, exit_code] { *exit_code = ReportError(Consume(*f)); });
}

}  // namespace sluice::cli
