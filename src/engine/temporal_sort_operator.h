#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/key_table.h"
#include "engine/operator.h"

namespace sluice::engine {

// SQL's ORDER BY on a stream without LIMIT, as Flink allows it: by the
// event-time attribute ascending first, then other columns. Rows wait until
// the watermark shows nothing earlier can come (their time below it), then
// leave in order; the result is append-only. A row already below the
// watermark when it arrives is late: counted, sent to the late-data sink,
// never emitted. Runs as one instance (every row in one key group).
struct TemporalSortSpec {
  int time_column = -1;  // TIMESTAMP, ascending
  struct Then {
    int column = -1;  // BIGINT, INT, DOUBLE or TIMESTAMP
    bool descending = false;
  };
  std::vector<Then> then;  // at most two; further ties keep arrival order
};

// Thread-safety: not thread-safe; one instance per job.
class TemporalSortOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<TemporalSortOperator>> Create(const Schema& input, TemporalSortSpec spec,
                                                              const OperatorContext& ctx);
  std::string name() const override { return "temporal-sort"; }
  const Schema& output_schema() const override { return schema_; }
  bool stateful() const override { return true; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  int64_t StateBytes() const override;
  KeyedState* keyed_state() override { return this; }
  // The waiting rows (in the key group of the empty key; format in
  // temporal_sort_operator.cc).
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  struct Pending {
    int64_t ts;
    int64_t then[2];
    uint8_t null_mask;  // bit i: then[i] is NULL (sorts first ascending, last descending)
    int64_t seq;
    uint32_t offset;
    uint32_t length;
  };
  TemporalSortOperator(const Schema& input, TemporalSortSpec spec, const OperatorContext& ctx);
  bool Before(const Pending& a, const Pending& b) const;
  void Add(const Batch& batch, int row, std::string_view bytes);
  Status Flush();

  Schema schema_;
  TemporalSortSpec spec_;
  OperatorContext ctx_;
  KeyEncoder rows_;  // every column: a row's bytes
  std::vector<Pending> pending_;
  std::vector<char> arena_;
  std::vector<Pending> keep_;    // scratch: rows still waiting after a watermark
  std::vector<char> compacted_;  // scratch arena
  int64_t watermark_ = kMinWatermark;
  int64_t seq_ = 0;
  int own_key_group_ = 0;
  Batch out_;
  std::unique_ptr<Batch> late_;
};

}  // namespace sluice::engine
