#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/aggregate.h"
#include "engine/key_table.h"
#include "engine/operator.h"

namespace sluice::engine {

// When a key's global window fires (Flink's GlobalWindows, which never end,
// with a trigger; C++ API: Pipeline::GlobalWindow).
struct GlobalTrigger {
  enum class Kind : uint8_t { kCount, kEventTime, kProcessingTime };
  Kind kind = Kind::kCount;
  // kCount: a key's window fires with its every count-th row (CountTrigger).
  int64_t count = 0;
  // kEventTime / kProcessingTime: every non-empty window fires each time the
  // watermark / the wall clock passes a multiple of this
  // (ContinuousEventTimeTrigger / ContinuousProcessingTimeTrigger).
  int64_t interval_ms = 0;
  // A firing also clears the window (PurgingTrigger); otherwise windows keep
  // accumulating and each firing emits the running result.
  bool purge = false;
  // At the end of a bounded input, non-empty windows fire once more. Flink
  // does this for event-time triggers (the final watermark) only; set it to
  // keep the tail of a count or processing-time trigger.
  bool fire_at_end = false;

  static GlobalTrigger Count(int64_t n) { return {Kind::kCount, n, 0}; }
  static GlobalTrigger EveryEventTime(std::chrono::milliseconds interval) {
    return {Kind::kEventTime, 0, interval.count(), false, true};
  }
  static GlobalTrigger EveryProcessingTime(std::chrono::milliseconds interval) {
    return {Kind::kProcessingTime, 0, interval.count()};
  }
  GlobalTrigger Purging() const {
    GlobalTrigger t = *this;
    t.purge = true;
    return t;
  }
  GlobalTrigger FiringAtEnd() const {
    GlobalTrigger t = *this;
    t.fire_at_end = true;
    return t;
  }
  std::string ToString() const;
};

// A keyed aggregation over global windows: one window per key that never
// closes; the trigger decides when it emits. Each firing appends one row
// (+I): the key columns, then one column per aggregate over the window's
// rows (since the last purge). Append-only input; rows are never late (a
// global window takes any event time). Which rows a time-triggered firing
// includes depends on arrival order, as in Flink.
//
// State: one accumulator per key (cleared by purging triggers), snapshotted
// per key group with the last event-time boundary fired.
//
// Thread-safety: not thread-safe; one per worker owning a range of key groups.
class GlobalWindowOperator : public Operator, public KeyedState {
 public:
  static Result<std::unique_ptr<GlobalWindowOperator>> Create(const Schema& input, std::vector<int> key_columns,
                                                              int time_column, GlobalTrigger trigger,
                                                              std::vector<AggregateSpec> aggregates,
                                                              const OperatorContext& ctx);
  std::string name() const override { return "global-window"; }
  const Schema& output_schema() const override { return output_schema_; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  Status OnProcessingTime(int64_t now_ms) override;
  Status Finish() override;
  bool stateful() const override { return true; }
  int64_t StateBytes() const override { return table_.MemoryBytes(); }
  KeyedState* keyed_state() override { return this; }
  // Format: u8 version 1, i64 last event-time boundary fired, u32 entries,
  // each an AggregateLayout entry and its i64 rows since the last firing.
  Status SnapshotKeyGroup(int kg, std::string* out) const override;
  Status RestoreKeyGroup(int kg, std::string_view data) override;

 private:
  GlobalWindowOperator(Schema output, std::vector<int> keys, AggregateLayout layout, Schema key_schema,
                       GlobalTrigger trigger, const OperatorContext& ctx);
  // Emits entry `e`'s result; with a purging trigger, then clears it.
  Status Fire(uint32_t e);
  // Fires every non-empty window.
  Status FireAll();
  Status Flush();

  Schema output_schema_;
  KeyEncoder keys_;
  AggregateLayout layout_;
  Schema key_schema_;
  GlobalTrigger trigger_;
  KeyTable table_;
  KeyTable no_distinct_;             // COUNT DISTINCT is refused; the kernels want a table
  std::vector<int64_t> since_fire_;  // per entry: rows since its last firing
  std::vector<uint32_t> entries_;
  std::vector<int32_t> all_rows_;  // 0, 1, 2, ...: every live row
  Batch out_;
  int num_key_groups_;
  int64_t fired_boundary_ = kMinWatermark;  // event time: the last multiple of interval_ms fired
  int64_t next_processing_fire_ = 0;
  std::vector<char> blob_scratch_;
  size_t blob_after_compaction_ = 0;
};

}  // namespace sluice::engine
