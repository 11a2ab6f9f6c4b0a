// libFuzzer target: cmake -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ …;
// run build-fuzz/src/connectors/row_format_fuzzer [corpus-dir].
#include <cstddef>
#include <cstdint>

#include "connectors/fuzz/row_format_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::connectors::FuzzRowFormats(data, size);
  return 0;
}
