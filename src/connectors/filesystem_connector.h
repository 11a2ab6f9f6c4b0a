#pragma once

#include <memory>

#include "engine/connector_registry.h"

namespace sluice::connectors {

// 'connector' = 'filesystem': JSON lines or CSV files.
//
// As a source: 'path' is a file or a directory (every file in it whose name
// does not start with '.' or '_', in name order), one split per file,
// bounded: the job ends when every file is read. Undecodable lines are
// skipped, counted and reported with file and line (DeadLetters). A
// reader's position is the file name and the byte offset after its last
// line (format in filesystem_connector.cc); resuming checks that split N is
// still the same file.
//
// As a sink: 'path' is a directory. Each writer (engine task) writes its own
// hidden in-progress part file (".part-<sinkid>-<writer>-<n>.inprogress",
// <sinkid> random per sink instance) that becomes visible
// ("part-<sinkid>-<writer>-<n>.json") only when committed. Committing
// fsyncs the file, renames it and fsyncs the directory, so a visible file
// is complete. Exactly-once with checkpoints (transactional): PreCommit
// closes the writer's part file and hands back the names of its pending
// parts; Commit renames them; Recover commits a stored checkpoint's parts
// again (idempotent) and deletes the crashed instance's hidden parts that
// no handle lists. A part closed early by 'sink.rolling-policy.file-size'
// (default 128 MiB; also '128mb', '1 kb') or
// 'sink.rolling-policy.rollover-interval' still waits for its checkpoint. Without checkpoints (no
// PreCommit or Recover ever called) a part is published when it rolls and
// when the job finishes. Finish() publishes everything still pending.
// Append-only: an update or delete row is an error.
//
// PARTITIONED BY (Flink's layout): rows go to part files under
// 'path'/c1=v1/c2=v2/ (values escaped as Flink does: "10:00" is "10%3A00";
// NULL or '' is __DEFAULT_PARTITION__), without the partition columns. With
// 'sink.partition-commit.policy.kind' = 'success-file', a partition gets a
// _SUCCESS file once its trigger fires: 'partition-time' when a completed
// checkpoint's watermark passes the partition time (from
// 'partition.time-extractor.timestamp-pattern') + 'sink.partition-commit.delay',
// 'process-time' when the wall clock passes its first write + delay (both
// checked when a checkpoint commits), and every partition at the end of a
// bounded input. As a source, a partitioned directory gives the partition
// columns their values from the directory names. Details and the options:
// src/connectors/README.md.
std::shared_ptr<engine::ConnectorFactory> NewFilesystemConnector();

}  // namespace sluice::connectors
