#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/batch.h"
#include "engine/key_table.h"
#include "engine/keyed_state.h"

namespace sluice::engine {

enum class AggKind : uint8_t {
  kCount,
  kCountDistinct,
  kSum,
  kAvg,
  kMin,
  kMax,
  kFirstValue,
  kLastValue,
  kVarPop,
  kVarSamp,
  kStddevPop,
  kStddevSamp,
  kListAgg,
};
std::string_view AggKindName(AggKind kind);

// One aggregate call as a planner describes it: the function, its argument
// column (by name or index; none for COUNT(*)) and the output column name.
struct AggregateSpec {
  AggKind kind = AggKind::kCount;
  std::string arg;     // column name; empty with arg_index < 0 = COUNT(*)
  int arg_index = -1;  // wins over `arg` when >= 0
  std::string output_name;
  // MIN/MAX over an input that retracts rows (an updating changelog): every
  // value's count is kept per group (in the COUNT DISTINCT side table, so in
  // memory), so that retracting the current extreme finds the next one.
  // FIRST_VALUE/LAST_VALUE: the operator keeps each group's values in
  // arrival order itself (AggregateLayout::external).
  bool retractable = false;
  std::string separator = ",";  // LISTAGG

  AggregateSpec As(std::string name) const {
    AggregateSpec s = *this;
    s.output_name = std::move(name);
    return s;
  }
};

AggregateSpec Count();  // COUNT(*)
AggregateSpec Count(std::string column);
AggregateSpec CountDistinct(std::string column);
AggregateSpec Sum(std::string column);
AggregateSpec Avg(std::string column);
AggregateSpec Min(std::string column);
AggregateSpec Max(std::string column);
// The value of the row with the smallest (FIRST) / largest (LAST) event time;
// ties go to the smaller (FIRST) / larger (LAST) value, so the result does not
// depend on arrival order across partitions.
AggregateSpec FirstValue(std::string column);
AggregateSpec LastValue(std::string column);
// Population / sample variance and standard deviation, as Flink computes
// them (Calcite's reduction): (SUM(x*x) - SUM(x)*SUM(x)/COUNT(x)) / COUNT(x)
// (COUNT(x) - 1 for the sample forms), square-rooted for STDDEV, in the
// argument's type — integer arithmetic for integer columns. NULL without
// rows; the sample forms are NULL for one row.
AggregateSpec VarPop(std::string column);
AggregateSpec VarSamp(std::string column);
AggregateSpec StddevPop(std::string column);
AggregateSpec StddevSamp(std::string column);
// The STRING values of a group joined by `separator` in arrival order (NULLs
// skipped; NULL without values), as Flink's LISTAGG. Append-only input.
AggregateSpec ListAgg(std::string column, std::string separator = ",");

// The accumulators of a list of aggregates laid out side by side in one
// fixed-size payload of a KeyTable entry, and the vectorized kernels that
// update, merge, retract and finalize them.
//
// Result types: COUNT/COUNT DISTINCT BIGINT; SUM BIGINT for integer inputs,
// DOUBLE for DOUBLE; AVG, VAR_*, STDDEV_*, MIN/MAX/FIRST_VALUE/LAST_VALUE the
// input type.
// SUM/AVG/MIN/MAX of no non-NULL value is NULL. Integer sums wrap on overflow.
//
// Thread-safety: immutable after Create; kernels touch only the tables given.
class AggregateLayout {
 public:
  // `time_column` orders FIRST_VALUE/LAST_VALUE (-1: arrival order).
  static Result<AggregateLayout> Create(const std::vector<AggregateSpec>& specs, const Schema& input, int time_column);

  int payload_bytes() const { return width_; }
  int size() const { return static_cast<int>(aggs_.size()); }
  const Field& output_field(int i) const { return aggs_[i].output; }
  bool has_distinct() const { return has_distinct_; }
  bool supports_retraction() const;

  // FIRST_VALUE/LAST_VALUE over an updating input are "external": the
  // operator keeps their values in arrival order and sets the result with
  // SetExternalValue; Accumulate and Merge leave them alone.
  bool external(int i) const { return aggs_[i].external; }
  bool has_external() const;
  AggKind kind(int i) const { return aggs_[i].kind; }
  int arg_column(int i) const { return aggs_[i].arg; }
  // A value as bytes: the fixed-width value of row r of `col`, or the string
  // (also how MIN/MAX value counts key their side-table entries).
  static void ValueBytes(const Column& col, int r, std::string* out);
  // Sets external aggregate i of entry e to `value` (ValueBytes form), or to
  // NULL when `value` is null.
  void SetExternalValue(KeyTable* table, uint32_t e, int i, const std::string* value) const;

  // Adds (sign +1) or retracts (sign -1) live rows ks[0..count) of `batch`,
  // whose group entries in `table` are entries[k] (indexed by live row k) and
  // whose encoded group keys are keys.key(k). COUNT DISTINCT keeps its value
  // sets in `distinct` (key = group key + aggregate + value, payload = refcount).
  Status Accumulate(const Batch& batch, const int32_t* ks, int count, const uint32_t* entries, const KeyEncoder& keys,
                    KeyTable* table, KeyTable* distinct, int sign) const;

  // Merges the accumulator of `src_table` entry `src` into `dst_table` entry
  // `dst`. COUNT DISTINCT counts are summed; callers that merge overlapping
  // value sets recount with RecountDistinct.
  void Merge(const KeyTable& src_table, uint32_t src, KeyTable* dst_table, uint32_t dst) const;
  // Sets the COUNT DISTINCT fields of the groups of `groups` from the union
  // of the value sets `distincts` (scratch: a table reused between calls).
  void RecountDistinct(const std::vector<const KeyTable*>& distincts, KeyTable* groups, KeyTable* scratch) const;

  // Writes the results of entry `e` into columns first_column.. of row `row`.
  void Finalize(const KeyTable& table, uint32_t e, Batch* out, int first_column, int row) const;

  // Copies the string values of entries [0, table->size()) for which
  // live(e) holds into a fresh arena, dropping bytes of replaced values.
  // `scratch` is reused between calls. No-op without string aggregates.
  template <typename Live>
  void CompactStrings(KeyTable* table, std::vector<char>* scratch, Live live) const;
  bool has_string_values() const { return has_strings_; }

  // Writes entry `e` of `table` (key, accumulators and the string values they
  // reference) for a snapshot; ReadEntry inserts it into `table`.
  // `entry`, when given, receives the entry ReadEntry filled.
  void WriteEntry(const KeyTable& table, uint32_t e, SnapshotWriter* w) const;
  Status ReadEntry(SnapshotReader* r, KeyTable* table, uint32_t* entry = nullptr) const;
  // The value of entry `e` without its key (a RocksDB state value): the
  // accumulators, then each string value they reference as u32 length +
  // bytes. DecodeValue fills entry `e` from such bytes.
  void EncodeValue(const KeyTable& table, uint32_t e, std::string* out) const;
  Status DecodeValue(std::string_view value, KeyTable* table, uint32_t e) const;

  // Rows accumulated into entry `e` (the hidden COUNT(*)): with append-only
  // input, a result changed exactly when this did.
  int64_t RowCount(const KeyTable& table, uint32_t e) const {
    int64_t n;
    std::memcpy(&n, table.payload(e) + count_star_offset_, 8);
    return n;
  }

  // True when every accumulator of the entry is empty (all input retracted).
  bool IsEmpty(const KeyTable& table, uint32_t e) const;

 private:
  struct Agg {
    AggKind kind;
    int arg = -1;
    DataType arg_type = DataType::kInt64;
    Field output;
    int offset = 0;
    bool retract_values = false;  // MIN/MAX keeping value counts (AggregateSpec::retractable)
    bool external = false;        // FIRST/LAST_VALUE kept by the operator (AggregateSpec::retractable)
    std::string separator;        // LISTAGG
  };
  // MIN/MAX with retract_values: re-derives the extreme of the groups in
  // `dirty` (table entries whose extreme was retracted) from their value
  // counts in `distinct`.
  void RecomputeExtremes(const Agg& a, size_t ai, const std::vector<uint32_t>& dirty, KeyTable* table,
                         const KeyTable& distinct) const;
  std::vector<Agg> aggs_;
  int width_ = 0;
  int time_column_ = -1;
  bool has_distinct_ = false;
  bool has_strings_ = false;
  int count_star_offset_ = -1;  // a hidden COUNT(*) so IsEmpty() knows when a group has no rows
};

template <typename Live>
void AggregateLayout::CompactStrings(KeyTable* table, std::vector<char>* scratch, Live live) const {
  if (!has_strings_) return;
  scratch->clear();
  for (uint32_t e = 0; e < table->size(); ++e) {
    if (!live(e)) continue;
    for (const Agg& a : aggs_) {
      if (a.arg_type != DataType::kString || a.kind == AggKind::kCount || a.kind == AggKind::kCountDistinct) continue;
      uint8_t* acc = table->payload(e) + a.offset;
      StringRef ref;
      std::memcpy(&ref, acc, sizeof(ref));
      std::string_view v = table->LoadBytes(ref.offset, ref.length);
      StringRef moved{static_cast<uint32_t>(scratch->size()), ref.length};
      scratch->insert(scratch->end(), v.begin(), v.end());
      std::memcpy(acc, &moved, sizeof(moved));
    }
  }
  table->SwapBlob(scratch);
}

}  // namespace sluice::engine
