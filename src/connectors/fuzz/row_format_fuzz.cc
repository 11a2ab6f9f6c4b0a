#include "connectors/fuzz/row_format_fuzz.h"

#include <string>
#include <string_view>

#include "connectors/format/csv_row_format.h"
#include "connectors/format/json_row_format.h"
#include "engine/batch.h"
#include "engine/json_functions.h"

namespace sluice::connectors {

namespace {

const engine::Schema& FuzzSchema() {
  static const engine::Schema schema({{"a", engine::DataType::kInt64},
                                      {"b", engine::DataType::kInt32},
                                      {"c", engine::DataType::kDouble},
                                      {"d", engine::DataType::kBool},
                                      {"e", engine::DataType::kString},
                                      {"f", engine::DataType::kTimestamp},
                                      {"g", engine::DataType::kDate}});
  return schema;
}

}  // namespace

void FuzzRowFormats(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const uint8_t mode = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  engine::Batch batch(FuzzSchema(), 4);
  const std::vector<bool> all(FuzzSchema().size(), true);
  switch (mode % 4) {
    case 0: {
      JsonRowDecoder d(all);
      (void)d.Decode(text, &batch, 0);
      (void)d.Decode(text, &batch, 1);  // a reused decoder sees the same bytes alike
      break;
    }
    case 1: {
      CsvRowDecoder d(all, mode & 0x10 ? '\t' : ',');
      (void)d.Decode(text, &batch, 0);
      break;
    }
    case 2: {
      JsonRowDecoder d(all);
      d.set_read_columns({true, false, true, false, true, false, true});
      (void)d.Decode(text, &batch, 0);
      break;
    }
    case 3: {
      CsvRowDecoder d({true, false, true, true, false, true, true});
      d.set_read_columns({true, false, false, true, false, true, true});
      (void)d.Decode(text, &batch, 0);
      break;
    }
  }
  engine::JsonPathEvaluator json;
  std::string error, out;
  for (std::string_view path : {"$", "$.a", "$.a.b[0]", "strict $['e'][1]"}) {
    if (!json.SetPath(path, &error)) continue;
    (void)json.Value(text, &out);
    (void)json.Query(text, &out);
    (void)json.Exists(text);
  }
  if (json.SetPath(text, &error)) (void)json.Value(R"({"a": {"b": [1, {"c": "x"}]}, "e": [0, 1]})", &out);
}

}  // namespace sluice::connectors
