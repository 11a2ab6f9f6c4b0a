#include "log/segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "common/logging.h"
#include "log/record_batch.h"

namespace sluice::log {
namespace {

constexpr size_t kScanChunk = 256 << 10;
// Bytes of a header a scan needs: baseOffset .. lastOffsetDelta .. maxTimestamp.
constexpr size_t kScanHeaderBytes = 43;

Status PreadFully(int fd, uint8_t* buf, size_t n, uint64_t pos, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IoErrorFromErrno("pread", path.string(), errno);
    }
    if (r == 0) return Status::IoError(fmt::format("{}: unexpected end of file at byte {}", path.string(), pos + done));
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

// Reads a segment front to back in large chunks, yielding whole batches.
class BatchScanner {
 public:
  enum class Step { kBatch, kEnd, kTorn };
  BatchScanner(int fd, const std::filesystem::path& path, uint64_t pos, uint64_t end)
      : fd_(fd), path_(path), pos_(pos), end_(end) {}

  // On kBatch, `bytes` holds the whole batch (valid until the next call), and
  // `position` its start. kTorn: the bytes at position() are not a whole
  // batch (`why` says how); kEnd: clean end.
  Step Next(std::span<const uint8_t>* bytes, uint64_t* position, std::string* why) {
    if (!status_.ok()) return Step::kTorn;
    if (pos_ >= end_) return Step::kEnd;
    uint64_t left = end_ - pos_;
    if (left < kBatchHeaderSize) {
      *why = fmt::format("{} trailing bytes, less than a batch header", left);
      return Step::kTorn;
    }
    if (!Ensure(kBatchHeaderSize)) return Step::kTorn;
    const uint8_t* p = buf_.data() + (pos_ - buf_pos_);
    int32_t len = PeekBatchLength(p);
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) ||
        static_cast<uint64_t>(len) + kBatchLogOverhead > left) {
      *why = fmt::format("batch length {} at byte {} runs past the end ({} bytes left)", len, pos_, left);
      return Step::kTorn;
    }
    size_t total = static_cast<size_t>(len) + kBatchLogOverhead;
    if (!Ensure(total)) return Step::kTorn;
    *bytes = std::span<const uint8_t>(buf_.data() + (pos_ - buf_pos_), total);
    *position = pos_;
    pos_ += total;
    return Step::kBatch;
  }
  uint64_t position() const { return pos_; }
  const Status& status() const { return status_; }

 private:
  // Makes [pos_, pos_ + n) available in buf_.
  bool Ensure(size_t n) {
    if (pos_ >= buf_pos_ && pos_ + n <= buf_pos_ + buf_len_) return true;
    size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kScanChunk), end_ - pos_));
    if (buf_.size() < want) buf_.resize(want);
    status_ = PreadFully(fd_, buf_.data(), want, pos_, path_);
    if (!status_.ok()) return false;
    buf_pos_ = pos_;
    buf_len_ = want;
    return true;
  }

  int fd_;
  const std::filesystem::path& path_;
  uint64_t pos_;
  uint64_t end_;
  std::vector<uint8_t> buf_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  Status status_;
};

}  // namespace

std::filesystem::path Segment::FilePath(const std::filesystem::path& dir, Offset base, std::string_view ext) {
  return dir / fmt::format("{:020d}{}", base.value(), ext);
}

Segment::Segment(std::filesystem::path dir, Offset base, int fd, int32_t index_interval_bytes, int64_t now_ms)
    : dir_(std::move(dir)),
      log_path_(FilePath(dir_, base, ".log")),
      base_(base),
      fd_(fd),
      index_interval_bytes_(index_interval_bytes),
      created_ms_(now_ms),
      offset_index_(base),
      time_index_(base),
      next_offset_(base.value()),
      last_append_ms_(now_ms) {}

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path Segment::index_path() const { return FilePath(dir_, base_, ".index"); }
std::filesystem::path Segment::time_index_path() const { return FilePath(dir_, base_, ".timeindex"); }

Result<std::unique_ptr<Segment>> Segment::Create(const std::filesystem::path& dir, Offset base,
                                                 int32_t index_interval_bytes, int64_t now_ms) {
  auto path = FilePath(dir, base, ".log");
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("create segment", path.string(), errno);
  return std::unique_ptr<Segment>(new Segment(dir, base, fd, index_interval_bytes, now_ms));
}

Result<std::unique_ptr<Segment>> Segment::Open(const std::filesystem::path& dir, Offset base,
                                               int32_t index_interval_bytes, OpenMode mode, int64_t now_ms,
                                               RecoveryReport* report) {
  auto path = FilePath(dir, base, ".log");
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open segment", path.string(), errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoErrorFromErrno("stat", path.string(), err);
  }
  std::unique_ptr<Segment> seg(new Segment(dir, base, fd, index_interval_bytes, now_ms));
  seg->size_.store(static_cast<uint64_t>(st.st_size));
  seg->last_append_ms_.store(int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000);
  if (mode == OpenMode::kRecover) {
    SLUICE_RETURN_IF_ERROR(seg->Recover(report));
    return seg;
  }
  seg->sealed_ = true;
  Status a = seg->offset_index_.Load(seg->index_path(), seg->size());
  Status b = seg->time_index_.Load(seg->time_index_path(), seg->size());
  // The indexes say nothing of next offset and max timestamp; the last batch does.
  if (a.ok() && b.ok() && !seg->offset_index_.entries().empty()) {
    // Walk from the last index entry to the end: a few KiB.
    uint64_t from = seg->offset_index_.entries().back().position;
    BatchScanner scan(seg->fd_, seg->log_path_, from, seg->size());
    std::span<const uint8_t> bytes;
    uint64_t pos;
    std::string why;
    int64_t next = -1;
    bool torn = false;
    for (;;) {
      auto step = scan.Next(&bytes, &pos, &why);
      if (step == BatchScanner::Step::kEnd) break;
      if (step == BatchScanner::Step::kTorn) {
        torn = true;
        break;
      }
      auto h = DecodeBatchHeader(bytes.data());
      if (pos == from && h.base_offset != base.value() + seg->offset_index_.entries().back().relative_offset) {
        torn = true;
        break;
      }
      next = h.base_offset + h.last_offset_delta + 1;
    }
    if (!torn && next >= 0) {
      seg->next_offset_.store(next);
      int64_t max_ts = seg->time_index_.entries().empty() ? -1 : seg->time_index_.entries().back().timestamp;
      seg->max_timestamp_.store(max_ts);
      seg->indexed_any_ = true;
      seg->last_indexed_position_ = from;
      return seg;
    }
    a = Status::Corruption("index does not match the log");
  }
  if (seg->size() == 0 && a.ok() && b.ok()) return seg;
  const Status& why = a.ok() ? b : a;
  if (why.code() == StatusCode::kNotFound) {
    SLUICE_LOG_DEBUG("log", "building missing indexes of {}", path.string());
  } else {
    SLUICE_LOG_WARN("log", "rebuilding indexes of {} ({})", path.string(), why.ToString());
  }
  report->rebuilt_indexes++;
  // A sealed segment was fsynced before the next one was created, so the log
  // itself is trusted here; reads still check each batch's CRC once.
  SLUICE_RETURN_IF_ERROR(seg->RebuildIndexes(UINT64_MAX, report));
  SLUICE_RETURN_IF_ERROR(seg->SaveIndexes());
  return seg;
}

Status Segment::Recover(RecoveryReport* report) {
  std::filesystem::remove(index_path());
  std::filesystem::remove(time_index_path());
  return RebuildIndexes(0, report);
}

void Segment::IndexBatch(uint32_t position, Offset base, int64_t max_timestamp) {
  if (max_timestamp > max_ts_so_far_) {
    max_ts_so_far_ = max_timestamp;
    offset_of_max_ts_ = base;
  }
  if (!indexed_any_ || position - last_indexed_position_ >= static_cast<uint64_t>(index_interval_bytes_)) {
    std::unique_lock lock(index_mu_);
    offset_index_.Append(base, position);
    time_index_.MaybeAppend(max_ts_so_far_, offset_of_max_ts_);
    indexed_any_ = true;
    last_indexed_position_ = position;
  }
}

Status Segment::RebuildIndexes(uint64_t verify_crc_from, RecoveryReport* report) {
  {
    std::unique_lock lock(index_mu_);
    offset_index_.Clear();
    time_index_.Clear();
  }
  indexed_any_ = false;
  max_ts_so_far_ = INT64_MIN;
  uint64_t end = size();
  BatchScanner scan(fd_, log_path_, 0, end);
  std::span<const uint8_t> bytes;
  uint64_t pos = 0;
  std::string why;
  int64_t next = base_.value();
  int64_t max_ts = -1;
  for (;;) {
    auto step = scan.Next(&bytes, &pos, &why);
    if (step == BatchScanner::Step::kEnd) break;
    if (step == BatchScanner::Step::kBatch) {
      auto view = RecordBatchView::Parse(bytes);
      Status s = view.ok() ? Status::Ok() : view.status();
      if (s.ok() && view->header().base_offset < next) {
        s = Status::Corruption(
            fmt::format("batch base offset {} goes backwards (expected >= {})", view->header().base_offset, next));
      }
      if (s.ok() && pos + bytes.size() > verify_crc_from) s = view->VerifyCrc();
      if (s.ok()) {
        const auto& h = view->header();
        IndexBatch(static_cast<uint32_t>(pos), h.base(), h.max_timestamp);
        next = h.last_offset().value() + 1;
        max_ts = std::max(max_ts, h.max_timestamp);
        continue;
      }
      why = s.message();
      pos = scan.position() - bytes.size();
    } else {
      SLUICE_RETURN_IF_ERROR(scan.status());
      pos = scan.position();
    }
    // Torn or corrupt from `pos` on: cut it off so it is never served.
    report->truncated_bytes += end - pos;
    if (report->truncated_at.value() < 0) report->truncated_at = Offset{next};
    report->reason = why;
    SLUICE_LOG_WARN("log", "truncating {} at byte {} ({} bytes dropped): {}", log_path_.string(), pos, end - pos, why);
    if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) {
      return Status::IoErrorFromErrno("truncate torn tail of", log_path_.string(), errno);
    }
    if (::fsync(fd_) != 0) return Status::IoErrorFromErrno("fsync", log_path_.string(), errno);
    end = pos;
    break;
  }
  if (max_ts_so_far_ != INT64_MIN) {
    std::unique_lock lock(index_mu_);
    time_index_.MaybeAppend(max_ts_so_far_, offset_of_max_ts_);
  }
  size_.store(end, std::memory_order_release);
  next_offset_.store(next, std::memory_order_release);
  max_timestamp_.store(max_ts, std::memory_order_release);
  verified_.store(verify_crc_from == 0 ? end : 0);
  return Status::Ok();
}

Status Segment::Append(std::span<const uint8_t> bytes, std::span<const BatchPlacement> batches, int64_t now_ms) {
  uint64_t start = size_.load(std::memory_order_relaxed);
  if (start == 0) created_ms_ = now_ms;  // segment.ms counts from the first append
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(start + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      // All or nothing: cut back whatever part of the write landed.
      if (::ftruncate(fd_, static_cast<off_t>(start)) != 0) {
        SLUICE_LOG_ERROR("log", "cannot cut back {} after a failed write", log_path_.string());
      }
      return Status::IoErrorFromErrno("write", log_path_.string(), err);
    }
    done += static_cast<size_t>(n);
  }
  int64_t max_ts = max_timestamp_.load(std::memory_order_relaxed);
  for (const auto& b : batches) {
    IndexBatch(static_cast<uint32_t>(start + b.position), b.base, b.max_timestamp);
    max_ts = std::max(max_ts, b.max_timestamp);
  }
  max_timestamp_.store(max_ts, std::memory_order_release);
  last_append_ms_.store(now_ms, std::memory_order_relaxed);
  next_offset_.store(batches.back().last.value() + 1, std::memory_order_release);
  // Appended batches passed their CRC check in Partition::Append.
  uint64_t expected = start;
  verified_.compare_exchange_strong(expected, start + bytes.size());
  size_.store(start + bytes.size(), std::memory_order_release);
  return Status::Ok();
}

Status Segment::Sync() {
  if (::fdatasync(fd_) != 0) return Status::IoErrorFromErrno("fdatasync", log_path_.string(), errno);
  return Status::Ok();
}

Status Segment::SaveIndexes() {
  std::shared_lock lock(index_mu_);
  SLUICE_RETURN_IF_ERROR(offset_index_.Save(index_path(), size()));
  return time_index_.Save(time_index_path(), size());
}

Status Segment::Seal() {
  if (sealed_) return Status::Ok();
  if (::fsync(fd_) != 0) return Status::IoErrorFromErrno("fsync", log_path_.string(), errno);
  {
    // Record the final maximum so a time look-up never has to scan past it.
    std::unique_lock lock(index_mu_);
    if (max_ts_so_far_ != INT64_MIN) time_index_.MaybeAppend(max_ts_so_far_, offset_of_max_ts_);
  }
  sealed_ = true;
  return SaveIndexes();
}

Status Segment::RemoveFiles() {
  std::error_code ec;
  for (const auto& p : {log_path_, index_path(), time_index_path()}) {
    std::filesystem::remove(p, ec);
    if (ec) return Status::IoError(fmt::format("remove {}: {}", p.string(), ec.message()));
  }
  return Status::Ok();
}

int64_t Segment::retention_timestamp() const {
  int64_t ts = max_timestamp();
  return ts >= 0 ? ts : last_append_ms_.load(std::memory_order_relaxed);
}

Status Segment::ReadHeaderAt(uint64_t position, uint8_t* buf, size_t n) const {
  return PreadFully(fd_, buf, n, position, log_path_);
}

Result<size_t> Segment::Read(Offset from, size_t max_bytes, std::string* out) const {
  const uint64_t visible = size();
  const int64_t next_offset = next_offset_.load(std::memory_order_acquire);
  uint64_t pos;
  int64_t expected_base;
  bool exact;  // an index entry names the first batch's base offset
  {
    std::shared_lock lock(index_mu_);
    auto [entry_offset, entry_pos] = offset_index_.LookupEntry(from);
    pos = entry_pos;
    expected_base = entry_offset.value();
    const auto& entries = offset_index_.entries();
    exact = !entries.empty() && from.value() >= base_.value() + entries.front().relative_offset;
  }
  // Walk headers from the index entry to the batch that holds `from`. The
  // baseOffset field is not under the CRC, so offsets are checked for order.
  uint8_t h[kScanHeaderBytes];
  size_t first_size = 0;
  while (pos + kBatchHeaderSize <= visible) {
    SLUICE_RETURN_IF_ERROR(ReadHeaderAt(pos, h, sizeof(h)));
    int32_t len = PeekBatchLength(h);
    if (len < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead) || pos + kBatchLogOverhead + len > visible) {
      return Status::Corruption(fmt::format("{}: batch at byte {} has length {}", log_path_.string(), pos, len));
    }
    int64_t hdr_base = PeekBaseOffset(h);
    int32_t delta = static_cast<int32_t>((uint32_t{h[23]} << 24) | (uint32_t{h[24]} << 16) | (uint32_t{h[25]} << 8) |
                                         uint32_t{h[26]});
    int64_t hdr_last = hdr_base + delta;
    bool in_order = exact ? hdr_base == expected_base : hdr_base >= expected_base;
    if (!in_order || delta < 0 || hdr_last >= next_offset) {
      return Status::Corruption(fmt::format("{}: batch at byte {} has offsets {}..{} out of order (expected from {})",
                                            log_path_.string(), pos, hdr_base, hdr_last, expected_base));
    }
    if (hdr_last >= from.value()) {
      first_size = kBatchLogOverhead + static_cast<size_t>(len);
      expected_base = hdr_base;
      break;
    }
    exact = false;
    expected_base = hdr_last + 1;
    pos += kBatchLogOverhead + static_cast<size_t>(len);
  }
  if (first_size == 0) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(max_bytes, visible - pos));
  want = std::max(want, first_size);
  size_t old = out->size();
  out->resize(old + want);
  auto* base = reinterpret_cast<uint8_t*>(out->data() + old);
  Status s = PreadFully(fd_, base, want, pos, log_path_);
  if (!s.ok()) {
    out->resize(old);
    return s;
  }
  // Keep whole batches only; check CRCs not yet checked since open.
  const uint64_t verified = verified_.load(std::memory_order_acquire);
  size_t kept = 0;
  while (want - kept >= kBatchLogOverhead) {
    int32_t len = PeekBatchLength(base + kept);
    size_t total = kBatchLogOverhead + static_cast<size_t>(std::max(len, 0));
    if (kept > 0 && total > want - kept) break;  // the next batch does not fit in max_bytes
    auto view = RecordBatchView::Parse(std::span<const uint8_t>(base + kept, std::min(total, want - kept)));
    if (!view.ok()) {
      SLUICE_LOG_ERROR("log", "{} at byte {}: {}", log_path_.string(), pos + kept, view.status().message());
      if (kept == 0) {
        out->resize(old);
        // Stored bytes that do not parse are damage, whatever the reason (magic included).
        return Status::Corruption(fmt::format("{} at byte {}: {}", log_path_.string(), pos, view.status().message()));
      }
      break;
    }
    const auto& vh = view->header();
    if (vh.base_offset < expected_base || vh.last_offset().value() >= next_offset || vh.last_offset_delta < 0) {
      Status order =
          Status::Corruption(fmt::format("{}: batch at byte {} has offsets {}..{} out of order", log_path_.string(),
                                         pos + kept, vh.base_offset, vh.last_offset().value()));
      SLUICE_LOG_ERROR("log", "{}", order.message());
      if (kept == 0) {
        out->resize(old);
        return order;
      }
      break;
    }
    expected_base = vh.last_offset().value() + 1;
    uint64_t end = pos + kept + view->header().total_size();
    if (end > verified) {
      Status crc = view->VerifyCrc();
      if (!crc.ok()) {
        SLUICE_LOG_ERROR("log", "{} at byte {}: {}", log_path_.string(), pos + kept, crc.message());
        if (kept == 0) {
          out->resize(old);
          return crc.WithContext(log_path_.string());
        }
        break;
      }
    }
    kept += view->header().total_size();
  }
  out->resize(old + kept);
  if (pos <= verified && pos + kept > verified) {
    uint64_t expected = verified;
    verified_.compare_exchange_strong(expected, pos + kept);
  }
  return kept;
}

Result<std::optional<Offset>> Segment::FindOffsetForTimestamp(int64_t timestamp) const {
  if (max_timestamp() < timestamp) return std::optional<Offset>();
  uint64_t pos;
  {
    std::shared_lock lock(index_mu_);
    pos = offset_index_.Lookup(time_index_.Lookup(timestamp));
  }
  const uint64_t visible = size();
  uint8_t h[kScanHeaderBytes];
  while (pos + kBatchHeaderSize <= visible) {
    SLUICE_RETURN_IF_ERROR(ReadHeaderAt(pos, h, sizeof(h)));
    int32_t len = PeekBatchLength(h);
    if (len <= 0) break;
    int64_t max_ts = 0;
    for (int i = 0; i < 8; ++i) max_ts = (max_ts << 8) | h[35 + i];
    if (max_ts >= timestamp) {
      // As Kafka: the first record at or after `timestamp`, not the batch's
      // first record (a producer's batch may straddle the timestamp).
      SLUICE_ASSIGN_OR_RETURN(Offset first, FirstRecordAtOrAfter(pos, len, timestamp));
      return std::optional<Offset>(first);
    }
    pos += kBatchLogOverhead + static_cast<size_t>(len);
  }
  return std::optional<Offset>();
}

Result<Offset> Segment::FirstRecordAtOrAfter(uint64_t position, int32_t batch_length, int64_t timestamp) const {
  std::string bytes(kBatchLogOverhead + static_cast<size_t>(batch_length), '\0');
  SLUICE_RETURN_IF_ERROR(ReadHeaderAt(position, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
  auto data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  SLUICE_ASSIGN_OR_RETURN(RecordBatchView view, RecordBatchView::Parse(data));
  const Offset base{PeekBaseOffset(data.data())};
  RecordIterator it;
  SLUICE_RETURN_IF_ERROR(it.Reset(view));
  Record r;
  while (it.Next(&r)) {
    if (r.timestamp >= timestamp) return r.offset;
  }
  SLUICE_RETURN_IF_ERROR(it.status());
  return base;  // maxTimestamp said a record qualifies; trust the batch header
}

Status Segment::ForEachBatch(const std::function<Status(uint64_t, std::span<const uint8_t>)>& fn) const {
  BatchScanner scan(fd_, log_path_, 0, size());
  std::span<const uint8_t> bytes;
  uint64_t pos;
  std::string why;
  for (;;) {
    auto step = scan.Next(&bytes, &pos, &why);
    if (step == BatchScanner::Step::kEnd) return Status::Ok();
    if (step == BatchScanner::Step::kTorn) {
      SLUICE_RETURN_IF_ERROR(scan.status());
      return Status::Corruption(fmt::format("{}: {}", log_path_.string(), why));
    }
    SLUICE_RETURN_IF_ERROR(fn(pos, bytes));
  }
}

}  // namespace sluice::log
