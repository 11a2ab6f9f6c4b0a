#pragma once

#include <string>
#include <vector>

#include "cli/kafka_client.h"
#include "common/result.h"

namespace sluice::cli {

struct GroupMemberInfo {
  std::string member_id;
  std::string client_id;
  std::string client_host;
};
struct GroupInfo {
  std::string group;
  std::string state;
  std::string protocol;
  std::vector<GroupMemberInfo> members;
};

// Every consumer group known to the cluster (ListGroups + DescribeGroups).
Result<std::vector<GroupInfo>> ListGroupInfos(const ClientOptions& options, const std::string& only_group = "");

struct GroupLag {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t lag = 0;  // end offset - committed
};

// Committed offsets and lag of every group on `topic` (groups without a
// commit on it are left out).
Result<std::vector<GroupLag>> GroupLagsForTopic(const ClientOptions& options, const TopicInfo& topic);
// Committed offsets and lag of `group` on every topic.
Result<std::vector<GroupLag>> GroupLags(const ClientOptions& options, const std::string& group);

}  // namespace sluice::cli
