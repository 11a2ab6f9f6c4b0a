#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/source.h"

namespace sluice::engine {

// A bounded source over JSON-lines files (one JSON object per line), one
// partition per file, parsed with simdjson. Object fields are matched to the
// schema's columns by name; missing fields and JSON null are SQL NULL.
// TIMESTAMP columns accept epoch milliseconds or "YYYY-MM-DD HH:MM:SS[.fff]".
// A line that is not an object of the declared types is skipped and counted
// (bad_records); the dead-letter output comes with the connectors.
//
// Thread-safety: OpenSplit() from any thread; each reader is single-threaded.
class JsonFileSource : public Source {
 public:
  static Result<std::shared_ptr<JsonFileSource>> Create(std::vector<std::filesystem::path> files, Schema schema,
                                                        const std::string& event_time_column,
                                                        WatermarkStrategy strategy);

  std::string name() const override { return "json-file"; }
  const Schema& schema() const override { return schema_; }
  int event_time_column() const override { return event_time_column_; }
  WatermarkStrategy watermark_strategy() const override { return strategy_; }
  int num_splits() const override { return static_cast<int>(files_.size()); }
  Result<std::unique_ptr<SourceReader>> OpenSplit(int split) override;

 private:
  std::vector<std::filesystem::path> files_;
  Schema schema_;
  int event_time_column_ = -1;
  WatermarkStrategy strategy_;
};

}  // namespace sluice::engine
