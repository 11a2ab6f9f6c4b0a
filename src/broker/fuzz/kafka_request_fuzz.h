#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::broker {

// The fuzz entry point for the Kafka request decoder: decodes a request
// header and, for every API and version the server supports, the request
// body, exactly as the server does before executing it. Must never crash,
// hang, read out of bounds or allocate without bound, whatever the bytes.
// Called by the libFuzzer target (kafka_request_fuzzer.cc, -DSLUICE_FUZZ=ON
// with clang) and by the unit test KafkaRequestFuzzCorpus with gcc.
void FuzzKafkaRequestDecoder(const uint8_t* data, size_t size);

}  // namespace sluice::broker
