#pragma once

#include <string>

#include "connectors/nexmark/nexmark_event.h"

namespace sluice::connectors::nexmark {

// One event as a JSON object in the shape of the Nexmark Flink setup's wide
// row: {"event_type": 0|1|2, "person": {...}|null, "auction": {...}|null,
// "bid": {...}|null}, with Flink's field names (emailAddress, creditCard,
// itemName, initialBid, dateTime, ...) and times as "yyyy-MM-dd HH:mm:ss.SSS".
// Appends to `out` without a trailing newline.
void AppendEventJson(const Event& event, std::string* out);

}  // namespace sluice::connectors::nexmark
