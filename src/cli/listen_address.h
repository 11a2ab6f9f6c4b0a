#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::cli {

struct ListenAddress {
  std::string host;
  int port = 0;
};

// Parses "host:port" ("127.0.0.1:9092", "[::1]:9092", "localhost:0").
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace sluice::cli
