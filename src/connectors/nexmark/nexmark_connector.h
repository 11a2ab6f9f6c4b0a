#pragma once

#include <memory>

#include "engine/connector_registry.h"

namespace sluice::connectors {

// 'connector' = 'nexmark': one of the three Nexmark streams, generated
// in-process (no JSON in between). The Flink setup declares one wide table
// with nested person/auction/bid rows and three views over it; Sluice has no
// ROW type yet, so a table names its stream directly and the views' queries
// run unchanged:
//
//   CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING,
//                     url STRING, dateTime TIMESTAMP(3), extra STRING,
//                     WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
//   WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid', 'events.num' = '1000000');
//
// Options: 'nexmark.table' ('bid' | 'auction' | 'person'), 'events.num'
// (events of all three kinds to generate; unset = unbounded),
// 'first-event.rate' (events per second of event time, default 10000),
// 'nexmark.seed' (default 0: the public generator's seeds). Columns are
// matched by name to the stream's fields (Flink's names: dateTime,
// emailAddress, itemName, initialBid, ...). Tables over the same options see
// the same events, so joins across streams line up. Source only.
std::shared_ptr<engine::ConnectorFactory> NewNexmarkConnector();

}  // namespace sluice::connectors
