// libFuzzer target: build with -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++,
// run build/src/broker/kafka_request_fuzzer [corpus dir].
#include <cstddef>
#include <cstdint>

#include "broker/fuzz/kafka_request_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::broker::FuzzKafkaRequestDecoder(data, size);
  return 0;
}
