// Kills a real process that appends with fsync=always, at random moments, and
// checks that every acknowledged batch survives intact and offsets stay
// contiguous. Iterations: SLUICE_CRASH_ITERATIONS (few by default; the
// `slow` binary runs 100+).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "log/log.h"
#include "log/tests/test_batches.h"

#ifndef SLUICE_CRASH_ITERATIONS
#define SLUICE_CRASH_ITERATIONS 4
#endif

namespace sluice::log {
namespace {

struct Ack {
  int64_t last;
  uint32_t crc;
};

// Starts the child with stdout on a pipe; returns its pid and the read end.
pid_t Spawn(const std::filesystem::path& dir, unsigned seed, int* read_fd) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string seed_arg = std::to_string(seed);
    ::execl(SLUICE_LOG_CRASH_CHILD, SLUICE_LOG_CRASH_CHILD, dir.c_str(), seed_arg.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  *read_fd = fds[0];
  return pid;
}

TEST(CrashTest, AcknowledgedBatchesSurviveSigkillAndOffsetsStayContiguous) {
  const unsigned seed = 7;
  std::printf("crash test seed %u, %d iterations\n", seed, SLUICE_CRASH_ITERATIONS);
  std::mt19937 rng(seed);
  testing::TempDir dir;
  std::map<int64_t, Ack> acked;      // base -> ack, over every iteration
  std::map<int, int64_t> committed;  // thread -> highest durable committed offset
  for (int iter = 0; iter < SLUICE_CRASH_ITERATIONS; ++iter) {
    int fd = -1;
    pid_t pid = Spawn(dir.path(), seed + iter, &fd);
    ASSERT_GT(pid, 0);
    FILE* in = ::fdopen(fd, "r");
    // The random moment: after a random number of acknowledgements
    // (sometimes none: the kill may land during open and recovery).
    int kill_after = static_cast<int>(rng() % 200);
    auto read_line = [&]() -> bool {
      char line[128];
      if (!std::fgets(line, sizeof(line), in)) return false;
      long long base, last;
      unsigned crc;
      int thread;
      if (std::sscanf(line, "C %d %lld", &thread, &last) == 2) {
        committed[thread] = std::max(committed[thread], static_cast<int64_t>(last));
      } else if (std::sscanf(line, "%lld %lld %u", &base, &last, &crc) == 3) {
        acked[base] = {last, crc};
      }
      return true;
    };
    for (int n = 0; n < kill_after && read_line(); ++n) {
    }
    ::kill(pid, SIGKILL);
    // Acknowledgements already in the pipe were sent before the kill: they count too.
    while (read_line()) {
    }
    std::fclose(in);
    int status;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with status " << status << " in iteration " << iter;

    LogOptions options;
    options.retention_check_interval = std::chrono::milliseconds(0);
    auto log = Log::Open(dir.path(), options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto p = (*log)->GetPartition("crash", PartitionId{0});
    if (!p.ok()) {
      ASSERT_TRUE(acked.empty()) << "topic lost after acknowledgements";
      continue;
    }
    // Walk everything: contiguous offsets, every batch passes its CRC.
    std::map<int64_t, std::pair<int64_t, uint32_t>> present;
    int64_t next = 0;
    std::string buf;
    while (next < (*p)->high_watermark().value()) {
      buf.clear();
      auto r = (*p)->Read(Offset{next}, 1 << 20, &buf);
      ASSERT_TRUE(r.ok()) << r.status().ToString() << " at offset " << next << " iteration " << iter;
      ASSERT_GT(r->bytes, 0u);
      for (const auto& h : testing::Headers(buf)) {
        ASSERT_EQ(h.base_offset, next) << "offsets not contiguous, iteration " << iter;
        present[h.base_offset] = {h.last_offset().value(), h.crc};
        next = h.last_offset().value() + 1;
      }
    }
    for (const auto& [thread, offset] : committed) {
      auto c = (*log)->group_offsets().Fetch("g", "crash", PartitionId{thread});
      ASSERT_TRUE(c.has_value()) << "committed offset of thread " << thread << " lost in iteration " << iter;
      EXPECT_GE(c->offset.value(), offset) << "committed offset went back, iteration " << iter;
    }
    for (const auto& [b, ack] : acked) {
      auto it = present.find(b);
      ASSERT_NE(it, present.end()) << "acknowledged batch at " << b << " lost in iteration " << iter;
      EXPECT_EQ(it->second.first, ack.last);
      EXPECT_EQ(it->second.second, ack.crc) << "acknowledged batch at " << b << " changed";
    }
  }
  std::printf("%zu acknowledged batches and %zu committed offsets verified\n", acked.size(), committed.size());
}

}  // namespace
}  // namespace sluice::log
