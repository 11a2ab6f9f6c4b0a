#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace sluice {

// Why an operation failed. Each protocol maps these to its own codes in
// exactly one place (Kafka error codes in broker, HTTP statuses in web, exit
// codes in cli).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong (bad SQL, bad config)
  kNotFound,         // topic, partition, file, job does not exist
  kAlreadyExists,
  kOutOfRange,         // offset before the log start or past the end
  kCorruption,         // bytes on disk or on the wire fail a check (CRC, magic)
  kIoError,            // the OS refused (disk full, permission)
  kResourceExhausted,  // a configured limit was hit (message size, memory)
  kUnavailable,        // try again later (shutting down, not ready)
  kTimeout,
  kCancelled,
  kUnsupported,  // a feature or protocol version Sluice does not have
  kInternal,     // a bug in Sluice
};

std::string_view StatusCodeName(StatusCode code);

// The outcome of an operation that can fail for a reason outside the program.
// Cheap when OK (no allocation); carries a human message otherwise that says
// what was wrong, where, and what to do.
//
// Thread-safety: a value type; distinct instances may be used concurrently.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // An I/O failure described by errno, e.g. IoErrorFromErrno("open", path, errno).
  static Status IoErrorFromErrno(std::string_view op, std::string_view what, int err);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Corruption: bad CRC in segment 00000000000000000042.log at byte 1024".
  std::string ToString() const;

  // Prefixes the message with context, keeping the code:
  // s.WithContext("topic bids") -> "topic bids: <message>".
  Status WithContext(std::string_view context) const;

  // Deliberately drops an error the caller has decided not to act on.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace sluice

// Returns from the enclosing function when `expr` yields a non-OK Status.
#define SLUICE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::sluice::Status sluice_status_ = (expr);        \
    if (!sluice_status_.ok()) return sluice_status_; \
  } while (0)
