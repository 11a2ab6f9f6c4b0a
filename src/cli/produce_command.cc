#include <fmt/core.h>
#include <simdjson.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <iostream>
#include <memory>

#include "cli/client_commands.h"
#include "cli/exit_codes.h"
#include "cli/kafka_client.h"

namespace sluice::cli {
namespace {

struct ProduceFlags {
  ClientOptions client;
  std::string topic;
  std::string key_field;
  int partition = -1;
  std::string acks = "all";
  std::string compression = "none";
};

struct DeliveryStats {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  std::string first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* stats = static_cast<DeliveryStats*>(opaque);
  if (m->err) {
    if (stats->failed++ == 0) stats->first_error = rd_kafka_err2str(m->err);
  } else {
    ++stats->delivered;
  }
}

// The key of a JSON line: the field's string value, or the raw text of a
// number or boolean, so that {"user": 42} and {"user": "42"} key alike.
Result<std::string> KeyOf(simdjson::ondemand::parser& parser, const std::string& line, const std::string& field,
                          int64_t line_no) {
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return Status::InvalidArgument(fmt::format("line {}: not valid JSON", line_no));
  simdjson::ondemand::value v;
  if (doc[field].get(v)) {
    return Status::InvalidArgument(fmt::format("line {}: no field \"{}\" to key by (--key-field)", line_no, field));
  }
  std::string_view s;
  if (v.type() == simdjson::ondemand::json_type::string) {
    if (v.get_string().get(s))
      return Status::InvalidArgument(fmt::format("line {}: bad string in \"{}\"", line_no, field));
    return std::string(s);
  }
  return std::string(simdjson::trim(v.raw_json_token()));
}

Status Produce(const ProduceFlags& f) {
  DeliveryStats stats;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", f.client.bootstrap},
      {"client.id", "sluice-cli"},
      {"acks", f.acks},
      {"compression.codec", f.compression},
      // Kafka's (Java) default partitioner, so keys land where Kafka puts them.
      {"partitioner", "murmur2_random"},
      {"linger.ms", "5"},
      {"log_level", "3"},
  };
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("{}={}: {}", k, v, err));
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &stats);
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!raw) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("cannot create producer: ") + err);
  }
  RdKafkaHandle rk(raw);

  simdjson::ondemand::parser parser;
  std::string line;
  int64_t line_no = 0;
  int64_t sent = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::string key;
    if (!f.key_field.empty()) {
      SLUICE_ASSIGN_OR_RETURN(key, KeyOf(parser, line, f.key_field, line_no));
    }
    while (true) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(f.topic.c_str()), RD_KAFKA_V_PARTITION(f.partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(line.data(), line.size()),
          RD_KAFKA_V_KEY(f.key_field.empty() ? nullptr : key.data(), f.key_field.empty() ? 0 : key.size()),
          RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk.get(), 100);  // backpressure: wait for deliveries
        continue;
      }
      if (e) return KafkaError(e, fmt::format("line {}: produce to {}", line_no, f.topic));
      break;
    }
    ++sent;
    rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_resp_err_t e = rd_kafka_flush(rk.get(), static_cast<int>(f.client.timeout.count()) * 6);
  if (e) return KafkaError(e, fmt::format("{} message(s) still undelivered", rd_kafka_outq_len(rk.get())));
  if (stats.failed > 0) {
    return Status::Unavailable(
        fmt::format("{} of {} message(s) failed: {}", stats.failed.load(), sent, stats.first_error));
  }
  fmt::print(stderr, "produced {} message(s) to {}\n", stats.delivered.load(), f.topic);
  return Status::Ok();
}

}  // namespace

void AddProduceCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ProduceFlags>();
  CLI::App* cmd = app.add_subcommand("produce", "Write stdin lines as messages to a topic");
  cmd->add_option("topic", f->topic, "Topic to write to")->required();
  cmd->add_option("--key-field,-k", f->key_field, "Key each JSON line by this field (Kafka's default partitioner)");
  cmd->add_option("--partition", f->partition, "Write every message to this partition");
  cmd->add_option("--acks", f->acks, "0, 1 or all")->capture_default_str();
  cmd->add_option("--compression", f->compression, "none, gzip, snappy, lz4 or zstd")->capture_default_str();
  cmd->add_option("--bootstrap", f->client.bootstrap, "Kafka bootstrap server(s)")->capture_default_str();
  cmd->callback([f, exit_code] { *exit_code = ReportError(Produce(*f)); });
}

}  // namespace sluice::cli
