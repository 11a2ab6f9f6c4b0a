#include "engine/changelog_normalize_operator.h"

#include <fmt/format.h>

#include <cstring>
#include <numeric>

#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kSnapshotVersion = 1;
constexpr size_t kMinCompactBytes = 1 << 16;

std::vector<int> AllColumns(const Schema& s) {
  std::vector<int> all(s.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

}  // namespace

Result<std::unique_ptr<ChangelogNormalizeOperator>> ChangelogNormalizeOperator::Create(const Schema& input,
                                                                                       std::vector<int> key_columns,
                                                                                       const OperatorContext& ctx) {
  if (key_columns.empty()) return Status::InvalidArgument("changelog normalization needs key columns");
  for (int c : key_columns) {
    if (c < 0 || c >= input.size()) {
      return Status::InvalidArgument(fmt::format("changelog normalization: key column ${} out of range", c));
    }
  }
  return std::unique_ptr<ChangelogNormalizeOperator>(
      new ChangelogNormalizeOperator(input, std::move(key_columns), ctx));
}

ChangelogNormalizeOperator::ChangelogNormalizeOperator(const Schema& input, std::vector<int> key_columns,
                                                       const OperatorContext& ctx)
    : schema_(input),
      keys_(std::move(key_columns)),
      rows_(AllColumns(input)),
      table_(8),
      num_key_groups_(ctx.num_key_groups),
      out_(input, ctx.batch_capacity) {}

Status ChangelogNormalizeOperator::Flush() {
  if (out_.num_rows() == 0) return Status::Ok();
  Status s = Emit(out_);
  out_.Clear();
  return s;
}

Status ChangelogNormalizeOperator::EmitStored(RowKind kind, std::string_view row) {
  if (out_.num_rows() == out_.capacity()) SLUICE_RETURN_IF_ERROR(Flush());
  SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &out_, name()));
  if (kind != RowKind::kInsert) out_.mutable_row_kinds()[out_.num_rows() - 1] = kind;
  return Status::Ok();
}

void ChangelogNormalizeOperator::Store(uint32_t e, std::string_view row) {
  const uint32_t off = table_.StoreBytes(row);
  const uint32_t len = static_cast<uint32_t>(row.size());
  std::memcpy(table_.payload(e), &off, 4);
  std::memcpy(table_.payload(e) + 4, &len, 4);
}

Status ChangelogNormalizeOperator::Process(Batch& batch) {
  keys_.Encode(batch);
  rows_.Encode(batch);
  for (int k = 0; k < batch.active_rows(); ++k) {
    const RowKind kind = batch.row_kind(batch.active_row(k));
    if (kind == RowKind::kUpdateBefore) continue;
    if (kind == RowKind::kDelete) {
      const int64_t e = table_.Find(keys_.key(k), keys_.hash(k));
      if (e < 0) continue;  // deletes a key never seen (or already deleted)
      uint32_t off, len;
      std::memcpy(&off, table_.payload(static_cast<uint32_t>(e)), 4);
      std::memcpy(&len, table_.payload(static_cast<uint32_t>(e)) + 4, 4);
      SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kDelete, table_.LoadBytes(off, len)));
      garbage_ += len;
      table_.Erase(static_cast<uint32_t>(e));
      continue;
    }
    bool inserted = false;
    const uint32_t e = table_.FindOrInsert(keys_.key(k), keys_.hash(k), &inserted);
    const std::string_view row = rows_.key(k);
    if (!inserted) {
      uint32_t off, len;
      std::memcpy(&off, table_.payload(e), 4);
      std::memcpy(&len, table_.payload(e) + 4, 4);
      const std::string_view held = table_.LoadBytes(off, len);
      if (held == row) continue;  // the same row again: nothing changed
      SLUICE_RETURN_IF_ERROR(EmitStored(RowKind::kUpdateBefore, held));
      garbage_ += len;
    }
    SLUICE_RETURN_IF_ERROR(EmitStored(inserted ? RowKind::kInsert : RowKind::kUpdateAfter, row));
    Store(e, row);
  }
  if (garbage_ > kMinCompactBytes && garbage_ * 2 > table_.blob_size()) {
    // Copy the held rows into a fresh arena (emitted rows were copied into out_ already).
    scratch_.clear();
    for (uint32_t e = 0; e < table_.size(); ++e) {
      if (!table_.alive(e)) continue;
      uint32_t off, len;
      std::memcpy(&off, table_.payload(e), 4);
      std::memcpy(&len, table_.payload(e) + 4, 4);
      const std::string_view bytes = table_.LoadBytes(off, len);
      const uint32_t moved = static_cast<uint32_t>(scratch_.size());
      scratch_.insert(scratch_.end(), bytes.begin(), bytes.end());
      std::memcpy(table_.payload(e), &moved, 4);
    }
    table_.SwapBlob(&scratch_);
    garbage_ = 0;
  }
  metrics().state_bytes.store(StateBytes(), std::memory_order_relaxed);
  return Flush();
}

// Snapshot of one key group (little-endian, SnapshotWriter):
//
//   u8  version = 1
//   u32 keys, each: bytes row — the row held for the key (snapshot_rows.h;
//       the key is read back from it)
Status ChangelogNormalizeOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  auto in_group = [&](uint32_t e) { return table_.alive(e) && KeyGroupOf(table_.hash(e), num_key_groups_) == kg; };
  uint32_t n = 0;
  for (uint32_t e = 0; e < table_.size(); ++e) n += in_group(e);
  w.Put<uint32_t>(n);
  for (uint32_t e = 0; e < table_.size(); ++e) {
    if (!in_group(e)) continue;
    uint32_t off, len;
    std::memcpy(&off, table_.payload(e), 4);
    std::memcpy(&len, table_.payload(e) + 4, 4);
    w.PutBytes(table_.LoadBytes(off, len));
  }
  return Status::Ok();
}

Status ChangelogNormalizeOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version = 0;
  uint32_t n = 0;
  if (!r.Get(&version) || version != kSnapshotVersion || !r.Get(&n)) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: bad header", name(), kg));
  }
  Batch one(schema_, 1);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view row;
    if (!r.GetBytes(&row))
      return Status::Corruption(fmt::format("{} snapshot of key group {} is truncated", name(), kg));
    one.Clear();
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow(row, &one, name()));
    keys_.Encode(one);
    bool inserted = false;
    const uint32_t e = table_.FindOrInsert(keys_.key(0), keys_.hash(0), &inserted);
    if (!inserted) return Status::Corruption(fmt::format("{} snapshot of key group {} holds a key twice", name(), kg));
    Store(e, row);
  }
  if (!r.done()) return Status::Corruption(fmt::format("{} snapshot of key group {} has trailing bytes", name(), kg));
  return Status::Ok();
}

}  // namespace sluice::engine
