#include "engine/json_file_source.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "engine/expression.h"

namespace sluice::engine {

namespace {

class JsonLinesReader : public SourceReader {
 public:
  JsonLinesReader(simdjson::padded_string data, const Schema* schema, std::string path)
      : data_(std::move(data)), schema_(schema), path_(std::move(path)) {}

  Result<ReadStatus> Read(Batch* out) override {
    const char* base = data_.data();
    const size_t size = data_.size();
    while (out->num_rows() < out->capacity() && pos_ < size) {
      size_t end = pos_;
      while (end < size && base[end] != '\n') ++end;
      size_t line_start = pos_;
      pos_ = end + 1;
      ++line_;
      size_t len = end - line_start;
      while (len > 0 && (base[line_start + len - 1] == '\r' || base[line_start + len - 1] == ' ')) --len;
      if (len == 0) continue;
      if (!ParseLine(base + line_start, len, size - line_start + simdjson::SIMDJSON_PADDING, out)) ++bad_records_;
    }
    if (out->num_rows() == 0 && pos_ >= size) return ReadStatus::kEndOfInput;
    return ReadStatus::kData;
  }

  int64_t bad_records() const override { return bad_records_; }

 private:
  // Parses one line into the next row of `out`; false (row not added) when
  // the line is not an object of the schema's types.
  bool ParseLine(const char* p, size_t len, size_t allocated, Batch* out) {
    const int row = out->num_rows();
    for (int c = 0; c < out->num_columns(); ++c) out->column(c).SetNull(row);
    size_t marks[64];
    const int ncols = std::min(out->num_columns(), 64);
    for (int c = 0; c < ncols; ++c) marks[c] = out->column(c).arena_size();
    auto undo = [&] {
      for (int c = 0; c < ncols; ++c) out->column(c).TruncateArena(marks[c]);
      return false;
    };
    simdjson::ondemand::document doc;
    if (parser_.iterate(p, len, allocated).get(doc)) return false;
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj)) return false;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return undo();
      int c = -1;
      for (int i = 0; i < schema_->size(); ++i) {
        if (schema_->field(i).name == key) {
          c = i;
          break;
        }
      }
      if (c < 0) continue;
      simdjson::ondemand::value v = field.value();
      bool is_null = false;
      if (v.is_null().get(is_null)) return undo();
      if (is_null) continue;
      Column& col = out->column(c);
      switch (col.type()) {
        case DataType::kInt64: {
          int64_t x;
          if (v.get_int64().get(x)) return undo();
          col.data<int64_t>()[row] = x;
          break;
        }
        case DataType::kInt32: {
          int64_t x;
          if (v.get_int64().get(x) || x < INT32_MIN || x > INT32_MAX) return undo();
          col.data<int32_t>()[row] = static_cast<int32_t>(x);
          break;
        }
        case DataType::kDouble: {
          double x;
          if (v.get_double().get(x)) return undo();
          col.data<double>()[row] = x;
          break;
        }
        case DataType::kBool: {
          bool x;
          if (v.get_bool().get(x)) return undo();
          col.data<uint8_t>()[row] = x;
          break;
        }
        case DataType::kString: {
          std::string_view s;
          if (v.get_string().get(s)) return undo();
          col.SetString(row, s);
          break;
        }
        case DataType::kTimestamp: {
          simdjson::ondemand::json_type t;
          if (v.type().get(t)) return undo();
          int64_t ms = 0;
          if (t == simdjson::ondemand::json_type::number) {
            if (v.get_int64().get(ms)) return undo();
          } else {
            std::string_view s;
            if (v.get_string().get(s) || !ParseTimestamp(s, &ms)) return undo();
          }
          col.data<int64_t>()[row] = ms;
          break;
        }
        case DataType::kDate: {
          std::string_view s;
          int32_t days = 0;
          if (v.get_string().get(s) || !ParseDate(s, &days)) return undo();
          col.data<int32_t>()[row] = days;
          break;
        }
      }
      col.SetValid(row);
    }
    out->set_num_rows(row + 1);
    return true;
  }

  simdjson::padded_string data_;
  const Schema* schema_;
  std::string path_;
  simdjson::ondemand::parser parser_;
  size_t pos_ = 0;
  int64_t line_ = 0;
  int64_t bad_records_ = 0;
};

}  // namespace

Result<std::shared_ptr<JsonFileSource>> JsonFileSource::Create(std::vector<std::filesystem::path> files, Schema schema,
                                                               const std::string& event_time_column,
                                                               WatermarkStrategy strategy) {
  auto s = std::shared_ptr<JsonFileSource>(new JsonFileSource());
  s->event_time_column_ = -1;
  if (!event_time_column.empty()) {
    SLUICE_ASSIGN_OR_RETURN(s->event_time_column_, schema.IndexOf(event_time_column));
    if (schema.field(s->event_time_column_).type != DataType::kTimestamp) {
      return Status::InvalidArgument(fmt::format("event-time column '{}' must be TIMESTAMP(3)", event_time_column));
    }
  }
  s->files_ = std::move(files);
  s->schema_ = std::move(schema);
  s->strategy_ = strategy;
  return s;
}

Result<std::unique_ptr<SourceReader>> JsonFileSource::OpenSplit(int split) {
  if (split < 0 || split >= num_splits()) return Status::OutOfRange("no such file split");
  simdjson::padded_string data;
  auto err = simdjson::padded_string::load(files_[split].string()).get(data);
  if (err) {
    return Status::IoError(fmt::format("cannot read JSON-lines file {}: {}; check the path and permissions",
                                       files_[split].string(), simdjson::error_message(err)));
  }
  return std::unique_ptr<SourceReader>(new JsonLinesReader(std::move(data), &schema_, files_[split].string()));
}

}  // namespace sluice::engine
