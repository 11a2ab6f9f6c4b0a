#include "broker/kafka_server.h"

#include <asio.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "broker/kafka_handler.h"
#include "common/logging.h"

namespace sluice::broker {

class Connection;

struct KafkaServer::Impl {
  Impl(KafkaServerOptions o, KafkaHandler& h) : options(std::move(o)), handler(h), acceptor(io), tick_timer(io) {}

  void Accept();
  void Tick();
  void Forget(uint64_t id) {
    std::lock_guard lock(mu);
    connections.erase(id);
  }

  KafkaServerOptions options;
  KafkaHandler& handler;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer tick_timer;
  std::function<void()> on_tick;
  std::vector<std::thread> threads;
  int bound_port = 0;
  std::atomic<uint64_t> next_id{1};
  mutable std::mutex mu;
  std::map<uint64_t, std::weak_ptr<Connection>> connections;
  bool running = false;
};

// One client connection. Everything it does runs on its strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, KafkaServer::Impl& server, uint64_t id)
      : socket_(std::move(socket)), strand_(asio::make_strand(server.io)), server_(server), id_(id) {
    std::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? "unknown" : ep.address().to_string() + ":" + std::to_string(ep.port());
    host_ = ec ? "unknown" : "/" + ep.address().to_string();
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  }

  void Start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->ReadSize(); });
  }

  void Close() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  void ReadSize() {
    if (closed_) return;
    asio::async_read(
        socket_, asio::buffer(size_buf_),
        asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, size_t) { self->OnSize(ec); }));
  }

  void OnSize(std::error_code ec) {
    if (ec) return CloseNow();
    int32_t size = static_cast<int32_t>((uint32_t{size_buf_[0]} << 24) | (uint32_t{size_buf_[1]} << 16) |
                                        (uint32_t{size_buf_[2]} << 8) | size_buf_[3]);
    if (size < 8 || size > server_.options.max_frame_bytes) {
      SLUICE_LOG_WARN("kafka",
                      "closing connection from {}: request size {} is outside 8..{} bytes "
                      "(not a Kafka client, or raise the frame limit)",
                      peer_, size, server_.options.max_frame_bytes);
      return CloseNow();
    }
    frame_.resize(static_cast<size_t>(size));
    asio::async_read(
        socket_, asio::buffer(frame_),
        asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, size_t) { self->OnFrame(ec); }));
  }

  void OnFrame(std::error_code ec) {
    if (ec) return CloseNow();
    uint64_t seq = next_seq_++;
    ++in_flight_;
    RequestContext ctx{id_, host_, strand_};
    std::weak_ptr<Connection> weak = weak_from_this();
    auto strand = strand_;
    Responder respond = [weak, strand, seq](std::string out) {
      asio::post(strand, [weak, seq, out = std::move(out)]() mutable {
        if (auto self = weak.lock()) self->Complete(seq, std::move(out));
      });
    };
    Status s = server_.handler.Handle(std::move(frame_), ctx, std::move(respond));
    frame_ = {};
    if (!s.ok()) {
      SLUICE_LOG_WARN("kafka", "closing connection from {}: {}", peer_, s.ToString());
      return CloseNow();
    }
    if (in_flight_ < server_.options.max_in_flight_per_connection) {
      ReadSize();
    } else {
      reading_paused_ = true;
    }
  }

  void Complete(uint64_t seq, std::string out) {
    if (closed_) return;
    ready_[seq] = std::move(out);
    // Responses leave strictly in request order.
    while (!ready_.empty() && ready_.begin()->first == next_to_send_) {
      std::string& r = ready_.begin()->second;
      if (!r.empty()) write_queue_.push_back(std::move(r));
      ready_.erase(ready_.begin());
      ++next_to_send_;
      --in_flight_;
    }
    if (reading_paused_ && in_flight_ < server_.options.max_in_flight_per_connection) {
      reading_paused_ = false;
      ReadSize();
    }
    Write();
  }

  void Write() {
    if (writing_ || write_queue_.empty() || closed_) return;
    writing_ = true;
    // Gather everything queued into one write.
    sending_.clear();
    while (!write_queue_.empty()) {
      sending_.push_back(std::move(write_queue_.front()));
      write_queue_.pop_front();
    }
    buffers_.clear();
    for (const auto& s : sending_) buffers_.push_back(asio::buffer(s));
    asio::async_write(socket_, buffers_,
                      asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->CloseNow();
                        self->Write();
                      }));
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.Forget(id_);
    SLUICE_LOG_DEBUG("kafka", "connection {} from {} closed", id_, peer_);
  }

  asio::ip::tcp::socket socket_;
  asio::strand<asio::io_context::executor_type> strand_;
  KafkaServer::Impl& server_;
  uint64_t id_;
  std::string peer_;
  std::string host_;
  uint8_t size_buf_[4] = {};
  std::vector<uint8_t> frame_;
  uint64_t next_seq_ = 0;
  uint64_t next_to_send_ = 0;
  int in_flight_ = 0;
  bool reading_paused_ = false;
  std::map<uint64_t, std::string> ready_;
  std::deque<std::string> write_queue_;
  std::vector<std::string> sending_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  bool closed_ = false;
};

void KafkaServer::Impl::Accept() {
  acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        SLUICE_LOG_WARN("kafka", "accept failed: {}", ec.message());
        Accept();
      }
      return;
    }
    uint64_t id = next_id++;
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lock(mu);
      if (static_cast<int>(connections.size()) >= options.max_connections) {
        SLUICE_LOG_WARN("kafka", "refusing connection: {} connections open (limit {})", connections.size(),
                        options.max_connections);
      } else {
        conn = std::make_shared<Connection>(std::move(socket), *this, id);
        connections[id] = conn;
      }
    }
    if (conn) conn->Start();
    Accept();
  });
}

void KafkaServer::Impl::Tick() {
  tick_timer.expires_after(std::chrono::milliseconds(100));
  tick_timer.async_wait([this](std::error_code ec) {
    if (ec) return;
    if (on_tick) on_tick();
    Tick();
  });
}

KafkaServer::KafkaServer(KafkaServerOptions options, KafkaHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

KafkaServer::~KafkaServer() { Stop(); }

Status KafkaServer::Start(std::function<void()> on_tick) {
  auto& o = impl_->options;
  std::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return Status::InvalidArgument("bad Kafka listen host '" + o.host + "': " + ec.message());
  asio::ip::tcp::endpoint ep(address, static_cast<uint16_t>(o.port));
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IoError("cannot listen for Kafka clients on " + o.host + ":" + std::to_string(o.port) + ": " +
                           ec.message() + " (in use? choose another with --kafka-listen)");
  }
  impl_->bound_port = a.local_endpoint().port();
  impl_->on_tick = std::move(on_tick);
  impl_->running = true;
  impl_->Accept();
  impl_->Tick();
  for (int i = 0; i < std::max(1, o.io_threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return Status::Ok();
}

void KafkaServer::Stop() {
  if (!impl_->running) return;
  impl_->running = false;
  asio::post(impl_->io, [this] {
    std::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->tick_timer.cancel();
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [id, weak] : impl_->connections) {
      if (auto c = weak.lock()) open.push_back(c);
    }
  }
  for (auto& c : open) c->Close();
  open.clear();
  // Pending long-poll timers would otherwise keep run() busy until they expire.
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

int KafkaServer::port() const { return impl_->bound_port; }

size_t KafkaServer::connection_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections.size();
}

}  // namespace sluice::broker
