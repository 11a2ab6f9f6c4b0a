// Produce: append record batches to partitions and acknowledge them once the
// topic's durability policy is met.

#include <atomic>
#include <mutex>

#include "broker/kafka_handler.h"
#include "broker/kafka_request.h"
#include "broker/messages/produce.h"
#include "log/log.h"

namespace sluice::broker {
namespace {

// Collects per-partition results and sends the response when the last
// partition is durable. Durability callbacks arrive from the log's flusher.
struct PendingProduce {
  std::mutex mu;
  ProduceResponse response;
  int outstanding = 1;  // one extra count held while appends are being issued
  bool respond = true;
};

}  // namespace

Status KafkaHandler::HandleProduce(const RequestPtr& req) {
  ProduceRequest pr = DecodeProduceRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();

  auto pending = std::make_shared<PendingProduce>();
  pending->respond = pr.acks != 0;
  const int16_t version = req->version();
  auto finish_one = [pending, req, version] {
    std::unique_lock lock(pending->mu);
    if (--pending->outstanding > 0) return;
    lock.unlock();
    if (!pending->respond) {
      req->respond(std::string());  // acks=0: the client expects no response
      return;
    }
    req->Reply([&](WireWriter& w) { EncodeProduceResponse(w, version, pending->response); });
  };

  const bool valid_acks = pr.acks == 0 || pr.acks == 1 || pr.acks == -1;
  for (const auto& t : pr.topics) {
    ProduceTopicResponse tr;
    tr.name = std::string(t.name);
    tr.partitions.resize(t.partitions.size());
    pending->response.topics.push_back(std::move(tr));
  }
  for (size_t ti = 0; ti < pr.topics.size(); ++ti) {
    const auto& t = pr.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& p = t.partitions[pi];
      ProducePartitionResponse result;
      result.index = p.index;
      auto set_result = [pending, ti, pi](const ProducePartitionResponse& r) {
        std::lock_guard lock(pending->mu);
        pending->response.topics[ti].partitions[pi] = r;
      };
      if (!valid_acks) {
        result.error = ErrorCode::kInvalidRequiredAcks;
        set_result(result);
        continue;
      }
      if (!p.records || p.records->empty()) {
        result.error = ErrorCode::kCorruptMessage;
        set_result(result);
        continue;
      }
      auto part = log_.GetPartition(t.name, PartitionId{p.index});
      if (!part.ok()) {
        result.error = ErrorCodeFor(part.status());
        set_result(result);
        continue;
      }
      auto appended = (*part)->Append(*p.records);
      if (!appended.ok()) {
        result.error = ErrorCodeFor(appended.status(), ErrorCode::kCorruptMessage);
        set_result(result);
        continue;
      }
      result.base_offset = appended->base_offset.value();
      result.log_start_offset = (*part)->log_start_offset().value();
      set_result(result);
      {
        std::lock_guard lock(pending->mu);
        ++pending->outstanding;
      }
      // acks=1 and acks=-1 both wait for the topic's fsync policy: with a
      // single copy, "written by the leader" and "written by all in-sync
      // replicas" are the same disk.
      (*part)->WhenDurable(appended->last_offset, [pending, ti, pi, finish_one](const Status& s) {
        if (!s.ok()) {
          std::lock_guard lock(pending->mu);
          pending->response.topics[ti].partitions[pi].error = ErrorCodeFor(s, ErrorCode::kKafkaStorageError);
        }
        finish_one();
      });
    }
  }
  finish_one();  // drop the issuing count
  return Status::Ok();
}

}  // namespace sluice::broker
