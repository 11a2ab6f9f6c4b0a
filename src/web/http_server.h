#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/status.h"

namespace sluice::web {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
};

// The server's HTTP endpoint (REST API, /metrics, dashboard), on cpp-httplib.
// Today it serves /healthz and /api/v1/version; later issues add routes.
//
// Thread-safety: Start() and Stop() from one owning thread; requests are
// served on cpp-httplib's own thread pool.
// Lifetime: Stop() (or the destructor) joins the listener thread.
class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the port (port 0 picks a free one) and starts serving.
  Status Start();
  void Stop();
  // The port actually bound; valid after Start().
  int port() const { return bound_port_; }

 private:
  struct Impl;  // keeps <httplib.h> out of this header
  std::unique_ptr<Impl> impl_;
  HttpServerOptions options_;
  int bound_port_ = 0;
  std::thread thread_;
};

}  // namespace sluice::web
