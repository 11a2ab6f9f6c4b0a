#include "cli/gen_command.h"

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/progress_bar.h"
#include "connectors/kafka_client.h"
#include "connectors/nexmark/nexmark_generator.h"
#include "connectors/nexmark/nexmark_json.h"

namespace sluice::cli {
namespace {

namespace nx = connectors::nexmark;

struct GenFlags {
  int64_t events = 1'000'000;
  double rate = 10000;
  int64_t seed = 0;
  int64_t first_event_id = 0;
  std::string out;
  std::string topic;
  std::string bootstrap = "127.0.0.1:9092";
};

constexpr size_t kFlushBytes = 1 << 20;

Status WriteAll(std::FILE* f, const std::string& buf, const std::string& where) {
  if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) return Status::IoError("cannot write " + where);
  return Status::Ok();
}

Status GenNexmark(const GenFlags& f) {
  if (!f.out.empty() && !f.topic.empty()) return Status::InvalidArgument("choose one of --out and --topic");
  if (f.events <= 0) return Status::InvalidArgument("--events must be positive");
  if (f.rate <= 0) return Status::InvalidArgument("--rate must be positive (events per second of event time)");
  nx::GeneratorConfig config;
  config.max_events = f.events;
  config.events_per_second = f.rate;
  config.seed = f.seed;
  config.first_event_id = f.first_event_id;
  nx::Generator gen(config);
  nx::Event event;
  ProgressBar progress("nexmark", f.events, " events");
  std::string buf;
  buf.reserve(kFlushBytes + 4096);

  if (!f.topic.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto rk, connectors::NewKafkaClient(RD_KAFKA_PRODUCER, f.bootstrap,
                                                                {{"linger.ms", "20"},
                                                                 {"batch.size", "1000000"},
                                                                 {"queue.buffering.max.messages", "1000000"},
                                                                 {"compression.codec", "lz4"}}));
    while (gen.HasNext()) {
      gen.Next(&event);
      buf.clear();
      nx::AppendEventJson(event, &buf);
      while (true) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk.get(), RD_KAFKA_V_TOPIC(f.topic.c_str()), RD_KAFKA_V_VALUE(buf.data(), buf.size()),
            RD_KAFKA_V_TIMESTAMP(event.event_time), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk.get(), 10);
          continue;
        }
        if (e) return connectors::KafkaStatus(e, "produce to " + f.topic);
        break;
      }
      rd_kafka_poll(rk.get(), 0);
      progress.Update(gen.events_generated());
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(rk.get(), 120000);
    if (e) return connectors::KafkaStatus(e, "flush to " + f.topic);
    progress.Finish(gen.events_generated());
    return Status::Ok();
  }

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!f.out.empty()) {
    file.reset(std::fopen(f.out.c_str(), "w"));
    if (!file) return Status::IoErrorFromErrno("create", f.out, errno);
    out = file.get();
  }
  const std::string where = f.out.empty() ? "stdout" : f.out;
  while (gen.HasNext()) {
    gen.Next(&event);
    nx::AppendEventJson(event, &buf);
    buf.push_back('\n');
    if (buf.size() >= kFlushBytes) {
      SLUICE_RETURN_IF_ERROR(WriteAll(out, buf, where));
      buf.clear();
      progress.Update(gen.events_generated());
    }
  }
  SLUICE_RETURN_IF_ERROR(WriteAll(out, buf, where));
  if (std::fflush(out) != 0) return Status::IoError("cannot write " + where);
  progress.Finish(gen.events_generated());
  return Status::Ok();
}

}  // namespace

void AddGenCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<GenFlags>();
  CLI::App* gen = app.add_subcommand("gen", "Generate realistic event streams");
  gen->require_subcommand(1);
  CLI::App* nexmark = gen->add_subcommand(
      "nexmark", "Nexmark auction events (persons, auctions, bids) as JSON lines, deterministic for a seed");
  nexmark->add_option("--events,-n", f->events, "Number of events")->capture_default_str();
  nexmark->add_option("--rate", f->rate, "Events per second of event time (spacing of timestamps)")
      ->capture_default_str();
  nexmark->add_option("--seed", f->seed, "0 reproduces the public generator's per-event seeds")->capture_default_str();
  nexmark->add_option("--first-event-id", f->first_event_id, "Start of the event id range (to split work)");
  nexmark->add_option("--out,-o", f->out, "Write JSON lines to this file (default: stdout)");
  nexmark->add_option("--topic,-t", f->topic, "Produce to this topic instead");
  nexmark->add_option("--bootstrap", f->bootstrap, "Kafka bootstrap server(s) for --topic")->capture_default_str();
  nexmark->callback([f, exit_code] { *exit_code = ReportError(GenNexmark(*f)); });
}

}  // namespace sluice::cli
