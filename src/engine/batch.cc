#include "engine/batch.h"

#include <algorithm>

namespace sluice::engine {

std::string_view RowKindName(RowKind kind) {
  switch (kind) {
    case RowKind::kInsert: return "+I";
    case RowKind::kUpdateBefore: return "-U";
    case RowKind::kUpdateAfter: return "+U";
    case RowKind::kDelete: return "-D";
  }
  return "?";
}

Batch::Batch(Schema schema, int capacity)
    : schema_(std::move(schema)),
      capacity_(capacity),
      selection_(capacity),
      row_kinds_(capacity, RowKind::kInsert),
      late_watermarks_(capacity, kNotLate) {
  columns_.reserve(schema_.size());
  for (const Field& f : schema_.fields()) columns_.emplace_back(f.type, capacity);
}

void Batch::Clear() {
  num_rows_ = 0;
  has_selection_ = false;
  selection_count_ = 0;
  has_row_kinds_ = false;
  has_late_rows_ = false;
  for (Column& c : columns_) c.Reset();
}

void Batch::CopySideVectors(const Batch& from, int from_row, int to_row) {
  if (from.has_row_kinds_) {
    mutable_row_kinds()[to_row] = from.row_kinds_[from_row];
  } else if (has_row_kinds_) {
    row_kinds_[to_row] = RowKind::kInsert;
  }
  if (from.has_late_rows_) {
    mutable_late_watermarks()[to_row] = from.late_watermarks_[from_row];
  } else if (has_late_rows_) {
    late_watermarks_[to_row] = kNotLate;
  }
}

void Batch::AppendRow(const Batch& from, int row) {
  int to = num_rows_++;
  for (int c = 0; c < num_columns(); ++c) columns_[c].CopyRow(from.columns_[c], row, to);
  CopySideVectors(from, row, to);
}

size_t Batch::MemoryBytes() const {
  size_t bytes = selection_.capacity() * 4 + row_kinds_.capacity() + late_watermarks_.capacity() * 8;
  for (const Column& c : columns_) bytes += c.MemoryBytes();
  return bytes;
}

}  // namespace sluice::engine
