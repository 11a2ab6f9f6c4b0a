#include "connectors/filesystem_connector.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>

#include "common/duration.h"
#include "common/logging.h"
#include "connectors/checkpoint_codec.h"
#include "connectors/dead_letters.h"
#include "connectors/partition_path.h"
#include "connectors/row_codec.h"
#include "engine/expression.h"
#include "engine/value.h"

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
    while (out->num_rows() + decoder_.max_rows_per_record() <= out->capacity() &&
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

  // Values every row of the file gets in these columns (the partition
  // columns of a partitioned directory, from the file's directory names).
  void set_constants(std::vector<std::pair<int, engine::Value>> constants) { constants_ = std::move(constants); }

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
    const int rows = decoder_.rows_decoded();
    for (int r = row; r < row + rows; ++r) {
      for (const auto& [column, value] : constants_) value.WriteTo(&out->column(column), r);
    }
    out->set_num_rows(row + rows);
  }

  fs::path path_;
  RowDecoder decoder_;
  std::vector<std::pair<int, engine::Value>> constants_;
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
      if (!table.partition_keys.empty()) {
        return Status::InvalidArgument(fmt::format(
            "table {}: 'source.monitor-interval' does not read partitioned directories yet; drop PARTITIONED BY "
            "and read one partition's directory, or read the table bounded",
            table.name));
      }
      SLUICE_ASSIGN_OR_RETURN(s->monitor_ms_,
                              ParseDurationMs("source.monitor-interval", table.Option("source.monitor-interval")));
      if (s->monitor_ms_ <= 0 || !fs::is_directory(path, ec)) {
        return Status::InvalidArgument(
            fmt::format("table {}: 'source.monitor-interval' needs a positive interval and a directory 'path' to watch",
                        table.name));
      }
      s->dir_ = path;
    } else if (!table.partition_keys.empty()) {
      SLUICE_RETURN_IF_ERROR(s->ListPartitions(table, path));
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
    // Partition columns come from the directory names, not the file rows.
    s->table_.metadata_keys.resize(table.schema.size());
    for (const auto& key : table.partition_keys) {
      SLUICE_ASSIGN_OR_RETURN(int c, table.schema.IndexOf(key));
      s->table_.metadata_keys[c] = "partition";
    }
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
  bool changelog() const override { return IsChangelogFormat(table_.Option("format", "json")); }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override {
    if (split < 0 || split >= num_splits()) return Status::OutOfRange("no such file split");
    if (monitor_ms_ > 0) {
      return std::unique_ptr<engine::SourceReader>(new DirectoryFollower(dir_, table_, monitor_ms_, dead_));
    }
    SLUICE_ASSIGN_OR_RETURN(RowDecoder decoder, RowDecoder::ForTable(table_));
    auto reader = std::make_unique<FileReader>(files_[split], std::move(decoder), dead_);
    if (!constants_.empty()) reader->set_constants(constants_[split]);
    return std::unique_ptr<engine::SourceReader>(std::move(reader));
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
    auto reader = std::make_unique<FileReader>(files_[split], std::move(decoder), dead_, offset, line);
    if (!constants_.empty()) reader->set_constants(constants_[split]);
    return std::unique_ptr<engine::SourceReader>(std::move(reader));
  }

 private:
  FileSource() = default;

  // A partitioned table's files: every visible file under its partition
  // directories ("k=v", nested in PARTITIONED BY order), in path order, with
  // the partition columns' values from the directory names (Flink's layout;
  // a value of __DEFAULT_PARTITION__ is NULL).
  // Whether a file with these partition values can hold rows the query's
  // WHERE lets through (TableDescriptor::partition_filter).
  static bool PartitionPasses(const engine::TableDescriptor& table,
                              const std::vector<std::pair<int, engine::Value>>& constants) {
    for (const auto& [name, allowed] : table.partition_filter) {
      auto c = table.schema.IndexOf(name);
      if (!c.ok()) continue;
      for (const auto& [column, value] : constants) {
        if (column != *c) continue;
        bool any = false;
        for (const std::string& text : allowed) {
          auto v = PartitionValue(text, table.schema.field(column).type);
          any |= v.ok() && !value.is_null && *v == value;
        }
        if (!any) return false;
      }
    }
    return true;
  }

  Status ListPartitions(const engine::TableDescriptor& table, const fs::path& root) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      return Status::NotFound(
          fmt::format("table {}: 'path' = '{}' is not a directory; a partitioned table is a "
                      "directory of partition directories",
                      table.name, root.string()));
    }
    std::vector<std::pair<fs::path, std::vector<std::pair<int, engine::Value>>>> found;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || name[0] == '_') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      std::string relative = it->path().lexically_relative(root).generic_string();
      auto values = ParsePartitionPath(relative);
      if (!values.ok()) {
        return Status::InvalidArgument(
            fmt::format("table {}: {}: {}", table.name, it->path().string(), values.status().message()));
      }
      std::vector<std::pair<int, engine::Value>> constants;
      for (const std::string& key : table.partition_keys) {
        SLUICE_ASSIGN_OR_RETURN(int c, table.schema.IndexOf(key));
        const engine::DataType type = table.schema.field(c).type;
        const std::string* text = nullptr;
        for (const auto& [k, v] : *values) {
          if (k == key) text = &v;
        }
        if (text == nullptr) {
          return Status::InvalidArgument(
              fmt::format("table {}: file {} is not under a {}=... directory (PARTITIONED BY {})", table.name,
                          it->path().string(), key, fmt::join(table.partition_keys, ", ")));
        }
        auto value = PartitionValue(*text, type);
        if (!value.ok()) {
          return Status::InvalidArgument(fmt::format("table {}: partition {}={} of {}: {}", table.name, key, *text,
                                                     it->path().string(), value.status().message()));
        }
        constants.emplace_back(c, std::move(*value));
      }
      if (!PartitionPasses(table, constants)) continue;  // pruned by the query's WHERE
      found.emplace_back(it->path(), std::move(constants));
    }
    if (ec) return Status::IoError(fmt::format("table {}: list {}: {}", table.name, root.string(), ec.message()));
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [path, constants] : found) {
      files_.push_back(path);
      constants_.push_back(std::move(constants));
    }
    return Status::Ok();
  }

  static Result<engine::Value> PartitionValue(const std::string& text, engine::DataType type) {
    if (text.empty()) return engine::Value::Null(type);
    switch (type) {
      case engine::DataType::kString: return engine::Value::String(text);
      case engine::DataType::kInt32:
      case engine::DataType::kInt64: {
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (*end != '\0' || errno != 0) return Status::InvalidArgument("not an integer");
        return type == engine::DataType::kInt32 ? engine::Value::Int32(static_cast<int32_t>(v))
                                                : engine::Value::Int64(v);
      }
      case engine::DataType::kDouble: {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (*end != '\0') return Status::InvalidArgument("not a number");
        return engine::Value::Double(v);
      }
      case engine::DataType::kBool:
        if (text == "true" || text == "false") return engine::Value::Bool(text == "true");
        return Status::InvalidArgument("not true or false");
      case engine::DataType::kTimestamp: {
        int64_t ms = 0;
        if (!engine::ParseTimestamp(text, &ms)) return Status::InvalidArgument("not a timestamp");
        return engine::Value::Timestamp(ms);
      }
      case engine::DataType::kDate: {
        int32_t days = 0;
        if (!engine::ParseDate(text, &days)) return Status::InvalidArgument("not a date (yyyy-MM-dd)");
        return engine::Value::Date(days);
      }
    }
    return Status::InvalidArgument("unsupported partition column type");
  }

  std::vector<std::vector<std::pair<int, engine::Value>>> constants_;  // per split, partitioned tables only
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

// Handle format (Sink::PreCommit of the filesystem sink), little-endian
// (checkpoint_codec.h). Version 2:
//   u8  version = 2
//   u32 length + sink id (the writing instance's random id)
//   u32 length + extension of the visible files (".json" / ".csv")
//   i32 count, then count × (u32 length + hidden part file, relative to
//       'path': "[<partition dirs>/].part-<sinkid>-<writer>-<n>.inprogress")
//   i64 the writer's watermark at the barrier (INT64_MIN: none yet)
//   i32 count, then count × (u32 length + partition directory relative to
//       'path', i64 the time its commit trigger counts from): the partitions
//       the writer wrote to whose success file is not yet written
// Version 1 (before PARTITIONED BY) is the same up to the part files, which
// are plain names, and ends there; it still decodes.
// A handle lists every part file of its writer that was pre-committed and
// not yet known to be committed (so also those of a checkpoint that failed
// after its pre-commit): committing checkpoint N publishes everything its
// writers wrote before barrier N. The visible name of ".part-X.inprogress"
// is "part-X<extension>" in the same directory.
constexpr uint8_t kFileHandleVersion1 = 1;
constexpr uint8_t kFileHandleVersion = 2;
constexpr std::string_view kInProgressSuffix = ".inprogress";
constexpr int64_t kNoWatermark = INT64_MIN;

struct FileHandle {
  std::string sink_id;
  std::string extension;
  std::vector<std::string> hidden;  // relative paths
  int64_t watermark = kNoWatermark;
  std::vector<std::pair<std::string, int64_t>> partitions;  // relative dir, trigger base time
};

std::string EncodeFileHandle(const FileHandle& h) {
  std::string out;
  PutU8(&out, kFileHandleVersion);
  PutBytes(&out, h.sink_id);
  PutBytes(&out, h.extension);
  PutI32(&out, static_cast<int32_t>(h.hidden.size()));
  for (const auto& name : h.hidden) PutBytes(&out, name);
  PutI64(&out, h.watermark);
  PutI32(&out, static_cast<int32_t>(h.partitions.size()));
  for (const auto& [dir, base] : h.partitions) {
    PutBytes(&out, dir);
    PutI64(&out, base);
  }
  return out;
}

// A relative directory of partitions, "k=v/k2=v2" (or ""): never one that
// leaves 'path'.
bool IsPartitionDir(std::string_view dir) {
  if (dir.empty()) return true;
  if (dir.front() == '/' || dir.back() == '/') return false;
  size_t at = 0;
  while (at <= dir.size()) {
    size_t slash = dir.find('/', at);
    std::string_view part = dir.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
    if (part.empty() || part == "." || part == ".." || part.find('=') == std::string_view::npos) return false;
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return true;
}

std::string_view DirOf(std::string_view relative) {
  size_t slash = relative.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : relative.substr(0, slash);
}

std::string_view FileOf(std::string_view relative) {
  size_t slash = relative.rfind('/');
  return slash == std::string_view::npos ? relative : relative.substr(slash + 1);
}

Result<FileHandle> DecodeFileHandle(std::string_view bytes) {
  CheckpointReader in(bytes, "filesystem sink handle");
  SLUICE_ASSIGN_OR_RETURN(uint8_t version, in.U8());
  if (version != kFileHandleVersion1 && version != kFileHandleVersion) {
    return Status::Corruption(fmt::format("filesystem sink handle has version {}; this build reads 1 and 2", version));
  }
  FileHandle h;
  SLUICE_ASSIGN_OR_RETURN(std::string_view id, in.Bytes());
  SLUICE_ASSIGN_OR_RETURN(std::string_view ext, in.Bytes());
  SLUICE_ASSIGN_OR_RETURN(int32_t n, in.I32());
  h.sink_id = id;
  h.extension = ext;
  for (int32_t i = 0; i < n; ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::string_view path, in.Bytes());
    // A hidden part file of this sink, in 'path' or a partition directory of it.
    std::string_view name = FileOf(path);
    if (name.size() <= 1 + kInProgressSuffix.size() || name[0] != '.' || !name.ends_with(kInProgressSuffix) ||
        (version == kFileHandleVersion1 && name.size() != path.size()) || !IsPartitionDir(DirOf(path))) {
      return Status::Corruption(fmt::format("filesystem sink handle names '{}', which is not a part file", path));
    }
    h.hidden.emplace_back(path);
  }
  if (version == kFileHandleVersion) {
    SLUICE_ASSIGN_OR_RETURN(h.watermark, in.I64());
    SLUICE_ASSIGN_OR_RETURN(int32_t np, in.I32());
    for (int32_t i = 0; i < np; ++i) {
      SLUICE_ASSIGN_OR_RETURN(std::string_view dir, in.Bytes());
      SLUICE_ASSIGN_OR_RETURN(int64_t base, in.I64());
      if (dir.empty() || !IsPartitionDir(dir)) {
        return Status::Corruption(
            fmt::format("filesystem sink handle names '{}', which is not a partition directory", dir));
      }
      h.partitions.emplace_back(std::string(dir), base);
    }
  }
  SLUICE_RETURN_IF_ERROR(in.End());
  return h;
}

// "[dir/].part-X.inprogress" → "[dir/]part-X<extension>".
std::string VisibleName(std::string_view hidden, std::string_view extension) {
  std::string_view dir = DirOf(hidden);
  std::string_view name = FileOf(hidden);
  name.remove_prefix(1);
  name.remove_suffix(kInProgressSuffix.size());
  std::string out;
  if (!dir.empty()) {
    out.append(dir);
    out.push_back('/');
  }
  out.append(name);
  out.append(extension);
  return out;
}

// A size option as Flink writes MemorySize: "134217728", "128mb", "1 kb",
// "64 MiB" (k/m/g multiply by 1024).
Result<int64_t> ParseBytes(const engine::TableDescriptor& table, std::string_view key, const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] != ' ') unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[j]))));
  }
  int64_t mult = 0;
  if (unit.empty() || unit == "b" || unit == "bytes") mult = 1;
  if (unit == "k" || unit == "kb" || unit == "kib") mult = int64_t{1} << 10;
  if (unit == "m" || unit == "mb" || unit == "mib") mult = int64_t{1} << 20;
  if (unit == "g" || unit == "gb" || unit == "gib") mult = int64_t{1} << 30;
  const int64_t n = i == 0 ? 0 : std::strtoll(text.substr(0, i).c_str(), nullptr, 10);
  if (i == 0 || mult == 0 || n <= 0) {
    return Status::InvalidArgument(
        fmt::format("table {}: '{}' must be a positive size such as 134217728, '128mb' or '1 kb', got '{}'", table.name,
                    key, text));
  }
  return n * mult;
}

// PARTITIONED BY and 'sink.partition-commit.*' of a filesystem sink.
struct PartitionSpec {
  std::vector<int> columns;  // indices into the table's schema, in PARTITIONED BY order
  std::vector<std::string> names;
  enum class Trigger { kNone, kPartitionTime, kProcessTime } trigger = Trigger::kNone;
  int64_t delay_ms = 0;
  std::string time_pattern;    // 'partition.time-extractor.timestamp-pattern'
  std::string time_formatter;  // 'partition.time-extractor.timestamp-formatter'
  std::string success_name = "_SUCCESS";

  static Result<PartitionSpec> ForTable(const engine::TableDescriptor& table) {
    PartitionSpec p;
    for (const std::string& key : table.partition_keys) {
      SLUICE_ASSIGN_OR_RETURN(int index, table.schema.IndexOf(key));
      p.columns.push_back(index);
      p.names.push_back(key);
    }
    std::string policy = table.Option("sink.partition-commit.policy.kind");
    if (policy.empty()) {
      if (table.options.count("sink.partition-commit.trigger") && !p.columns.empty()) {
        return Status::InvalidArgument(fmt::format(
            "table {}: 'sink.partition-commit.trigger' needs 'sink.partition-commit.policy.kind' = 'success-file'",
            table.name));
      }
      return p;
    }
    if (p.columns.empty()) {
      return Status::InvalidArgument(
          fmt::format("table {}: 'sink.partition-commit.policy.kind' needs a partitioned table (PARTITIONED BY (...))",
                      table.name));
    }
    for (size_t at = 0; at <= policy.size();) {
      size_t comma = policy.find(',', at);
      std::string kind = policy.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      kind.erase(0, kind.find_first_not_of(' '));
      kind.erase(kind.find_last_not_of(' ') + 1);
      if (kind != "success-file") {
        return Status::InvalidArgument(
            fmt::format("table {}: 'sink.partition-commit.policy.kind' = '{}': only 'success-file' is supported "
                        "('metastore' needs a Hive metastore, 'custom' a Java class)",
                        table.name, policy));
      }
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    p.success_name = table.Option("sink.partition-commit.success-file.name", "_SUCCESS");
    if (p.success_name.empty() || p.success_name.find('/') != std::string::npos || p.success_name[0] == '.') {
      return Status::InvalidArgument(fmt::format(
          "table {}: 'sink.partition-commit.success-file.name' must be a plain file name not starting with '.'",
          table.name));
    }
    std::string trigger = table.Option("sink.partition-commit.trigger", "process-time");
    if (trigger == "partition-time") {
      p.trigger = Trigger::kPartitionTime;
    } else if (trigger == "process-time") {
      p.trigger = Trigger::kProcessTime;
    } else {
      return Status::InvalidArgument(
          fmt::format("table {}: 'sink.partition-commit.trigger' must be 'partition-time' or 'process-time', got '{}'",
                      table.name, trigger));
    }
    SLUICE_ASSIGN_OR_RETURN(
        p.delay_ms, ParseDurationMs("sink.partition-commit.delay", table.Option("sink.partition-commit.delay", "0 s")));
    p.time_pattern = table.Option("partition.time-extractor.timestamp-pattern");
    p.time_formatter = table.Option("partition.time-extractor.timestamp-formatter");
    std::string extractor = table.Option("partition.time-extractor.kind", "default");
    if (extractor != "default") {
      return Status::InvalidArgument(fmt::format(
          "table {}: 'partition.time-extractor.kind' = '{}': only 'default' is supported", table.name, extractor));
    }
    return p;
  }

  bool partitioned() const { return !columns.empty(); }
  bool commits() const { return trigger != Trigger::kNone; }
};

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Part files with in-progress → committed renames, per writer, two-phase
// committed with checkpoints (see the header).
//
// Thread-safety: thread-safe. Each writer's state has its own lock, so
// writers do not wait for each other; Commit() (another thread) takes a
// writer's lock only to drop what it published from the writer's lists.
// Durability: a part file is fsynced when it is closed (roll, PreCommit,
// Finish); its name is made durable by fsyncing its directory at PreCommit
// and after every rename; a success file is fsynced with its directory.
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
    SLUICE_ASSIGN_OR_RETURN(s->roll_bytes_, ParseBytes(table, "sink.rolling-policy.file-size",
                                                       table.Option("sink.rolling-policy.file-size", "134217728")));
    if (table.options.count("sink.rolling-policy.rollover-interval")) {
      SLUICE_ASSIGN_OR_RETURN(s->rollover_ms_, ParseDurationMs("sink.rolling-policy.rollover-interval",
                                                               table.Option("sink.rolling-policy.rollover-interval")));
    }
    if (table.options.count("sink.rolling-policy.check-interval")) {
      SLUICE_ASSIGN_OR_RETURN(s->check_ms_, ParseDurationMs("sink.rolling-policy.check-interval",
                                                            table.Option("sink.rolling-policy.check-interval")));
    }
    SLUICE_ASSIGN_OR_RETURN(s->partitions_, PartitionSpec::ForTable(table));
    // Partition columns are not written into the files (Flink's default): the
    // encoder skips them as it skips metadata columns.
    engine::TableDescriptor payload = table;
    payload.metadata_keys.resize(payload.schema.size());
    for (int c : s->partitions_.columns) payload.metadata_keys[c] = "partition";
    SLUICE_ASSIGN_OR_RETURN(auto encoder, RowEncoder::ForTable(payload));
    s->encoder_ = std::make_unique<RowEncoder>(std::move(encoder));
    std::random_device rd;
    s->id_ = fmt::format("{:08x}{:08x}", rd(), rd());
    return s;
  }

  ~FileSink() override {
    for (auto& w : writers_) {
      if (!w) continue;
      for (auto& [dir, part] : w->open) {
        if (part.fd >= 0) ::close(part.fd);  // an uncommitted part stays hidden
      }
    }
  }

  Status Write(const Batch& batch) override { return WriteFrom(0, batch); }

  Status WriteFrom(int writer, const Batch& batch) override {
    if (batch.active_rows() == 0) return Status::Ok();
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    // Rows are encoded into their parts' buffers, then each buffer is written
    // with one write(); the buffers are emptied whatever happens.
    Status st = EncodeLocked(w, batch);
    for (OpenPart* p : w->touched) {
      if (st.ok()) st = FlushPartLocked(p);
      p->buf.clear();
    }
    w->touched.clear();
    SLUICE_RETURN_IF_ERROR(st);
    return RollLocked(w, RollReason::kSize);
  }

  bool transactional() const override { return true; }

  Status OnWatermark(int writer, int64_t watermark) override {
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    w->watermark = std::max(w->watermark, watermark);
    // The rolling policy's clock: checked with the watermarks that arrive,
    // at most every 'sink.rolling-policy.check-interval'.
    if (rollover_ms_ > 0) {
      const int64_t now = WallClockMs();
      if (now - w->last_check_ms >= check_ms_) {
        w->last_check_ms = now;
        SLUICE_RETURN_IF_ERROR(RollLocked(w, RollReason::kInterval));
      }
    }
    return Status::Ok();
  }

  Result<std::string> PreCommit(int writer, int64_t checkpoint_id) override {
    transactional_.store(true, std::memory_order_release);
    SLUICE_ASSIGN_OR_RETURN(Writer * w, GetWriter(writer));
    std::lock_guard lock(w->mu);
    SLUICE_RETURN_IF_ERROR(RollLocked(w, RollReason::kAll));
    if (!w->closed.empty()) {
      std::set<std::string_view> dirs;
      for (const auto& name : w->closed) dirs.insert(DirOf(name));
      for (std::string_view d : dirs) {
        SLUICE_RETURN_IF_ERROR(FsyncPath(dir_ / d, O_RDONLY | O_DIRECTORY));  // the new names are durable
      }
      for (auto& name : w->closed) w->pending.push_back({checkpoint_id, std::move(name)});
      w->closed.clear();
    }
    FileHandle h{id_, encoder_->extension(), {}, w->watermark, {}};
    for (const auto& p : w->pending) h.hidden.push_back(p.hidden);
    for (const auto& [dir, base] : w->uncommitted_partitions) h.partitions.emplace_back(dir, base);
    return EncodeFileHandle(h);
  }

  Status Commit(int64_t checkpoint_id, const std::vector<std::string>& handles) override {
    std::lock_guard commit_lock(commit_mu_);
    std::vector<FileHandle> decoded;
    std::set<std::string> dirs{""};
    for (const auto& bytes : handles) {
      if (bytes.empty()) continue;  // a writer that never pre-committed
      SLUICE_ASSIGN_OR_RETURN(FileHandle h, DecodeFileHandle(bytes));
      SLUICE_RETURN_IF_ERROR(Publish(h.extension, h.hidden));
      for (const auto& name : h.hidden) dirs.insert(std::string(DirOf(name)));
      decoded.push_back(std::move(h));
    }
    for (const auto& d : dirs) {
      std::error_code ec;
      if (!d.empty() && !fs::exists(dir_ / d, ec)) continue;
      SLUICE_RETURN_IF_ERROR(FsyncPath(dir_ / d, O_RDONLY | O_DIRECTORY));
    }
    std::vector<Writer*> writers = AllWriters();
    for (Writer* w : writers) {
      std::lock_guard lock(w->mu);
      std::erase_if(w->pending, [&](const Pending& p) { return p.checkpoint <= checkpoint_id; });
    }
    return CommitPartitions(decoded, handles.size(), writers);
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
      // The checkpoint's partitions that Commit() did not commit still wait
      // for their success file: writer 0 carries them into its next handles.
      if (!h.partitions.empty()) {
        SLUICE_ASSIGN_OR_RETURN(Writer * first, GetWriter(0));
        std::lock_guard lock(first->mu);
        for (const auto& [dir, base] : h.partitions) {
          std::error_code exists_ec;
          if (fs::exists(dir_ / dir / partitions_.success_name, exists_ec)) continue;
          first->uncommitted_partitions.emplace(dir, base);
        }
      }
    }
    if (old_ids.empty()) return Status::Ok();
    std::error_code ec;
    int removed = 0;
    std::set<fs::path> touched_dirs;
    for (auto it = fs::recursive_directory_iterator(dir_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (it->is_directory()) {
        if (name.find('=') == std::string::npos) it.disable_recursion_pending();  // not a partition directory
        continue;
      }
      std::string relative = it->path().lexically_relative(dir_).generic_string();
      if (!name.starts_with(".part-") || !name.ends_with(kInProgressSuffix) || listed.count(relative)) continue;
      for (const auto& id : old_ids) {
        if (name.compare(6, id.size() + 1, id + "-") != 0) continue;
        if (::unlink(it->path().c_str()) != 0 && errno != ENOENT) {
          return Status::IoErrorFromErrno("delete uncommitted part file", it->path().string(), errno);
        }
        touched_dirs.insert(it->path().parent_path());
        ++removed;
        break;
      }
    }
    if (ec) return Status::IoError(fmt::format("table {}: list {}: {}", table_.name, dir_.string(), ec.message()));
    if (removed > 0) {
      SLUICE_LOG_INFO("connector", "table {}: recovered checkpoint {}, discarded {} part files written after it",
                      table_.name, checkpoint_id, removed);
      for (const auto& d : touched_dirs) SLUICE_RETURN_IF_ERROR(FsyncPath(d, O_RDONLY | O_DIRECTORY));
    }
    return Status::Ok();
  }

  // The end of a bounded job: everything written is published, checkpointed
  // or not, and every partition written to gets its success file (Flink
  // commits all partitions at the end of input).
  Status Finish() override {
    std::lock_guard commit_lock(commit_mu_);
    std::set<std::string> dirs{""};
    std::map<std::string, int64_t> partitions;
    for (Writer* w : AllWriters()) {
      std::lock_guard wl(w->mu);
      SLUICE_RETURN_IF_ERROR(RollLocked(w, RollReason::kAll));
      std::vector<std::string> names;
      for (auto& p : w->pending) names.push_back(std::move(p.hidden));
      for (auto& n : w->closed) names.push_back(std::move(n));
      w->pending.clear();
      w->closed.clear();
      SLUICE_RETURN_IF_ERROR(Publish(encoder_->extension(), names));
      for (const auto& n : names) dirs.insert(std::string(DirOf(n)));
      partitions.merge(w->uncommitted_partitions);
      w->uncommitted_partitions.clear();
    }
    for (const auto& d : dirs) SLUICE_RETURN_IF_ERROR(FsyncPath(dir_ / d, O_RDONLY | O_DIRECTORY));
    if (partitions_.commits()) {
      for (const auto& [dir, base] : partitions) SLUICE_RETURN_IF_ERROR(WriteSuccessFile(dir));
    }
    return Status::Ok();
  }

 private:
  struct Pending {
    int64_t checkpoint;  // pre-committed at this checkpoint's barrier
    std::string hidden;  // relative to dir_
  };
  // The part file a writer is filling in one partition directory.
  struct OpenPart {
    int fd = -1;
    std::string hidden;  // relative to dir_
    int64_t written = 0;
    int64_t opened_ms = 0;  // wall clock, for 'sink.rolling-policy.rollover-interval'
    std::string buf;        // rows of the current batch, reused
  };
  struct Writer {
    std::mutex mu;
    int id = 0;
    int64_t next_part = 0;
    int64_t watermark = kNoWatermark;
    int64_t last_check_ms = 0;
    std::map<std::string, OpenPart, std::less<>> open;  // by partition directory ("" unpartitioned)
    std::vector<OpenPart*> touched;                     // parts with rows in buf (WriteFrom only)
    std::string key_scratch;
    std::vector<std::string> closed;  // complete, fsynced, not yet pre-committed
    std::vector<Pending> pending;     // pre-committed, not yet known committed
    // Partitions written to whose success file is not yet written, with the
    // time their trigger counts from (partition time or first write).
    std::map<std::string, int64_t> uncommitted_partitions;
  };
  enum class RollReason { kSize, kInterval, kAll };

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

  std::vector<Writer*> AllWriters() {
    std::vector<Writer*> writers;
    std::lock_guard lock(writers_mu_);
    for (auto& w : writers_) {
      if (w) writers.push_back(w.get());
    }
    return writers;
  }

  // Appends each live row to the buffer of its partition's open part
  // (opening parts as needed), remembering the parts in w->touched.
  Status EncodeLocked(Writer* w, const Batch& batch) {
    std::string& key = w->key_scratch;
    OpenPart* part = nullptr;
    std::string_view part_dir;
    for (int k = 0; k < batch.active_rows(); ++k) {
      int row = batch.active_row(k);
      if (batch.row_kind(row) != engine::RowKind::kInsert && !encoder_->changelog()) {
        return Status::InvalidArgument(
            fmt::format("table {}: the filesystem sink is append-only in format '{}', but the query produces updates "
                        "({}); write an append-only query (e.g. a window aggregation), or write the changelog with "
                        "'format' = 'debezium-json'",
                        table_.name, table_.Option("format", "json"), engine::RowKindName(batch.row_kind(row))));
      }
      if (partitions_.partitioned()) {
        PartitionDir(batch, row, &key);
        if (part == nullptr || key != part_dir) {
          SLUICE_ASSIGN_OR_RETURN(part, PartFor(w, key));
          part_dir = w->open.find(key)->first;
        }
      } else if (part == nullptr) {
        SLUICE_ASSIGN_OR_RETURN(part, PartFor(w, ""));
      }
      if (part->buf.empty()) w->touched.push_back(part);
      encoder_->Encode(batch, row, &part->buf);
      part->buf.push_back('\n');
    }
    return Status::Ok();
  }

  // "dt=2026-01-01/hm=10%3A00" for the row (Flink's escaping, partition_path.h).
  void PartitionDir(const Batch& batch, int row, std::string* out) const {
    out->clear();
    for (size_t i = 0; i < partitions_.columns.size(); ++i) {
      if (i > 0) out->push_back('/');
      AppendEscapedPathName(partitions_.names[i], out);
      out->push_back('=');
      const engine::Column& col = batch.column(partitions_.columns[i]);
      if (col.IsNull(row)) {
        out->append(kDefaultPartitionName);
      } else if (col.type() == engine::DataType::kString) {
        AppendEscapedPathName(col.GetString(row), out);
      } else {
        AppendEscapedPathName(engine::Value::FromColumn(col, row).ToString(), out);
      }
    }
  }

  // The writer's open part in partition directory `dir`, opened if needed;
  // a partition seen for the first time is remembered for its commit.
  Result<OpenPart*> PartFor(Writer* w, std::string_view dir) {
    auto it = w->open.find(dir);
    if (it == w->open.end()) it = w->open.emplace(std::string(dir), OpenPart{}).first;
    OpenPart* part = &it->second;
    if (part->fd < 0) {
      if (!dir.empty() && partitions_.commits() && !w->uncommitted_partitions.count(it->first)) {
        int64_t base = 0;
        if (partitions_.trigger == PartitionSpec::Trigger::kPartitionTime) {
          SLUICE_ASSIGN_OR_RETURN(auto values, ParsePartitionPath(dir));
          auto t = ExtractPartitionTime(values, partitions_.time_pattern, partitions_.time_formatter);
          if (!t.ok()) return Status::InvalidArgument(fmt::format("table {}: {}", table_.name, t.status().message()));
          base = *t;
        } else {
          base = WallClockMs();
        }
        w->uncommitted_partitions.emplace(it->first, base);
      }
      SLUICE_RETURN_IF_ERROR(OpenPartLocked(w, it->first, part));
    }
    return part;
  }

  Status OpenPartLocked(Writer* w, const std::string& dir, OpenPart* part) {
    std::string name = fmt::format(".part-{}-{}-{}{}", id_, w->id, w->next_part++, kInProgressSuffix);
    part->hidden = dir.empty() ? name : dir + "/" + name;
    fs::path path = dir_ / part->hidden;
    if (!dir.empty()) {
      std::error_code ec;
      fs::create_directories(dir_ / dir, ec);
      if (ec) {
        return Status::IoError(fmt::format("table {}: cannot create partition directory {}: {}", table_.name,
                                           (dir_ / dir).string(), ec.message()));
      }
    }
    part->fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (part->fd < 0) return Status::IoErrorFromErrno("create", path.string(), errno);
    part->written = 0;
    part->opened_ms = rollover_ms_ > 0 ? WallClockMs() : 0;
    return Status::Ok();
  }

  Status FlushPartLocked(OpenPart* part) {
    const char* p = part->buf.data();
    size_t left = part->buf.size();
    while (left > 0) {
      ssize_t n = ::write(part->fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoErrorFromErrno("write", (dir_ / part->hidden).string(), errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    part->written += static_cast<int64_t>(part->buf.size());
    return Status::Ok();
  }

  // Closes the writer's open parts that `reason` rolls: kSize those past
  // 'sink.rolling-policy.file-size' (or open longer than the rollover
  // interval), kInterval those open longer than the rollover interval, kAll
  // every one. Without checkpoints a rolled part is published at once.
  Status RollLocked(Writer* w, RollReason reason) {
    const int64_t now = rollover_ms_ > 0 && reason != RollReason::kAll ? WallClockMs() : 0;
    std::vector<std::string> rolled_dirs;
    for (auto it = w->open.begin(); it != w->open.end();) {
      OpenPart& part = it->second;
      bool roll = part.fd >= 0;
      if (roll && reason != RollReason::kAll) {
        const bool old = rollover_ms_ > 0 && now - part.opened_ms >= rollover_ms_;
        roll = old || (reason == RollReason::kSize && part.written >= roll_bytes_);
      }
      if (!roll) {
        ++it;
        continue;
      }
      SLUICE_RETURN_IF_ERROR(ClosePartLocked(w, &part));
      it = w->open.erase(it);
    }
    if (w->closed.empty() || reason == RollReason::kAll || transactional_.load(std::memory_order_acquire)) {
      return Status::Ok();
    }
    // Without checkpoints a rolled part is published at once, as before exactly-once existed.
    std::vector<std::string> rolled = std::move(w->closed);
    w->closed.clear();
    SLUICE_RETURN_IF_ERROR(Publish(encoder_->extension(), rolled));
    std::set<std::string_view> dirs;
    for (const auto& n : rolled) dirs.insert(DirOf(n));
    for (std::string_view d : dirs) SLUICE_RETURN_IF_ERROR(FsyncPath(dir_ / d, O_RDONLY | O_DIRECTORY));
    return Status::Ok();
  }

  // fsyncs and closes a part file; it stays hidden, in `closed`.
  Status ClosePartLocked(Writer* w, OpenPart* part) {
    fs::path path = dir_ / part->hidden;
    if (::fsync(part->fd) != 0) return Status::IoErrorFromErrno("fsync", path.string(), errno);
    ::close(part->fd);
    part->fd = -1;
    w->closed.push_back(std::move(part->hidden));
    part->hidden.clear();
    return Status::Ok();
  }

  // Renames each hidden part file to its visible name. Idempotent: a part
  // whose visible file exists and hidden one does not was published before.
  // The caller fsyncs the directories.
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

  // Checkpoint commit of partitions: the checkpoint's watermark is the
  // minimum over its writers' watermarks (a writer without one holds every
  // partition back); a partition whose trigger time + delay has passed gets
  // its success file and is forgotten by every writer.
  Status CommitPartitions(const std::vector<FileHandle>& handles, size_t writers_in_checkpoint,
                          const std::vector<Writer*>& writers) {
    if (!partitions_.commits()) return Status::Ok();
    int64_t watermark = handles.size() == writers_in_checkpoint && !handles.empty() ? INT64_MAX : kNoWatermark;
    for (const auto& h : handles) watermark = std::min(watermark, h.watermark);
    const int64_t now = partitions_.trigger == PartitionSpec::Trigger::kProcessTime ? WallClockMs() : watermark;
    std::set<std::string> ready;
    for (const auto& h : handles) {
      for (const auto& [dir, base] : h.partitions) {
        if (now != kNoWatermark && base <= now - partitions_.delay_ms) ready.insert(dir);
      }
    }
    for (const auto& dir : ready) SLUICE_RETURN_IF_ERROR(WriteSuccessFile(dir));
    if (ready.empty()) return Status::Ok();
    for (Writer* w : writers) {
      std::lock_guard lock(w->mu);
      for (const auto& dir : ready) {
        // A partition with an open part got rows after the barrier: it commits again later.
        if (!w->open.count(dir)) w->uncommitted_partitions.erase(dir);
      }
    }
    return Status::Ok();
  }

  // Creates (or keeps) the partition's success file, durably. Idempotent.
  Status WriteSuccessFile(const std::string& dir) {
    fs::path path = dir_ / dir / partitions_.success_name;
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoErrorFromErrno("create success file", path.string(), errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::IoErrorFromErrno("fsync", path.string(), err);
    SLUICE_LOG_DEBUG("connector", "table {}: committed partition {}", table_.name, dir);
    return FsyncPath(dir_ / dir, O_RDONLY | O_DIRECTORY);
  }

  engine::TableDescriptor table_;
  fs::path dir_;
  int64_t roll_bytes_ = 0;
  int64_t rollover_ms_ = 0;  // 0: parts roll by size only
  int64_t check_ms_ = 60'000;
  PartitionSpec partitions_;
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
