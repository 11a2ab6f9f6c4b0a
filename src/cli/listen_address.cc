#include "cli/listen_address.h"

#include <charconv>

namespace sluice::cli {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("bad listen address '" + std::string(text) + "': " + why +
                                   " (expected host:port, e.g. 127.0.0.1:9092)");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("missing host or port");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), port};
}

}  // namespace sluice::cli
