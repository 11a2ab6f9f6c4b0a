#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

// Request header v0-v2: api_key, api_version, correlation_id, client_id
// (a nullable *non-compact* string even in v2) and, for flexible versions,
// tagged fields.
struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string_view> client_id;
};

// Reads the header from the start of a request frame (after the size prefix).
// For an API and version Sluice implements, skips the v2 header's tagged
// fields; the reader is left at the request body.
RequestHeader DecodeRequestHeader(WireReader& r);

// Whether (api_key, api_version) uses the flexible encoding.
bool IsFlexible(int16_t api_key, int16_t api_version);

// Writes the response header: correlation id, plus tagged fields for flexible
// responses (ApiVersions' response header is always v0, so clients can read
// it before knowing which versions the server speaks).
void EncodeResponseHeader(WireWriter& w, const RequestHeader& h);

}  // namespace sluice::broker
