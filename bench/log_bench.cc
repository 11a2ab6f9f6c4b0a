#include "bench/log_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "bench/machine_bench.h"
#include "log/flusher.h"
#include "log/partition.h"
#include "log/record_batch.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;
using log::FsyncPolicy;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string PolicyName(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kInterval: return "interval:100";
    case FsyncPolicy::kNever: return "never";
  }
  return "?";
}

// One batch holding as many `record_bytes`-value records as fit in
// `batch_bytes` (at least one).
std::string BuildBatch(size_t record_bytes, size_t batch_bytes, int* records) {
  log::RecordBatchBuilder b;
  std::string value(record_bytes, 'x');
  int n = 0;
  do {
    value[n % record_bytes] = static_cast<char>('a' + n % 26);
    b.Add(1'700'000'000'000 + n, std::nullopt, value);
    ++n;
  } while (b.uncompressed_size() + record_bytes + 8 <= batch_bytes);
  std::string out;
  if (!b.Finish(&out).ok()) return {};
  *records = n;
  return out;
}

struct Scratch {
  std::filesystem::path dir;
  explicit Scratch(std::filesystem::path d) : dir(std::move(d)) { std::filesystem::remove_all(dir); }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Result<std::shared_ptr<log::Partition>> OpenPartition(const std::filesystem::path& dir, FsyncPolicy policy,
                                                      log::Flusher* flusher, int64_t segment_bytes = 128 << 20) {
  log::TopicConfig c;
  c.segment_bytes = segment_bytes;
  c.fsync = policy;
  c.fsync_interval = std::chrono::milliseconds(100);
  c.max_message_bytes = 1 << 20;
  return log::Partition::Open(dir, "bench", PartitionId{0}, c, flusher, log::SystemClock::Get());
}

// fdatasync latency of one 4 KiB write, the floor under fsync=always.
Result<std::pair<double, double>> FsyncLatencyUs(const std::filesystem::path& dir, int n) {
  auto path = dir / "log-bench-fsync.tmp";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("open", path.string(), errno);
  std::vector<char> block(4096, 'f');
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) < 0 || ::fdatasync(fd) != 0) {
      ::close(fd);
      return Status::IoErrorFromErrno("write+fdatasync", path.string(), errno);
    }
    us.push_back(Seconds(t0, Clock::now()) * 1e6);
  }
  ::close(fd);
  std::filesystem::remove(path);
  std::sort(us.begin(), us.end());
  return std::make_pair(us[us.size() / 2], us[us.size() * 99 / 100]);
}

}  // namespace

Status RunLogBench(Context& ctx) {
  Report& r = *ctx.report;
  // The machine's limits, measured now.
  const double memcpy_bw = MeasureMemcpyBandwidth(ctx.quick ? (64u << 20) : (256u << 20), ctx.quick ? 3 : 8);
  SLUICE_ASSIGN_OR_RETURN(double disk_bw,
                          MeasureSequentialWriteBandwidth(ctx.scratch_dir, ctx.quick ? (64u << 20) : (512u << 20)));
  SLUICE_ASSIGN_OR_RETURN(auto fsync_lat, FsyncLatencyUs(ctx.scratch_dir, ctx.quick ? 50 : 300));
  const std::string disk_name = "seq write+fdatasync MB/s";
  const std::string mem_name = "memcpy";
  r.Note(
      fmt::format("machine: memcpy {:.0f} MB/s, sequential write+fdatasync {:.0f} MB/s, 4 KiB fdatasync p50 {:.0f} "
                  "us",
                  memcpy_bw / 1e6, disk_bw / 1e6, fsync_lat.first));

  log::Flusher flusher(2);
  const double budget_s = ctx.quick ? 0.3 : 2.0;
  const size_t target_bytes = ctx.quick ? (48u << 20) : (512u << 20);

  // Append throughput.
  for (size_t record_bytes : {size_t{100}, size_t{1024}}) {
    for (size_t batch_bytes : {size_t{0}, size_t{16} << 10}) {
      for (FsyncPolicy policy : {FsyncPolicy::kNever, FsyncPolicy::kInterval, FsyncPolicy::kAlways}) {
        int records_per_batch = 0;
        std::string batch = BuildBatch(record_bytes, batch_bytes, &records_per_batch);
        Scratch scratch(ctx.scratch_dir / "log-append");
        SLUICE_ASSIGN_OR_RETURN(auto p, OpenPartition(scratch.dir, policy, &flusher));
        std::span<uint8_t> bytes(reinterpret_cast<uint8_t*>(batch.data()), batch.size());
        size_t written = 0;
        int64_t records = 0;
        auto t0 = Clock::now();
        int since_check = 0;
        while (written < target_bytes) {
          SLUICE_ASSIGN_OR_RETURN(auto a, p->Append(bytes));
          if (policy == FsyncPolicy::kAlways) SLUICE_RETURN_IF_ERROR(p->WaitDurable(a.last_offset));
          written += batch.size();
          records += records_per_batch;
          if (++since_check >= 64 || policy == FsyncPolicy::kAlways) {
            since_check = 0;
            if (Seconds(t0, Clock::now()) > budget_s) break;
          }
        }
        SLUICE_RETURN_IF_ERROR(p->Sync());  // count the final flush, as the disk baseline does
        double s = Seconds(t0, Clock::now());
        std::string what = fmt::format("append {}B batch={} fsync={}", record_bytes, batch_bytes ? "16KiB" : "1 record",
                                       PolicyName(policy));
        double wire_record = static_cast<double>(batch.size()) / records_per_batch;
        r.Add({what, static_cast<double>(records) / s, "records/s", mem_name + " records/s", memcpy_bw / wire_record});
        r.Add({what, static_cast<double>(written) / s / 1e6, "MB/s", disk_name, disk_bw / 1e6});
        SLUICE_RETURN_IF_ERROR(p->Close());
      }
    }
  }

  // Sequential read from the page cache.
  {
    // 16 MiB segments: after the reopen most data sits in sealed segments,
    // whose CRCs are checked on first read (the active one was at recovery).
    constexpr int64_t kReadSegmentBytes = 16 << 20;
    Scratch scratch(ctx.scratch_dir / "log-read");
    SLUICE_ASSIGN_OR_RETURN(auto p, OpenPartition(scratch.dir, FsyncPolicy::kNever, &flusher, kReadSegmentBytes));
    int n = 0;
    std::string batch = BuildBatch(1024, 16 << 10, &n);
    std::span<uint8_t> bytes(reinterpret_cast<uint8_t*>(batch.data()), batch.size());
    const size_t total = ctx.quick ? (64u << 20) : (512u << 20);
    for (size_t w = 0; w < total; w += batch.size()) SLUICE_RETURN_IF_ERROR(p->Append(bytes).status());
    std::string out;
    out.reserve(1 << 20);
    // Reads every batch once; returns bytes per second.
    auto read_all = [&](const log::Partition& part) -> Result<double> {
      size_t read = 0;
      Offset next{0};
      auto t0 = Clock::now();
      while (next < part.high_watermark()) {
        out.clear();
        SLUICE_ASSIGN_OR_RETURN(auto rr, part.Read(next, 1 << 20, &out));
        read += rr.bytes;
        // Next offset: the last batch's lastOffset + 1 (batches are back to back).
        size_t pos = 0, last_pos = 0;
        while (pos < out.size()) {
          last_pos = pos;
          pos += log::kBatchLogOverhead +
                 static_cast<size_t>(log::PeekBatchLength(reinterpret_cast<const uint8_t*>(out.data() + pos)));
        }
        auto h = log::DecodeBatchHeader(reinterpret_cast<const uint8_t*>(out.data() + last_pos));
        next = Offset{h.last_offset().value() + 1};
      }
      return static_cast<double>(read) / Seconds(t0, Clock::now());
    };
    // After a restart every batch's CRC is checked on its first read.
    SLUICE_RETURN_IF_ERROR(p->Close());
    p.reset();
    SLUICE_ASSIGN_OR_RETURN(p, OpenPartition(scratch.dir, FsyncPolicy::kNever, &flusher, kReadSegmentBytes));
    SLUICE_ASSIGN_OR_RETURN(double first, read_all(*p));
    double best = 0;
    for (int rep = 0; rep < (ctx.quick ? 2 : 4); ++rep) {
      SLUICE_ASSIGN_OR_RETURN(double bw, read_all(*p));
      best = std::max(best, bw);
    }
    r.Add({"read 1KiB records after reopen (CRC-checked, page cache)", first / 1e6, "MB/s", mem_name + " MB/s",
           memcpy_bw / 1e6});
    r.Add({"read 1KiB records, 1 MiB fetches (page cache)", best / 1e6, "MB/s", mem_name + " MB/s", memcpy_bw / 1e6});
    SLUICE_RETURN_IF_ERROR(p->Close());
  }

  // fsync=always: latency and throughput with concurrent appenders.
  double single_rate = 0;
  for (int appenders : {1, 4, 16}) {
    Scratch scratch(ctx.scratch_dir / "log-always");
    SLUICE_ASSIGN_OR_RETURN(auto p, OpenPartition(scratch.dir, FsyncPolicy::kAlways, &flusher));
    int n = 0;
    std::string proto = BuildBatch(1024, 0, &n);
    std::vector<std::vector<double>> lat(static_cast<size_t>(appenders));
    std::atomic<bool> failed{false};
    auto t0 = Clock::now();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(appenders));
    for (int t = 0; t < appenders; ++t) {
      threads.emplace_back([&, t] {
        std::string batch = proto;  // Append rewrites baseOffset: one buffer per thread
        std::span<uint8_t> bytes(reinterpret_cast<uint8_t*>(batch.data()), batch.size());
        while (Seconds(t0, Clock::now()) < budget_s) {
          auto a0 = Clock::now();
          auto a = p->Append(bytes);
          if (!a.ok() || !p->WaitDurable(a->last_offset).ok()) {
            failed = true;
            return;
          }
          lat[static_cast<size_t>(t)].push_back(Seconds(a0, Clock::now()) * 1e6);
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed) return Status::IoError("fsync=always append failed during the benchmark");
    double s = Seconds(t0, Clock::now());
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    if (all.empty()) continue;
    double rate = static_cast<double>(all.size()) / s;
    if (appenders == 1) single_rate = rate;
    std::string what = fmt::format("fsync=always 1KiB, {} appender{}", appenders, appenders > 1 ? "s" : "");
    r.Add({what + " p50", all[all.size() / 2], "us", "4KiB fdatasync p50 us", fsync_lat.first});
    r.Add({what + " p99", all[all.size() * 99 / 100], "us", "4KiB fdatasync p99 us", fsync_lat.second});
    r.Add({what + " throughput", rate, "appends/s", "1 appender appends/s", single_rate});
    SLUICE_RETURN_IF_ERROR(p->Close());
  }
  return Status::Ok();
}

}  // namespace sluice::bench
