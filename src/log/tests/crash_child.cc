// The process the crash test kills: opens a Log in argv[1], appends batches
// to topic "crash" (fsync=always) from several threads, and after each
// acknowledgement (WaitDurable returned OK) writes one line to stdout:
//   <base offset> <last offset> <crc>
// and after each durable consumer-offset commit (group "g", partition = thread):
//   C <thread> <offset>
// It never exits on its own; the test SIGKILLs it at a random moment.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "log/log.h"
#include "log/record_batch.h"

using namespace sluice;
using namespace sluice::log;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: log_crash_child DATA_DIR SEED\n");
    return 2;
  }
  LogOptions options;
  options.retention_check_interval = std::chrono::milliseconds(0);
  auto log = Log::Open(argv[1], options);
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  TopicConfig config;
  config.fsync = FsyncPolicy::kAlways;
  config.segment_bytes = 64 << 10;  // many rolls, so kills land around them too
  config.index_interval_bytes = 512;
  Status s = (*log)->CreateTopic("crash", config);
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
    std::fprintf(stderr, "create: %s\n", s.ToString().c_str());
    return 1;
  }
  auto partition = *(*log)->GetPartition("crash", PartitionId{0});
  std::mutex out_mu;
  const unsigned seed = static_cast<unsigned>(std::stoul(argv[2]));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed * 31 + t);
      RecordBatchBuilder builder({.compression = t % 2 ? Compression::kLz4 : Compression::kNone});
      std::string batch;
      for (uint64_t seq = 0;; ++seq) {
        int n = 1 + static_cast<int>(rng() % 20);
        for (int i = 0; i < n; ++i) {
          std::string value(rng() % 300, static_cast<char>('a' + (seq + i) % 26));
          builder.Add(1'700'000'000'000 + static_cast<int64_t>(seq), "t" + std::to_string(t), value);
        }
        batch.clear();
        if (!builder.Finish(&batch).ok()) std::abort();
        auto r = partition->Append({reinterpret_cast<uint8_t*>(batch.data()), batch.size()});
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          std::abort();
        }
        uint32_t crc = DecodeBatchHeader(reinterpret_cast<const uint8_t*>(batch.data())).crc;
        if (!partition->WaitDurable(r->last_offset).ok()) std::abort();
        {
          std::lock_guard lock(out_mu);
          std::printf("%lld %lld %u\n", static_cast<long long>(r->base_offset.value()),
                      static_cast<long long>(r->last_offset.value()), crc);
          std::fflush(stdout);
        }
        // Every 16th batch, commit a consumer offset and report it once durable.
        if (seq % 16 == 0) {
          if (!(*log)->group_offsets().Commit("g", "crash", PartitionId{t}, r->last_offset, "m").ok()) std::abort();
          std::lock_guard lock(out_mu);
          std::printf("C %d %lld\n", t, static_cast<long long>(r->last_offset.value()));
          std::fflush(stdout);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}
