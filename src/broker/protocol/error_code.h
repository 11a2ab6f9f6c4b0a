#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace sluice::broker {

// Kafka protocol error codes (the subset Sluice returns). Wire values.
enum class ErrorCode : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kRequestTimedOut = 7,
  kMessageTooLarge = 10,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kUnsupportedSaslMechanism = 33,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidConfig = 40,
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kKafkaStorageError = 56,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kInvalidRecord = 87,
};

// The one place a Status becomes a Kafka error code. `fallback` is used for
// codes without a more precise Kafka equivalent in the calling API's context.
ErrorCode ErrorCodeFor(const Status& status, ErrorCode fallback = ErrorCode::kUnknownServerError);

std::string_view ErrorCodeName(ErrorCode code);

inline int16_t Wire(ErrorCode code) { return static_cast<int16_t>(code); }

}  // namespace sluice::broker
