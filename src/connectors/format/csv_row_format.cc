#include "connectors/format/csv_row_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "connectors/format/json_row_format.h"
#include "engine/expression.h"

namespace sluice::connectors {

using engine::Batch;
using engine::Column;
using engine::DataType;

CsvRowDecoder::CsvRowDecoder(std::vector<bool> decode_column, char delimiter)
    : decode_column_(std::move(decode_column)), delimiter_(delimiter) {}

Status CsvRowDecoder::Decode(std::string_view line, Batch* out, int row) {
  fields_.clear();
  quoted_.clear();
  unquoted_.clear();
  unquoted_.reserve(line.size());  // views into it must stay valid while splitting
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      size_t start = unquoted_.size();
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            unquoted_.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        unquoted_.push_back(line[i++]);
      }
      if (!closed) return Status::InvalidArgument("unterminated quoted field");
      fields_.push_back(std::string_view(unquoted_).substr(start));
      quoted_.push_back(true);
      if (i < line.size() && line[i] != delimiter_) return Status::InvalidArgument("text after a closing quote");
    } else {
      size_t end = line.find(delimiter_, i);
      if (end == std::string_view::npos) end = line.size();
      fields_.push_back(line.substr(i, end - i));
      quoted_.push_back(false);
      i = end;
    }
    if (i >= line.size()) break;
    ++i;  // delimiter
    if (i == line.size()) {
      fields_.push_back({});
      quoted_.push_back(false);
      break;
    }
  }
  size_t f = 0;
  const engine::Schema& schema = out->schema();
  for (int c = 0; c < out->num_columns(); ++c) {
    if (!decode_column_[c]) continue;
    Column& col = out->column(c);
    col.SetNull(row);
    if (f >= fields_.size())
      return Status::InvalidArgument(fmt::format("missing field for column {}", schema.field(c).name));
    std::string_view s = fields_[f];
    bool quoted = quoted_[f];
    ++f;
    if (!read_.empty() && !read_[c]) continue;  // not read by the query: NULL
    if (s.empty() && !quoted) continue;         // NULL
    auto bad = [&](const char* what) {
      return Status::InvalidArgument(fmt::format("column {}: '{}' is not {}", schema.field(c).name, s, what));
    };
    switch (col.type()) {
      case DataType::kInt64: {
        int64_t x;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec != std::errc() || p != s.data() + s.size()) return bad("a BIGINT");
        col.data<int64_t>()[row] = x;
        break;
      }
      case DataType::kInt32: {
        int32_t x;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec != std::errc() || p != s.data() + s.size()) return bad("an INT");
        col.data<int32_t>()[row] = x;
        break;
      }
      case DataType::kDouble: {
        double x;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec != std::errc() || p != s.data() + s.size()) return bad("a DOUBLE");
        col.data<double>()[row] = x;
        break;
      }
      case DataType::kBool:
        if (s == "true" || s == "TRUE" || s == "True") {
          col.data<uint8_t>()[row] = 1;
        } else if (s == "false" || s == "FALSE" || s == "False") {
          col.data<uint8_t>()[row] = 0;
        } else {
          return bad("a BOOLEAN");
        }
        break;
      case DataType::kString: col.SetString(row, s); break;
      case DataType::kTimestamp: {
        int64_t ms = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
        if (ec != std::errc() || p != s.data() + s.size()) {
          if (!engine::ParseTimestamp(s, &ms)) return bad("a TIMESTAMP");
        }
        col.data<int64_t>()[row] = ms;
        break;
      }
      case DataType::kDate: {
        int32_t days = 0;
        if (!engine::ParseDate(s, &days)) return bad("a DATE (yyyy-MM-dd)");
        col.data<int32_t>()[row] = days;
        break;
      }
    }
    col.SetValid(row);
  }
  return Status::Ok();
}

CsvRowEncoder::CsvRowEncoder(std::vector<bool> encode_column, char delimiter)
    : encode_column_(std::move(encode_column)), delimiter_(delimiter) {}

void CsvRowEncoder::Encode(const Batch& batch, int row, std::string* out) const {
  bool first = true;
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (!encode_column_[c]) continue;
    if (!first) out->push_back(delimiter_);
    first = false;
    const Column& col = batch.column(c);
    if (col.IsNull(row)) continue;
    switch (col.type()) {
      case DataType::kInt64: fmt::format_to(std::back_inserter(*out), "{}", col.data<int64_t>()[row]); break;
      case DataType::kInt32: fmt::format_to(std::back_inserter(*out), "{}", col.data<int32_t>()[row]); break;
      case DataType::kDouble: fmt::format_to(std::back_inserter(*out), "{}", col.data<double>()[row]); break;
      case DataType::kBool: out->append(col.data<uint8_t>()[row] ? "true" : "false"); break;
      case DataType::kTimestamp: AppendTimestamp(col.data<int64_t>()[row], out); break;
      case DataType::kDate: engine::AppendDate(col.data<int32_t>()[row], out); break;
      case DataType::kString: {
        std::string_view s = col.GetString(row);
        bool needs_quotes = s.empty();
        for (char ch : s) needs_quotes |= ch == delimiter_ || ch == '"' || ch == '\n' || ch == '\r';
        if (!needs_quotes) {
          out->append(s);
        } else {
          out->push_back('"');
          for (char ch : s) {
            if (ch == '"') out->push_back('"');
            out->push_back(ch);
          }
          out->push_back('"');
        }
        break;
      }
    }
  }
}

}  // namespace sluice::connectors
