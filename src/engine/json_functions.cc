#include "engine/json_functions.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <charconv>

namespace sluice::engine {

struct JsonPathEvaluator::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::element item;  // what Find() found
  std::string padded;           // the document, with simdjson's padding
};

namespace {

bool ParseSteps(std::string_view path, bool* strict, std::vector<std::string>* names, std::vector<int64_t>* indices,
                std::string* error) {
  auto fail = [&](std::string_view what) {
    *error = fmt::format(
        "JSON path '{}': {}; supported: $, $.name, $['name'], $[0] and their combinations, "
        "optionally after lax or strict",
        path, what);
    return false;
  };
  std::string_view p = path;
  while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
  *strict = false;
  if (p.substr(0, 4) == "lax ") {
    p.remove_prefix(4);
  } else if (p.substr(0, 7) == "strict ") {
    *strict = true;
    p.remove_prefix(7);
  }
  while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
  if (p.empty() || p.front() != '$') return fail("a path starts with $");
  p.remove_prefix(1);
  names->clear();
  indices->clear();
  while (!p.empty()) {
    if (p.front() == '.') {
      p.remove_prefix(1);
      std::string name;
      if (!p.empty() && p.front() == '"') {
        size_t end = p.find('"', 1);
        if (end == std::string_view::npos) return fail("an unterminated quoted name");
        name = p.substr(1, end - 1);
        p.remove_prefix(end + 1);
      } else {
        size_t n = 0;
        while (n < p.size() && (std::isalnum(static_cast<unsigned char>(p[n])) || p[n] == '_' || p[n] == '$' ||
                                static_cast<unsigned char>(p[n]) >= 0x80)) {
          ++n;
        }
        if (n == 0) return fail(p.front() == '*' ? "wildcards are not supported yet" : "a name after '.'");
        name = p.substr(0, n);
        p.remove_prefix(n);
      }
      names->push_back(std::move(name));
      indices->push_back(-1);
    } else if (p.front() == '[') {
      p.remove_prefix(1);
      if (!p.empty() && (p.front() == '\'' || p.front() == '"')) {
        const char quote = p.front();
        size_t end = p.find(quote, 1);
        if (end == std::string_view::npos || end + 1 >= p.size() || p[end + 1] != ']') {
          return fail("an unterminated ['name']");
        }
        names->emplace_back(p.substr(1, end - 1));
        indices->push_back(-1);
        p.remove_prefix(end + 2);
      } else {
        size_t end = p.find(']');
        if (end == std::string_view::npos) return fail("an unterminated [index]");
        int64_t index = -1;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + end, index);
        if (ec != std::errc() || ptr != p.data() + end || index < 0) {
          return fail("an array index is a whole number >= 0 (wildcards and filters are not supported yet)");
        }
        names->emplace_back();
        indices->push_back(index);
        p.remove_prefix(end + 1);
      }
    } else if (p.front() == ' ') {
      p.remove_prefix(1);
    } else {
      return fail(fmt::format("unexpected '{}'", p.front()));
    }
  }
  return true;
}

void AppendScalar(const simdjson::dom::element& e, std::string* out) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: out->append(std::string_view(e.get_string().value_unsafe())); break;
    case simdjson::dom::element_type::INT64:
      fmt::format_to(std::back_inserter(*out), "{}", e.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      fmt::format_to(std::back_inserter(*out), "{}", e.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      fmt::format_to(std::back_inserter(*out), "{}", e.get_double().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL: out->append(e.get_bool().value_unsafe() ? "true" : "false"); break;
    default: break;
  }
}

}  // namespace

bool IsSupportedJsonPath(std::string_view path, std::string* error) {
  bool strict;
  std::vector<std::string> names;
  std::vector<int64_t> indices;
  return ParseSteps(path, &strict, &names, &indices, error);
}

JsonPathEvaluator::JsonPathEvaluator() : impl_(std::make_unique<Impl>()) {}
JsonPathEvaluator::~JsonPathEvaluator() = default;

bool JsonPathEvaluator::SetPath(std::string_view path, std::string* error) {
  if (path_set_ && path == path_) return true;
  std::vector<std::string> names;
  std::vector<int64_t> indices;
  path_set_ = false;
  if (!ParseSteps(path, &strict_, &names, &indices, error)) return false;
  steps_.clear();
  for (size_t i = 0; i < names.size(); ++i) steps_.push_back(Step{std::move(names[i]), indices[i]});
  path_.assign(path);
  path_set_ = true;
  return true;
}

JsonOutcome JsonPathEvaluator::Find(std::string_view json) {
  impl_->padded.assign(json);
  impl_->padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element e;
  if (impl_->parser.parse(impl_->padded.data(), json.size(), false).get(e)) return JsonOutcome::kError;
  const JsonOutcome missing = strict_ ? JsonOutcome::kError : JsonOutcome::kEmpty;
  for (const Step& step : steps_) {
    if (step.index < 0) {
      simdjson::dom::object o;
      if (e.get_object().get(o) || o.at_key(step.name).get(e)) return missing;
    } else {
      simdjson::dom::array a;
      if (e.get_array().get(a) || a.at(static_cast<size_t>(step.index)).get(e)) return missing;
    }
  }
  impl_->item = e;
  return JsonOutcome::kValue;
}

JsonOutcome JsonPathEvaluator::Value(std::string_view json, std::string* out) {
  out->clear();
  JsonOutcome r = Find(json);
  if (r != JsonOutcome::kValue) return r;
  const simdjson::dom::element& e = impl_->item;
  if (e.is_null()) return JsonOutcome::kEmpty;
  if (e.is_object() || e.is_array()) return JsonOutcome::kError;
  AppendScalar(e, out);
  return JsonOutcome::kValue;
}

JsonOutcome JsonPathEvaluator::Query(std::string_view json, std::string* out) {
  out->clear();
  JsonOutcome r = Find(json);
  if (r != JsonOutcome::kValue) return r;
  const simdjson::dom::element& e = impl_->item;
  if (!e.is_object() && !e.is_array()) return JsonOutcome::kError;
  out->append(simdjson::minify(e));
  return JsonOutcome::kValue;
}

JsonOutcome JsonPathEvaluator::Exists(std::string_view json) { return Find(json); }

}  // namespace sluice::engine
