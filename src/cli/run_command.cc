// `sluice run` and `sluice sql`: SQL scripts run in this process through
// sql::Session, over the connectors of src/connectors.

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/data_dir_lock.h"
#include "cli/exit_codes.h"
#include "cli/job_client.h"
#include "cli/sql_commands.h"
#include "connectors/builtin_connectors.h"
#include "engine/sink.h"
#include "engine/value.h"
#include "log/log.h"
#include "sql/session.h"

namespace sluice::cli {
namespace {

struct RunFlags {
  std::string script;
  std::string data_dir;
  int parallelism = 1;
};

// Prints the rows of a bare SELECT as they arrive, one per line, as Flink's
// SQL client does in changelog mode: `+I[a, 1]`.
//
// Thread-safety: Write() is called by every worker; lines never interleave.
class PrintingSink : public engine::Sink {
 public:
  explicit PrintingSink(std::FILE* out) : out_(out) {}
  Status Write(const engine::Batch& batch) override {
    std::string text;
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      text += engine::RowKindName(batch.row_kind(row));
      text += '[';
      for (int c = 0; c < batch.num_columns(); ++c) {
        if (c) text += ", ";
        text += engine::Value::FromColumn(batch.column(c), row).ToString();
      }
      text += "]\n";
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::FILE* out_;
};

// Turns SIGINT/SIGTERM into Session::Cancel() while it lives: the running
// job stops (its sinks do not commit), the command returns Cancelled. The
// signals are blocked in every thread started after construction (the job's
// workers inherit the mask) and taken by one waiting thread.
class SignalCanceller {
 public:
  explicit SignalCanceller(sql::Session* session) : session_(session) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] {
      timespec tick{0, 100'000'000};  // re-check done_ every 100 ms
      while (!done_.load()) {
        int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
          std::fprintf(stderr, "sluice: cancelling (signal %d)\n", sig);
          session_->Cancel();
        }
      }
    });
  }
  ~SignalCanceller() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sql::Session* session_;
  sigset_t set_;
  sigset_t old_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Everything a session needs to live: the data-dir lock and embedded log
// (with --data-dir), the connector registry, the session.
struct Runtime {
  std::unique_ptr<DataDirLock> lock;
  std::unique_ptr<log::Log> log;
  engine::ConnectorRegistry registry;
  std::unique_ptr<sql::Session> session;
};

Result<std::unique_ptr<Runtime>> MakeRuntime(const RunFlags& flags) {
  auto rt = std::make_unique<Runtime>();
  connectors::ConnectorEnvironment env;
  engine::ConnectorContext ctx;
  ctx.parallelism = flags.parallelism;
  if (!flags.data_dir.empty()) {
    SLUICE_ASSIGN_OR_RETURN(rt->lock, DataDirLock::Acquire(flags.data_dir));
    std::filesystem::path dir = std::filesystem::absolute(flags.data_dir).lexically_normal();
    SLUICE_ASSIGN_OR_RETURN(rt->log, log::Log::Open(dir / "log", log::LogOptions{}));
    env.log = rt->log.get();
    ctx.data_dir = dir;
  }
  connectors::RegisterBuiltinConnectors(rt->registry, env);
  rt->session = std::make_unique<sql::Session>(&rt->registry, ctx);
  rt->session->set_output_callback([](const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  });
  rt->session->set_select_sink_factory(
      [](const engine::Schema& schema, sql::PlannedQuery::Changelog) -> Result<std::shared_ptr<engine::Sink>> {
        std::string header = "op";
        for (const auto& f : schema.fields()) header += " | " + f.name;
        std::fprintf(stdout, "%s\n", header.c_str());
        return std::shared_ptr<engine::Sink>(std::make_shared<PrintingSink>(stdout));
      });
  return rt;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read SQL script " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status RunScriptFile(const RunFlags& flags) {
  SLUICE_ASSIGN_OR_RETURN(std::string script, ReadFile(flags.script));
  SLUICE_ASSIGN_OR_RETURN(auto rt, MakeRuntime(flags));
  SignalCanceller canceller(rt->session.get());
  std::string out;
  Status st = rt->session->ExecuteScript(script, &out);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  if (!st.ok()) return st.WithContext(flags.script);
  return Status::Ok();
}

// True when `buffer` holds at least one complete statement: its last
// non-blank character is a `;` outside quotes and comments.
bool EndsStatement(const std::string& buffer) {
  bool in_single = false, in_back = false, in_line_comment = false, in_block = false;
  char last = 0;
  for (size_t i = 0; i < buffer.size(); ++i) {
    char c = buffer[i];
    char n = i + 1 < buffer.size() ? buffer[i + 1] : 0;
    if (in_line_comment) {
      if (c == '\n') in_line_comment = false;
      continue;
    }
    if (in_block) {
      if (c == '*' && n == '/') {
        in_block = false;
        ++i;
      }
      continue;
    }
    if (in_single) {
      if (c == '\'') in_single = false;
      last = c;
      continue;
    }
    if (in_back) {
      if (c == '`') in_back = false;
      last = c;
      continue;
    }
    if (c == '-' && n == '-') {
      in_line_comment = true;
      continue;
    }
    if (c == '/' && n == '*') {
      in_block = true;
      ++i;
      continue;
    }
    if (c == '\'') in_single = true;
    if (c == '`') in_back = true;
    if (!std::isspace(static_cast<unsigned char>(c))) last = c;
  }
  return !in_single && !in_back && !in_block && last == ';';
}

Status RunShell(const RunFlags& flags) {
  SLUICE_ASSIGN_OR_RETURN(auto rt, MakeRuntime(flags));
  SignalCanceller canceller(rt->session.get());  // Ctrl-C stops a running SELECT, not the shell
  bool tty = ::isatty(STDIN_FILENO);
  if (tty) {
    std::printf(
        "Sluice SQL shell (local, in-process). End statements with ';'. Ctrl-C stops a running query, Ctrl-D "
        "quits.\n"
        "A bare SELECT prints its rows as a changelog (+I, -U, +U, -D) until its sources end.\n");
  }
  std::string buffer;
  std::string line;
  Status last = Status::Ok();
  while (true) {
    if (tty) {
      std::printf(buffer.empty() ? "sluice> " : "     -> ");
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    buffer += line + "\n";
    if (!EndsStatement(buffer)) continue;
    std::string out;
    Status st = rt->session->ExecuteScript(buffer, &out);
    buffer.clear();
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    if (!st.ok()) {
      std::fprintf(stderr, "[ERROR] %s\n", st.message().c_str());
      last = st;
    }
  }
  if (!buffer.empty() && buffer.find_first_not_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument("input ended inside a statement (missing ';')");
  }
  // Piped input: a failed statement makes the exit code non-zero.
  return tty ? Status::Ok() : last;
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a SQL pipeline in this process: CREATE TABLE/VIEW, SET, INSERT INTO (all INSERTs together as one job). "
      "With only bounded sources it ends when they are drained, every window fired and every sink committed.");
  cmd->add_option("script", flags->script, "The SQL script, e.g. pipeline.sql")->required();
  cmd->add_option("--data-dir", flags->data_dir,
                  "Data dir whose embedded log 'topic' tables use (taken exclusively, like `sluice server`)");
  cmd->add_option("--parallelism", flags->parallelism, "Worker threads per dataflow (SET 'parallelism' overrides)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->callback([flags, exit_code] { *exit_code = ReportError(RunScriptFile(*flags)); });
}

void AddSqlCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<RunFlags>();
  auto server = std::make_shared<std::string>("127.0.0.1:8080");
  auto local = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "sql",
      "SQL shell: statements end with ';', a bare SELECT prints rows as a changelog (in this process). With -f, "
      "submits the script to a running server, where its job keeps running (see `sluice job list`).");
  cmd->add_option("-f,--file", flags->script, "Submit this SQL script to the server (or run it here with --local)");
  cmd->add_option("--server", *server, "The server's HTTP address (its --http-listen), for -f")->capture_default_str();
  cmd->add_flag("--local", *local, "With -f: run the script in this process, like `sluice run`");
  cmd->add_option("--data-dir", flags->data_dir, "Data dir whose embedded log 'topic' tables use (in-process)");
  cmd->add_option("--parallelism", flags->parallelism, "Worker threads per dataflow (in-process)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->callback([flags, server, local, exit_code] {
    if (flags->script.empty()) {
      *exit_code = ReportError(RunShell(*flags));
    } else if (*local) {
      *exit_code = ReportError(RunScriptFile(*flags));
    } else {
      *exit_code = ReportError(SubmitScript(*server, flags->script));
    }
  });
}

}  // namespace sluice::cli
