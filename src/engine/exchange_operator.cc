#include "engine/exchange_operator.h"

#include <cstring>

namespace sluice::engine {

ExchangeOperator::ExchangeOperator(const Schema& schema, std::vector<int> key_columns, int producer, int num_key_groups,
                                   std::vector<Inbox*> inboxes, std::vector<BatchPool*> pools, uint8_t side)
    : schema_(schema),
      keys_(std::move(key_columns)),
      producer_(producer),
      side_(side),
      num_key_groups_(num_key_groups),
      inboxes_(std::move(inboxes)),
      pools_(std::move(pools)),
      current_(inboxes_.size(), nullptr),
      counts_(inboxes_.size(), 0) {}

Status ExchangeOperator::Push(int dest, ChannelMessage::Kind kind, Batch* batch, int64_t watermark) {
  int64_t blocked = 0;
  bool ok = inboxes_[dest]->Push(ChannelMessage{kind, side_, producer_, batch, watermark}, &blocked);
  metrics().Add(metrics().backpressured_ns, blocked);
  return ok ? Status::Ok() : Status::Cancelled("job cancelled");
}

Status ExchangeOperator::FlushTo(int dest) {
  Batch* b = current_[dest];
  if (!b || b->num_rows() == 0) return Status::Ok();
  current_[dest] = nullptr;
  metrics().Add(metrics().rows_out, b->num_rows());
  return Push(dest, ChannelMessage::Kind::kData, b, 0);
}

Status ExchangeOperator::Process(Batch& batch) {
  const int n = batch.active_rows();
  if (n == 0) return Status::Ok();
  const int dests = static_cast<int>(inboxes_.size());
  if (dest_of_.size() < static_cast<size_t>(batch.capacity())) {
    dest_of_.resize(batch.capacity());
    row_of_.resize(batch.capacity());
  }
  keys_.Encode(batch);
  std::fill(counts_.begin(), counts_.end(), 0);
  for (int k = 0; k < n; ++k) {
    const int d = dests == 1 ? 0 : WorkerOfKeyGroup(KeyGroupOf(keys_.hash(k), num_key_groups_), num_key_groups_, dests);
    dest_of_[k] = d;
    ++counts_[d];
  }
  for (int d = 0; d < dests; ++d) {
    if (counts_[d] == 0) continue;
    if (current_[d] && current_[d]->num_rows() + counts_[d] > current_[d]->capacity()) {
      SLUICE_RETURN_IF_ERROR(FlushTo(d));
    }
    if (!current_[d]) {
      int64_t blocked = 0;
      current_[d] = pools_[d]->Acquire(&blocked);
      metrics().Add(metrics().backpressured_ns, blocked);
      if (!current_[d]) return Status::Cancelled("job cancelled");
    }
    counts_[d] = current_[d]->num_rows();  // now: next free row
  }
  for (int k = 0; k < n; ++k) row_of_[k] = counts_[dest_of_[k]]++;
  for (int c = 0; c < batch.num_columns(); ++c) {
    const Column& src = batch.column(c);
    const int width = PhysicalWidth(src.type());
    for (int k = 0; k < n; ++k) {
      const int r = batch.active_row(k);
      Column& dst = current_[dest_of_[k]]->column(c);
      const int to = row_of_[k];
      dst.SetValidity(to, src.IsValid(r));
      if (src.type() == DataType::kString) {
        if (src.IsValid(r)) {
          dst.SetString(to, src.GetString(r));
        } else {
          dst.data<StringRef>()[to] = StringRef{};
        }
      } else if (width == 8) {
        dst.data<int64_t>()[to] = src.data<int64_t>()[r];
      } else if (width == 4) {
        dst.data<int32_t>()[to] = src.data<int32_t>()[r];
      } else {
        dst.data<uint8_t>()[to] = src.data<uint8_t>()[r];
      }
    }
  }
  if (batch.has_row_kinds() || batch.has_late_rows()) {
    for (int k = 0; k < n; ++k) {
      current_[dest_of_[k]]->CopySideVectors(batch, batch.active_row(k), row_of_[k]);
    }
  }
  for (int d = 0; d < dests; ++d) {
    if (current_[d] && counts_[d] > current_[d]->num_rows()) {
      current_[d]->set_num_rows(counts_[d]);
      if (counts_[d] == current_[d]->capacity()) SLUICE_RETURN_IF_ERROR(FlushTo(d));
    }
  }
  return Status::Ok();
}

Status ExchangeOperator::OnWatermark(int64_t watermark) {
  metrics().watermark.store(watermark, std::memory_order_relaxed);
  for (int d = 0; d < static_cast<int>(inboxes_.size()); ++d) {
    SLUICE_RETURN_IF_ERROR(FlushTo(d));
    SLUICE_RETURN_IF_ERROR(Push(d, ChannelMessage::Kind::kWatermark, nullptr, watermark));
  }
  return Status::Ok();
}

Status ExchangeOperator::OnBarrier(int64_t checkpoint_id) {
  for (int d = 0; d < static_cast<int>(inboxes_.size()); ++d) {
    SLUICE_RETURN_IF_ERROR(FlushTo(d));
    SLUICE_RETURN_IF_ERROR(Push(d, ChannelMessage::Kind::kBarrier, nullptr, checkpoint_id));
  }
  return Status::Ok();
}

Status ExchangeOperator::FlushPending() {
  for (int d = 0; d < static_cast<int>(inboxes_.size()); ++d) SLUICE_RETURN_IF_ERROR(FlushTo(d));
  return Status::Ok();
}

Status ExchangeOperator::SendIdle() {
  for (int d = 0; d < static_cast<int>(inboxes_.size()); ++d) {
    SLUICE_RETURN_IF_ERROR(FlushTo(d));
    SLUICE_RETURN_IF_ERROR(Push(d, ChannelMessage::Kind::kIdle, nullptr, 0));
  }
  return Status::Ok();
}

Status ExchangeOperator::Finish() {
  for (int d = 0; d < static_cast<int>(inboxes_.size()); ++d) {
    SLUICE_RETURN_IF_ERROR(FlushTo(d));
    SLUICE_RETURN_IF_ERROR(Push(d, ChannelMessage::Kind::kEnd, nullptr, 0));
  }
  return Status::Ok();
}

}  // namespace sluice::engine
