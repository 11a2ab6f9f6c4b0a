#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "engine/job.h"
#include "engine/key_table.h"
#include "engine/timer_service.h"

namespace sluice::engine {

// An event-time temporal join against a versioned table (Flink's `JOIN r FOR
// SYSTEM_TIME AS OF l.rowtime ON l.k = r.pk`): the right input is the table's
// changelog (each row a new version of its key, valid from its event time;
// -D ends the key's validity; -U is ignored), and a left row at time t joins
// the version of its key valid at t — the right row with the largest event
// time <= t. A left row waits in state until the watermark (minimum of both
// inputs) reaches t, so every version up to t has arrived; then it is
// emitted (inner: only when a version is valid; LEFT: with NULLs otherwise),
// keeping its event time. A left row that arrives late is joined at the next
// watermark against the versions still kept.
struct TemporalJoinSpec {
  std::vector<int> left_keys;   // key columns of the left input
  std::vector<int> right_keys;  // the versioned table's primary key columns (same types)
  int left_time = -1;           // TIMESTAMP event-time column of each input
  int right_time = -1;
  enum class Type : uint8_t { kInner, kLeft } type = Type::kInner;
};

// State: per key, the left rows waiting for the watermark and the versions
// still needed: every version newer than the watermark and the latest one at
// or before it (older ones can no longer be chosen by an on-time row), kept
// in a byte arena per key. One event-time timer per key (TimerService), at
// the earliest time the watermark must visit it: its first waiting left row
// or the next version that makes an older one obsolete.
//
// Thread-safety: not thread-safe; one instance per worker owning a range of
// key groups.
class TemporalJoinOperator : public TwoInputOperator, public KeyedState {
 public:
  static Result<std::unique_ptr<TemporalJoinOperator>> Create(const Schema& left, const Schema& right,
                                                              TemporalJoinSpec spec, const OperatorContext& ctx);

  std::string name() const override { return "temporal-join"; }
  const Schema& output_schema() const override { return out_schema_; }
  Status Process(Batch& batch) override;
  Status ProcessRight(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  bool stateful() const override { return true; }
  KeyedState* keyed_state() override { return this; }
  int64_t StateBytes() const override { return state_bytes_; }

  // Format (little-endian): u8 version 1, u32 keys, each: bytes key, i64
  // timer (the key's next visit; INT64_MAX: none), u32 left rows (i64 time,
  // bytes row), u32 versions (i64 time, u8 row kind, bytes row). Rows as
  // snapshot_rows.h encodes them. The timer is kept exactly, so a restored
  // job prunes versions at the same watermarks as an uninterrupted one (late
  // left rows see the same versions).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

  size_t keys_in_state() const { return keys_.size(); }
  size_t versions_in_state() const;
  size_t timers_in_state() const { return timers_.size(TimeDomain::kEventTime); }

 private:
  struct Entry {
    int64_t time;
    uint32_t offset;  // into KeyState::bytes
    uint32_t length;
    RowKind kind;
  };
  struct KeyState {
    std::vector<Entry> left;      // arrival order
    std::vector<Entry> versions;  // by time; equal times in arrival order
    std::string bytes;
    size_t dead_bytes = 0;
    int64_t timer = kNoTimer;  // the key's one registered timer
  };
  static constexpr int64_t kNoTimer = kMaxWatermark;
  TemporalJoinOperator(const Schema& left, const Schema& right, TemporalJoinSpec spec, const OperatorContext& ctx,
                       Schema out);
  KeyState& StateOf(std::string_view key);
  Entry Store(KeyState* st, const Batch& batch, int row, int64_t time, RowKind kind);
  void AddVersion(KeyState* st, const Entry& e);
  // Makes the key's timer fire no later than `time`.
  void ArmTimer(std::string_view key, KeyState* st, int64_t time);
  // Emits the left rows of `key` at or before `watermark` and prunes versions.
  Status Visit(std::string_view key, int64_t watermark);
  Status EmitJoined(std::string_view left_row, const std::string_view* right_row);
  void Compact(KeyState* st);
  void SnapshotKey(const std::string& key, const KeyState& st, SnapshotWriter* w) const;
  Status Flush();

  Schema left_schema_;
  Schema right_schema_;
  TemporalJoinSpec spec_;
  OperatorContext ctx_;
  Schema out_schema_;
  KeyEncoder left_keys_;
  KeyEncoder right_keys_;
  std::unordered_map<std::string, KeyState> keys_;
  TimerService timers_;
  Batch out_;
  std::string scratch_;
  std::string key_scratch_;
  int64_t watermark_ = kMinWatermark;
  int64_t state_bytes_ = 0;
};

}  // namespace sluice::engine
