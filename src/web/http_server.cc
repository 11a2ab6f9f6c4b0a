#include "web/http_server.h"

#include <httplib.h>

#include <chrono>

#include "common/version.h"

namespace sluice::web {

struct HttpServer::Impl {
  httplib::Server server;
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()), options_(std::move(options)) {
  auto& s = impl_->server;
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  s.Get("/api/v1/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string("{\"version\":\"") + Version() + "\"}\n", "application/json");
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  auto adapter = [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    r.body = req.body;
    for (size_t i = 1; i < req.matches.size(); ++i) r.captures.push_back(req.matches[i]);
    HttpResponse out = handler(r);
    res.status = out.status;
    res.set_content(out.body, out.content_type);
  };
  auto& s = impl_->server;
  if (method == "GET") {
    s.Get(pattern, adapter);
  } else if (method == "POST") {
    s.Post(pattern, adapter);
  } else if (method == "DELETE") {
    s.Delete(pattern, adapter);
  } else if (method == "PUT") {
    s.Put(pattern, adapter);
  }
}

Status HttpServer::Start() {
  auto& s = impl_->server;
  if (options_.port == 0) {
    bound_port_ = s.bind_to_any_port(options_.host.c_str());
    if (bound_port_ <= 0) return Status::IoError("cannot bind HTTP listener on " + options_.host);
  } else {
    if (!s.bind_to_port(options_.host.c_str(), options_.port)) {
      return Status::IoError("cannot bind HTTP listener on " + options_.host + ":" + std::to_string(options_.port) +
                             " (in use? choose another with --http-listen)");
    }
    bound_port_ = options_.port;
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  // cpp-httplib's stop() is a no-op until the accept loop runs, so a stop
  // signal arriving right after start would hang Stop(): wait for the loop.
  for (int i = 0; i < 5000 && !impl_->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!impl_->server.is_running()) return Status::Internal("HTTP listener thread did not start");
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  impl_->server.stop();
  thread_.join();
}

}  // namespace sluice::web
