#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace sluice::cli {

// Sends one request (non-flexible header v1) to the first broker of
// `bootstrap` ("host:port[,host:port...]") over a fresh TCP connection and
// returns the response body after the correlation id. For the few requests
// librdkafka's admin API lacks (DescribeLogDirs); everything else goes
// through librdkafka.
Result<std::vector<uint8_t>> SendKafkaRequest(const std::string& bootstrap, int16_t api_key, int16_t api_version,
                                              const std::string& body, std::chrono::milliseconds timeout);

}  // namespace sluice::cli
