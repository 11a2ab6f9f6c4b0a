// libFuzzer target: cmake -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ …;
// run build/src/log/record_batch_fuzzer [corpus-dir].
#include <cstddef>
#include <cstdint>

#include "log/fuzz/record_batch_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::log::FuzzRecordBatchDecoder(data, size);
  return 0;
}
