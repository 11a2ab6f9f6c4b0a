#include "connectors/topic_connector.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <random>
#include <set>

#include "connectors/builtin_connectors.h"
#include "connectors/kafka_partitioner.h"
#include "engine/job.h"
#include "engine/pipeline.h"
#include "engine/sink.h"
#include "log/log.h"
#include "log/record_batch.h"

namespace sluice::connectors {
namespace {

namespace fs = std::filesystem;
using engine::DataType;

TEST(KafkaPartitionerTest, MatchesLibrdkafkasMurmur2Partitioner) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string key(rng() % 40, 'x');
    for (auto& c : key) c = static_cast<char>(rng());
    int32_t n = 1 + static_cast<int32_t>(rng() % 64);
    int32_t theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), n, nullptr, nullptr);
    ASSERT_EQ(KafkaPartitionForKey(key, n), theirs) << "key of " << key.size() << " bytes, " << n << " partitions";
  }
}

class TopicConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-topic-test-" + std::to_string(std::random_device{}()));
    auto log = log::Log::Open(dir_, log::LogOptions{});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    log::TopicConfig config;
    config.partitions = 3;
    ASSERT_TRUE(log_->CreateTopic("events", config).ok());
    RegisterBuiltinConnectors(registry_, ConnectorEnvironment{log_.get(), ""});
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }

  engine::TableDescriptor Table(std::vector<engine::Field> fields, std::vector<std::string> metadata,
                                std::map<std::string, std::string> extra = {}) {
    engine::TableDescriptor t;
    t.name = "events_table";
    t.schema = engine::Schema(std::move(fields));
    t.metadata_keys = std::move(metadata);
    t.options = {{"connector", "topic"}, {"topic", "events"}, {"format", "json"}};
    for (auto& [k, v] : extra) t.options[k] = v;
    return t;
  }

  fs::path dir_;
  std::unique_ptr<log::Log> log_;
  engine::ConnectorRegistry registry_;
};

TEST_F(TopicConnectorTest, RowsWrittenByKeyAreReadBackWithMetadata) {
  // Write 300 rows keyed by user through the sink.
  auto sink_table = Table({{"user", DataType::kString}, {"n", DataType::kInt64}}, {"", ""},
                          {{"key.fields", "user"}, {"key.format", "raw"}});
  auto sink = registry_.CreateSink(sink_table, {});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  engine::Batch batch(sink_table.schema, 512);
  for (int i = 0; i < 300; ++i) {
    batch.column(0).SetString(i, "u" + std::to_string(i % 7));
    batch.column(0).SetValid(i);
    batch.column(1).data<int64_t>()[i] = i;
    batch.column(1).SetValid(i);
  }
  batch.set_num_rows(300);
  ASSERT_TRUE((*sink)->Write(batch).ok());
  ASSERT_TRUE((*sink)->Finish().ok());

  // Read them back, bounded at the current end, with metadata columns.
  auto source_table = Table({{"user", DataType::kString},
                             {"n", DataType::kInt64},
                             {"k", DataType::kString},
                             {"p", DataType::kInt32},
                             {"off", DataType::kInt64}},
                            {"", "", "key", "partition", "offset"}, {{"scan.bounded.mode", "latest-offset"}});
  auto source = registry_.CreateSource(source_table, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->num_splits(), 3);
  engine::CollectingSink collect;
  auto job = engine::Pipeline().From(*source).To(&collect).Build(engine::JobConfig{.workers = 2});
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE((*job)->Run().ok());
  auto rows = collect.rows();
  ASSERT_EQ(rows.size(), 300u);
  std::set<int64_t> ns;
  std::map<std::string, int32_t> partition_of_user;
  for (const auto& r : rows) {
    ns.insert(r.values[1].i);
    EXPECT_EQ(r.values[0].s, r.values[2].s) << "the key is the user";
    int32_t p = static_cast<int32_t>(r.values[3].i);
    EXPECT_EQ(p, KafkaPartitionForKey(r.values[0].s, 3));
    auto [it, fresh] = partition_of_user.emplace(r.values[0].s, p);
    EXPECT_EQ(it->second, p);
  }
  EXPECT_EQ(ns.size(), 300u);
}

TEST_F(TopicConnectorTest, UndecodableRecordsAreSkippedAndCounted) {
  auto part = log_->GetPartition("events", PartitionId{0});
  ASSERT_TRUE(part.ok());
  log::RecordBatchBuilder b;
  b.Add(1000, std::nullopt, R"({"n": 1})");
  b.Add(1001, std::nullopt, R"({"n": "one"})");
  b.Add(1002, std::nullopt, R"(not json)");
  b.Add(1003, std::nullopt, R"({"n": 4})");
  std::string wire;
  ASSERT_TRUE(b.Finish(&wire).ok());
  ASSERT_TRUE((*part)->Append(std::span<uint8_t>(reinterpret_cast<uint8_t*>(wire.data()), wire.size())).ok());

  auto table = Table({{"n", DataType::kInt64}, {"ts", DataType::kTimestamp}}, {"", "timestamp"},
                     {{"scan.bounded.mode", "latest-offset"}});
  auto source = registry_.CreateSource(table, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto reader = (*source)->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  engine::Batch out(table.schema, 64);
  auto st = (*reader)->Read(&out);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_EQ(out.num_rows(), 2);
  EXPECT_EQ(out.column(0).data<int64_t>()[1], 4);
  EXPECT_EQ(out.column(1).data<int64_t>()[1], 1003);
  EXPECT_EQ((*reader)->bad_records(), 2);
  out.Clear();
  st = (*reader)->Read(&out);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, engine::ReadStatus::kEndOfInput);
}

TEST_F(TopicConnectorTest, OptionErrorsNameTheOption) {
  auto t = Table({{"n", DataType::kInt64}}, {""}, {{"scan.startup.mode", "group-offsets"}});
  auto s = registry_.CreateSource(t, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("properties.group.id"), std::string::npos) << s.status().message();
  auto bad_meta = Table({{"n", DataType::kInt64}, {"x", DataType::kString}}, {"", "headerz"});
  s = registry_.CreateSource(bad_meta, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unknown metadata key 'headerz'"), std::string::npos);
  auto missing = Table({{"n", DataType::kInt64}}, {""});
  missing.options["topic"] = "nope";
  s = registry_.CreateSource(missing, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice::connectors
