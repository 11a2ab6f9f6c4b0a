#pragma once

#include <cstdint>

#include "broker/protocol/error_code.h"
#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {

// ApiVersions v0-3. The request body is empty before v3; v3 names the client
// software (compact strings + tagged fields), which Sluice reads and ignores.
void DecodeApiVersionsRequest(WireReader& r, int16_t version);

// Lists every API of SupportedApis(). `version` is the version to encode the
// response in; for an unsupported request version Kafka answers in v0 with
// UNSUPPORTED_VERSION and the full list, so the client can pick a version.
void EncodeApiVersionsResponse(WireWriter& w, int16_t version, ErrorCode error);

}  // namespace sluice::broker
