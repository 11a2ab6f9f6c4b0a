#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/messages/group_messages.h"
#include "broker/protocol/error_code.h"

namespace sluice::broker {

struct GroupCoordinatorOptions {
  std::chrono::milliseconds min_session_timeout{1000};
  std::chrono::milliseconds max_session_timeout{30 * 60 * 1000};
  // How long a rebalance of an empty group waits for more members before
  // completing (Kafka's group.initial.rebalance.delay.ms). Short by default:
  // Sluice mostly runs on one laptop where consumers start one at a time.
  std::chrono::milliseconds initial_rebalance_delay{100};
  // The clock; tests drive a fake one.
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

// The classic Kafka group membership protocol (JoinGroup / SyncGroup /
// Heartbeat / LeaveGroup) for every group on this server: the state machine
// Empty → PreparingRebalance → CompletingRebalance → Stable, member ids,
// generations, session timeouts and rebalances when members come and go.
// Committed offsets are not kept here; they live in the log (GroupOffsets).
//
// JoinGroup and SyncGroup answer later (when the rebalance completes, or the
// leader's assignment arrives), so they take a completion callback. Callbacks
// are always invoked without the coordinator's lock held, possibly from
// another request's thread or from Tick().
//
// Thread-safety: thread-safe (one mutex; no I/O under it).
// Time: nothing happens by itself; the owner calls Tick() periodically
// (the server every 100 ms) to expire sessions and finish rebalances.
class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(const JoinGroupResponse&)>;
  using SyncCallback = std::function<void(const SyncGroupResponse&)>;

  explicit GroupCoordinator(GroupCoordinatorOptions options = {});
  ~GroupCoordinator();

  void JoinGroup(const JoinGroupRequest& req, int16_t version, const std::string& client_id,
                 const std::string& client_host, JoinCallback done);
  void SyncGroup(const SyncGroupRequest& req, SyncCallback done);
  ErrorCode Heartbeat(const HeartbeatRequest& req);
  ErrorCode LeaveGroup(const LeaveGroupRequest& req);
  // Whether an OffsetCommit from (generation, member) may be accepted:
  // generation -1 from outside any live group (simple consumers, `kcat -o`)
  // is fine; a live group requires its current generation and a known member.
  ErrorCode ValidateOffsetCommit(const std::string& group_id, int32_t generation_id, const std::string& member_id);

  std::vector<DescribedGroup> Describe(const std::vector<std::string>& group_ids);
  // Every group that currently has state in the coordinator.
  std::vector<ListedGroup> List();

  // Expires members whose session timed out and completes rebalances whose
  // deadline passed.
  void Tick();

 private:
  struct Member;
  struct Group;
  using Actions = std::vector<std::function<void()>>;

  Group& GetOrCreate(const std::string& group_id);
  void PrepareRebalance(Group& g, Actions& actions);
  void MaybeCompleteJoin(Group& g, Actions& actions);
  void CompleteJoin(Group& g, Actions& actions);
  void RemoveMember(Group& g, const std::string& member_id, Actions& actions);
  JoinGroupResponse JoinResponseFor(const Group& g, const Member& m) const;
  static void Run(Actions& actions);

  GroupCoordinatorOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  uint64_t next_member_seq_ = 0;
};

}  // namespace sluice::broker
