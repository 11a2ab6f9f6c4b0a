#include "memory_connector.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "engine/expression.h"

namespace sluice::sqltest {

Result<engine::Value> ParseTestValue(const std::string& text, engine::DataType type) {
  using engine::DataType;
  using engine::Value;
  if (text == "NULL") return Value::Null(type);
  auto bad = [&]() {
    return Status::InvalidArgument(fmt::format("'{}' is not a {}", text, engine::DataTypeName(type)));
  };
  switch (type) {
    case DataType::kInt64:
    case DataType::kInt32: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) return bad();
      return type == DataType::kInt64 ? Value::Int64(v) : Value::Int32(static_cast<int32_t>(v));
    }
    case DataType::kDouble: {
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return bad();
      return Value::Double(d);
    }
    case DataType::kBool:
      if (text == "true" || text == "TRUE") return Value::Bool(true);
      if (text == "false" || text == "FALSE") return Value::Bool(false);
      return bad();
    case DataType::kString: return Value::String(text);
    case DataType::kTimestamp: {
      int64_t ms = 0;
      if (!engine::ParseTimestamp(text, &ms)) return bad();
      return Value::Timestamp(ms);
    }
    case DataType::kDate: {
      int32_t days = 0;
      if (!engine::ParseDate(text, &days)) return bad();
      return Value::Date(days);
    }
  }
  return bad();
}

std::string FormatRow(const std::vector<engine::Value>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i].ToString();
  return out;
}

std::string FormatChangelogRow(const engine::CollectedRow& row) {
  return fmt::format("{}[{}]", engine::RowKindName(row.kind), FormatRow(row.values));
}

namespace {

// A memory source whose partitions also hold undecodable records (see
// MemoryConnector::AddBadRecord).
class BadRecordSource : public engine::Source {
 public:
  BadRecordSource(std::shared_ptr<engine::Source> inner, std::string table, std::vector<std::vector<std::string>> bad)
      : inner_(std::move(inner)), table_(std::move(table)), bad_(std::move(bad)) {}
  std::string name() const override { return inner_->name(); }
  const engine::Schema& schema() const override { return inner_->schema(); }
  int event_time_column() const override { return inner_->event_time_column(); }
  engine::WatermarkStrategy watermark_strategy() const override { return inner_->watermark_strategy(); }
  int num_splits() const override { return inner_->num_splits(); }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int split) override {
    SLUICE_ASSIGN_OR_RETURN(auto reader, inner_->OpenSplit(split));
    std::vector<engine::DeadLetter> letters;
    if (split < static_cast<int>(bad_.size())) {
      for (size_t i = 0; i < bad_[split].size(); ++i) {
        letters.push_back(
            {bad_[split][i], "undecodable test record", fmt::format("{}[{}] bad record {}", table_, split, i + 1), 0});
      }
    }
    return std::unique_ptr<engine::SourceReader>(new Reader(std::move(reader), std::move(letters)));
  }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    return inner_->OpenSplitAt(split, position);
  }

 private:
  class Reader : public engine::SourceReader {
   public:
    Reader(std::unique_ptr<engine::SourceReader> inner, std::vector<engine::DeadLetter> letters)
        : inner_(std::move(inner)), letters_(std::move(letters)) {}
    Result<engine::ReadStatus> Read(engine::Batch* out) override {
      if (!letters_.empty()) {
        bad_ += static_cast<int64_t>(letters_.size());
        if (out_) out_->insert(out_->end(), letters_.begin(), letters_.end());
        letters_.clear();
      }
      return inner_->Read(out);
    }
    int64_t bad_records() const override { return bad_; }
    void SetDeadLetterOutput(std::vector<engine::DeadLetter>* out) override { out_ = out; }
    Result<std::string> Position() const override { return inner_->Position(); }

   private:
    std::unique_ptr<engine::SourceReader> inner_;
    std::vector<engine::DeadLetter> letters_;
    std::vector<engine::DeadLetter>* out_ = nullptr;
    int64_t bad_ = 0;
  };

  std::shared_ptr<engine::Source> inner_;
  std::string table_;
  std::vector<std::vector<std::string>> bad_;
};

}  // namespace

void MemoryConnector::AddBadRecord(const std::string& table, int partition, std::string raw) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& parts = bad_[table];
  if (static_cast<int>(parts.size()) <= partition) parts.resize(partition + 1);
  parts[partition].push_back(std::move(raw));
}

Result<std::shared_ptr<engine::Source>> MemoryConnector::CreateSource(const engine::TableDescriptor& table,
                                                                      const engine::ConnectorContext&) {
  std::vector<std::vector<engine::MemorySource::Row>> partitions;
  // 'rows-of' = 'other': read the rows fed to `other` (tests of OPTIONS hints).
  const std::string fed = table.Option("rows-of", table.name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = rows_.find(fed);
    if (it != rows_.end()) {
      for (const auto& part : it->second) {
        std::vector<engine::MemorySource::Row> rows;
        for (const auto& text_row : part) {
          if (static_cast<int>(text_row.size()) != table.schema.size()) {
            return Status::InvalidArgument(fmt::format("table {}: a fed row has {} values, the table has {} columns {}",
                                                       table.name, text_row.size(), table.schema.size(),
                                                       table.schema.ToString()));
          }
          engine::MemorySource::Row row;
          for (int c = 0; c < table.schema.size(); ++c) {
            auto v = ParseTestValue(text_row[c], table.schema.field(c).type);
            if (!v.ok())
              return v.status().WithContext(fmt::format("table {} column {}", table.name, table.schema.field(c).name));
            row.push_back(*v);
          }
          rows.push_back(std::move(row));
        }
        partitions.push_back(std::move(rows));
      }
    }
  }
  std::vector<std::vector<std::string>> bad;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = bad_.find(table.name);
    if (it != bad_.end()) bad = it->second;
  }
  if (partitions.size() < bad.size()) partitions.resize(bad.size());
  if (partitions.empty()) partitions.emplace_back();
  auto src =
      engine::MemorySource::Create(table.schema, std::move(partitions), table.event_time_column, table.watermark);
  if (!src.ok()) return src.status();
  if (bad.empty()) return std::shared_ptr<engine::Source>(*src);
  return std::shared_ptr<engine::Source>(
      std::make_shared<BadRecordSource>(std::shared_ptr<engine::Source>(*src), table.name, std::move(bad)));
}

Result<std::shared_ptr<engine::Sink>> MemoryConnector::CreateSink(const engine::TableDescriptor& table,
                                                                  const engine::ConnectorContext&) {
  auto sink = std::make_shared<engine::CollectingSink>();
  std::lock_guard<std::mutex> lock(mu_);
  // 'collect-as' = 'name': `sink name` records read what it wrote.
  sinks_[table.Option("collect-as", table.name)] = sink;
  return std::shared_ptr<engine::Sink>(sink);
}

void MemoryConnector::AddRow(const std::string& table, int partition, std::vector<std::string> row) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& parts = rows_[table];
  if (static_cast<int>(parts.size()) <= partition) parts.resize(partition + 1);
  parts[partition].push_back(std::move(row));
}

void MemoryConnector::ClearRows(const std::string& table) {
  std::lock_guard<std::mutex> lock(mu_);
  rows_.erase(table);
  bad_.erase(table);
}

std::vector<engine::CollectedRow> MemoryConnector::SinkRows(const std::string& table) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sinks_.find(table);
  return it == sinks_.end() ? std::vector<engine::CollectedRow>{} : it->second->rows();
}

}  // namespace sluice::sqltest
