// Fetch: read whole stored batches from partitions, long-polling until
// MinBytes are available or MaxWaitMs pass, without spinning.

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>

#include "broker/kafka_handler.h"
#include "broker/kafka_request.h"
#include "broker/messages/fetch.h"
#include "log/log.h"

namespace sluice::broker {
namespace {

// One Fetch in progress. Lives on the connection's strand: Wake() and the
// timer run there; partition listeners only post to it.
class PendingFetch : public std::enable_shared_from_this<PendingFetch> {
 public:
  using Respond = std::function<void(std::string)>;

  PendingFetch(FetchRequest fetch, const RequestHeader& header, int32_t max_response_bytes, log::Log& log,
               asio::any_io_executor executor)
      : fetch_(std::move(fetch)), header_(header), version_(header.api_version), executor_(executor), timer_(executor) {
    max_bytes_ = std::min(fetch_.max_bytes, max_response_bytes);
    for (const auto& t : fetch_.topics) {
      for (const auto& p : t.partitions) {
        auto part = log.GetPartition(t.name, PartitionId{p.index});
        partitions_.push_back(part.ok() ? *part : nullptr);
        errors_.push_back(part.ok() ? ErrorCode::kNone : ErrorCodeFor(part.status()));
      }
    }
  }

  // Builds the whole response frame into `out`, records appended in place by
  // the log; returns record bytes gathered and whether any partition failed.
  size_t Build(std::string* out, bool* any_error) {
    WireWriter w(out);
    size_t size_pos = w.Reserve32();
    EncodeResponseHeader(w, header_);
    FetchResponseWriter fw(w, version_, static_cast<int32_t>(fetch_.topics.size()));
    size_t total = 0;
    size_t i = 0;
    *any_error = false;
    for (const auto& t : fetch_.topics) {
      fw.BeginTopic(t.name, static_cast<int32_t>(t.partitions.size()));
      for (const auto& p : t.partitions) {
        const auto& part = partitions_[i];
        ErrorCode error = errors_[i];
        ++i;
        int64_t hw = -1, log_start = -1;
        if (part) {
          hw = part->high_watermark().value();
          log_start = part->log_start_offset().value();
        }
        // Whole batches only; the log returns at least one batch even when it
        // exceeds the budget, so a consumer always makes progress (KIP-74).
        size_t budget =
            static_cast<size_t>(std::max(0, std::min(p.max_bytes, max_bytes_ - static_cast<int32_t>(total))));
        if (error == ErrorCode::kNone && part && budget == 0 && total > 0) {
          size_t pos = fw.BeginPartition(p.index, error, hw, log_start);
          fw.EndPartition(pos);
          continue;
        }
        size_t partition_start = out->size();
        size_t pos = fw.BeginPartition(p.index, error, hw, log_start);
        if (error == ErrorCode::kNone && part) {
          size_t before = out->size();
          auto r = part->Read(Offset{p.fetch_offset}, std::max<size_t>(budget, 1), out);
          if (!r.ok()) {
            // Rewrite this partition's header with the error.
            out->resize(partition_start);
            pos = fw.BeginPartition(p.index, ErrorCodeFor(r.status()), hw, log_start);
            *any_error = true;
          } else {
            total += out->size() - before;
          }
        } else {
          *any_error = true;
        }
        fw.EndPartition(pos);
      }
    }
    w.Patch32(size_pos, static_cast<int32_t>(out->size() - 4));
    return total;
  }

  void Start(Respond respond) {
    respond_ = std::move(respond);
    if (fetch_.max_wait_ms > 0 && fetch_.min_bytes > 0) {
      // Listen before the first read, so that an append racing with it wakes us.
      std::weak_ptr<PendingFetch> weak = weak_from_this();
      for (const auto& part : partitions_) {
        if (!part) continue;
        uint64_t id = part->AddAppendListener([weak, ex = executor_] {
          if (auto self = weak.lock()) asio::post(ex, [self] { self->Wake(); });
        });
        listeners_.emplace_back(part, id);
      }
    }
    std::string body;
    bool any_error = false;
    size_t total = Build(&body, &any_error);
    if (total >= static_cast<size_t>(std::max(fetch_.min_bytes, 0)) || any_error || fetch_.max_wait_ms <= 0 ||
        listeners_.empty()) {
      Finish(std::move(body));
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(fetch_.max_wait_ms));
    timer_.async_wait(
        asio::bind_executor(executor_, [self = shared_from_this()](const std::error_code&) { self->Expire(); }));
  }

 private:
  void Wake() {
    if (finished_) return;
    std::string body;
    bool any_error = false;
    size_t total = Build(&body, &any_error);
    if (total >= static_cast<size_t>(fetch_.min_bytes) || any_error) Finish(std::move(body));
  }

  void Expire() {
    if (finished_) return;
    std::string body;
    bool any_error = false;
    Build(&body, &any_error);
    Finish(std::move(body));
  }

  void Finish(std::string body) {
    finished_ = true;
    for (auto& [part, id] : listeners_) part->RemoveAppendListener(id);
    listeners_.clear();
    timer_.cancel();
    respond_(std::move(body));
  }

  FetchRequest fetch_;
  RequestHeader header_;
  int16_t version_;
  int32_t max_bytes_;
  asio::any_io_executor executor_;
  asio::steady_timer timer_;
  std::vector<std::shared_ptr<log::Partition>> partitions_;
  std::vector<ErrorCode> errors_;
  std::vector<std::pair<std::shared_ptr<log::Partition>, uint64_t>> listeners_;
  Respond respond_;
  bool finished_ = false;
};

}  // namespace

Status KafkaHandler::HandleFetch(const RequestPtr& req) {
  FetchRequest fetch = DecodeFetchRequest(req->reader, req->version());
  if (!req->reader.ok()) return req->DecodeError();
  auto pending = std::make_shared<PendingFetch>(std::move(fetch), req->header, options_.max_fetch_response_bytes, log_,
                                                req->ctx.executor);
  // Capturing `req` keeps alive the frame that the topic names in `fetch` point into.
  pending->Start([req](std::string frame) { req->respond(std::move(frame)); });
  return Status::Ok();
}

}  // namespace sluice::broker
