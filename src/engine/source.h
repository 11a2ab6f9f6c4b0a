#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/batch.h"

namespace sluice::engine {

// How a source's watermarks follow its event times, per partition:
// watermark = (max event time seen so far) - max_out_of_orderness. A
// partition that yields no data for idle_timeout (processing time) stops
// holding the job's watermark back until it yields data again.
struct WatermarkStrategy {
  int64_t max_out_of_orderness_ms = 0;
  int64_t idle_timeout_ms = 0;  // 0: never considered idle

  static WatermarkStrategy BoundedDelay(std::chrono::milliseconds delay) { return WatermarkStrategy{delay.count(), 0}; }
  WatermarkStrategy WithIdleTimeout(std::chrono::milliseconds t) const {
    WatermarkStrategy s = *this;
    s.idle_timeout_ms = t.count();
    return s;
  }
};

enum class ReadStatus { kData, kNoDataNow, kEndOfInput };

// A record a reader could not decode (bad JSON or CSV, a wrong type), for the
// dead-letter output. Rare, so plain strings.
struct DeadLetter {
  std::string raw;       // the record's bytes as text (a line, a topic value)
  std::string reason;    // why it could not be decoded
  std::string position;  // "bids.jsonl line 7", "bids[0]@42"
  int64_t at_ms = 0;     // processing time when it was read
};

// The columns of a dead-letter output batch: raw, reason, position STRING,
// ts TIMESTAMP(3) (DeadLetter::at_ms).
const Schema& DeadLetterSchema();

// Reads one partition (split) of a source. Owned and called by one worker.
//
// Thread-safety: not thread-safe.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  // Fills `out` (cleared by the caller, schema of the source) with up to
  // out->capacity() rows. kNoDataNow: nothing available yet (an unbounded
  // source); kEndOfInput: the partition is drained (a bounded source), and
  // `out` is empty.
  virtual Result<ReadStatus> Read(Batch* out) = 0;
  // Rows skipped as unreadable (bad JSON, wrong types), for the metrics.
  virtual int64_t bad_records() const { return 0; }
  // From now on, append every record skipped as unreadable to `*out` (owned
  // by the caller, who drains it after each Read(), so the dead letters
  // before a Position() are taken with the rows it covers). A reader that
  // skips a batch's capacity of records in one Read() returns early to keep
  // `*out` small. Readers that cannot skip records ignore it.
  virtual void SetDeadLetterOutput(std::vector<DeadLetter>* out) { (void)out; }
  // Where reading stands: just after the last row Read() returned (rows a
  // reader prefetched but did not return are not covered). Opaque bytes that
  // OpenSplitAt() of the same source and split resumes from; a checkpoint
  // stores them, so their format is durable (document it in the connector,
  // version it). Unsupported: the source cannot resume, and a job that must
  // checkpoint fails to start.
  virtual Result<std::string> Position() const {
    return Status::Unsupported("this source cannot report a position to resume from");
  }
};

// A table of rows arriving over time, split into partitions that are read in
// parallel. The log/topic, Kafka and file connectors implement it.
//
// Thread-safety: OpenSplit() may be called from any thread, once per split.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::string name() const = 0;
  virtual const Schema& schema() const = 0;
  // The TIMESTAMP column that carries event time, or -1 (processing time only).
  virtual int event_time_column() const = 0;
  virtual WatermarkStrategy watermark_strategy() const = 0;
  virtual int num_splits() const = 0;
  // Non-empty: the rows are an upsert changelog keyed on these columns (+I/+U
  // "the row of key k is now this", -D "key k is gone", a -D possibly with
  // only the key set), as an 'upsert-kafka' table reads a compacted topic. A
  // planner puts a ChangelogNormalizeOperator keyed on them after it.
  // Wrappers must forward it.
  virtual std::vector<int> upsert_key() const { return {}; }
  // Whether rows carry row kinds (+I, -U, +U, -D): a retract changelog, such
  // as a 'debezium-json' topic. The query over it is updating. Wrappers must
  // forward it.
  virtual bool changelog() const { return false; }
  virtual Result<std::unique_ptr<SourceReader>> OpenSplit(int split) = 0;
  // Opens `split` to resume just after `position` (from Position() of a
  // reader of the same split, possibly in an earlier process). Replaying
  // from there must yield the same rows in the same order as the first run
  // did (for a log: same offsets; for files: same bytes).
  virtual Result<std::unique_ptr<SourceReader>> OpenSplitAt(int split, std::string_view position) {
    (void)split;
    (void)position;
    return Status::Unsupported("source " + name() + " cannot resume from a checkpointed position");
  }
};

}  // namespace sluice::engine
