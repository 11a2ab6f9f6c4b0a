#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/batch.h"
#include "engine/column.h"
#include "engine/schema.h"

namespace sluice::engine {

// The C++ body of a scalar user-defined function: computes the live rows of
// `rows` (its selection, if any) from the argument columns into `out`, one
// call per batch. Before the call the engine sets `out`'s validity to the AND
// of the arguments' (NULL in, NULL out); the kernel skips rows that are NULL
// in `out` and may set more rows NULL. Arguments arrive already cast to the
// declared argument types. A kernel must not allocate per row: strings are
// written with out->SetString / ExtendArena (the column's arena).
//
//   void CountChar(const Column* const* args, const Batch& rows, Column* out) {
//     for (int k = 0; k < rows.active_rows(); ++k) {
//       int i = rows.active_row(k);
//       if (out->IsNull(i)) continue;
//       ...; out->data<int64_t>()[i] = n;
//     }
//   }
using ScalarKernel = void (*)(const Column* const* args, const Batch& rows, Column* out);

// A scalar function implemented in C++, known by the class name a Flink
// `CREATE FUNCTION name AS 'class.name'` gives (Sluice cannot run Java: the
// class name selects the C++ body that does what the Java class does).
struct ScalarFunction {
  std::string class_name;   // e.g. "com.github.nexmark.flink.udf.CountChar"
  std::string description;  // one line, shown by SHOW FUNCTIONS
  std::vector<DataType> arg_types;
  DataType return_type = DataType::kInt64;
  ScalarKernel kernel = nullptr;
};

// The scalar functions a process can bind CREATE FUNCTION to, by class name.
// Default() holds the bundled library (Sluice's C++ versions of well-known
// Flink UDFs, e.g. Nexmark's CountChar, see bundled_functions.cc); a program
// linking Sluice adds its own with Default().Register(...) before it runs SQL
// (how-to: src/sql/README.md, "User-defined functions").
//
// Thread-safety: thread-safe. Lifetime: a registered function is never
// removed, so the pointers Find() returns stay valid for the process's life
// (compiled expressions hold them).
class ScalarFunctionRegistry {
 public:
  // The process-wide registry, with the bundled functions registered.
  static ScalarFunctionRegistry& Default();

  // InvalidArgument when the class name is taken, the kernel missing, or the
  // function has more than kMaxArgs arguments.
  Status Register(ScalarFunction function);
  // Null when no function has that class name.
  const ScalarFunction* Find(std::string_view class_name) const;
  // Every registered function, by class name.
  std::vector<const ScalarFunction*> Functions() const;

  static constexpr size_t kMaxArgs = 16;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<ScalarFunction>, std::less<>> functions_;
};

// Registers the bundled library into `registry` (Default() does this once).
Status RegisterBundledFunctions(ScalarFunctionRegistry* registry);

}  // namespace sluice::engine
