#pragma once

#include <deque>
#include <memory>
#include <queue>
#include <tuple>
#include <vector>

#include "engine/job.h"
#include "engine/join_type.h"
#include "engine/key_table.h"

namespace sluice::engine {

// An event-time interval join as a planner describes it:
//   L JOIN R ON L.k = R.k AND R.ts BETWEEN L.ts + lower AND L.ts + upper
// Key columns pair up by position and must have equal types. An outer side's
// row that matched nothing is emitted padded with NULLs once the watermark
// passes the end of its join interval (it can match nothing more), so the
// output stays append-only, as in Flink.
struct IntervalJoinSpec {
  std::vector<int> left_keys;
  std::vector<int> right_keys;
  int left_time = -1;   // TIMESTAMP column of the left input
  int right_time = -1;  // TIMESTAMP column of the right input
  int64_t lower_ms = 0;
  int64_t upper_ms = 0;
  JoinType type = JoinType::kInner;
};

// A regular (unwindowed) equi-join: every pair of rows with equal keys,
// whenever they arrive. Each side's rows are kept for `state_ttl_ms` of
// processing time after they arrive (0: forever), then forgotten — Flink's
// table.exec.state.ttl; expiry is silent (it retracts nothing). Inputs may be
// updating changelogs: a -U/-D row removes an equal stored row and retracts
// the pairs it joins with. The output is append-only (+I) for an inner join
// of append-only inputs; otherwise an updating changelog of +I and -D rows,
// as Flink's: an outer side's row without a match is +I(row, NULLs); when
// its first match arrives, -D(row, NULLs) then +I(row, match); when its last
// match is retracted, -D(row, match) then +I(row, NULLs) again.
struct RegularJoinSpec {
  std::vector<int> left_keys;
  std::vector<int> right_keys;
  int64_t state_ttl_ms = 0;
  JoinType type = JoinType::kInner;
};

// Buffers each side's rows per key and joins every arriving row with the
// buffered rows of the other side whose time is in range. Output: every left
// column, then every right column (a right name equal to a left one gets a
// "0" suffix, as in Flink), append-only. Outer joins pad an unmatched row's
// other side with NULLs (see the specs above).
//
// Event time: a row late in its partition (below its partition's watermark)
// goes to that side's late-data sink and the late_rows metric. A buffered
// row is dropped once the watermark shows it can match no future row (left:
// ts + upper < watermark; right: ts - lower < watermark). So the result is
// exactly the pairs of on-time rows that satisfy the condition, whatever the
// batching, the worker count or the interleaving of the inputs.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class IntervalJoinOperator : public TwoInputOperator, public KeyedState {
 public:
  static Result<std::unique_ptr<IntervalJoinOperator>> Create(const Schema& left, const Schema& right,
                                                              IntervalJoinSpec spec, const OperatorContext& ctx);
  // The same machinery as a regular join: no time condition, rows expire by
  // processing time (OnProcessingTime) instead of by watermark.
  static Result<std::unique_ptr<IntervalJoinOperator>> CreateRegular(const Schema& left, const Schema& right,
                                                                     RegularJoinSpec spec, const OperatorContext& ctx);

  bool stateful() const override { return true; }
  std::string name() const override { return regular_ ? "join" : "interval-join"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override { return ProcessSide(0, batch); }
  Status ProcessRight(Batch& batch) override { return ProcessSide(1, batch); }
  Status OnWatermark(int64_t watermark) override;
  // Writes the late rows it holds first: they belong to this checkpoint.
  Status OnBarrier(int64_t checkpoint_id) override;
  Status OnProcessingTime(int64_t now_ms) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // The buffered rows of both sides whose key is in key group `kg`, with the
  // watermark; format in interval_join_operator.cc.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  // The same for many key groups in one pass over each side's keys.
  Status SnapshotKeyGroups(const std::vector<int>& kgs, std::vector<std::string>* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  struct Node {
    int64_t ts = 0;
    int64_t expire = 0;
    int32_t prev = -1;
    int32_t next = -1;
    uint32_t key_entry = 0;
    int32_t chunk = 0;
    int32_t row = 0;
    // Rows of the other side this row has joined with (kept for outer sides;
    // Flink's "number of associations").
    int32_t matches = 0;
    bool alive = false;
  };
  struct Side {
    Side(const Schema& s, std::vector<int> keys, int capacity)
        : schema(s), keys(std::move(keys)), index(4), capacity(capacity) {}
    Schema schema;
    KeyEncoder keys;
    KeyTable index;  // key -> head node + 1
    std::vector<Node> nodes;
    std::vector<int32_t> free_nodes;
    std::vector<std::unique_ptr<Batch>> chunks;
    std::vector<int32_t> chunk_live;
    std::vector<int32_t> free_chunks;
    int32_t current_chunk = -1;
    // Memory of each chunk measured when it stopped being the current one,
    // and their sum: StateBytes() runs at every watermark and must not walk
    // millions of stored rows' chunks.
    std::vector<int64_t> chunk_bytes;
    int64_t stored_chunk_bytes = 0;
    int capacity;
    // (expire, insertion sequence, node): rows expiring together go in the
    // order they were stored, so NULL-padded rows of a key come out in the
    // same order whatever the node numbering (e.g. after a restore).
    using Expiry = std::tuple<int64_t, int64_t, int32_t>;
    // Rows mostly arrive in expiry order (expire = ts + bound): those queue
    // in a FIFO, the others in a heap; the smaller front leaves first. A heap
    // alone cost an O(log n) pop per row.
    struct ExpiryQueue {
      std::deque<Expiry> in_order;
      std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> out_of_order;
      void push(int64_t expire, int64_t seq, int32_t node) {
        if (in_order.empty() || std::get<0>(in_order.back()) <= expire) {
          in_order.emplace_back(expire, seq, node);  // seq grows: still sorted
        } else {
          out_of_order.emplace(expire, seq, node);
        }
      }
      bool empty() const { return in_order.empty() && out_of_order.empty(); }
      const Expiry& top() const {
        if (out_of_order.empty()) return in_order.front();
        if (in_order.empty()) return out_of_order.top();
        return out_of_order.top() < in_order.front() ? out_of_order.top() : in_order.front();
      }
      void pop() {
        if (!out_of_order.empty() && (in_order.empty() || out_of_order.top() < in_order.front())) {
          out_of_order.pop();
        } else {
          in_order.pop_front();
        }
      }
    };
    ExpiryQueue expiry;
    int64_t next_seq = 0;
    int64_t live_rows = 0;
  };

  IntervalJoinOperator(Schema output, IntervalJoinSpec spec, const OperatorContext& ctx, const Schema& left,
                       const Schema& right);
  Status ProcessSide(int side, Batch& batch);
  Status ProcessRegular(int side, Batch& batch);
  Status EmitPair(const Batch& left, int left_row, const Batch& right, int right_row, RowKind kind = RowKind::kInsert);
  // `side`'s row with NULLs for the other side's columns.
  Status EmitPadded(int side, const Batch& batch, int row, RowKind kind);
  // Retracts the stored row of `side` equal to the row: -D of its pairs (and
  // +I padded rows for outer rows of the other side left without a match).
  Status RetractRegular(int side, Batch& batch, int k, int r);
  int32_t Insert(int side, const Batch& batch, int row, uint32_t key_entry, int64_t ts, int64_t expire);
  void Remove(int side, int32_t n);
  Status SendLate(int side, const Batch& batch, int row);
  Status Flush();
  // Drops rows whose expiry is below `before`; with Unmatched::kEmit, an
  // outer side's row that never matched is emitted padded first.
  enum class Unmatched { kDrop, kEmit };
  Status Expire(int64_t before, Unmatched unmatched);

  Schema output_schema_;
  IntervalJoinSpec spec_;
  OperatorContext ctx_;
  Side sides_[2];
  int64_t watermark_ = kMinWatermark;
  bool regular_ = false;
  int64_t ttl_ms_ = 0;
  Batch out_;
  Batch late_[2];
};

}  // namespace sluice::engine
