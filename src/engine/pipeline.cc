#include "engine/pipeline.h"

#include <fmt/format.h>

#include "engine/group_aggregate_operator.h"
#include "engine/interval_join_operator.h"
#include "engine/rocksdb_join_operator.h"
#include "engine/window_join_operator.h"
#include "engine/window_operator.h"

namespace sluice::engine {

Pipeline& Pipeline::From(std::shared_ptr<Source> source) {
  if (!spec_.stages.empty()) {
    Fail(Status::InvalidArgument("From() given twice; use Union() to read several sources"));
    return *this;
  }
  schema_ = source->schema();
  if (source->event_time_column() >= 0) time_column_ = schema_.field(source->event_time_column()).name;
  spec_.stages.emplace_back().sources.push_back(std::move(source));
  return *this;
}

Pipeline& Pipeline::Union(std::shared_ptr<Source> source) {
  if (spec_.stages.size() != 1 || !spec_.stages[0].operators.empty()) {
    Fail(Status::InvalidArgument("Union() must follow From() directly"));
  } else if (!(source->schema() == schema_)) {
    Fail(Status::InvalidArgument(
        fmt::format("Union() of {} with {}: schemas differ", schema_.ToString(), source->schema().ToString())));
  } else {
    spec_.stages[0].sources.push_back(std::move(source));
  }
  return *this;
}

void Pipeline::AddCalc(Expr filter, std::vector<Projection> projections) {
  if (!error_.ok()) return;
  if (spec_.stages.empty()) return Fail(Status::InvalidArgument("Filter() and Select() need a From() before them"));
  auto probe = CalcOperator::Create(schema_, filter, projections, 1);
  if (!probe.ok()) return Fail(probe.status());
  // Event time survives a projection that keeps the column under the same name.
  if (!projections.empty()) {
    bool kept = false;
    for (const Projection& p : projections) {
      int idx;
      auto c = CompileExpr(p.expr, schema_, 1);
      if (c.ok() && (*c)->IsColumnRef(&idx) && schema_.field(idx).name == time_column_ && p.name == time_column_) {
        kept = true;
      }
    }
    if (!kept) time_column_.clear();
  }
  schema_ = (*probe)->output_schema();
  OperatorSpec op{
      "calc", [filter, projections](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
        SLUICE_ASSIGN_OR_RETURN(auto calc, CalcOperator::Create(in, filter, projections, ctx.batch_capacity));
        return std::unique_ptr<Operator>(std::move(calc));
      }};
  if (!projections.empty()) keys_.reset();  // columns may have moved
  AddOperator(std::move(op));
}

Pipeline& Pipeline::Filter(Expr predicate) {
  AddCalc(std::move(predicate), {});
  return *this;
}

Pipeline& Pipeline::Select(std::vector<Projection> projections) {
  AddCalc(Expr(), std::move(projections));
  return *this;
}

void Pipeline::StartKeyedStage(std::vector<int> keys) {
  StageSpec stage;
  stage.inputs.push_back(StageInput{static_cast<int>(spec_.stages.size()) - 1, keys, nullptr});
  spec_.stages.push_back(std::move(stage));
  keys_ = std::move(keys);
}

Pipeline& Pipeline::KeyBy(std::vector<std::string> columns) {
  if (!error_.ok()) return *this;
  if (spec_.stages.empty()) return Fail(Status::InvalidArgument("KeyBy() needs a From() before it")), *this;
  std::vector<int> keys;
  for (const std::string& c : columns) {
    auto idx = schema_.IndexOf(c);
    if (!idx.ok()) {
      Fail(idx.status().WithContext("KeyBy"));
      return *this;
    }
    keys.push_back(*idx);
  }
  StartKeyedStage(std::move(keys));
  return *this;
}

Pipeline& Pipeline::Window(WindowSpec window, std::string time_column) {
  window_ = window;
  window_time_column_ = time_column.empty() ? time_column_ : time_column;
  if (window_time_column_.empty()) {
    Fail(Status::InvalidArgument("Window() needs an event-time column: declare one on the source or name it"));
  }
  return *this;
}

Pipeline& Pipeline::GlobalWindow(GlobalTrigger trigger) {
  global_trigger_ = trigger;
  return *this;
}

Pipeline& Pipeline::Aggregate(std::vector<AggregateSpec> aggregates) {
  if (!error_.ok()) return *this;
  if (spec_.stages.empty()) return Fail(Status::InvalidArgument("Aggregate() needs a From() before it")), *this;
  if (!keyed()) StartKeyedStage({});  // global aggregation: one key group
  if (!keys_) {
    return Fail(Status::InvalidArgument("Aggregate() after a join, an aggregate or a Select() needs a KeyBy() first")),
           *this;
  }
  std::vector<int> keys = *keys_;
  int time_col = -1;
  std::string tname = window_ ? window_time_column_ : time_column_;
  if (!tname.empty()) {
    auto t = schema_.IndexOf(tname);
    if (!t.ok()) {
      Fail(t.status().WithContext("event-time column"));
      return *this;
    }
    time_col = *t;
  }
  if (global_trigger_) {
    const GlobalTrigger trigger = *global_trigger_;
    OperatorContext probe_ctx;
    probe_ctx.batch_capacity = 1;
    auto probe = GlobalWindowOperator::Create(schema_, keys, time_col, trigger, aggregates, probe_ctx);
    if (!probe.ok()) return Fail(probe.status()), *this;
    schema_ = (*probe)->output_schema();
    AddOperator(OperatorSpec{"global-window",
                             [keys, time_col, trigger, aggregates](
                                 const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
                               SLUICE_ASSIGN_OR_RETURN(
                                   auto op, GlobalWindowOperator::Create(in, keys, time_col, trigger, aggregates, ctx));
                               return std::unique_ptr<Operator>(std::move(op));
                             }});
    time_column_.clear();
    global_trigger_.reset();
    keys_.reset();
  } else if (window_) {
    WindowAggregateSpec ws{keys, time_col, *window_, aggregates};
    auto out = WindowOutputSchema(schema_, ws);
    if (!out.ok()) return Fail(out.status()), *this;
    schema_ = *out;
    AddOperator(OperatorSpec{
        "window", [ws](const Schema& in, const OperatorContext& ctx) { return CreateWindowOperator(in, ws, ctx); }});
    time_column_.clear();
    window_.reset();
    keys_.reset();
  } else {
    OperatorContext probe_ctx;
    probe_ctx.batch_capacity = 1;
    const int64_t ttl = state_ttl_ms_;
    auto probe = GroupAggregateOperator::Create(schema_, keys, aggregates, time_col, probe_ctx, ttl);
    if (!probe.ok()) return Fail(probe.status()), *this;
    schema_ = (*probe)->output_schema();
    AddOperator(OperatorSpec{"group-aggregate",
                             [keys, aggregates, time_col, ttl](
                                 const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
                               SLUICE_ASSIGN_OR_RETURN(
                                   auto op, GroupAggregateOperator::Create(in, keys, aggregates, time_col, ctx, ttl));
                               return std::unique_ptr<Operator>(std::move(op));
                             }});
    time_column_.clear();
    keys_.reset();
  }
  return *this;
}

void Pipeline::StartJoinStage(const Pipeline& right, std::vector<int> left_keys, std::vector<int> right_keys,
                              TwoInputFactory join) {
  const int left_stage = static_cast<int>(spec_.stages.size()) - 1;
  JobSpec right_spec = right.SpecWithLateSinks();
  const int right_stage = spec_.Append(right_spec) + static_cast<int>(right_spec.stages.size()) - 1;
  StageSpec stage;
  stage.inputs.push_back(StageInput{left_stage, std::move(left_keys), nullptr});
  stage.inputs.push_back(StageInput{right_stage, std::move(right_keys), nullptr});
  stage.join = std::move(join);
  join_stage_ = static_cast<int>(spec_.stages.size());
  spec_.stages.push_back(std::move(stage));
  keys_.reset();
}

Status Pipeline::ResolveJoinKeys(const Pipeline& right, const std::vector<std::string>& left_keys,
                                 const std::vector<std::string>& right_keys, const char* what,
                                 std::vector<int>* left_idx, std::vector<int>* right_idx) const {
  if (!right.error_.ok()) return right.error_;
  if (spec_.stages.empty() || right.spec_.stages.empty()) {
    return Status::InvalidArgument(std::string(what) + "() needs a From() on both inputs");
  }
  for (const std::string& k : left_keys) {
    auto idx = schema_.IndexOf(k);
    if (!idx.ok()) return idx.status().WithContext(std::string(what) + " left key");
    left_idx->push_back(*idx);
  }
  for (const std::string& k : right_keys) {
    auto idx = right.schema_.IndexOf(k);
    if (!idx.ok()) return idx.status().WithContext(std::string(what) + " right key");
    right_idx->push_back(*idx);
  }
  return Status::Ok();
}

Status Pipeline::ResolveJoinTimes(const Pipeline& right, const char* what, int* left_time, int* right_time) const {
  auto lt = schema_.IndexOf(time_column_);
  auto rt = right.schema_.IndexOf(right.time_column_);
  if (time_column_.empty() || right.time_column_.empty() || !lt.ok() || !rt.ok()) {
    return Status::InvalidArgument(std::string(what) + "() needs an event-time column on both inputs");
  }
  *left_time = *lt;
  *right_time = *rt;
  return Status::Ok();
}

Pipeline& Pipeline::IntervalJoin(const Pipeline& right, std::vector<std::string> left_keys,
                                 std::vector<std::string> right_keys, std::chrono::milliseconds lower,
                                 std::chrono::milliseconds upper, JoinType type) {
  if (!error_.ok()) return *this;
  IntervalJoinSpec js;
  if (Status st = ResolveJoinKeys(right, left_keys, right_keys, "IntervalJoin", &js.left_keys, &js.right_keys);
      !st.ok()) {
    return Fail(std::move(st)), *this;
  }
  if (Status st = ResolveJoinTimes(right, "IntervalJoin", &js.left_time, &js.right_time); !st.ok()) {
    return Fail(std::move(st)), *this;
  }
  js.lower_ms = lower.count();
  js.upper_ms = upper.count();
  js.type = type;
  OperatorContext probe_ctx;
  probe_ctx.batch_capacity = 1;
  auto probe = IntervalJoinOperator::Create(schema_, right.schema_, js, probe_ctx);
  if (!probe.ok()) return Fail(probe.status()), *this;
  StartJoinStage(
      right, js.left_keys, js.right_keys,
      [js](const Schema& l, const Schema& r, const OperatorContext& ctx) -> Result<std::unique_ptr<TwoInputOperator>> {
        SLUICE_ASSIGN_OR_RETURN(auto op, IntervalJoinOperator::Create(l, r, js, ctx));
        return std::unique_ptr<TwoInputOperator>(std::move(op));
      });
  schema_ = (*probe)->output_schema();
  return *this;
}

Pipeline& Pipeline::WindowJoin(const Pipeline& right, std::vector<std::string> left_keys,
                               std::vector<std::string> right_keys, WindowSpec window, JoinType type) {
  if (!error_.ok()) return *this;
  WindowJoinSpec js;
  js.window = window;
  js.type = type;
  if (Status st = ResolveJoinKeys(right, left_keys, right_keys, "WindowJoin", &js.left_keys, &js.right_keys);
      !st.ok()) {
    return Fail(std::move(st)), *this;
  }
  if (Status st = ResolveJoinTimes(right, "WindowJoin", &js.left_time, &js.right_time); !st.ok()) {
    return Fail(std::move(st)), *this;
  }
  OperatorContext probe_ctx;
  probe_ctx.batch_capacity = 1;
  auto probe = WindowJoinOperator::Create(schema_, right.schema_, js, probe_ctx);
  if (!probe.ok()) return Fail(probe.status()), *this;
  StartJoinStage(
      right, js.left_keys, js.right_keys,
      [js](const Schema& l, const Schema& r, const OperatorContext& ctx) -> Result<std::unique_ptr<TwoInputOperator>> {
        SLUICE_ASSIGN_OR_RETURN(auto op, WindowJoinOperator::Create(l, r, js, ctx));
        return std::unique_ptr<TwoInputOperator>(std::move(op));
      });
  schema_ = (*probe)->output_schema();
  time_column_.clear();
  return *this;
}

Pipeline& Pipeline::Join(const Pipeline& right, std::vector<std::string> left_keys, std::vector<std::string> right_keys,
                         std::chrono::milliseconds state_ttl, JoinType type) {
  if (!error_.ok()) return *this;
  RegularJoinSpec js;
  if (Status st = ResolveJoinKeys(right, left_keys, right_keys, "Join", &js.left_keys, &js.right_keys); !st.ok()) {
    return Fail(std::move(st)), *this;
  }
  js.state_ttl_ms = state_ttl.count();
  js.type = type;
  OperatorContext probe_ctx;
  probe_ctx.batch_capacity = 1;
  auto probe = IntervalJoinOperator::CreateRegular(schema_, right.schema_, js, probe_ctx);
  if (!probe.ok()) return Fail(probe.status()), *this;
  StartJoinStage(
      right, js.left_keys, js.right_keys,
      [js](const Schema& l, const Schema& r, const OperatorContext& ctx) -> Result<std::unique_ptr<TwoInputOperator>> {
        return CreateRegularJoin(l, r, js, ctx);
      });
  schema_ = (*probe)->output_schema();
  time_column_.clear();  // a regular join's output carries no event-time order
  return *this;
}

Pipeline& Pipeline::RightLateDataTo(Sink* sink) {
  right_late_sink_ = sink;
  return *this;
}

Pipeline& Pipeline::Deduplicate(Keep keep) {
  if (!error_.ok()) return *this;
  if (!keyed() || !keys_) return Fail(Status::InvalidArgument("Deduplicate() needs a KeyBy() before it")), *this;
  auto t = schema_.IndexOf(time_column_);
  if (time_column_.empty() || !t.ok()) {
    return Fail(Status::InvalidArgument("Deduplicate() orders by event time: the input has none")), *this;
  }
  DeduplicateSpec ds{*keys_, *t, keep};
  AddOperator(OperatorSpec{"deduplicate",
                           [ds](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
                             SLUICE_ASSIGN_OR_RETURN(auto op, DeduplicateOperator::Create(in, ds, ctx));
                             return std::unique_ptr<Operator>(std::move(op));
                           }});
  return *this;
}

Pipeline& Pipeline::TopN(const std::string& order_column, int n, bool descending) {
  if (!error_.ok()) return *this;
  if (!keyed() || !keys_) return Fail(Status::InvalidArgument("TopN() needs a KeyBy() before it")), *this;
  auto o = schema_.IndexOf(order_column);
  if (!o.ok()) return Fail(o.status().WithContext("TopN")), *this;
  TopNSpec ts{*keys_, *o, descending, n};
  OperatorContext probe;
  probe.batch_capacity = 1;
  auto check = TopNOperator::Create(schema_, ts, probe);
  if (!check.ok()) return Fail(check.status()), *this;
  AddOperator(
      OperatorSpec{"top-n", [ts](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
                     SLUICE_ASSIGN_OR_RETURN(auto op, TopNOperator::Create(in, ts, ctx));
                     return std::unique_ptr<Operator>(std::move(op));
                   }});
  return *this;
}

Pipeline& Pipeline::Over(OverFrameUnit unit, int64_t preceding, std::vector<AggregateSpec> aggregates) {
  if (!error_.ok()) return *this;
  if (!keyed() || !keys_) return Fail(Status::InvalidArgument("Over() needs a KeyBy() before it")), *this;
  auto t = schema_.IndexOf(time_column_);
  if (time_column_.empty() || !t.ok()) {
    return Fail(Status::InvalidArgument("Over() orders by event time: the input has none")), *this;
  }
  OverSpec os{*keys_, *t, unit, preceding, std::move(aggregates)};
  OperatorContext probe;
  probe.batch_capacity = 1;
  auto check = OverAggregateOperator::Create(schema_, os, probe);
  if (!check.ok()) return Fail(check.status()), *this;
  schema_ = (*check)->output_schema();
  AddOperator(OperatorSpec{"over-aggregate",
                           [os](const Schema& in, const OperatorContext& ctx) -> Result<std::unique_ptr<Operator>> {
                             SLUICE_ASSIGN_OR_RETURN(auto op, OverAggregateOperator::Create(in, os, ctx));
                             return std::unique_ptr<Operator>(std::move(op));
                           }});
  return *this;
}

Pipeline& Pipeline::To(Sink* sink) {
  sink_ = sink;
  return *this;
}

Pipeline& Pipeline::LateDataTo(Sink* sink) {
  late_sink_ = sink;
  return *this;
}

JobSpec Pipeline::SpecWithLateSinks() const {
  JobSpec spec = spec_;
  for (StageSpec& stage : spec.stages) {
    // Only rows straight from a source carry lateness; later stages' inputs
    // are never late, so naming the sink on every input is harmless.
    if (stage.keyed() && !stage.inputs[0].late_sink) stage.inputs[0].late_sink = late_sink_;
  }
  if (join_stage_ >= 0) spec.stages[join_stage_].inputs[1].late_sink = right_late_sink_;
  return spec;
}

Result<JobSpec> Pipeline::BuildSpec() const {
  if (!error_.ok()) return error_;
  if (spec_.stages.empty()) return Status::InvalidArgument("a pipeline needs a From()");
  if (window_) return Status::InvalidArgument("Window() must be followed by Aggregate()");
  if (global_trigger_) return Status::InvalidArgument("GlobalWindow() must be followed by Aggregate()");
  if (!sink_) return Status::InvalidArgument("a pipeline needs a sink: call To()");
  JobSpec spec = SpecWithLateSinks();
  spec.stages.back().sink = sink_;
  return spec;
}

Result<std::unique_ptr<Job>> Pipeline::Build(JobConfig config) const {
  SLUICE_ASSIGN_OR_RETURN(JobSpec spec, BuildSpec());
  return Job::Create(std::move(spec), config);
}

}  // namespace sluice::engine
