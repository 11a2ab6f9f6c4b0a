#pragma once

// Kafka RecordBatch v2 (magic 2): the unit the log stores, byte for byte as a
// producer sent it. Format: docs/format/log.md ("Record batches").
//
//   offset  size  field
//        0     8  baseOffset            (rewritten by the log; not under the CRC)
//        8     4  batchLength           (bytes after this field)
//       12     4  partitionLeaderEpoch
//       16     1  magic                 (= 2)
//       17     4  crc                   (CRC-32C of bytes 21..end)
//       21     2  attributes            (bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control)
//       23     4  lastOffsetDelta
//       27     8  baseTimestamp
//       35     8  maxTimestamp
//       43     8  producerId
//       51     2  producerEpoch
//       53     4  baseSequence
//       57     4  recordCount
//       61     …  records (compressed as a whole when the codec is not none)
//
// All integers big-endian; inside records, lengths and deltas are zigzag varints.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/result.h"
#include "log/compression.h"

namespace sluice::log {

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kBatchLogOverhead = 12;  // baseOffset + batchLength precede the counted bytes
inline constexpr size_t kBatchCrcOffset = 17;
inline constexpr size_t kBatchCrcStart = 21;  // the CRC covers attributes..end
inline constexpr int8_t kMagicV2 = 2;
inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int64_t kNoProducerId = -1;
// Largest decompressed record payload accepted for one batch.
inline constexpr size_t kMaxDecompressedBatchBytes = 64u << 20;

enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// The 61-byte header, decoded.
struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = kNoTimestamp;
  int64_t max_timestamp = kNoTimestamp;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  TimestampType timestamp_type() const {
    return (attributes & 0x8) ? TimestampType::kLogAppendTime : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & 0x10; }
  bool is_control() const { return attributes & 0x20; }
  size_t total_size() const { return kBatchLogOverhead + static_cast<size_t>(batch_length); }
  Offset base() const { return Offset{base_offset}; }
  Offset last_offset() const { return Offset{base_offset + last_offset_delta}; }
};

// Decodes the header at `p` (at least kBatchHeaderSize readable bytes); no checks.
RecordBatchHeader DecodeBatchHeader(const uint8_t* p);
// Reads only baseOffset and batchLength (the first 12 bytes).
int64_t PeekBaseOffset(const uint8_t* p);
int32_t PeekBatchLength(const uint8_t* p);

// A validated view over one batch at the start of a byte range. Holds no
// memory: the bytes must outlive the view.
// Thread-safety: a value type; const methods may be called concurrently.
class RecordBatchView {
 public:
  // Checks that a whole batch is present: header size, magic 2, batchLength in
  // bounds, recordCount and lastOffsetDelta sane. Does not check the CRC.
  // kCorruption for malformed bytes; kUnsupported for another magic.
  static Result<RecordBatchView> Parse(std::span<const uint8_t> bytes);

  // kCorruption when the stored CRC does not match the bytes.
  Status VerifyCrc() const;
  uint32_t ComputeCrc() const;

  const RecordBatchHeader& header() const { return header_; }
  // The whole batch, header included.
  std::span<const uint8_t> bytes() const { return bytes_; }
  // The records section (compressed when the codec is not none).
  std::span<const uint8_t> records_bytes() const { return bytes_.subspan(kBatchHeaderSize); }

 private:
  RecordBatchView(RecordBatchHeader h, std::span<const uint8_t> b) : header_(h), bytes_(b) {}
  RecordBatchHeader header_;
  std::span<const uint8_t> bytes_;
};

// Rewrites baseOffset in place. The CRC does not cover it, so the batch stays valid.
void SetBaseOffset(std::span<uint8_t> batch, Offset base);
// Rewrites maxTimestamp and sets the LogAppendTime attribute; recomputes the CRC.
void SetLogAppendTime(std::span<uint8_t> batch, int64_t timestamp_ms);

// One header of a record.
struct RecordHeader {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One decoded record. Views point into the batch or the iterator's
// decompression buffer: valid until the iterator advances to the next batch.
struct Record {
  Offset offset;
  int32_t offset_delta = 0;
  int64_t timestamp = 0;  // absolute, ms (the batch's maxTimestamp under LogAppendTime)
  int8_t attributes = 0;
  std::optional<std::string_view> key;    // nullopt = null key
  std::optional<std::string_view> value;  // nullopt = tombstone
  int32_t header_count = 0;
  std::string_view headers_bytes;  // encoded headers; decode with DecodeRecordHeaders
};

// Decodes the headers of `record` into `out` (cleared first).
Status DecodeRecordHeaders(const Record& record, std::vector<RecordHeader>* out);

// Walks the records of one batch, decompressing it first when needed.
// Reuse one iterator across batches: its decompression buffer is kept.
//
//   RecordIterator it;
//   SLUICE_RETURN_IF_ERROR(it.Reset(view));
//   Record r;
//   while (it.Next(&r)) Use(r);
//   SLUICE_RETURN_IF_ERROR(it.status());
//
// Thread-safety: not thread-safe.
class RecordIterator {
 public:
  RecordIterator() = default;
  // Starts over on `batch` (whose bytes must outlive the iteration).
  Status Reset(const RecordBatchView& batch);
  // Fills `out` with the next record; false at the end or on error (see status()).
  bool Next(Record* out);
  // kCorruption when a record was malformed or the count did not match.
  const Status& status() const { return status_; }

 private:
  bool Fail(std::string what);
  RecordBatchHeader header_;
  std::string buffer_;
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  int32_t remaining_ = 0;
  Status status_;
};

// Options of a batch under construction.
struct BatchOptions {
  Compression compression = Compression::kNone;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  Offset base_offset{0};
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
};

// Encodes records into a valid RecordBatch v2.
//
//   RecordBatchBuilder b({.compression = Compression::kZstd});
//   b.Add(ts, "k", "v");
//   std::string wire;
//   SLUICE_RETURN_IF_ERROR(b.Finish(&wire));   // appends one batch
//
// Thread-safety: not thread-safe. Reuses its scratch memory across batches.
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(BatchOptions options = {});
  // Starts a new batch, keeping scratch memory.
  void Reset(BatchOptions options);
  void Reset() { Reset(options_); }

  // Adds a record with the next offset delta (0, 1, 2, …).
  void Add(int64_t timestamp_ms, std::optional<std::string_view> key, std::optional<std::string_view> value,
           std::span<const RecordHeader> headers = {});
  // Adds a record at an explicit offset delta, which must exceed the previous
  // one (compaction keeps the surviving records' original offsets).
  void AddAt(int32_t offset_delta, int64_t timestamp_ms, std::optional<std::string_view> key,
             std::optional<std::string_view> value, std::span<const RecordHeader> headers = {});
  // Makes lastOffsetDelta at least `delta` (a compacted batch keeps its offset range).
  void SetLastOffsetDelta(int32_t delta) { min_last_offset_delta_ = delta; }

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Uncompressed size of the batch if finished now.
  size_t uncompressed_size() const { return kBatchHeaderSize + records_.size(); }

  // Appends the encoded batch to `out`; the builder is then Reset() for the next batch.
  Status Finish(std::string* out);

 private:
  BatchOptions options_;
  std::string records_;
  std::string compressed_;
  int32_t count_ = 0;
  int32_t last_delta_ = -1;
  int32_t min_last_offset_delta_ = 0;
  int64_t first_timestamp_ = kNoTimestamp;
  int64_t max_timestamp_ = kNoTimestamp;
};

// Zigzag varints as Kafka encodes them (exposed for tests and the fuzzer).
void AppendVarint(std::string* out, int64_t v);
// Decodes a varint of at most `max_bytes` (5 for int32, 10 for int64); false if malformed.
bool ReadVarint(const uint8_t** p, const uint8_t* end, int max_bytes, int64_t* out);

}  // namespace sluice::log
