// Counts heap allocations around steady-state appends, reads and record
// iteration, so the hot paths stay allocation-free per record.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "log/flusher.h"
#include "log/partition.h"
#include "log/tests/test_batches.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace sluice::log {
namespace {

TEST(Allocation, SteadyStateAppendReadAndIterateDoNotAllocatePerRecord) {
  testing::TempDir dir;
  Flusher flusher(1);
  ManualClock clock;
  auto p = *Partition::Open(dir.path() / "p", "t", PartitionId{0}, TopicConfig{}, &flusher, &clock);
  std::string batch = testing::MakeBatch(100, 50);
  std::string out;
  out.reserve(1 << 20);
  RecordIterator it;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(p->Append(testing::Span(batch)).ok());  // warm up

  constexpr int kRounds = 500;
  int64_t before = g_allocations.load();
  int64_t records = 0;
  for (int i = 0; i < kRounds; ++i) {
    auto r = p->Append(testing::Span(batch));
    ASSERT_TRUE(r.ok());
    out.clear();
    auto rr = p->Read(r->base_offset, 1 << 16, &out);
    ASSERT_TRUE(rr.ok());
    auto view = RecordBatchView::Parse(testing::ConstSpan(out));
    ASSERT_TRUE(view.ok());
    ASSERT_TRUE(it.Reset(*view).ok());
    Record rec;
    while (it.Next(&rec)) ++records;
  }
  int64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(records, int64_t{kRounds} * 100);
  // Index vectors grow now and then; nothing happens per record or per append.
  EXPECT_LT(allocations, kRounds / 10) << allocations << " allocations for " << kRounds << " appends";
}

}  // namespace
}  // namespace sluice::log
