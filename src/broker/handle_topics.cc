// Metadata, ListOffsets, CreateTopics, DeleteTopics: what topics exist and
// where their partitions start and end.

#include <fmt/format.h>

#include <algorithm>

#include "broker/kafka_handler.h"
#include "broker/kafka_request.h"
#include "broker/messages/describe_log_dirs.h"
#include "broker/messages/list_offsets.h"
#include "broker/messages/metadata.h"
#include "broker/messages/topic_admin_messages.h"
#include "common/logging.h"
#include "log/log.h"

namespace sluice::broker {
namespace {

MetadataTopic DescribeForMetadata(const log::Log& log, const std::string& name, int32_t node_id) {
  MetadataTopic t;
  t.name = name;
  auto config = log.DescribeTopic(name);
  if (!config.ok()) {
    t.error = config.status().code() == StatusCode::kInvalidArgument ? ErrorCode::kInvalidTopicException
                                                                     : ErrorCode::kUnknownTopicOrPartition;
    return t;
  }
  for (int32_t p = 0; p < config->partitions; ++p) {
    t.partitions.push_back({ErrorCode::kNone, p, node_id, {node_id}, {node_id}});
  }
  return t;
}

}  // namespace

Status KafkaHandler::HandleMetadata(const RequestPtr& req) {
  MetadataRequest m = DecodeMetadataRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();

  MetadataResponse resp;
  resp.brokers.push_back({options_.node_id, options_.advertised_host, options_.advertised_port});
  resp.cluster_id = options_.cluster_id;
  resp.controller_id = options_.node_id;
  if (!m.topics) {
    for (const auto& name : log_.ListTopics()) resp.topics.push_back(DescribeForMetadata(log_, name, options_.node_id));
  } else {
    // Before v4 there is no flag and brokers auto-create by their own setting.
    bool may_create = options_.auto_create_topics && m.allow_auto_topic_creation;
    for (std::string_view name_view : *m.topics) {
      std::string name(name_view);
      MetadataTopic t = DescribeForMetadata(log_, name, options_.node_id);
      if (t.error == ErrorCode::kUnknownTopicOrPartition && may_create) {
        log::TopicConfig config;
        config.partitions = options_.default_partitions;
        Status s = log_.CreateTopic(name, config);
        if (s.ok() || s.code() == StatusCode::kAlreadyExists) {
          if (s.ok()) SLUICE_LOG_INFO("kafka", "auto-created topic {} with {} partition(s)", name, config.partitions);
          t = DescribeForMetadata(log_, name, options_.node_id);
        } else {
          t.error = ErrorCodeFor(s, ErrorCode::kInvalidTopicException);
        }
      }
      resp.topics.push_back(std::move(t));
    }
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeMetadataResponse(w, v, resp); });
  return Status::Ok();
}

Status KafkaHandler::HandleListOffsets(const RequestPtr& req) {
  ListOffsetsRequest lo = DecodeListOffsetsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  ListOffsetsResponse resp;
  for (const auto& t : lo.topics) {
    ListOffsetsTopicResponse tr;
    tr.name = std::string(t.name);
    for (const auto& p : t.partitions) {
      ListOffsetsPartitionResponse pr;
      pr.index = p.index;
      auto part = log_.GetPartition(t.name, PartitionId{p.index});
      if (!part.ok()) {
        pr.error = ErrorCodeFor(part.status());
      } else if (p.timestamp == kEarliestTimestamp) {
        pr.offset = (*part)->log_start_offset().value();
      } else if (p.timestamp == kLatestTimestamp) {
        pr.offset = (*part)->high_watermark().value();
      } else {
        auto off = (*part)->OffsetForTimestamp(p.timestamp);
        if (off.ok()) {
          pr.offset = off->value();
          pr.timestamp = p.timestamp;
        } else {
          pr.error = ErrorCodeFor(off.status());
        }
      }
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeListOffsetsResponse(w, v, resp); });
  return Status::Ok();
}

Status KafkaHandler::HandleCreateTopics(const RequestPtr& req) {
  CreateTopicsRequest ct = DecodeCreateTopicsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  std::vector<TopicResult> results;
  for (const auto& t : ct.topics) {
    TopicResult r;
    r.name = t.name;
    int32_t partitions = t.num_partitions == -1 ? options_.default_partitions : t.num_partitions;
    if (t.replication_factor != -1 && t.replication_factor != 1) {
      r.error = ErrorCode::kInvalidReplicationFactor;
      r.message = fmt::format(
          "replication factor {} requested, but a Sluice server holds one copy of each "
          "partition; use 1 (or -1 for the default)",
          t.replication_factor);
    } else if (t.has_manual_assignment) {
      r.error = ErrorCode::kInvalidRequest;
      r.message = "manual replica assignment is not supported by a single Sluice server";
    } else if (partitions <= 0) {
      r.error = ErrorCode::kInvalidPartitions;
      r.message = fmt::format("number of partitions must be at least 1, got {}", partitions);
    } else {
      auto config = log::TopicConfig::FromConfigs(partitions, t.configs);
      Status s = config.ok() ? (ct.validate_only ? Status::Ok() : log_.CreateTopic(t.name, *config)) : config.status();
      if (!config.ok()) {
        r.error = ErrorCode::kInvalidConfig;
      } else if (s.code() == StatusCode::kInvalidArgument) {
        r.error = ErrorCode::kInvalidTopicException;
      } else {
        r.error = ErrorCodeFor(s);
      }
      if (!s.ok()) r.message = s.message();
      if (s.ok() && !ct.validate_only)
        SLUICE_LOG_INFO("kafka", "created topic {} with {} partition(s)", t.name, partitions);
    }
    results.push_back(std::move(r));
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeCreateTopicsResponse(w, v, results); });
  return Status::Ok();
}

Status KafkaHandler::HandleDeleteTopics(const RequestPtr& req) {
  DeleteTopicsRequest dt = DecodeDeleteTopicsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  std::vector<TopicResult> results;
  for (const auto& name : dt.names) {
    Status s = log_.DeleteTopic(name);
    if (s.ok()) SLUICE_LOG_INFO("kafka", "deleted topic {}", name);
    results.push_back({name, ErrorCodeFor(s), std::nullopt});
  }
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeDeleteTopicsResponse(w, v, results); });
  return Status::Ok();
}

Status KafkaHandler::HandleDescribeLogDirs(const RequestPtr& req) {
  DescribeLogDirsRequest dl = DecodeDescribeLogDirsRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  LogDirResult dir;
  dir.log_dir = log_.data_dir().string();
  auto add_topic = [&](const std::string& name, const std::vector<int32_t>* only) {
    auto config = log_.DescribeTopic(name);
    if (!config.ok()) return;  // Kafka leaves unknown partitions out
    LogDirTopic t;
    t.name = name;
    for (int32_t p = 0; p < config->partitions; ++p) {
      if (only && std::find(only->begin(), only->end(), p) == only->end()) continue;
      auto part = log_.GetPartition(name, PartitionId{p});
      if (part.ok()) t.partitions.push_back({p, (*part)->size_bytes()});
    }
    dir.topics.push_back(std::move(t));
  };
  if (!dl.topics) {
    for (const auto& name : log_.ListTopics()) add_topic(name, nullptr);
  } else {
    for (const auto& t : *dl.topics) add_topic(t.name, &t.partitions);
  }
  std::vector<LogDirResult> results{std::move(dir)};
  int16_t v = req->version();
  req->Reply([&](WireWriter& w) { EncodeDescribeLogDirsResponse(w, v, results); });
  return Status::Ok();
}

}  // namespace sluice::broker
