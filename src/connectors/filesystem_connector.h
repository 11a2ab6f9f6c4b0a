#pragma once

#include <memory>

#include "engine/connector_registry.h"

namespace sluice::connectors {

// 'connector' = 'filesystem': JSON lines or CSV files.
//
// As a source: 'path' is a file or a directory (every file in it whose name
// does not start with '.' or '_', in name order), one split per file,
// bounded: the job ends when every file is read. Undecodable lines are
// skipped, counted and reported with file and line (DeadLetters).
//
// As a sink: 'path' is a directory. Rows go to a hidden in-progress part
// file (".part-<id>-<n>.inprogress") that becomes visible
// ("part-<id>-<n>.json") only when committed: when it reaches
// 'sink.rolling-policy.file-size' (default 128 MiB) and when the job
// finishes. Committing fsyncs the file, renames it and fsyncs the directory,
// so a committed file is complete. Only committed files count as output.
// Append-only: an update or delete row is an error.
std::shared_ptr<engine::ConnectorFactory> NewFilesystemConnector();

}  // namespace sluice::connectors
