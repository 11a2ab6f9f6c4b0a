#include <gtest/gtest.h>

#include "connectors/format/csv_row_format.h"
#include "connectors/format/debezium_json_format.h"
#include "connectors/format/json_row_format.h"

namespace sluice::connectors {
namespace {

using engine::Batch;
using engine::DataType;
using engine::Schema;

Schema BidSchema() {
  return Schema({{"auction", DataType::kInt64},
                 {"price", DataType::kDouble},
                 {"name", DataType::kString},
                 {"ok", DataType::kBool},
                 {"ts", DataType::kTimestamp},
                 {"n", DataType::kInt32}});
}

TEST(JsonRowFormatTest, DecodesFieldsByNameWithNullsAndTimestamps) {
  Batch b(BidSchema(), 8);
  JsonRowDecoder d(std::vector<bool>(6, true));
  ASSERT_TRUE(d.Decode(R"({"price": 1.5, "auction": 7, "name": "x\"y", "ts": "2026-11-22 10:00:00.250",
                          "extra": [1,2], "ok": true, "n": null})",
                       &b, 0)
                  .ok());
  EXPECT_EQ(b.column(0).data<int64_t>()[0], 7);
  EXPECT_DOUBLE_EQ(b.column(1).data<double>()[0], 1.5);
  EXPECT_EQ(b.column(2).GetString(0), "x\"y");
  EXPECT_EQ(b.column(3).data<uint8_t>()[0], 1);
  EXPECT_EQ(b.column(4).data<int64_t>()[0], 1795341600250);
  EXPECT_TRUE(b.column(5).IsNull(0));
  // Epoch milliseconds are accepted for TIMESTAMP; missing fields are NULL.
  ASSERT_TRUE(d.Decode(R"({"ts": 1000})", &b, 1).ok());
  EXPECT_EQ(b.column(4).data<int64_t>()[1], 1000);
  EXPECT_TRUE(b.column(0).IsNull(1));
}

TEST(JsonRowFormatTest, WrongTypeNamesTheFieldAndLeavesTheRowNull) {
  Batch b(BidSchema(), 8);
  JsonRowDecoder d(std::vector<bool>(6, true));
  Status s = d.Decode(R"({"auction": "seven", "price": 2})", &b, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("field \"auction\""), std::string::npos) << s.ToString();
  EXPECT_TRUE(b.column(1).IsNull(0));
  EXPECT_FALSE(d.Decode("{not json", &b, 0).ok());
  EXPECT_FALSE(d.Decode("[1,2]", &b, 0).ok());
  EXPECT_FALSE(d.Decode(R"({"n": 99999999999})", &b, 0).ok()) << "INT overflow";
}

// As Flink's JSON format: an object or array read into a STRING column is its
// compact JSON text (for JSON_VALUE and friends), a number or boolean its text.
TEST(JsonRowFormatTest, NestedValuesIntoAStringColumnAreTheirJsonText) {
  Batch b(BidSchema(), 8);
  JsonRowDecoder d(std::vector<bool>(6, true));
  ASSERT_TRUE(d.Decode(R"({"name": {"a": {"b": [5, 6]}, "s": "x y"}})", &b, 0).ok());
  EXPECT_EQ(b.column(2).GetString(0), R"({"a":{"b":[5,6]},"s":"x y"})");
  ASSERT_TRUE(d.Decode(R"({"name": [1, {"k": null}], "auction": 1})", &b, 1).ok());
  EXPECT_EQ(b.column(2).GetString(1), R"([1,{"k":null}])");
  EXPECT_EQ(b.column(0).data<int64_t>()[1], 1) << "fields after the nested value are read";
  ASSERT_TRUE(d.Decode(R"({"name": 12.50})", &b, 2).ok());
  EXPECT_EQ(b.column(2).GetString(2), "12.50");
  ASSERT_TRUE(d.Decode(R"({"name": true})", &b, 3).ok());
  EXPECT_EQ(b.column(2).GetString(3), "true");
}

// Projection push-down: columns the query does not read stay NULL and are
// not decoded, so a bad value in one of them is no error.
TEST(JsonRowFormatTest, UnreadColumnsStayNullAndAreNotDecoded) {
  Batch b(BidSchema(), 8);
  JsonRowDecoder d(std::vector<bool>(6, true));
  d.set_read_columns({true, false, true, false, false, false});
  ASSERT_TRUE(d.Decode(R"({"auction": 7, "price": "not a number", "name": "x", "ok": 3})", &b, 0).ok());
  EXPECT_EQ(b.column(0).data<int64_t>()[0], 7);
  EXPECT_TRUE(b.column(1).IsNull(0));
  EXPECT_EQ(b.column(2).GetString(0), "x");
  EXPECT_TRUE(b.column(3).IsNull(0));
}

TEST(CsvRowFormatTest, UnreadColumnsStayNullButStillCountAsFields) {
  Batch b(BidSchema(), 8);
  CsvRowDecoder d(std::vector<bool>(6, true));
  d.set_read_columns({false, true, false, false, true, false});
  ASSERT_TRUE(d.Decode("x,1.5,y,maybe,1000,z", &b, 0).ok());
  EXPECT_TRUE(b.column(0).IsNull(0));
  EXPECT_DOUBLE_EQ(b.column(1).data<double>()[0], 1.5);
  EXPECT_TRUE(b.column(3).IsNull(0));
  EXPECT_EQ(b.column(4).data<int64_t>()[0], 1000);
  EXPECT_FALSE(d.Decode("x,1.5", &b, 1).ok()) << "a missing field is still an error";
}

TEST(DebeziumJsonFormatTest, ChangeEventsBecomeChangelogRows) {
  const Schema schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  Batch b(schema, 8);
  DebeziumJsonDecoder d(std::vector<bool>(2, true));
  auto kind = [&](int row) { return b.row_kind(row); };
  ASSERT_TRUE(d.Decode(R"({"before": null, "after": {"id": 1, "name": "a"}, "op": "c", "ts_ms": 1})", &b, 0).ok());
  EXPECT_EQ(d.rows_decoded(), 1);
  EXPECT_EQ(kind(0), engine::RowKind::kInsert);
  // An update: -U of before, +U of after; fields in any order, schema envelope.
  ASSERT_TRUE(d.Decode(R"({"schema": {"type": "struct"}, "payload": {"op": "u", "after": {"name": "b", "id": 1},
                          "before": {"id": 1, "name": "a"}, "source": {"db": "x"}}})",
                       &b, 1)
                  .ok());
  EXPECT_EQ(d.rows_decoded(), 2);
  EXPECT_EQ(kind(1), engine::RowKind::kUpdateBefore);
  EXPECT_EQ(b.column(1).GetString(1), "a");
  EXPECT_EQ(kind(2), engine::RowKind::kUpdateAfter);
  EXPECT_EQ(b.column(1).GetString(2), "b");
  ASSERT_TRUE(d.Decode(R"({"before": {"id": 1, "name": "b"}, "after": null, "op": "d"})", &b, 3).ok());
  EXPECT_EQ(kind(3), engine::RowKind::kDelete);
  ASSERT_TRUE(d.Decode(R"({"before": null, "after": {"id": 2, "name": "s"}, "op": "r"})", &b, 4).ok());
  EXPECT_EQ(kind(4), engine::RowKind::kInsert);
}

TEST(DebeziumJsonFormatTest, MalformedEventsSayWhatIsWrong) {
  const Schema schema({{"id", DataType::kInt64}});
  Batch b(schema, 8);
  DebeziumJsonDecoder d(std::vector<bool>(1, true));
  auto error = [&](std::string_view json) {
    Status s = d.Decode(json, &b, 0);
    EXPECT_FALSE(s.ok()) << json;
    return std::string(s.message());
  };
  EXPECT_NE(error(R"({"before": null, "after": {"id": 1}})").find("no \"op\""), std::string::npos);
  EXPECT_NE(error(R"({"before": null, "after": {"id": 2}, "op": "u"})").find("REPLICA IDENTITY FULL"),
            std::string::npos);
  EXPECT_NE(error(R"({"after": {"id": "x"}, "op": "c"})").find("\"after\": field \"id\""), std::string::npos);
  EXPECT_NE(error(R"({"after": 3, "op": "c"})").find("must be an object"), std::string::npos);
  EXPECT_NE(error(R"({"op": "t"})").find("unknown op"), std::string::npos);
  EXPECT_NE(error("[1]").find("not a JSON object"), std::string::npos);
}

TEST(JsonRowFormatTest, EncodeThenDecodeRoundTrips) {
  Batch b(BidSchema(), 8);
  JsonRowDecoder d(std::vector<bool>(6, true));
  ASSERT_TRUE(
      d.Decode(R"({"auction": -3, "price": 0.25, "name": "tab\there", "ok": false, "ts": 1795341600250, "n": 4})", &b,
               0)
          .ok());
  b.set_num_rows(1);
  JsonRowEncoder e(BidSchema(), std::vector<bool>(6, true));
  std::string out;
  e.Encode(b, 0, &out);
  EXPECT_EQ(out, R"({"auction":-3,"price":0.25,"name":"tab\there","ok":false,"ts":"2026-11-22 10:00:00.250","n":4})");
  Batch b2(BidSchema(), 8);
  ASSERT_TRUE(d.Decode(out, &b2, 0).ok());
  EXPECT_EQ(b2.column(4).data<int64_t>()[0], 1795341600250);
  EXPECT_EQ(b2.column(2).GetString(0), "tab\there");
}

TEST(CsvRowFormatTest, QuotedFieldsAndNulls) {
  Batch b(BidSchema(), 8);
  CsvRowDecoder d(std::vector<bool>(6, true));
  ASSERT_TRUE(d.Decode(R"(1,2.5,"a, ""quoted"" name",true,2026-11-22 10:00:00,)", &b, 0).ok());
  EXPECT_EQ(b.column(0).data<int64_t>()[0], 1);
  EXPECT_EQ(b.column(2).GetString(0), "a, \"quoted\" name");
  EXPECT_EQ(b.column(4).data<int64_t>()[0], 1795341600000);
  EXPECT_TRUE(b.column(5).IsNull(0));
  b.set_num_rows(1);
  CsvRowEncoder e(std::vector<bool>(6, true));
  std::string out;
  e.Encode(b, 0, &out);
  EXPECT_EQ(out, R"(1,2.5,"a, ""quoted"" name",true,2026-11-22 10:00:00.000,)");
}

TEST(RowFormatTest, DatesAreYearMonthDayTextBothWays) {
  const Schema schema({{"d", DataType::kDate}});
  Batch b(schema, 8);
  JsonRowDecoder json(std::vector<bool>(1, true));
  ASSERT_TRUE(json.Decode(R"({"d": "2026-11-22"})", &b, 0).ok());
  ASSERT_TRUE(json.Decode(R"({"d": "1969-12-31"})", &b, 1).ok());
  EXPECT_EQ(b.column(0).data<int32_t>()[0], 20779);  // days since 1970-01-01
  EXPECT_EQ(b.column(0).data<int32_t>()[1], -1);
  Status bad = json.Decode(R"({"d": "2026-11-22 10:00:00"})", &b, 2);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("expected a date"), std::string::npos) << bad.ToString();
  b.set_num_rows(2);
  std::string out;
  JsonRowEncoder(schema, std::vector<bool>(1, true)).Encode(b, 1, &out);
  EXPECT_EQ(out, R"({"d":"1969-12-31"})");
  CsvRowDecoder csv(std::vector<bool>(1, true));
  ASSERT_TRUE(csv.Decode("2024-02-29", &b, 0).ok());
  out.clear();
  CsvRowEncoder(std::vector<bool>(1, true)).Encode(b, 0, &out);
  EXPECT_EQ(out, "2024-02-29");
  EXPECT_FALSE(csv.Decode("2024-02-30x", &b, 0).ok());
}

TEST(CsvRowFormatTest, BadFieldsAreErrors) {
  Batch b(BidSchema(), 8);
  CsvRowDecoder d(std::vector<bool>(6, true));
  EXPECT_FALSE(d.Decode("x,1,a,true,1,1", &b, 0).ok());
  EXPECT_FALSE(d.Decode("1,1", &b, 0).ok()) << "missing fields";
  EXPECT_FALSE(d.Decode(R"(1,1,"open,true,1,1)", &b, 0).ok());
}

}  // namespace
}  // namespace sluice::connectors
