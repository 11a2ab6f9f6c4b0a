#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/coordinator/group_coordinator.h"
#include "broker/protocol/request_header.h"
#include "common/status.h"

namespace sluice::log {
class Log;
}

namespace sluice::broker {

struct OffsetFetchRequest;

struct BrokerOptions {
  int32_t node_id = 0;
  // Host and port that clients are told to connect to (Metadata,
  // FindCoordinator): the listen address unless overridden.
  std::string advertised_host = "127.0.0.1";
  int32_t advertised_port = 9092;
  std::string cluster_id = "sluice";
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  // Upper bound on one Fetch response regardless of what the client asks.
  int32_t max_fetch_response_bytes = 64 << 20;
};

// What the handler knows about the connection a request came from.
struct RequestContext {
  uint64_t connection_id = 0;
  std::string client_host;
  // The connection's strand: asynchronous completions (long-poll fetch,
  // group rebalances, fsync acknowledgements) are posted here.
  asio::any_io_executor executor;
};

// Receives the complete response frame (size prefix included). Called exactly
// once per request, possibly later and from another thread; with an empty
// string for a request that gets no response (Produce with acks=0), so the
// connection can keep later responses in order.
using Responder = std::function<void(std::string frame)>;

// Decodes one Kafka request, executes it against the log and the group
// coordinator, and encodes the response.
//
// Thread-safety: thread-safe; the server calls it from several I/O threads.
// Lifetime: the log and coordinator must outlive it, and it must outlive
// every connection (pending long-polls hold no reference to it after Stop()).
class KafkaHandler {
 public:
  KafkaHandler(BrokerOptions options, log::Log& log, GroupCoordinator& coordinator);
  ~KafkaHandler();

  // `frame` is one request without its size prefix; the handler keeps it
  // alive as long as the request needs it. A non-OK Status means the request
  // could not be decoded: the caller logs it and closes the connection. An
  // unsupported API or version is not an error: it is answered with
  // UNSUPPORTED_VERSION and the connection stays usable.
  Status Handle(std::vector<uint8_t> frame, const RequestContext& ctx, Responder respond);

  const BrokerOptions& options() const { return options_; }
  // Set once the listener is bound (port 0 picks one), before any request.
  void SetAdvertisedAddress(std::string host, int32_t port) {
    options_.advertised_host = std::move(host);
    options_.advertised_port = port;
  }

 private:
  struct Request;
  using RequestPtr = std::shared_ptr<Request>;

  Status HandleApiVersions(const RequestPtr& req);
  Status HandleMetadata(const RequestPtr& req);
  Status HandleProduce(const RequestPtr& req);
  Status HandleFetch(const RequestPtr& req);
  Status HandleListOffsets(const RequestPtr& req);
  Status HandleFindCoordinator(const RequestPtr& req);
  Status HandleJoinGroup(const RequestPtr& req);
  Status HandleSyncGroup(const RequestPtr& req);
  Status HandleHeartbeat(const RequestPtr& req);
  Status HandleLeaveGroup(const RequestPtr& req);
  Status HandleOffsetCommit(const RequestPtr& req);
  Status HandleOffsetFetch(const RequestPtr& req);
  void AnswerOffsetFetch(const RequestPtr& req, const OffsetFetchRequest& of);
  Status HandleDescribeGroups(const RequestPtr& req);
  Status HandleListGroups(const RequestPtr& req);
  Status HandleCreateTopics(const RequestPtr& req);
  Status HandleDeleteTopics(const RequestPtr& req);
  Status HandleDescribeLogDirs(const RequestPtr& req);

  BrokerOptions options_;
  log::Log& log_;
  GroupCoordinator& coordinator_;
  // Committed offsets are fsynced before a commit is acknowledged, so
  // OffsetCommit runs here, off the network threads. One thread: OffsetFetch
  // goes through it too, so a fetch never overtakes an earlier commit.
  asio::thread_pool blocking_pool_{1};
};

}  // namespace sluice::broker
