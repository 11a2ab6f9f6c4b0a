#include "log/fuzz/record_batch_fuzz.h"

#include <span>
#include <vector>

#include "log/record_batch.h"

namespace sluice::log {

void FuzzRecordBatchDecoder(const uint8_t* data, size_t size) {
  std::span<const uint8_t> rest(data, size);
  RecordIterator it;
  std::vector<RecordHeader> headers;
  size_t sink = 0;
  while (!rest.empty()) {
    auto view = RecordBatchView::Parse(rest);
    if (!view.ok()) return;
    // Decode even when the CRC fails: the decoder must survive any bytes.
    (void)view->VerifyCrc().ok();
    if (it.Reset(*view).ok()) {
      Record r;
      while (it.Next(&r)) {
        sink += r.key ? r.key->size() : 0;
        sink += r.value ? r.value->size() : 0;
        if (DecodeRecordHeaders(r, &headers).ok()) {
          for (const auto& h : headers) sink += h.key.size() + (h.value ? h.value->size() : 0);
        }
      }
    }
    rest = rest.subspan(view->header().total_size());
  }
  volatile size_t keep = sink;
  (void)keep;
}

}  // namespace sluice::log
