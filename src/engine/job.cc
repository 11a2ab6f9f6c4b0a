#include "engine/job.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/channel.h"
#include "engine/exchange_operator.h"

namespace sluice::engine {

namespace {
constexpr auto kPollInterval = std::chrono::milliseconds(1);
constexpr auto kConsumerTick = std::chrono::milliseconds(10);
}  // namespace

// One source partition read by a producer.
struct Job::Reader {
  int side = 0;
  std::unique_ptr<SourceReader> reader;
  std::unique_ptr<Batch> batch;
  int time_column = -1;
  int64_t delay = 0;
  int64_t idle_timeout = 0;
  int64_t max_ts = kMinWatermark;
  int64_t watermark = kMinWatermark;
  int64_t last_data_ms = 0;
  int64_t bad_seen = 0;
  bool ended = false;
  bool idle = false;
};

struct Job::Worker {
  int index = 0;
  std::vector<Reader> readers;
  OperatorMetrics source_metrics;
  std::vector<std::unique_ptr<Operator>> producer_chain[2];  // per input; ends in exchange or sink
  ExchangeOperator* exchange[2] = {nullptr, nullptr};
  std::vector<std::unique_ptr<Operator>> consumer_chain;  // ends in sink
  std::thread producer;
  std::thread consumer;
};

Result<std::unique_ptr<Job>> Job::Create(JobSpec spec, JobConfig config) {
  if (spec.sources.empty()) return Status::InvalidArgument("a job needs at least one source");
  if (!spec.sink) return Status::InvalidArgument("a job needs a sink");
  if (!spec.key_by && !spec.after_exchange.empty()) {
    return Status::InvalidArgument("keyed operators need a key-by before them");
  }
  if (spec.right && (!spec.key_by || !spec.join || spec.right->sources.empty())) {
    return Status::InvalidArgument("a second input needs sources, a key-by and a two-input operator to meet in");
  }
  if (config.workers <= 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
  if (config.key_groups < config.workers) config.key_groups = config.workers;
  if (config.batch_capacity <= 0 || config.channel_batches <= 0) {
    return Status::InvalidArgument("batch capacity and channel batches must be positive");
  }
  if (!config.clock) config.clock = SystemClock::Default();
  const Schema& schema = spec.sources[0]->schema();
  for (const auto& s : spec.sources) {
    if (!(s->schema() == schema)) {
      return Status::InvalidArgument(
          fmt::format("UNION of sources with different schemas: {} vs {}", schema.ToString(), s->schema().ToString()));
    }
  }
  std::unique_ptr<Job> job(new Job());
  job->spec_ = std::move(spec);
  job->config_ = config;
  job->source_schema_ = schema;
  const int n = config.workers;
  for (int w = 0; w < n; ++w) job->workers_.push_back(std::make_unique<Worker>());
  for (int w = 0; w < n; ++w) SLUICE_RETURN_IF_ERROR(job->BuildWorker(w));
  return job;
}

Job::~Job() {
  Cancel();
  for (auto& w : workers_) {
    if (w->producer.joinable()) w->producer.join();
    if (w->consumer.joinable()) w->consumer.join();
  }
}

Status Job::BuildWorker(int w) {
  Worker& worker = *workers_[w];
  worker.index = w;
  const int n = config_.workers;
  const int sides = spec_.right ? 2 : 1;
  OperatorContext ctx;
  ctx.worker = w;
  ctx.num_workers = n;
  ctx.num_key_groups = config_.key_groups;
  ctx.batch_capacity = config_.batch_capacity;
  ctx.late_sink = spec_.late_sink;
  ctx.clock = config_.clock;

  if (w == 0 && spec_.key_by) {
    for (int c = 0; c < n; ++c) {
      inboxes_.push_back(std::make_unique<Inbox>(static_cast<size_t>(n) * sides * (2 * config_.channel_batches + 4)));
    }
  }
  Schema side_schema[2];
  int p = 0;  // global partition index over both inputs
  for (int side = 0; side < sides; ++side) {
    const auto& sources = side == 0 ? spec_.sources : spec_.right->sources;
    const auto& before = side == 0 ? spec_.before_exchange : spec_.right->before_exchange;
    const auto& keys = side == 0 ? spec_.key_columns : spec_.right->key_columns;
    const Schema& source_schema = sources[0]->schema();
    // Source partitions: global index p over all sources, p % n == w.
    for (const auto& source : sources) {
      for (int split = 0; split < source->num_splits(); ++split, ++p) {
        if (p % n != w) continue;
        Reader r;
        r.side = side;
        SLUICE_ASSIGN_OR_RETURN(r.reader, source->OpenSplit(split));
        r.batch = std::make_unique<Batch>(source_schema, config_.batch_capacity);
        r.time_column = source->event_time_column();
        r.delay = source->watermark_strategy().max_out_of_orderness_ms;
        r.idle_timeout = source->watermark_strategy().idle_timeout_ms;
        r.last_data_ms = config_.clock->NowMillis();
        worker.readers.push_back(std::move(r));
      }
    }
    Schema schema = source_schema;
    auto& chain = worker.producer_chain[side];
    for (const OperatorSpec& op : before) {
      SLUICE_ASSIGN_OR_RETURN(auto instance, op.create(schema, ctx));
      schema = instance->output_schema();
      chain.push_back(std::move(instance));
    }
    if (spec_.key_by) {
      for (int c : keys) {
        if (c < 0 || c >= schema.size()) {
          return Status::InvalidArgument(fmt::format("key column ${} out of range for {}", c, schema.ToString()));
        }
      }
      if (w == 0) {
        for (int prod = 0; prod < n; ++prod) {
          for (int cons = 0; cons < n; ++cons) {
            pools_.push_back(std::make_unique<BatchPool>(schema, config_.batch_capacity, config_.channel_batches));
          }
        }
      }
      std::vector<Inbox*> inboxes;
      std::vector<BatchPool*> pools;
      for (int c = 0; c < n; ++c) {
        inboxes.push_back(inboxes_[c].get());
        pools.push_back(pools_[(side * n + w) * n + c].get());
      }
      auto exchange = std::make_unique<ExchangeOperator>(schema, keys, w, config_.key_groups, std::move(inboxes),
                                                         std::move(pools), static_cast<uint8_t>(side));
      worker.exchange[side] = exchange.get();
      chain.push_back(std::move(exchange));
    } else {
      chain.push_back(std::make_unique<SinkOperator>(schema, spec_.sink));
      output_schema_ = schema;
    }
    for (size_t i = 0; i + 1 < chain.size(); ++i) chain[i]->set_next(chain[i + 1].get());
    side_schema[side] = schema;
  }
  if (!spec_.key_by) return Status::Ok();

  Schema schema = side_schema[0];
  if (spec_.right) {
    OperatorContext jctx = ctx;
    jctx.right_late_sink = spec_.right->late_sink;
    SLUICE_ASSIGN_OR_RETURN(auto join, spec_.join(side_schema[0], side_schema[1], jctx));
    schema = join->output_schema();
    worker.consumer_chain.push_back(std::move(join));
  }
  for (const OperatorSpec& op : spec_.after_exchange) {
    SLUICE_ASSIGN_OR_RETURN(auto instance, op.create(schema, ctx));
    schema = instance->output_schema();
    worker.consumer_chain.push_back(std::move(instance));
  }
  worker.consumer_chain.push_back(std::make_unique<SinkOperator>(schema, spec_.sink));
  for (size_t i = 0; i + 1 < worker.consumer_chain.size(); ++i) {
    worker.consumer_chain[i]->set_next(worker.consumer_chain[i + 1].get());
  }
  output_schema_ = schema;
  return Status::Ok();
}

void Job::Fail(const Status& s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_error_.ok()) first_error_ = s;
  }
  Cancel();
}

void Job::Cancel() {
  cancelled_.store(true);
  for (auto& i : inboxes_) i->Cancel();
  for (auto& p : pools_) p->Cancel();
}

namespace {

// Marks rows that are late in their partition (event time below the
// partition's watermark before them) and advances the partition's watermark.
void TrackEventTime(Batch* b, int time_column, int64_t delay, int64_t* max_ts, int64_t* watermark) {
  const Column& col = b->column(time_column);
  const int64_t* ts = col.data<int64_t>();
  const int n = b->num_rows();
  int64_t m = *max_ts;
  for (int r = 0; r < n; ++r) {
    if (col.IsNull(r)) continue;
    const int64_t wm = m == kMinWatermark ? kMinWatermark : m - delay;
    if (ts[r] < wm) b->mutable_late_watermarks()[r] = wm;
    m = std::max(m, ts[r]);
  }
  *max_ts = m;
  *watermark = m == kMinWatermark ? kMinWatermark : m - delay;
}

}  // namespace

void Job::ProducerLoop(int w) {
  Worker& worker = *workers_[w];
  const int sides = spec_.right ? 2 : 1;
  Operator* head[2] = {worker.producer_chain[0].front().get(),
                       sides > 1 ? worker.producer_chain[1].front().get() : nullptr};
  int64_t sent_watermark[2] = {kMinWatermark, kMinWatermark};
  bool sent_idle[2] = {false, false};
  bool finished[2] = {false, false};
  Status s;
  while (!cancelled_.load(std::memory_order_relaxed)) {
    bool progressed = false;
    const int64_t now = config_.clock->NowMillis();
    for (Reader& r : worker.readers) {
      if (r.ended) continue;
      r.batch->Clear();
      auto t0 = std::chrono::steady_clock::now();
      Result<ReadStatus> rs = r.reader->Read(r.batch.get());
      if (!rs.ok()) {
        s = rs.status();
        break;
      }
      const int64_t bad = r.reader->bad_records();
      if (bad != r.bad_seen) {
        worker.source_metrics.Add(worker.source_metrics.dropped_rows, bad - r.bad_seen);
        r.bad_seen = bad;
      }
      if (*rs == ReadStatus::kEndOfInput) {
        r.ended = true;
        r.watermark = kMaxWatermark;
        continue;
      }
      if (*rs == ReadStatus::kNoDataNow || r.batch->num_rows() == 0) {
        if (r.idle_timeout > 0 && now - r.last_data_ms >= r.idle_timeout) r.idle = true;
        continue;
      }
      progressed = true;
      r.idle = false;
      r.last_data_ms = now;
      if (r.time_column >= 0) TrackEventTime(r.batch.get(), r.time_column, r.delay, &r.max_ts, &r.watermark);
      worker.source_metrics.Add(worker.source_metrics.rows_out, r.batch->num_rows());
      worker.source_metrics.Add(worker.source_metrics.batches_in, 1);
      worker.source_metrics.Add(
          worker.source_metrics.busy_ns,
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
      s = head[r.side]->ProcessAndMeasure(*r.batch);
      if (!s.ok()) break;
    }
    if (!s.ok()) break;
    // Per input, the producer's watermark: minimum over partitions that are
    // neither idle nor drained.
    bool all_finished = true;
    for (int side = 0; side < sides && s.ok(); ++side) {
      if (finished[side]) continue;
      bool all_ended = true;
      bool any_active = false;
      int64_t wm = kMaxWatermark;
      for (const Reader& r : worker.readers) {
        if (r.side != side || r.ended) continue;
        all_ended = false;
        if (r.idle) continue;
        any_active = true;
        wm = std::min(wm, r.watermark);
      }
      if (all_ended) {
        if (sent_watermark[side] != kMaxWatermark) s = head[side]->OnWatermark(kMaxWatermark);
        if (s.ok()) s = head[side]->Finish();
        finished[side] = true;
        continue;
      }
      all_finished = false;
      if (!any_active) {
        if (!sent_idle[side] && worker.exchange[side]) s = worker.exchange[side]->SendIdle();
        sent_idle[side] = true;
      } else if (wm > sent_watermark[side] || (sent_idle[side] && wm >= sent_watermark[side])) {
        sent_idle[side] = false;
        sent_watermark[side] = wm;
        s = head[side]->OnWatermark(wm);
      }
    }
    if (!s.ok()) break;
    worker.source_metrics.watermark.store(
        std::min(sides > 1 ? sent_watermark[1] : kMaxWatermark, finished[0] ? kMaxWatermark : sent_watermark[0]),
        std::memory_order_relaxed);
    if (all_finished) {
      worker.source_metrics.watermark.store(kMaxWatermark);
      break;
    }
    if (!progressed) std::this_thread::sleep_for(kPollInterval);
  }
  if (!s.ok() && s.code() != StatusCode::kCancelled) Fail(s.WithContext(fmt::format("worker {} sources", w)));
}

void Job::ConsumerLoop(int w) {
  Worker& worker = *workers_[w];
  Operator* head = worker.consumer_chain.front().get();
  TwoInputOperator* join = spec_.right ? static_cast<TwoInputOperator*>(head) : nullptr;
  const int n = config_.workers;
  const int sides = spec_.right ? 2 : 1;
  // Per (side, producer): watermark, idle, ended.
  std::vector<int64_t> wms(2 * n, kMinWatermark);
  std::vector<uint8_t> idle(2 * n, 0), ended(2 * n, 0);
  int64_t current = kMinWatermark;
  int ended_count = 0;
  Status s;
  Inbox* inbox = inboxes_[w].get();
  int64_t last_tick = config_.clock->NowMillis();
  while (s.ok()) {
    // Processing-time timers fire every tick, busy or not.
    const int64_t now = config_.clock->NowMillis();
    if (now - last_tick >= kConsumerTick.count()) {
      last_tick = now;
      s = head->OnProcessingTime(now);
      if (!s.ok()) break;
    }
    ChannelMessage m;
    if (!inbox->Pop(&m, kConsumerTick)) {
      if (inbox->cancelled()) break;
      continue;
    }
    const int ch = m.side * n + m.producer;
    switch (m.kind) {
      case ChannelMessage::Kind::kData: {
        idle[ch] = 0;
        if (m.side == 0) {
          s = head->ProcessAndMeasure(*m.batch);
        } else {
          auto t0 = std::chrono::steady_clock::now();
          join->metrics().Add(join->metrics().rows_in, m.batch->active_rows());
          join->metrics().Add(join->metrics().batches_in, 1);
          s = join->ProcessRight(*m.batch);
          join->metrics().Add(
              join->metrics().busy_ns,
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
        }
        pools_[(m.side * n + m.producer) * n + w]->Release(m.batch);
        if (s.ok() && config_.max_state_bytes > 0) {
          int64_t state = 0;
          for (const auto& op : worker.consumer_chain) state += op->StateBytes();
          const int64_t share = config_.max_state_bytes / n;
          if (state > share) {
            s = Status::ResourceExhausted(fmt::format(
                "keyed state of {} bytes exceeds this worker's share {} of max_state_bytes {}; raise the limit, "
                "shorten windows or allowed lateness, or add a state TTL",
                state, share, config_.max_state_bytes));
          }
        }
        continue;
      }
      case ChannelMessage::Kind::kWatermark:
        idle[ch] = 0;
        wms[ch] = std::max(wms[ch], m.watermark);
        break;
      case ChannelMessage::Kind::kIdle: idle[ch] = 1; break;
      case ChannelMessage::Kind::kEnd:
        if (!ended[ch]) ++ended_count;
        ended[ch] = 1;
        wms[ch] = kMaxWatermark;
        break;
    }
    // Combined watermark: minimum over channels that are not idle. When every
    // channel is idle, the largest watermark any of them reached (as Flink's
    // watermark valve does): the progress they made before going quiet.
    int64_t combined = kMaxWatermark;
    int64_t idle_max = kMinWatermark;
    bool any = false;
    for (int c = 0; c < sides * n; ++c) {
      if (idle[c] && !ended[c]) {
        idle_max = std::max(idle_max, wms[c]);
        continue;
      }
      any = true;
      combined = std::min(combined, wms[c]);
    }
    if (!any) combined = idle_max;
    if (combined > current) {
      current = combined;
      s = head->OnWatermark(current);
    }
    if (s.ok() && ended_count == sides * n) {
      s = head->Finish();
      break;
    }
  }
  if (!s.ok() && s.code() != StatusCode::kCancelled) Fail(s.WithContext(fmt::format("worker {} keyed operators", w)));
}

Status Job::Run() {
  for (int w = 0; w < config_.workers; ++w) {
    Worker& worker = *workers_[w];
    worker.producer = std::thread([this, w] { ProducerLoop(w); });
    if (spec_.key_by) worker.consumer = std::thread([this, w] { ConsumerLoop(w); });
  }
  for (auto& w : workers_) {
    w->producer.join();
    if (w->consumer.joinable()) w->consumer.join();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!first_error_.ok()) return first_error_;
  }
  if (cancelled_.load()) return Status::Cancelled("job cancelled");
  return spec_.sink->Finish();
}

std::vector<OperatorMetricsSnapshot> Job::Metrics() const {
  std::vector<OperatorMetricsSnapshot> out;
  auto add = [&](size_t slot, const std::string& name, const OperatorMetrics& m) {
    if (out.size() <= slot) out.resize(slot + 1);
    OperatorMetricsSnapshot& s = out[slot];
    if (s.instances == 0) s.watermark = kMaxWatermark;
    s.name = name;
    ++s.instances;
    s.rows_in += m.rows_in.load(std::memory_order_relaxed);
    s.rows_out += m.rows_out.load(std::memory_order_relaxed);
    s.batches_in += m.batches_in.load(std::memory_order_relaxed);
    s.busy_ns += m.busy_ns.load(std::memory_order_relaxed);
    s.backpressured_ns += m.backpressured_ns.load(std::memory_order_relaxed);
    s.watermark = std::min(s.watermark, m.watermark.load(std::memory_order_relaxed));
    s.state_bytes += m.state_bytes.load(std::memory_order_relaxed);
    s.late_rows += m.late_rows.load(std::memory_order_relaxed);
    s.dropped_rows += m.dropped_rows.load(std::memory_order_relaxed);
  };
  for (const auto& w : workers_) {
    size_t slot = 0;
    add(slot++, "source", w->source_metrics);
    for (const auto& chain : w->producer_chain) {
      for (const auto& op : chain) add(slot++, op->name(), const_cast<Operator&>(*op).metrics());
    }
    for (const auto& op : w->consumer_chain) add(slot++, op->name(), const_cast<Operator&>(*op).metrics());
  }
  return out;
}

size_t Job::QueueMemoryBytes() const {
  size_t bytes = 0;
  for (const auto& p : pools_) bytes += p->MemoryBytes();
  return bytes;
}

}  // namespace sluice::engine
