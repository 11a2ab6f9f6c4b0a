#include "sql/computed_source.h"

namespace sluice::sql {

namespace {

class ComputedReader : public engine::SourceReader {
 public:
  ComputedReader(std::unique_ptr<engine::SourceReader> inner, engine::Schema inner_schema,
                 const std::vector<engine::Projection>* computed)
      : inner_(std::move(inner)), in_(std::move(inner_schema), 1), computed_(computed) {}

  Result<engine::ReadStatus> Read(engine::Batch* out) override {
    if (in_.capacity() != out->capacity()) {  // first read: size buffers to the job's batches
      in_ = engine::Batch(in_.schema(), out->capacity());
      exprs_.clear();
      for (const engine::Projection& p : *computed_) {
        SLUICE_ASSIGN_OR_RETURN(auto c, engine::CompileExpr(p.expr, in_.schema(), out->capacity()));
        exprs_.push_back(std::move(c));
      }
    }
    in_.Clear();
    SLUICE_ASSIGN_OR_RETURN(engine::ReadStatus st, inner_->Read(&in_));
    int physical = in_.num_columns();
    for (int k = 0; k < in_.active_rows(); ++k) {
      int row = in_.active_row(k);
      int to = out->num_rows();
      for (int c = 0; c < physical; ++c) out->column(c).CopyRow(in_.column(c), row, to);
      out->set_num_rows(to + 1);
    }
    for (size_t i = 0; i < exprs_.size(); ++i) {
      const engine::Column* col = exprs_[i]->Evaluate(in_);
      engine::Column& dst = out->column(physical + static_cast<int>(i));
      for (int k = 0; k < in_.active_rows(); ++k) dst.CopyRow(*col, in_.active_row(k), k);
    }
    return st;
  }
  int64_t bad_records() const override { return inner_->bad_records(); }
  void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override { inner_->SetDeadLetterOutput(out); }

 private:
  std::unique_ptr<engine::SourceReader> inner_;
  engine::Batch in_;
  const std::vector<engine::Projection>* computed_;  // owned by the ComputedSource
  std::vector<std::unique_ptr<engine::CompiledExpr>> exprs_;
};

}  // namespace

Result<std::shared_ptr<ComputedSource>> ComputedSource::Create(std::shared_ptr<engine::Source> inner,
                                                               std::vector<engine::Projection> computed,
                                                               int event_time_column,
                                                               engine::WatermarkStrategy strategy) {
  auto s = std::shared_ptr<ComputedSource>(new ComputedSource());
  std::vector<engine::Field> fields = inner->schema().fields();
  for (const engine::Projection& p : computed) {
    SLUICE_ASSIGN_OR_RETURN(engine::DataType t, engine::ExprType(p.expr, inner->schema()));
    fields.push_back({p.name, t});
  }
  s->schema_ = engine::Schema(std::move(fields));
  s->inner_ = std::move(inner);
  s->computed_ = std::move(computed);
  s->event_time_column_ = event_time_column;
  s->strategy_ = strategy;
  return s;
}

Result<std::unique_ptr<engine::SourceReader>> ComputedSource::OpenSplit(int split) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, inner_->OpenSplit(split));
  return std::unique_ptr<engine::SourceReader>(new ComputedReader(std::move(reader), inner_->schema(), &computed_));
}

}  // namespace sluice::sql
