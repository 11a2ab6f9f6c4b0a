#include "cli/raw_kafka_request.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "broker/protocol/wire_reader.h"
#include "broker/protocol/wire_writer.h"
#include "cli/listen_address.h"

namespace sluice::cli {
namespace {

constexpr int32_t kMaxResponseBytes = 64 << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Status WaitFor(int fd, short events, std::chrono::milliseconds timeout, const std::string& where) {
  pollfd p{fd, events, 0};
  int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (rc == 0) return Status::Timeout("no answer from " + where);
  if (rc < 0) return Status::IoErrorFromErrno("poll", where, errno);
  return Status::Ok();
}

}  // namespace

Result<std::vector<uint8_t>> SendKafkaRequest(const std::string& bootstrap, int16_t api_key, int16_t api_version,
                                              const std::string& body, std::chrono::milliseconds timeout) {
  std::string first = bootstrap.substr(0, bootstrap.find(','));
  SLUICE_ASSIGN_OR_RETURN(ListenAddress addr, ParseListenAddress(first));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(addr.host.c_str(), std::to_string(addr.port).c_str(), &hints, &res); rc != 0) {
    return Status::Unavailable(fmt::format("cannot resolve {}: {}", addr.host, gai_strerror(rc)));
  }
  Socket s(::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol));
  int rc = s.fd() < 0 ? -1 : ::connect(s.fd(), res->ai_addr, res->ai_addrlen);
  int err = errno;
  ::freeaddrinfo(res);
  if (rc != 0) return Status::Unavailable(fmt::format("cannot connect to {}: {}", first, std::strerror(err)));

  std::string frame;
  broker::WireWriter w(&frame);
  size_t size_pos = w.Reserve32();
  w.Int16(api_key);
  w.Int16(api_version);
  w.Int32(1);  // correlation id
  w.NullableString("sluice-cli");
  frame.append(body);
  w.Patch32(size_pos, static_cast<int32_t>(frame.size() - 4));
  for (size_t sent = 0; sent < frame.size();) {
    SLUICE_RETURN_IF_ERROR(WaitFor(s.fd(), POLLOUT, timeout, first));
    ssize_t n = ::send(s.fd(), frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status::IoErrorFromErrno("send to", first, errno);
    sent += static_cast<size_t>(n);
  }
  auto read_exact = [&](uint8_t* p, size_t n) -> Status {
    for (size_t got = 0; got < n;) {
      SLUICE_RETURN_IF_ERROR(WaitFor(s.fd(), POLLIN, timeout, first));
      ssize_t k = ::recv(s.fd(), p + got, n - got, 0);
      if (k == 0) return Status::Unavailable(first + " closed the connection (request not supported?)");
      if (k < 0) return Status::IoErrorFromErrno("recv from", first, errno);
      got += static_cast<size_t>(k);
    }
    return Status::Ok();
  };
  uint8_t size_buf[4];
  SLUICE_RETURN_IF_ERROR(read_exact(size_buf, 4));
  int32_t size = static_cast<int32_t>((uint32_t{size_buf[0]} << 24) | (uint32_t{size_buf[1]} << 16) |
                                      (uint32_t{size_buf[2]} << 8) | size_buf[3]);
  if (size < 4 || size > kMaxResponseBytes) return Status::Corruption(fmt::format("bad response size {}", size));
  std::vector<uint8_t> resp(static_cast<size_t>(size));
  SLUICE_RETURN_IF_ERROR(read_exact(resp.data(), resp.size()));
  resp.erase(resp.begin(), resp.begin() + 4);  // correlation id
  return resp;
}

}  // namespace sluice::cli
