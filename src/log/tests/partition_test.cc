#include "log/partition.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "log/flusher.h"
#include "log/tests/test_batches.h"

namespace sluice::log {
namespace {

using testing::ConstSpan;
using testing::Headers;
using testing::MakeBatch;
using testing::Span;
using testing::TempDir;

class PartitionTest : public ::testing::Test {
 protected:
  std::shared_ptr<Partition> Open(TopicConfig config = {}) {
    auto p = Partition::Open(dir_.path() / "p0", "t", PartitionId{0}, config, &flusher_, &clock_);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : nullptr;
  }
  // Appends `batches` batches of `records` records each; returns last offset.
  Offset AppendN(Partition& p, int batches, int records, size_t value_bytes = 16) {
    Offset last{-1};
    for (int i = 0; i < batches; ++i) {
      std::string b = MakeBatch(records, value_bytes, clock_.NowMs());
      auto r = p.Append(Span(b));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) last = r->last_offset;
    }
    return last;
  }
  std::string ReadAll(const Partition& p, Offset from = Offset{0}) {
    std::string all;
    Offset next = from;
    while (next < p.high_watermark()) {
      std::string chunk;
      auto r = p.Read(next, 1 << 20, &chunk);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->bytes == 0) break;
      auto hs = Headers(chunk);
      next = Offset{hs.back().last_offset().value() + 1};
      all += chunk;
    }
    return all;
  }

  TempDir dir_;
  Flusher flusher_{2};
  ManualClock clock_;
};

TEST_F(PartitionTest, AppendAssignsContiguousOffsetsByRewritingBaseOffset) {
  auto p = Open();
  std::string two = MakeBatch(3) + MakeBatch(2);
  auto r = p->Append(Span(two));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->base_offset.value(), 0);
  EXPECT_EQ(r->last_offset.value(), 4);
  std::string one = MakeBatch(4);
  r = p->Append(Span(one));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset.value(), 5);
  EXPECT_EQ(r->last_offset.value(), 8);
  EXPECT_EQ(p->high_watermark().value(), 9);
  EXPECT_EQ(p->appended_batches(), 3u);
  EXPECT_EQ(p->appended_bytes(), two.size() + one.size());
  auto hs = Headers(ReadAll(*p));
  EXPECT_EQ(p->read_bytes(), two.size() + one.size());
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[0].base_offset, 0);
  EXPECT_EQ(hs[1].base_offset, 3);
  EXPECT_EQ(hs[2].base_offset, 5);
}

TEST_F(PartitionTest, StoresBatchesByteForByte) {
  auto p = Open();
  std::string b = MakeBatch(5, 100, 1000, "x", Compression::kZstd);
  std::string sent = b;
  ASSERT_TRUE(p->Append(Span(b)).ok());
  std::string got;
  ASSERT_TRUE(p->Read(Offset{0}, 1 << 20, &got).ok());
  EXPECT_EQ(got, sent);  // baseOffset was 0 already: identical bytes
}

TEST_F(PartitionTest, ReadFromTheMiddleOfABatchReturnsThatWholeBatch) {
  auto p = Open();
  AppendN(*p, 10, 10);
  std::string out;
  auto r = p->Read(Offset{37}, 1, &out);
  ASSERT_TRUE(r.ok());
  auto hs = Headers(out);
  ASSERT_EQ(hs.size(), 1u);  // max_bytes=1 still yields one whole batch
  EXPECT_EQ(hs[0].base_offset, 30);
  EXPECT_EQ(r->high_watermark.value(), 100);
}

TEST_F(PartitionTest, ReadRespectsMaxBytesWithWholeBatches) {
  auto p = Open();
  AppendN(*p, 10, 1, 100);
  std::string one = MakeBatch(1, 100);
  size_t batch_size = one.size();
  std::string out;
  ASSERT_TRUE(p->Read(Offset{2}, batch_size * 3 + batch_size / 2, &out).ok());
  auto hs = Headers(out);
  ASSERT_EQ(hs.size(), 3u);
  EXPECT_EQ(hs[0].base_offset, 2);
  EXPECT_EQ(out.size(), 3 * batch_size);
}

TEST_F(PartitionTest, ReadBoundsFollowKafkaSemantics) {
  auto p = Open();
  AppendN(*p, 1, 5);
  std::string out;
  auto at_end = p->Read(Offset{5}, 100, &out);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->bytes, 0u);
  EXPECT_EQ(p->Read(Offset{6}, 100, &out).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(p->Read(Offset{-1}, 100, &out).status().code(), StatusCode::kOutOfRange);
}

TEST_F(PartitionTest, OversizeBatchIsRejectedAndNothingWritten) {
  TopicConfig c;
  c.max_message_bytes = 500;
  auto p = Open(c);
  std::string big = MakeBatch(10, 100);
  EXPECT_EQ(p->Append(Span(big)).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(p->high_watermark().value(), 0);
  EXPECT_EQ(p->size_bytes(), 0);
}

TEST_F(PartitionTest, BadCrcAnywhereInTheRequestWritesNothing) {
  auto p = Open();
  std::string req = MakeBatch(2) + MakeBatch(2);
  req[req.size() - 2] ^= 1;  // damage the second batch
  auto r = p->Append(Span(req));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(p->high_watermark().value(), 0);
  EXPECT_EQ(p->size_bytes(), 0);
}

TEST_F(PartitionTest, UncompressedBatchWithMalformedRecordsIsRejected) {
  auto p = Open();
  std::string b = MakeBatch(3);
  b[kBatchHeaderSize] = 0x7e;  // first record claims 63 bytes; CRC recomputed below
  SetLogAppendTime(Span(b), 1000);
  auto r = p->Append(Span(b));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  EXPECT_EQ(p->size_bytes(), 0);
}

TEST_F(PartitionTest, WrongMagicAndTruncatedBatchesAreRejected) {
  auto p = Open();
  std::string b = MakeBatch(2);
  b[16] = 1;
  EXPECT_EQ(p->Append(Span(b)).status().code(), StatusCode::kUnsupported);
  std::string t = MakeBatch(2);
  t.resize(t.size() - 1);
  EXPECT_EQ(p->Append(Span(t)).status().code(), StatusCode::kCorruption);
  std::string empty;
  EXPECT_EQ(p->Append(Span(empty)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p->size_bytes(), 0);
}

TEST_F(PartitionTest, MaxTimestampBeforeBaseTimestampIsRejected) {
  auto p = Open();
  std::string b = MakeBatch(2);
  // maxTimestamp (bytes 35..42) := 0 < baseTimestamp 1000; recompute the CRC so only the timestamps are wrong.
  for (int i = 35; i < 43; ++i) b[i] = 0;
  SetLogAppendTime(Span(b), 0);  // recomputes the CRC; sets maxTimestamp to 0
  auto r = p->Append(Span(b));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(p->size_bytes(), 0);
}

TEST_F(PartitionTest, LogAppendTimeTopicsStampBatchesWithTheLogsClock) {
  TopicConfig c;
  c.timestamp_type = TopicConfig::TimestampKind::kLogAppendTime;
  auto p = Open(c);
  std::string b = MakeBatch(3, 16, 5);
  auto r = p->Append(Span(b));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->log_append_time_ms, clock_.NowMs());
  std::string out;
  ASSERT_TRUE(p->Read(Offset{0}, 1000, &out).ok());
  auto hs = Headers(out);  // CRC still valid
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(hs[0].max_timestamp, clock_.NowMs());
  EXPECT_EQ(p->OffsetForTimestamp(clock_.NowMs())->value(), 0);
}

std::string IdempotentBatch(int64_t producer_id, int16_t epoch, int32_t sequence, int records) {
  RecordBatchBuilder b({.producer_id = producer_id, .producer_epoch = epoch, .base_sequence = sequence});
  for (int i = 0; i < records; ++i) b.Add(1000 + i, "k", "v" + std::to_string(sequence + i));
  std::string out;
  EXPECT_TRUE(b.Finish(&out).ok());
  return out;
}

TEST_F(PartitionTest, RetriedIdempotentBatchIsAnsweredWithItsOriginalOffsets) {
  TopicConfig c;
  c.segment_bytes = 2048;
  auto p = Open(c);
  std::string b0 = IdempotentBatch(42, 0, 0, 3);
  ASSERT_EQ(p->Append(Span(b0))->base_offset.value(), 0);
  std::string b1 = IdempotentBatch(42, 0, 3, 2);
  ASSERT_EQ(p->Append(Span(b1))->base_offset.value(), 3);
  std::string retry = IdempotentBatch(42, 0, 0, 3);
  auto r = p->Append(Span(retry));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset.value(), 0);
  EXPECT_EQ(r->last_offset.value(), 2);
  EXPECT_EQ(p->high_watermark().value(), 5);  // nothing written
  std::string other_epoch = IdempotentBatch(42, 1, 0, 3);
  EXPECT_EQ(p->Append(Span(other_epoch))->base_offset.value(), 5);  // a new epoch starts over
  std::string plain = MakeBatch(3);
  std::string plain_again = plain;
  EXPECT_EQ(p->Append(Span(plain))->base_offset.value(), 8);
  EXPECT_EQ(p->Append(Span(plain_again))->base_offset.value(), 11);  // no producer id: no dedupe

  // Remembered across restarts, including across a segment roll (snapshot).
  for (int i = 0; i < 20; ++i) {
    std::string filler = MakeBatch(1, 200);
    ASSERT_TRUE(p->Append(Span(filler)).ok());
  }
  std::string b2 = IdempotentBatch(7, 0, 0, 1);
  auto before = p->Append(Span(b2));
  ASSERT_TRUE(before.ok());
  for (int i = 0; i < 20; ++i) {
    std::string filler = MakeBatch(1, 200);
    ASSERT_TRUE(p->Append(Span(filler)).ok());
  }
  ASSERT_GT(p->segment_count(), 2u);
  int64_t hw = p->high_watermark().value();
  ASSERT_TRUE(p->Close().ok());
  p = Open(c);
  std::string b2_retry = IdempotentBatch(7, 0, 0, 1);
  auto again = p->Append(Span(b2_retry));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->base_offset, before->base_offset);
  EXPECT_EQ(p->high_watermark().value(), hw);
}

TEST_F(PartitionTest, LastSequenceIsTheNewestStoredRecordOfAProducerAcrossRestarts) {
  TopicConfig c;
  c.segment_bytes = 2048;
  auto p = Open(c);
  EXPECT_FALSE(p->LastSequence(42).has_value());
  for (int32_t seq = 0; seq < 40; seq += 4) {
    std::string b = IdempotentBatch(42, 0, seq, 4);
    ASSERT_TRUE(p->Append(Span(b)).ok());
  }
  EXPECT_EQ(p->LastSequence(42), 39);
  for (int i = 0; i < 20; ++i) {  // other writers' batches, rolling segments (snapshots)
    std::string filler = MakeBatch(1, 200);
    ASSERT_TRUE(p->Append(Span(filler)).ok());
  }
  EXPECT_EQ(p->LastSequence(42), 39);
  EXPECT_FALSE(p->LastSequence(7).has_value());
  ASSERT_GT(p->segment_count(), 1u);
  ASSERT_TRUE(p->Close().ok());
  p = Open(c);
  EXPECT_EQ(p->LastSequence(42), 39);
}

TEST_F(PartitionTest, SegmentsRollBySize) {
  TopicConfig c;
  c.segment_bytes = 4096;
  auto p = Open(c);
  AppendN(*p, 50, 1, 200);  // ~270 bytes each
  EXPECT_GE(p->segment_count(), 3u);
  auto hs = Headers(ReadAll(*p));
  ASSERT_EQ(hs.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(hs[i].base_offset, i);
}

TEST_F(PartitionTest, SegmentsRollByAge) {
  TopicConfig c;
  c.segment_ms = std::chrono::minutes(10);
  auto p = Open(c);
  AppendN(*p, 3, 1);
  EXPECT_EQ(p->segment_count(), 1u);
  clock_.Advance(std::chrono::minutes(11));
  AppendN(*p, 1, 1);
  EXPECT_EQ(p->segment_count(), 2u);
  AppendN(*p, 1, 1);
  EXPECT_EQ(p->segment_count(), 2u);
}

TEST_F(PartitionTest, ReopenFindsEverythingAndContinuesOffsets) {
  TopicConfig c;
  c.segment_bytes = 4096;
  std::string before;
  {
    auto p = Open(c);
    AppendN(*p, 40, 3, 100);
    before = ReadAll(*p);
    ASSERT_TRUE(p->Close().ok());
  }
  auto p = Open(c);
  EXPECT_EQ(p->recovery_report().truncated_bytes, 0u);
  EXPECT_EQ(p->recovery_report().rebuilt_indexes, 0);
  EXPECT_EQ(p->high_watermark().value(), 120);
  EXPECT_EQ(ReadAll(*p), before);
  auto r = AppendN(*p, 1, 1);
  EXPECT_EQ(r.value(), 120);
}

std::filesystem::path LastSegment(const std::filesystem::path& dir, std::string_view ext = ".log") {
  std::filesystem::path last;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ext && (last.empty() || e.path() > last)) last = e.path();
  }
  return last;
}

TEST_F(PartitionTest, TruncatedTailBatchIsDiscardedOnRecovery) {
  {
    auto p = Open();
    AppendN(*p, 10, 2);
  }
  auto seg = LastSegment(dir_.path() / "p0");
  auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 5);
  auto p = Open();
  EXPECT_GT(p->recovery_report().truncated_bytes, 0u);
  EXPECT_EQ(p->recovery_report().truncated_at.value(), 18);
  EXPECT_EQ(p->high_watermark().value(), 18);
  EXPECT_EQ(Headers(ReadAll(*p)).size(), 9u);
  EXPECT_EQ(AppendN(*p, 1, 2).value(), 19);  // offsets continue after the cut
}

TEST_F(PartitionTest, CorruptTailBatchIsTruncatedOnRecovery) {
  {
    auto p = Open();
    AppendN(*p, 10, 2);
  }
  auto seg = LastSegment(dir_.path() / "p0");
  auto size = std::filesystem::file_size(seg);
  std::string one = MakeBatch(2);
  int fd = ::open(seg.c_str(), O_RDWR);
  char c;
  off_t pos = static_cast<off_t>(size - one.size() * 3 + one.size() / 2);  // inside batch 8
  ASSERT_EQ(::pread(fd, &c, 1, pos), 1);
  c ^= 0x40;
  ASSERT_EQ(::pwrite(fd, &c, 1, pos), 1);
  ::close(fd);
  auto p = Open();
  EXPECT_EQ(p->recovery_report().truncated_bytes, one.size() * 3);
  EXPECT_EQ(p->high_watermark().value(), 14);
}

TEST_F(PartitionTest, MissingAndDamagedIndexesAreRebuilt) {
  TopicConfig c;
  c.segment_bytes = 2048;
  c.index_interval_bytes = 200;
  std::string before;
  {
    auto p = Open(c);
    AppendN(*p, 30, 1, 100);
    before = ReadAll(*p);
  }
  std::vector<std::filesystem::path> idx;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() / "p0")) {
    if (e.path().extension() == ".index" || e.path().extension() == ".timeindex") idx.push_back(e.path());
  }
  std::sort(idx.begin(), idx.end());
  ASSERT_GE(idx.size(), 4u);
  std::filesystem::remove(idx[0]);
  std::filesystem::resize_file(idx[1], std::filesystem::file_size(idx[1]) - 3);
  {
    int fd = ::open(idx[2].c_str(), O_RDWR);
    char junk[4] = {1, 2, 3, 4};
    ASSERT_EQ(::pwrite(fd, junk, 4, 30), 4);
    ::close(fd);
  }
  auto p = Open(c);
  EXPECT_GE(p->recovery_report().rebuilt_indexes, 2);
  EXPECT_EQ(ReadAll(*p), before);
  for (int64_t o = 0; o < 30; ++o) {
    std::string out;
    ASSERT_TRUE(p->Read(Offset{o}, 1, &out).ok());
    EXPECT_EQ(Headers(out).at(0).base_offset, o);
  }
}

TEST_F(PartitionTest, CorruptBatchInSealedSegmentIsNeverServed) {
  TopicConfig c;
  c.segment_bytes = 2048;
  {
    auto p = Open(c);
    AppendN(*p, 30, 1, 100);
  }
  std::filesystem::path first;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() / "p0")) {
    if (e.path().extension() == ".log" && (first.empty() || e.path() < first)) first = e.path();
  }
  std::string one = MakeBatch(1, 100);
  int fd = ::open(first.c_str(), O_RDWR);
  char c2;
  off_t pos = static_cast<off_t>(one.size() * 3 + 70);  // inside batch 3's records
  ASSERT_EQ(::pread(fd, &c2, 1, pos), 1);
  c2 ^= 1;
  ASSERT_EQ(::pwrite(fd, &c2, 1, pos), 1);
  ::close(fd);
  auto p = Open(c);
  std::string out;
  auto r = p->Read(Offset{0}, 1 << 20, &out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Headers(out).size(), 3u);  // stops before the damaged batch
  out.clear();
  EXPECT_EQ(p->Read(Offset{3}, 1 << 20, &out).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(out.empty());
}

TEST_F(PartitionTest, OffsetForTimestampFindsTheFirstRecordAtOrAfter) {
  auto p = Open();
  for (int i = 0; i < 20; ++i) {
    // batch i: ts 1000+100i, +1; every other batch compressed
    std::string b = MakeBatch(2, 16, 1000 + i * 100, "x", i % 2 ? Compression::kZstd : Compression::kNone);
    ASSERT_TRUE(p->Append(Span(b)).ok());
  }
  EXPECT_EQ(p->OffsetForTimestamp(0)->value(), 0);
  EXPECT_EQ(p->OffsetForTimestamp(1001)->value(), 1);  // the batch's second record, as Kafka answers
  EXPECT_EQ(p->OffsetForTimestamp(1101)->value(), 3);  // inside a compressed batch
  EXPECT_EQ(p->OffsetForTimestamp(1002)->value(), 2);
  EXPECT_EQ(p->OffsetForTimestamp(1550)->value(), 12);
  EXPECT_EQ(p->OffsetForTimestamp(99999)->value(), 40);  // none: high watermark
}

TEST_F(PartitionTest, WaitForDataWakesWhenAnAppendLands) {
  auto p = Open();
  // A fetch at offset 0 of an empty partition: waits for hw > 0.
  EXPECT_FALSE(p->WaitForData(Offset{0}, std::chrono::milliseconds(1)));
  std::atomic<bool> woke{false};
  std::thread reader([&] { woke = p->WaitForData(Offset{0}, std::chrono::seconds(30)); });
  AppendN(*p, 1, 1);
  reader.join();
  EXPECT_TRUE(woke);
  EXPECT_FALSE(p->WaitForData(Offset{1}, std::chrono::milliseconds(0)));
}

TEST_F(PartitionTest, AppendListenersRunAfterEachAppendUntilRemoved) {
  auto p = Open();
  std::atomic<int> calls{0};
  uint64_t id = p->AddAppendListener([&] { calls++; });
  AppendN(*p, 3, 1);
  EXPECT_EQ(calls.load(), 3);
  p->RemoveAppendListener(id);
  AppendN(*p, 1, 1);
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(PartitionTest, FsyncAlwaysAcknowledgesConcurrentAppendersThroughGroupCommit) {
  TopicConfig c;
  c.fsync = FsyncPolicy::kAlways;
  auto p = Open(c);
  constexpr int kThreads = 8, kPerThread = 20;
  std::vector<std::thread> threads;
  std::atomic<int> acked{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string b = MakeBatch(1);
        auto r = p->Append(Span(b));
        ASSERT_TRUE(r.ok());
        ASSERT_TRUE(p->WaitDurable(r->last_offset).ok());
        acked++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked.load(), kThreads * kPerThread);
  EXPECT_EQ(p->high_watermark().value(), kThreads * kPerThread);
}

TEST_F(PartitionTest, OneFsyncCoversEveryAppendThatPrecededIt) {
  TopicConfig c;
  c.fsync = FsyncPolicy::kAlways;
  auto p = Open(c);
  std::vector<Offset> lasts;
  for (int i = 0; i < 10; ++i) lasts.push_back(AppendN(*p, 1, 3));
  EXPECT_EQ(p->durable_offset().value(), 0);
  std::atomic<int> done{0};
  for (Offset last : lasts) {
    p->WhenDurable(last, [&](const Status& s) {
      EXPECT_TRUE(s.ok());
      done++;
    });
  }
  ASSERT_TRUE(p->WaitDurable(lasts.back()).ok());
  EXPECT_EQ(done.load(), 10);
  EXPECT_EQ(p->fsync_count(), 1u);  // group commit: one fdatasync for ten appends
  EXPECT_EQ(p->durable_offset().value(), 30);
}

TEST_F(PartitionTest, IntervalPolicySyncsInTheBackground) {
  TopicConfig c;
  c.fsync = FsyncPolicy::kInterval;
  c.fsync_interval = std::chrono::milliseconds(5);
  auto p = Open(c);
  AppendN(*p, 3, 2);
  // Wait for the flusher's timer (bounded): the durable offset must catch up.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (p->durable_offset() < p->high_watermark() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(p->durable_offset().value(), 6);
  EXPECT_GE(p->fsync_count(), 1u);
}

TEST_F(PartitionTest, ConcurrentReadersSeeOnlyWholeContiguousBatches) {
  TopicConfig c;
  c.segment_bytes = 8192;
  auto p = Open(c);
  constexpr int kBatches = 400;
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      int64_t next = 0;
      std::string buf;
      while (!stop.load() || next < p->high_watermark().value()) {
        buf.clear();
        auto r = p->Read(Offset{next}, 3000, &buf);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        for (const auto& h : Headers(buf)) {  // every batch whole, CRC-valid
          ASSERT_EQ(h.base_offset, next);
          next = h.last_offset().value() + 1;
        }
        if (r->bytes == 0) p->WaitForData(Offset{next}, std::chrono::milliseconds(50));
      }
      EXPECT_EQ(next, int64_t{kBatches} * 2);
    });
  }
  for (int i = 0; i < kBatches; ++i) {
    std::string b = MakeBatch(2, static_cast<size_t>(10 + i % 200));
    ASSERT_TRUE(p->Append(Span(b)).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
}

TEST_F(PartitionTest, WhenDurableIsImmediateForNeverAndInterval) {
  auto p = Open();
  auto r = AppendN(*p, 1, 1);
  bool called = false;
  p->WhenDurable(r, [&](const Status& s) { called = s.ok(); });
  EXPECT_TRUE(called);
}

TEST_F(PartitionTest, RetentionBySizeDropsOldestSegmentsAndAdvancesLogStart) {
  TopicConfig c;
  c.segment_bytes = 2048;
  c.retention_bytes = 4096;
  auto p = Open(c);
  AppendN(*p, 60, 1, 100);
  size_t before = p->segment_count();
  auto removed = p->EnforceRetention();
  ASSERT_TRUE(removed.ok());
  EXPECT_GT(*removed, 0);
  EXPECT_EQ(p->segment_count(), before - *removed);
  EXPECT_LE(p->size_bytes(), 4096 + 2048);
  EXPECT_GT(p->log_start_offset().value(), 0);
  std::string out;
  EXPECT_EQ(p->Read(Offset{0}, 100, &out).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(p->Read(p->log_start_offset(), 100, &out).ok());
  EXPECT_EQ(Headers(out).at(0).base_offset, p->log_start_offset().value());
}

TEST_F(PartitionTest, RetentionByTimeDropsSegmentsOlderThanRetentionMs) {
  TopicConfig c;
  c.segment_bytes = 2048;
  c.retention_ms = std::chrono::hours(1);
  auto p = Open(c);
  AppendN(*p, 30, 1, 100);  // timestamps = clock now
  clock_.Advance(std::chrono::minutes(30));
  ASSERT_EQ(*p->EnforceRetention(), 0);
  clock_.Advance(std::chrono::minutes(31));
  AppendN(*p, 1, 1, 100);  // rolls (old segment is full or not) and stays
  auto removed = p->EnforceRetention();
  ASSERT_TRUE(removed.ok());
  EXPECT_GT(*removed, 0);
  EXPECT_GT(p->log_start_offset().value(), 0);
  EXPECT_EQ(p->segment_count(), 1u);
}

TEST_F(PartitionTest, AnIdlePartitionPastRetentionEmptiesCompletely) {
  TopicConfig c;
  c.retention_ms = std::chrono::hours(1);
  auto p = Open(c);
  AppendN(*p, 5, 2);
  clock_.Advance(std::chrono::hours(2));
  auto removed = p->EnforceRetention();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(p->log_start_offset().value(), 10);
  EXPECT_EQ(p->high_watermark().value(), 10);
  std::string out;
  auto r = p->Read(Offset{10}, 100, &out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, 0u);
  EXPECT_EQ(AppendN(*p, 1, 1).value(), 10);
  ASSERT_TRUE(p->Close().ok());
  p = Open(c);
  EXPECT_EQ(p->log_start_offset().value(), 10);
  EXPECT_EQ(p->high_watermark().value(), 11);
}

TEST_F(PartitionTest, CompactionKeepsTheNewestRecordPerKeyAndOffsets) {
  TopicConfig c;
  c.segment_bytes = 1024;
  c.cleanup = CleanupPolicy::kCompact;
  c.delete_retention_ms = std::chrono::hours(1);
  c.segment_ms = std::chrono::hours(1);  // later appends start a new segment
  auto p = Open(c);
  // 100 records over 5 keys; key k3 ends with a tombstone.
  for (int i = 0; i < 100; ++i) {
    RecordBatchBuilder b;
    std::string key = "k" + std::to_string(i % 5);
    std::string value = "v" + std::to_string(i);
    if (i == 98) {
      b.Add(clock_.NowMs(), key, std::nullopt);
    } else {
      b.Add(clock_.NowMs(), key, value);
    }
    std::string s;
    ASSERT_TRUE(b.Finish(&s).ok());
    ASSERT_TRUE(p->Append(Span(s)).ok());
  }
  auto count_records = [&] {
    std::map<std::string, std::pair<int64_t, std::optional<std::string>>> last;
    int n = 0;
    std::string all = ReadAll(*p, p->log_start_offset());
    std::span<const uint8_t> rest = ConstSpan(all);
    RecordIterator it;
    while (!rest.empty()) {
      auto v = RecordBatchView::Parse(rest);
      EXPECT_TRUE(v.ok());
      EXPECT_TRUE(it.Reset(*v).ok());
      Record r;
      while (it.Next(&r)) {
        ++n;
        last[std::string(*r.key)] = {r.offset.value(),
                                     r.value ? std::optional<std::string>(std::string(*r.value)) : std::nullopt};
      }
      rest = rest.subspan(v->header().total_size());
    }
    return std::make_pair(n, last);
  };
  auto [before_n, before_last] = count_records();
  EXPECT_EQ(before_n, 100);
  auto removed = p->Compact();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_GT(*removed, 50);
  auto [after_n, after_last] = count_records();
  EXPECT_EQ(after_n, 100 - *removed);
  EXPECT_EQ(after_last, before_last);  // newest value (and its offset) per key unchanged
  EXPECT_EQ(p->high_watermark().value(), 100);
  // Appends continue after compaction; reopen sees the compacted log.
  AppendN(*p, 1, 1);
  ASSERT_TRUE(p->Close().ok());
  p = Open(c);
  EXPECT_EQ(p->high_watermark().value(), 101);
  // Once delete.retention.ms has passed, the tombstone itself goes.
  clock_.Advance(std::chrono::hours(2));
  AppendN(*p, 30, 1, 100);
  ASSERT_TRUE(p->Compact().ok());
  auto [final_n, final_last] = count_records();
  EXPECT_EQ(final_last.count("k3"), 0u);
}

}  // namespace
}  // namespace sluice::log
