// Topic sinks: append rows as records to the embedded log (exactly-once with
// checkpoints), or produce them through librdkafka (at-least-once). Both
// are append-only.

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>

#include "common/logging.h"
#include "connectors/checkpoint_codec.h"
#include "connectors/kafka_client.h"
#include "connectors/kafka_partitioner.h"
#include "connectors/topic_row_encoder.h"
#include "connectors/topic_source.h"
#include "log/log.h"
#include "log/record_batch.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Status FsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open", dir.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoErrorFromErrno("fsync", dir.string(), err);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoErrorFromErrno("write", path.string(), errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Staging file format (`<data_dir>/staging/<sinkid>/<checkpoint>-<writer>.batches`),
// version 1: u8 version = 1, then frames, each
//   i32 partition, i32 length, length bytes: one RecordBatch v2 whose
//   producerId identifies (sink instance, writer) and whose baseSequence
//   continues that producer's sequence for the partition.
// Written while rows arrive (as "open-<writer>.batches"), fsynced and
// renamed at PreCommit, deleted once committed.
constexpr uint8_t kStagingVersion = 1;
// Handle format (Sink::PreCommit of the embedded-log topic sink), version 1
// (little-endian, checkpoint_codec.h):
//   u8  version = 1
//   u32 length + sink id (the writing instance's random id, hex)
//   i32 writer
//   i32 count, then count × i64 checkpoint ids: the writer's staging files
//       that were pre-committed and not yet known committed (a failed
//       checkpoint's too: they come before this barrier), oldest first.
constexpr uint8_t kTopicHandleVersion = 1;

struct TopicHandle {
  std::string sink_id;
  int32_t writer = 0;
  std::vector<int64_t> checkpoints;
};

std::string EncodeTopicHandle(const TopicHandle& h) {
  std::string out;
  PutU8(&out, kTopicHandleVersion);
  PutBytes(&out, h.sink_id);
  PutI32(&out, h.writer);
  PutI32(&out, static_cast<int32_t>(h.checkpoints.size()));
  for (int64_t c : h.checkpoints) PutI64(&out, c);
  return out;
}

Result<TopicHandle> DecodeTopicHandle(std::string_view bytes) {
  CheckpointReader in(bytes, "topic sink handle");
  SLUICE_RETURN_IF_ERROR(in.Version(kTopicHandleVersion));
  TopicHandle h;
  SLUICE_ASSIGN_OR_RETURN(std::string_view id, in.Bytes());
  h.sink_id = id;
  if (h.sink_id.empty() || h.sink_id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::Corruption(fmt::format("topic sink handle has a malformed sink id '{}'", h.sink_id));
  }
  SLUICE_ASSIGN_OR_RETURN(h.writer, in.I32());
  SLUICE_ASSIGN_OR_RETURN(int32_t n, in.I32());
  for (int32_t i = 0; i < n; ++i) {
    SLUICE_ASSIGN_OR_RETURN(int64_t c, in.I64());
    h.checkpoints.push_back(c);
  }
  SLUICE_RETURN_IF_ERROR(in.End());
  return h;
}

// Appends rows as records to the embedded log's partitions.
//
// Without checkpoints (no PreCommit or Recover ever called) every Write()
// appends one record batch per partition at once. With checkpoints
// (transactional, exactly-once): each writer encodes its rows into record
// batches of an idempotent producer (producerId = hash of sink id, writer;
// baseSequence increasing per partition) in a staging file; PreCommit
// fsyncs and names it after the checkpoint; Commit appends the staged
// batches, skipping those whose sequence the partition already stored
// (Partition::LastSequence), so a Commit replayed after a crash appends
// nothing twice, waits until they are durable under the topic's fsync
// policy and deletes the staging file.
//
// Thread-safety: thread-safe. Writers have their own locks; Commit, Recover
// and Finish are serialised among themselves.
// Durability: staged rows survive a crash once pre-committed (file and
// directory fsynced); a missing staging file named by a handle means it was
// committed (it is deleted only after its batches are durable).
class LogTopicSink : public engine::Sink {
 public:
  LogTopicSink(std::shared_ptr<const TopicOptions> options, TopicRowEncoder encoder,
               std::vector<std::shared_ptr<log::Partition>> partitions, fs::path staging_root)
      : options_(std::move(options)),
        encoder_(std::move(encoder)),
        partitions_(std::move(partitions)),
        staging_root_(std::move(staging_root)) {
    last_written_.assign(partitions_.size(), -1);
    std::random_device rd;
    id_num_ = (static_cast<uint64_t>(rd()) << 32) | rd();
    id_ = fmt::format("{:016x}", id_num_);
  }

  ~LogTopicSink() override {
    for (auto& w : writers_) {
      if (w && w->fd >= 0) ::close(w->fd);
    }
  }

  Status Write(const engine::Batch& batch) override { return WriteFrom(0, batch); }

  Status WriteFrom(int writer, const engine::Batch& batch) override {
    if (!transactional_.load(std::memory_order_acquire)) return AppendDirect(batch);
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    thread_local std::string frames;
    frames.clear();
    std::lock_guard lock(w->mu);
    SLUICE_RETURN_IF_ERROR(Encode(batch, w, &frames));
    if (frames.empty()) return Status::Ok();
    if (w->fd < 0) SLUICE_RETURN_IF_ERROR(OpenSpillLocked(w));
    return WriteAll(w->fd, frames, SpillPath(w->id));
  }

  bool transactional() const override { return true; }

  Result<std::string> PreCommit(int writer, int64_t checkpoint_id) override {
    transactional_.store(true, std::memory_order_release);
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    if (w->fd >= 0) {
      fs::path from = SpillPath(w->id);
      if (::fsync(w->fd) != 0) return Status::IoErrorFromErrno("fsync", from.string(), errno);
      ::close(w->fd);
      w->fd = -1;
      fs::path to = StagingPath(id_, checkpoint_id, w->id);
      if (::rename(from.c_str(), to.c_str()) != 0) return Status::IoErrorFromErrno("rename", from.string(), errno);
      SLUICE_RETURN_IF_ERROR(FsyncDir(staging_root_ / id_));
      w->pending.push_back(checkpoint_id);
    }
    return EncodeTopicHandle(TopicHandle{id_, w->id, w->pending});
  }

  Status Commit(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    std::lock_guard commit_lock(commit_mu_);
    SLUICE_RETURN_IF_ERROR(CommitLocked(handles));
    for (Writer* w : AllWriters()) {
      std::lock_guard lock(w->mu);
      std::erase_if(w->pending, [&](int64_t c) { return c <= checkpoint_id; });
    }
    return Status::Ok();
  }

  Status Recover(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    transactional_.store(true, std::memory_order_release);
    std::lock_guard commit_lock(commit_mu_);
    SLUICE_RETURN_IF_ERROR(CommitLocked(handles));
    // Whatever else the crashed instance staged came after the checkpoint.
    std::set<std::string> old_ids;
    for (const auto& bytes : handles) {
      if (bytes.empty()) continue;
      SLUICE_ASSIGN_OR_RETURN(TopicHandle h, DecodeTopicHandle(bytes));
      old_ids.insert(h.sink_id);
    }
    for (const auto& id : old_ids) {
      if (id == id_) continue;
      std::error_code ec;
      auto removed = fs::remove_all(staging_root_ / id, ec);
      if (ec) {
        return Status::IoError(fmt::format("topic {}: delete staging files {} written after checkpoint {}: {}",
                                           options_->topic, (staging_root_ / id).string(), checkpoint_id,
                                           ec.message()));
      }
      if (removed > 1) {
        SLUICE_LOG_INFO("connector", "topic {}: recovered checkpoint {}, discarded {} staging files written after it",
                        options_->topic, checkpoint_id, removed - 1);
      }
    }
    return Status::Ok();
  }

  Status Finish() override {
    std::lock_guard commit_lock(commit_mu_);
    // A checkpointed bounded job: publish what is staged (oldest first), then
    // what came after the last barrier.
    for (Writer* w : AllWriters()) {
      std::lock_guard lock(w->mu);
      for (int64_t c : w->pending) SLUICE_RETURN_IF_ERROR(CommitFile(StagingPath(id_, c, w->id)));
      w->pending.clear();
      if (w->fd >= 0) {
        ::close(w->fd);
        w->fd = -1;
        SLUICE_RETURN_IF_ERROR(CommitFile(SpillPath(w->id)));
      }
    }
    // Under fsync=always the job's output is durable before the job reports success.
    std::lock_guard lock(mu_);
    for (size_t p = 0; p < partitions_.size(); ++p) {
      if (last_written_[p] >= 0) SLUICE_RETURN_IF_ERROR(partitions_[p]->WaitDurable(Offset{last_written_[p]}));
    }
    return Status::Ok();
  }

 private:
  struct Writer {
    std::mutex mu;
    int32_t id = 0;
    int64_t producer_id = 0;
    int32_t generation = 0;         // bumped when a sequence would overflow int32
    std::vector<int32_t> next_seq;  // per partition
    int fd = -1;                    // the open spill file, rows since the last PreCommit
    std::vector<int64_t> pending;   // checkpoints pre-committed, not yet known committed
  };

  struct Scratch {
    std::vector<log::RecordBatchBuilder> builders;
    std::string value, key, wire;
  };

  fs::path SpillPath(int32_t writer) const { return staging_root_ / id_ / fmt::format("open-{}.batches", writer); }
  fs::path StagingPath(const std::string& sink_id, int64_t checkpoint, int32_t writer) const {
    return staging_root_ / sink_id / fmt::format("{}-{}.batches", checkpoint, writer);
  }

  int64_t ProducerId(int32_t writer, int32_t generation) const {
    uint64_t h = Mix64(id_num_ ^ Mix64((static_cast<uint64_t>(writer) << 32) | static_cast<uint32_t>(generation)));
    return static_cast<int64_t>(h & 0x7fffffffffffffffULL);
  }

  Result<Writer*> GetWriter(int writer) {
    if (writer < 0 || writer > (1 << 20)) {
      return Status::InvalidArgument(fmt::format("topic {}: writer id {} out of range", options_->topic, writer));
    }
    std::lock_guard lock(writers_mu_);
    if (static_cast<size_t>(writer) >= writers_.size()) writers_.resize(writer + 1);
    auto& w = writers_[writer];
    if (!w) {
      w = std::make_unique<Writer>();
      w->id = writer;
      w->producer_id = ProducerId(writer, 0);
      w->next_seq.assign(partitions_.size(), 0);
    }
    return w.get();
  }

  std::vector<Writer*> AllWriters() {
    std::lock_guard lock(writers_mu_);
    std::vector<Writer*> out;
    for (auto& w : writers_) {
      if (w) out.push_back(w.get());
    }
    return out;
  }

  Status OpenSpillLocked(Writer* w) {
    std::error_code ec;
    fs::create_directories(staging_root_ / id_, ec);
    if (ec) {
      return Status::IoError(fmt::format("topic {}: cannot create staging directory {}: {}", options_->topic,
                                         (staging_root_ / id_).string(), ec.message()));
    }
    fs::path path = SpillPath(w->id);
    w->fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (w->fd < 0) return Status::IoErrorFromErrno("create", path.string(), errno);
    std::string header;
    PutU8(&header, kStagingVersion);
    return WriteAll(w->fd, header, path);
  }

  // Encodes the rows into one batch per partition, as frames of the staging
  // format, continuing the writer's sequences.
  Status Encode(const engine::Batch& batch, Writer* w, std::string* frames) {
    thread_local Scratch s;
    const int32_t n = static_cast<int32_t>(partitions_.size());
    if (static_cast<int32_t>(s.builders.size()) < n) s.builders.resize(n);
    for (int32_t p = 0; p < n; ++p) {
      if (int64_t{w->next_seq[p]} + batch.active_rows() > INT32_MAX) {
        // Sequences are int32: continue as a fresh producer rather than wrap.
        w->producer_id = ProducerId(w->id, ++w->generation);
        std::fill(w->next_seq.begin(), w->next_seq.end(), 0);
        break;
      }
    }
    for (int32_t p = 0; p < n; ++p) {
      log::BatchOptions opts;
      opts.producer_id = w->producer_id;
      opts.producer_epoch = 0;
      opts.base_sequence = w->next_seq[p];
      s.builders[p].Reset(opts);
    }
    const int32_t sticky = static_cast<int32_t>(round_robin_.fetch_add(1, std::memory_order_relaxed) % n);
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      bool has_key = false;
      int64_t ts = 0;
      TopicRowEncoder::Shape shape;
      SLUICE_RETURN_IF_ERROR(encoder_.Encode(batch, row, &s.value, &s.key, &has_key, &ts, &shape));
      int32_t p = has_key ? KafkaPartitionForKey(s.key, n) : sticky;
      s.builders[p].Add(
          ts, has_key ? std::optional<std::string_view>(s.key) : std::nullopt,
          shape == TopicRowEncoder::Shape::kTombstone ? std::nullopt : std::optional<std::string_view>(s.value));
    }
    for (int32_t p = 0; p < n; ++p) {
      const int32_t count = s.builders[p].record_count();
      if (count == 0) continue;
      s.wire.clear();
      SLUICE_RETURN_IF_ERROR(s.builders[p].Finish(&s.wire));
      w->next_seq[p] += count;
      PutI32(frames, p);
      PutI32(frames, static_cast<int32_t>(s.wire.size()));
      frames->append(s.wire);
    }
    return Status::Ok();
  }

  Status CommitLocked(const std::vector<std::string>& handles) {
    std::vector<std::pair<int64_t, fs::path>> files;
    for (const auto& bytes : handles) {
      if (bytes.empty()) continue;
      SLUICE_ASSIGN_OR_RETURN(TopicHandle h, DecodeTopicHandle(bytes));
      for (int64_t c : h.checkpoints) files.emplace_back(c, StagingPath(h.sink_id, c, h.writer));
    }
    // Per writer, staging files must be appended in checkpoint order (sequences increase).
    std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [c, path] : files) SLUICE_RETURN_IF_ERROR(CommitFile(path));
    return Status::Ok();
  }

  // Appends the batches of one staging file that the partitions do not hold
  // yet, waits for them to be durable, deletes the file. A missing file was
  // committed before.
  Status CommitFile(const fs::path& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rbe"), &std::fclose);
    if (!file) {
      if (errno == ENOENT) return Status::Ok();
      return Status::IoErrorFromErrno("open staging file", path.string(), errno);
    }
    // Streamed frame by frame: a checkpoint's rows need not fit in memory.
    auto read_exact = [&](void* to, size_t n) -> Status {
      if (std::fread(to, 1, n, file.get()) == n) return Status::Ok();
      if (std::ferror(file.get())) return Status::IoErrorFromErrno("read staging file", path.string(), errno);
      return Status::Corruption(
          fmt::format("staging file {} is truncated: it was not written by a completed "
                      "PreCommit; delete it and restore from an earlier checkpoint",
                      path.string()));
    };
    uint8_t version = 0;
    SLUICE_RETURN_IF_ERROR(read_exact(&version, 1));
    if (version != kStagingVersion) {
      return Status::Unsupported(fmt::format("staging file {} has format version {}, this build reads {}",
                                             path.string(), version, kStagingVersion));
    }
    std::vector<int64_t> last(partitions_.size(), -1);
    std::string batch;
    while (true) {
      char frame[8];
      size_t got = std::fread(frame, 1, sizeof(frame), file.get());
      if (got == 0 && std::feof(file.get())) break;
      if (got != sizeof(frame)) SLUICE_RETURN_IF_ERROR(read_exact(frame + got, sizeof(frame) - got));
      CheckpointReader head(std::string_view(frame, sizeof(frame)), "topic sink staging frame");
      SLUICE_ASSIGN_OR_RETURN(int32_t p, head.I32());
      SLUICE_ASSIGN_OR_RETURN(int32_t size, head.I32());
      if (p < 0 || p >= static_cast<int32_t>(partitions_.size()) ||
          size < static_cast<int32_t>(log::kBatchHeaderSize)) {
        return Status::Corruption(
            fmt::format("staging file {}: frame for partition {} of {} bytes is invalid", path.string(), p, size));
      }
      batch.resize(static_cast<size_t>(size));
      SLUICE_RETURN_IF_ERROR(read_exact(batch.data(), batch.size()));
      log::RecordBatchHeader h = log::DecodeBatchHeader(reinterpret_cast<const uint8_t*>(batch.data()));
      auto stored = partitions_[p]->LastSequence(h.producer_id);
      if (stored && *stored >= h.base_sequence) {
        last[p] = std::max(last[p], partitions_[p]->high_watermark().value() - 1);  // appended before
        continue;
      }
      auto span = std::span<uint8_t>(reinterpret_cast<uint8_t*>(batch.data()), batch.size());
      auto r = partitions_[p]->Append(span);
      if (!r.ok()) return r.status().WithContext("commit staging file " + path.string());
      last[p] = std::max(last[p], r->last_offset.value());
    }
    for (size_t p = 0; p < partitions_.size(); ++p) {
      if (last[p] >= 0) SLUICE_RETURN_IF_ERROR(partitions_[p]->WaitDurable(Offset{last[p]}));
    }
    {
      std::lock_guard lock(mu_);
      for (size_t p = 0; p < partitions_.size(); ++p) last_written_[p] = std::max(last_written_[p], last[p]);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::IoErrorFromErrno("delete committed staging file", path.string(), errno);
    }
    return Status::Ok();
  }

  // Without checkpoints: one record batch per partition per Write(), appended at once.
  Status AppendDirect(const engine::Batch& batch) {
    thread_local Scratch s;
    const int32_t n = static_cast<int32_t>(partitions_.size());
    if (static_cast<int32_t>(s.builders.size()) < n) s.builders.resize(n);
    for (auto& b : s.builders) b.Reset(log::BatchOptions{});
    // Unkeyed rows of one Write() stick to one partition, rotating per call
    // (Kafka's sticky partitioner in spirit).
    const int32_t sticky = static_cast<int32_t>(round_robin_.fetch_add(1, std::memory_order_relaxed) % n);
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      bool has_key = false;
      int64_t ts = 0;
      TopicRowEncoder::Shape shape;
      SLUICE_RETURN_IF_ERROR(encoder_.Encode(batch, row, &s.value, &s.key, &has_key, &ts, &shape));
      int32_t p = has_key ? KafkaPartitionForKey(s.key, n) : sticky;
      s.builders[p].Add(
          ts, has_key ? std::optional<std::string_view>(s.key) : std::nullopt,
          shape == TopicRowEncoder::Shape::kTombstone ? std::nullopt : std::optional<std::string_view>(s.value));
    }
    for (int32_t p = 0; p < n; ++p) {
      if (s.builders[p].empty()) continue;
      s.wire.clear();
      SLUICE_RETURN_IF_ERROR(s.builders[p].Finish(&s.wire));
      auto span = std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.wire.data()), s.wire.size());
      SLUICE_ASSIGN_OR_RETURN(log::AppendResult r, partitions_[p]->Append(span));
      std::lock_guard lock(mu_);
      last_written_[p] = std::max(last_written_[p], r.last_offset.value());
    }
    return Status::Ok();
  }

  std::shared_ptr<const TopicOptions> options_;  // the encoder points into it
  TopicRowEncoder encoder_;
  std::vector<std::shared_ptr<log::Partition>> partitions_;
  fs::path staging_root_;  // <data_dir>/staging; this instance's files under <id_>/
  uint64_t id_num_ = 0;
  std::string id_;
  std::atomic<uint64_t> round_robin_{0};
  std::atomic<bool> transactional_{false};  // PreCommit or Recover was called
  std::mutex commit_mu_;                    // one Commit/Recover/Finish at a time
  std::mutex writers_mu_;                   // guards writers_ (the vector)
  std::vector<std::unique_ptr<Writer>> writers_;
  std::mutex mu_;
  std::vector<int64_t> last_written_;
};

// Produces through librdkafka (acks=all, Kafka's murmur2 partitioner).
// At-least-once: not transactional (no Kafka transactions yet), so rows
// written after the last checkpoint are produced again after a restore.
class KafkaTopicSink : public engine::Sink {
 public:
  static Result<std::shared_ptr<KafkaTopicSink>> Create(const engine::TableDescriptor& table, TopicOptions options) {
    auto sink = std::shared_ptr<KafkaTopicSink>(new KafkaTopicSink());
    sink->options_ = std::make_shared<const TopicOptions>(std::move(options));
    SLUICE_ASSIGN_OR_RETURN(TopicRowEncoder encoder, TopicRowEncoder::ForTable(table, sink->options_.get()));
    sink->encoder_ = std::make_unique<TopicRowEncoder>(std::move(encoder));
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::pair<const char*, std::string> props[] = {{"bootstrap.servers", sink->options_->bootstrap},
                                                         {"client.id", "sluice-engine"},
                                                         {"acks", "all"},
                                                         {"partitioner", "murmur2_random"},
                                                         {"linger.ms", "5"},
                                                         {"log_level", "3"}};
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return Status::InvalidArgument(fmt::format("table {}: {}={}: {}", table.name, k, v, err));
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, &KafkaTopicSink::OnDelivery);
    rd_kafka_conf_set_opaque(conf, sink.get());
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(fmt::format("table {}: cannot create producer: {}", table.name, err));
    }
    sink->rk_.reset(rk);
    return sink;
  }

  Status Write(const engine::Batch& batch) override {
    SLUICE_RETURN_IF_ERROR(FirstError());
    thread_local std::string value, key;
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      bool has_key = false;
      int64_t ts = 0;
      TopicRowEncoder::Shape shape;
      SLUICE_RETURN_IF_ERROR(encoder_->Encode(batch, row, &value, &key, &has_key, &ts, &shape));
      const bool tombstone = shape == TopicRowEncoder::Shape::kTombstone;
      while (true) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk_.get(), RD_KAFKA_V_TOPIC(options_->topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(tombstone ? nullptr : value.data(), tombstone ? 0 : value.size()),
            RD_KAFKA_V_KEY(has_key ? key.data() : nullptr, has_key ? key.size() : 0), RD_KAFKA_V_TIMESTAMP(ts),
            RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(rk_.get(), 50);  // backpressure: wait for deliveries
          continue;
        }
        if (e) return KafkaStatus(e, "produce to topic " + options_->topic);
        break;
      }
    }
    rd_kafka_poll(rk_.get(), 0);
    return Status::Ok();
  }

  Status Finish() override {
    rd_kafka_resp_err_t e = rd_kafka_flush(rk_.get(), 60000);
    if (e) return KafkaStatus(e, "flush to topic " + options_->topic);
    return FirstError();
  }

 private:
  KafkaTopicSink() = default;

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    if (!m->err) return;
    auto* self = static_cast<KafkaTopicSink*>(opaque);
    std::lock_guard lock(self->mu_);
    if (self->error_.ok()) self->error_ = KafkaStatus(m->err, "deliver to topic " + self->options_->topic);
  }

  Status FirstError() {
    std::lock_guard lock(mu_);
    return error_;
  }

  std::shared_ptr<const TopicOptions> options_;  // the encoder points into it
  std::unique_ptr<TopicRowEncoder> encoder_;
  std::mutex mu_;
  Status error_;
  KafkaHandle rk_;  // last: destroyed first, while the rest is still valid for callbacks
};

}  // namespace

Result<std::shared_ptr<engine::Sink>> NewLogTopicSink(const engine::TableDescriptor& table, TopicOptions options,
                                                      log::Log* log, const std::filesystem::path& data_dir) {
  auto config = log->DescribeTopic(options.topic);
  if (!config.ok()) {
    // Like a Kafka broker with auto-create: a sink topic appears on first use.
    log::TopicConfig fresh;
    Status s = log->CreateTopic(options.topic, fresh);
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s.WithContext("table " + table.name);
    config = log->DescribeTopic(options.topic);
    if (!config.ok()) return config.status();
  }
  std::vector<std::shared_ptr<log::Partition>> partitions;
  for (int32_t p = 0; p < config->partitions; ++p) {
    SLUICE_ASSIGN_OR_RETURN(auto part, log->GetPartition(options.topic, PartitionId{p}));
    partitions.push_back(std::move(part));
  }
  auto owned = std::make_shared<const TopicOptions>(std::move(options));
  SLUICE_ASSIGN_OR_RETURN(TopicRowEncoder encoder, TopicRowEncoder::ForTable(table, owned.get()));
  return std::shared_ptr<engine::Sink>(std::make_shared<LogTopicSink>(
      owned, std::move(encoder), std::move(partitions), (data_dir.empty() ? log->data_dir() : data_dir) / "staging"));
}

Result<std::shared_ptr<engine::Sink>> NewKafkaTopicSink(const engine::TableDescriptor& table, TopicOptions options) {
  SLUICE_ASSIGN_OR_RETURN(auto sink, KafkaTopicSink::Create(table, std::move(options)));
  return std::shared_ptr<engine::Sink>(std::move(sink));
}

}  // namespace sluice::connectors
