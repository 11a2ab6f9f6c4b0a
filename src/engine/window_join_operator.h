#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/job.h"
#include "engine/join_type.h"
#include "engine/key_table.h"
#include "engine/window.h"

namespace sluice::engine {

// A window join as a planner describes it (Flink's join of two window
// table functions on window_start, window_end and keys): rows of both inputs
// with equal keys that fall in the same window. Tumbling, hopping and
// cumulative windows; allowed lateness is not used. An outer side's rows
// that found no partner in a window are emitted padded with NULLs when the
// window closes (append-only, as in Flink).
struct WindowJoinSpec {
  std::vector<int> left_keys;
  std::vector<int> right_keys;
  int left_time = -1;
  int right_time = -1;
  WindowSpec window;
  JoinType type = JoinType::kInner;
  // Where the window's bounds go in the output rows:
  //   kShared:  window_start, window_end, left columns, right columns;
  //   kPerSide: left columns, window_start, window_end, window_time, right
  //             columns, window_start, window_end, window_time — the shape of
  //             SQL's join of two window TVFs (a NULL-padded side's window
  //             columns are NULL too; window_time = window_end - 1 ms).
  enum class WindowColumns { kShared, kPerSide } window_columns = WindowColumns::kShared;
};

// Buffers each window's rows per key and side; when the watermark reaches a
// window's end, emits every (left, right) pair of each key and frees the
// window. Output: window_start, window_end, every left column, then every
// right column (right names equal to earlier ones get a "0" suffix), or the
// per-side layout of WindowJoinSpec::WindowColumns::kPerSide.
// A row whose window had already closed in its partition (end at or below
// the partition's watermark when the row was read) goes to its side's late
// sink. The result is therefore exactly the pairs of rows whose windows were
// open, whatever the batching, worker count or timing.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class WindowJoinOperator : public TwoInputOperator, public KeyedState {
 public:
  static Result<std::unique_ptr<WindowJoinOperator>> Create(const Schema& left, const Schema& right,
                                                            WindowJoinSpec spec, const OperatorContext& ctx);
  bool stateful() const override { return true; }
  std::string name() const override { return "window-join"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override { return ProcessSide(0, batch); }
  Status ProcessRight(Batch& batch) override { return ProcessSide(1, batch); }
  Status OnWatermark(int64_t watermark) override;
  // Writes the late rows it holds first: they belong to this checkpoint.
  Status OnBarrier(int64_t checkpoint_id) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // The open windows' rows of both sides whose key is in key group `kg`, with
  // the watermark; format in window_join_operator.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  // One window's rows: per key, the row lists of both sides.
  struct Pane {
    Pane() : index(16) {}
    KeyTable index;  // key -> {i32 head left + 1, i32 head right + 1, ...}
    std::vector<std::unique_ptr<Batch>> chunks[2];
    std::vector<int32_t> next[2];  // per stored row (chunk * capacity + row): next row of the key, -1
  };
  WindowJoinOperator(Schema output, WindowJoinSpec spec, const OperatorContext& ctx, const Schema& left,
                     const Schema& right);
  Status ProcessSide(int side, Batch& batch);
  Pane* GetPane(int64_t end);
  void Store(Pane* pane, int side, const Batch& batch, int row, uint32_t key_entry);
  Status FirePane(int64_t end, Pane* pane);
  // A pair; a null `l` or `r` pads that side with NULLs.
  Status EmitPair(int64_t end, const Batch* l, int lr, const Batch* r, int rr);
  // Copies one side's row (or NULLs) with its window columns into output row `row`.
  void PutSide(int side, int64_t end, const Batch* b, int br, int row);
  Status SendLate(int side, const Batch& batch, int row);
  Status Flush();
  int64_t WindowStart(int64_t end) const;

  Schema output_schema_;
  WindowJoinSpec spec_;
  OperatorContext ctx_;
  Schema schemas_[2];
  int side_offset_[2] = {0, 0};  // output column of each side's first column
  KeyEncoder keys_[2];
  int64_t watermark_ = kMinWatermark;
  std::map<int64_t, std::unique_ptr<Pane>> panes_;
  std::vector<std::unique_ptr<Pane>> free_panes_;
  Batch out_;
  Batch late_[2];
};

}  // namespace sluice::engine
