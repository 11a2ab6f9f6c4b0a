#pragma once

#include <map>
#include <memory>
#include <queue>
#include <vector>

#include "engine/aggregate.h"
#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/window.h"

namespace sluice::engine {

// Rows held back because they were late in their partition: each is applied
// when the operator's watermark reaches the watermark its partition had when
// the row was read, so the outcome is the one of a one-row-at-a-time run.
//
// Thread-safety: not thread-safe.
class PendingLateRows {
 public:
  PendingLateRows(Schema schema, int capacity) : schema_(std::move(schema)), capacity_(capacity) {}
  void Add(const Batch& batch, int row, int64_t row_watermark);
  bool empty() const { return heap_.empty(); }
  int64_t min_watermark() const { return heap_.front().watermark; }
  // The oldest pending row (smallest watermark, then arrival): its batch has
  // a selection of exactly that row.
  Batch* TopAsBatch();
  void Pop();
  size_t size() const { return heap_.size(); }

  // Snapshot of the pending rows whose key (`key_columns`) is in key group
  // `kg`, in the order they will be applied: u32 rows, each: i64 partition
  // watermark, u8 row kind, bytes row (the whole input row, snapshot_rows.h).
  void SnapshotKeyGroup(int kg, int num_key_groups, const std::vector<int>& key_columns, SnapshotWriter* w) const;
  // Adds the rows of such a snapshot, after the rows already pending with the
  // same watermark. Corruption if malformed or a row is of another key group.
  Status RestoreKeyGroup(int kg, int num_key_groups, const std::vector<int>& key_columns, SnapshotReader* r);

 private:
  struct Ref {
    int64_t watermark;
    int64_t seq;
    int32_t chunk;
    int32_t row;
    bool operator>(const Ref& o) const { return watermark != o.watermark ? watermark > o.watermark : seq > o.seq; }
  };
  Schema schema_;
  int capacity_;
  std::vector<std::unique_ptr<Batch>> chunks_;
  size_t used_chunks_ = 0;
  int64_t seq_ = 0;
  // A min-heap (std::push_heap with std::greater) rather than a
  // priority_queue, so that a snapshot can read it.
  std::vector<Ref> heap_;
};

// Shared machinery of keyed window aggregations: lateness classification,
// pending late rows, the output batch and the late-data side output.
//
// Event-time rules (README.md, "Event time"): a row whose event time is at or
// above its partition's watermark is on time. A late row (below it) is
// applied when the operator's watermark reaches that partition watermark
// `w`: windows ending at or before `w` count as fired, so the row updates
// them if end + allowed lateness > w (retract + new row) and otherwise, if it
// belongs to no window that can still take it, goes to the late output.
//
// Thread-safety: not thread-safe; one instance per worker owning a range of
// key groups.
class WindowOperatorBase : public Operator {
 public:
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  // Writes the late rows it holds first: they belong to this checkpoint.
  Status OnBarrier(int64_t checkpoint_id) override;
  bool stateful() const override { return true; }

 protected:
  WindowOperatorBase(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout, const OperatorContext& ctx);

  // On-time rows ks[0..count) of `batch` (keys_ encodes its live rows).
  virtual Status AddOnTime(const Batch& batch, const int32_t* ks, int count) = 0;
  // Live row k of `batch`, late with partition watermark `w` (<= fired_up_to_).
  virtual Status ApplyLate(const Batch& batch, int k, int64_t w) = 0;
  // Fires every window ending at or before t and frees state no longer needed.
  virtual Status FireUpTo(int64_t t) = 0;
  // Whether a late row with partition watermark `w` is on time for every window it joins.
  virtual bool OnTimeForAllWindows(int64_t ts, int64_t w) const = 0;

  // Starts an output row; returns its index. Flushes a full batch first.
  Result<int> BeginOutputRow(RowKind kind);
  Status FlushOutput();
  Status SendLate(const Batch& batch, int k);
  // The pending late rows of key group `kg` (PendingLateRows::SnapshotKeyGroup).
  void SnapshotPendingLateRows(int kg, SnapshotWriter* w) const {
    pending_.SnapshotKeyGroup(kg, ctx_.num_key_groups, spec_.key_columns, w);
  }
  Status RestorePendingLateRows(int kg, SnapshotReader* r) {
    return pending_.RestoreKeyGroup(kg, ctx_.num_key_groups, spec_.key_columns, r);
  }

  Schema input_schema_;
  Schema output_schema_;
  WindowAggregateSpec spec_;
  AggregateLayout layout_;
  OperatorContext ctx_;
  KeyEncoder keys_;
  Schema key_schema_;
  int64_t fired_up_to_ = kMinWatermark;
  Batch out_;
  Batch late_;
  std::vector<uint32_t> entries_;  // per live row of the batch being processed
  std::vector<int32_t> scratch_ks_;

 private:
  PendingLateRows pending_;
};

// Tumbling, hopping and cumulative windows over slices: each row updates one
// slice accumulator (slice = gcd(size, slide) for hop, step for cumulate,
// size for tumble), and a window merges its slices when it fires, so the
// per-row cost does not grow with size/slide.
class SlicedWindowOperator : public WindowOperatorBase, public KeyedState {
 public:
  static Result<std::unique_ptr<SlicedWindowOperator>> Create(const Schema& input, WindowAggregateSpec spec,
                                                              const OperatorContext& ctx);
  std::string name() const override { return "window"; }
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // Format (little-endian): u8 version 2, i64 fired-up-to watermark, u32
  // slices, each: i64 slice end, u32 groups (AggregateLayout::WriteEntry),
  // u32 distinct values (bytes key, bytes 12-byte payload); then the late
  // rows of the key group still pending (PendingLateRows::SnapshotKeyGroup).
  // Version 1 is the same without the pending rows; it is still read.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  // The same for many key groups in one pass over each slice (a checkpoint
  // takes all of a worker's key groups at once).
  Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 protected:
  Status AddOnTime(const Batch& batch, const int32_t* ks, int count) override;
  Status ApplyLate(const Batch& batch, int k, int64_t w) override;
  Status FireUpTo(int64_t t) override;
  bool OnTimeForAllWindows(int64_t ts, int64_t w) const override { return FirstWindowEnd(SliceEnd(ts)) > w; }

 public:
  Status OnProcessingTime(int64_t now_ms) override;

 private:
  struct Slice {
    Slice(int payload) : groups(payload), distinct(12) {}
    KeyTable groups;
    KeyTable distinct;
  };
  SlicedWindowOperator(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout,
                       const OperatorContext& ctx);

  int64_t SliceEnd(int64_t ts) const;
  int64_t WindowStart(int64_t end) const;
  int64_t FirstWindowEnd(int64_t slice_end) const;  // smallest window end containing the slice
  int64_t LastWindowEnd(int64_t slice_end) const;   // largest
  int64_t NextWindowEndAfter(int64_t t) const;      // smallest window end > t
  Slice* GetSlice(int64_t slice_end);
  // Merges the slices of window `end` for one key into single_ (entry 0); false if the key has no data.
  bool MergeKey(int64_t end, std::string_view key, uint64_t hash);
  Status EmitWindowRow(RowKind kind, const KeyTable& table, uint32_t e, int64_t end);
  // The current results of window `end` (the one slice's table, or merged_); null if empty.
  const KeyTable* WindowResults(int64_t end);
  // Emits `results` for window `end`: +I for keys not emitted early, -U/+U
  // for keys whose early result changed. `final` drops the early record.
  Status EmitResults(int64_t end, const KeyTable& results, bool final);
  Status FireWindow(int64_t end);

  int64_t slice_ms_;
  int64_t slide_ms_;
  using SliceMap = std::map<int64_t, std::unique_ptr<Slice>>;
  SliceMap slices_;
  std::vector<SliceMap::node_type> free_slices_;  // recycled with their map nodes: no allocation per slice
  KeyTable merged_;
  KeyTable single_;
  KeyTable distinct_scratch_;
  std::vector<const KeyTable*> distinct_list_;
  struct SliceRun {
    int64_t slice_end;
    std::vector<int32_t> ks;
  };
  std::vector<SliceRun> runs_;
  size_t used_runs_ = 0;
  // Early firing: per open window, the accumulators last emitted per key.
  std::map<int64_t, std::unique_ptr<KeyTable>> early_;
  int64_t next_early_ms_ = kMinWatermark;
};

// Session windows per key: a row opens [ts, ts + gap) and merges every
// session it overlaps; a session fires when the watermark reaches its end.
// COUNT DISTINCT is not supported on sessions yet.
class SessionWindowOperator : public WindowOperatorBase, public KeyedState {
 public:
  static Result<std::unique_ptr<SessionWindowOperator>> Create(const Schema& input, WindowAggregateSpec spec,
                                                               const OperatorContext& ctx);
  std::string name() const override { return "session-window"; }
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // Format (little-endian): u8 version 2, i64 fired-up-to watermark, u32
  // keys, each: bytes key, u32 sessions, each: i64 start, i64 end, u8 fired,
  // then the accumulators (AggregateLayout::WriteEntry); then the late rows
  // of the key group still pending (PendingLateRows::SnapshotKeyGroup).
  // Version 1 is the same without the pending rows; it is still read.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  // The same for many key groups in one pass over the keys.
  Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 protected:
  Status AddOnTime(const Batch& batch, const int32_t* ks, int count) override;
  Status ApplyLate(const Batch& batch, int k, int64_t w) override;
  Status FireUpTo(int64_t t) override;
  bool OnTimeForAllWindows(int64_t ts, int64_t w) const override { return false; }

 private:
  struct Node {
    int64_t start = 0;
    int64_t end = 0;
    int32_t next = -1;
    uint32_t key_entry = 0;
    bool alive = false;
    bool fired = false;
    int64_t timer_at = kNoTimer;  // time of this node's one pending timer
  };
  static constexpr int64_t kNoTimer = kMinWatermark;
  SessionWindowOperator(const Schema& input, WindowAggregateSpec spec, AggregateLayout layout,
                        const OperatorContext& ctx);
  int32_t NewNode(uint32_t key_entry, int64_t start, int64_t end);
  void FreeNode(int32_t n);
  int32_t& Head(uint32_t key_entry);
  // Adds row k to the key's sessions; `w` is the fired horizon (late rows) or kMinWatermark.
  Status AddRow(const Batch& batch, int k, int64_t w);
  // Accumulates the rows AddRow() deferred (live rows of `batch`, targets in entries_).
  Status AccumulateDeferred(const Batch& batch);
  Status EmitSession(RowKind kind, int32_t n);
  void Schedule(int32_t n);

  int64_t gap_ms_;
  KeyTable keys_table_;  // key -> head node + 1 (int32)
  KeyTable accs_;        // entry i = accumulator of node i
  std::vector<Node> nodes_;
  std::vector<int32_t> free_nodes_;
  std::vector<int32_t> scratch_nodes_;
  std::vector<int32_t> deferred_;  // live rows added to a session but not yet accumulated
  int64_t live_nodes_ = 0;
  std::vector<char> blob_scratch_;
  size_t blob_after_compaction_ = 0;
  std::priority_queue<std::pair<int64_t, int32_t>, std::vector<std::pair<int64_t, int32_t>>, std::greater<>> timers_;
};

// Builds the window operator a spec needs.
Result<std::unique_ptr<Operator>> CreateWindowOperator(const Schema& input, const WindowAggregateSpec& spec,
                                                       const OperatorContext& ctx);
// The output schema of a window aggregation over `input`.
Result<Schema> WindowOutputSchema(const Schema& input, const WindowAggregateSpec& spec);

}  // namespace sluice::engine
