#include "connectors/filesystem_connector.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <string_view>

#include "common/duration.h"
#include "common/logging.h"
#include "connectors/checkpoint_codec.h"
#include "connectors/dead_letters.h"
#include "connectors/row_codec.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::Batch;
using engine::ReadStatus;

constexpr size_t kReadChunk = 1 << 20;

// Processing time of a dead letter (the wall clock, as Flink's PROCTIME).
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Position format, version 1 (SourceReader::Position of a file split):
//   u8  version = 1
//   i64 byte offset just after the last line returned (or skipped as bad)
//   i64 lines consumed so far (for the line numbers of dead letters)
//   u32 length + file name (the split's file, checked on resume)
// Little-endian (checkpoint_codec.h).
constexpr uint8_t kFilePositionVersion = 1;

// Reads one file line by line in 1 MiB chunks (memory stays bounded by the
// longest line), decoding each line into the next row of the batch.
class FileReader : public engine::SourceReader {
 public:
  FileReader(fs::path path, RowDecoder decoder, std::shared_ptr<DeadLetters> dead, int64_t start_offset = 0,
             int64_t start_line = 0)
      : path_(std::move(path)),
        decoder_(std::move(decoder)),
        dead_(std::move(dead)),
        buf_base_(start_offset),
        line_no_(start_line) {}
  ~FileReader() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Result<ReadStatus> Read(Batch* out) override {
    if (fd_ < 0 && !eof_) {
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return Status::IoErrorFromErrno("open", path_.string(), errno);
      if (buf_base_ > 0 && ::lseek(fd_, buf_base_, SEEK_SET) != buf_base_) {
        return Status::IoErrorFromErrno("seek", fmt::format("{} to byte {}", path_.string(), buf_base_), errno);
      }
    }
    // Returns early once a batch's worth of dead letters wait to be taken.
    while (out->num_rows() < out->capacity() &&
           !(dead_out_ && dead_out_->size() >= static_cast<size_t>(out->capacity()))) {
      size_t nl = buf_.find('\n', pos_);
      if (nl == std::string::npos) {
        if (eof_) {
          if (pos_ < buf_.size()) {  // last line without a newline
            Line(std::string_view(buf_).substr(pos_), out);
            pos_ = buf_.size();
          }
          break;
        }
        SLUICE_RETURN_IF_ERROR(Fill());
        continue;
      }
      Line(std::string_view(buf_).substr(pos_, nl - pos_), out);
      pos_ = nl + 1;
    }
    if (out->num_rows() == 0 && eof_ && pos_ >= buf_.size()) return ReadStatus::kEndOfInput;
    return ReadStatus::kData;
  }

  int64_t bad_records() const override { return bad_; }
  void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override { dead_out_ = out; }

  Result<std::string> Position() const override {
    std::string out;
    PutU8(&out, kFilePositionVersion);
    PutI64(&out, buf_base_ + static_cast<int64_t>(pos_));
    PutI64(&out, line_no_);
    PutBytes(&out, path_.filename().string());
    return out;
  }

 private:
  Status Fill() {
    buf_.erase(0, pos_);
    buf_base_ += static_cast<int64_t>(pos_);
    pos_ = 0;
    size_t old = buf_.size();
    buf_.resize(old + kReadChunk);
    ssize_t n = ::read(fd_, buf_.data() + old, kReadChunk);
    if (n < 0) return Status::IoErrorFromErrno("read", path_.string(), errno);
    buf_.resize(old + static_cast<size_t>(n));
    if (n == 0) {
      eof_ = true;
      ::close(fd_);
      fd_ = -1;
    }
    return Status::Ok();
  }

  void Line(std::string_view line, Batch* out) {
    ++line_no_;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) return;
    int row = out->num_rows();
    Status s = decoder_.Decode(line, out, row);
    if (!s.ok()) {
      ++bad_;
      std::string position = fmt::format("{} line {}", path_.string(), line_no_);
      if (dead_out_) {
        dead_out_->push_back(engine::DeadLetter{std::string(line), std::string(s.message()), position, NowMs()});
      }
      dead_->Add(position, s.message());
      return;
    }
    out->set_num_rows(row + 1);
  }

  fs::path path_;
  RowDecoder decoder_;
  std::shared_ptr<DeadLetters> dead_;
  std::vector<engine::DeadLetter>* dead_out_ = nullptr;  // set by the job when it has a dead-letter output
  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
  int64_t buf_base_ = 0;  // file offset of buf_[0]
  size_t pos_ = 0;
  int64_t line_no_ = 0;
  int64_t bad_ = 0;
};

// Position format, version 2 (the one split of a monitored directory):
//   u8  version = 2
//   u8  0: no file read yet, 1: inside `name`, 2: `name` read to its end
//   i64 byte offset in `name` just after the last line returned
//   i64 lines of `name` consumed so far
//   u32 length + file name
// Files whose names sort before `name` were read earlier.
constexpr uint8_t kDirectoryPositionVersion = 2;

// 'source.monitor-interval': reads a directory's files in name order, each
// once, and looks for new ones every interval (as Flink's continuous file
// source: a file must be complete when it appears — write it elsewhere, or
// hidden with a leading '.', and rename it in). One split.
class DirectoryFollower : public engine::SourceReader {
 public:
  DirectoryFollower(fs::path dir, engine::TableDescriptor table, int64_t interval_ms, std::shared_ptr<DeadLetters> dead,
                    uint8_t state = 0, std::string current = "", int64_t offset = 0, int64_t line = 0)
      : dir_(std::move(dir)),
        table_(std::move(table)),
        interval_ms_(interval_ms),
        dead_(std::move(dead)),
        state_(state),
        current_(std::move(current)),
        resume_offset_(offset),
        resume_line_(line) {}

  Result<ReadStatus> Read(Batch* out) override {
    while (true) {
      if (!reader_) {
        if (pending_.empty()) {
          const auto now = std::chrono::steady_clock::now();
          if (now < next_scan_) return ReadStatus::kNoDataNow;
          next_scan_ = now + std::chrono::milliseconds(interval_ms_);
          Scan();
          if (pending_.empty()) return ReadStatus::kNoDataNow;
        }
        SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table_));
        const bool resume = state_ == 1 && pending_.front() == current_;
        current_ = pending_.front();
        pending_.erase(pending_.begin());
        reader_ = std::make_unique<FileReader>(dir_ / current_, std::move(decoder), dead_, resume ? resume_offset_ : 0,
                                               resume ? resume_line_ : 0);
        reader_->SetDeadLetterOutput(dead_out_);
        state_ = 1;
      }
      SLUICE_ASSIGN_OR_RETURN(ReadStatus rs, reader_->Read(out));
      if (rs != ReadStatus::kEndOfInput) return rs;
      bad_done_ += reader_->bad_records();
      reader_.reset();
      state_ = 2;
    }
  }

  int64_t bad_records() const override { return bad_done_ + (reader_ ? reader_->bad_records() : 0); }
  void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override {
    dead_out_ = out;
    if (reader_) reader_->SetDeadLetterOutput(out);
  }

  Result<std::string> Position() const override {
    int64_t offset = 0, line = 0;
    if (reader_) {
      // The file reader's own position: version 1, offset, line, name.
      SLUICE_ASSIGN_OR_RETURN(std::string inner, reader_->Position());
      CheckpointReader in(inner, "file position");
      SLUICE_RETURN_IF_ERROR(in.Version(kFilePositionVersion));
      SLUICE_ASSIGN_OR_RETURN(offset, in.I64());
      SLUICE_ASSIGN_OR_RETURN(line, in.I64());
    }
    std::string out;
    PutU8(&out, kDirectoryPositionVersion);
    PutU8(&out, state_);
    PutI64(&out, offset);
    PutI64(&out, line);
    PutBytes(&out, current_);
    return out;
  }

 private:
  // Queues the visible files after the current one, in name order (and the
  // current one itself when a restore resumes inside it).
  void Scan() {
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      std::string name = e.path().filename().string();
      if (!e.is_regular_file() || name.empty() || name[0] == '.' || name[0] == '_') continue;
      if (state_ == 0 || name > current_ || (state_ == 1 && name == current_)) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    pending_ = std::move(names);
  }

  fs::path dir_;
  engine::TableDescriptor table_;
  int64_t interval_ms_;
  std::shared_ptr<DeadLetters> dead_;
  uint8_t state_;
  std::string current_;
  int64_t resume_offset_;
  int64_t resume_line_;
  std::vector<std::string> pending_;
  std::unique_ptr<FileReader> reader_;
  std::vector<engine::DeadLetter>* dead_out_ = nullptr;
  std::chrono::steady_clock::time_point next_scan_{};
  int64_t bad_done_ = 0;
};

class FileSource : public engine::Source {
 public:
  static Result<std::shared_ptr<FileSource>> Create(const engine::TableDescriptor& table) {
    auto s = std::shared_ptr<FileSource>(new FileSource());
    SLUICE_ASSIGN_OR_RETURN(std::string path, table.RequiredOption("path"));
    std::error_code ec;
    if (table.options.count("source.monitor-interval")) {
      SLUICE_ASSIGN_OR_RETURN(s->monitor_ms_,
                              ParseDurationMs("source.monitor-interval", table.Option("source.monitor-interval")));
      if (s->monitor_ms_ <= 0 || !fs::is_directory(path, ec)) {
        return Status::InvalidArgument(
            fmt::format("table {}: 'source.monitor-interval' needs a positive interval and a directory 'path' to watch",
                        table.name));
      }
      s->dir_ = path;
    } else if (fs::is_directory(path, ec)) {
      for (const auto& e : fs::directory_iterator(path, ec)) {
        std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.empty() || name[0] == '.' || name[0] == '_') continue;
        s->files_.push_back(e.path());
      }
      std::sort(s->files_.begin(), s->files_.end());
    } else if (fs::exists(path, ec)) {
      s->files_.push_back(path);
    } else {
      return Status::NotFound(fmt::format("table {}: 'path' = '{}' does not exist", table.name, path));
    }
    s->table_ = table;
    if (!table.event_time_column.empty()) {
      SLUICE_ASSIGN_OR_RETURN(s->event_time_column_, table.schema.IndexOf(table.event_time_column));
    }
    SLUICE_ASSIGN_OR_RETURN(auto probe, RowDecoder::ForTable(table));  // validates 'format' now
    (void)probe;
    s->dead_ = std::make_shared<DeadLetters>(table.name);
    return s;
  }

  std::string name() const override { return "filesystem:" + table_.name; }
  const engine::Schema& schema() const override { return table_.schema; }
  int event_time_column() const override { return event_time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return table_.watermark; }
  int num_splits() const override { return monitor_ms_ > 0 ? 1 : static_cast<int>(files_.size()); }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override {
    if (split < 0 || split >= num_splits()) return Status::OutOfRange("no such file split");
    if (monitor_ms_ > 0) {
      return std::unique_ptr<engine::SourceReader>(new DirectoryFollower(dir_, table_, monitor_ms_, dead_));
    }
    SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table_));
    return std::unique_ptr<engine::SourceReader>(new FileReader(files_[split], std::move(decoder), dead_));
  }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    if (split < 0 || split >= num_splits()) {
      return Status::OutOfRange(
          fmt::format("table {}: no file split {} to resume ({} files now)", table_.name, split, num_splits()));
    }
    if (monitor_ms_ > 0) {
      CheckpointReader in(position, "monitored directory position");
      SLUICE_RETURN_IF_ERROR(in.Version(kDirectoryPositionVersion));
      SLUICE_ASSIGN_OR_RETURN(uint8_t state, in.U8());
      SLUICE_ASSIGN_OR_RETURN(int64_t offset, in.I64());
      SLUICE_ASSIGN_OR_RETURN(int64_t line, in.I64());
      SLUICE_ASSIGN_OR_RETURN(std::string_view name, in.Bytes());
      SLUICE_RETURN_IF_ERROR(in.End());
      if (state > 2) return Status::Corruption("monitored directory position: bad state");
      return std::unique_ptr<engine::SourceReader>(
          new DirectoryFollower(dir_, table_, monitor_ms_, dead_, state, std::string(name), offset, line));
    }
    CheckpointReader in(position, "filesystem source position");
    SLUICE_RETURN_IF_ERROR(in.Version(kFilePositionVersion));
    SLUICE_ASSIGN_OR_RETURN(int64_t offset, in.I64());
    SLUICE_ASSIGN_OR_RETURN(int64_t line, in.I64());
    SLUICE_ASSIGN_OR_RETURN(std::string_view name, in.Bytes());
    SLUICE_RETURN_IF_ERROR(in.End());
    if (name != files_[split].filename().string()) {
      return Status::InvalidArgument(
          fmt::format("table {}: split {} was file '{}' when the checkpoint was taken but is '{}' now: the files "
                      "under 'path' changed; restore with the same files or start the job afresh",
                      table_.name, split, name, files_[split].filename().string()));
    }
    std::error_code ec;
    auto size = fs::file_size(files_[split], ec);
    if (ec || offset < 0 || static_cast<uintmax_t>(offset) > size) {
      return Status::InvalidArgument(
          fmt::format("table {}: cannot resume {} at byte {}: the file is {} bytes now (it was truncated or replaced)",
                      table_.name, files_[split].string(), offset, ec ? 0 : size));
    }
    SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table_));
    return std::unique_ptr<engine::SourceReader>(
        new FileReader(files_[split], std::move(decoder), dead_, offset, line));
  }

 private:
  FileSource() = default;
  engine::TableDescriptor table_;
  std::vector<fs::path> files_;
  fs::path dir_;            // with 'source.monitor-interval'
  int64_t monitor_ms_ = 0;  // 0: bounded (the files present at start, one split each)
  int event_time_column_ = -1;
  std::shared_ptr<DeadLetters> dead_;
};

Status FsyncPath(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open", p.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoErrorFromErrno("fsync", p.string(), err);
  return Status::Ok();
}

// Handle format (Sink::PreCommit of the filesystem sink), version 1
// (little-endian, checkpoint_codec.h):
//   u8  version = 1
//   u32 length + sink id (the writing instance's random id)
//   u32 length + extension of the visible files (".json" / ".csv")
//   i32 count, then count × (u32 length + hidden part file name,
//       ".part-<sinkid>-<writer>-<n>.inprogress")
// A handle lists every part file of its writer that was pre-committed and
// not yet known to be committed (so also those of a checkpoint that failed
// after its pre-commit): committing checkpoint N publishes everything its
// writers wrote before barrier N. The visible name of ".part-X.inprogress"
// is "part-X<extension>".
constexpr uint8_t kFileHandleVersion = 1;
constexpr std::string_view kInProgressSuffix = ".inprogress";

struct FileHandle {
  std::string sink_id;
  std::string extension;
  std::vector<std::string> hidden;
};

std::string EncodeFileHandle(const FileHandle& h) {
  std::string out;
  PutU8(&out, kFileHandleVersion);
  PutBytes(&out, h.sink_id);
  PutBytes(&out, h.extension);
  PutI32(&out, static_cast<int32_t>(h.hidden.size()));
  for (const auto& name : h.hidden) PutBytes(&out, name);
  return out;
}

Result<FileHandle> DecodeFileHandle(std::string_view bytes) {
  CheckpointReader in(bytes, "filesystem sink handle");
  SLUICE_RETURN_IF_ERROR(in.Version(kFileHandleVersion));
  FileHandle h;
  SLUICE_ASSIGN_OR_RETURN(std::string_view id, in.Bytes());
  SLUICE_ASSIGN_OR_RETURN(std::string_view ext, in.Bytes());
  SLUICE_ASSIGN_OR_RETURN(int32_t n, in.I32());
  h.sink_id = id;
  h.extension = ext;
  for (int32_t i = 0; i < n; ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::string_view name, in.Bytes());
    // A name is a plain hidden file of this sink: never a path that leaves the directory.
    if (name.size() <= 1 + kInProgressSuffix.size() || name[0] != '.' || name.find('/') != std::string_view::npos ||
        !name.ends_with(kInProgressSuffix)) {
      return Status::Corruption(fmt::format("filesystem sink handle names '{}', which is not a part file", name));
    }
    h.hidden.emplace_back(name);
  }
  SLUICE_RETURN_IF_ERROR(in.End());
  return h;
}

std::string VisibleName(std::string_view hidden, std::string_view extension) {
  hidden.remove_prefix(1);
  hidden.remove_suffix(kInProgressSuffix.size());
  return std::string(hidden) + std::string(extension);
}

// Part files with in-progress → committed renames, per writer, two-phase
// committed with checkpoints (see the header).
//
// Thread-safety: thread-safe. Each writer's state has its own lock, so
// writers do not wait for each other; Commit() (another thread) takes a
// writer's lock only to drop what it published from the writer's list.
// Durability: a part file is fsynced when it is closed (roll, PreCommit,
// Finish); its name is made durable by fsyncing the directory at PreCommit
// and after every rename.
class FileSink : public engine::Sink {
 public:
  static Result<std::shared_ptr<FileSink>> Create(const engine::TableDescriptor& table) {
    auto s = std::shared_ptr<FileSink>(new FileSink(table));
    SLUICE_ASSIGN_OR_RETURN(std::string path, table.RequiredOption("path"));
    s->dir_ = path;
    std::error_code ec;
    fs::create_directories(s->dir_, ec);
    if (ec)
      return Status::IoError(fmt::format("table {}: cannot create directory {}: {}", table.name, path, ec.message()));
    std::string roll = table.Option("sink.rolling-policy.file-size", "134217728");
    char* end = nullptr;
    s->roll_bytes_ = std::strtoll(roll.c_str(), &end, 10);
    if (*end != '\0' || s->roll_bytes_ <= 0) {
      return Status::InvalidArgument(fmt::format(
          "table {}: 'sink.rolling-policy.file-size' must be a number of bytes, got '{}'", table.name, roll));
    }
    SLUICE_ASSIGN_OR_RETURN(auto encoder, RowEncoder::ForTable(table));
    s->encoder_ = std::make_unique<RowEncoder>(std::move(encoder));
    std::random_device rd;
    s->id_ = fmt::format("{:08x}{:08x}", rd(), rd());
    return s;
  }

  ~FileSink() override {
    for (auto& w : writers_) {
      if (w && w->fd >= 0) ::close(w->fd);  // an uncommitted part stays hidden
    }
  }

  Status Write(const Batch& batch) override { return WriteFrom(0, batch); }

  Status WriteFrom(int writer, const Batch& batch) override {
    thread_local std::string buf;
    buf.clear();
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      if (batch.row_kind(row) != engine::RowKind::kInsert) {
        return Status::InvalidArgument(
            fmt::format("table {}: the filesystem sink is append-only, but the query produces updates ({}); write an "
                        "append-only query (e.g. a window aggregation) or use a sink that accepts changelogs",
                        table_.name, engine::RowKindName(batch.row_kind(row))));
      }
      encoder_->Encode(batch, row, &buf);
      buf.push_back('\n');
    }
    if (buf.empty()) return Status::Ok();
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    if (w->fd < 0) SLUICE_RETURN_IF_ERROR(OpenPartLocked(w));
    const char* p = buf.data();
    size_t left = buf.size();
    while (left > 0) {
      ssize_t n = ::write(w->fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoErrorFromErrno("write", (dir_ / w->hidden).string(), errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    w->written += static_cast<int64_t>(buf.size());
    if (w->written >= roll_bytes_) {
      SLUICE_RETURN_IF_ERROR(ClosePartLocked(w));
      if (!transactional_.load(std::memory_order_acquire)) {
        // Without checkpoints a rolled part is published at once, as before exactly-once existed.
        std::vector<std::string> rolled = std::move(w->closed);
        w->closed.clear();
        SLUICE_RETURN_IF_ERROR(Publish(encoder_->extension(), rolled));
        SLUICE_RETURN_IF_ERROR(FsyncPath(dir_, O_RDONLY | O_DIRECTORY));
      }
    }
    return Status::Ok();
  }

  bool transactional() const override { return true; }

  Result<std::string> PreCommit(int writer, int64_t checkpoint_id) override {
    transactional_.store(true, std::memory_order_release);
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    if (w->fd >= 0) SLUICE_RETURN_IF_ERROR(ClosePartLocked(w));
    if (!w->closed.empty()) {
      SLUICE_RETURN_IF_ERROR(FsyncPath(dir_, O_RDONLY | O_DIRECTORY));  // the new names are durable
      for (auto& name : w->closed) w->pending.push_back({checkpoint_id, std::move(name)});
      w->closed.clear();
    }
    FileHandle h{id_, encoder_->extension(), {}};
    for (const auto& p : w->pending) h.hidden.push_back(p.hidden);
    return EncodeFileHandle(h);
  }

  Status Commit(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    std::lock_guard commit_lock(commit_mu_);
    for (const auto& bytes : handles) {
      if (bytes.empty()) continue;  // a writer that never pre-committed
      SLUICE_ASSIGN_OR_RETURN(FileHandle h, DecodeFileHandle(bytes));
      SLUICE_RETURN_IF_ERROR(Publish(h.extension, h.hidden));
    }
    SLUICE_RETURN_IF_ERROR(FsyncPath(dir_, O_RDONLY | O_DIRECTORY));
    std::vector<Writer*> writers;
    {
      std::lock_guard lock(writers_mu_);
      for (auto& w : writers_) {
        if (w) writers.push_back(w.get());
      }
    }
    for (Writer* w : writers) {
      std::lock_guard lock(w->mu);
      std::erase_if(w->pending, [&](const Pending& p) { return p.checkpoint <= checkpoint_id; });
    }
    return Status::Ok();
  }

  Status Recover(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    transactional_.store(true, std::memory_order_release);
    SLUICE_RETURN_IF_ERROR(Commit(checkpoint_id, handles));
    // What the crashed instance wrote after the checkpoint: its hidden files that no handle lists.
    std::set<std::string> listed;
    std::set<std::string> old_ids;
    for (const auto& bytes : handles) {
      if (bytes.empty()) continue;
      SLUICE_ASSIGN_OR_RETURN(FileHandle h, DecodeFileHandle(bytes));
      old_ids.insert(h.sink_id);
      listed.insert(h.hidden.begin(), h.hidden.end());
    }
    if (old_ids.empty()) return Status::Ok();
    std::error_code ec;
    int removed = 0;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with(".part-") || !name.ends_with(kInProgressSuffix) || listed.count(name)) continue;
      for (const auto& id : old_ids) {
        if (name.compare(6, id.size() + 1, id + "-") != 0) continue;
        if (::unlink(e.path().c_str()) != 0 && errno != ENOENT) {
          return Status::IoErrorFromErrno("delete uncommitted part file", e.path().string(), errno);
        }
        ++removed;
        break;
      }
    }
    if (ec) return Status::IoError(fmt::format("table {}: list {}: {}", table_.name, dir_.string(), ec.message()));
    if (removed > 0) {
      SLUICE_LOG_INFO("connector", "table {}: recovered checkpoint {}, discarded {} part files written after it",
                      table_.name, checkpoint_id, removed);
      SLUICE_RETURN_IF_ERROR(FsyncPath(dir_, O_RDONLY | O_DIRECTORY));
    }
    return Status::Ok();
  }

  // The end of a bounded job: everything written is published, checkpointed or not.
  Status Finish() override {
    std::lock_guard commit_lock(commit_mu_);
    std::lock_guard lock(writers_mu_);
    for (auto& w : writers_) {
      if (!w) continue;
      std::lock_guard wl(w->mu);
      if (w->fd >= 0) SLUICE_RETURN_IF_ERROR(ClosePartLocked(w.get()));
      std::vector<std::string> names;
      for (auto& p : w->pending) names.push_back(std::move(p.hidden));
      for (auto& n : w->closed) names.push_back(std::move(n));
      w->pending.clear();
      w->closed.clear();
      SLUICE_RETURN_IF_ERROR(Publish(encoder_->extension(), names));
    }
    return FsyncPath(dir_, O_RDONLY | O_DIRECTORY);
  }

 private:
  struct Pending {
    int64_t checkpoint;  // pre-committed at this checkpoint's barrier
    std::string hidden;
  };
  struct Writer {
    std::mutex mu;
    int id = 0;
    int fd = -1;
    std::string hidden;  // the open part file's name
    int64_t written = 0;
    int64_t next_part = 0;
    std::vector<std::string> closed;  // complete, fsynced, not yet pre-committed
    std::vector<Pending> pending;     // pre-committed, not yet known committed
  };

  explicit FileSink(engine::TableDescriptor table) : table_(std::move(table)) {}

  Result<Writer*> GetWriter(int writer) {
    if (writer < 0 || writer > (1 << 20)) {
      return Status::InvalidArgument(fmt::format("table {}: writer id {} out of range", table_.name, writer));
    }
    std::lock_guard lock(writers_mu_);
    if (static_cast<size_t>(writer) >= writers_.size()) writers_.resize(writer + 1);
    auto& w = writers_[writer];
    if (!w) {
      w = std::make_unique<Writer>();
      w->id = writer;
    }
    return w.get();
  }

  Status OpenPartLocked(Writer* w) {
    w->hidden = fmt::format(".part-{}-{}-{}{}", id_, w->id, w->next_part++, kInProgressSuffix);
    fs::path path = dir_ / w->hidden;
    w->fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (w->fd < 0) return Status::IoErrorFromErrno("create", path.string(), errno);
    w->written = 0;
    return Status::Ok();
  }

  // fsyncs and closes the open part file; it stays hidden, in `closed`.
  Status ClosePartLocked(Writer* w) {
    fs::path path = dir_ / w->hidden;
    if (::fsync(w->fd) != 0) return Status::IoErrorFromErrno("fsync", path.string(), errno);
    ::close(w->fd);
    w->fd = -1;
    w->closed.push_back(std::move(w->hidden));
    w->hidden.clear();
    return Status::Ok();
  }

  // Renames each hidden part file to its visible name. Idempotent: a part
  // whose visible file exists and hidden one does not was published before.
  // The caller fsyncs the directory.
  Status Publish(std::string_view extension, const std::vector<std::string>& hidden) {
    for (const auto& name : hidden) {
      fs::path from = dir_ / name;
      fs::path to = dir_ / VisibleName(name, extension);
      if (::rename(from.c_str(), to.c_str()) == 0) {
        SLUICE_LOG_DEBUG("connector", "table {}: committed {}", table_.name, to.string());
        continue;
      }
      int err = errno;
      std::error_code ec;
      if (err == ENOENT && fs::exists(to, ec)) continue;  // committed before
      return Status::IoErrorFromErrno(
          fmt::format("commit part file (its checkpoint's data is missing unless {} exists)", to.string()),
          from.string(), err);
    }
    return Status::Ok();
  }

  engine::TableDescriptor table_;
  fs::path dir_;
  int64_t roll_bytes_ = 0;
  std::unique_ptr<RowEncoder> encoder_;
  std::string id_;
  std::atomic<bool> transactional_{false};  // PreCommit or Recover was called: rolled parts wait for a checkpoint
  std::mutex commit_mu_;                    // one Commit/Recover/Finish at a time
  std::mutex writers_mu_;                   // guards writers_ (the vector, not the writers)
  std::vector<std::unique_ptr<Writer>> writers_;
};

class FilesystemConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "filesystem"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& table,
                                                       const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(auto s, FileSource::Create(table));
    return std::shared_ptr<engine::Source>(std::move(s));
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& table,
                                                   const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(auto s, FileSink::Create(table));
    return std::shared_ptr<engine::Sink>(std::move(s));
  }
};

}  // namespace

std::shared_ptr<engine::ConnectorFactory> NewFilesystemConnector() { return std::make_shared<FilesystemConnector>(); }

}  // namespace sluice::connectors
