#pragma once

#include <memory>
#include <string>

#include "engine/connector_registry.h"

namespace sluice::log {
class Log;
}

namespace sluice::connectors {

// 'connector' = 'topic': a topic of Sluice's log. Inside the process that
// owns the log (`sluice server`, `sluice run --data-dir`) it reads and writes
// the log directly; elsewhere (or with 'properties.bootstrap.servers') it
// talks the Kafka protocol to a Sluice server.
// 'connector' = 'kafka': the same over librdkafka against any Kafka-protocol
// cluster; 'properties.bootstrap.servers' is required.
//
// Options (Flink's names): 'topic'; 'format' ('json' | 'csv');
// 'scan.startup.mode' ('earliest-offset' (default) | 'latest-offset' |
// 'group-offsets' with 'properties.group.id' | 'timestamp' with
// 'scan.startup.timestamp-millis'); 'scan.bounded.mode' ('unbounded'
// (default) | 'latest-offset': stop at the end offsets seen when the job
// starts, so a batch query over a topic finishes); sink: 'key.fields'
// ('a;b') and 'key.format' ('json' | 'raw').
// Metadata columns (`col TYPE METADATA FROM 'k'`): 'partition', 'offset',
// 'timestamp' (the record's; writable on a sink), 'key', 'topic'.
// One split per partition; a reader's position is its next offset (format
// in topic_source.h). Sinks are append-only and partition keyed rows with
// Kafka's murmur2 partitioner, unkeyed rows round-robin. On the embedded
// log the sink is exactly-once with checkpoints (staged batches of an
// idempotent producer, topic_sinks.cc); through librdkafka it is
// at-least-once.
std::shared_ptr<engine::ConnectorFactory> NewTopicConnector(log::Log* log, std::string default_bootstrap);
std::shared_ptr<engine::ConnectorFactory> NewKafkaConnector();
// 'upsert-kafka' (a sink for updating queries): the PRIMARY KEY is the record
// key; +I/+U rows are records, -U/-D rows tombstones (Flink's rule: a -U
// not followed by a +U, after a HAVING, deletes the key).
std::shared_ptr<engine::ConnectorFactory> NewUpsertKafkaConnector();

}  // namespace sluice::connectors
