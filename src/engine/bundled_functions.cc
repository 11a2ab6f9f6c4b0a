// The bundled library of scalar functions: C++ versions of well-known Flink
// UDF classes, registered under those classes' names so that a Flink script's
// `CREATE FUNCTION f AS 'their.class.Name'` runs unchanged.

#include <algorithm>

#include "engine/scalar_function.h"

namespace sluice::engine {
namespace {

// com.github.nexmark.flink.udf.CountChar (Nexmark q14): eval(String s,
// String c) counts the occurrences of c's first character in s; an empty c
// counts nothing. The Java version compares UTF-16 chars; this one compares
// bytes, which is the same for ASCII (all Nexmark data) and counts a
// multi-byte character by its first byte otherwise.
void CountChar(const Column* const* args, const Batch& rows, Column* out) {
  int64_t* o = out->data<int64_t>();
  const int n = rows.active_rows();
  for (int k = 0; k < n; ++k) {
    const int i = rows.active_row(k);
    if (out->IsNull(i)) continue;
    std::string_view s = args[0]->GetString(i);
    std::string_view c = args[1]->GetString(i);
    o[i] = c.empty() ? 0 : static_cast<int64_t>(std::count(s.begin(), s.end(), c[0]));
  }
}

}  // namespace

Status RegisterBundledFunctions(ScalarFunctionRegistry* registry) {
  return registry->Register(ScalarFunction{
      .class_name = "com.github.nexmark.flink.udf.CountChar",
      .description = "count_char(s STRING, c STRING) BIGINT: occurrences of the character c in s (Nexmark q14)",
      .arg_types = {DataType::kString, DataType::kString},
      .return_type = DataType::kInt64,
      .kernel = &CountChar,
  });
}

}  // namespace sluice::engine
