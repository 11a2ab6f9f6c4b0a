#include "sql/side_output_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "sql/expr_binder.h"

namespace sluice::sql {

SideOutputSink::SideOutputSink(std::string what, std::string table, engine::Schema schema,
                               std::shared_ptr<engine::Sink> target,
                               std::vector<std::pair<std::string, std::string>> constants, LateWatermark late_watermark)
    : what_(std::move(what)),
      table_(std::move(table)),
      constants_(std::move(constants)),
      late_watermark_(late_watermark),
      schema_(std::move(schema)),
      target_(std::move(target)) {}

namespace {
// A mapping entry for a column filled from constants_[i].
constexpr int ConstantIndex(size_t i) { return -1 - static_cast<int>(i); }
// A mapping entry for the late_watermark column.
constexpr int kLateWatermarkIndex = std::numeric_limits<int>::min();
}  // namespace

Result<const std::vector<int>*> SideOutputSink::Mapping(const engine::Schema& input) {
  for (const auto& [s, m] : mappings_) {
    if (s == input) return &m;
  }
  std::vector<int> mapping;
  for (const auto& f : schema_.fields()) {
    auto idx = input.IndexOf("$late." + f.name);
    if (!idx.ok()) idx = input.IndexOf(f.name);
    if (!idx.ok()) {
      auto c = std::find_if(constants_.begin(), constants_.end(), [&](const auto& kv) { return kv.first == f.name; });
      if (c != constants_.end() && f.type == engine::DataType::kString) {
        mapping.push_back(ConstantIndex(static_cast<size_t>(c - constants_.begin())));
        continue;
      }
      if (late_watermark_ == LateWatermark::kColumn && f.name == "late_watermark" &&
          f.type == engine::DataType::kTimestamp) {
        mapping.push_back(kLateWatermarkIndex);
        continue;
      }
      return Status::InvalidArgument(
          fmt::format("{} {}: column {} is not in the rows written there ({}); keep the column in the subquery or "
                      "view that reads the source, or drop it from {}",
                      what_, table_, f.name, input.ToString(), table_));
    }
    if (input.field(*idx).type != f.type) {
      return Status::InvalidArgument(fmt::format("{} {}: column {} is {} there but {} in the rows written there", what_,
                                                 table_, f.name, SqlTypeName(f.type),
                                                 SqlTypeName(input.field(*idx).type)));
    }
    mapping.push_back(*idx);
  }
  mappings_.emplace_back(input, std::move(mapping));
  return &mappings_.back().second;
}

Status SideOutputSink::WriteFrom(int writer, const engine::Batch& batch) {
  if (batch.active_rows() == 0) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(const std::vector<int>* mapping, Mapping(batch.schema()));
  if (!out_ || out_->capacity() < batch.capacity()) {
    out_ = std::make_unique<engine::Batch>(schema_, std::max(batch.capacity(), engine::kDefaultBatchCapacity));
  }
  out_->Clear();
  const int n = batch.active_rows();
  for (int c = 0; c < schema_.size(); ++c) {
    engine::Column& to = out_->column(c);
    const int m = (*mapping)[c];
    if (m == kLateWatermarkIndex) {
      for (int k = 0; k < n; ++k) {
        const int64_t wm = batch.late_watermark(batch.active_row(k));
        if (wm == engine::kNotLate) {
          to.SetNull(k);
        } else {
          to.data<int64_t>()[k] = wm;
          to.SetValid(k);
        }
      }
      continue;
    }
    if (m < 0) {
      const std::string& value = constants_[static_cast<size_t>(-1 - m)].second;
      for (int k = 0; k < n; ++k) {
        to.SetString(k, value);
        to.SetValid(k);
      }
      continue;
    }
    const engine::Column& from = batch.column(m);
    for (int k = 0; k < n; ++k) to.CopyRow(from, batch.active_row(k), k);
  }
  out_->set_num_rows(n);
  return target_->WriteFrom(writer, *out_);
}

Status SideOutputSink::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return Status::Ok();
  finished_ = true;
  return target_->Finish();
}

}  // namespace sluice::sql
