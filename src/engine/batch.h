#pragma once

#include <cstdint>
#include <vector>

#include "engine/column.h"
#include "engine/schema.h"

namespace sluice::engine {

// The default number of rows a batch holds: large enough to amortise one
// virtual call per batch, small enough to stay in L2 (DuckDB uses 2048 too).
inline constexpr int kDefaultBatchCapacity = 2048;

// Changelog kind of a row (Flink's RowKind): +I, -U, +U, -D.
enum class RowKind : uint8_t { kInsert = 0, kUpdateBefore, kUpdateAfter, kDelete };
std::string_view RowKindName(RowKind kind);  // "+I", "-U", "+U", "-D"

// Watermark value of rows that were not late when their source read them.
inline constexpr int64_t kNotLate = kMinWatermark;

// A fixed-capacity set of rows stored column by column.
//
// Rows are physical positions [0, num_rows()). A selection vector, when
// present, names the live rows (in increasing order); filters narrow it
// instead of copying data. Two optional per-row side vectors travel with the
// rows and keep their positions:
//   - row kinds (absent = every row is +I);
//   - late watermarks: for a row that was late when its source partition read
//     it (event time below the partition's watermark at that point), that
//     watermark; kNotLate for the others. Absent when no row is late. Window
//     operators use it to classify lateness exactly as the partition saw it,
//     whatever the batching or threading (see README.md, "Event time").
//
// Thread-safety: not thread-safe; passed between threads only by handing it
// over through a queue. Buffers are allocated once; Clear() keeps them.
class Batch {
 public:
  explicit Batch(Schema schema, int capacity = kDefaultBatchCapacity);

  const Schema& schema() const { return schema_; }
  int capacity() const { return capacity_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  Column& column(int i) { return columns_[i]; }
  const Column& column(int i) const { return columns_[i]; }

  int num_rows() const { return num_rows_; }
  void set_num_rows(int n) { num_rows_ = n; }

  // Live rows: selection()[0..active_rows()) when has_selection(), else 0..num_rows().
  bool has_selection() const { return has_selection_; }
  const int32_t* selection() const { return selection_.data(); }
  int32_t* mutable_selection() { return selection_.data(); }
  int active_rows() const { return has_selection_ ? selection_count_ : num_rows_; }
  int active_row(int k) const { return has_selection_ ? selection_[k] : k; }
  void SetSelection(int count) {
    has_selection_ = true;
    selection_count_ = count;
  }
  void ClearSelection() { has_selection_ = false; }

  bool has_row_kinds() const { return has_row_kinds_; }
  RowKind row_kind(int row) const { return has_row_kinds_ ? row_kinds_[row] : RowKind::kInsert; }
  RowKind* mutable_row_kinds() {
    if (!has_row_kinds_) {
      has_row_kinds_ = true;
      std::fill(row_kinds_.begin(), row_kinds_.end(), RowKind::kInsert);
    }
    return row_kinds_.data();
  }

  bool has_late_rows() const { return has_late_rows_; }
  int64_t late_watermark(int row) const { return has_late_rows_ ? late_watermarks_[row] : kNotLate; }
  int64_t* mutable_late_watermarks() {
    if (!has_late_rows_) {
      has_late_rows_ = true;
      std::fill(late_watermarks_.begin(), late_watermarks_.end(), kNotLate);
    }
    return late_watermarks_.data();
  }

  // Empties the batch for reuse: no rows, no selection, no side vectors.
  void Clear();
  // Appends live row `row` of `from` (same schema) as a new physical row,
  // with its kind and late watermark. The caller checks num_rows() < capacity().
  void AppendRow(const Batch& from, int row);
  // Makes the side vectors of row `to_row` those of row `from_row` of `from`.
  void CopySideVectors(const Batch& from, int from_row, int to_row);

  size_t MemoryBytes() const;

 private:
  Schema schema_;
  int capacity_;
  std::vector<Column> columns_;
  int num_rows_ = 0;
  bool has_selection_ = false;
  int selection_count_ = 0;
  std::vector<int32_t> selection_;
  bool has_row_kinds_ = false;
  std::vector<RowKind> row_kinds_;
  bool has_late_rows_ = false;
  std::vector<int64_t> late_watermarks_;
};

}  // namespace sluice::engine
