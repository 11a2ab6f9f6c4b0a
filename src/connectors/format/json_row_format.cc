#include "connectors/format/json_row_format.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <ctime>

#include "engine/expression.h"

namespace sluice::connectors {

using engine::Batch;
using engine::Column;
using engine::DataType;

struct JsonRowDecoder::Parser {
  simdjson::ondemand::parser parser;
};

JsonRowDecoder::JsonRowDecoder(std::vector<bool> decode_column)
    : decode_column_(std::move(decode_column)), parser_(std::make_unique<Parser>()) {}
JsonRowDecoder::~JsonRowDecoder() = default;
JsonRowDecoder::JsonRowDecoder(JsonRowDecoder&&) noexcept = default;
JsonRowDecoder& JsonRowDecoder::operator=(JsonRowDecoder&&) noexcept = default;

Status JsonRowDecoder::Decode(std::string_view json, Batch* out, int row) {
  const engine::Schema& schema = out->schema();
  const int ncols = out->num_columns();
  for (int c = 0; c < ncols; ++c) {
    if (decode_column_[c]) out->column(c).SetNull(row);
  }
  // simdjson needs SIMDJSON_PADDING readable bytes after the input.
  scratch_.assign(json);
  scratch_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (parser_->parser.iterate(scratch_.data(), json.size(), scratch_.size()).get(doc)) {
    return Status::InvalidArgument("not valid JSON");
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return Status::InvalidArgument("not a JSON object");
  auto fail = [&](int c, const char* what) {
    for (int i = 0; i < ncols; ++i) {
      if (decode_column_[i]) out->column(i).SetNull(row);
    }
    return Status::InvalidArgument(fmt::format("field \"{}\": {}", schema.field(c).name, what));
  };
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidArgument("bad object key");
    int c = -1;
    for (int i = 0; i < ncols; ++i) {
      if (decode_column_[i] && Read(i) && schema.field(i).name == key) {
        c = i;
        break;
      }
    }
    if (c < 0) continue;  // fields the table does not declare are ignored, as in Flink
    simdjson::ondemand::value v;
    if (field.value().get(v)) return fail(c, "unreadable value");
    bool is_null = false;
    if (v.is_null().get(is_null)) return fail(c, "unreadable value");
    if (is_null) continue;
    Column& col = out->column(c);
    switch (col.type()) {
      case DataType::kInt64: {
        int64_t x;
        if (v.get_int64().get(x)) return fail(c, "expected an integer (BIGINT)");
        col.data<int64_t>()[row] = x;
        break;
      }
      case DataType::kInt32: {
        int64_t x;
        if (v.get_int64().get(x) || x < INT32_MIN || x > INT32_MAX) return fail(c, "expected an INT");
        col.data<int32_t>()[row] = static_cast<int32_t>(x);
        break;
      }
      case DataType::kDouble: {
        double x;
        if (v.get_double().get(x)) return fail(c, "expected a number (DOUBLE)");
        col.data<double>()[row] = x;
        break;
      }
      case DataType::kBool: {
        bool x;
        if (v.get_bool().get(x)) return fail(c, "expected true or false (BOOLEAN)");
        col.data<uint8_t>()[row] = x;
        break;
      }
      case DataType::kString: {
        simdjson::ondemand::json_type t;
        if (v.type().get(t)) return fail(c, "unreadable value");
        std::string_view s;
        if (t == simdjson::ondemand::json_type::string) {
          if (v.get_string().get(s)) return fail(c, "bad string");
        } else if (t == simdjson::ondemand::json_type::object || t == simdjson::ondemand::json_type::array) {
          // Flink reads an object or array into a STRING column as its JSON
          // text, compact (Jackson's toString): JSON_VALUE and friends read it.
          simdjson::ondemand::object o;
          simdjson::ondemand::array a;
          const bool bad = t == simdjson::ondemand::json_type::object ? v.get_object().get(o) || o.raw_json().get(s)
                                                                      : v.get_array().get(a) || a.raw_json().get(s);
          if (bad) return fail(c, "unreadable object or array");
          minified_.resize(s.size());
          size_t len = 0;
          if (simdjson::minify(s.data(), s.size(), minified_.data(), len)) return fail(c, "bad object or array");
          s = std::string_view(minified_.data(), len);
        } else {
          // A number or boolean: its JSON text.
          s = simdjson::trim(v.raw_json_token());
        }
        col.SetString(row, s);
        break;
      }
      case DataType::kTimestamp: {
        simdjson::ondemand::json_type t;
        if (v.type().get(t)) return fail(c, "unreadable value");
        int64_t ms = 0;
        if (t == simdjson::ondemand::json_type::number) {
          if (v.get_int64().get(ms)) return fail(c, "expected epoch milliseconds");
        } else {
          std::string_view s;
          if (v.get_string().get(s) || !engine::ParseTimestamp(s, &ms)) {
            return fail(c, "expected a timestamp like \"2026-11-22 10:00:00.000\" or epoch milliseconds");
          }
        }
        col.data<int64_t>()[row] = ms;
        break;
      }
      case DataType::kDate: {
        std::string_view s;
        int32_t days = 0;
        if (v.get_string().get(s) || !engine::ParseDate(s, &days)) {
          return fail(c, "expected a date like \"2026-11-22\"");
        }
        col.data<int32_t>()[row] = days;
        break;
      }
    }
    col.SetValid(row);
  }
  return Status::Ok();
}

void AppendTimestamp(int64_t ms, std::string* out) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int millis = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(*out), "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}.{:03d}", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

JsonRowEncoder::JsonRowEncoder(const engine::Schema& schema, std::vector<bool> encode_column)
    : encode_column_(std::move(encode_column)) {
  for (const auto& f : schema.fields()) {
    std::string q;
    AppendJsonString(f.name, &q);
    q.push_back(':');
    quoted_names_.push_back(std::move(q));
  }
}

void JsonRowEncoder::Encode(const Batch& batch, int row, std::string* out) const {
  out->push_back('{');
  bool first = true;
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (!encode_column_[c]) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(quoted_names_[c]);
    const Column& col = batch.column(c);
    if (col.IsNull(row)) {
      out->append("null");
      continue;
    }
    switch (col.type()) {
      case DataType::kInt64: fmt::format_to(std::back_inserter(*out), "{}", col.data<int64_t>()[row]); break;
      case DataType::kInt32: fmt::format_to(std::back_inserter(*out), "{}", col.data<int32_t>()[row]); break;
      case DataType::kDouble: {
        double d = col.data<double>()[row];
        if (std::isfinite(d)) {
          fmt::format_to(std::back_inserter(*out), "{}", d);
        } else {
          out->append("null");  // JSON has no NaN/Infinity
        }
        break;
      }
      case DataType::kBool: out->append(col.data<uint8_t>()[row] ? "true" : "false"); break;
      case DataType::kString: AppendJsonString(col.GetString(row), out); break;
      case DataType::kTimestamp:
        out->push_back('"');
        AppendTimestamp(col.data<int64_t>()[row], out);
        out->push_back('"');
        break;
      case DataType::kDate:
        out->push_back('"');
        engine::AppendDate(col.data<int32_t>()[row], out);
        out->push_back('"');
        break;
    }
  }
  out->push_back('}');
}

}  // namespace sluice::connectors
