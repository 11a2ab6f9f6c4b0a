#include "log/log.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>

#include "common/logging.h"
#include "log/durable_file.h"

namespace sluice::log {
namespace {

constexpr std::string_view kTopicConfigFile = "topic.conf";
constexpr size_t kMaxTopicNameLength = 249;

std::string SerializeConfig(const TopicConfig& c) {
  std::string out = fmt::format("partitions={}\n", c.partitions);
  for (const auto& [k, v] : c.ToConfigs()) out += fmt::format("{}={}\n", k, v);
  return out;
}

Result<TopicConfig> ParseConfig(const std::string& text, const std::filesystem::path& path) {
  std::map<std::string, std::string> kv;
  int32_t partitions = -1;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      return Status::Corruption(fmt::format("{}: line {:?} has no '='", path.string(), line));
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "partitions") {
      partitions = std::atoi(value.c_str());
    } else {
      kv[key] = value;
    }
  }
  auto c = TopicConfig::FromConfigs(partitions, kv);
  if (!c.ok()) return Status::Corruption(fmt::format("{}: {}", path.string(), c.status().message()));
  return c;
}

Status RemoveAll(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
  if (ec) return Status::IoError(fmt::format("remove {}: {}", p.string(), ec.message()));
  return Status::Ok();
}

}  // namespace

Status Log::ValidateTopicName(std::string_view name) {
  if (name.empty() || name.size() > kMaxTopicNameLength) {
    return Status::InvalidArgument(
        fmt::format("topic name must be 1 to {} characters, got {}", kMaxTopicNameLength, name.size()));
  }
  if (name == "." || name == "..") return Status::InvalidArgument("topic name cannot be \".\" or \"..\"");
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument(
          fmt::format("topic name {:?} contains {:?}; allowed are ASCII letters, digits, '.', '_' and '-'", name,
                      std::string(1, c)));
    }
  }
  return Status::Ok();
}

Log::Log(std::filesystem::path data_dir, LogOptions options)
    : data_dir_(std::move(data_dir)),
      topics_dir_(data_dir_ / "topics"),
      options_(options),
      clock_(options_.clock ? options_.clock : SystemClock::Get()),
      flusher_(options_.flusher_threads) {}

Log::~Log() {
  {
    std::lock_guard lock(retention_mu_);
    stopping_ = true;
  }
  retention_cv_.notify_all();
  if (retention_thread_.joinable()) retention_thread_.join();
  std::unique_lock lock(mu_);
  for (auto& [name, t] : topics_) {
    for (auto& p : t.partitions) {
      Status s = p->Close();
      if (!s.ok()) SLUICE_LOG_ERROR("log", "closing {}: {}", name, s.ToString());
    }
  }
  topics_.clear();
  group_offsets_.reset();
  flusher_.Stop();
}

Result<std::unique_ptr<Log>> Log::Open(const std::filesystem::path& data_dir, LogOptions options) {
  // Every segment keeps its descriptor open (readers pin segments, retention
  // unlinks under them), so lift the soft descriptor limit to the hard one.
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    rlim_t wanted = lim.rlim_max;
    lim.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      SLUICE_LOG_WARN("log", "cannot raise the open-file limit to {}; many segments may exhaust it",
                      static_cast<uint64_t>(wanted));
    }
  }
  std::unique_ptr<Log> log(new Log(data_dir, options));
  SLUICE_RETURN_IF_ERROR(log->Load().WithContext("opening log in " + data_dir.string()));
  if (log->options_.retention_check_interval.count() > 0) {
    log->retention_thread_ = std::thread([l = log.get()] { l->RetentionLoop(); });
  }
  return log;
}

Status Log::Load() {
  std::error_code ec;
  for (const auto& d : {data_dir_, topics_dir_}) {
    std::filesystem::create_directories(d, ec);
    if (ec) return Status::IoError(fmt::format("create {}: {}", d.string(), ec.message()));
  }
  // Half-created and half-deleted topics of a crash: finish the job.
  SLUICE_RETURN_IF_ERROR(RemoveAll(data_dir_ / ".staging"));
  SLUICE_RETURN_IF_ERROR(RemoveAll(data_dir_ / ".trash"));
  for (const auto& entry : std::filesystem::directory_iterator(topics_dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory()) continue;
    auto conf_path = entry.path() / kTopicConfigFile;
    auto text = ReadWholeFile(conf_path);
    if (!text.ok()) {
      return Status::Corruption(fmt::format("topic directory {} has no readable {} ({}); move it away to start",
                                            entry.path().string(), kTopicConfigFile, text.status().message()));
    }
    SLUICE_ASSIGN_OR_RETURN(TopicConfig config, ParseConfig(*text, conf_path));
    SLUICE_ASSIGN_OR_RETURN(Topic topic, OpenTopic(name, config));
    topics_.emplace(name, std::move(topic));
  }
  if (ec) return Status::IoError(fmt::format("list {}: {}", topics_dir_.string(), ec.message()));
  if (topics_.find(kConsumerOffsetsTopic) == topics_.end()) {
    TopicConfig c;
    c.partitions = 1;
    c.cleanup = CleanupPolicy::kCompact;
    c.fsync = options_.consumer_offsets_fsync;
    c.segment_bytes = options_.consumer_offsets_segment_bytes;
    c.retention_ms = std::chrono::milliseconds(-1);
    SLUICE_RETURN_IF_ERROR(CreateTopicFiles(std::string(kConsumerOffsetsTopic), c));
    SLUICE_ASSIGN_OR_RETURN(Topic topic, OpenTopic(std::string(kConsumerOffsetsTopic), c));
    topics_.emplace(std::string(kConsumerOffsetsTopic), std::move(topic));
  }
  group_offsets_ = std::make_unique<GroupOffsets>(topics_.find(kConsumerOffsetsTopic)->second.partitions.at(0), clock_);
  return group_offsets_->Load().WithContext("loading committed offsets");
}

Result<Log::Topic> Log::OpenTopic(const std::string& name, const TopicConfig& config) {
  Topic t;
  t.config = config;
  auto dir = topics_dir_ / name;
  for (int32_t i = 0; i < config.partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto p,
                            Partition::Open(dir / std::to_string(i), name, PartitionId{i}, config, &flusher_, clock_));
    t.partitions.push_back(std::move(p));
  }
  SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir));
  return t;
}

Status Log::CreateTopicFiles(const std::string& name, const TopicConfig& config) {
  // Stage the directory with its config, then rename it into place: a crash
  // leaves either no topic or a whole one.
  auto staging = data_dir_ / ".staging" / name;
  SLUICE_RETURN_IF_ERROR(RemoveAll(staging));
  std::error_code ec;
  std::filesystem::create_directories(staging, ec);
  if (ec) return Status::IoError(fmt::format("create {}: {}", staging.string(), ec.message()));
  SLUICE_RETURN_IF_ERROR(WriteFileAtomically(staging / kTopicConfigFile, SerializeConfig(config)));
  auto final_dir = topics_dir_ / name;
  if (::rename(staging.c_str(), final_dir.c_str()) != 0) {
    return Status::IoErrorFromErrno("rename", staging.string(), errno);
  }
  return FsyncDirectory(topics_dir_);
}

Status Log::CreateTopic(std::string_view name, const TopicConfig& config) {
  SLUICE_RETURN_IF_ERROR(ValidateTopicName(name));
  if (IsInternalTopic(name)) {
    return Status::InvalidArgument(fmt::format("{} is an internal topic and cannot be created", name));
  }
  SLUICE_RETURN_IF_ERROR(config.Validate());
  std::lock_guard admin(admin_mu_);
  {
    std::shared_lock lock(mu_);
    if (topics_.find(name) != topics_.end()) {
      return Status::AlreadyExists(fmt::format("topic {:?} already exists", name));
    }
  }
  std::string n(name);
  SLUICE_RETURN_IF_ERROR(CreateTopicFiles(n, config));
  auto opened = OpenTopic(n, config);
  if (!opened.ok()) {
    // Do not leave a half-made topic to be found at the next open.
    std::error_code ec;
    std::filesystem::remove_all(topics_dir_ / n, ec);
    return opened.status();
  }
  Topic topic = std::move(opened).value();
  std::unique_lock lock(mu_);
  topics_.emplace(n, std::move(topic));
  SLUICE_LOG_INFO("log", "created topic {} ({} partitions)", n, config.partitions);
  return Status::Ok();
}

Status Log::AddPartitions(std::string_view name, int32_t partitions) {
  std::lock_guard admin(admin_mu_);
  TopicConfig config;
  {
    std::shared_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::NotFound(fmt::format("topic {:?} does not exist", name));
    config = it->second.config;
  }
  if (IsInternalTopic(name)) {
    return Status::InvalidArgument(fmt::format("{} is an internal topic; its partitions are fixed", name));
  }
  if (partitions <= config.partitions) {
    return Status::InvalidArgument(fmt::format("topic {:?} has {} partitions; the new count must be larger, got {}",
                                               name, config.partitions, partitions));
  }
  int32_t old_count = config.partitions;
  config.partitions = partitions;
  SLUICE_RETURN_IF_ERROR(config.Validate());
  auto dir = topics_dir_ / std::string(name);
  SLUICE_RETURN_IF_ERROR(WriteFileAtomically(dir / kTopicConfigFile, SerializeConfig(config)));
  std::vector<std::shared_ptr<Partition>> added;
  for (int32_t i = old_count; i < partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        auto p, Partition::Open(dir / std::to_string(i), std::string(name), PartitionId{i}, config, &flusher_, clock_));
    added.push_back(std::move(p));
  }
  SLUICE_RETURN_IF_ERROR(FsyncDirectory(dir));
  std::unique_lock lock(mu_);
  auto& t = topics_.find(name)->second;
  t.config.partitions = partitions;
  for (auto& p : added) t.partitions.push_back(std::move(p));
  return Status::Ok();
}

Status Log::DeleteTopic(std::string_view name) {
  if (IsInternalTopic(name)) {
    return Status::InvalidArgument(fmt::format("{} is an internal topic and cannot be deleted", name));
  }
  std::lock_guard admin(admin_mu_);
  Topic topic;
  {
    std::unique_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::NotFound(fmt::format("topic {:?} does not exist", name));
    topic = std::move(it->second);
    topics_.erase(it);
  }
  for (auto& p : topic.partitions) p->MarkDeleted();
  // Rename into the trash first (atomic), then remove: a crash mid-removal
  // leaves the topic gone, and the next Open empties the trash.
  std::random_device rd;
  auto trash = data_dir_ / ".trash";
  std::error_code ec;
  std::filesystem::create_directories(trash, ec);
  if (ec) return Status::IoError(fmt::format("create {}: {}", trash.string(), ec.message()));
  auto doomed = trash / fmt::format("{}-{:08x}", name, rd());
  auto dir = topics_dir_ / std::string(name);
  if (::rename(dir.c_str(), doomed.c_str()) != 0) return Status::IoErrorFromErrno("rename", dir.string(), errno);
  SLUICE_RETURN_IF_ERROR(FsyncDirectory(topics_dir_));
  SLUICE_RETURN_IF_ERROR(RemoveAll(doomed));
  SLUICE_LOG_INFO("log", "deleted topic {}", name);
  return group_offsets_->DeleteTopic(name);
}

std::vector<std::string> Log::ListTopics() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, t] : topics_) {
    if (!IsInternalTopic(name)) out.push_back(name);
  }
  return out;
}

std::vector<std::string> Log::ListInternalTopics() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, t] : topics_) {
    if (IsInternalTopic(name)) out.push_back(name);
  }
  return out;
}

Result<TopicConfig> Log::DescribeTopic(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound(fmt::format("topic {:?} does not exist", name));
  return it->second.config;
}

Result<std::shared_ptr<Partition>> Log::GetPartition(std::string_view topic, PartitionId partition) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::NotFound(fmt::format("topic {:?} does not exist", topic));
  if (partition.value() < 0 || partition.value() >= static_cast<int32_t>(it->second.partitions.size())) {
    return Status::NotFound(fmt::format("topic {:?} has no partition {} (it has {})", topic, partition.value(),
                                        it->second.partitions.size()));
  }
  return it->second.partitions[static_cast<size_t>(partition.value())];
}

void Log::RunRetention() {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, t] : topics_) all.insert(all.end(), t.partitions.begin(), t.partitions.end());
  }
  for (const auto& p : all) {
    if (p->config().cleanup == CleanupPolicy::kCompact) {
      auto r = p->Compact();
      if (!r.ok())
        SLUICE_LOG_ERROR("log", "compaction of {}-{}: {}", p->topic(), p->id().value(), r.status().ToString());
    } else {
      auto r = p->EnforceRetention();
      if (!r.ok())
        SLUICE_LOG_ERROR("log", "retention of {}-{}: {}", p->topic(), p->id().value(), r.status().ToString());
    }
  }
}

void Log::RetentionLoop() {
  std::unique_lock lock(retention_mu_);
  while (!stopping_) {
    retention_cv_.wait_for(lock, options_.retention_check_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    RunRetention();
    lock.lock();
  }
}

}  // namespace sluice::log
