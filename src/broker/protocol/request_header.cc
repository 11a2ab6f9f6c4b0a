#include "broker/protocol/request_header.h"

#include "broker/protocol/api_keys.h"

namespace sluice::broker {

bool IsFlexible(int16_t api_key, int16_t api_version) {
  auto api = FindApi(api_key);
  return api && api_version >= api->first_flexible && api_version <= api->max_version;
}

RequestHeader DecodeRequestHeader(WireReader& r) {
  RequestHeader h;
  h.api_key = r.Int16();
  h.api_version = r.Int16();
  h.correlation_id = r.Int32();
  h.client_id = r.NullableString();
  if (IsFlexible(h.api_key, h.api_version)) r.SkipTaggedFields();
  return h;
}

void EncodeResponseHeader(WireWriter& w, const RequestHeader& h) {
  w.Int32(h.correlation_id);
  if (h.api_key != static_cast<int16_t>(ApiKey::kApiVersions) && IsFlexible(h.api_key, h.api_version)) {
    w.EmptyTaggedFields();
  }
}

}  // namespace sluice::broker
