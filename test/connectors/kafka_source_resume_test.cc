// The 'kafka' source against a real Kafka-protocol server (an in-process
// Sluice broker over a temporary log): a split read with resumes from
// Position() through OpenSplitAt() yields exactly the records of one
// uninterrupted read. Lives in test/ because it needs the broker, which
// src/connectors may not include.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "broker/broker.h"
#include "connectors/builtin_connectors.h"
#include "connectors/tests/split_reading.h"
#include "engine/batch.h"
#include "engine/sink.h"
#include "log/log.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using engine::DataType;

constexpr uint32_t kSeed = 917;
using connectors::test_support::Rows;

// Over TCP: larger batches, resumed at random points.
std::vector<std::string> ReadSplit(engine::Source& source, int split, std::mt19937* rng, int* resumes) {
  return connectors::test_support::ReadSplit(source, split, rng, resumes, /*max_batch=*/24);
}

TEST(KafkaSourceResumeTest, ResumedReadsYieldTheSameRecords) {
  std::printf("seed %u\n", kSeed);
  fs::path dir = fs::temp_directory_path() / ("sluice-kafka-resume-" + std::to_string(std::random_device{}()));
  {
    auto log = log::Log::Open(dir, log::LogOptions{});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log::TopicConfig config;
    config.partitions = 2;
    ASSERT_TRUE((*log)->CreateTopic("events", config).ok());

    engine::TableDescriptor t;
    t.name = "events_table";
    t.schema = engine::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
    t.metadata_keys = {"", ""};
    t.options = {{"connector", "topic"}, {"topic", "events"}, {"format", "json"}};
    engine::ConnectorRegistry local;
    connectors::RegisterBuiltinConnectors(local, connectors::ConnectorEnvironment{log->get(), ""});
    auto sink = local.CreateSink(t, {});
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (int64_t i = 0; i < 30; ++i) {
      engine::Batch b(t.schema, 5);
      for (int r = 0; r < 5; ++r) {
        b.column(0).data<int64_t>()[r] = i * 5 + r;
        b.column(0).SetValid(r);
        b.column(1).SetString(r, "n" + std::to_string(i * 5 + r));
        b.column(1).SetValid(r);
      }
      b.set_num_rows(5);
      ASSERT_TRUE((*sink)->Write(b).ok());
    }
    ASSERT_TRUE((*sink)->Finish().ok());

    broker::BrokerOptions options;
    options.advertised_port = 0;
    broker::KafkaServerOptions server;
    server.port = 0;
    broker::Broker broker(options, server, **log);
    ASSERT_TRUE(broker.Start().ok());

    engine::ConnectorRegistry remote;
    connectors::RegisterBuiltinConnectors(remote);
    t.options = {{"connector", "kafka"},
                 {"topic", "events"},
                 {"format", "json"},
                 {"scan.bounded.mode", "latest-offset"},
                 {"properties.bootstrap.servers", "127.0.0.1:" + std::to_string(broker.port())}};
    auto source = remote.CreateSource(t, {});
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    ASSERT_EQ((*source)->num_splits(), 2);
    std::mt19937 rng(kSeed);
    size_t total = 0;
    for (int split = 0; split < 2; ++split) {
      int unused = 0;
      std::vector<std::string> whole = ReadSplit(**source, split, nullptr, &unused);
      total += whole.size();
      int resumes = 0;
      std::vector<std::string> pieces = ReadSplit(**source, split, &rng, &resumes);
      EXPECT_EQ(pieces, whole) << "split " << split << ", " << resumes << " resumes, seed " << kSeed;
      EXPECT_GT(resumes, 0);
    }
    EXPECT_EQ(total, 150u);

    // Starting from a group's committed offsets (none yet: the earliest), a
    // reader's position before its first read is already a real offset.
    t.options["scan.startup.mode"] = "group-offsets";
    t.options["properties.group.id"] = "resume-test";
    auto grouped = remote.CreateSource(t, {});
    ASSERT_TRUE(grouped.ok()) << grouped.status().ToString();
    int unused = 0;
    std::vector<std::string> whole = ReadSplit(**grouped, 0, nullptr, &unused);
    auto fresh = (*grouped)->OpenSplit(0);
    ASSERT_TRUE(fresh.ok());
    auto pos = (*fresh)->Position();
    ASSERT_TRUE(pos.ok());
    fresh->reset();
    auto resumed = (*grouped)->OpenSplitAt(0, *pos);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    std::vector<std::string> again;
    while (true) {
      engine::Batch b(t.schema, 64);
      auto st = (*resumed)->Read(&b);
      ASSERT_TRUE(st.ok());
      if (*st == engine::ReadStatus::kEndOfInput) break;
      for (auto& row : Rows(b)) again.push_back(std::move(row));
    }
    EXPECT_EQ(again, whole);
    broker.Stop();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice
