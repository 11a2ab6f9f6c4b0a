#include "engine/memory_source.h"

#include <fmt/format.h>

#include <cstring>

namespace sluice::engine {

void CopyBatch(const Batch& from, Batch* to) {
  to->Clear();
  const int n = from.num_rows();
  for (int c = 0; c < from.num_columns(); ++c) {
    const Column& src = from.column(c);
    Column& dst = to->column(c);
    std::memcpy(dst.validity(), src.validity(), ((n + 63) / 64) * sizeof(uint64_t));
    if (src.type() == DataType::kString) {
      std::memcpy(dst.data<StringRef>(), src.data<StringRef>(), n * sizeof(StringRef));
      char* bytes = dst.ExtendArena(src.arena_size());
      if (src.arena_size() > 0) std::memcpy(bytes, src.arena(), src.arena_size());
    } else {
      std::memcpy(dst.data<uint8_t>(), src.data<uint8_t>(), static_cast<size_t>(n) * PhysicalWidth(src.type()));
    }
  }
  to->set_num_rows(n);
  if (from.has_selection()) {
    std::memcpy(to->mutable_selection(), from.selection(), from.active_rows() * sizeof(int32_t));
    to->SetSelection(from.active_rows());
  }
  if (from.has_row_kinds()) {
    for (int r = 0; r < n; ++r) to->mutable_row_kinds()[r] = from.row_kind(r);
  }
  if (from.has_late_rows()) {
    for (int r = 0; r < n; ++r) to->mutable_late_watermarks()[r] = from.late_watermark(r);
  }
}

namespace {

class MemoryReader : public SourceReader {
 public:
  MemoryReader(const std::vector<std::shared_ptr<Batch>>* batches, size_t next) : batches_(batches), next_(next) {}
  Result<ReadStatus> Read(Batch* out) override {
    if (next_ >= batches_->size()) return ReadStatus::kEndOfInput;
    const Batch& b = *(*batches_)[next_++];
    if (b.num_rows() > out->capacity()) {
      return Status::InvalidArgument(fmt::format("memory source batch of {} rows exceeds the job's batch capacity {}",
                                                 b.num_rows(), out->capacity()));
    }
    CopyBatch(b, out);
    return ReadStatus::kData;
  }
  // Position: version byte 1, then the next batch's index (u64 LE).
  Result<std::string> Position() const override {
    std::string out(1, '\x01');
    uint64_t next = next_;
    out.append(reinterpret_cast<const char*>(&next), sizeof(next));
    return out;
  }

 private:
  const std::vector<std::shared_ptr<Batch>>* batches_;
  size_t next_ = 0;
};

Result<int> TimeColumn(const Schema& schema, const std::string& name) {
  if (name.empty()) return -1;
  SLUICE_ASSIGN_OR_RETURN(int idx, schema.IndexOf(name));
  if (schema.field(idx).type != DataType::kTimestamp) {
    return Status::InvalidArgument(
        fmt::format("event-time column '{}' is {}, not TIMESTAMP(3)", name, DataTypeName(schema.field(idx).type)));
  }
  return idx;
}

}  // namespace

Result<std::shared_ptr<MemorySource>> MemorySource::Create(Schema schema, std::vector<std::vector<Row>> partitions,
                                                           const std::string& event_time_column,
                                                           WatermarkStrategy strategy, int batch_capacity) {
  std::vector<std::vector<std::shared_ptr<Batch>>> batches(partitions.size());
  for (size_t p = 0; p < partitions.size(); ++p) {
    std::shared_ptr<Batch> cur;
    for (const Row& row : partitions[p]) {
      if (static_cast<int>(row.size()) != schema.size()) {
        return Status::InvalidArgument(
            fmt::format("row has {} values, schema {} has {} columns", row.size(), schema.ToString(), schema.size()));
      }
      if (!cur || cur->num_rows() == batch_capacity) {
        cur = std::make_shared<Batch>(schema, batch_capacity);
        batches[p].push_back(cur);
      }
      int r = cur->num_rows();
      for (int c = 0; c < schema.size(); ++c) {
        if (!row[c].is_null && row[c].type != schema.field(c).type) {
          return Status::InvalidArgument(fmt::format("value {} does not match column {} {}", row[c].ToString(),
                                                     schema.field(c).name, DataTypeName(schema.field(c).type)));
        }
        Value v = row[c];
        v.type = schema.field(c).type;
        v.WriteTo(&cur->column(c), r);
      }
      cur->set_num_rows(r + 1);
    }
  }
  return FromBatches(std::move(schema), std::move(batches), event_time_column, strategy);
}

Result<std::shared_ptr<MemorySource>> MemorySource::FromBatches(
    Schema schema, std::vector<std::vector<std::shared_ptr<Batch>>> partitions, const std::string& event_time_column,
    WatermarkStrategy strategy) {
  auto s = std::shared_ptr<MemorySource>(new MemorySource());
  SLUICE_ASSIGN_OR_RETURN(s->event_time_column_, TimeColumn(schema, event_time_column));
  s->schema_ = std::move(schema);
  s->strategy_ = strategy;
  s->partitions_ = std::move(partitions);
  return s;
}

Result<std::unique_ptr<SourceReader>> MemorySource::OpenSplit(int split) {
  if (split < 0 || split >= num_splits()) {
    return Status::OutOfRange(fmt::format("memory source has {} partitions, asked for {}", num_splits(), split));
  }
  return std::unique_ptr<SourceReader>(new MemoryReader(&partitions_[split], 0));
}

Result<std::unique_ptr<SourceReader>> MemorySource::OpenSplitAt(int split, std::string_view position) {
  if (split < 0 || split >= num_splits()) {
    return Status::OutOfRange(fmt::format("memory source has {} partitions, asked for {}", num_splits(), split));
  }
  uint64_t next;
  if (position.size() != 1 + sizeof(next) || position[0] != '\x01') {
    return Status::Corruption("memory source position: expected version 1 and 8 bytes");
  }
  std::memcpy(&next, position.data() + 1, sizeof(next));
  if (next > partitions_[split].size()) {
    return Status::OutOfRange(fmt::format("memory source position {} beyond partition {}'s {} batches", next, split,
                                          partitions_[split].size()));
  }
  return std::unique_ptr<SourceReader>(new MemoryReader(&partitions_[split], next));
}

}  // namespace sluice::engine
