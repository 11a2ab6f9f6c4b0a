#include "bench/broker_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "broker/broker.h"
#include "log/log.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// An in-process Sluice log + Kafka server on a free loopback port.
struct SluiceUnderTest {
  std::unique_ptr<log::Log> log;
  std::unique_ptr<broker::Broker> broker;
  std::string bootstrap;

  static Result<SluiceUnderTest> Start(const std::filesystem::path& dir) {
    SluiceUnderTest s;
    SLUICE_ASSIGN_OR_RETURN(s.log, log::Log::Open(dir, log::LogOptions{}));
    broker::BrokerOptions bo;
    bo.advertised_port = 0;
    broker::KafkaServerOptions so;
    so.port = 0;
    s.broker = std::make_unique<broker::Broker>(bo, so, *s.log);
    SLUICE_RETURN_IF_ERROR(s.broker->Start());
    s.bootstrap = fmt::format("127.0.0.1:{}", s.broker->port());
    return s;
  }
  ~SluiceUnderTest() {
    if (broker) broker->Stop();
    broker.reset();
    log.reset();
  }
  SluiceUnderTest() = default;
  SluiceUnderTest(SluiceUnderTest&&) = default;
};

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

struct ProduceStats {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  std::vector<double>* latencies_us = nullptr;  // written by the delivery callback thread only
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* stats = static_cast<ProduceStats*>(opaque);
  if (m->err) {
    ++stats->failed;
    return;
  }
  ++stats->delivered;
  if (stats->latencies_us && m->_private) {
    auto sent = Clock::time_point(Clock::duration(reinterpret_cast<intptr_t>(m->_private)));
    stats->latencies_us->push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
  }
}

// librdkafka learns a topic's leader from a metadata refresh that can lag the
// first produce() by up to a second; one acknowledged message before timing
// keeps that start-up wait out of the figures.
Status WarmUp(rd_kafka_t* rk, const std::string& topic) {
  const char one = 'w';
  rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                            RD_KAFKA_V_VALUE(const_cast<char*>(&one), 1),
                                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (e) return Status::Internal(rd_kafka_err2str(e));
  if (rd_kafka_flush(rk, 30000)) return Status::Timeout("warm-up message not acknowledged");
  return Status::Ok();
}

Result<Handle> NewProducer(const std::string& bootstrap, ProduceStats* stats, const std::string& linger_ms) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> props[] = {{"bootstrap.servers", bootstrap},
                                                       {"acks", "1"},
                                                       {"linger.ms", linger_ms},
                                                       {"batch.num.messages", "10000"},
                                                       {"batch.size", "1000000"},
                                                       {"queue.buffering.max.messages", "2000000"},
                                                       {"queue.buffering.max.kbytes", "2000000"},
                                                       {"log_level", "3"}};
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument(err);
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, stats);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) return Status::Internal(err);
  return Handle(rk);
}

// Messages per second for producing `n` messages of `size` bytes and
// waiting until every one is acknowledged.
Result<double> ProducerThroughput(const std::string& bootstrap, const std::string& topic, int64_t n, size_t size,
                                  const std::string& linger_ms = "5") {
  ProduceStats stats;
  SLUICE_ASSIGN_OR_RETURN(Handle rk, NewProducer(bootstrap, &stats, linger_ms));
  SLUICE_RETURN_IF_ERROR(WarmUp(rk.get(), topic));
  stats.delivered = 0;
  std::string payload(size, 'p');
  auto t0 = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    while (rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                             RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk.get(), 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_flush(rk.get(), 120000);
  double secs = Seconds(Clock::now() - t0);
  if (stats.failed > 0 || stats.delivered != n) {
    return Status::Internal(fmt::format("{} of {} messages failed", n - stats.delivered.load(), n));
  }
  return static_cast<double>(n) / secs;
}

Result<double> ConsumerThroughput(const std::string& bootstrap, const std::string& topic, int64_t n) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, const char*> props[] = {
      {"bootstrap.servers", bootstrap.c_str()}, {"group.id", "bench"},
      {"enable.auto.commit", "false"},          {"fetch.max.bytes", "52428800"},
      {"max.partition.fetch.bytes", "8388608"}, {"log_level", "3"}};
  for (const auto& [k, v] : props) rd_kafka_conf_set(conf, k, v, err, sizeof(err));
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (!raw) return Status::Internal(err);
  Handle rk(raw);
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  int64_t got = 0;
  // Timed from the first message: connection set-up and offset look-up are
  // not consumer throughput.
  Clock::time_point t0;
  auto deadline = Clock::now() + std::chrono::minutes(2);
  while (got < n && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (!m) continue;
    if (!m->err && got++ == 0) t0 = Clock::now();
    rd_kafka_message_destroy(m);
  }
  double secs = Seconds(Clock::now() - t0);
  rd_kafka_consumer_close(rk.get());
  if (got < n) return Status::Timeout(fmt::format("consumed {} of {} messages", got, n));
  return static_cast<double>(n) / secs;
}

// Latency runs linger only 1 ms, so a message waits little for batch-mates.
constexpr const char* kLatencyLingerMs = "1";

// p50 and p99 produce latency (µs) at a fixed `rate` messages/s for `duration`.
Result<std::pair<double, double>> ProduceLatency(const std::string& bootstrap, const std::string& topic, double rate,
                                                 std::chrono::milliseconds duration, size_t size) {
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(rate * Seconds(duration) * 1.2) + 16);
  ProduceStats stats;
  stats.latencies_us = &latencies;
  SLUICE_ASSIGN_OR_RETURN(Handle rk, NewProducer(bootstrap, &stats, kLatencyLingerMs));
  SLUICE_RETURN_IF_ERROR(WarmUp(rk.get(), topic));
  latencies.clear();
  std::string payload(size, 'l');
  auto t0 = Clock::now();
  int64_t sent = 0;
  while (Clock::now() - t0 < duration) {
    int64_t due = static_cast<int64_t>(Seconds(Clock::now() - t0) * rate);
    for (; sent < due; ++sent) {
      auto now = Clock::now().time_since_epoch().count();
      rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                        RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(now))), RD_KAFKA_V_END);
    }
    rd_kafka_poll(rk.get(), 0);
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // pacing, not synchronisation
  }
  rd_kafka_flush(rk.get(), 60000);
  if (latencies.empty()) return Status::Internal("no message was acknowledged");
  std::sort(latencies.begin(), latencies.end());
  return std::make_pair(latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100]);
}

// A redis-server started for the benchmark and stopped by its pid.
class RedisPeer {
 public:
  static Result<std::unique_ptr<RedisPeer>> Start(const std::filesystem::path& dir, const std::string& appendfsync) {
    auto peer = std::unique_ptr<RedisPeer>(new RedisPeer());
    peer->port_ = 20000 + static_cast<int>(::getpid() % 20000);
    std::filesystem::create_directories(dir);
    pid_t pid = ::fork();
    if (pid < 0) return Status::IoErrorFromErrno("fork", "redis-server", errno);
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
      std::string port = std::to_string(peer->port_);
      std::string d = dir.string();
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "yes", "--appendfsync", appendfsync.c_str(), "--dir", d.c_str(), "--daemonize", "no",
               "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    peer->pid_ = pid;
    // Ready when it answers PING.
    for (int i = 0; i < 100; ++i) {
      std::string cmd = fmt::format("redis-cli -p {} ping 2>/dev/null", peer->port_);
      FILE* f = ::popen(cmd.c_str(), "r");
      char buf[16] = {};
      if (f) {
        size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
        ::pclose(f);
        if (n >= 4 && std::string(buf, 4) == "PONG") return peer;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Unavailable("redis-server did not start (is it installed? make deps)");
  }
  ~RedisPeer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // XADD throughput (requests/s) and latency with redis-benchmark, pipelined.
  Result<std::array<double, 3>> XaddBenchmark(int64_t n, size_t size, int clients, int pipeline) const {
    std::string cmd = fmt::format("redis-benchmark -p {} -n {} -c {} -P {} --csv XADD bench '*' v {} 2>/dev/null",
                                  port_, n, clients, pipeline, std::string(size, 'r'));
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) return Status::Unavailable("cannot run redis-benchmark");
    std::string out;
    char buf[4096];
    size_t k;
    while ((k = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, k);
    ::pclose(f);
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
    auto line_start = out.find('\n');
    if (line_start == std::string::npos) return Status::Internal("unexpected redis-benchmark output: " + out);
    std::vector<double> fields;
    std::string line = out.substr(line_start + 1);
    size_t pos = 0;
    while ((pos = line.find('"', pos)) != std::string::npos) {
      size_t end = line.find('"', pos + 1);
      if (end == std::string::npos) break;
      fields.push_back(std::atof(line.substr(pos + 1, end - pos - 1).c_str()));
      pos = end + 1;
    }
    if (fields.size() < 7) return Status::Internal("unexpected redis-benchmark output: " + out);
    return std::array<double, 3>{fields[1], fields[4] * 1000, fields[6] * 1000};
  }

 private:
  RedisPeer() = default;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace

Status RunBrokerBench(Context& ctx) {
  Report& r = *ctx.report;
  const int64_t n_small = ctx.quick ? 50'000 : 1'000'000;
  const int64_t n_large = ctx.quick ? 20'000 : 300'000;
  r.Note("librdkafka producer (acks=1, linger 5 ms, 1 partition) vs redis-benchmark XADD (50 clients, pipeline 64)");

  struct Durability {
    const char* sluice;
    const char* redis;
  };
  for (Durability d : {Durability{"never", "no"}, Durability{"always", "always"}}) {
    auto dir = ctx.scratch_dir / fmt::format("broker-{}", d.sluice);
    SLUICE_ASSIGN_OR_RETURN(SluiceUnderTest s, SluiceUnderTest::Start(dir / "sluice"));
    SLUICE_ASSIGN_OR_RETURN(auto redis, RedisPeer::Start(dir / "redis", d.redis));
    for (auto [size, n] : {std::pair<size_t, int64_t>{100, n_small}, {1024, n_large}}) {
      std::string topic = fmt::format("bench-{}", size);
      auto config = log::TopicConfig::FromConfigs(1, {{"fsync", d.sluice}});
      if (!config.ok()) return config.status();
      SLUICE_RETURN_IF_ERROR(s.log->CreateTopic(topic, *config));
      int64_t count = std::string(d.sluice) == "always" ? n / 2 : n;
      SLUICE_ASSIGN_OR_RETURN(double rate, ProducerThroughput(s.bootstrap, topic, count, size));
      SLUICE_ASSIGN_OR_RETURN(auto redis_res, redis->XaddBenchmark(count, size, 50, 64));
      r.Add({fmt::format("produce {} B msgs, fsync={}", size, d.sluice), rate, "msgs/s",
             fmt::format("redis XADD appendfsync={}", d.redis), redis_res[0]});
      if (size == 100) {
        SLUICE_ASSIGN_OR_RETURN(double consume_rate, ConsumerThroughput(s.bootstrap, topic, count + 1));
        r.Add({fmt::format("consume {} B msgs (fsync={} topic)", size, d.sluice), consume_rate, "msgs/s",
               "sluice produce (same run)", rate});
      }
    }
    // Latency at half the measured maximum, beside Redis request-response latency.
    std::string topic = "bench-latency";
    auto config = log::TopicConfig::FromConfigs(1, {{"fsync", d.sluice}});
    if (!config.ok()) return config.status();
    SLUICE_RETURN_IF_ERROR(s.log->CreateTopic(topic, *config));
    // Half the maximum measured with the latency producer's own settings.
    SLUICE_ASSIGN_OR_RETURN(double latency_max,
                            ProducerThroughput(s.bootstrap, topic, n_small / 2, 100, kLatencyLingerMs));
    double half = latency_max / 2;
    SLUICE_ASSIGN_OR_RETURN(
        auto lat, ProduceLatency(s.bootstrap, topic, half, std::chrono::milliseconds(ctx.quick ? 1000 : 5000), 100));
    SLUICE_ASSIGN_OR_RETURN(auto redis_lat, redis->XaddBenchmark(ctx.quick ? 5000 : 50000, 100, 1, 1));
    r.Add({fmt::format("produce p50 at {:.0f} msgs/s, fsync={}", half, d.sluice), lat.first, "us",
           fmt::format("redis XADD p50 appendfsync={}", d.redis), redis_lat[1]});
    r.Add({fmt::format("produce p99 at {:.0f} msgs/s, fsync={}", half, d.sluice), lat.second, "us",
           fmt::format("redis XADD p99 appendfsync={}", d.redis), redis_lat[2]});
  }
  return Status::Ok();
}

}  // namespace sluice::bench
