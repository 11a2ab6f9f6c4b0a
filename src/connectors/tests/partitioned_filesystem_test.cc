// PARTITIONED BY for the filesystem connector: the sink's partition
// directories and partition commits (success files) tied to checkpoints and
// watermarks, and the source reading partition columns back.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "connectors/builtin_connectors.h"
#include "connectors/partition_path.h"
#include "engine/connector_registry.h"
#include "engine/job.h"
#include "engine/pipeline.h"
#include "engine/sink.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::DataType;
using engine::Value;

constexpr int64_t kMinute = 60'000;
// 2026-01-01 10:00:00 UTC.
constexpr int64_t kTen = 1'767'261'600'000;

class PartitionedFilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-part-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    RegisterBuiltinConnectors(registry_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // (id BIGINT, name STRING, dt STRING, hm STRING) PARTITIONED BY (dt, hm), CSV.
  engine::TableDescriptor Table(std::map<std::string, std::string> extra = {}) {
    engine::TableDescriptor t;
    t.name = "out";
    t.schema = engine::Schema(
        {{"id", DataType::kInt64}, {"name", DataType::kString}, {"dt", DataType::kString}, {"hm", DataType::kString}});
    t.metadata_keys = {"", "", "", ""};
    t.partition_keys = {"dt", "hm"};
    t.options = {{"connector", "filesystem"}, {"path", (dir_ / "out").string()}, {"format", "csv"}};
    for (auto& [k, v] : extra) t.options[k] = v;
    return t;
  }

  std::map<std::string, std::string> PartitionTimeCommit() {
    return {{"sink.partition-commit.trigger", "partition-time"},
            {"sink.partition-commit.delay", "1 min"},
            {"sink.partition-commit.policy.kind", "success-file"},
            {"partition.time-extractor.timestamp-pattern", "$dt $hm:00"}};
  }

  std::shared_ptr<engine::Sink> Sink(const engine::TableDescriptor& t) {
    auto s = registry_.CreateSink(t, {});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : nullptr;
  }

  // Rows (id, "n<id>", dt, hm) with the given partitions.
  engine::Batch Rows(const engine::Schema& schema,
                     const std::vector<std::tuple<int64_t, std::string, std::string>>& rows) {
    engine::Batch b(schema, 64);
    int r = 0;
    for (const auto& [id, dt, hm] : rows) {
      Value::Int64(id).WriteTo(&b.column(0), r);
      Value::String("n" + std::to_string(id)).WriteTo(&b.column(1), r);
      Value::String(dt).WriteTo(&b.column(2), r);
      Value::String(hm).WriteTo(&b.column(3), r);
      ++r;
    }
    b.set_num_rows(r);
    return b;
  }

  // Visible files under `out`, relative, and the hidden ones.
  std::set<std::string> Files(bool hidden = false) {
    std::set<std::string> out;
    if (!fs::exists(dir_ / "out")) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "out")) {
      if (!e.is_regular_file()) continue;
      const bool is_hidden = e.path().filename().string()[0] == '.';
      if (is_hidden == hidden) out.insert(e.path().lexically_relative(dir_ / "out").generic_string());
    }
    return out;
  }

  // Lines of the visible part files in partition directory `dir`.
  std::multiset<std::string> Lines(const std::string& dir) {
    std::multiset<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "out" / dir)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with("part-")) continue;
      std::ifstream in(e.path());
      std::string line;
      while (std::getline(in, line)) out.insert(line);
    }
    return out;
  }

  bool Success(const std::string& dir) { return fs::exists(dir_ / "out" / dir / "_SUCCESS"); }

  fs::path dir_;
  engine::ConnectorRegistry registry_;
};

TEST(PartitionPathTest, EscapesAsFlinkAndRoundTrips) {
  std::string out;
  AppendEscapedPathName("10:00", &out);
  EXPECT_EQ(out, "10%3A00");
  out.clear();
  AppendEscapedPathName("a/b=c%d e", &out);
  EXPECT_EQ(out, "a%2Fb%3Dc%25d e");
  EXPECT_EQ(UnescapePathName(out), "a/b=c%d e");
  EXPECT_EQ(UnescapePathName("100%"), "100%");  // a lone '%' stays
  out.clear();
  AppendEscapedPathName("", &out);
  EXPECT_EQ(out, "__DEFAULT_PARTITION__");
}

TEST(PartitionPathTest, ParsesDirectoriesAndExtractsPartitionTime) {
  auto v = ParsePartitionPath("dt=2026-01-01/hm=10%3A05/part-0.csv");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[1], (std::pair<std::string, std::string>{"hm", "10:05"}));
  auto t = ExtractPartitionTime(*v, "$dt $hm:00", "");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, kTen + 5 * kMinute);
  auto first = ExtractPartitionTime({{"dt", "2026-01-01"}}, "", "");  // no pattern: the first value
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, kTen - 10 * 60 * kMinute);
  auto formatted = ExtractPartitionTime({{"d", "20260101"}, {"h", "10"}}, "$d $h", "yyyyMMdd HH");
  ASSERT_TRUE(formatted.ok()) << formatted.status().ToString();
  EXPECT_EQ(*formatted, kTen);

  auto bad_dir = ParsePartitionPath("nope/part-0.csv");
  ASSERT_FALSE(bad_dir.ok());
  EXPECT_NE(bad_dir.status().message().find("directory 'nope' is not a partition directory"), std::string::npos);
  auto unknown = ExtractPartitionTime(*v, "$day", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("names $day, which is not a partition column"), std::string::npos);
  auto not_time = ExtractPartitionTime(*v, "$hm", "");
  ASSERT_FALSE(not_time.ok());
  EXPECT_NE(not_time.status().message().find("partition time '10:05'"), std::string::npos);
}

TEST_F(PartitionedFilesystemTest, RowsGoUnderPartitionDirectoriesWithoutThePartitionColumns) {
  auto t = Table();
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"},
                                                 {2, "2026-01-01", "10:01"},
                                                 {3, "2026-01-01", "10:00"},
                                                 {4, "", "10:00"}}))
                  .ok());
  EXPECT_TRUE(Files().empty()) << "parts stay hidden until Finish";
  ASSERT_TRUE(sink->Finish().ok());
  EXPECT_EQ(Lines("dt=2026-01-01/hm=10%3A00"), (std::multiset<std::string>{"1,n1", "3,n3"}));
  EXPECT_EQ(Lines("dt=2026-01-01/hm=10%3A01"), (std::multiset<std::string>{"2,n2"}));
  EXPECT_EQ(Lines("dt=__DEFAULT_PARTITION__/hm=10%3A00"), (std::multiset<std::string>{"4,n4"}));
  EXPECT_FALSE(Success("dt=2026-01-01/hm=10%3A00")) << "no commit policy, no success file";
  EXPECT_TRUE(Files(/*hidden=*/true).empty());
}

TEST_F(PartitionedFilesystemTest, SuccessFileWaitsForTheCheckpointWatermarkPastPartitionTimePlusDelay) {
  auto t = Table(PartitionTimeCommit());
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  const std::string p0 = "dt=2026-01-01/hm=10%3A00", p1 = "dt=2026-01-01/hm=10%3A01";
  std::vector<std::string> handles(2);
  auto checkpoint = [&](int64_t id) {
    for (int w = 0; w < 2; ++w) {
      auto h = sink->PreCommit(w, id);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      handles[w] = *h;
    }
  };
  ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}})).ok());
  ASSERT_TRUE(sink->WriteFrom(1, Rows(t.schema, {{2, "2026-01-01", "10:01"}})).ok());
  // Writer 0 is past 10:01 + 1 min, writer 1 only past 10:00 + 1 min: the checkpoint's watermark is the minimum.
  ASSERT_TRUE(sink->OnWatermark(0, kTen + 3 * kMinute).ok());
  ASSERT_TRUE(sink->OnWatermark(1, kTen + kMinute + 1).ok());
  checkpoint(1);
  EXPECT_FALSE(Success(p0)) << "pre-commit publishes nothing";
  ASSERT_TRUE(sink->Commit(1, handles).ok());
  EXPECT_EQ(Lines(p0), (std::multiset<std::string>{"1,n1"}));
  EXPECT_EQ(Lines(p1), (std::multiset<std::string>{"2,n2"}));
  EXPECT_TRUE(Success(p0));
  EXPECT_FALSE(Success(p1)) << "10:01 + 1 min is not yet passed by writer 1";

  // A watermark after the barrier does not count for checkpoint 1 ...
  ASSERT_TRUE(sink->OnWatermark(1, kTen + 2 * kMinute).ok());
  ASSERT_TRUE(sink->Commit(1, handles).ok());
  EXPECT_FALSE(Success(p1));
  // ... but for the next one.
  checkpoint(2);
  ASSERT_TRUE(sink->Commit(2, handles).ok());
  EXPECT_TRUE(Success(p1));
  EXPECT_TRUE(Files(/*hidden=*/true).empty());
}

TEST_F(PartitionedFilesystemTest, RecoveryPublishesTheCheckpointDiscardsLaterPartsAndStillCommitsItsPartitions) {
  auto t = Table(PartitionTimeCommit());
  const std::string p0 = "dt=2026-01-01/hm=10%3A00", p5 = "dt=2026-01-01/hm=10%3A05";
  std::vector<std::string> handles(1);
  {
    auto sink = Sink(t);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->Recover(0, {}).ok());
    ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}, {2, "2026-01-01", "10:05"}})).ok());
    ASSERT_TRUE(sink->OnWatermark(0, kTen + 2 * kMinute).ok());
    auto h = sink->PreCommit(0, 1);
    ASSERT_TRUE(h.ok());
    handles[0] = *h;
    // Stored, then a crash before Commit, after more rows in both partitions.
    ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{3, "2026-01-01", "10:00"}, {4, "2026-01-01", "10:05"}})).ok());
  }
  EXPECT_TRUE(Files().empty());
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(1, handles).ok());
  EXPECT_EQ(Lines(p0), (std::multiset<std::string>{"1,n1"}));
  EXPECT_EQ(Lines(p5), (std::multiset<std::string>{"2,n2"}));
  EXPECT_TRUE(Files(/*hidden=*/true).empty()) << "the crashed instance's later parts are gone";
  EXPECT_TRUE(Success(p0)) << "the checkpoint's watermark had passed 10:00 + 1 min";
  EXPECT_FALSE(Success(p5));
  // The restored job's next checkpoint still knows 10:05 waits for its commit.
  ASSERT_TRUE(sink->OnWatermark(0, kTen + 7 * kMinute).ok());
  auto h = sink->PreCommit(0, 2);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(sink->Commit(2, {*h}).ok());
  EXPECT_TRUE(Success(p5));
}

TEST_F(PartitionedFilesystemTest, WithoutCheckpointsEndOfInputCommitsEveryPartition) {
  auto t = Table(PartitionTimeCommit());
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}, {2, "2026-01-02", "23:59"}})).ok());
  ASSERT_TRUE(sink->Finish().ok());
  EXPECT_TRUE(Success("dt=2026-01-01/hm=10%3A00"));
  EXPECT_TRUE(Success("dt=2026-01-02/hm=23%3A59"));
}

TEST_F(PartitionedFilesystemTest, ProcessTimeTriggerCommitsAtTheFirstCheckpointWithoutDelay) {
  auto t = Table({{"sink.partition-commit.trigger", "process-time"},
                  {"sink.partition-commit.policy.kind", "success-file"},
                  {"sink.partition-commit.success-file.name", "_DONE"}});
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}})).ok());
  auto h = sink->PreCommit(0, 1);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(sink->Commit(1, {*h}).ok());
  EXPECT_TRUE(fs::exists(dir_ / "out" / "dt=2026-01-01/hm=10%3A00" / "_DONE"));
}

TEST_F(PartitionedFilesystemTest, RolloverIntervalClosesPartsOpenLongerThanItWhenAWatermarkArrives) {
  auto t = Table({{"sink.rolling-policy.rollover-interval", "1 ms"}, {"sink.rolling-policy.check-interval", "1 ms"}});
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}})).ok());
  // The policy's clock is the wall clock: let it pass the interval (a condition, not a guessed sleep).
  const auto until = std::chrono::system_clock::now() + std::chrono::milliseconds(3);
  while (std::chrono::system_clock::now() < until) {
  }
  ASSERT_TRUE(sink->OnWatermark(0, kTen).ok());
  // Without checkpoints a rolled part is published at once.
  EXPECT_EQ(Lines("dt=2026-01-01/hm=10%3A00"), (std::multiset<std::string>{"1,n1"}));
  EXPECT_TRUE(Files(/*hidden=*/true).empty());

  // Without a rollover interval a watermark closes nothing.
  auto plain_table = Table();
  plain_table.options["path"] = (dir_ / "plain").string();
  auto plain = Sink(plain_table);
  ASSERT_TRUE(plain);
  ASSERT_TRUE(plain->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}})).ok());
  ASSERT_TRUE(plain->OnWatermark(0, kTen).ok());
  int visible = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "plain")) {
    visible += e.is_regular_file() && e.path().filename().string()[0] != '.';
  }
  EXPECT_EQ(visible, 0);
}

TEST_F(PartitionedFilesystemTest, SourceReadsPartitionColumnsBackFromTheDirectories) {
  auto t = Table();
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(
      sink->WriteFrom(0, Rows(t.schema, {{1, "2026-01-01", "10:00"}, {2, "2026-01-02", "a/b"}, {3, "", "x"}})).ok());
  ASSERT_TRUE(sink->Finish().ok());
  std::ofstream(dir_ / "out" / "_SUCCESS").flush();  // skipped: starts with '_'

  auto source = registry_.CreateSource(t, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->num_splits(), 3);
  engine::CollectingSink rows;
  auto job = engine::Pipeline().From(*source).To(&rows).Build(engine::JobConfig{.workers = 1});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  std::set<std::string> got;
  for (const auto& r : rows.rows()) got.insert(r.ToString());
  EXPECT_EQ(got, (std::set<std::string>{"+I(1,n1,2026-01-01,10:00)", "+I(2,n2,2026-01-02,a/b)", "+I(3,n3,NULL,x)"}));
}

// Filter push-down: a source given the partitions a WHERE allows lists only
// their directories (a NULL partition value never equals a literal).
TEST_F(PartitionedFilesystemTest, PartitionFilterSkipsOtherPartitionDirectories) {
  auto t = Table();
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(
      sink->WriteFrom(
              0, Rows(t.schema,
                      {{1, "2026-01-01", "10:00"}, {2, "2026-01-02", "a/b"}, {3, "", "x"}, {4, "2026-01-01", "11:00"}}))
          .ok());
  ASSERT_TRUE(sink->Finish().ok());
  auto read = [&](std::vector<std::pair<std::string, std::vector<std::string>>> filter) {
    auto table = Table();
    table.partition_filter = std::move(filter);
    auto source = registry_.CreateSource(table, {});
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    engine::CollectingSink rows;
    auto job = engine::Pipeline().From(*source).To(&rows).Build(engine::JobConfig{.workers = 1});
    EXPECT_TRUE(job.ok() && (*job)->Run().ok());
    std::set<std::string> got;
    for (const auto& r : rows.rows()) got.insert(r.ToString());
    return got;
  };
  EXPECT_EQ(read({{"dt", {"2026-01-01"}}}),
            (std::set<std::string>{"+I(1,n1,2026-01-01,10:00)", "+I(4,n4,2026-01-01,11:00)"}));
  EXPECT_EQ(read({{"dt", {"2026-01-01", "2026-01-02"}}, {"hm", {"a/b", "11:00"}}}),
            (std::set<std::string>{"+I(2,n2,2026-01-02,a/b)", "+I(4,n4,2026-01-01,11:00)"}));
  EXPECT_EQ(read({{"dt", {"2030-01-01"}}}), std::set<std::string>{});
}

TEST_F(PartitionedFilesystemTest, ClearErrorsForBadPartitionOptionsAndLayouts) {
  auto error = [&](std::map<std::string, std::string> options) {
    auto s = registry_.CreateSink(Table(std::move(options)), {});
    return s.ok() ? std::string() : std::string(s.status().message());
  };
  EXPECT_NE(error({{"sink.partition-commit.trigger", "partition-time"}})
                .find("'sink.partition-commit.trigger' needs 'sink.partition-commit.policy.kind' = 'success-file'"),
            std::string::npos);
  EXPECT_NE(
      error({{"sink.partition-commit.policy.kind", "metastore,success-file"}}).find("only 'success-file' is supported"),
      std::string::npos);
  EXPECT_NE(error({{"sink.partition-commit.policy.kind", "success-file"}, {"sink.partition-commit.trigger", "soon"}})
                .find("must be 'partition-time' or 'process-time', got 'soon'"),
            std::string::npos);
  EXPECT_NE(
      error({{"sink.partition-commit.policy.kind", "success-file"}, {"sink.partition-commit.success-file.name", "a/b"}})
          .find("must be a plain file name"),
      std::string::npos);
  EXPECT_NE(error({{"sink.partition-commit.policy.kind", "success-file"}, {"partition.time-extractor.kind", "custom"}})
                .find("only 'default' is supported"),
            std::string::npos);
  EXPECT_NE(error({{"sink.rolling-policy.file-size", "12 parsecs"}}).find("must be a positive size"),
            std::string::npos);
  EXPECT_EQ(error({{"sink.rolling-policy.file-size", "1 kb"},
                   {"sink.rolling-policy.rollover-interval", "1min"},
                   {"sink.rolling-policy.check-interval", "1min"}}),
            "");
  engine::TableDescriptor unpartitioned = Table({{"sink.partition-commit.policy.kind", "success-file"}});
  unpartitioned.partition_keys.clear();
  auto s = registry_.CreateSink(unpartitioned, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("needs a partitioned table"), std::string::npos);

  // A row whose partition values do not make a time under the pattern fails the write.
  auto t = Table(PartitionTimeCommit());
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  Status bad = sink->WriteFrom(0, Rows(t.schema, {{1, "yesterday", "10:00"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("partition time 'yesterday 10:00:00'"), std::string::npos) << bad.ToString();

  // Sources: a file outside the partition layout, and a monitored partitioned directory.
  fs::create_directories(dir_ / "out" / "loose");
  std::ofstream(dir_ / "out" / "loose" / "x.csv") << "1,a\n";
  auto loose = registry_.CreateSource(Table(), {});
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.status().message().find("directory 'loose' is not a partition directory"), std::string::npos);
  fs::remove_all(dir_ / "out" / "loose");
  fs::create_directories(dir_ / "out" / "dt=2026-01-01");
  std::ofstream(dir_ / "out" / "dt=2026-01-01" / "x.csv") << "1,a\n";
  auto missing_level = registry_.CreateSource(Table(), {});
  ASSERT_FALSE(missing_level.ok());
  EXPECT_NE(missing_level.status().message().find("is not under a hm=... directory"), std::string::npos);
  auto monitored = Table({{"source.monitor-interval", "1s"}});
  auto m = registry_.CreateSource(monitored, {});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("'source.monitor-interval' does not read partitioned directories"),
            std::string::npos);
  auto file_root = Table();
  file_root.options["path"] = (dir_ / "out" / "dt=2026-01-01" / "x.csv").string();
  auto f = registry_.CreateSource(file_root, {});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("a partitioned table is a directory of partition directories"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::connectors
