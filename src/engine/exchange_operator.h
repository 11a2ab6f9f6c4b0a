#pragma once

#include <memory>
#include <vector>

#include "engine/channel.h"
#include "engine/key_table.h"
#include "engine/operator.h"

namespace sluice::engine {

// The producer side of a key-by: hashes the key columns of each live row
// (XXH3), maps the hash to a key group and the key group to the worker that
// owns it, and copies the row into an outgoing batch for that worker. Full
// batches, and every partial batch before a watermark, go into the worker's
// Inbox; batches come from a BatchPool per destination, so a slow consumer
// blocks this producer (backpressure).
//
// Thread-safety: not thread-safe; one per producer worker.
class ExchangeOperator : public Operator {
 public:
  ExchangeOperator(const Schema& schema, std::vector<int> key_columns, int producer, int num_key_groups,
                   std::vector<Inbox*> inboxes, std::vector<BatchPool*> pools, uint8_t side = 0);

  std::string name() const override { return "exchange"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& batch) override;
  Status OnWatermark(int64_t watermark) override;
  // Flushes and sends the barrier to every consumer.
  Status OnBarrier(int64_t checkpoint_id) override;
  Status Finish() override;
  // Tells every consumer this producer has no active input for now.
  Status SendIdle();
  // Sends every partial batch now: the task calls it when its input goes
  // quiet or rows have waited `JobConfig::buffer_timeout_ms`, so a slow
  // stream's rows do not wait for a full batch (Flink's buffer timeout).
  Status FlushPending();

 private:
  Status FlushTo(int dest);
  Status Push(int dest, ChannelMessage::Kind kind, Batch* batch, int64_t watermark);

  Schema schema_;
  KeyEncoder keys_;
  int producer_;
  uint8_t side_;
  int num_key_groups_;
  std::vector<Inbox*> inboxes_;
  std::vector<BatchPool*> pools_;
  std::vector<Batch*> current_;
  std::vector<int32_t> dest_of_;  // per live row
  std::vector<int32_t> row_of_;   // per live row: its row in the destination batch
  std::vector<int32_t> counts_;
};

}  // namespace sluice::engine
