#include "cli/server_command.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <simdjson.h>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <memory>

#include "broker/broker.h"
#include "cli/data_dir_lock.h"
#include "cli/exit_codes.h"
#include "cli/listen_address.h"
#include "common/logging.h"
#include "common/version.h"
#include "connectors/builtin_connectors.h"
#include "jobs/job_manager.h"
#include "log/log.h"
#include "web/http_server.h"

namespace sluice::cli {
namespace {

struct ServerFlags {
  std::string data_dir = "./sluice-data";
  std::string kafka_listen = "127.0.0.1:9092";
  std::string advertise;
  std::string http_listen = "127.0.0.1:8080";
  int job_parallelism = 1;
  int default_partitions = 1;
  bool auto_create_topics = true;
  int io_threads = 2;
};

// Idle Kafka connections cost a file descriptor each; many systems start
// processes with a soft limit of 1024. Raise it to the hard limit.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) SLUICE_LOG_WARN("server", "could not raise the open-file limit");
  }
}

// The REST API of SQL jobs (`sluice sql -f`, `sluice job`).
void AddJobRoutes(web::HttpServer& http, jobs::JobManager& jobs) {
  auto error = [](int status, const Status& s) {
    return web::HttpResponse{status, "{\"error\":" + jobs::JsonString(s.message()) + "}\n"};
  };
  http.Route("GET", "/api/v1/jobs", [&jobs](const web::HttpRequest&) {
    return web::HttpResponse{200, jobs::JobsToJson(jobs.List())};
  });
  http.Route("GET", "/api/v1/jobs/([0-9A-Za-z_-]+)", [&jobs, error](const web::HttpRequest& r) {
    auto info = jobs.Get(r.captures[0]);
    if (!info.ok()) return error(404, info.status());
    return web::HttpResponse{200, jobs::JobToJson(*info) + "\n"};
  });
  http.Route("POST", "/api/v1/jobs", [&jobs, error](const web::HttpRequest& r) {
    auto id = jobs.Submit(r.body);
    if (!id.ok()) return error(id.status().code() == StatusCode::kUnavailable ? 503 : 400, id.status());
    auto info = jobs.Get(*id);
    return web::HttpResponse{201,
                             info.ok() ? jobs::JobToJson(*info) + "\n" : "{\"id\":" + jobs::JsonString(*id) + "}\n"};
  });
  http.Route("POST", "/api/v1/jobs/([0-9A-Za-z_-]+)/stop", [&jobs, error](const web::HttpRequest& r) {
    auto savepoint = jobs.Stop(r.captures[0]);
    if (!savepoint.ok())
      return error(savepoint.status().code() == StatusCode::kNotFound ? 404 : 409, savepoint.status());
    return web::HttpResponse{200, fmt::format("{{\"id\":{},\"state\":\"STOPPED\",\"savepoint\":{}}}\n",
                                              jobs::JsonString(r.captures[0]), *savepoint)};
  });
  http.Route("POST", "/api/v1/jobs/([0-9A-Za-z_-]+)/resume", [&jobs, error](const web::HttpRequest& r) {
    // Optional body {"parallelism": P}: resume with P workers per dataflow.
    int parallelism = 0;
    if (!r.body.empty()) {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      int64_t p = 0;
      if (parser.parse(r.body).get(doc) != simdjson::SUCCESS || !doc.is_object() ||
          (doc["parallelism"].error() != simdjson::NO_SUCH_FIELD && doc["parallelism"].get(p) != simdjson::SUCCESS) ||
          p < 0 || p > 1024) {
        return error(400, Status::InvalidArgument(
                              "the body must be a JSON object like {\"parallelism\": 2} (a parallelism of 1 to 1024)"));
      }
      parallelism = static_cast<int>(p);
    }
    Status s = jobs.Resume(r.captures[0], parallelism);
    if (s.code() == StatusCode::kNotFound) return error(404, s);
    if (!s.ok()) return error(409, s);
    auto info = jobs.Get(r.captures[0]);
    return web::HttpResponse{200, info.ok() ? jobs::JobToJson(*info) + "\n" : "{}\n"};
  });
  http.Route("DELETE", "/api/v1/jobs/([0-9A-Za-z_-]+)", [&jobs, error](const web::HttpRequest& r) {
    Status s = jobs.Cancel(r.captures[0]);
    if (s.code() == StatusCode::kNotFound) return error(404, s);
    if (!s.ok()) return error(409, s);
    auto info = jobs.Get(r.captures[0]);
    return web::HttpResponse{200, info.ok() ? jobs::JobToJson(*info) + "\n" : "{}\n"};
  });
}

Status RunServer(const ServerFlags& flags) {
  RaiseFileLimit();
  SLUICE_ASSIGN_OR_RETURN(ListenAddress http_addr, ParseListenAddress(flags.http_listen));
  SLUICE_ASSIGN_OR_RETURN(ListenAddress kafka_addr, ParseListenAddress(flags.kafka_listen));
  if (flags.default_partitions < 1) return Status::InvalidArgument("--default-partitions must be at least 1");

  // Block the stop signals before any thread starts so that every thread
  // inherits the mask and only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SLUICE_ASSIGN_OR_RETURN(auto lock, DataDirLock::Acquire(flags.data_dir));
  std::filesystem::path data_dir = std::filesystem::absolute(flags.data_dir).lexically_normal();
  SLUICE_ASSIGN_OR_RETURN(auto log, log::Log::Open(data_dir / "log", log::LogOptions{}));

  broker::BrokerOptions broker_options;
  broker_options.default_partitions = flags.default_partitions;
  broker_options.auto_create_topics = flags.auto_create_topics;
  broker_options.advertised_port = 0;  // the bound port
  if (!flags.advertise.empty()) {
    SLUICE_ASSIGN_OR_RETURN(ListenAddress adv, ParseListenAddress(flags.advertise));
    broker_options.advertised_host = adv.host;
    broker_options.advertised_port = adv.port;
  }
  broker::KafkaServerOptions kafka_options;
  kafka_options.host = kafka_addr.host;
  kafka_options.port = kafka_addr.port;
  kafka_options.io_threads = flags.io_threads;
  broker::Broker broker(broker_options, kafka_options, *log);
  SLUICE_RETURN_IF_ERROR(broker.Start());

  // SQL jobs run inside the server against its embedded log; the ones that
  // were running when it stopped resume from their checkpoints.
  engine::ConnectorRegistry registry;
  connectors::ConnectorEnvironment env;
  env.log = log.get();
  connectors::RegisterBuiltinConnectors(registry, env);
  engine::ConnectorContext ctx;
  ctx.data_dir = data_dir;
  ctx.parallelism = flags.job_parallelism;
  jobs::JobManager jobs(data_dir, &registry, ctx);
  SLUICE_RETURN_IF_ERROR(jobs.ResumeStored());

  web::HttpServer http({http_addr.host, http_addr.port});
  AddJobRoutes(http, jobs);
  SLUICE_RETURN_IF_ERROR(http.Start());

  SLUICE_LOG_INFO("server", "sluice {} started; data dir {}", Version(), data_dir.string());
  SLUICE_LOG_INFO("server", "Kafka protocol listening on {}:{} (try: kcat -b {}:{} -L)", kafka_addr.host, broker.port(),
                  kafka_addr.host, broker.port());
  SLUICE_LOG_INFO("server", "HTTP listening on http://{}:{} (/healthz)", http_addr.host, http.port());
  SLUICE_LOG_INFO("server", "press Ctrl-C to stop");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  SLUICE_LOG_INFO("server", "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.Stop();
  jobs.Shutdown();  // stored jobs stay RUNNING: the next start resumes them
  broker.Stop();
  log.reset();  // closes partitions; flushes what the fsync policies leave unsynced
  SLUICE_LOG_INFO("server", "stopped cleanly");
  return Status::Ok();
}

}  // namespace

void AddServerCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* cmd = app.add_subcommand("server", "Run the Sluice server (log, engine, REST API) until SIGINT/SIGTERM");
  cmd->add_option("--data-dir", flags->data_dir, "Directory holding all durable state")->capture_default_str();
  cmd->add_option("--kafka-listen", flags->kafka_listen, "host:port for Kafka clients (port 0 picks a free port)")
      ->capture_default_str();
  cmd->add_option("--advertise", flags->advertise,
                  "host:port clients are told to connect to (default: the Kafka listen address)");
  cmd->add_option("--job-parallelism", flags->job_parallelism,
                  "Worker threads per SQL job unless its script SETs 'parallelism'")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--http-listen", flags->http_listen, "host:port of the HTTP API (port 0 picks a free port)")
      ->capture_default_str();
  cmd->add_option("--default-partitions", flags->default_partitions, "Partitions of auto-created topics")
      ->capture_default_str();
  cmd->add_option("--auto-create-topics", flags->auto_create_topics,
                  "Create a topic when a client asks for metadata of an unknown one")
      ->capture_default_str();
  cmd->add_option("--io-threads", flags->io_threads, "Threads serving Kafka connections")->capture_default_str();
  cmd->callback([flags, exit_code] { *exit_code = ReportError(RunServer(*flags)); });
}

}  // namespace sluice::cli
