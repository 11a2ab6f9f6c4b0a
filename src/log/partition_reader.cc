#include "log/partition_reader.h"

#include "log/partition.h"

#include <algorithm>

namespace sluice::log {

PartitionReader::PartitionReader(std::shared_ptr<const Partition> partition, Offset from, size_t fetch_bytes)
    : partition_(std::move(partition)), fetch_bytes_(fetch_bytes), next_(from) {}

bool PartitionReader::Fetch() {
  if (next_ >= partition_->high_watermark()) return false;
  buffer_.clear();
  auto r = partition_->Read(next_, fetch_bytes_, &buffer_);
  if (!r.ok()) {
    status_ = r.status();
    return false;
  }
  rest_ = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buffer_.data()), buffer_.size());
  return r->bytes > 0;
}

bool PartitionReader::Next(Record* out) {
  if (!status_.ok()) return false;
  for (;;) {
    if (in_batch_) {
      while (records_.Next(out)) {
        if (out->offset < next_) continue;  // before the start, in the same batch
        next_ = Offset{out->offset.value() + 1};
        return true;
      }
      in_batch_ = false;
      if (!records_.status().ok()) {
        status_ = records_.status();
        return false;
      }
      // Offsets the batch spans but no longer holds (compaction) are passed.
      next_ = std::max(next_, batch_end_);
    }
    if (rest_.empty() && !Fetch()) return false;
    auto view = RecordBatchView::Parse(rest_);
    if (!view.ok()) {
      status_ = view.status();
      return false;
    }
    rest_ = rest_.subspan(view->header().total_size());
    batch_end_ = Offset{view->header().last_offset().value() + 1};
    if (batch_end_ <= next_) continue;  // wholly before the start
    // Control batches (transaction markers) carry no user records.
    if (view->header().is_control()) {
      next_ = batch_end_;
      continue;
    }
    status_ = records_.Reset(*view);
    if (!status_.ok()) return false;
    in_batch_ = true;
  }
}

}  // namespace sluice::log
