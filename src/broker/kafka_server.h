#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace sluice::broker {

class KafkaHandler;

struct KafkaServerOptions {
  std::string host = "127.0.0.1";  // safe by default: loopback only
  int port = 9092;                 // 0 picks a free port
  int io_threads = 2;
  // Largest request frame accepted (Kafka's socket.request.max.bytes). A
  // bigger size prefix closes the connection before any allocation.
  int32_t max_frame_bytes = 100 << 20;
  int max_connections = 10000;
  // Requests read ahead of their responses on one connection; past this the
  // connection stops reading until responses go out (backpressure).
  int max_in_flight_per_connection = 256;
};

// The Kafka-protocol TCP server on asio: an acceptor plus a small pool of I/O
// threads; no thread per connection. Each connection reads size-prefixed
// frames, hands them to the KafkaHandler as they arrive (pipelining) and
// writes responses strictly in request order.
//
// Thread-safety: Start()/Stop() from one owning thread.
// Lifetime: the handler must outlive the server; Stop() (or the destructor)
// closes every connection and joins the I/O threads.
class KafkaServer {
 public:
  KafkaServer(KafkaServerOptions options, KafkaHandler& handler);
  ~KafkaServer();
  KafkaServer(const KafkaServer&) = delete;
  KafkaServer& operator=(const KafkaServer&) = delete;

  // Binds and starts accepting. `on_tick`, if set, runs every 100 ms on an
  // I/O thread (the group coordinator's session expiry).
  Status Start(std::function<void()> on_tick = nullptr);
  void Stop();
  int port() const;
  size_t connection_count() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::broker
