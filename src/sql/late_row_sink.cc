#include "sql/late_row_sink.h"

#include <fmt/format.h>

#include "sql/expr_binder.h"

namespace sluice::sql {

LateRowSink::LateRowSink(std::string table, engine::Schema schema, std::shared_ptr<engine::Sink> target)
    : table_(std::move(table)), schema_(std::move(schema)), target_(std::move(target)) {}

Result<const std::vector<int>*> LateRowSink::Mapping(const engine::Schema& input) {
  for (const auto& [s, m] : mappings_) {
    if (s == input) return &m;
  }
  std::vector<int> mapping;
  for (const auto& f : schema_.fields()) {
    auto idx = input.IndexOf("$late." + f.name);
    if (!idx.ok()) idx = input.IndexOf(f.name);
    if (!idx.ok()) {
      return Status::InvalidArgument(fmt::format(
          "late-data table {}: column {} does not reach the operator that dropped the late rows (its input has {}); "
          "keep the column in the subquery or view that reads the source, or drop it from {}",
          table_, f.name, input.ToString(), table_));
    }
    if (input.field(*idx).type != f.type) {
      return Status::InvalidArgument(fmt::format("late-data table {}: column {} is {} there but {} in the late rows",
                                                 table_, f.name, SqlTypeName(f.type),
                                                 SqlTypeName(input.field(*idx).type)));
    }
    mapping.push_back(*idx);
  }
  mappings_.emplace_back(input, std::move(mapping));
  return &mappings_.back().second;
}

Status LateRowSink::Write(const engine::Batch& batch) {
  if (batch.active_rows() == 0) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(const std::vector<int>* mapping, Mapping(batch.schema()));
  if (!out_ || out_->capacity() < batch.capacity()) {
    out_ = std::make_unique<engine::Batch>(schema_, std::max(batch.capacity(), engine::kDefaultBatchCapacity));
  }
  out_->Clear();
  const int n = batch.active_rows();
  for (int c = 0; c < schema_.size(); ++c) {
    const engine::Column& from = batch.column((*mapping)[c]);
    engine::Column& to = out_->column(c);
    for (int k = 0; k < n; ++k) to.CopyRow(from, batch.active_row(k), k);
  }
  out_->set_num_rows(n);
  return target_->Write(*out_);
}

Status LateRowSink::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return Status::Ok();
  finished_ = true;
  return target_->Finish();
}

}  // namespace sluice::sql
