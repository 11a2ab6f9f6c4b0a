#include "connectors/filesystem_connector.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <random>

#include "common/logging.h"
#include "connectors/dead_letters.h"
#include "connectors/row_codec.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::Batch;
using engine::ReadStatus;

constexpr size_t kReadChunk = 1 << 20;

// Reads one file line by line in 1 MiB chunks (memory stays bounded by the
// longest line), decoding each line into the next row of the batch.
class FileReader : public engine::SourceReader {
 public:
  FileReader(fs::path path, RowDecoder decoder, std::shared_ptr<DeadLetters> dead)
      : path_(std::move(path)), decoder_(std::move(decoder)), dead_(std::move(dead)) {}
  ~FileReader() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Result<ReadStatus> Read(Batch* out) override {
    if (fd_ < 0 && !eof_) {
      fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return Status::IoErrorFromErrno("open", path_.string(), errno);
    }
    while (out->num_rows() < out->capacity()) {
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

 private:
  Status Fill() {
    buf_.erase(0, pos_);
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
      dead_->Add(fmt::format("{} line {}", path_.string(), line_no_), s.message());
      return;
    }
    out->set_num_rows(row + 1);
  }

  fs::path path_;
  RowDecoder decoder_;
  std::shared_ptr<DeadLetters> dead_;
  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
  size_t pos_ = 0;
  int64_t line_no_ = 0;
  int64_t bad_ = 0;
};

class FileSource : public engine::Source {
 public:
  static Result<std::shared_ptr<FileSource>> Create(const engine::TableDescriptor& table) {
    auto s = std::shared_ptr<FileSource>(new FileSource());
    SLUICE_ASSIGN_OR_RETURN(std::string path, table.RequiredOption("path"));
    if (table.options.count("source.monitor-interval")) {
      return Status::Unsupported(fmt::format(
          "table {}: 'source.monitor-interval' (continuous file reading) is not supported yet; the filesystem "
          "source reads the files present when the job starts",
          table.name));
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
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
  int num_splits() const override { return static_cast<int>(files_.size()); }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override {
    if (split < 0 || split >= num_splits()) return Status::OutOfRange("no such file split");
    SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table_));
    return std::unique_ptr<engine::SourceReader>(new FileReader(files_[split], std::move(decoder), dead_));
  }

 private:
  FileSource() = default;
  engine::TableDescriptor table_;
  std::vector<fs::path> files_;
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

// Part files with in-progress → committed renames (see the header).
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
    if (fd_ >= 0) ::close(fd_);  // an uncommitted part stays hidden
  }

  Status Write(const Batch& batch) override {
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
    std::lock_guard lock(mu_);
    if (fd_ < 0) SLUICE_RETURN_IF_ERROR(OpenPartLocked());
    const char* p = buf.data();
    size_t left = buf.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoErrorFromErrno("write", in_progress_.string(), errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    written_ += static_cast<int64_t>(buf.size());
    if (written_ >= roll_bytes_) SLUICE_RETURN_IF_ERROR(CommitLocked());
    return Status::Ok();
  }

  Status Finish() override {
    std::lock_guard lock(mu_);
    if (fd_ >= 0) SLUICE_RETURN_IF_ERROR(CommitLocked());
    return Status::Ok();
  }

 private:
  explicit FileSink(engine::TableDescriptor table) : table_(std::move(table)) {}

  Status OpenPartLocked() {
    in_progress_ = dir_ / fmt::format(".part-{}-{}.inprogress", id_, part_);
    fd_ = ::open(in_progress_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IoErrorFromErrno("create", in_progress_.string(), errno);
    written_ = 0;
    return Status::Ok();
  }

  Status CommitLocked() {
    if (::fsync(fd_) != 0) return Status::IoErrorFromErrno("fsync", in_progress_.string(), errno);
    ::close(fd_);
    fd_ = -1;
    fs::path committed = dir_ / fmt::format("part-{}-{}{}", id_, part_, encoder_->extension());
    if (::rename(in_progress_.c_str(), committed.c_str()) != 0) {
      return Status::IoErrorFromErrno("rename", in_progress_.string(), errno);
    }
    SLUICE_RETURN_IF_ERROR(FsyncPath(dir_, O_RDONLY | O_DIRECTORY));
    SLUICE_LOG_DEBUG("connector", "table {}: committed {}", table_.name, committed.string());
    ++part_;
    return Status::Ok();
  }

  engine::TableDescriptor table_;
  fs::path dir_;
  int64_t roll_bytes_ = 0;
  std::unique_ptr<RowEncoder> encoder_;
  std::string id_;
  std::mutex mu_;
  int fd_ = -1;
  fs::path in_progress_;
  int64_t written_ = 0;
  int part_ = 0;
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
