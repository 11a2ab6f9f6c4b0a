#include "cli/server_command.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/file.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <memory>

#include "cli/exit_codes.h"
#include "cli/listen_address.h"
#include "common/logging.h"
#include "common/version.h"
#include "web/http_server.h"

namespace sluice::cli {
namespace {

struct ServerFlags {
  std::string data_dir = "./sluice-data";
  std::string http_listen = "127.0.0.1:8080";
};

// Holds an exclusive flock on <data-dir>/LOCK so that two servers never
// share one data directory. Released when the process exits, even on kill -9.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create data dir " + dir.string() + ": " + ec.message());
    auto path = dir / "LOCK";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoErrorFromErrno("open", path.string(), errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Status::Unavailable("data dir " + dir.string() + " is in use by another sluice process");
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
  }
  ~DataDirLock() { ::close(fd_); }

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

Status RunServer(const ServerFlags& flags) {
  SLUICE_ASSIGN_OR_RETURN(ListenAddress http_addr, ParseListenAddress(flags.http_listen));

  // Block the stop signals before any thread starts so that every thread
  // inherits the mask and only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SLUICE_ASSIGN_OR_RETURN(auto lock, DataDirLock::Acquire(flags.data_dir));

  web::HttpServer http({http_addr.host, http_addr.port});
  SLUICE_RETURN_IF_ERROR(http.Start());

  SLUICE_LOG_INFO("server", "sluice {} started; data dir {}", Version(),
                  std::filesystem::absolute(flags.data_dir).lexically_normal().string());
  SLUICE_LOG_INFO("server", "HTTP listening on http://{}:{} (/healthz)", http_addr.host, http.port());
  SLUICE_LOG_INFO("server", "press Ctrl-C to stop");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  SLUICE_LOG_INFO("server", "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.Stop();
  SLUICE_LOG_INFO("server", "stopped cleanly");
  return Status::Ok();
}

}  // namespace

void AddServerCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* cmd = app.add_subcommand("server", "Run the Sluice server (log, engine, REST API) until SIGINT/SIGTERM");
  cmd->add_option("--data-dir", flags->data_dir, "Directory holding all durable state")->capture_default_str();
  cmd->add_option("--http-listen", flags->http_listen, "host:port of the HTTP API (port 0 picks a free port)")
      ->capture_default_str();
  cmd->callback([flags, exit_code] { *exit_code = ReportError(RunServer(*flags)); });
}

}  // namespace sluice::cli
