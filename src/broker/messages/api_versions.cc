#include "broker/messages/api_versions.h"

#include "broker/protocol/api_keys.h"

namespace sluice::broker {

void DecodeApiVersionsRequest(WireReader& r, int16_t version) {
  if (version >= 3) {
    r.CompactString();  // ClientSoftwareName
    r.CompactString();  // ClientSoftwareVersion
    r.SkipTaggedFields();
  }
}

void EncodeApiVersionsResponse(WireWriter& w, int16_t version, ErrorCode error) {
  const bool flexible = version >= 3;
  w.Int16(Wire(error));
  auto apis = SupportedApis();
  if (flexible) {
    w.CompactArrayLength(static_cast<int32_t>(apis.size()));
  } else {
    w.ArrayLength(static_cast<int32_t>(apis.size()));
  }
  for (const auto& api : apis) {
    w.Int16(static_cast<int16_t>(api.key));
    w.Int16(api.min_version);
    w.Int16(api.max_version);
    if (flexible) w.EmptyTaggedFields();
  }
  if (version >= 1) w.Int32(0);  // ThrottleTimeMs
  if (flexible) w.EmptyTaggedFields();
}

}  // namespace sluice::broker
