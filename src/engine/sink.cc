#include "engine/sink.h"

namespace sluice::engine {

std::string CollectedRow::ToString() const {
  std::string s(RowKindName(kind));
  s += "(";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i].ToString();
  return s + ")";
}

Status CollectingSink::Write(const Batch& batch) {
  std::vector<CollectedRow> rows;
  rows.reserve(batch.active_rows());
  for (int k = 0; k < batch.active_rows(); ++k) {
    int r = batch.active_row(k);
    CollectedRow row;
    row.kind = batch.row_kind(r);
    for (int c = 0; c < batch.num_columns(); ++c) row.values.push_back(Value::FromColumn(batch.column(c), r));
    rows.push_back(std::move(row));
  }
  std::lock_guard<std::mutex> lock(mu_);
  rows_.insert(rows_.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  return Status::Ok();
}

Status CollectingSink::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  return Status::Ok();
}

std::vector<CollectedRow> CollectingSink::rows() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rows_;
}

bool CollectingSink::finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

}  // namespace sluice::engine
