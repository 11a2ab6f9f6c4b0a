#include "connectors/filesystem_connector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "connectors/builtin_connectors.h"
#include "engine/job.h"
#include "engine/pipeline.h"
#include "engine/sink.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::DataType;

class FilesystemConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-fs-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "in");
    RegisterBuiltinConnectors(registry_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  engine::TableDescriptor Table(const std::string& name, const fs::path& path, const std::string& format) {
    engine::TableDescriptor t;
    t.name = name;
    t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
    t.metadata_keys = {"", ""};
    t.options = {{"connector", "filesystem"}, {"path", path.string()}, {"format", format}};
    return t;
  }

  void WriteFile(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  fs::path dir_;
  engine::ConnectorRegistry registry_;
};

TEST_F(FilesystemConnectorTest, ReadsEveryVisibleFileAndSkipsBadLines) {
  WriteFile(dir_ / "in" / "a.jsonl", "{\"id\": 1, \"name\": \"a\"}\n{\"id\": \"bad\"}\n\n{\"id\": 2}\n");
  WriteFile(dir_ / "in" / "b.jsonl", "{\"id\": 3, \"name\": \"c\"}");  // no final newline
  WriteFile(dir_ / "in" / ".hidden", "{\"id\": 99}\n");
  auto source = registry_.CreateSource(Table("src", dir_ / "in", "json"), {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->num_splits(), 2);

  engine::CollectingSink sink;
  auto job = engine::Pipeline().From(*source).To(&sink).Build(engine::JobConfig{.workers = 1});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  std::set<int64_t> ids;
  for (const auto& r : sink.rows()) ids.insert(r.values[0].i);
  EXPECT_EQ(ids, (std::set<int64_t>{1, 2, 3}));
}

TEST_F(FilesystemConnectorTest, BadLinesGoToTheJobsDeadLetterSinkWithTextReasonAndLine) {
  WriteFile(dir_ / "in" / "a.jsonl", "{\"id\": 1, \"name\": \"a\"}\n{\"id\": \"bad\"}\n\n{\"id\": 2}\nnot json\n");
  auto source = registry_.CreateSource(Table("src", dir_ / "in" / "a.jsonl", "json"), {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  engine::CollectingSink sink;
  engine::CollectingSink dead;
  auto spec = engine::Pipeline().From(*source).To(&sink).BuildSpec();
  ASSERT_TRUE(spec.ok());
  spec->stages[0].dead_letter_sink = &dead;
  auto job = engine::Job::Create(std::move(*spec), engine::JobConfig{.workers = 1});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  EXPECT_EQ(sink.rows().size(), 2u);
  ASSERT_TRUE(dead.finished());
  auto letters = dead.rows();
  ASSERT_EQ(letters.size(), 2u);
  const std::string file = (dir_ / "in" / "a.jsonl").string();
  EXPECT_EQ(letters[0].values[0].s, "{\"id\": \"bad\"}");
  EXPECT_NE(letters[0].values[1].s.find("id"), std::string::npos) << letters[0].values[1].s;
  EXPECT_EQ(letters[0].values[2].s, file + " line 2");
  EXPECT_GT(letters[0].values[3].i, 0);  // processing time
  EXPECT_EQ(letters[1].values[0].s, "not json");
  EXPECT_EQ(letters[1].values[2].s, file + " line 5");
}

TEST_F(FilesystemConnectorTest, SinkCommitsPartFilesOnlyAtFinish) {
  WriteFile(dir_ / "in" / "x.csv", "1,one\n2,\"t,wo\"\n3,\n");
  auto source = registry_.CreateSource(Table("src", dir_ / "in" / "x.csv", "csv"), {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto sink = registry_.CreateSink(Table("out", dir_ / "out", "json"), {});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();

  engine::Batch batch((*source)->schema(), 16);
  auto reader = (*source)->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Read(&batch).ok());
  ASSERT_EQ(batch.num_rows(), 3);
  ASSERT_TRUE((*sink)->Write(batch).ok());

  auto visible = [&] {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(dir_ / "out")) {
      if (e.path().filename().string()[0] != '.') v.push_back(e.path());
    }
    return v;
  };
  EXPECT_TRUE(visible().empty()) << "an in-progress part file must stay hidden";
  ASSERT_TRUE((*sink)->Finish().ok());
  auto files = visible();
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0]);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "{\"id\":1,\"name\":\"one\"}\n{\"id\":2,\"name\":\"t,wo\"}\n{\"id\":3,\"name\":null}\n");
}

// Reads every row the split has now; the monitor interval is 1 ms, so a
// second pass a few ms later sees files that appeared meanwhile.
std::vector<int64_t> Drain(engine::SourceReader* r, const engine::Schema& schema) {
  std::vector<int64_t> ids;
  for (int idle = 0; idle < 20;) {
    engine::Batch b(schema, 2);  // small batches: positions fall inside files
    auto rs = r->Read(&b);
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    if (!rs.ok() || *rs == engine::ReadStatus::kEndOfInput) break;
    if (b.num_rows() == 0) {
      ++idle;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    for (int i = 0; i < b.num_rows(); ++i) ids.push_back(b.column(0).data<int64_t>()[i]);
  }
  return ids;
}

TEST_F(FilesystemConnectorTest, MonitoredDirectoryReadsNewFilesOnceAndResumesFromItsPosition) {
  engine::TableDescriptor t = Table("src", dir_ / "in", "json");
  t.options["source.monitor-interval"] = "1 ms";
  WriteFile(dir_ / "in" / "a.jsonl", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3}\n");
  auto source = registry_.CreateSource(t, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->num_splits(), 1);
  auto reader = (*source)->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(Drain(reader->get(), t.schema), (std::vector<int64_t>{1, 2, 3}));
  // A new file (and a hidden one, still being written) appear.
  WriteFile(dir_ / "in" / ".c.jsonl.tmp", "{\"id\": 99}\n");
  WriteFile(dir_ / "in" / "b.jsonl", "{\"id\": 4}\n{\"id\": 5}\n{\"id\": 6}\n");
  engine::Batch one(t.schema, 1);
  auto rs = (*reader)->Read(&one);
  for (int i = 0; i < 50 && rs.ok() && one.num_rows() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    rs = (*reader)->Read(&one);
  }
  ASSERT_EQ(one.num_rows(), 1);
  EXPECT_EQ(one.column(0).data<int64_t>()[0], 4);
  // Resume from here in a "new process": the rest of b, then c when it appears, nothing twice.
  auto pos = (*reader)->Position();
  ASSERT_TRUE(pos.ok());
  auto resumed = (*source)->OpenSplitAt(0, *pos);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  fs::rename(dir_ / "in" / ".c.jsonl.tmp", dir_ / "in" / "c.jsonl");
  EXPECT_EQ(Drain(resumed->get(), t.schema), (std::vector<int64_t>{5, 6, 99}));
  EXPECT_FALSE((*source)->OpenSplitAt(0, "\x07").ok());
}

TEST_F(FilesystemConnectorTest, AReaderResumedAfterABadLineDoesNotGiveItAgain) {
  WriteFile(dir_ / "in" / "a.jsonl", "{\"id\": 1}\nbad\n{\"id\": 2}\nworse\n");
  engine::TableDescriptor t = Table("src", dir_ / "in" / "a.jsonl", "json");
  auto source = registry_.CreateSource(t, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto reader = (*source)->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  std::vector<engine::DeadLetter> letters;
  (*reader)->SetDeadLetterOutput(&letters);
  engine::Batch two(t.schema, 2);
  ASSERT_TRUE((*reader)->Read(&two).ok());
  EXPECT_EQ(two.num_rows(), 2);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].raw, "bad");
  auto pos = (*reader)->Position();
  ASSERT_TRUE(pos.ok());
  auto resumed = (*source)->OpenSplitAt(0, *pos);
  ASSERT_TRUE(resumed.ok());
  std::vector<engine::DeadLetter> after;
  (*resumed)->SetDeadLetterOutput(&after);
  EXPECT_TRUE(Drain(resumed->get(), t.schema).empty());
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].raw, "worse");
  EXPECT_EQ(after[0].position, t.options["path"] + " line 4");
}

TEST_F(FilesystemConnectorTest, ClearErrorsForBadOptions) {
  auto missing = registry_.CreateSource(Table("src", dir_ / "nope", "json"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
  auto format = registry_.CreateSource(Table("src", dir_ / "in", "avro"), {});
  ASSERT_FALSE(format.ok());
  EXPECT_NE(format.status().message().find("'format'"), std::string::npos);
  engine::TableDescriptor t = Table("src", dir_ / "in", "json");
  t.options["connector"] = "hdfs";
  engine::TableDescriptor monitored = Table("src", dir_ / "in" / "a.jsonl", "json");
  monitored.options["source.monitor-interval"] = "1s";
  WriteFile(dir_ / "in" / "a.jsonl", "");
  auto not_dir = registry_.CreateSource(monitored, {});
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.status().message().find("needs a positive interval and a directory"), std::string::npos);
  auto unknown = registry_.CreateSource(t, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find(
                "available: 'blackhole', 'datagen', 'filesystem', 'kafka', 'nexmark', 'print', 'topic'"),
            std::string::npos)
      << unknown.status().message();
}

}  // namespace
}  // namespace sluice::connectors
