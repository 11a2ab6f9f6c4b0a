#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace sluice::web {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
};

// A request as route handlers see it.
struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
  std::vector<std::string> captures;  // the route pattern's groups, in order
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// The server's HTTP endpoint (REST API, /metrics, dashboard), on cpp-httplib.
// It serves /healthz and /api/v1/version; owners add routes (the server adds
// /api/v1/jobs).
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

  // Adds a route before Start(): `method` GET/POST/DELETE, `pattern` a regex
  // over the path (e.g. "/api/v1/jobs/([A-Za-z0-9_-]+)"). Handlers run on the
  // server's thread pool and must be thread-safe.
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler);
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
