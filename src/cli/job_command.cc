// `sluice sql -f` (submit to a server) and `sluice job list|cancel`: clients
// of the server's REST API for SQL jobs (GET/POST/DELETE /api/v1/jobs).

#include <fmt/format.h>
#include <httplib.h>
#include <simdjson.h>
#include <CLI/CLI.hpp>

#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/job_client.h"
#include "cli/listen_address.h"
#include "sql/session.h"

namespace sluice::cli {

namespace {

Result<httplib::Client> Connect(const std::string& server) {
  SLUICE_ASSIGN_OR_RETURN(ListenAddress addr, ParseListenAddress(server));
  httplib::Client client(addr.host, addr.port);
  client.set_connection_timeout(5);
  client.set_read_timeout(120);  // a submission returns once the job runs
  return client;
}

Status Unreachable(const std::string& server, httplib::Error e) {
  return Status::Unavailable(
      fmt::format("cannot reach the Sluice server at {} ({}); is `sluice server` running "
                  "there? Point to it with --server host:port",
                  server, httplib::to_string(e)));
}

// The "error" field of an error response, or the body.
std::string ErrorOf(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view msg;
  if (parser.parse(body).get(doc) == simdjson::SUCCESS && doc["error"].get(msg) == simdjson::SUCCESS) {
    return std::string(msg);
  }
  return body;
}

// A field of a JSON answer, or `fallback` when it is missing.
template <typename T>
T Field(simdjson::simdjson_result<simdjson::dom::element> e, T fallback) {
  T v;
  return e.get(v) == simdjson::SUCCESS ? v : fallback;
}

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

Status SubmitScript(const std::string& server, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read SQL script " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  SLUICE_ASSIGN_OR_RETURN(auto client, Connect(server));
  std::printf("[INFO] Submitting SQL script %s to %s...\n", path.c_str(), server.c_str());
  auto res = client.Post("/api/v1/jobs", ss.str(), "application/sql");
  if (!res) return Unreachable(server, res.error());
  if (res->status != 201) return Status::InvalidArgument(fmt::format("{}: {}", path, ErrorOf(res->body)));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view id;
  if (parser.parse(res->body).get(doc) != simdjson::SUCCESS || doc["id"].get(id) != simdjson::SUCCESS) {
    return Status::Internal("unexpected answer from the server: " + res->body);
  }
  std::string_view state = Field<std::string_view>(doc["state"], "?");
  std::printf("[INFO] SQL script has been successfully submitted to the server:\nJob ID: %.*s (%.*s)\n",
              static_cast<int>(id.size()), id.data(), static_cast<int>(state.size()), state.data());
  return Status::Ok();
}

namespace {

Status ListJobs(const std::string& server) {
  SLUICE_ASSIGN_OR_RETURN(auto client, Connect(server));
  auto res = client.Get("/api/v1/jobs");
  if (!res) return Unreachable(server, res.error());
  if (res->status != 200) return Status::Internal(ErrorOf(res->body));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array jobs;
  if (parser.parse(res->body).get(doc) != simdjson::SUCCESS || doc["jobs"].get(jobs) != simdjson::SUCCESS) {
    return Status::Internal("unexpected answer from the server: " + res->body);
  }
  std::vector<std::vector<std::string>> rows;
  for (simdjson::dom::element j : jobs) {
    const auto id = Field<std::string_view>(j["id"], "?");
    const auto state = Field<std::string_view>(j["state"], "?");
    const auto error = Field<std::string_view>(j["error"], "");
    const auto submitted = Field<int64_t>(j["submitted_ms"], 0);
    const auto completed = Field<int64_t>(j["checkpoints"]["completed"], 0);
    const auto last_id = Field<int64_t>(j["checkpoints"]["last_id"], 0);
    const auto restored = Field<int64_t>(j["checkpoints"]["restored_from"], 0);
    const auto duration = Field<int64_t>(j["checkpoints"]["last_duration_ms"], 0);
    rows.push_back({std::string(id), std::string(state), FormatTime(submitted),
                    last_id ? fmt::format("#{} ({} ms)", last_id, duration) : "-",
                    restored ? fmt::format("#{}", restored) : "-", std::to_string(completed), std::string(error)});
  }
  std::fputs(
      sql::FormatTable(
          {"job id", "state", "submitted (UTC)", "last checkpoint", "restored from", "checkpoints", "error"}, rows)
          .c_str(),
      stdout);
  return Status::Ok();
}

// POST or DELETE on a job; the answer's body, or the server's error (404:
// NotFound, other refusals: InvalidArgument).
Result<std::string> JobAction(const std::string& server, const std::string& method, const std::string& path,
                              const std::string& body = "") {
  SLUICE_ASSIGN_OR_RETURN(auto client, Connect(server));
  auto res = method == "DELETE" ? client.Delete(path) : client.Post(path, body, "application/json");
  if (!res) return Unreachable(server, res.error());
  if (res->status == 404) return Status::NotFound(ErrorOf(res->body));
  if (res->status != 200) return Status::InvalidArgument(ErrorOf(res->body));
  return res->body;
}

Status CancelJob(const std::string& server, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(std::string body, JobAction(server, "DELETE", "/api/v1/jobs/" + id));
  std::printf("[INFO] Job %s cancelled.\n", id.c_str());
  return Status::Ok();
}

Status StopJob(const std::string& server, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(std::string body, JobAction(server, "POST", "/api/v1/jobs/" + id + "/stop"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t savepoint = 0;
  if (parser.parse(body).get(doc) == simdjson::SUCCESS) savepoint = Field<int64_t>(doc["savepoint"], 0);
  std::printf("[INFO] Job %s stopped with savepoint %lld; continue it with `sluice job resume %s`.\n", id.c_str(),
              static_cast<long long>(savepoint), id.c_str());
  return Status::Ok();
}

Status ResumeJob(const std::string& server, const std::string& id, int parallelism) {
  SLUICE_ASSIGN_OR_RETURN(
      std::string body,
      JobAction(server, "POST", "/api/v1/jobs/" + id + "/resume",
                parallelism > 0 ? fmt::format("{{\"parallelism\":{}}}", parallelism) : std::string()));
  if (parallelism > 0) {
    std::printf("[INFO] Job %s resumed from its savepoint with parallelism %d.\n", id.c_str(), parallelism);
  } else {
    std::printf("[INFO] Job %s resumed from its savepoint.\n", id.c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddJobCommands(CLI::App& app, int* exit_code) {
  auto server = std::make_shared<std::string>("127.0.0.1:8080");
  CLI::App* job = app.add_subcommand("job", "SQL jobs running in a Sluice server (submit them with `sluice sql -f`)");
  job->require_subcommand(1);
  job->add_option("--server", *server, "The server's HTTP address (its --http-listen)")->capture_default_str();
  CLI::App* list = job->add_subcommand("list", "List the server's jobs: state, checkpoints, errors");
  list->callback([server, exit_code] { *exit_code = ReportError(ListJobs(*server)); });
  auto id = std::make_shared<std::string>();
  CLI::App* cancel = job->add_subcommand("cancel", "Stop a running job for good");
  cancel->add_option("id", *id, "The job id (from `sluice job list`)")->required();
  cancel->callback([server, id, exit_code] { *exit_code = ReportError(CancelJob(*server, *id)); });
  CLI::App* stop = job->add_subcommand(
      "stop", "Take a savepoint of a running job, publish its output and stop it (resume it later)");
  stop->add_option("id", *id, "The job id")->required();
  stop->add_flag("--savepoint")->description("Take a savepoint (always done; accepted for Flink users)");
  stop->callback([server, id, exit_code] { *exit_code = ReportError(StopJob(*server, *id)); });
  CLI::App* resume = job->add_subcommand("resume", "Continue a stopped job from its savepoint");
  resume->add_option("id", *id, "The job id")->required();
  resume->add_flag("--from-savepoint")
      ->description("Resume from the job's savepoint (always done; accepted for Flink users)");
  auto parallelism = std::make_shared<int>(0);
  resume
      ->add_option("-p,--parallelism", *parallelism,
                   "Worker threads per dataflow from now on (key groups are redistributed); default: as before")
      ->check(CLI::Range(1, 1024));
  resume->callback(
      [server, id, parallelism, exit_code] { *exit_code = ReportError(ResumeJob(*server, *id, *parallelism)); });
}

}  // namespace sluice::cli
