// Deduplication and top-N against a reference that replays each partition
// row by row (keys are pinned to partitions, so each key's order is fixed).

#include "engine/rank_operators.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/memory_source.h"
#include "engine/pipeline.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using Row = MemorySource::Row;

const Schema kSchema({{"k", DataType::kString}, {"v", DataType::kInt64}, {"ts", DataType::kTimestamp}});

std::vector<std::vector<Row>> Generate(uint32_t seed, int partitions, int rows, int keys_per_partition) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Row>> parts(partitions);
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < rows; ++i) {
      parts[p].push_back({Value::String("p" + std::to_string(p) + "k" + std::to_string(rng() % keys_per_partition)),
                          Value::Int64(static_cast<int64_t>(rng() % 500)),
                          Value::Timestamp(static_cast<int64_t>(rng() % 10000))});
    }
  }
  return parts;
}

using Log = std::map<std::string, std::vector<std::string>>;

Log ByKey(const std::vector<CollectedRow>& rows) {
  Log out;
  for (const auto& r : rows) out[r.values[0].s].push_back(r.ToString());
  return out;
}

std::string Str(RowKind kind, const Row& r) { return CollectedRow{kind, r}.ToString(); }

Log RunJob(const std::vector<std::vector<Row>>& parts, int workers, int batch,
           const std::function<Pipeline&(Pipeline&)>& keyed) {
  auto source = MemorySource::Create(kSchema, parts, "ts", {}, batch).value();
  CollectingSink sink;
  Pipeline p;
  p.From(source).KeyBy({"k"});
  keyed(p).To(&sink);
  auto job = p.Build(JobConfig{workers, 128, batch, 2, nullptr});
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  if (!job.ok()) return {};
  EXPECT_TRUE((*job)->Run().ok());
  return ByKey(sink.rows());
}

TEST(RankOperatorsTest, DeduplicateKeepFirstAndLastMatchReference) {
  const uint32_t seed = 77;
  auto parts = Generate(seed, 3, 2000, 50);
  for (Keep keep : {Keep::kFirst, Keep::kLast}) {
    Log expected;
    for (const auto& part : parts) {
      std::map<std::string, Row> held;
      for (const Row& r : part) {
        auto it = held.find(r[0].s);
        if (it == held.end()) {
          expected[r[0].s].push_back(Str(RowKind::kInsert, r));
          held[r[0].s] = r;
          continue;
        }
        bool replace = keep == Keep::kFirst ? r[2].i < it->second[2].i : r[2].i >= it->second[2].i;
        if (!replace) continue;
        expected[r[0].s].push_back(Str(RowKind::kUpdateBefore, it->second));
        expected[r[0].s].push_back(Str(RowKind::kUpdateAfter, r));
        it->second = r;
      }
    }
    for (int workers : {1, 3}) {
      for (int batch : {3, 512}) {
        SCOPED_TRACE(::testing::Message() << "seed=" << seed << " keep=" << (keep == Keep::kFirst ? "first" : "last")
                                          << " workers=" << workers << " batch=" << batch);
        EXPECT_EQ(RunJob(parts, workers, batch, [&](Pipeline& p) -> Pipeline& { return p.Deduplicate(keep); }),
                  expected);
      }
    }
  }
}

TEST(RankOperatorsTest, TopNMatchesReference) {
  const uint32_t seed = 78;
  auto parts = Generate(seed, 2, 3000, 20);
  const int n = 3;
  Log expected;
  for (const auto& part : parts) {
    std::map<std::string, std::vector<Row>> top;  // best first
    for (const Row& r : part) {
      auto& t = top[r[0].s];
      size_t pos = t.size();
      for (size_t i = 0; i < t.size(); ++i) {
        if (r[1].i > t[i][1].i) {
          pos = i;
          break;
        }
      }
      if (pos >= static_cast<size_t>(n)) continue;
      if (t.size() == static_cast<size_t>(n)) {
        expected[r[0].s].push_back(Str(RowKind::kDelete, t.back()));
        t.pop_back();
      }
      expected[r[0].s].push_back(Str(RowKind::kInsert, r));
      t.insert(t.begin() + static_cast<long>(pos), r);
    }
  }
  for (int workers : {1, 2}) {
    for (int batch : {5, 1024}) {
      SCOPED_TRACE(::testing::Message() << "seed=" << seed << " workers=" << workers << " batch=" << batch);
      EXPECT_EQ(RunJob(parts, workers, batch, [&](Pipeline& p) -> Pipeline& { return p.TopN("v", n); }), expected);
    }
  }
}

TEST(RankOperatorsTest, CompactionKeepsHeldRowsIntact) {
  OperatorContext ctx;
  ctx.batch_capacity = 256;
  auto op = DeduplicateOperator::Create(kSchema, DeduplicateSpec{{0}, 2, Keep::kLast}, ctx).value();
  CollectingSink sink;
  SinkOperator out(op->output_schema(), &sink);
  op->set_next(&out);
  // Many replacements of long rows force several compactions.
  std::string pad(200, 'x');
  for (int i = 0; i < 2000; ++i) {
    std::vector<Row> rows;
    for (int k = 0; k < 10; ++k) {
      rows.push_back({Value::String("key" + std::to_string(k) + pad), Value::Int64(i), Value::Timestamp(i)});
    }
    Batch b = testing::MakeBatch(kSchema, rows, 256);
    ASSERT_TRUE(op->Process(b).ok());
  }
  auto rows = sink.rows();
  ASSERT_EQ(rows.size(), 10u + 2 * 10 * 1999);
  // The last -U of every key shows the row held just before the end.
  for (size_t i = rows.size() - 20; i < rows.size(); i += 2) {
    EXPECT_EQ(rows[i].kind, RowKind::kUpdateBefore);
    EXPECT_EQ(rows[i].values[1].i, 1998);
    EXPECT_EQ(rows[i].values[0].s.size(), 4 + pad.size());
  }
  EXPECT_LT(op->StateBytes(), 4 << 20);
}

}  // namespace
}  // namespace sluice::engine
