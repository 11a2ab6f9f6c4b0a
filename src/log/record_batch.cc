#include "log/record_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "log/crc32c.h"

namespace sluice::log {
namespace {

// The smallest possible record: length, attributes, timestampDelta,
// offsetDelta, keyLength, valueLength, headerCount — one byte each.
constexpr size_t kMinRecordSize = 7;

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint64_t Be64(const uint8_t* p) { return (uint64_t{Be32(p)} << 32) | Be32(p + 4); }
void PutBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void PutBe32(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
void PutBe64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

void AppendBytesField(std::string* out, std::optional<std::string_view> v) {
  if (!v) {
    AppendVarint(out, -1);
    return;
  }
  AppendVarint(out, static_cast<int64_t>(v->size()));
  out->append(*v);
}

size_t VarintSize(int64_t v) {
  uint64_t u = ZigZag(v);
  size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Reads a nullable byte string (length varint, -1 = null).
bool ReadBytesField(const uint8_t** p, const uint8_t* end, std::optional<std::string_view>* out) {
  int64_t len;
  if (!ReadVarint(p, end, 5, &len)) return false;
  if (len < -1) return false;
  if (len == -1) {
    *out = std::nullopt;
    return true;
  }
  if (static_cast<uint64_t>(len) > static_cast<uint64_t>(end - *p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(*p), static_cast<size_t>(len));
  *p += len;
  return true;
}

}  // namespace

void AppendVarint(std::string* out, int64_t v) {
  uint64_t u = ZigZag(v);
  char buf[10];
  int n = 0;
  while (u >= 0x80) {
    buf[n++] = static_cast<char>((u & 0x7F) | 0x80);
    u >>= 7;
  }
  buf[n++] = static_cast<char>(u);
  out->append(buf, n);
}

bool ReadVarint(const uint8_t** p, const uint8_t* end, int max_bytes, int64_t* out) {
  // Most lengths and deltas fit in one byte.
  if (*p < end && !(**p & 0x80)) {
    uint64_t b = **p;
    ++*p;
    *out = static_cast<int64_t>(b >> 1) ^ -static_cast<int64_t>(b & 1);
    return true;
  }
  uint64_t u = 0;
  const uint8_t* q = *p;
  for (int i = 0; i < max_bytes; ++i) {
    if (q >= end) return false;
    uint8_t b = *q++;
    u |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      *p = q;
      *out = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
      if (max_bytes == 5 && (*out > INT32_MAX || *out < INT32_MIN)) return false;
      return true;
    }
  }
  return false;
}

RecordBatchHeader DecodeBatchHeader(const uint8_t* p) {
  RecordBatchHeader h;
  h.base_offset = static_cast<int64_t>(Be64(p));
  h.batch_length = static_cast<int32_t>(Be32(p + 8));
  h.partition_leader_epoch = static_cast<int32_t>(Be32(p + 12));
  h.magic = static_cast<int8_t>(p[16]);
  h.crc = Be32(p + 17);
  h.attributes = static_cast<int16_t>(Be16(p + 21));
  h.last_offset_delta = static_cast<int32_t>(Be32(p + 23));
  h.base_timestamp = static_cast<int64_t>(Be64(p + 27));
  h.max_timestamp = static_cast<int64_t>(Be64(p + 35));
  h.producer_id = static_cast<int64_t>(Be64(p + 43));
  h.producer_epoch = static_cast<int16_t>(Be16(p + 51));
  h.base_sequence = static_cast<int32_t>(Be32(p + 53));
  h.record_count = static_cast<int32_t>(Be32(p + 57));
  return h;
}

int64_t PeekBaseOffset(const uint8_t* p) { return static_cast<int64_t>(Be64(p)); }
int32_t PeekBatchLength(const uint8_t* p) { return static_cast<int32_t>(Be32(p + 8)); }

Result<RecordBatchView> RecordBatchView::Parse(std::span<const uint8_t> bytes) {
  if (bytes.size() < kBatchHeaderSize) {
    return Status::Corruption(
        fmt::format("record batch truncated: {} bytes, a v2 header alone is {}", bytes.size(), kBatchHeaderSize));
  }
  RecordBatchHeader h = DecodeBatchHeader(bytes.data());
  if (h.magic != kMagicV2) {
    return Status::Unsupported(
        fmt::format("record batch has magic {}; only magic 2 (Kafka 0.11+ RecordBatch v2) is "
                    "supported: upgrade the client or set its api.version.request",
                    h.magic));
  }
  if (h.batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) {
    return Status::Corruption(fmt::format("record batch length {} is smaller than its header", h.batch_length));
  }
  if (h.total_size() > bytes.size()) {
    return Status::Corruption(
        fmt::format("record batch truncated: header says {} bytes, {} present", h.total_size(), bytes.size()));
  }
  if (h.record_count < 0 || h.last_offset_delta < 0 || h.last_offset_delta < h.record_count - 1) {
    return Status::Corruption(
        fmt::format("record batch has recordCount {} and lastOffsetDelta {}", h.record_count, h.last_offset_delta));
  }
  if (h.compression() > Compression::kZstd) {
    return Status::Corruption(fmt::format("record batch uses unknown compression codec {}", h.attributes & 0x7));
  }
  if (h.compression() == Compression::kNone &&
      static_cast<uint64_t>(h.record_count) * kMinRecordSize > h.total_size() - kBatchHeaderSize) {
    return Status::Corruption(
        fmt::format("record batch claims {} records in {} bytes", h.record_count, h.total_size() - kBatchHeaderSize));
  }
  return RecordBatchView(h, bytes.first(h.total_size()));
}

uint32_t RecordBatchView::ComputeCrc() const {
  return Crc32c(bytes_.data() + kBatchCrcStart, bytes_.size() - kBatchCrcStart);
}

Status RecordBatchView::VerifyCrc() const {
  uint32_t actual = ComputeCrc();
  if (actual != header_.crc) {
    return Status::Corruption(
        fmt::format("record batch at base offset {} fails its CRC-32C (stored {:#010x}, "
                    "computed {:#010x}): the bytes were damaged",
                    header_.base_offset, header_.crc, actual));
  }
  return Status::Ok();
}

void SetBaseOffset(std::span<uint8_t> batch, Offset base) {
  PutBe64(batch.data(), static_cast<uint64_t>(base.value()));
}

void SetLogAppendTime(std::span<uint8_t> batch, int64_t timestamp_ms) {
  uint16_t attrs = Be16(batch.data() + 21);
  PutBe16(batch.data() + 21, attrs | 0x8);
  PutBe64(batch.data() + 35, static_cast<uint64_t>(timestamp_ms));
  PutBe32(batch.data() + kBatchCrcOffset, Crc32c(batch.data() + kBatchCrcStart, batch.size() - kBatchCrcStart));
}

Status DecodeRecordHeaders(const Record& record, std::vector<RecordHeader>* out) {
  out->clear();
  const auto* p = reinterpret_cast<const uint8_t*>(record.headers_bytes.data());
  const auto* end = p + record.headers_bytes.size();
  for (int32_t i = 0; i < record.header_count; ++i) {
    std::optional<std::string_view> key;
    RecordHeader h;
    if (!ReadBytesField(&p, end, &key) || !key || !ReadBytesField(&p, end, &h.value)) {
      return Status::Corruption(fmt::format("record at offset {} has a malformed header", record.offset.value()));
    }
    h.key = *key;
    out->push_back(h);
  }
  return Status::Ok();
}

bool RecordIterator::Fail(std::string what) {
  status_ = Status::Corruption(fmt::format("record batch at base offset {}: {}", header_.base_offset, what));
  remaining_ = 0;
  return false;
}

Status RecordIterator::Reset(const RecordBatchView& batch) {
  header_ = batch.header();
  status_ = Status::Ok();
  remaining_ = header_.record_count;
  auto records = batch.records_bytes();
  if (header_.compression() == Compression::kNone) {
    pos_ = records.data();
    end_ = records.data() + records.size();
    return Status::Ok();
  }
  buffer_.clear();
  Status s =
      Decompress(header_.compression(), std::string_view(reinterpret_cast<const char*>(records.data()), records.size()),
                 kMaxDecompressedBatchBytes, &buffer_);
  if (!s.ok()) {
    remaining_ = 0;
    status_ = s.WithContext(fmt::format("record batch at base offset {}", header_.base_offset));
    return status_;
  }
  pos_ = reinterpret_cast<const uint8_t*>(buffer_.data());
  end_ = pos_ + buffer_.size();
  return Status::Ok();
}

bool RecordIterator::Next(Record* out) {
  if (remaining_ <= 0) {
    if (status_.ok() && header_.record_count >= 0 && pos_ != end_ && remaining_ == 0) {
      pos_ = end_;
      return Fail("bytes left over after the last record");
    }
    return false;
  }
  int64_t length;
  if (!ReadVarint(&pos_, end_, 5, &length)) return Fail("malformed record length");
  if (length < 0 || length > end_ - pos_) return Fail(fmt::format("record length {} runs past the batch", length));
  const uint8_t* rec_end = pos_ + length;
  const uint8_t* p = pos_;
  if (p >= rec_end) return Fail("empty record");
  out->attributes = static_cast<int8_t>(*p++);
  int64_t ts_delta, offset_delta, header_count;
  if (!ReadVarint(&p, rec_end, 10, &ts_delta)) return Fail("malformed timestampDelta");
  if (!ReadVarint(&p, rec_end, 5, &offset_delta) || offset_delta < 0 || offset_delta > header_.last_offset_delta) {
    return Fail("malformed offsetDelta");
  }
  if (!ReadBytesField(&p, rec_end, &out->key)) return Fail("malformed key");
  if (!ReadBytesField(&p, rec_end, &out->value)) return Fail("malformed value");
  if (!ReadVarint(&p, rec_end, 5, &header_count) || header_count < 0 ||
      static_cast<uint64_t>(header_count) * 2 > static_cast<uint64_t>(rec_end - p)) {
    return Fail("malformed header count");
  }
  out->offset_delta = static_cast<int32_t>(offset_delta);
  out->offset = Offset{header_.base_offset + offset_delta};
  // Under LogAppendTime every record carries the time the log stamped on the batch.
  out->timestamp = header_.timestamp_type() == TimestampType::kLogAppendTime ? header_.max_timestamp
                                                                             : header_.base_timestamp + ts_delta;
  out->header_count = static_cast<int32_t>(header_count);
  out->headers_bytes = std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(rec_end - p));
  pos_ = rec_end;
  --remaining_;
  if (remaining_ == 0 && pos_ != end_) return Fail("bytes left over after the last record");
  return true;
}

RecordBatchBuilder::RecordBatchBuilder(BatchOptions options) { Reset(options); }

void RecordBatchBuilder::Reset(BatchOptions options) {
  options_ = options;
  records_.clear();
  count_ = 0;
  last_delta_ = -1;
  min_last_offset_delta_ = 0;
  first_timestamp_ = kNoTimestamp;
  max_timestamp_ = kNoTimestamp;
}

void RecordBatchBuilder::Add(int64_t timestamp_ms, std::optional<std::string_view> key,
                             std::optional<std::string_view> value, std::span<const RecordHeader> headers) {
  AddAt(last_delta_ + 1, timestamp_ms, key, value, headers);
}

void RecordBatchBuilder::AddAt(int32_t offset_delta, int64_t timestamp_ms, std::optional<std::string_view> key,
                               std::optional<std::string_view> value, std::span<const RecordHeader> headers) {
  if (count_ == 0) first_timestamp_ = timestamp_ms;
  max_timestamp_ = std::max(max_timestamp_, timestamp_ms);
  int64_t ts_delta = timestamp_ms - first_timestamp_;
  // Body size first: the record starts with its own length.
  size_t body = 1 + VarintSize(ts_delta) + VarintSize(offset_delta);
  body += key ? VarintSize(static_cast<int64_t>(key->size())) + key->size() : 1;
  body += value ? VarintSize(static_cast<int64_t>(value->size())) + value->size() : 1;
  body += VarintSize(static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    body += VarintSize(static_cast<int64_t>(h.key.size())) + h.key.size();
    body += h.value ? VarintSize(static_cast<int64_t>(h.value->size())) + h.value->size() : 1;
  }
  AppendVarint(&records_, static_cast<int64_t>(body));
  records_.push_back(0);  // record attributes: unused in v2
  AppendVarint(&records_, ts_delta);
  AppendVarint(&records_, offset_delta);
  AppendBytesField(&records_, key);
  AppendBytesField(&records_, value);
  AppendVarint(&records_, static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    AppendBytesField(&records_, h.key);
    AppendBytesField(&records_, h.value);
  }
  last_delta_ = offset_delta;
  ++count_;
}

Status RecordBatchBuilder::Finish(std::string* out) {
  std::string_view payload = records_;
  if (options_.compression != Compression::kNone) {
    compressed_.clear();
    SLUICE_RETURN_IF_ERROR(Compress(options_.compression, records_, &compressed_));
    payload = compressed_;
  }
  size_t start = out->size();
  out->resize(start + kBatchHeaderSize);
  out->append(payload);
  auto* h = reinterpret_cast<uint8_t*>(out->data() + start);
  size_t total = kBatchHeaderSize + payload.size();
  int16_t attributes = static_cast<int16_t>(options_.compression);
  if (options_.timestamp_type == TimestampType::kLogAppendTime) attributes |= 0x8;
  if (options_.transactional) attributes |= 0x10;
  if (options_.control) attributes |= 0x20;
  PutBe64(h, static_cast<uint64_t>(options_.base_offset.value()));
  PutBe32(h + 8, static_cast<uint32_t>(total - kBatchLogOverhead));
  PutBe32(h + 12, static_cast<uint32_t>(options_.partition_leader_epoch));
  h[16] = static_cast<uint8_t>(kMagicV2);
  PutBe16(h + 21, static_cast<uint16_t>(attributes));
  PutBe32(h + 23, static_cast<uint32_t>(std::max({last_delta_, min_last_offset_delta_, 0})));
  PutBe64(h + 27, static_cast<uint64_t>(first_timestamp_));
  PutBe64(h + 35, static_cast<uint64_t>(max_timestamp_));
  PutBe64(h + 43, static_cast<uint64_t>(options_.producer_id));
  PutBe16(h + 51, static_cast<uint16_t>(options_.producer_epoch));
  PutBe32(h + 53, static_cast<uint32_t>(options_.base_sequence));
  PutBe32(h + 57, static_cast<uint32_t>(count_));
  PutBe32(h + kBatchCrcOffset, Crc32c(h + kBatchCrcStart, total - kBatchCrcStart));
  Reset(options_);
  return Status::Ok();
}

}  // namespace sluice::log
