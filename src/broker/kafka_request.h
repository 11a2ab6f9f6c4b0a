#pragma once

// Internal to the broker: one request in flight inside KafkaHandler.

#include <functional>
#include <string>
#include <vector>

#include "broker/kafka_handler.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

struct KafkaHandler::Request {
  Request(std::vector<uint8_t> f, RequestContext c, Responder r)
      : frame(std::move(f)), reader(std::span<uint8_t>(frame)), ctx(std::move(c)), respond(std::move(r)) {}

  // Owns the bytes that decoded strings and record sets point into.
  std::vector<uint8_t> frame;
  WireReader reader;
  RequestHeader header;
  RequestContext ctx;
  Responder respond;

  int16_t version() const { return header.api_version; }

  // Encodes size prefix + response header + whatever `body` writes, and sends it.
  template <typename Fn>
  void Reply(Fn&& body) {
    std::string out;
    WireWriter w(&out);
    size_t size_pos = w.Reserve32();
    EncodeResponseHeader(w, header);
    body(w);
    w.Patch32(size_pos, static_cast<int32_t>(out.size() - 4));
    respond(std::move(out));
  }

  // A decoding failure with the API and position, for the connection's log line.
  Status DecodeError() const;
};

}  // namespace sluice::broker
