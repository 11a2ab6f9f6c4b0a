#include "cli/group_offsets_query.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::cli {
namespace {

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};

// Committed offsets of `group` for the given topics' partitions, using a
// consumer handle that never joins the group (so it disturbs no one).
Result<std::vector<GroupLag>> Committed(const ClientOptions& options, const std::string& group,
                                        const std::vector<TopicInfo>& topics) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_CONSUMER, options, {{"group.id", group}}));
  std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> list(rd_kafka_topic_partition_list_new(8));
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) rd_kafka_topic_partition_list_add(list.get(), t.name.c_str(), p.id);
  }
  std::vector<GroupLag> out;
  if (list->cnt == 0) return out;
  rd_kafka_resp_err_t e = rd_kafka_committed(rk.get(), list.get(), static_cast<int>(options.timeout.count()));
  if (e) return KafkaError(e, "cannot read committed offsets of group " + group);
  size_t i = 0;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      const auto& tp = list->elems[i++];
      if (tp.err || tp.offset < 0) continue;
      out.push_back({group, t.name, p.id, tp.offset, std::max<int64_t>(0, p.high - tp.offset)});
    }
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

}  // namespace

Result<std::vector<GroupInfo>> ListGroupInfos(const ClientOptions& options, const std::string& only_group) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, options));
  const rd_kafka_group_list* groups = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_list_groups(rk.get(), only_group.empty() ? nullptr : only_group.c_str(), &groups,
                                               static_cast<int>(options.timeout.count()));
  if (e) return KafkaError(e, "cannot list consumer groups on " + options.bootstrap);
  std::vector<GroupInfo> out;
  for (int i = 0; i < groups->group_cnt; ++i) {
    const auto& g = groups->groups[i];
    GroupInfo info{g.group, g.state ? g.state : "", g.protocol ? g.protocol : "", {}};
    for (int m = 0; m < g.member_cnt; ++m) {
      info.members.push_back({g.members[m].member_id, g.members[m].client_id, g.members[m].client_host});
    }
    out.push_back(std::move(info));
  }
  rd_kafka_group_list_destroy(groups);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group < b.group; });
  return out;
}

Result<std::vector<GroupLag>> GroupLagsForTopic(const ClientOptions& options, const TopicInfo& topic) {
  SLUICE_ASSIGN_OR_RETURN(auto groups, ListGroupInfos(options));
  std::vector<GroupLag> out;
  for (const auto& g : groups) {
    SLUICE_ASSIGN_OR_RETURN(auto lags, Committed(options, g.group, {topic}));
    out.insert(out.end(), lags.begin(), lags.end());
  }
  return out;
}

Result<std::vector<GroupLag>> GroupLags(const ClientOptions& options, const std::string& group) {
  SLUICE_ASSIGN_OR_RETURN(auto rk, CreateClient(RD_KAFKA_PRODUCER, options));
  SLUICE_ASSIGN_OR_RETURN(auto topics, ListTopics(rk.get(), options));
  std::vector<TopicInfo> described;
  for (const auto& t : topics) {
    SLUICE_ASSIGN_OR_RETURN(auto d, DescribeTopic(rk.get(), t.name, options));
    described.push_back(std::move(d));
  }
  return Committed(options, group, described);
}

}  // namespace sluice::cli
