#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/connector_registry.h"
#include "engine/job.h"
#include "sql/catalog.h"
#include "sql/planner.h"

namespace sluice::sql {

// Where the rows of a bare SELECT go: given the result's schema and
// changelog mode, a sink (the shell prints rows as they arrive; tests collect
// them). The session runs the query's job until its sources end.
using SelectSinkFactory =
    std::function<Result<std::shared_ptr<engine::Sink>>(const engine::Schema& schema, PlannedQuery::Changelog mode)>;

// Runs SQL scripts against one catalog, in-process: DDL (CREATE TABLE/VIEW,
// DROP), SHOW TABLES, DESCRIBE, SET/RESET, EXPLAIN, SELECT and INSERT INTO
// (also CREATE TABLE ... AS SELECT and statement sets).
//
// Execution model: statements run in order. INSERTs are collected and, at
// the end of the script (or before the next SELECT), run together as one job:
// one engine dataflow per INSERT, started together and finished together
// (the run ends when the last one drains its bounded sources). Options:
// 'parallelism' (or 'parallelism.default') = worker threads per dataflow;
// 'pipeline.name' names the job in logs; 'table.exec.state.ttl' bounds the
// state of regular joins and GROUP BY (dedup and top-N have no TTL yet).
//
// Thread-safety: not thread-safe; one per shell or run. Cancel() may be
// called from another thread (e.g. a signal handler thread) to stop the
// running job.
class Session {
 public:
  Session(const engine::ConnectorRegistry* registry, engine::ConnectorContext ctx);
  ~Session();

  void set_select_sink_factory(SelectSinkFactory f) { select_sink_ = std::move(f); }
  // When set, ExecuteScript hands each statement's text output to `f` as
  // soon as the statement is done (instead of collecting it in `out`).
  void set_output_callback(std::function<void(const std::string&)> f) { output_ = std::move(f); }
  Catalog& catalog() { return catalog_; }
  // Called with each job this session starts, once it runs, and with null
  // when it ends (from the thread running the script). A job manager reads
  // the job's metrics and checkpoint stats through it meanwhile.
  void set_job_observer(std::function<void(engine::Job*)> f) { job_observer_ = std::move(f); }
  // Worker threads per dataflow whatever the script SETs (a job resumed from
  // a savepoint with another parallelism); 0 = as SET or the default.
  void set_parallelism_override(int p) { parallelism_override_ = p; }
  // The processing-time clock of the jobs this session runs (PROCTIME(),
  // processing-time windows, idleness); null: the system clock. Tests pass a
  // ManualClock. Must outlive the session's jobs.
  void set_clock(engine::Clock* clock) { clock_ = clock; }

  // Executes every statement of `script`; text results (SHOW, DESCRIBE,
  // EXPLAIN, SET, and what each statement did) are appended to `out`. Stops
  // at the first error, whose message starts with `line L:C:`.
  Status ExecuteScript(std::string_view script, std::string* out);
  // Stops the running job (or the next one this script starts); the script
  // returns Cancelled. Any thread.
  void Cancel();

 private:
  struct PendingInsert;
  Status ExecuteStatement(std::shared_ptr<const Statement> stmt, std::string* out);
  Status CreateTable(std::shared_ptr<const Statement> stmt, std::string* out);
  Status CreateView(std::shared_ptr<const Statement> stmt, std::string* out);
  Status CreateFunction(const CreateFunctionStatement& cf, std::string* out);
  Status Describe(const DescribeStatement& d, std::string* out);
  Status Explain(const ExplainStatement& e, std::string* out);
  // Plans an INSERT; with SinkCreation::kExplainOnly the sink is not created
  // (EXPLAIN) and only pending->plan_text is filled.
  enum class SinkCreation { kCreate, kExplainOnly };
  Status PlanInsert(const InsertStatement& insert, PendingInsert* pending,
                    SinkCreation creation = SinkCreation::kCreate);
  Status PlanInsert(const QualifiedName& table, const std::vector<Identifier>& columns, InsertMode mode,
                    const Query& query, SourcePos pos, PendingInsert* pending, SinkCreation creation,
                    const std::vector<Hint>& hints = {});
  Status RunSelect(const Query& query);
  Status RunPending(std::string* out);
  // Runs `spec` as job `job_name`; with `checkpointed`, under the session's
  // 'execution.checkpointing.*' settings.
  Status RunJob(engine::JobSpec spec, const std::string& job_name, bool checkpointed,
                const std::shared_ptr<LimitReached>& limit = nullptr);
  Planner MakePlanner() const;
  int Parallelism() const;

  const engine::ConnectorRegistry* registry_;
  engine::ConnectorContext ctx_;
  Catalog catalog_;
  SelectSinkFactory select_sink_;
  std::function<void(const std::string&)> output_;
  std::function<void(engine::Job*)> job_observer_;
  int parallelism_override_ = 0;
  engine::Clock* clock_ = nullptr;
  std::shared_ptr<const std::string> source_;
  std::vector<std::unique_ptr<PendingInsert>> pending_;
  std::mutex mu_;
  std::vector<engine::Job*> running_;
  bool cancelled_ = false;
};

// Formats rows as Flink's SQL client prints a table (a box of `|` and `-`).
std::string FormatTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace sluice::sql
