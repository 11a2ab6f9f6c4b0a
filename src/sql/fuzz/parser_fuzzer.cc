// libFuzzer target for the SQL parser. Build with -DSLUICE_FUZZ=ON and clang;
// run e.g. `build-fuzz/src/sql/sql_parser_fuzzer -max_total_time=60
// test/sql/parse`. The property checked is CheckParseProperties().

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "sql/fuzz/parse_fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sluice::Status s = sluice::sql::CheckParseProperties(input);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    __builtin_trap();
  }
  return 0;
}
