#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "common/ids.h"
#include "common/status.h"
#include "log/record_batch.h"

namespace sluice::log {

class Partition;

// Reads the records of one partition in offset order, starting at an offset:
// fetches whole batches (Partition::Read), decodes them (any codec), skips
// the records before the start that share its first batch, and steps over
// offsets compaction removed. For in-process consumers: the engine's topic
// connector, the consumer-offset store, tools.
//
//   PartitionReader reader(partition, Offset{0});
//   Record r;
//   while (reader.Next(&r)) Use(r);   // false at the high watermark (or on error)
//   SLUICE_RETURN_IF_ERROR(reader.status());
//
// Thread-safety: not thread-safe; one per consumer. The partition may be
// appended to meanwhile: Next() returns false at the current end and picks up
// new data when called again.
// Lifetime: Record views point into the reader's buffers and stay valid
// until the next call to Next().
class PartitionReader {
 public:
  PartitionReader(std::shared_ptr<const Partition> partition, Offset from, size_t fetch_bytes = 1 << 20);

  // The next record at or after next_offset(); false at the end of the data
  // for now (status() OK) or on an error (kOutOfRange if retention removed
  // the position, kCorruption for a damaged batch).
  bool Next(Record* out);
  // The offset the next record will have at least.
  Offset next_offset() const { return next_; }
  const Status& status() const { return status_; }

 private:
  bool Fetch();
  std::shared_ptr<const Partition> partition_;
  size_t fetch_bytes_;
  Offset next_;
  std::string buffer_;
  std::span<const uint8_t> rest_;  // batches fetched but not yet opened
  RecordIterator records_;
  bool in_batch_ = false;
  Offset batch_end_{0};  // one past the last offset of the batch being read
  Status status_;
};

}  // namespace sluice::log
