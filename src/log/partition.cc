#include "log/partition.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <future>
#include <unordered_map>

#include "common/logging.h"
#include "log/durable_file.h"
#include "log/flusher.h"
#include "log/record_batch.h"

namespace sluice::log {
namespace {

constexpr std::string_view kLogSuffix = ".log";
constexpr std::string_view kCleanedSuffix = ".cleaned";
constexpr size_t kBaseDigits = 20;
// Kafka's producer.id.expiration.ms default: a producer silent this long is forgotten.
constexpr int64_t kProducerExpirationMs = 24 * 3600 * 1000;

bool ParseSegmentName(const std::string& name, int64_t* base) {
  if (name.size() != kBaseDigits + kLogSuffix.size() || !name.ends_with(kLogSuffix)) return false;
  int64_t v = 0;
  for (size_t i = 0; i < kBaseDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + (name[i] - '0');
  }
  *base = v;
  return true;
}

// Walks every record of an uncompressed batch; no allocation.
Status ValidateRecords(const RecordBatchView& view) {
  thread_local RecordIterator it;
  SLUICE_RETURN_IF_ERROR(it.Reset(view));
  Record r;
  int32_t n = 0;
  while (it.Next(&r)) ++n;
  SLUICE_RETURN_IF_ERROR(it.status());
  if (n != view.header().record_count) {
    return Status::Corruption(fmt::format("batch holds {} records, its header says {}", n, view.header().record_count));
  }
  return Status::Ok();
}

}  // namespace

Partition::Partition(std::filesystem::path dir, std::string topic, PartitionId id, const TopicConfig& config,
                     Flusher* flusher, const Clock* clock)
    : dir_(std::move(dir)), topic_(std::move(topic)), id_(id), config_(config), flusher_(flusher), clock_(clock) {}

Partition::~Partition() { Close().IgnoreError(); }

Result<std::shared_ptr<Partition>> Partition::Open(const std::filesystem::path& dir, std::string topic, PartitionId id,
                                                   const TopicConfig& config, Flusher* flusher, const Clock* clock) {
  std::shared_ptr<Partition> p(new Partition(dir, std::move(topic), id, config, flusher, clock));
  Status s = p->Load();
  if (!s.ok()) {
    p->closed_ = true;
    return s.WithContext(fmt::format("partition {}-{}", p->topic_, id.value()));
  }
  if (config.fsync == FsyncPolicy::kInterval) flusher->RegisterPeriodic(p, config.fsync_interval);
  return p;
}

Status Partition::Load() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError(fmt::format("create {}: {}", dir_.string(), ec.message()));
  std::vector<int64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    int64_t base;
    if (ParseSegmentName(name, &base)) {
      bases.push_back(base);
    } else if (name.ends_with(".tmp") || name.ends_with(kCleanedSuffix)) {
      // Leftovers of an interrupted index write or compaction: the originals are intact.
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (ec) return Status::IoError(fmt::format("list {}: {}", dir_.string(), ec.message()));
  std::sort(bases.begin(), bases.end());
  // Indexes whose log is gone (a removal interrupted between the files).
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    auto ext = entry.path().extension();
    if (ext != ".index" && ext != ".timeindex") continue;
    auto log_file = entry.path();
    log_file.replace_extension(".log");
    if (!std::filesystem::exists(log_file)) std::filesystem::remove(entry.path(), ec);
  }
  const int64_t now = clock_->NowMs();
  if (bases.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto seg, Segment::Create(dir_, Offset{0}, config_.index_interval_bytes, now));
    SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir_));
    bases.push_back(0);
    segments_[0] = std::move(seg);
  } else {
    for (size_t i = 0; i < bases.size(); ++i) {
      auto mode = i + 1 == bases.size() ? Segment::OpenMode::kRecover : Segment::OpenMode::kSealed;
      SLUICE_ASSIGN_OR_RETURN(
          auto seg, Segment::Open(dir_, Offset{bases[i]}, config_.index_interval_bytes, mode, now, &recovery_));
      segments_[bases[i]] = std::move(seg);
    }
  }
  active_ = segments_.rbegin()->second;
  // The recovered tail was read back from the page cache; make it durable
  // before anyone is told so.
  SLUICE_RETURN_IF_ERROR(active_->Sync());
  int64_t hw = active_->next_offset().value();
  if (segments_.size() > 1) {
    auto prev = std::prev(segments_.end(), 2)->second;
    hw = std::max(hw, prev->next_offset().value());
  }
  hw_.store(hw);
  durable_ = hw;
  // Producer state: the snapshot taken when the active segment was created,
  // then the active segment replayed. Older snapshots are no longer needed.
  auto snapshot = Segment::FilePath(dir_, active_->base(), ".producers");
  Status loaded = producers_.Load(snapshot, active_->base());
  if (!loaded.ok() && loaded.code() != StatusCode::kNotFound) {
    SLUICE_LOG_WARN("log", "partition {}-{}: ignoring producer snapshot: {}", topic_, id_.value(), loaded.ToString());
  }
  SLUICE_RETURN_IF_ERROR(active_->ForEachBatch([&](uint64_t, std::span<const uint8_t> bytes) {
    producers_.Record(DecodeBatchHeader(bytes.data()), now);
    return Status::Ok();
  }));
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".producers" && entry.path() != snapshot) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  UpdateLogStart();
  if (recovery_.truncated_bytes > 0) {
    SLUICE_LOG_WARN("log", "partition {}-{}: recovery truncated {} bytes from offset {} ({})", topic_, id_.value(),
                    recovery_.truncated_bytes, recovery_.truncated_at.value(), recovery_.reason);
  }
  return Status::Ok();
}

void Partition::UpdateLogStart() {
  std::shared_lock lock(segments_mu_);
  log_start_.store(segments_.begin()->first, std::memory_order_release);
}

Status Partition::RollLocked(int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(active_->Seal());
  Offset base{hw_.load(std::memory_order_relaxed)};
  // Producer state as of the new segment's base; only an optimisation for
  // the next open, so a failure is reported but does not stop the roll.
  Status snap = producers_.Save(Segment::FilePath(dir_, base, ".producers"), base);
  if (!snap.ok()) SLUICE_LOG_WARN("log", "partition {}-{}: {}", topic_, id_.value(), snap.ToString());
  std::error_code ec;
  std::filesystem::remove(Segment::FilePath(dir_, active_->base(), ".producers"), ec);
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Segment> seg,
                          Segment::Create(dir_, base, config_.index_interval_bytes, now_ms));
  SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir_));
  {
    std::unique_lock lock(segments_mu_);
    segments_[base.value()] = seg;
  }
  active_ = std::move(seg);
  return Status::Ok();
}

Result<AppendResult> Partition::Append(std::span<uint8_t> batches) {
  if (deleted_.load(std::memory_order_relaxed)) {
    return Status::NotFound(fmt::format("topic {} was deleted", topic_));
  }
  if (closed_.load(std::memory_order_relaxed)) {
    return Status::Unavailable(fmt::format("partition {}-{} is closed", topic_, id_.value()));
  }
  if (batches.empty()) return Status::InvalidArgument("append of zero bytes: send at least one record batch");
  // Validate outside the lock so that CRC work on different appends overlaps.
  thread_local std::vector<BatchPlacement> placements;
  placements.clear();
  size_t pos = 0;
  int64_t records = 0;
  bool idempotent = false;
  while (pos < batches.size()) {
    auto view = RecordBatchView::Parse(batches.subspan(pos));
    if (!view.ok()) {
      return view.status().WithContext(fmt::format("append to {}-{}, batch at byte {}", topic_, id_.value(), pos));
    }
    const auto& h = view->header();
    if (h.total_size() > static_cast<size_t>(config_.max_message_bytes)) {
      return Status::ResourceExhausted(
          fmt::format("record batch of {} bytes exceeds max.message.bytes={} of topic {}; send smaller batches or "
                      "raise the topic's max.message.bytes",
                      h.total_size(), config_.max_message_bytes, topic_));
    }
    if (h.max_timestamp < h.base_timestamp) {
      return Status::InvalidArgument(fmt::format(
          "record batch at byte {} has maxTimestamp {} before its baseTimestamp {}: the producer's timestamps are "
          "inconsistent",
          pos, h.max_timestamp, h.base_timestamp));
    }
    Status crc = view->VerifyCrc();
    if (!crc.ok()) return crc.WithContext(fmt::format("append to {}-{}, batch at byte {}", topic_, id_.value(), pos));
    if (h.compression() == Compression::kNone) {
      // Cheap for uncompressed batches: check the records' framing so that a
      // broken client's batch is refused here rather than served to every
      // consumer. Compressed batches are stored unopened (decompressing
      // every produce would cost more than the append itself).
      Status records_ok = ValidateRecords(*view);
      if (!records_ok.ok()) {
        return records_ok.WithContext(fmt::format("append to {}-{}, batch at byte {}", topic_, id_.value(), pos));
      }
    }
    // `last` holds lastOffsetDelta until offsets are assigned below.
    placements.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(h.total_size()), Offset{0},
                          Offset{h.last_offset_delta}, h.max_timestamp});
    records += int64_t{h.last_offset_delta} + 1;
    idempotent |= h.producer_id >= 0 && h.base_sequence >= 0;
    pos += h.total_size();
  }
  AppendResult result{};
  result.log_append_time_ms = -1;
  if (config_.timestamp_type == TopicConfig::TimestampKind::kLogAppendTime) {
    // Stamped before the lock: the CRC is recomputed, which may take a while.
    result.log_append_time_ms = clock_->NowMs();
    for (auto& p : placements) {
      SetLogAppendTime(batches.subspan(p.position, p.size), result.log_append_time_ms);
      p.max_timestamp = result.log_append_time_ms;
    }
  }
  {
    std::lock_guard lock(append_mu_);
    if (deleted_.load(std::memory_order_relaxed)) {
      return Status::NotFound(fmt::format("topic {} was deleted", topic_));
    }
    const int64_t now = clock_->NowMs();
    if (idempotent && placements.size() == 1) {
      auto dup = producers_.FindDuplicate(DecodeBatchHeader(batches.data()));
      if (dup) return AppendResult{dup->first, dup->second, -1};
    }
    int64_t next = hw_.load(std::memory_order_relaxed);
    if (!active_->empty()) {
      bool full = active_->size() + batches.size() > static_cast<uint64_t>(config_.segment_bytes);
      bool old = now - active_->created_ms() >= config_.segment_ms.count();
      bool offsets_exhausted = next + records - active_->base().value() > int64_t{UINT32_MAX};
      if (full || old || offsets_exhausted) SLUICE_RETURN_IF_ERROR(RollLocked(now));
    }
    result.base_offset = Offset{next};
    for (auto& p : placements) {
      int64_t delta = p.last.value();
      SetBaseOffset(batches.subspan(p.position, p.size), Offset{next});
      p.base = Offset{next};
      p.last = Offset{next + delta};
      next += delta + 1;
    }
    SLUICE_RETURN_IF_ERROR(active_->Append(batches, placements, now));
    if (idempotent) {
      for (const auto& p : placements) producers_.Record(DecodeBatchHeader(batches.data() + p.position), now);
    }
    result.last_offset = Offset{next - 1};
    hw_.store(next, std::memory_order_seq_cst);
  }
  appended_bytes_.fetch_add(batches.size(), std::memory_order_relaxed);
  appended_batches_.fetch_add(placements.size(), std::memory_order_relaxed);
  NotifyAppended();
  return result;
}

void Partition::NotifyAppended() {
  if (data_waiters_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(data_mu_);
    data_cv_.notify_all();
  }
  std::shared_ptr<const Listeners> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  if (listeners) {
    for (const auto& [id, fn] : *listeners) fn();
  }
}

uint64_t Partition::AddAppendListener(std::function<void()> listener) {
  std::lock_guard lock(listeners_mu_);
  auto next = listeners_ ? std::make_shared<Listeners>(*listeners_) : std::make_shared<Listeners>();
  uint64_t id = next_listener_id_++;
  next->emplace_back(id, std::move(listener));
  listeners_ = std::move(next);
  return id;
}

void Partition::RemoveAppendListener(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  if (!listeners_) return;
  auto next = std::make_shared<Listeners>();
  for (const auto& l : *listeners_) {
    if (l.first != id) next->push_back(l);
  }
  listeners_ = next->empty() ? nullptr : std::move(next);
}

bool Partition::WaitForData(Offset after, std::chrono::milliseconds timeout) const {
  if (hw_.load(std::memory_order_seq_cst) > after.value()) return true;
  data_waiters_.fetch_add(1, std::memory_order_seq_cst);
  bool got;
  {
    std::unique_lock lock(data_mu_);
    got = data_cv_.wait_for(lock, timeout, [&] {
      return hw_.load(std::memory_order_seq_cst) > after.value() || closed_.load(std::memory_order_relaxed);
    });
  }
  data_waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return got && hw_.load() > after.value();
}

void Partition::WhenDurable(Offset last, std::function<void(const Status&)> done) {
  if (config_.fsync != FsyncPolicy::kAlways) {
    done(Status::Ok());
    return;
  }
  {
    std::unique_lock lock(durable_mu_);
    if (!sync_failure_.ok()) {
      Status s = sync_failure_;
      lock.unlock();
      done(s);
      return;
    }
    if (last.value() < durable_) {
      lock.unlock();
      done(Status::Ok());
      return;
    }
    waiters_.push_back({last.value(), std::move(done)});
  }
  if (!sync_queued_.exchange(true)) flusher_->RequestSync(weak_from_this());
}

std::optional<int32_t> Partition::LastSequence(int64_t producer_id) const {
  std::lock_guard lock(append_mu_);
  return producers_.LastSequence(producer_id);
}

Status Partition::WaitDurable(Offset last) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  WhenDurable(last, [promise](const Status& s) { promise->set_value(s); });
  return future.get();
}

Status Partition::Sync() { return SyncNow(); }

void Partition::SyncFromFlusher() {
  sync_queued_.store(false);
  SyncNow().IgnoreError();  // failures reach the waiters
}

Status Partition::SyncNow() {
  std::vector<Waiter> ready;
  Status s;
  {
    std::lock_guard sync_lock(sync_mu_);
    std::shared_ptr<Segment> seg;
    int64_t target;
    {
      std::lock_guard lock(append_mu_);
      seg = active_;
      target = hw_.load(std::memory_order_relaxed);
    }
    bool needed = false;
    {
      std::lock_guard lock(durable_mu_);
      s = sync_failure_;
      needed = target > durable_;
    }
    if (s.ok() && needed && !deleted_.load()) {
      s = seg->Sync();
      fsync_count_.fetch_add(1, std::memory_order_relaxed);
      if (!s.ok()) SLUICE_LOG_ERROR("log", "partition {}-{}: {}", topic_, id_.value(), s.ToString());
    }
    std::lock_guard lock(durable_mu_);
    if (s.ok()) {
      durable_ = std::max(durable_, target);
      auto keep = std::partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.last >= durable_; });
      std::move(keep, waiters_.end(), std::back_inserter(ready));
      waiters_.erase(keep, waiters_.end());
    } else {
      // After a failed fsync the kernel may have dropped the dirty pages:
      // never acknowledge again from this partition (fsyncgate).
      if (sync_failure_.ok()) sync_failure_ = s;
      ready.swap(waiters_);
    }
  }
  // Outside every lock: a callback may append, wait or sync again.
  for (auto& w : ready) w.done(s);
  return s;
}

std::shared_ptr<Segment> Partition::SegmentFor(Offset offset) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(offset.value());
  if (it != segments_.begin()) --it;
  return it->second;
}

std::shared_ptr<Segment> Partition::SegmentAfter(Offset base) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(base.value());
  return it == segments_.end() ? nullptr : it->second;
}

Result<ReadResult> Partition::Read(Offset from, size_t max_bytes, std::string* out) const {
  int64_t hw = hw_.load(std::memory_order_acquire);
  int64_t start = log_start_.load(std::memory_order_acquire);
  if (from.value() < start || from.value() > hw) {
    return Status::OutOfRange(
        fmt::format("offset {} is outside partition {}-{} [{}, {}]", from.value(), topic_, id_.value(), start, hw));
  }
  ReadResult r{Offset{hw}, Offset{start}, 0};
  if (from.value() == hw) return r;
  auto seg = SegmentFor(from);
  while (seg) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, seg->Read(from, max_bytes, out));
    if (n > 0) {
      r.bytes = n;
      read_bytes_.fetch_add(n, std::memory_order_relaxed);
      break;
    }
    seg = SegmentAfter(seg->base());
  }
  r.high_watermark = Offset{hw_.load(std::memory_order_acquire)};
  r.log_start_offset = Offset{log_start_.load(std::memory_order_acquire)};
  return r;
}

Result<Offset> Partition::OffsetForTimestamp(int64_t timestamp_ms) const {
  std::vector<std::shared_ptr<Segment>> segs;
  {
    std::shared_lock lock(segments_mu_);
    for (const auto& [base, s] : segments_) segs.push_back(s);
  }
  for (const auto& s : segs) {
    if (s->max_timestamp() < timestamp_ms) continue;
    SLUICE_ASSIGN_OR_RETURN(auto found, s->FindOffsetForTimestamp(timestamp_ms));
    if (found) return std::max(*found, log_start_offset());
  }
  return high_watermark();
}

int64_t Partition::size_bytes() const {
  std::shared_lock lock(segments_mu_);
  int64_t total = 0;
  for (const auto& [base, s] : segments_) total += static_cast<int64_t>(s->size());
  return total;
}

Offset Partition::durable_offset() const {
  std::lock_guard lock(durable_mu_);
  return Offset{durable_};
}

size_t Partition::segment_count() const {
  std::shared_lock lock(segments_mu_);
  return segments_.size();
}

Status Partition::Close() {
  if (closed_.exchange(true)) return Status::Ok();
  Status s;
  if (!deleted_.load()) s = SyncNow();
  std::vector<Waiter> left;
  {
    std::lock_guard lock(durable_mu_);
    left.swap(waiters_);
  }
  for (auto& w : left) w.done(Status::Unavailable(fmt::format("partition {}-{} closed", topic_, id_.value())));
  {
    std::lock_guard lock(data_mu_);
    data_cv_.notify_all();
  }
  return s;
}

void Partition::MarkDeleted() {
  deleted_.store(true);
  Close().IgnoreError();
}

Result<int> Partition::EnforceRetention() {
  std::lock_guard compact_lock(compact_mu_);
  const int64_t now = clock_->NowMs();
  {
    std::lock_guard lock(append_mu_);
    producers_.ExpireBefore(now - kProducerExpirationMs);
  }
  auto expired = [&](const Segment& s) {
    return config_.retention_ms.count() >= 0 && s.retention_timestamp() < now - config_.retention_ms.count();
  };
  int removed = 0;
  for (;;) {
    std::shared_ptr<Segment> victim;
    {
      std::lock_guard lock(append_mu_);
      if (deleted_.load()) break;
      std::shared_ptr<Segment> first;
      int64_t total = 0;
      {
        std::shared_lock seg_lock(segments_mu_);
        first = segments_.begin()->second;
        for (const auto& [base, s] : segments_) total += static_cast<int64_t>(s->size());
      }
      if (first == active_) {
        // As Kafka: a whole partition past retention.ms is rolled so that its
        // last segment can go too; the log start then equals the high watermark.
        if (active_->empty() || !expired(*active_)) break;
        SLUICE_RETURN_IF_ERROR(RollLocked(now));
        continue;
      }
      bool oversize =
          config_.retention_bytes >= 0 && total - static_cast<int64_t>(first->size()) >= config_.retention_bytes;
      if (!expired(*first) && !oversize) break;
      std::unique_lock seg_lock(segments_mu_);
      segments_.erase(segments_.begin());
      log_start_.store(segments_.begin()->first, std::memory_order_release);
      victim = std::move(first);
    }
    SLUICE_LOG_INFO("log", "retention: {}-{} drops segment {} (offsets {}..{})", topic_, id_.value(),
                    victim->log_path().filename().string(), victim->base().value(), victim->next_offset().value() - 1);
    SLUICE_RETURN_IF_ERROR(victim->RemoveFiles());
    ++removed;
  }
  if (removed > 0) SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir_));
  return removed;
}

Status Partition::RemoveEmptySealedSegments() {
  // Compaction can empty a segment. Drop such files, except the first one,
  // which holds the log start offset in its name.
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard lock(append_mu_);
    std::unique_lock seg_lock(segments_mu_);
    for (auto it = std::next(segments_.begin()); it != segments_.end();) {
      if (it->second != active_ && it->second->empty()) {
        doomed.push_back(it->second);
        it = segments_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& s : doomed) SLUICE_RETURN_IF_ERROR(s->RemoveFiles());
  if (!doomed.empty()) SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir_));
  return Status::Ok();
}

Result<int64_t> Partition::Compact() {
  std::lock_guard compact_lock(compact_mu_);
  if (deleted_.load()) return int64_t{0};
  std::vector<std::shared_ptr<Segment>> segs;
  std::shared_ptr<Segment> active;
  {
    std::lock_guard lock(append_mu_);
    active = active_;
    std::shared_lock seg_lock(segments_mu_);
    for (const auto& [base, s] : segments_) segs.push_back(s);
  }
  if (segs.size() < 2) return int64_t{0};
  // Pass 1: the newest offset of every key, over the whole partition.
  std::unordered_map<std::string, int64_t> newest;
  RecordIterator it;
  Record rec;
  for (const auto& s : segs) {
    SLUICE_RETURN_IF_ERROR(s->ForEachBatch([&](uint64_t position, std::span<const uint8_t> bytes) -> Status {
      auto view = RecordBatchView::Parse(bytes);
      if (!view.ok() || view->header().is_control()) return Status::Ok();
      if (it.Reset(*view).ok()) {
        while (it.Next(&rec)) {
          if (rec.key) newest[std::string(*rec.key)] = rec.offset.value();
        }
      }
      if (!it.status().ok()) {
        // A batch whose records do not decode (stored as the producer sent
        // it) is kept as it is; it must not stop compaction of the rest.
        SLUICE_LOG_WARN("log", "compaction of {}-{}: keeping undecodable batch at byte {} of {}: {}", topic_,
                        id_.value(), position, s->log_path().filename().string(), it.status().message());
      }
      return Status::Ok();
    }));
  }
  // Pass 2: rewrite each sealed segment that has something to drop.
  const int64_t now = clock_->NowMs();
  int64_t removed_total = 0;
  std::vector<RecordHeader> headers;
  for (const auto& s : segs) {
    if (s == active) break;
    bool tombstones_expire = s->retention_timestamp() < now - config_.delete_retention_ms.count();
    std::string cleaned;
    int64_t removed = 0;
    RecordBatchBuilder builder;
    std::vector<bool> keep;
    SLUICE_RETURN_IF_ERROR(s->ForEachBatch([&](uint64_t, std::span<const uint8_t> bytes) -> Status {
      auto parsed = RecordBatchView::Parse(bytes);
      if (!parsed.ok() || parsed->header().is_control()) {
        cleaned.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return Status::Ok();
      }
      const RecordBatchView& view = *parsed;
      const auto& h = view.header();
      keep.clear();
      int kept = 0;
      if (it.Reset(view).ok()) {
        while (it.Next(&rec)) {
          bool k = !rec.key || (newest[std::string(*rec.key)] == rec.offset.value() &&
                                !(rec.value == std::nullopt && tombstones_expire));
          keep.push_back(k);
          kept += k;
        }
      }
      if (!it.status().ok() || kept == static_cast<int>(keep.size())) {
        cleaned.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return Status::Ok();
      }
      removed += static_cast<int64_t>(keep.size()) - kept;
      if (kept == 0) return Status::Ok();
      builder.Reset({.compression = h.compression(),
                     .timestamp_type = h.timestamp_type(),
                     .base_offset = h.base(),
                     .partition_leader_epoch = h.partition_leader_epoch,
                     .producer_id = h.producer_id,
                     .producer_epoch = h.producer_epoch,
                     .base_sequence = h.base_sequence,
                     .transactional = h.is_transactional()});
      SLUICE_RETURN_IF_ERROR(it.Reset(view));
      size_t i = 0;
      while (it.Next(&rec)) {
        if (!keep[i++]) continue;
        SLUICE_RETURN_IF_ERROR(DecodeRecordHeaders(rec, &headers));
        builder.AddAt(rec.offset_delta, rec.timestamp, rec.key, rec.value, headers);
      }
      builder.SetLastOffsetDelta(h.last_offset_delta);
      return builder.Finish(&cleaned);
    }));
    if (removed == 0) continue;
    // Replace the segment: write `.cleaned`, drop the old indexes, rename over
    // the old log (atomic), reopen (rebuilding indexes). A crash at any step
    // leaves either the old log or the new one, and indexes are rebuilt if absent.
    auto cleaned_path = s->log_path();
    cleaned_path += kCleanedSuffix;
    SLUICE_RETURN_IF_ERROR(WriteFileAtomically(cleaned_path, cleaned));
    std::filesystem::remove(s->index_path());
    std::filesystem::remove(s->time_index_path());
    if (::rename(cleaned_path.c_str(), s->log_path().c_str()) != 0) {
      return Status::IoErrorFromErrno("rename", cleaned_path.string(), errno);
    }
    SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir_));
    RecoveryReport report;
    SLUICE_ASSIGN_OR_RETURN(
        std::shared_ptr<Segment> replacement,
        Segment::Open(dir_, s->base(), config_.index_interval_bytes, Segment::OpenMode::kSealed, now, &report));
    {
      std::unique_lock lock(segments_mu_);
      segments_[s->base().value()] = std::move(replacement);
    }
    removed_total += removed;
  }
  if (removed_total > 0) {
    SLUICE_LOG_INFO("log", "compaction: {}-{} removed {} records", topic_, id_.value(), removed_total);
    SLUICE_RETURN_IF_ERROR(RemoveEmptySealedSegments());
  }
  return removed_total;
}

}  // namespace sluice::log
