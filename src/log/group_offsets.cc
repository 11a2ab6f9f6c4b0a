#include "log/group_offsets.h"

#include <fmt/format.h>

#include <mutex>

#include "log/partition.h"
#include "log/partition_reader.h"
#include "log/record_batch.h"

namespace sluice::log {
namespace {

// Kafka's __consumer_offsets schemas: key version 1 (offset commit), value version 3.
constexpr int16_t kOffsetCommitKeyVersion = 1;
constexpr int16_t kOffsetCommitValueVersion = 3;
constexpr size_t kMaxStringLength = 0x7fff;

void PutI16(std::string* out, int16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}
void PutI32(std::string* out, int32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(static_cast<uint32_t>(v) >> (8 * i)));
}
void PutI64(std::string* out, int64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * i)));
}
void PutString(std::string* out, std::string_view s) {
  PutI16(out, static_cast<int16_t>(s.size()));
  out->append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool I16(int16_t* v) { return Fixed(2, v); }
  bool I32(int32_t* v) { return Fixed(4, v); }
  bool I64(int64_t* v) { return Fixed(8, v); }
  bool String(std::string* out) {
    int16_t n;
    if (!I16(&n) || n < 0 || static_cast<size_t>(n) > s_.size() - pos_) return false;
    out->assign(s_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return true;
  }

 private:
  template <typename T>
  bool Fixed(size_t n, T* v) {
    if (s_.size() - pos_ < n) return false;
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u = (u << 8) | static_cast<uint8_t>(s_[pos_ + i]);
    *v = static_cast<T>(u);
    pos_ += n;
    return true;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

std::string EncodeKey(std::string_view group, std::string_view topic, int32_t partition) {
  std::string k;
  PutI16(&k, kOffsetCommitKeyVersion);
  PutString(&k, group);
  PutString(&k, topic);
  PutI32(&k, partition);
  return k;
}

std::string EncodeValue(const OffsetCommit& c, int64_t now_ms) {
  std::string v;
  PutI16(&v, kOffsetCommitValueVersion);
  PutI64(&v, c.offset.value());
  PutI32(&v, -1);  // leader epoch: unknown
  PutString(&v, c.metadata);
  PutI64(&v, now_ms);
  return v;
}

}  // namespace

GroupOffsets::GroupOffsets(std::shared_ptr<Partition> store, const Clock* clock)
    : store_(std::move(store)), clock_(clock) {}

Status GroupOffsets::Load() {
  PartitionReader reader(store_, store_->log_start_offset());
  Record rec;
  while (reader.Next(&rec)) {
    if (!rec.key) continue;
    Reader k(*rec.key);
    int16_t kv;
    std::string group, topic;
    int32_t partition;
    if (!k.I16(&kv) || kv > kOffsetCommitKeyVersion || !k.String(&group) || !k.String(&topic) || !k.I32(&partition)) {
      continue;  // group metadata (key version 2) or an unknown record: not ours to apply
    }
    if (!rec.value) {
      Apply(group, topic, partition, std::nullopt, rec.offset.value());
      continue;
    }
    Reader v(*rec.value);
    int16_t vv;
    int64_t offset, commit_time;
    int32_t epoch;
    CommittedOffset c;
    if (!v.I16(&vv) || vv != kOffsetCommitValueVersion || !v.I64(&offset) || !v.I32(&epoch) || !v.String(&c.metadata) ||
        !v.I64(&commit_time)) {
      return Status::Corruption(
          fmt::format("__consumer_offsets: malformed offset commit at offset {}", rec.offset.value()));
    }
    c.offset = Offset{offset};
    c.commit_time_ms = commit_time;
    Apply(group, topic, partition, std::move(c), rec.offset.value());
  }
  return reader.status();
}

void GroupOffsets::Apply(std::string_view group, const std::string& topic, int32_t partition,
                         std::optional<CommittedOffset> value, int64_t log_offset) {
  std::unique_lock lock(mu_);
  auto g = groups_.find(group);
  if (!value) {
    if (g == groups_.end()) return;
    auto e = g->second.find({topic, partition});
    if (e != g->second.end() && e->second.log_offset < log_offset) g->second.erase(e);
    if (g->second.empty()) groups_.erase(g);
    return;
  }
  if (g == groups_.end()) g = groups_.emplace(std::string(group), std::map<Key, Entry>{}).first;
  auto& slot = g->second[{topic, partition}];
  if (slot.log_offset <= log_offset) slot = {std::move(*value), log_offset};
}

Status GroupOffsets::Write(std::string_view group, std::span<const OffsetCommit> commits, bool tombstones) {
  if (group.size() > kMaxStringLength) return Status::InvalidArgument("group id longer than 32767 bytes");
  if (commits.empty()) return Status::Ok();
  const int64_t now = clock_->NowMs();
  RecordBatchBuilder b;
  for (const auto& c : commits) {
    if (c.topic.size() > kMaxStringLength || c.metadata.size() > kMaxStringLength) {
      return Status::InvalidArgument("topic or commit metadata longer than 32767 bytes");
    }
    std::string key = EncodeKey(group, c.topic, c.partition.value());
    if (tombstones) {
      b.Add(now, key, std::nullopt);
    } else {
      std::string value = EncodeValue(c, now);
      b.Add(now, key, value);
    }
  }
  std::string batch;
  SLUICE_RETURN_IF_ERROR(b.Finish(&batch));
  SLUICE_ASSIGN_OR_RETURN(auto r, store_->Append({reinterpret_cast<uint8_t*>(batch.data()), batch.size()}));
  SLUICE_RETURN_IF_ERROR(store_->WaitDurable(r.last_offset));
  int64_t log_offset = r.base_offset.value();
  for (const auto& c : commits) {
    std::optional<CommittedOffset> value;
    if (!tombstones) value = CommittedOffset{c.offset, c.metadata, now};
    Apply(group, c.topic, c.partition.value(), std::move(value), log_offset++);
  }
  return Status::Ok();
}

Status GroupOffsets::Commit(std::string_view group, std::string_view topic, PartitionId partition, Offset offset,
                            std::string_view metadata) {
  OffsetCommit c{std::string(topic), partition, offset, std::string(metadata)};
  return Write(group, {&c, 1}, false);
}

Status GroupOffsets::CommitMany(std::string_view group, std::span<const OffsetCommit> commits) {
  return Write(group, commits, false);
}

std::optional<CommittedOffset> GroupOffsets::Fetch(std::string_view group, std::string_view topic,
                                                   PartitionId partition) const {
  std::shared_lock lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::nullopt;
  auto e = g->second.find({std::string(topic), partition.value()});
  if (e == g->second.end()) return std::nullopt;
  return e->second.committed;
}

std::vector<std::string> GroupOffsets::Groups() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [g, entries] : groups_) out.push_back(g);
  return out;
}

std::vector<std::tuple<std::string, PartitionId, CommittedOffset>> GroupOffsets::FetchAll(
    std::string_view group) const {
  std::shared_lock lock(mu_);
  std::vector<std::tuple<std::string, PartitionId, CommittedOffset>> out;
  auto g = groups_.find(group);
  if (g == groups_.end()) return out;
  for (const auto& [key, e] : g->second) out.emplace_back(key.first, PartitionId{key.second}, e.committed);
  return out;
}

Status GroupOffsets::DeleteGroup(std::string_view group) {
  std::vector<OffsetCommit> keys;
  {
    std::shared_lock lock(mu_);
    auto g = groups_.find(group);
    if (g == groups_.end()) return Status::NotFound(fmt::format("consumer group {:?} has no committed offsets", group));
    for (const auto& [key, e] : g->second) keys.push_back({key.first, PartitionId{key.second}, Offset{-1}, {}});
  }
  return Write(group, keys, true);
}

Status GroupOffsets::DeleteTopic(std::string_view topic) {
  std::vector<std::pair<std::string, std::vector<OffsetCommit>>> doomed;
  {
    std::shared_lock lock(mu_);
    for (const auto& [group, entries] : groups_) {
      std::vector<OffsetCommit> keys;
      for (const auto& [key, e] : entries) {
        if (key.first == topic) keys.push_back({key.first, PartitionId{key.second}, Offset{-1}, {}});
      }
      if (!keys.empty()) doomed.emplace_back(group, std::move(keys));
    }
  }
  for (const auto& [group, keys] : doomed) SLUICE_RETURN_IF_ERROR(Write(group, keys, true));
  return Status::Ok();
}

}  // namespace sluice::log
