#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "engine/key_table.h"
#include "engine/keyed_state.h"

namespace sluice::engine {

enum class TimeDomain : uint8_t { kEventTime = 0, kProcessingTime = 1 };

// Keyed timers for operators: (key, namespace, time) in event time (fired as
// the watermark passes) or processing time (fired as the clock passes).
// Registering the same timer twice keeps one; Delete() cancels. Timers fire
// in time order (ties: registration order). Snapshots are per key group, like
// all keyed state. The window and join operators keep their own specialized
// timer queues (slices, session ends, expiry heaps); this service is for
// operators whose timers are arbitrary, per key.
//
// Thread-safety: not thread-safe; owned by one operator instance.
class TimerService : public KeyedState {
 public:
  explicit TimerService(int num_key_groups) : num_key_groups_(num_key_groups), tables_{KeyTable(16), KeyTable(16)} {}

  void Register(TimeDomain d, std::string_view key, int64_t ns, int64_t time);
  void Delete(TimeDomain d, std::string_view key, int64_t ns, int64_t time);
  // Fires, in time order, every timer of domain `d` due at or before `t`:
  // fire(key, ns, time) returning Status. A timer registered by `fire` for a
  // time <= t fires in the same call.
  template <typename Fire>
  Status Advance(TimeDomain d, int64_t t, Fire&& fire);
  size_t size(TimeDomain d) const { return tables_[static_cast<int>(d)].live_entries(); }

  // Format: u8 version 1, u32 timers, each: u8 domain, bytes key, i64 ns, i64 time.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  struct Due {
    int64_t time;
    uint64_t seq;
    uint32_t entry;
    bool operator>(const Due& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  // Table key: key bytes, i64 ns, i64 time; payload: u64 seq, u32 key length.
  std::string_view TimerKey(std::string_view key, int64_t ns, int64_t time);

  int num_key_groups_;
  KeyTable tables_[2];
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_[2];
  uint64_t seq_ = 0;
  std::string scratch_;
  std::string fire_key_;
};

template <typename Fire>
Status TimerService::Advance(TimeDomain d, int64_t t, Fire&& fire) {
  KeyTable& table = tables_[static_cast<int>(d)];
  auto& due = due_[static_cast<int>(d)];
  while (!due.empty() && due.top().time <= t) {
    const Due top = due.top();
    due.pop();
    if (!table.alive(top.entry)) continue;
    uint64_t seq;
    uint32_t klen;
    std::memcpy(&seq, table.payload(top.entry), 8);
    std::memcpy(&klen, table.payload(top.entry) + 8, 4);
    if (seq != top.seq) continue;  // deleted, and the entry reused since
    const std::string_view full = table.key(top.entry);
    fire_key_.assign(full.data(), klen);  // a copy: fire() may change the table
    int64_t ns;
    std::memcpy(&ns, full.data() + klen, 8);
    table.Erase(top.entry);
    SLUICE_RETURN_IF_ERROR(fire(std::string_view(fire_key_), ns, top.time));
  }
  return Status::Ok();
}

}  // namespace sluice::engine
