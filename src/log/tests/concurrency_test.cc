// Appends, reads, compaction and retention on one partition at the same
// time: readers must only ever see whole, CRC-valid batches in offset order,
// and the partition must end consistent. Meant to run under TSan as well.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "log/flusher.h"
#include "log/partition.h"
#include "log/tests/test_batches.h"

namespace sluice::log {
namespace {

void Exercise(CleanupPolicy policy) {
  testing::TempDir dir;
  Flusher flusher(2);
  ManualClock clock;
  TopicConfig c;
  c.segment_bytes = 2048;
  c.cleanup = policy;
  c.retention_bytes = 8192;
  c.fsync = FsyncPolicy::kAlways;
  auto p = *Partition::Open(dir.path() / "p", "t", PartitionId{0}, c, &flusher, &clock);
  constexpr int kBatches = 600;
  std::atomic<bool> done{false};
  std::thread appender([&] {
    for (int i = 0; i < kBatches; ++i) {
      RecordBatchBuilder b;
      b.Add(clock.NowMs(), "key-" + std::to_string(i % 23), std::string(40 + i % 60, 'v'));
      std::string s;
      ASSERT_TRUE(b.Finish(&s).ok());
      auto r = p->Append(testing::Span(s));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (i % 10 == 0) {
        ASSERT_TRUE(p->WaitDurable(r->last_offset).ok());
      }
    }
    done = true;
  });
  std::thread reader([&] {
    std::string buf;
    while (!done.load()) {
      int64_t next = p->log_start_offset().value();
      int64_t prev = -1;
      while (next < p->high_watermark().value()) {
        buf.clear();
        auto r = p->Read(Offset{next}, 4096, &buf);
        if (!r.ok()) {
          // Retention may move the log start past us between the two calls.
          ASSERT_EQ(r.status().code(), StatusCode::kOutOfRange) << r.status().ToString();
          break;
        }
        if (r->bytes == 0) break;
        for (const auto& h : testing::Headers(buf)) {
          ASSERT_GT(h.base_offset, prev);
          prev = h.last_offset().value();
        }
        next = prev + 1;
      }
    }
  });
  std::thread cleaner([&] {
    while (!done.load()) {
      if (policy == CleanupPolicy::kCompact) {
        ASSERT_TRUE(p->Compact().ok());
      } else {
        ASSERT_TRUE(p->EnforceRetention().ok());
      }
    }
  });
  appender.join();
  reader.join();
  cleaner.join();
  EXPECT_EQ(p->high_watermark().value(), kBatches);
  ASSERT_TRUE(p->Close().ok());
  auto reopened = *Partition::Open(dir.path() / "p", "t", PartitionId{0}, c, &flusher, &clock);
  EXPECT_EQ(reopened->high_watermark().value(), kBatches);
  EXPECT_EQ(reopened->recovery_report().truncated_bytes, 0u);
}

TEST(Concurrency, AppendsReadsAndCompactionTogether) { Exercise(CleanupPolicy::kCompact); }
TEST(Concurrency, AppendsReadsAndRetentionTogether) { Exercise(CleanupPolicy::kDelete); }

}  // namespace
}  // namespace sluice::log
