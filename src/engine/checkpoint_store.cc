#include "engine/checkpoint_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/logging.h"
#include "engine/keyed_state.h"

namespace sluice::engine {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[4] = {'S', 'L', 'C', 'K'};
constexpr uint8_t kVersion = 1;

Status FsyncFd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return Status::IoErrorFromErrno("fsync", what, errno);
  return Status::Ok();
}

Status FsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open", dir.string(), errno);
  Status s = FsyncFd(fd, dir.string());
  ::close(fd);
  return s;
}

}  // namespace

fs::path CheckpointStore::PathOf(int64_t id) const { return dir_ / fmt::format("chk-{:020d}.ckpt", id); }
fs::path CheckpointStore::StateDirOf(int64_t id) const { return dir_ / fmt::format("chk-{:020d}.state", id); }

namespace {
constexpr uint8_t kStateRefVersion = 1;
}  // namespace

std::string RocksDbStateRef::Encode() const {
  std::string out;
  SnapshotWriter w(&out);
  w.Put<uint8_t>(kStateRefVersion);
  w.Put<uint32_t>(key_groups);
  w.PutBytes(dir);
  return out;
}

Result<RocksDbStateRef> RocksDbStateRef::Decode(std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  RocksDbStateRef ref;
  std::string_view dir;
  if (!r.Get(&version) || version != kStateRefVersion || !r.Get(&ref.key_groups) || !r.GetBytes(&dir) || !r.done()) {
    return Status::Corruption("RocksDB state reference is malformed");
  }
  ref.dir = std::string(dir);
  return ref;
}

std::string CheckpointStore::Encode(const Checkpoint& c) {
  size_t size = sizeof(kMagic) + 1 + 8 + 8 + 4 + c.job.size() + 4 + 8;
  for (const CheckpointEntry& e : c.entries) size += 1 + 4 + 4 + 4 + 8 + 4 + e.data.size();
  std::string out;
  out.reserve(size);  // one copy of the state, no regrowth
  out.append(kMagic, sizeof(kMagic));
  SnapshotWriter w(&out);
  w.Put<uint8_t>(kVersion);
  w.Put<int64_t>(c.id);
  w.Put<int64_t>(c.created_ms);
  w.PutBytes(c.job);
  w.Put<uint32_t>(static_cast<uint32_t>(c.entries.size()));
  for (const CheckpointEntry& e : c.entries) {
    w.Put<uint8_t>(static_cast<uint8_t>(e.kind));
    w.Put<uint32_t>(e.stage);
    w.Put<uint32_t>(e.index);
    w.Put<uint32_t>(e.part);
    w.Put<int64_t>(e.aux);
    w.PutBytes(e.data);
  }
  w.Put<uint64_t>(XXH3_64bits(out.data(), out.size()));
  return out;
}

Result<Checkpoint> CheckpointStore::Decode(std::string_view bytes) {
  if (bytes.size() < sizeof(kMagic) + 8 || bytes.substr(0, sizeof(kMagic)) != std::string_view(kMagic, 4)) {
    return Status::Corruption("not a checkpoint file (bad magic or too short)");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  uint64_t sum;
  std::memcpy(&sum, bytes.data() + body.size(), 8);
  if (sum != XXH3_64bits(body.data(), body.size())) return Status::Corruption("checkpoint checksum mismatch");
  SnapshotReader r(body.substr(sizeof(kMagic)));
  uint8_t version;
  Checkpoint c;
  std::string_view job;
  uint32_t count;
  if (!r.Get(&version) || !r.Get(&c.id) || !r.Get(&c.created_ms) || !r.GetBytes(&job) || !r.Get(&count)) {
    return Status::Corruption("checkpoint header truncated");
  }
  if (version != kVersion) {
    return Status::Unsupported(fmt::format("checkpoint format version {} (this build reads {})", version, kVersion));
  }
  c.job = std::string(job);
  c.entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    CheckpointEntry e;
    uint8_t kind;
    std::string_view data;
    if (!r.Get(&kind) || !r.Get(&e.stage) || !r.Get(&e.index) || !r.Get(&e.part) || !r.Get(&e.aux) ||
        !r.GetBytes(&data)) {
      return Status::Corruption(fmt::format("checkpoint entry {} of {} truncated", i, count));
    }
    if (kind < 1 || kind > 4) return Status::Corruption(fmt::format("checkpoint entry {}: unknown kind {}", i, kind));
    e.kind = static_cast<CheckpointEntry::Kind>(kind);
    e.data = std::string(data);
    c.entries.push_back(std::move(e));
  }
  if (!r.done()) return Status::Corruption("trailing bytes after the last checkpoint entry");
  return c;
}

Status CheckpointStore::Write(const Checkpoint& c) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IoError(fmt::format("cannot create checkpoint directory {}: {}", dir_.string(), ec.message()));
  const std::string bytes = Encode(c);
  const fs::path tmp = dir_ / fmt::format(".chk-{:020d}.tmp", c.id);
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("create", tmp.string(), errno);
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::IoErrorFromErrno("write", tmp.string(), errno);
      ::close(fd);
      return s;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  Status s = FsyncFd(fd, tmp.string());
  ::close(fd);
  SLUICE_RETURN_IF_ERROR(s);
  // The RocksDB checkpoints it names were renamed into this directory: make
  // their names durable before the file that refers to them.
  const fs::path state = StateDirOf(c.id);
  if (fs::is_directory(state, ec)) SLUICE_RETURN_IF_ERROR(FsyncDir(state));
  if (::rename(tmp.c_str(), PathOf(c.id).c_str()) != 0) return Status::IoErrorFromErrno("rename", tmp.string(), errno);
  SLUICE_RETURN_IF_ERROR(FsyncDir(dir_));
  std::vector<int64_t> ids = List();
  for (size_t i = 0; i + retain_ < ids.size(); ++i) {
    fs::remove(PathOf(ids[i]), ec);
    fs::remove_all(StateDirOf(ids[i]), ec);
  }
  // State directories without a retained file: older checkpoints, or ones
  // abandoned before their file was written (a job that ended or crashed).
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 30 || name.rfind("chk-", 0) != 0 || name.substr(24) != ".state") continue;
    const int64_t id = std::strtoll(name.substr(4, 20).c_str(), nullptr, 10);
    const bool retained = std::find(ids.end() - std::min<size_t>(ids.size(), retain_), ids.end(), id) != ids.end();
    if (!retained && id < c.id) stale.push_back(entry.path());
  }
  for (const fs::path& p : stale) fs::remove_all(p, ec);
  return Status::Ok();
}

std::vector<int64_t> CheckpointStore::List() const {
  std::vector<int64_t> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 29 || name.rfind("chk-", 0) != 0 || name.substr(24) != ".ckpt") continue;
    ids.push_back(std::strtoll(name.substr(4, 20).c_str(), nullptr, 10));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<std::optional<Checkpoint>> CheckpointStore::LoadLatest(const Verifier& verify) const {
  std::vector<int64_t> ids = List();
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    const fs::path path = PathOf(*it);
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in.good() && !in.eof()) {
      SLUICE_LOG_WARN("checkpoint", "cannot read {}; trying the checkpoint before it", path.string());
      continue;
    }
    auto c = Decode(buf.str());
    if (!c.ok()) {
      SLUICE_LOG_WARN("checkpoint", "checkpoint {} is unusable ({}); trying the one before it", path.string(),
                      c.status().ToString());
      continue;
    }
    if (c->id != *it) {
      SLUICE_LOG_WARN("checkpoint", "checkpoint {} holds id {}; skipped", path.string(), c->id);
      continue;
    }
    if (verify) {
      Status v = verify(*c);
      if (!v.ok()) {
        SLUICE_LOG_WARN("checkpoint", "checkpoint {} is unusable ({}); trying the one before it", path.string(),
                        v.ToString());
        continue;
      }
    }
    return std::optional<Checkpoint>(std::move(*c));
  }
  return std::optional<Checkpoint>();
}

}  // namespace sluice::engine
