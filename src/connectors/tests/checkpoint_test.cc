// Exactly-once support of the connectors: sources resume from Position(),
// transactional sinks survive a crash between PreCommit and Commit.

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "connectors/builtin_connectors.h"
#include "connectors/tests/split_reading.h"
#include "engine/batch.h"
#include "engine/sink.h"
#include "log/log.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::DataType;

constexpr uint32_t kSeed = 20261122;
using test_support::ReadSplit;
using test_support::Rows;

// Every split read in one go equals the same split read with resumes.
void ExpectResumesReplayExactly(engine::Source& source, int rounds = 5) {
  std::mt19937 rng(kSeed);
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  for (int split = 0; split < source.num_splits(); ++split) {
    std::vector<std::string> whole = ReadSplit(source, split, nullptr);
    for (int round = 0; round < rounds; ++round) {
      int resumes = 0;
      std::vector<std::string> pieces = ReadSplit(source, split, &rng, &resumes);
      ASSERT_EQ(pieces, whole) << source.name() << " split " << split << " round " << round << " (" << resumes
                               << " resumes)";
      if (whole.size() > 20) {
        EXPECT_GT(resumes, 0);
      }
    }
  }
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-ckpt-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    auto log = log::Log::Open(dir_ / "data", log::LogOptions{});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    RegisterBuiltinConnectors(registry_, ConnectorEnvironment{log_.get(), ""});
    std::printf("seed %u\n", kSeed);
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }

  std::shared_ptr<engine::Source> Source(engine::TableDescriptor t) {
    auto s = registry_.CreateSource(t, engine::ConnectorContext{dir_ / "data"});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : nullptr;
  }
  std::shared_ptr<engine::Sink> Sink(engine::TableDescriptor t) {
    auto s = registry_.CreateSink(t, engine::ConnectorContext{dir_ / "data"});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : nullptr;
  }

  static engine::Batch Numbers(const engine::Schema& schema, int64_t from, int64_t to) {
    engine::Batch b(schema, static_cast<int>(to - from));
    for (int64_t i = from; i < to; ++i) {
      int r = static_cast<int>(i - from);
      b.column(0).data<int64_t>()[r] = i;
      b.column(0).SetValid(r);
      if (schema.size() > 1) {
        b.column(1).SetString(r, "row" + std::to_string(i));
        b.column(1).SetValid(r);
      }
    }
    b.set_num_rows(static_cast<int>(to - from));
    return b;
  }

  fs::path dir_;
  std::unique_ptr<log::Log> log_;
  engine::ConnectorRegistry registry_;
};

TEST_F(CheckpointTest, FileSourceResumesAtAnyLineOfEveryFile) {
  fs::create_directories(dir_ / "in");
  std::mt19937 rng(kSeed);
  for (const char* name : {"c.jsonl", "a.jsonl", "b.jsonl"}) {
    std::ofstream out(dir_ / "in" / name);
    int lines = 50 + static_cast<int>(rng() % 100);
    for (int i = 0; i < lines; ++i) {
      if (i % 17 == 5) out << "{\"id\": \"bad\"}\n";  // skipped lines count too
      if (i % 23 == 7) out << "\n";
      out << "{\"id\": " << i << ", \"name\": \"" << name << "\"}";
      if (i + 1 < lines || name[0] != 'b') out << "\n";  // b.jsonl ends without a newline
    }
  }
  engine::TableDescriptor t;
  t.name = "files";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  t.options = {{"connector", "filesystem"}, {"path", (dir_ / "in").string()}, {"format", "json"}};
  auto source = Source(t);
  ASSERT_TRUE(source);
  ASSERT_EQ(source->num_splits(), 3);
  ExpectResumesReplayExactly(*source);
  // Splits are files in name order.
  std::vector<std::string> first = ReadSplit(*source, 0, nullptr);
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first[0].find("a.jsonl"), std::string::npos) << first[0];
}

TEST_F(CheckpointTest, CsvFileSourceResumes) {
  {
    std::ofstream out(dir_ / "x.csv");
    for (int i = 0; i < 300; ++i) out << i << ",\"n,\"\"" << i << "\"\"\"\n";
  }
  engine::TableDescriptor t;
  t.name = "csv";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  t.options = {{"connector", "filesystem"}, {"path", (dir_ / "x.csv").string()}, {"format", "csv"}};
  auto source = Source(t);
  ASSERT_TRUE(source);
  ExpectResumesReplayExactly(*source);
}

TEST_F(CheckpointTest, FileSourceRefusesAPositionOfAnotherFile) {
  fs::create_directories(dir_ / "in");
  std::ofstream(dir_ / "in" / "a.jsonl") << "{\"id\": 1}\n{\"id\": 2}\n";
  std::ofstream(dir_ / "in" / "b.jsonl") << "{\"id\": 3}\n";
  engine::TableDescriptor t;
  t.name = "files";
  t.schema = engine::Schema({{"id", DataType::kInt64}});
  t.metadata_keys = {""};
  t.options = {{"connector", "filesystem"}, {"path", (dir_ / "in").string()}, {"format", "json"}};
  auto source = Source(t);
  ASSERT_TRUE(source);
  auto reader = source->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  engine::Batch b(t.schema, 1);
  ASSERT_TRUE((*reader)->Read(&b).ok());
  auto pos = (*reader)->Position();
  ASSERT_TRUE(pos.ok());
  auto wrong = source->OpenSplitAt(1, *pos);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("files under 'path' changed"), std::string::npos);
  auto garbage = source->OpenSplitAt(0, "\x07zzz");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kUnsupported) << garbage.status().ToString();
}

TEST_F(CheckpointTest, DatagenResumesWithTheSameRows) {
  engine::TableDescriptor t;
  t.name = "gen";
  t.schema = engine::Schema(
      {{"id", DataType::kInt64}, {"v", DataType::kInt32}, {"d", DataType::kDouble}, {"s", DataType::kString}});
  t.metadata_keys = {"", "", "", ""};
  t.options = {{"connector", "datagen"},       {"number-of-rows", "700"}, {"rows-per-second", "0"},
               {"fields.id.kind", "sequence"}, {"fields.v.min", "-5"},    {"fields.v.max", "5"},
               {"fields.s.length", "21"}};
  auto source = Source(t);
  ASSERT_TRUE(source);
  ExpectResumesReplayExactly(*source);
}

TEST_F(CheckpointTest, NexmarkResumesWithTheSameEvents) {
  for (const char* table : {"bid", "person"}) {
    engine::TableDescriptor t;
    t.name = "nx";
    if (std::string(table) == "bid") {
      t.schema = engine::Schema({{"auction", DataType::kInt64},
                                 {"bidder", DataType::kInt64},
                                 {"price", DataType::kInt64},
                                 {"dateTime", DataType::kTimestamp}});
    } else {
      t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
    }
    t.metadata_keys.assign(t.schema.size(), "");
    t.options = {{"connector", "nexmark"}, {"nexmark.table", table}, {"events.num", "3000"}};
    auto source = Source(t);
    ASSERT_TRUE(source);
    ExpectResumesReplayExactly(*source, 3);
  }
}

TEST_F(CheckpointTest, LogTopicSourceResumesAtTheNextOffset) {
  log::TopicConfig config;
  config.partitions = 3;
  ASSERT_TRUE(log_->CreateTopic("in", config).ok());
  engine::TableDescriptor t;
  t.name = "topic_in";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  t.options = {{"connector", "topic"}, {"topic", "in"}, {"format", "json"}};
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  for (int64_t i = 0; i < 40; ++i) ASSERT_TRUE(sink->Write(Numbers(t.schema, i * 10, i * 10 + 10)).ok());
  ASSERT_TRUE(sink->Finish().ok());
  t.options["scan.bounded.mode"] = "latest-offset";
  auto source = Source(t);
  ASSERT_TRUE(source);
  ExpectResumesReplayExactly(*source);

  // A resumed bounded read keeps the end of the first run, not the current end.
  auto reader = source->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  engine::Batch b(t.schema, 3);
  ASSERT_TRUE((*reader)->Read(&b).ok());
  auto pos = (*reader)->Position();
  ASSERT_TRUE(pos.ok());
  std::vector<std::string> rest_before = ReadSplit(*source, 0, nullptr);
  for (int64_t i = 0; i < 10; ++i) ASSERT_TRUE(sink->Write(Numbers(t.schema, 1000 + i, 1001 + i)).ok());
  auto resumed = source->OpenSplitAt(0, *pos);
  ASSERT_TRUE(resumed.ok());
  size_t rest = 0;
  while (true) {
    engine::Batch out(t.schema, 64);
    auto st = (*resumed)->Read(&out);
    ASSERT_TRUE(st.ok());
    if (*st == engine::ReadStatus::kEndOfInput) break;
    rest += static_cast<size_t>(out.num_rows());
  }
  EXPECT_EQ(rest + 3, rest_before.size());
}

// Two writer threads write and pre-commit 15 checkpoints while a third
// thread commits each checkpoint once both handles are in, as the job does:
// commits overlap the writers' next rows. Returns the ids written.
std::multiset<int64_t> RunConcurrentCheckpoints(engine::Sink& sink, const engine::Schema& schema) {
  constexpr int kCheckpoints = 15;
  constexpr int kWriters = 2;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<std::string>> handles(kCheckpoints + 1, std::vector<std::string>(kWriters));
  std::vector<int> arrived(kCheckpoints + 1, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int c = 1; c <= kCheckpoints; ++c) {
        for (int k = 0; k < 5; ++k) {
          int64_t base = (int64_t{c} * 100 + k * 10) * kWriters + w * 1000000;
          engine::Batch b(schema, 10);
          for (int r = 0; r < 10; ++r) {
            b.column(0).data<int64_t>()[r] = base + r;
            b.column(0).SetValid(r);
            b.column(1).SetString(r, "x");
            b.column(1).SetValid(r);
          }
          b.set_num_rows(10);
          EXPECT_TRUE(sink.WriteFrom(w, b).ok());
        }
        auto h = sink.PreCommit(w, c);
        EXPECT_TRUE(h.ok());
        std::lock_guard lock(mu);
        handles[c][w] = h.ok() ? *h : "";
        ++arrived[c];
        cv.notify_all();
      }
    });
  }
  threads.emplace_back([&] {
    for (int c = 1; c <= kCheckpoints; ++c) {
      std::vector<std::string> hs;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return arrived[c] == kWriters; });
        hs = handles[c];
      }
      Status s = sink.Commit(c, hs);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  });
  for (auto& t : threads) t.join();
  std::multiset<int64_t> ids;
  for (int w = 0; w < kWriters; ++w) {
    for (int c = 1; c <= kCheckpoints; ++c) {
      for (int k = 0; k < 5; ++k) {
        int64_t base = (int64_t{c} * 100 + k * 10) * kWriters + w * 1000000;
        for (int r = 0; r < 10; ++r) ids.insert(base + r);
      }
    }
  }
  return ids;
}

// Visible output rows (ids) of the file sink's directory, and the hidden files left.
struct FileOutput {
  std::multiset<int64_t> ids;
  std::vector<std::string> hidden;
};

FileOutput ReadFileOutput(const fs::path& dir) {
  FileOutput out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name[0] == '.') {
      out.hidden.push_back(name);
      continue;
    }
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      auto at = line.find("\"id\":");
      if (at == std::string::npos) {
        ADD_FAILURE() << "bad line " << line;
        continue;
      }
      out.ids.insert(std::stoll(line.substr(at + 5)));
    }
  }
  return out;
}

std::multiset<int64_t> Range(int64_t from, int64_t to) {
  std::multiset<int64_t> s;
  for (int64_t i = from; i < to; ++i) s.insert(i);
  return s;
}

TEST_F(CheckpointTest, FileSinkPublishesExactlyTheCommittedCheckpointsAfterACrash) {
  engine::TableDescriptor t;
  t.name = "out";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  // Small parts: rolling closes files between checkpoints, and they must still wait.
  t.options = {{"connector", "filesystem"},
               {"path", (dir_ / "out").string()},
               {"format", "json"},
               {"sink.rolling-policy.file-size", "300"}};
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->transactional());
  // A checkpointed job starting afresh: nothing to recover, but rows stay hidden from the first one on.
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  int64_t next = 0;
  std::vector<std::string> handles(2);
  auto write_round = [&](int64_t rows_per_writer) {
    for (int w = 0; w < 2; ++w) {
      for (int64_t k = 0; k < rows_per_writer; k += 10) {
        ASSERT_TRUE(sink->WriteFrom(w, Numbers(t.schema, next, next + 10)).ok());
        next += 10;
      }
    }
  };
  for (int64_t checkpoint = 1; checkpoint <= 3; ++checkpoint) {
    int64_t before = next;
    write_round(40);
    for (int w = 0; w < 2; ++w) {
      auto h = sink->PreCommit(w, checkpoint);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      handles[w] = *h;
    }
    EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, before)) << "pre-committed parts stay hidden";
    ASSERT_TRUE(sink->Commit(checkpoint, handles).ok());
    EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, next));
  }
  // Checkpoint 4 is stored but the process dies before Commit, after writing more.
  write_round(30);
  int64_t stored_end = next;
  for (int w = 0; w < 2; ++w) {
    auto h = sink->PreCommit(w, 4);
    ASSERT_TRUE(h.ok());
    handles[w] = *h;
  }
  write_round(50);  // rows after the checkpoint: some rolled, some in the open parts
  sink.reset();
  EXPECT_FALSE(ReadFileOutput(dir_ / "out").hidden.empty());

  auto recovered = Sink(t);
  ASSERT_TRUE(recovered);
  ASSERT_TRUE(recovered->Recover(4, handles).ok());
  FileOutput out = ReadFileOutput(dir_ / "out");
  EXPECT_EQ(out.ids, Range(0, stored_end));
  EXPECT_TRUE(out.hidden.empty()) << out.hidden.size() << " hidden files left, e.g. " << out.hidden[0];
  // Committing again (the job's Commit after Recover, or a second recovery) changes nothing.
  ASSERT_TRUE(recovered->Commit(4, handles).ok());
  ASSERT_TRUE(recovered->Recover(4, handles).ok());
  EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, stored_end));

  // The recovered job carries on, and a bounded job's Finish publishes its tail.
  ASSERT_TRUE(recovered->WriteFrom(1, Numbers(t.schema, 5000, 5010)).ok());
  ASSERT_TRUE(recovered->Finish().ok());
  std::multiset<int64_t> expected = Range(0, stored_end);
  for (int64_t i = 5000; i < 5010; ++i) expected.insert(i);
  out = ReadFileOutput(dir_ / "out");
  EXPECT_EQ(out.ids, expected);
  EXPECT_TRUE(out.hidden.empty());
}

TEST_F(CheckpointTest, FileSinkCommitsWhileWritersWriteTheNextCheckpoint) {
  engine::TableDescriptor t;
  t.name = "out";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  t.options = {{"connector", "filesystem"},
               {"path", (dir_ / "out").string()},
               {"format", "json"},
               {"sink.rolling-policy.file-size", "500"}};
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  std::multiset<int64_t> expected = RunConcurrentCheckpoints(*sink, t.schema);
  FileOutput out = ReadFileOutput(dir_ / "out");
  EXPECT_EQ(out.ids, expected);
  EXPECT_TRUE(out.hidden.empty());
}

TEST_F(CheckpointTest, FileSinkWithoutCheckpointsPublishesOnRoll) {
  engine::TableDescriptor t;
  t.name = "out";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  t.metadata_keys = {"", ""};
  t.options = {{"connector", "filesystem"},
               {"path", (dir_ / "out").string()},
               {"format", "json"},
               {"sink.rolling-policy.file-size", "100"}};
  auto sink = Sink(t);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Write(Numbers(t.schema, 0, 10)).ok());
  EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, 10));
  ASSERT_TRUE(sink->Write(Numbers(t.schema, 10, 11)).ok());
  EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, 10));
  ASSERT_TRUE(sink->Finish().ok());
  EXPECT_EQ(ReadFileOutput(dir_ / "out").ids, Range(0, 11));
}

class LogTopicSinkTest : public CheckpointTest {
 protected:
  void SetUp() override {
    CheckpointTest::SetUp();
    log::TopicConfig config;
    config.partitions = 3;
    ASSERT_TRUE(log_->CreateTopic("out", config).ok());
    table_.name = "out_table";
    table_.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
    table_.metadata_keys = {"", ""};
    table_.options = {{"connector", "topic"}, {"topic", "out"}, {"format", "json"}};
  }

  // Every record of the topic, by id.
  std::multiset<int64_t> TopicIds() {
    engine::TableDescriptor t = table_;
    t.options["scan.bounded.mode"] = "latest-offset";
    auto source = Source(t);
    std::multiset<int64_t> ids;
    if (!source) return ids;
    for (int split = 0; split < source->num_splits(); ++split) {
      auto reader = source->OpenSplit(split);
      EXPECT_TRUE(reader.ok());
      while (true) {
        engine::Batch b(t.schema, 256);
        auto st = (*reader)->Read(&b);
        EXPECT_TRUE(st.ok());
        if (!st.ok() || *st == engine::ReadStatus::kEndOfInput) break;
        for (int r = 0; r < b.num_rows(); ++r) ids.insert(b.column(0).data<int64_t>()[r]);
      }
    }
    return ids;
  }

  std::vector<fs::path> StagingFiles() {
    std::vector<fs::path> out;
    if (!fs::exists(dir_ / "data" / "staging")) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "data" / "staging")) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
  }

  engine::TableDescriptor table_;
};

TEST_F(LogTopicSinkTest, CommittedCheckpointsAppearExactlyOnceAfterACrash) {
  auto sink = Sink(table_);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->transactional());
  ASSERT_TRUE(sink->Recover(0, {}).ok());  // a checkpointed job starting afresh
  int64_t next = 0;
  std::vector<std::string> handles(2);
  // Many small writes: more batches per producer and partition than the log's
  // five-batch duplicate window, so replays rely on the stored sequence.
  auto write_round = [&](int batches) {
    for (int w = 0; w < 2; ++w) {
      for (int k = 0; k < batches; ++k) {
        ASSERT_TRUE(sink->WriteFrom(w, Numbers(table_.schema, next, next + 3)).ok());
        next += 3;
      }
    }
  };
  for (int64_t checkpoint = 1; checkpoint <= 3; ++checkpoint) {
    int64_t before = next;
    write_round(12);
    for (int w = 0; w < 2; ++w) {
      auto h = sink->PreCommit(w, checkpoint);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      handles[w] = *h;
    }
    EXPECT_EQ(TopicIds(), Range(0, before)) << "staged rows stay invisible until Commit";
    ASSERT_TRUE(sink->Commit(checkpoint, handles).ok());
    EXPECT_EQ(TopicIds(), Range(0, next));
  }
  EXPECT_TRUE(StagingFiles().empty());

  write_round(30);  // ~10 batches per partition and writer
  int64_t stored_end = next;
  for (int w = 0; w < 2; ++w) {
    auto h = sink->PreCommit(w, 4);
    ASSERT_TRUE(h.ok());
    handles[w] = *h;
  }
  // A staging file survives its commit (as if the process died between the
  // append and the delete): the replayed Commit must skip every batch.
  std::vector<fs::path> staged = StagingFiles();
  ASSERT_EQ(staged.size(), 2u);
  fs::copy_file(staged[0], dir_ / "saved.batches");
  ASSERT_TRUE(sink->Commit(4, handles).ok());
  fs::copy_file(dir_ / "saved.batches", staged[0]);
  write_round(7);  // after the checkpoint: staged, never pre-committed
  sink.reset();
  EXPECT_EQ(TopicIds(), Range(0, stored_end));

  auto recovered = Sink(table_);
  ASSERT_TRUE(recovered);
  ASSERT_TRUE(recovered->Recover(4, handles).ok());
  EXPECT_EQ(TopicIds(), Range(0, stored_end)) << "no duplicates after the replayed commit";
  EXPECT_TRUE(StagingFiles().empty()) << StagingFiles().size() << " staging files left";
  ASSERT_TRUE(recovered->Commit(4, handles).ok());
  EXPECT_EQ(TopicIds(), Range(0, stored_end));

  // The recovered sink carries on; Finish publishes the tail of a bounded job.
  ASSERT_TRUE(recovered->WriteFrom(0, Numbers(table_.schema, 9000, 9005)).ok());
  auto h = recovered->PreCommit(0, 5);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(recovered->WriteFrom(0, Numbers(table_.schema, 9005, 9010)).ok());
  ASSERT_TRUE(recovered->Finish().ok());
  std::multiset<int64_t> expected = Range(0, stored_end);
  for (int64_t i = 9000; i < 9010; ++i) expected.insert(i);
  EXPECT_EQ(TopicIds(), expected);
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(LogTopicSinkTest, CommitsWhileWritersWriteTheNextCheckpoint) {
  auto sink = Sink(table_);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  std::multiset<int64_t> expected = RunConcurrentCheckpoints(*sink, table_.schema);
  EXPECT_EQ(TopicIds(), expected);
  EXPECT_TRUE(StagingFiles().empty());
}

TEST_F(LogTopicSinkTest, TruncatedStagingFileIsReportedAsCorruption) {
  auto sink = Sink(table_);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Recover(0, {}).ok());
  ASSERT_TRUE(sink->WriteFrom(0, Numbers(table_.schema, 0, 10)).ok());
  auto h = sink->PreCommit(0, 1);
  ASSERT_TRUE(h.ok());
  std::vector<fs::path> staged = StagingFiles();
  ASSERT_EQ(staged.size(), 1u);
  fs::resize_file(staged[0], fs::file_size(staged[0]) - 5);
  Status s = sink->Commit(1, {*h});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.ToString();
  EXPECT_TRUE(TopicIds().empty());
}

TEST_F(LogTopicSinkTest, WithoutCheckpointsRowsAreAppendedAtOnce) {
  auto sink = Sink(table_);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->Write(Numbers(table_.schema, 0, 25)).ok());
  EXPECT_EQ(TopicIds(), Range(0, 25));
  ASSERT_TRUE(sink->Finish().ok());
  EXPECT_TRUE(StagingFiles().empty());
}

}  // namespace
}  // namespace sluice::connectors
