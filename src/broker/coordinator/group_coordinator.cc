#include "broker/coordinator/group_coordinator.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/logging.h"

namespace sluice::broker {

using Clock = std::chrono::steady_clock;

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

namespace {

const char* StateName(GroupState s) {
  switch (s) {
    case GroupState::kEmpty: return "Empty";
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
  }
  return "Dead";
}

}  // namespace

struct GroupCoordinator::Member {
  std::string id;
  std::string client_id;
  std::string client_host;
  std::optional<std::string> group_instance_id;
  std::chrono::milliseconds session_timeout{0};
  std::chrono::milliseconds rebalance_timeout{0};
  std::vector<JoinGroupProtocol> protocols;
  std::string assignment;
  Clock::time_point last_heartbeat;
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  int16_t join_version = 0;

  const std::string* MetadataFor(const std::string& protocol) const {
    for (const auto& p : protocols) {
      if (p.name == protocol) return &p.metadata;
    }
    return nullptr;
  }
};

struct GroupCoordinator::Group {
  std::string id;
  GroupState state = GroupState::kEmpty;
  int32_t generation = 0;
  std::string protocol_type;
  std::string protocol;
  std::string leader;
  std::map<std::string, Member> members;  // ordered: the first joiner leads when the leader leaves
  std::vector<std::string> join_order;
  // Member ids handed out with MEMBER_ID_REQUIRED, waiting for the rejoin.
  std::map<std::string, Clock::time_point> pending_members;
  Clock::time_point rebalance_deadline;
  bool initial_rebalance = false;
};

GroupCoordinator::GroupCoordinator(GroupCoordinatorOptions options) : options_(std::move(options)) {}
GroupCoordinator::~GroupCoordinator() = default;

void GroupCoordinator::Run(Actions& actions) {
  for (auto& a : actions) a();
  actions.clear();
}

GroupCoordinator::Group& GroupCoordinator::GetOrCreate(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<Group>();
    slot->id = group_id;
  }
  return *slot;
}

JoinGroupResponse GroupCoordinator::JoinResponseFor(const Group& g, const Member& m) const {
  JoinGroupResponse r;
  r.generation_id = g.generation;
  r.protocol_name = g.protocol;
  r.leader = g.leader;
  r.member_id = m.id;
  if (m.id == g.leader) {
    for (const auto& id : g.join_order) {
      const Member& other = g.members.at(id);
      const std::string* md = other.MetadataFor(g.protocol);
      r.members.push_back({other.id, other.group_instance_id, md ? *md : std::string()});
    }
  }
  return r;
}

void GroupCoordinator::PrepareRebalance(Group& g, Actions& actions) {
  // Members waiting for their assignment will not get one from this
  // generation: tell them to rejoin.
  for (auto& [id, m] : g.members) {
    if (m.awaiting_sync) {
      SyncGroupResponse resp;
      resp.error = ErrorCode::kRebalanceInProgress;
      actions.push_back([cb = std::move(m.awaiting_sync), resp] { cb(resp); });
      m.awaiting_sync = nullptr;
    }
  }
  auto now = options_.now();
  g.initial_rebalance = g.state == GroupState::kEmpty;
  if (g.initial_rebalance) {
    g.rebalance_deadline = now + options_.initial_rebalance_delay;
  } else {
    std::chrono::milliseconds longest{0};
    for (const auto& [id, m] : g.members) longest = std::max(longest, m.rebalance_timeout);
    g.rebalance_deadline = now + longest;
  }
  g.state = GroupState::kPreparingRebalance;
  SLUICE_LOG_DEBUG("group", "group {} preparing rebalance (generation {}, {} members)", g.id, g.generation,
                   g.members.size());
}

void GroupCoordinator::MaybeCompleteJoin(Group& g, Actions& actions) {
  if (g.state != GroupState::kPreparingRebalance) return;
  bool all_joined = std::all_of(g.members.begin(), g.members.end(),
                                [](const auto& kv) { return static_cast<bool>(kv.second.awaiting_join); });
  if (!all_joined) return;
  // The first rebalance of an empty group waits out the initial delay (Tick
  // completes it), so that consumers starting together land in one generation.
  if (g.initial_rebalance && options_.now() < g.rebalance_deadline) return;
  CompleteJoin(g, actions);
}

void GroupCoordinator::CompleteJoin(Group& g, Actions& actions) {
  // Members that did not rejoin in time are out.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second.awaiting_join) {
      SLUICE_LOG_INFO("group", "group {}: member {} did not rejoin in time; removed", g.id, it->first);
      g.join_order.erase(std::remove(g.join_order.begin(), g.join_order.end(), it->first), g.join_order.end());
      it = g.members.erase(it);
    } else {
      ++it;
    }
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = GroupState::kEmpty;
    g.protocol.clear();
    g.leader.clear();
    return;
  }
  // The protocol every member supports, preferring the members' first choices.
  std::map<std::string, int> votes;
  std::set<std::string> common;
  bool first = true;
  for (const auto& [id, m] : g.members) {
    std::set<std::string> names;
    for (const auto& p : m.protocols) names.insert(p.name);
    if (first) {
      common = names;
      first = false;
    } else {
      std::set<std::string> both;
      std::set_intersection(common.begin(), common.end(), names.begin(), names.end(),
                            std::inserter(both, both.begin()));
      common = std::move(both);
    }
  }
  for (const auto& [id, m] : g.members) {
    for (const auto& p : m.protocols) {
      if (common.count(p.name)) {
        ++votes[p.name];
        break;
      }
    }
  }
  g.protocol.clear();
  int best = -1;
  for (const auto& [name, n] : votes) {
    if (n > best) {
      best = n;
      g.protocol = name;
    }
  }
  if (!g.members.count(g.leader)) g.leader = g.join_order.front();
  g.state = GroupState::kCompletingRebalance;
  auto now = options_.now();
  for (auto& [id, m] : g.members) {
    m.last_heartbeat = now;
    JoinGroupResponse resp = JoinResponseFor(g, m);
    actions.push_back([cb = std::move(m.awaiting_join), resp = std::move(resp)] { cb(resp); });
    m.awaiting_join = nullptr;
  }
  SLUICE_LOG_INFO("group", "group {} generation {}: {} member(s), protocol {}, leader {}", g.id, g.generation,
                  g.members.size(), g.protocol, g.leader);
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, Actions& actions) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  Member& m = it->second;
  if (m.awaiting_join) {
    JoinGroupResponse resp;
    resp.error = ErrorCode::kUnknownMemberId;
    resp.member_id = member_id;
    actions.push_back([cb = std::move(m.awaiting_join), resp] { cb(resp); });
  }
  if (m.awaiting_sync) {
    SyncGroupResponse resp;
    resp.error = ErrorCode::kUnknownMemberId;
    actions.push_back([cb = std::move(m.awaiting_sync), resp] { cb(resp); });
  }
  g.members.erase(it);
  g.join_order.erase(std::remove(g.join_order.begin(), g.join_order.end(), member_id), g.join_order.end());
  switch (g.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      if (g.members.empty()) {
        ++g.generation;
        g.state = GroupState::kEmpty;
        g.protocol.clear();
        g.leader.clear();
      } else {
        PrepareRebalance(g, actions);
      }
      break;
    case GroupState::kPreparingRebalance: MaybeCompleteJoin(g, actions); break;
    case GroupState::kEmpty: break;
  }
}

void GroupCoordinator::JoinGroup(const JoinGroupRequest& req, int16_t version, const std::string& client_id,
                                 const std::string& client_host, JoinCallback done) {
  Actions actions;
  auto fail = [&](ErrorCode e, std::string member_id = {}) {
    JoinGroupResponse resp;
    resp.error = e;
    resp.member_id = std::move(member_id);
    actions.push_back([done = std::move(done), resp] { done(resp); });
  };
  {
    std::lock_guard lock(mu_);
    auto session = std::chrono::milliseconds(req.session_timeout_ms);
    if (req.group_id.empty()) {
      fail(ErrorCode::kInvalidGroupId);
    } else if (session < options_.min_session_timeout || session > options_.max_session_timeout) {
      fail(ErrorCode::kInvalidSessionTimeout, req.member_id);
    } else if (req.protocols.empty() || req.protocol_type.empty()) {
      fail(ErrorCode::kInconsistentGroupProtocol, req.member_id);
    } else {
      Group& g = GetOrCreate(req.group_id);
      bool type_ok = g.members.empty() || g.protocol_type == req.protocol_type;
      bool protocol_ok = true;
      if (!g.members.empty()) {
        // At least one of the joiner's protocols must be supported by every member.
        protocol_ok = std::any_of(req.protocols.begin(), req.protocols.end(), [&](const JoinGroupProtocol& p) {
          return std::all_of(g.members.begin(), g.members.end(), [&](const auto& kv) {
            return kv.first == req.member_id || kv.second.MetadataFor(p.name) != nullptr;
          });
        });
      }
      if (!type_ok || !protocol_ok) {
        fail(ErrorCode::kInconsistentGroupProtocol, req.member_id);
      } else if (req.member_id.empty() && version >= 4) {
        // KIP-394: hand out an id and make the client come back with it, so
        // that a client that times out mid-join does not leave a ghost member.
        std::string id = fmt::format("{}-{}-{:08x}", client_id.empty() ? "member" : client_id, ++next_member_seq_,
                                     std::random_device{}());
        g.pending_members[id] = options_.now();
        fail(ErrorCode::kMemberIdRequired, id);
      } else {
        std::string member_id = req.member_id;
        bool known = g.members.count(member_id) > 0;
        bool pending = g.pending_members.erase(member_id) > 0;
        if (member_id.empty()) {
          member_id = fmt::format("{}-{}-{:08x}", client_id.empty() ? "member" : client_id, ++next_member_seq_,
                                  std::random_device{}());
        } else if (!known && !pending) {
          fail(ErrorCode::kUnknownMemberId, member_id);
          member_id.clear();
        }
        if (!member_id.empty()) {
          if (g.members.empty()) g.protocol_type = req.protocol_type;
          Member& m = g.members[member_id];
          bool protocols_changed =
              !known || m.protocols.size() != req.protocols.size() ||
              !std::equal(m.protocols.begin(), m.protocols.end(), req.protocols.begin(),
                          [](const auto& a, const auto& b) { return a.name == b.name && a.metadata == b.metadata; });
          if (!known) {
            m.id = member_id;
            g.join_order.push_back(member_id);
          }
          m.client_id = client_id;
          m.client_host = client_host;
          m.group_instance_id = req.group_instance_id;
          m.session_timeout = session;
          m.rebalance_timeout = std::chrono::milliseconds(req.rebalance_timeout_ms);
          m.protocols = req.protocols;
          m.last_heartbeat = options_.now();
          m.join_version = version;
          switch (g.state) {
            case GroupState::kEmpty:
            case GroupState::kPreparingRebalance:
              m.awaiting_join = std::move(done);
              if (g.state == GroupState::kEmpty) PrepareRebalance(g, actions);
              MaybeCompleteJoin(g, actions);
              break;
            case GroupState::kCompletingRebalance:
            case GroupState::kStable:
              if (!protocols_changed && member_id != g.leader) {
                // A follower rejoining with nothing new: resend its current view.
                JoinGroupResponse resp = JoinResponseFor(g, m);
                actions.push_back([done = std::move(done), resp] { done(resp); });
              } else {
                m.awaiting_join = std::move(done);
                PrepareRebalance(g, actions);
                MaybeCompleteJoin(g, actions);
              }
              break;
          }
        }
      }
    }
  }
  Run(actions);
}

void GroupCoordinator::SyncGroup(const SyncGroupRequest& req, SyncCallback done) {
  Actions actions;
  auto reply = [&](ErrorCode e, std::string assignment = {}) {
    SyncGroupResponse resp;
    resp.error = e;
    resp.assignment = std::move(assignment);
    actions.push_back([done = std::move(done), resp] { done(resp); });
  };
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(req.group_id);
    if (it == groups_.end() || !it->second->members.count(req.member_id)) {
      reply(ErrorCode::kUnknownMemberId);
    } else {
      Group& g = *it->second;
      Member& m = g.members.at(req.member_id);
      if (req.generation_id != g.generation) {
        reply(ErrorCode::kIllegalGeneration);
      } else if (g.state == GroupState::kPreparingRebalance || g.state == GroupState::kEmpty) {
        reply(ErrorCode::kRebalanceInProgress);
      } else if (g.state == GroupState::kStable) {
        reply(ErrorCode::kNone, m.assignment);
      } else {  // CompletingRebalance
        m.awaiting_sync = std::move(done);
        m.last_heartbeat = options_.now();
        if (req.member_id == g.leader) {
          for (auto& [id, member] : g.members) member.assignment.clear();
          for (const auto& a : req.assignments) {
            auto mit = g.members.find(a.member_id);
            if (mit != g.members.end()) mit->second.assignment = a.assignment;
          }
          g.state = GroupState::kStable;
          for (auto& [id, member] : g.members) {
            if (member.awaiting_sync) {
              SyncGroupResponse resp;
              resp.assignment = member.assignment;
              actions.push_back([cb = std::move(member.awaiting_sync), resp] { cb(resp); });
              member.awaiting_sync = nullptr;
            }
          }
        }
      }
    }
  }
  Run(actions);
}

ErrorCode GroupCoordinator::Heartbeat(const HeartbeatRequest& req) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(req.group_id);
  if (it == groups_.end()) return ErrorCode::kUnknownMemberId;
  Group& g = *it->second;
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) return ErrorCode::kUnknownMemberId;
  mit->second.last_heartbeat = options_.now();
  if (req.generation_id != g.generation) {
    return g.state == GroupState::kPreparingRebalance ? ErrorCode::kRebalanceInProgress : ErrorCode::kIllegalGeneration;
  }
  if (g.state == GroupState::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

ErrorCode GroupCoordinator::LeaveGroup(const LeaveGroupRequest& req) {
  Actions actions;
  ErrorCode result = ErrorCode::kNone;
  {
    std::lock_guard lock(mu_);
    auto it = groups_.find(req.group_id);
    if (it == groups_.end() || !it->second->members.count(req.member_id)) {
      result = ErrorCode::kUnknownMemberId;
    } else {
      SLUICE_LOG_INFO("group", "group {}: member {} left", req.group_id, req.member_id);
      RemoveMember(*it->second, req.member_id, actions);
    }
  }
  Run(actions);
  return result;
}

ErrorCode GroupCoordinator::ValidateOffsetCommit(const std::string& group_id, int32_t generation_id,
                                                 const std::string& member_id) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group_id);
  if (it == groups_.end() || it->second->state == GroupState::kEmpty) {
    return generation_id < 0 ? ErrorCode::kNone : ErrorCode::kIllegalGeneration;
  }
  const Group& g = *it->second;
  if (generation_id < 0 && member_id.empty()) {
    // A commit from outside the group while it has live members would race
    // with their commits.
    return ErrorCode::kUnknownMemberId;
  }
  if (!g.members.count(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation_id != g.generation) return ErrorCode::kIllegalGeneration;
  if (g.state == GroupState::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

std::vector<DescribedGroup> GroupCoordinator::Describe(const std::vector<std::string>& group_ids) {
  std::lock_guard lock(mu_);
  std::vector<DescribedGroup> out;
  for (const auto& id : group_ids) {
    DescribedGroup d;
    d.group_id = id;
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      d.state = "Dead";
    } else {
      const Group& g = *it->second;
      d.state = StateName(g.state);
      d.protocol_type = g.protocol_type;
      d.protocol = g.protocol;
      for (const auto& mid : g.join_order) {
        const Member& m = g.members.at(mid);
        DescribedMember dm;
        dm.member_id = m.id;
        dm.group_instance_id = m.group_instance_id;
        dm.client_id = m.client_id;
        dm.client_host = m.client_host;
        const std::string* md = m.MetadataFor(g.protocol);
        if (md) dm.metadata = *md;
        dm.assignment = m.assignment;
        d.members.push_back(std::move(dm));
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<ListedGroup> GroupCoordinator::List() {
  std::lock_guard lock(mu_);
  std::vector<ListedGroup> out;
  for (const auto& [id, g] : groups_) out.push_back({id, g->protocol_type});
  return out;
}

void GroupCoordinator::Tick() {
  Actions actions;
  {
    std::lock_guard lock(mu_);
    auto now = options_.now();
    for (auto& [gid, gp] : groups_) {
      Group& g = *gp;
      for (auto it = g.pending_members.begin(); it != g.pending_members.end();) {
        it = now - it->second > options_.max_session_timeout ? g.pending_members.erase(it) : std::next(it);
      }
      std::vector<std::string> expired;
      for (const auto& [mid, m] : g.members) {
        // A member waiting in JoinGroup is alive by definition.
        if (!m.awaiting_join && now - m.last_heartbeat > m.session_timeout) expired.push_back(mid);
      }
      for (const auto& mid : expired) {
        SLUICE_LOG_INFO("group", "group {}: member {} session timed out; removed", gid, mid);
        RemoveMember(g, mid, actions);
      }
      if (g.state == GroupState::kPreparingRebalance && now >= g.rebalance_deadline) CompleteJoin(g, actions);
    }
  }
  Run(actions);
}

}  // namespace sluice::broker
