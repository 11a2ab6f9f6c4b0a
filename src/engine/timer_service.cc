#include "engine/timer_service.h"

#include <fmt/format.h>

namespace sluice::engine {

std::string_view TimerService::TimerKey(std::string_view key, int64_t ns, int64_t time) {
  scratch_.assign(key.data(), key.size());
  scratch_.append(reinterpret_cast<const char*>(&ns), 8);
  scratch_.append(reinterpret_cast<const char*>(&time), 8);
  return scratch_;
}

void TimerService::Register(TimeDomain d, std::string_view key, int64_t ns, int64_t time) {
  KeyTable& table = tables_[static_cast<int>(d)];
  std::string_view tk = TimerKey(key, ns, time);
  bool inserted;
  const uint32_t e = table.FindOrInsert(tk, HashKey(tk), &inserted);
  if (!inserted) return;
  const uint64_t seq = seq_++;
  const uint32_t klen = static_cast<uint32_t>(key.size());
  std::memcpy(table.payload(e), &seq, 8);
  std::memcpy(table.payload(e) + 8, &klen, 4);
  due_[static_cast<int>(d)].push(Due{time, seq, e});
}

void TimerService::Delete(TimeDomain d, std::string_view key, int64_t ns, int64_t time) {
  KeyTable& table = tables_[static_cast<int>(d)];
  std::string_view tk = TimerKey(key, ns, time);
  const int64_t e = table.Find(tk, HashKey(tk));
  if (e >= 0) table.Erase(static_cast<uint32_t>(e));  // its queue entry is skipped when it comes up
}

Status TimerService::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(1);
  std::vector<std::pair<int, uint32_t>> mine;
  for (int d = 0; d < 2; ++d) {
    const KeyTable& table = tables_[d];
    for (uint32_t e = 0; e < table.size(); ++e) {
      if (!table.alive(e)) continue;
      uint32_t klen;
      std::memcpy(&klen, table.payload(e) + 8, 4);
      if (KeyGroupOf(HashKey(table.key(e).substr(0, klen)), num_key_groups_) == kg) mine.push_back({d, e});
    }
  }
  w.Put<uint32_t>(static_cast<uint32_t>(mine.size()));
  for (auto [d, e] : mine) {
    const KeyTable& table = tables_[d];
    uint32_t klen;
    std::memcpy(&klen, table.payload(e) + 8, 4);
    std::string_view full = table.key(e);
    int64_t ns, time;
    std::memcpy(&ns, full.data() + klen, 8);
    std::memcpy(&time, full.data() + klen + 8, 8);
    w.Put<uint8_t>(static_cast<uint8_t>(d));
    w.PutBytes(full.substr(0, klen));
    w.Put<int64_t>(ns);
    w.Put<int64_t>(time);
  }
  return Status::Ok();
}

Status TimerService::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version;
  uint32_t n;
  if (!r.Get(&version) || version != 1 || !r.Get(&n)) {
    return Status::Corruption(fmt::format("timer snapshot of key group {}: bad header", kg));
  }
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t d;
    std::string_view key;
    int64_t ns, time;
    if (!r.Get(&d) || d > 1 || !r.GetBytes(&key) || !r.Get(&ns) || !r.Get(&time)) {
      return Status::Corruption("timer snapshot: truncated timer");
    }
    Register(static_cast<TimeDomain>(d), key, ns, time);
  }
  if (!r.done()) return Status::Corruption("timer snapshot: trailing bytes");
  return Status::Ok();
}

}  // namespace sluice::engine
