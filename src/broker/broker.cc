#include "broker/broker.h"

#include "common/logging.h"

namespace sluice::broker {

Broker::Broker(BrokerOptions options, KafkaServerOptions server_options, log::Log& log)
    : advertise_listen_address_(options.advertised_port == 0), listen_host_(server_options.host) {
  handler_ = std::make_unique<KafkaHandler>(std::move(options), log, coordinator_);
  server_ = std::make_unique<KafkaServer>(std::move(server_options), *handler_);
}

Broker::~Broker() { Stop(); }

Status Broker::Start() {
  SLUICE_RETURN_IF_ERROR(server_->Start([this] { coordinator_.Tick(); }));
  if (advertise_listen_address_) {
    // Clients reconnect to whatever Metadata advertises, so it must be a
    // reachable address: the bound one, with 0.0.0.0 narrowed to loopback.
    std::string host = listen_host_ == "0.0.0.0" || listen_host_ == "::" ? "127.0.0.1" : listen_host_;
    handler_->SetAdvertisedAddress(host, server_->port());
  }
  return Status::Ok();
}

void Broker::Stop() { server_->Stop(); }

}  // namespace sluice::broker
