#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/key_table.h"
#include "engine/operator.h"
#include "engine/window.h"

namespace sluice::engine {

// Flink's window top-N and window deduplication as a planner describes them:
//   SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start,
//     window_end [, keys] ORDER BY c [DESC] [, c2]) AS rn
//     FROM TABLE(TUMBLE(...)) | (a window aggregation)) WHERE rn <= N
// Either the operator assigns windows itself (`window` over `time_column`:
// the input is a window TVF's table, rows in several windows for HOP and
// CUMULATE), or the input already carries its window (`window_end_column`:
// rows of a window aggregation, which come before the watermark passing
// their window's end).
struct WindowRankSpec {
  std::vector<int> partition_keys;  // besides the window; may be empty
  // The TVF's window and its event-time column; unused when window_end_column >= 0.
  WindowSpec window;
  int time_column = -1;
  int window_end_column = -1;
  struct Order {
    int column = -1;  // BIGINT, INT, DOUBLE or TIMESTAMP
    bool descending = false;
  };
  std::vector<Order> order;  // one or two; further ties keep arrival order
  int64_t n = 1;
  bool emit_rank = false;  // append a BIGINT rank column (1..N)
};

// Keeps, per window and partition key, the N best rows (never more: a row
// worse than the N-th is dropped on arrival), and when the watermark reaches
// a window's end emits them in rank order and forgets the window: an
// append-only result, as Flink's WindowRank. Output: the input columns, then
// for a TVF input window_start, window_end, window_time (TIMESTAMP(3),
// window_time = window_end - 1 ms), then the rank when asked. NULLs sort
// first ascending, last descending.
//
// Event time: a row whose windows all closed (their end at or below the
// watermark of its partition or of this operator when it arrives) is late:
// counted and sent to the late-data sink, as window aggregations do.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class WindowRankOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<WindowRankOperator>> Create(const Schema& input, WindowRankSpec spec,
                                                            const OperatorContext& ctx);
  std::string name() const override { return "window-rank"; }
  const Schema& output_schema() const override { return output_; }
  bool stateful() const override { return true; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // Per open window: the kept rows of the keys of group `kg` (format in
  // window_rank_operator.cc).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  // A kept row: its sort keys (as int64 or double bits), arrival sequence
  // (later ties rank after), and its encoding in the pane's arena.
  struct Candidate {
    int64_t sort[2];
    uint8_t null_mask;  // bit i: sort key i is NULL
    int64_t seq;
    uint32_t offset;
    uint32_t length;
  };
  // One window's state: partition key -> up to N candidates (slot block
  // entry * n in `cands`, `counts[entry]` of them used).
  struct Pane {
    Pane() : keys(0) {}
    KeyTable keys;
    std::vector<Candidate> cands;
    std::vector<int32_t> counts;
    std::vector<char> rows;
    size_t garbage = 0;  // bytes of `rows` no candidate refers to any more
  };

  WindowRankOperator(const Schema& input, Schema output, WindowRankSpec spec, const OperatorContext& ctx);
  // Whether `a` ranks before `b`.
  bool Before(const Candidate& a, const Candidate& b) const;
  Candidate CandidateOf(const Batch& batch, int row) const;
  void Offer(int64_t end, std::string_view key, uint64_t hash, Candidate c, std::string_view row);
  Status Fire(int64_t end, Pane& pane);
  // Copies the rows the candidates still refer to into a fresh arena.
  void Compact(Pane& pane);
  Status Flush();
  Status SendLate(const Batch& batch, int row);

  Schema input_;
  Schema output_;
  WindowRankSpec spec_;
  OperatorContext ctx_;
  KeyEncoder keys_;
  KeyEncoder rows_;                // every input column: a row's bytes
  std::map<int64_t, Pane> panes_;  // by window end
  std::vector<Pane> free_panes_;   // fired panes, kept for their buffers
  int64_t watermark_ = kMinWatermark;
  int64_t seq_ = 0;
  Batch out_;
  std::unique_ptr<Batch> late_;
  std::vector<int> order_;       // sort scratch
  std::vector<char> compacted_;  // Compact() scratch
};

}  // namespace sluice::engine
