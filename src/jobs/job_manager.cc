#include "jobs/job_manager.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/logging.h"
#include "sql/session.h"

namespace sluice::jobs {

namespace fs = std::filesystem;

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kStarting: return "STARTING";
    case JobState::kRunning: return "RUNNING";
    case JobState::kFinished: return "FINISHED";
    case JobState::kFailed: return "FAILED";
    case JobState::kCancelled: return "CANCELLED";
    case JobState::kStopped: return "STOPPED";
  }
  return "UNKNOWN";
}

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes `content` to `path` so that a crash leaves the old file or the new
// one: a temporary file, fsync, rename, fsync of the directory.
Status WriteFileAtomic(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("create", tmp.string(), errno);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IoErrorFromErrno("write", tmp.string(), errno);
      ::close(fd);
      return s;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IoErrorFromErrno("fsync", tmp.string(), errno);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoErrorFromErrno("rename", tmp.string(), errno);
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// One job: its script, its session and thread, what it is doing.
struct JobManager::Entry {
  std::string id;
  std::string script;
  int64_t submitted_ms = 0;
  std::unique_ptr<sql::Session> session;
  std::thread thread;
  // Under `mu`:
  std::mutex mu;
  std::condition_variable cv;
  JobState state = JobState::kStarting;
  std::string error;
  Status failure;
  engine::Job* job = nullptr;  // while its dataflow runs
  engine::CheckpointStats last_checkpoints;
  int parallelism = 0;  // set by a resume with another parallelism (0: the script's)
  int workers = 0;      // of the last dataflow run
  bool cancel_requested = false;
  bool stop_requested = false;
  bool shutting_down = false;
};

JobManager::JobManager(fs::path data_dir, const engine::ConnectorRegistry* registry, engine::ConnectorContext ctx)
    : data_dir_(std::move(data_dir)), registry_(registry), ctx_(std::move(ctx)) {}

JobManager::~JobManager() { Shutdown(); }

Status JobManager::StoreState(const Entry& e, const std::string& state) const {
  return WriteFileAtomic(JobDir(e.id) / "state", state + "\n");
}

Status JobManager::Start(const std::shared_ptr<Entry>& e) {
  e->session = std::make_unique<sql::Session>(registry_, ctx_);
  e->session->set_parallelism_override(e->parallelism);
  e->session->set_output_callback([id = e->id](const std::string& text) {
    const size_t end = text.find_last_not_of('\n');
    if (end == std::string::npos || text.find("[INFO] Execute statement succeeded.") != std::string::npos) return;
    SLUICE_LOG_INFO("jobs", "job {}: {}", id, text.substr(0, end + 1));
  });
  e->session->set_job_observer([e](engine::Job* job) {
    std::lock_guard<std::mutex> lock(e->mu);
    if (!job && e->job) e->last_checkpoints = e->job->checkpoint_stats();
    e->job = job;
    if (job) e->workers = job->workers();
    if (job && e->state == JobState::kStarting) e->state = JobState::kRunning;
    e->cv.notify_all();
  });
  e->thread = std::thread([this, e] { RunEntry(e); });
  return Status::Ok();
}

void JobManager::RunEntry(const std::shared_ptr<Entry>& e) {
  // Checkpoints every second, kept per job id, unless the script says otherwise.
  std::string out;
  Status st = e->session->ExecuteScript(
      fmt::format("SET 'execution.checkpointing.interval' = '1s';\nSET 'execution.checkpointing.dir' = '{}';\n",
                  (data_dir_ / "checkpoints" / e->id).string()),
      &out);
  if (st.ok()) st = e->session->ExecuteScript(e->script, &out);
  std::lock_guard<std::mutex> lock(e->mu);
  if (e->shutting_down) {
    // The server stops: the stored state stays RUNNING, so it resumes.
  } else if (e->cancel_requested) {
    e->state = JobState::kCancelled;
  } else if (e->stop_requested) {
    e->state = JobState::kStopped;
  } else if (st.ok()) {
    e->state = JobState::kFinished;
    (void)StoreState(*e, "FINISHED");
  } else {
    const bool was_running = e->state == JobState::kRunning;
    e->state = JobState::kFailed;
    e->error = st.ToString();
    e->failure = st;
    SLUICE_LOG_ERROR("jobs", "job {} failed{}: {}", e->id, was_running ? "" : " before it ran", e->error);
    // A job that never ran is not stored as failed: a new submission is
    // dropped by Submit(), a resumed one is tried again at the next start.
    if (was_running) (void)StoreState(*e, "FAILED " + e->error);
  }
  e->cv.notify_all();
}

Result<std::string> JobManager::Submit(const std::string& script) {
  auto e = std::make_shared<Entry>();
  std::random_device rd;
  e->id = fmt::format("{:08x}", rd());
  e->script = script;
  e->submitted_ms = NowMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return Status::Unavailable("the server is shutting down");
    jobs_[e->id] = e;
  }
  std::error_code ec;
  fs::create_directories(JobDir(e->id), ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", JobDir(e->id).string(), ec.message()));
  SLUICE_RETURN_IF_ERROR(WriteFileAtomic(JobDir(e->id) / "script.sql", script));
  SLUICE_RETURN_IF_ERROR(WriteFileAtomic(JobDir(e->id) / "submitted_ms", std::to_string(e->submitted_ms)));
  SLUICE_RETURN_IF_ERROR(StoreState(*e, "RUNNING"));
  SLUICE_RETURN_IF_ERROR(Start(e));
  std::unique_lock<std::mutex> lock(e->mu);
  e->cv.wait(lock, [&] { return e->state != JobState::kStarting; });
  if (e->state == JobState::kFailed) {
    // Never ran: nothing to keep.
    Status error = e->failure;
    lock.unlock();
    e->thread.join();
    fs::remove_all(JobDir(e->id), ec);
    fs::remove_all(data_dir_ / "checkpoints" / e->id, ec);
    std::lock_guard<std::mutex> g(mu_);
    jobs_.erase(e->id);
    return error;
  }
  SLUICE_LOG_INFO("jobs", "job {} submitted ({})", e->id, JobStateName(e->state));
  return e->id;
}

Status JobManager::ResumeStored() {
  std::error_code ec;
  if (!fs::exists(data_dir_ / "jobs", ec)) return Status::Ok();
  for (const auto& dir : fs::directory_iterator(data_dir_ / "jobs", ec)) {
    if (!dir.is_directory()) continue;
    auto e = std::make_shared<Entry>();
    e->id = dir.path().filename().string();
    auto script = ReadFile(dir.path() / "script.sql");
    auto state = ReadFile(dir.path() / "state");
    if (!script.ok() || !state.ok()) {
      SLUICE_LOG_WARN("jobs", "ignoring {}: no script.sql or state", dir.path().string());
      continue;
    }
    e->script = *script;
    auto submitted = ReadFile(dir.path() / "submitted_ms");
    e->submitted_ms = submitted.ok() ? std::atoll(submitted->c_str()) : 0;
    auto parallelism = ReadFile(dir.path() / "parallelism");
    e->parallelism = parallelism.ok() ? std::max(0, std::atoi(parallelism->c_str())) : 0;
    std::string s = state->substr(0, state->find_last_not_of('\n') + 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_[e->id] = e;
    }
    if (s == "RUNNING") {
      SLUICE_LOG_INFO("jobs", "resuming job {}", e->id);
      SLUICE_RETURN_IF_ERROR(Start(e));
      continue;
    }
    std::lock_guard<std::mutex> lock(e->mu);
    if (s == "FINISHED") {
      e->state = JobState::kFinished;
    } else if (s == "STOPPED") {
      e->state = JobState::kStopped;
    } else if (s == "CANCELLED") {
      e->state = JobState::kCancelled;
    } else {
      e->state = JobState::kFailed;
      e->error = s.rfind("FAILED ", 0) == 0 ? s.substr(7) : s;
    }
  }
  return Status::Ok();
}

Result<std::shared_ptr<JobManager::Entry>> JobManager::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound(fmt::format("no job {}", id));
  return it->second;
}

Status JobManager::Cancel(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Entry> e, Find(id));
  {
    std::lock_guard<std::mutex> lock(e->mu);
    if (e->state == JobState::kStopped) {
      // Stopped with a savepoint: nothing runs; it just will not be resumed.
      SLUICE_RETURN_IF_ERROR(StoreState(*e, "CANCELLED"));
      e->state = JobState::kCancelled;
      return Status::Ok();
    }
    if (e->state != JobState::kRunning && e->state != JobState::kStarting) {
      return Status::InvalidArgument(fmt::format("job {} is {}, not running", id, JobStateName(e->state)));
    }
    e->cancel_requested = true;
    SLUICE_RETURN_IF_ERROR(StoreState(*e, "CANCELLED"));
  }
  e->session->Cancel();
  if (e->thread.joinable()) e->thread.join();
  SLUICE_LOG_INFO("jobs", "job {} cancelled", id);
  return Status::Ok();
}

Result<int64_t> JobManager::Stop(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Entry> e, Find(id));
  int64_t savepoint = 0;
  {
    // Held across the savepoint: the job's end (observer) waits for it, so
    // the job outlives the call even if its input ends meanwhile.
    std::lock_guard<std::mutex> lock(e->mu);
    if (e->state != JobState::kRunning || !e->job) {
      return Status::InvalidArgument(fmt::format("job {} is {}, not running", id, JobStateName(e->state)));
    }
    auto taken = e->job->Savepoint();
    if (!taken.ok()) return taken.status().WithContext(fmt::format("job {}: savepoint", id));
    savepoint = *taken;
    e->stop_requested = true;
    SLUICE_RETURN_IF_ERROR(StoreState(*e, "STOPPED"));
  }
  e->session->Cancel();
  if (e->thread.joinable()) e->thread.join();
  SLUICE_LOG_INFO("jobs", "job {} stopped with savepoint {}", id, savepoint);
  return savepoint;
}

Status JobManager::Resume(const std::string& id, int parallelism) {
  if (parallelism < 0) return Status::InvalidArgument("the parallelism must be at least 1");
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<Entry> e, Find(id));
  {
    std::lock_guard<std::mutex> lock(e->mu);
    if (e->state != JobState::kStopped) {
      return Status::InvalidArgument(
          fmt::format("job {} is {}; only a STOPPED job resumes", id, JobStateName(e->state)));
    }
    if (parallelism > 0) {
      // Kept with the job: a crash-restart resumes it with the same parallelism.
      SLUICE_RETURN_IF_ERROR(WriteFileAtomic(JobDir(id) / "parallelism", std::to_string(parallelism)));
      e->parallelism = parallelism;
    }
    e->state = JobState::kStarting;
    e->stop_requested = false;
    e->error.clear();
    SLUICE_RETURN_IF_ERROR(StoreState(*e, "RUNNING"));
  }
  if (e->thread.joinable()) e->thread.join();
  SLUICE_RETURN_IF_ERROR(Start(e));
  SLUICE_RETURN_IF_ERROR(AwaitRunning(e));
  SLUICE_LOG_INFO("jobs", "job {} resumed{}", id,
                  parallelism > 0 ? fmt::format(" with parallelism {}", parallelism) : std::string());
  return Status::Ok();
}

Status JobManager::AwaitRunning(const std::shared_ptr<Entry>& e) {
  std::unique_lock<std::mutex> lock(e->mu);
  e->cv.wait(lock, [&] { return e->state != JobState::kStarting; });
  if (e->state == JobState::kFailed) return e->failure;
  return Status::Ok();
}

JobInfo JobManager::InfoOf(const Entry& e) const {
  JobInfo info;
  info.id = e.id;
  info.submitted_ms = e.submitted_ms;
  std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(e.mu));
  info.parallelism = e.workers;
  info.state = e.state;
  info.error = e.error;
  if (e.job) {
    info.checkpoints = e.job->checkpoint_stats();
    info.operators = e.job->Metrics();
  } else {
    info.checkpoints = e.last_checkpoints;
  }
  return info;
}

std::vector<JobInfo> JobManager::List() const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, e] : jobs_) entries.push_back(e);
  }
  std::vector<JobInfo> out;
  for (const auto& e : entries) out.push_back(InfoOf(*e));
  std::sort(out.begin(), out.end(), [](const JobInfo& a, const JobInfo& b) { return a.submitted_ms < b.submitted_ms; });
  return out;
}

Result<JobInfo> JobManager::Get(const std::string& id) const {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return Status::NotFound(fmt::format("no job {}", id));
    e = it->second;
  }
  return InfoOf(*e);
}

void JobManager::Shutdown() {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    for (const auto& [id, e] : jobs_) entries.push_back(e);
  }
  for (const auto& e : entries) {
    {
      std::lock_guard<std::mutex> lock(e->mu);
      e->shutting_down = true;
    }
    if (e->session) e->session->Cancel();
  }
  for (const auto& e : entries) {
    if (e->thread.joinable()) e->thread.join();
  }
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JobToJson(const JobInfo& j) {
  std::string ops;
  for (const auto& m : j.operators) {
    ops += fmt::format(
        "{}{{\"name\":{},\"instances\":{},\"rows_in\":{},\"rows_out\":{},\"late_rows\":{},\"dropped_rows\":{},"
        "\"state_bytes\":{},\"watermark\":{}}}",
        ops.empty() ? "" : ",", JsonString(m.name), m.instances, m.rows_in, m.rows_out, m.late_rows, m.dropped_rows,
        m.state_bytes, m.watermark);
  }
  const auto& c = j.checkpoints;
  return fmt::format(
      "{{\"id\":{},\"state\":\"{}\",\"error\":{},\"submitted_ms\":{},\"parallelism\":{},\"checkpoints\":{{"
      "\"restored_from\":{},\"completed\":{},\"last_id\":{},\"last_duration_ms\":{},\"last_bytes\":{}}},"
      "\"operators\":[{}]}}",
      JsonString(j.id), JobStateName(j.state), JsonString(j.error), j.submitted_ms, j.parallelism, c.restored_from,
      c.completed, c.last_id, c.last_duration_ms, c.last_bytes, ops);
}

std::string JobsToJson(const std::vector<JobInfo>& jobs) {
  std::string out = "{\"jobs\":[";
  for (size_t i = 0; i < jobs.size(); ++i) out += (i ? "," : "") + JobToJson(jobs[i]);
  return out + "]}\n";
}

}  // namespace sluice::jobs
