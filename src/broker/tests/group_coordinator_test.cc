#include "broker/coordinator/group_coordinator.h"

#include <gtest/gtest.h>

#include <optional>

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() : coordinator_(Options()) {}

  GroupCoordinatorOptions Options() {
    GroupCoordinatorOptions o;
    o.initial_rebalance_delay = 100ms;
    o.now = [this] { return now_; };
    return o;
  }

  JoinGroupRequest Join(const std::string& member, const std::string& meta = "m") {
    JoinGroupRequest r;
    r.group_id = "g";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 20000;
    r.member_id = member;
    r.protocol_type = "consumer";
    r.protocols = {{"range", meta}};
    return r;
  }

  // Sends JoinGroup; the response, when it comes, lands in *out.
  void SendJoin(const std::string& member, std::optional<JoinGroupResponse>* out, int16_t version = 5) {
    out->reset();
    coordinator_.JoinGroup(Join(member), version, "client", "/127.0.0.1",
                           [out](const JoinGroupResponse& r) { *out = r; });
  }

  // Joins a new member through the MEMBER_ID_REQUIRED round trip; returns its id.
  std::string NewMemberId() {
    std::optional<JoinGroupResponse> r;
    SendJoin("", &r);
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r->error, ErrorCode::kMemberIdRequired);
    return r->member_id;
  }

  void Advance(std::chrono::milliseconds d) {
    now_ += d;
    coordinator_.Tick();
  }

  std::optional<SyncGroupResponse> Sync(const std::string& member, int32_t generation,
                                        std::vector<SyncGroupAssignment> assignments = {}) {
    std::optional<SyncGroupResponse> out;
    SyncGroupRequest req{"g", generation, member, std::move(assignments)};
    coordinator_.SyncGroup(req, [&out](const SyncGroupResponse& r) { out = r; });
    return out;
  }
  // For syncs that complete later.
  void SendSync(const std::string& member, int32_t generation, std::optional<SyncGroupResponse>* out) {
    SyncGroupRequest req{"g", generation, member, {}};
    coordinator_.SyncGroup(req, [out](const SyncGroupResponse& r) { *out = r; });
  }

  ErrorCode Heartbeat(const std::string& member, int32_t generation) {
    return coordinator_.Heartbeat({"g", generation, member});
  }

  Clock::time_point now_ = Clock::time_point() + 1000h;
  GroupCoordinator coordinator_;
};

TEST_F(GroupCoordinatorTest, FirstMemberBecomesLeaderAfterInitialDelay) {
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> ja;
  SendJoin(a, &ja);
  EXPECT_FALSE(ja.has_value()) << "initial rebalance waits for more members";
  Advance(150ms);
  ASSERT_TRUE(ja.has_value());
  EXPECT_EQ(ja->error, ErrorCode::kNone);
  EXPECT_EQ(ja->generation_id, 1);
  EXPECT_EQ(ja->leader, a);
  EXPECT_EQ(ja->protocol_name, "range");
  ASSERT_EQ(ja->members.size(), 1u);

  auto sa = Sync(a, 1, {{a, "assign-a"}});
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->assignment, "assign-a");
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kNone);
  auto desc = coordinator_.Describe({"g"});
  EXPECT_EQ(desc[0].state, "Stable");
}

TEST_F(GroupCoordinatorTest, SecondMemberTriggersRebalanceAndBothGetAssignments) {
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> ja;
  SendJoin(a, &ja);
  Advance(150ms);
  ASSERT_TRUE(Sync(a, 1, {{a, "all"}}).has_value());

  std::string b = NewMemberId();
  std::optional<JoinGroupResponse> jb;
  SendJoin(b, &jb);
  EXPECT_FALSE(jb.has_value()) << "waits for the existing member to rejoin";
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kRebalanceInProgress);
  SendJoin(a, &ja);
  ASSERT_TRUE(ja.has_value());
  ASSERT_TRUE(jb.has_value());
  EXPECT_EQ(ja->generation_id, 2);
  EXPECT_EQ(jb->generation_id, 2);
  EXPECT_EQ(ja->leader, a);
  EXPECT_EQ(ja->members.size(), 2u);
  EXPECT_TRUE(jb->members.empty()) << "only the leader sees the member list";

  std::optional<SyncGroupResponse> sb;
  SendSync(b, 2, &sb);
  EXPECT_FALSE(sb.has_value()) << "followers wait for the leader's assignment";
  auto sa = Sync(a, 2, {{a, "p0"}, {b, "p1"}});
  ASSERT_TRUE(sa.has_value());
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(sa->assignment, "p0");
  EXPECT_EQ(sb->assignment, "p1");
  EXPECT_EQ(Heartbeat(b, 2), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, LeavingMemberRebalancesTheRest) {
  std::string a = NewMemberId();
  std::string b = NewMemberId();
  std::optional<JoinGroupResponse> ja, jb;
  SendJoin(a, &ja);
  SendJoin(b, &jb);
  Advance(150ms);
  ASSERT_TRUE(ja && jb);
  ASSERT_TRUE(Sync(a, 1, {{a, "p0"}, {b, "p1"}}).has_value());
  ASSERT_TRUE(Sync(b, 1).has_value());

  EXPECT_EQ(coordinator_.LeaveGroup({"g", a}), ErrorCode::kNone);
  EXPECT_EQ(Heartbeat(b, 1), ErrorCode::kRebalanceInProgress);
  SendJoin(b, &jb);
  ASSERT_TRUE(jb.has_value());
  EXPECT_EQ(jb->generation_id, 2);
  EXPECT_EQ(jb->leader, b) << "leadership passes to a remaining member";
  EXPECT_EQ(jb->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, SilentMemberExpiresAfterSessionTimeout) {
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> ja;
  SendJoin(a, &ja);
  Advance(150ms);
  ASSERT_TRUE(Sync(a, 1, {{a, "x"}}).has_value());
  Advance(9s);
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kNone);
  Advance(9s);
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kNone) << "heartbeats keep the session alive";
  Advance(11s);
  EXPECT_EQ(Heartbeat(a, 1), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(coordinator_.Describe({"g"})[0].state, "Empty");
}

TEST_F(GroupCoordinatorTest, MemberThatDoesNotRejoinIsDroppedAtRebalanceTimeout) {
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> ja;
  SendJoin(a, &ja);
  Advance(150ms);
  ASSERT_TRUE(Sync(a, 1, {{a, "x"}}).has_value());
  std::string b = NewMemberId();
  std::optional<JoinGroupResponse> jb;
  SendJoin(b, &jb);
  // a keeps heartbeating but never rejoins.
  for (int i = 0; i < 4; ++i) {
    Advance(5s);
    Heartbeat(a, 1);
    Heartbeat(b, 1);
  }
  Advance(1s);
  ASSERT_TRUE(jb.has_value());
  EXPECT_EQ(jb->generation_id, 2);
  EXPECT_EQ(jb->leader, b);
  EXPECT_EQ(Heartbeat(a, 2), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, UnknownMemberAndBadGenerationAreRefused) {
  std::optional<JoinGroupResponse> j;
  SendJoin("made-up", &j);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->error, ErrorCode::kUnknownMemberId);
  std::string a = NewMemberId();
  SendJoin(a, &j);
  Advance(150ms);
  auto s = Sync(a, 7);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error, ErrorCode::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, OldClientsGetAMemberIdWithoutTheExtraRoundTrip) {
  std::optional<JoinGroupResponse> j;
  SendJoin("", &j, /*version=*/3);
  EXPECT_FALSE(j.has_value());
  Advance(150ms);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->error, ErrorCode::kNone);
  EXPECT_FALSE(j->member_id.empty());
}

TEST_F(GroupCoordinatorTest, OffsetCommitValidation) {
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("lonely", -1, ""), ErrorCode::kNone);
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> j;
  SendJoin(a, &j);
  Advance(150ms);
  ASSERT_TRUE(Sync(a, 1, {{a, "x"}}).has_value());
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 1, a), ErrorCode::kNone);
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 0, a), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(coordinator_.ValidateOffsetCommit("g", 1, "nobody"), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, IncompatibleProtocolIsRefused) {
  std::string a = NewMemberId();
  std::optional<JoinGroupResponse> j;
  SendJoin(a, &j);
  Advance(150ms);
  JoinGroupRequest other = Join("");
  other.protocols = {{"sticky", "s"}};
  std::optional<JoinGroupResponse> r;
  coordinator_.JoinGroup(other, 3, "c", "h", [&r](const JoinGroupResponse& x) { r = x; });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, ErrorCode::kInconsistentGroupProtocol);
}

}  // namespace
}  // namespace sluice::broker
