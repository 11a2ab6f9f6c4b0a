#include "engine/calc_operator.h"

#include <fmt/format.h>

#include <cstring>

namespace sluice::engine {

Result<std::unique_ptr<CalcOperator>> CalcOperator::Create(const Schema& input, Expr filter,
                                                           std::vector<Projection> projections, int capacity,
                                                           const Clock* clock) {
  std::vector<Field> fields;
  std::vector<std::unique_ptr<CompiledExpr>> compiled;
  for (size_t i = 0; i < projections.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto c, CompileExpr(projections[i].expr, input, capacity));
    if (clock) c->SetClock(clock);
    std::string name = projections[i].name.empty() ? fmt::format("EXPR${}", i) : projections[i].name;
    fields.push_back({name, c->type()});
    compiled.push_back(std::move(c));
  }
  Schema out_schema = projections.empty() ? input : Schema(fields);
  std::unique_ptr<CalcOperator> op(new CalcOperator(out_schema, capacity));
  op->projections_ = std::move(compiled);
  if (filter.valid()) {
    SLUICE_ASSIGN_OR_RETURN(op->filter_, CompileExpr(filter, input, capacity));
    if (clock) op->filter_->SetClock(clock);
    if (op->filter_->type() != DataType::kBool) {
      return Status::InvalidArgument(fmt::format("filter {} is {}, not BOOLEAN; write a comparison", filter.ToString(),
                                                 DataTypeName(op->filter_->type())));
    }
  }
  return op;
}

namespace {

void CopyColumn(const Column& from, Column* to, const Batch& rows) {
  std::memcpy(to->validity(), from.validity(), ((rows.num_rows() + 63) / 64) * sizeof(uint64_t));
  if (from.type() == DataType::kString) {
    to->Reset();
    for (int k = 0; k < rows.active_rows(); ++k) {
      int r = rows.active_row(k);
      if (from.IsValid(r)) to->SetString(r, from.GetString(r));
    }
  } else {
    std::memcpy(to->data<uint8_t>(), from.data<uint8_t>(),
                static_cast<size_t>(rows.num_rows()) * PhysicalWidth(from.type()));
  }
}

}  // namespace

Status CalcOperator::OnWatermark(int64_t watermark) {
  if (filter_ && filter_->reads_watermark()) filter_->set_watermark(watermark);
  for (auto& p : projections_) {
    if (p->reads_watermark()) p->set_watermark(watermark);
  }
  return EmitWatermark(watermark);
}

Status CalcOperator::Process(Batch& batch) {
  if (filter_) {
    const Column* pred = filter_->Evaluate(batch);
    const uint8_t* v = pred->data<uint8_t>();
    int32_t* sel = batch.mutable_selection();
    int kept = 0;
    if (batch.has_selection()) {
      const int n = batch.active_rows();
      for (int k = 0; k < n; ++k) {
        int r = sel[k];
        sel[kept] = r;
        kept += pred->IsValid(r) & (v[r] != 0);
      }
    } else {
      const int n = batch.num_rows();
      for (int r = 0; r < n; ++r) {
        sel[kept] = r;
        kept += pred->IsValid(r) & (v[r] != 0);
      }
    }
    batch.SetSelection(kept);
    if (kept == 0) return Status::Ok();
  }
  if (projections_.empty()) return Emit(batch);

  out_.Clear();
  out_.set_num_rows(batch.num_rows());
  for (size_t i = 0; i < projections_.size(); ++i) {
    const Column* c = projections_[i]->Evaluate(batch);
    CopyColumn(*c, &out_.column(static_cast<int>(i)), batch);
  }
  if (batch.has_selection()) {
    std::memcpy(out_.mutable_selection(), batch.selection(), batch.active_rows() * sizeof(int32_t));
    out_.SetSelection(batch.active_rows());
  }
  if (batch.has_row_kinds()) {
    for (int k = 0; k < batch.active_rows(); ++k) {
      int r = batch.active_row(k);
      out_.mutable_row_kinds()[r] = batch.row_kind(r);
    }
  }
  if (batch.has_late_rows()) {
    for (int k = 0; k < batch.active_rows(); ++k) {
      int r = batch.active_row(k);
      out_.mutable_late_watermarks()[r] = batch.late_watermark(r);
    }
  }
  return Emit(out_);
}

}  // namespace sluice::engine
