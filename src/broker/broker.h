#pragma once

#include <memory>

#include "broker/kafka_handler.h"
#include "broker/kafka_server.h"
#include "common/status.h"

namespace sluice::log {
class Log;
}

namespace sluice::broker {

// The Kafka-compatible face of a Sluice server: TCP server + request handler
// + group coordinator over one Log.
//
// Thread-safety: Start()/Stop() from one owning thread.
// Lifetime: the Log must outlive the Broker; Stop() (or the destructor)
// finishes every connection before returning.
class Broker {
 public:
  Broker(BrokerOptions options, KafkaServerOptions server_options, log::Log& log);
  ~Broker();

  Status Start();
  void Stop();
  // The bound port (useful with port 0).
  int port() const { return server_->port(); }

 private:
  GroupCoordinator coordinator_;
  std::unique_ptr<KafkaHandler> handler_;
  std::unique_ptr<KafkaServer> server_;
  bool advertise_listen_address_;
  std::string listen_host_;
};

}  // namespace sluice::broker
