#pragma once

#include <cstdint>

#include "common/strong_id.h"

namespace sluice {

// Identifiers shared across modules. Each one is its own type; see strong_id.h.
using Offset = StrongId<struct OffsetTag, int64_t>;            // position of a record in a partition
using PartitionId = StrongId<struct PartitionIdTag, int32_t>;  // partition number within a topic
using EventTime = StrongId<struct EventTimeTag, int64_t>;      // event time, ms since the Unix epoch
using CheckpointId = StrongId<struct CheckpointIdTag, int64_t>;
using KeyGroup = StrongId<struct KeyGroupTag, int32_t>;  // unit of state ownership in the engine

}  // namespace sluice
