#include "engine/semi_join_operator.h"

#include <fmt/format.h>

#include <cstring>

#include "engine/snapshot_rows.h"

namespace sluice::engine {

namespace {

constexpr uint8_t kSnapshotVersion = 1;
// Dead bytes of the row arena tolerated before it is rewritten.
constexpr size_t kCompactMinGarbage = size_t{1} << 20;

bool IsRetraction(RowKind kind) { return kind == RowKind::kUpdateBefore || kind == RowKind::kDelete; }

bool KeyHasNull(const Batch& batch, int row, const std::vector<int>& keys) {
  for (int c : keys) {
    if (batch.column(c).IsNull(row)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<SemiJoinOperator>> SemiJoinOperator::Create(const Schema& left, const Schema& right,
                                                                   SemiJoinSpec spec, const OperatorContext& ctx) {
  if (spec.left_keys.empty() || spec.left_keys.size() != spec.right_keys.size()) {
    return Status::InvalidArgument("a semi-join needs as many left as right key columns, at least one");
  }
  for (size_t i = 0; i < spec.left_keys.size(); ++i) {
    const int l = spec.left_keys[i], r = spec.right_keys[i];
    if (l < 0 || l >= left.size() || r < 0 || r >= right.size()) {
      return Status::InvalidArgument(fmt::format("semi-join key {} is out of range", i + 1));
    }
    if (left.field(l).type != right.field(r).type) {
      return Status::InvalidArgument(fmt::format("semi-join key {} is {} ({}) on the left and {} ({}) on the right",
                                                 i + 1, left.field(l).name, DataTypeName(left.field(l).type),
                                                 right.field(r).name, DataTypeName(right.field(r).type)));
    }
  }
  return std::unique_ptr<SemiJoinOperator>(new SemiJoinOperator(left, right, std::move(spec), ctx));
}

SemiJoinOperator::SemiJoinOperator(const Schema& left, const Schema& right, SemiJoinSpec spec,
                                   const OperatorContext& ctx)
    : schema_(left),
      spec_(std::move(spec)),
      ctx_(ctx),
      left_keys_(spec_.left_keys),
      right_keys_(spec_.right_keys),
      keys_(sizeof(KeyState)),
      out_(std::make_unique<Batch>(left, ctx.batch_capacity)) {
  (void)right;
}

void SemiJoinOperator::StoreLeft(KeyState* state, std::string_view row) {
  int32_t n;
  if (!free_nodes_.empty()) {
    n = free_nodes_.back();
    free_nodes_.pop_back();
  } else {
    n = static_cast<int32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[n] = Node{static_cast<uint32_t>(rows_.size()), static_cast<uint32_t>(row.size()), -1};
  rows_.insert(rows_.end(), row.begin(), row.end());
  if (state->head < 0) {
    state->head = n;
  } else {
    nodes_[state->tail].next = n;
  }
  state->tail = n;
  ++state->left_rows;
  ++stored_rows_;
}

bool SemiJoinOperator::RemoveLeft(KeyState* state, std::string_view row) {
  int32_t prev = -1;
  for (int32_t n = state->head; n >= 0; prev = n, n = nodes_[n].next) {
    const Node& node = nodes_[n];
    if (node.length != row.size() || std::memcmp(rows_.data() + node.offset, row.data(), row.size()) != 0) continue;
    if (prev < 0) {
      state->head = node.next;
    } else {
      nodes_[prev].next = node.next;
    }
    if (state->tail == n) state->tail = prev;
    garbage_ += node.length;
    free_nodes_.push_back(n);
    --state->left_rows;
    --stored_rows_;
    return true;
  }
  return false;
}

Status SemiJoinOperator::FlushOut() {
  if (out_->num_rows() == 0) return Status::Ok();
  Status s = Emit(*out_);
  out_->Clear();
  return s;
}

Status SemiJoinOperator::EmitStored(const KeyState& state, RowKind kind) {
  for (int32_t n = state.head; n >= 0; n = nodes_[n].next) {
    if (out_->num_rows() == out_->capacity()) SLUICE_RETURN_IF_ERROR(FlushOut());
    const Node& node = nodes_[n];
    SLUICE_RETURN_IF_ERROR(AppendEncodedRow({rows_.data() + node.offset, node.length}, out_.get(), name()));
    if (kind != RowKind::kInsert) out_->mutable_row_kinds()[out_->num_rows() - 1] = kind;
  }
  return Status::Ok();
}

Status SemiJoinOperator::Process(Batch& batch) {
  left_keys_.Encode(batch);
  const int n = batch.active_rows();
  int32_t* sel = batch.mutable_selection();
  int kept = 0;
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (spec_.null_keys == NullKeys::kMatchNothing && KeyHasNull(batch, r, spec_.left_keys)) {
      // Matches nothing, ever: an anti-join passes it, a semi-join never will.
      if (spec_.type == SemiJoinType::kAnti) sel[kept++] = r;
      continue;
    }
    scratch_.clear();
    EncodeRow(batch, r, &scratch_);
    if (IsRetraction(batch.row_kind(r))) {
      const int64_t e = keys_.Find(left_keys_.key(k), left_keys_.hash(k));
      if (e < 0) continue;  // retracts a row never stored (or already gone): nothing to undo
      KeyState* state = State(static_cast<uint32_t>(e));
      if (RemoveLeft(state, scratch_) && Passes(state->right_rows)) sel[kept++] = r;
      if (state->head < 0 && state->right_rows == 0) keys_.Erase(static_cast<uint32_t>(e));
      continue;
    }
    bool inserted = false;
    const uint32_t e = keys_.FindOrInsert(left_keys_.key(k), left_keys_.hash(k), &inserted);
    KeyState* state = State(e);
    if (inserted) state->head = state->tail = -1;
    StoreLeft(state, scratch_);
    if (Passes(state->right_rows)) sel[kept++] = r;
  }
  batch.SetSelection(kept);
  MaybeCompact();
  return Emit(batch);
}

Status SemiJoinOperator::ProcessRight(Batch& batch) {
  right_keys_.Encode(batch);
  const int n = batch.active_rows();
  const bool semi = spec_.type == SemiJoinType::kSemi;
  for (int k = 0; k < n; ++k) {
    const int r = batch.active_row(k);
    if (spec_.null_keys == NullKeys::kMatchNothing && KeyHasNull(batch, r, spec_.right_keys)) {
      continue;  // equals no left key
    }
    if (IsRetraction(batch.row_kind(r))) {
      const int64_t e = keys_.Find(right_keys_.key(k), right_keys_.hash(k));
      if (e < 0) continue;
      KeyState* state = State(static_cast<uint32_t>(e));
      if (state->right_rows == 0) continue;  // retracts a row never counted
      if (--state->right_rows == 0) {
        // The key's last match is gone: a semi-join withdraws its rows, an anti-join now passes them.
        SLUICE_RETURN_IF_ERROR(EmitStored(*state, semi ? RowKind::kDelete : RowKind::kInsert));
        if (state->head < 0) keys_.Erase(static_cast<uint32_t>(e));
      }
      continue;
    }
    bool inserted = false;
    const uint32_t e = keys_.FindOrInsert(right_keys_.key(k), right_keys_.hash(k), &inserted);
    KeyState* state = State(e);
    if (inserted) state->head = state->tail = -1;
    if (state->right_rows++ == 0) {
      SLUICE_RETURN_IF_ERROR(EmitStored(*state, semi ? RowKind::kInsert : RowKind::kDelete));
    }
  }
  return FlushOut();
}

void SemiJoinOperator::MaybeCompact() {
  if (garbage_ < kCompactMinGarbage || garbage_ < rows_.size() / 2) return;
  compact_scratch_.clear();
  for (uint32_t e = 0; e < keys_.size(); ++e) {
    if (!keys_.alive(e)) continue;
    for (int32_t n = State(e)->head; n >= 0; n = nodes_[n].next) {
      Node& node = nodes_[n];
      const uint32_t at = static_cast<uint32_t>(compact_scratch_.size());
      compact_scratch_.insert(compact_scratch_.end(), rows_.begin() + node.offset,
                              rows_.begin() + node.offset + node.length);
      node.offset = at;
    }
  }
  rows_.swap(compact_scratch_);
  garbage_ = 0;
}

int64_t SemiJoinOperator::StateBytes() const {
  return keys_.MemoryBytes() +
         static_cast<int64_t>(rows_.capacity() + compact_scratch_.capacity() + nodes_.capacity() * sizeof(Node));
}

// Snapshot of one key group: u8 version (1), then per key: bytes key, i64
// right-row count, u32 number of left rows, then each left row as bytes (its
// EncodeRow encoding), in arrival order.
Status SemiJoinOperator::SnapshotKeyGroup(int kg, std::string* out) const {
  SnapshotWriter w(out);
  w.Put<uint8_t>(kSnapshotVersion);
  for (uint32_t e = 0; e < keys_.size(); ++e) {
    if (!keys_.alive(e) || KeyGroupOf(keys_.hash(e), ctx_.num_key_groups) != kg) continue;
    const auto* state = reinterpret_cast<const KeyState*>(keys_.payload(e));
    w.PutBytes(keys_.key(e));
    w.Put<int64_t>(state->right_rows);
    w.Put<uint32_t>(static_cast<uint32_t>(state->left_rows));
    for (int32_t n = state->head; n >= 0; n = nodes_[n].next) {
      w.PutBytes({rows_.data() + nodes_[n].offset, nodes_[n].length});
    }
  }
  return Status::Ok();
}

Status SemiJoinOperator::RestoreKeyGroup(int kg, std::string_view data) {
  SnapshotReader r(data);
  uint8_t version = 0;
  if (!r.Get(&version) || version != kSnapshotVersion) {
    return Status::Corruption(fmt::format("{} snapshot of key group {}: unknown version {}", name(), kg, version));
  }
  while (!r.done()) {
    std::string_view key, row;
    int64_t right_rows = 0;
    uint32_t left_rows = 0;
    if (!r.GetBytes(&key) || !r.Get(&right_rows) || !r.Get(&left_rows)) {
      return Status::Corruption(fmt::format("{} snapshot of key group {} is truncated", name(), kg));
    }
    bool inserted = false;
    const uint32_t e = keys_.FindOrInsert(key, HashKey(key), &inserted);
    if (inserted) State(e)->head = State(e)->tail = -1;
    State(e)->right_rows += right_rows;
    for (uint32_t i = 0; i < left_rows; ++i) {
      if (!r.GetBytes(&row) || !IsEncodedRow(row, schema_)) {
        return Status::Corruption(fmt::format("{} snapshot of key group {}: a stored row is damaged", name(), kg));
      }
      StoreLeft(State(e), row);
    }
  }
  return Status::Ok();
}

}  // namespace sluice::engine
