#include "common/status.h"

#include <cstring>

namespace sluice {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "Invalid argument";
    case StatusCode::kNotFound: return "Not found";
    case StatusCode::kAlreadyExists: return "Already exists";
    case StatusCode::kOutOfRange: return "Out of range";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kResourceExhausted: return "Resource exhausted";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kTimeout: return "Timeout";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kUnsupported: return "Unsupported";
    case StatusCode::kInternal: return "Internal error";
  }
  return "Unknown";
}

Status Status::IoErrorFromErrno(std::string_view op, std::string_view what, int err) {
  std::string m;
  m.append(op).append(" ").append(what).append(": ").append(std::strerror(err));
  return IoError(std::move(m));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  if (!message_.empty()) s.append(": ").append(message_);
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m.append(": ").append(message_);
  return Status(code_, std::move(m));
}

}  // namespace sluice
