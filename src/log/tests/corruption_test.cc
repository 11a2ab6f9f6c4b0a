// Damages segment and index files at random positions (byte flips and
// truncations, fixed seeds) and checks that the partition still opens, serves
// only batches that pass their CRC, with offsets increasing, and loses
// nothing when only an index was damaged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "log/flusher.h"
#include "log/partition.h"
#include "log/tests/test_batches.h"

#ifndef SLUICE_CORRUPTION_TRIALS
#define SLUICE_CORRUPTION_TRIALS 150
#endif

namespace sluice::log {
namespace {

using testing::Headers;
using testing::MakeBatch;
using testing::Span;
using testing::TempDir;

TopicConfig SmallSegments() {
  TopicConfig c;
  c.segment_bytes = 4096;
  c.index_interval_bytes = 300;
  return c;
}

// Reads from the log start until the end or the first error; checks CRCs
// and increasing offsets as it goes.
std::string Walk(const Partition& p) {
  std::string all;
  int64_t next = p.log_start_offset().value();
  int64_t prev_last = -1;
  while (next < p.high_watermark().value()) {
    std::string chunk;
    auto r = p.Read(Offset{next}, 1 << 16, &chunk);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
      break;
    }
    if (r->bytes == 0) break;
    for (const auto& h : Headers(chunk)) {  // Headers() fails the test on a bad CRC
      EXPECT_GT(h.base_offset, prev_last);
      prev_last = h.last_offset().value();
    }
    next = prev_last + 1;
    all += chunk;
  }
  return all;
}

TEST(CorruptionTest, RandomDamageNeverServesABadBatchAndIndexDamageLosesNothing) {
  const uint32_t seed = 1234;
  std::printf("corruption test seed %u, %d trials\n", seed, SLUICE_CORRUPTION_TRIALS);
  std::mt19937 rng(seed);
  TempDir dir;
  Flusher flusher(1);
  ManualClock clock;
  auto pristine_dir = dir.path() / "pristine";
  std::string pristine;
  {
    auto p = *Partition::Open(pristine_dir, "t", PartitionId{0}, SmallSegments(), &flusher, &clock);
    for (int i = 0; i < 80; ++i) {
      std::string b = MakeBatch(1 + i % 4, 20 + (i * 37) % 150, 1000 + i, "k",
                                i % 3 == 0 ? Compression::kZstd : Compression::kNone);
      ASSERT_TRUE(p->Append(Span(b)).ok());
    }
    pristine = Walk(*p);
    ASSERT_TRUE(p->Close().ok());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(pristine_dir)) files.push_back(e.path().filename());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 9u);

  for (int trial = 0; trial < SLUICE_CORRUPTION_TRIALS; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    auto trial_dir = dir.path() / "trial";
    std::filesystem::remove_all(trial_dir);
    std::filesystem::copy(pristine_dir, trial_dir);
    auto victim = trial_dir / files[rng() % files.size()];
    auto size = std::filesystem::file_size(victim);
    bool index_only = victim.extension() != ".log";
    int action = static_cast<int>(rng() % 3);
    if (size > 0 && action != 1) {  // flip bytes
      int fd = ::open(victim.c_str(), O_RDWR);
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        off_t pos = static_cast<off_t>(rng() % size);
        char c;
        ASSERT_EQ(::pread(fd, &c, 1, pos), 1);
        c ^= static_cast<char>(1 << (rng() % 8));
        ASSERT_EQ(::pwrite(fd, &c, 1, pos), 1);
      }
      ::close(fd);
    }
    if (action != 0) std::filesystem::resize_file(victim, size == 0 ? 0 : rng() % size);

    auto opened = Partition::Open(trial_dir, "t", PartitionId{0}, SmallSegments(), &flusher, &clock);
    ASSERT_TRUE(opened.ok()) << victim.filename() << ": " << opened.status().ToString();
    auto p = *opened;
    std::string served = Walk(*p);
    if (index_only) {
      EXPECT_EQ(served, pristine) << "damage to " << victim.filename() << " lost data";
    } else {
      // Whatever is served up to the damage is the original bytes.
      size_t common = 0;
      while (common < served.size() && common < pristine.size() && served[common] == pristine[common]) ++common;
      EXPECT_TRUE(common == served.size() || served.size() <= pristine.size())
          << "served bytes that were never written (" << victim.filename() << ")";
    }
    // The partition stays writable after recovery.
    std::string b = MakeBatch(1);
    auto r = p->Append(Span(b));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->base_offset, Offset{p->high_watermark().value() - 1});
  }
}

}  // namespace
}  // namespace sluice::log
