#include "log/producer_state.h"

#include <vector>

#include "log/index_file.h"

namespace sluice::log {
namespace {

#pragma pack(push, 4)
struct FlatBatch {
  int64_t producer_id;
  int64_t last_seen_ms;
  int64_t base_offset;
  int32_t base_sequence;
  int32_t last_offset_delta;
  int16_t epoch;
  int16_t reserved;
};
#pragma pack(pop)
static_assert(sizeof(FlatBatch) == 36);

}  // namespace

std::optional<std::pair<Offset, Offset>> ProducerStateTable::FindDuplicate(const RecordBatchHeader& h) const {
  if (h.producer_id < 0 || h.base_sequence < 0) return std::nullopt;
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end() || it->second.epoch != h.producer_epoch) return std::nullopt;
  const Producer& p = it->second;
  for (size_t i = 0; i < p.count; ++i) {
    const Batch& b = p.recent[i];
    if (b.base_sequence == h.base_sequence && b.last_offset_delta == h.last_offset_delta) {
      return std::make_pair(Offset{b.base_offset}, Offset{b.base_offset + b.last_offset_delta});
    }
  }
  return std::nullopt;
}

std::optional<int32_t> ProducerStateTable::LastSequence(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  if (it == producers_.end() || it->second.count == 0) return std::nullopt;
  const Producer& p = it->second;
  const Batch& b = p.recent[(p.next + kRememberedBatches - 1) % kRememberedBatches];
  return b.base_sequence + b.last_offset_delta;
}

void ProducerStateTable::Record(const RecordBatchHeader& h, int64_t now_ms) {
  if (h.producer_id < 0 || h.base_sequence < 0) return;
  Producer& p = producers_[h.producer_id];
  if (p.epoch != h.producer_epoch) {
    p = Producer{};
    p.epoch = h.producer_epoch;
  }
  p.last_seen_ms = now_ms;
  p.recent[p.next] = {h.base_sequence, h.last_offset_delta, h.base_offset};
  p.next = (p.next + 1) % kRememberedBatches;
  if (p.count < kRememberedBatches) ++p.count;
}

void ProducerStateTable::ExpireBefore(int64_t cutoff_ms) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    it = it->second.last_seen_ms < cutoff_ms ? producers_.erase(it) : std::next(it);
  }
}

Status ProducerStateTable::Save(const std::filesystem::path& path, Offset at) const {
  std::vector<FlatBatch> flat;
  for (const auto& [id, p] : producers_) {
    // Oldest first, so that Load's Record() calls rebuild the same ring.
    for (size_t i = 0; i < p.count; ++i) {
      size_t slot = (p.next + kRememberedBatches - p.count + i) % kRememberedBatches;
      const Batch& b = p.recent[slot];
      flat.push_back({id, p.last_seen_ms, b.base_offset, b.base_sequence, b.last_offset_delta, p.epoch, 0});
    }
  }
  return SaveIndexFile(path, kMagic, static_cast<uint64_t>(at.value()), flat);
}

Status ProducerStateTable::Load(const std::filesystem::path& path, Offset at) {
  producers_.clear();
  SLUICE_ASSIGN_OR_RETURN(auto flat, LoadIndexFile<FlatBatch>(path, kMagic, static_cast<uint64_t>(at.value())));
  for (const auto& f : flat) {
    RecordBatchHeader h;
    h.producer_id = f.producer_id;
    h.producer_epoch = f.epoch;
    h.base_sequence = f.base_sequence;
    h.last_offset_delta = f.last_offset_delta;
    h.base_offset = f.base_offset;
    Record(h, f.last_seen_ms);
  }
  return Status::Ok();
}

}  // namespace sluice::log
