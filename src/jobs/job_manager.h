#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/connector_registry.h"
#include "engine/job.h"

namespace sluice::jobs {

enum class JobState { kStarting, kRunning, kFinished, kFailed, kCancelled, kStopped };
// "STARTING", "RUNNING", ... as Flink's REST API spells job states.
const char* JobStateName(JobState s);

// What `sluice job list` and GET /api/v1/jobs show about one job.
struct JobInfo {
  std::string id;
  JobState state = JobState::kStarting;
  std::string error;  // kFailed: why
  int64_t submitted_ms = 0;
  int parallelism = 0;  // workers per dataflow of its last run (0: never ran here)
  engine::CheckpointStats checkpoints;
  std::vector<engine::OperatorMetricsSnapshot> operators;  // while running
};

// The SQL jobs a server runs. A job is a script (CREATE TABLE ..., SET ...,
// INSERT INTO ...) executed by its own sql::Session on its own thread, with
// checkpoints every second unless the script SETs
// 'execution.checkpointing.interval' otherwise, stored under
// <data_dir>/checkpoints/<id>. Jobs are kept under <data_dir>/jobs/<id>/
// (script.sql, submitted_ms and a `state` file — RUNNING, FINISHED,
// CANCELLED, STOPPED or "FAILED <why>" — each written atomically), so a server that
// crashed or was stopped resumes the jobs that were running, each from its
// last completed checkpoint, by itself.
//
// Thread-safety: thread-safe (HTTP handlers call it concurrently).
// Lifetime: Shutdown() (or the destructor) stops every job's thread without
// changing what is stored.
class JobManager {
 public:
  JobManager(std::filesystem::path data_dir, const engine::ConnectorRegistry* registry, engine::ConnectorContext ctx);
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Loads stored jobs; those that were running start again.
  Status ResumeStored();
  // Starts `script` as a new job and returns its id once its dataflow runs
  // (or, for a script without INSERT, once it is done). A script that fails
  // before its job runs (bad SQL, unknown table) returns that error, with
  // line:column, and nothing is stored.
  Result<std::string> Submit(const std::string& script);
  // Stops a running job for good (its state becomes CANCELLED).
  Status Cancel(const std::string& id);
  // Takes a savepoint of a running job, publishes its output and stops it
  // (STOPPED); returns the savepoint's checkpoint id. Resume() continues it
  // from there — after a server upgrade, or with `parallelism` > 0 workers
  // whatever the script SETs (key groups are redistributed; kept in
  // <data_dir>/jobs/<id>/parallelism for later restarts).
  Result<int64_t> Stop(const std::string& id);
  Status Resume(const std::string& id, int parallelism = 0);
  std::vector<JobInfo> List() const;
  Result<JobInfo> Get(const std::string& id) const;
  void Shutdown();

 private:
  struct Entry;
  Status Start(const std::shared_ptr<Entry>& e);
  // Waits until a started job runs or fails before running.
  Status AwaitRunning(const std::shared_ptr<Entry>& e);
  Result<std::shared_ptr<Entry>> Find(const std::string& id) const;
  void RunEntry(const std::shared_ptr<Entry>& e);
  Status StoreState(const Entry& e, const std::string& state) const;
  JobInfo InfoOf(const Entry& e) const;
  std::filesystem::path JobDir(const std::string& id) const { return data_dir_ / "jobs" / id; }

  std::filesystem::path data_dir_;
  const engine::ConnectorRegistry* registry_;
  engine::ConnectorContext ctx_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> jobs_;
  bool shut_down_ = false;
};

// JSON for the REST API: {"jobs":[...]} and one job.
std::string JobsToJson(const std::vector<JobInfo>& jobs);
std::string JobToJson(const JobInfo& job);
std::string JsonString(std::string_view s);

}  // namespace sluice::jobs
