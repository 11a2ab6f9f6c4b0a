#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

// What a JSON path found in a document, in the terms of SQL's JSON functions
// (Flink's JSON_VALUE / JSON_QUERY / JSON_EXISTS): a value, nothing (the path
// leads nowhere, or to a JSON null for JSON_VALUE: the ON EMPTY case), or an
// error (the text is not JSON, the item has the wrong shape, or a strict
// path leads nowhere: the ON ERROR case).
enum class JsonOutcome { kValue, kEmpty, kError };

// Evaluates one JSON path over documents, row after row. Paths in SQL/JSON's
// subset that Flink's examples use: an optional `lax`/`strict` mode, `$`,
// then steps `.name`, `."name"`, `['name']`, `["name"]` and `[n]`. The path
// is parsed once and kept while it does not change (a literal argument).
// Documents are parsed with simdjson's DOM into buffers reused across rows.
//
// Thread-safety: not thread-safe; one per expression node (per worker).
class JsonPathEvaluator {
 public:
  JsonPathEvaluator();
  ~JsonPathEvaluator();
  JsonPathEvaluator(const JsonPathEvaluator&) = delete;
  JsonPathEvaluator& operator=(const JsonPathEvaluator&) = delete;

  // Sets the path (a no-op when it is the current one). False, with what is
  // wrong in *error, when it is not a path of the supported form.
  bool SetPath(std::string_view path, std::string* error);

  // JSON_VALUE: the scalar at the path as text (a string unescaped, a number
  // or boolean as JSON writes it). An object or array is an error.
  JsonOutcome Value(std::string_view json, std::string* out);
  // JSON_QUERY: the object or array at the path as compact JSON. A scalar is
  // an error (Flink's WITHOUT ARRAY WRAPPER).
  JsonOutcome Query(std::string_view json, std::string* out);
  // JSON_EXISTS: kValue when the path leads to an item (a JSON null counts),
  // kEmpty when it does not, kError when `json` is not JSON.
  JsonOutcome Exists(std::string_view json);

 private:
  struct Step {
    std::string name;  // object member, when index < 0
    int64_t index = -1;
  };
  struct Impl;
  // Parses `json` and walks the path; kValue with the item in impl_.
  JsonOutcome Find(std::string_view json);

  std::unique_ptr<Impl> impl_;
  std::string path_;
  bool path_set_ = false;
  bool strict_ = false;
  std::vector<Step> steps_;
};

// Whether `path` is a supported JSON path; else what is wrong in *error.
bool IsSupportedJsonPath(std::string_view path, std::string* error);

}  // namespace sluice::engine
