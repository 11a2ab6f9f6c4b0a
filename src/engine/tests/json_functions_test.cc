#include "engine/json_functions.h"

#include <gtest/gtest.h>

namespace sluice::engine {
namespace {

constexpr std::string_view kDoc =
    R"({"user": {"id": 42, "name": "ann \"a\"", "tags": ["x", "y"], "score": 2.5, "vip": false, "none": null},
        "items": [{"sku": "a1"}, {"sku": "b2"}], "odd key": 1})";

std::string Value(JsonPathEvaluator& j, std::string_view path, std::string_view doc, JsonOutcome* outcome) {
  std::string error, out;
  EXPECT_TRUE(j.SetPath(path, &error)) << error;
  *outcome = j.Value(doc, &out);
  return out;
}

TEST(JsonPathEvaluatorTest, ValueReadsScalarsAlongMembersAndIndices) {
  JsonPathEvaluator j;
  JsonOutcome r;
  EXPECT_EQ(Value(j, "$.user.id", kDoc, &r), "42");
  EXPECT_EQ(r, JsonOutcome::kValue);
  EXPECT_EQ(Value(j, "$.user.name", kDoc, &r), "ann \"a\"") << "strings come out unescaped";
  EXPECT_EQ(Value(j, "$.user.tags[1]", kDoc, &r), "y");
  EXPECT_EQ(Value(j, "$.items[1].sku", kDoc, &r), "b2");
  EXPECT_EQ(Value(j, "$['odd key']", kDoc, &r), "1");
  EXPECT_EQ(Value(j, "$.\"odd key\"", kDoc, &r), "1");
  EXPECT_EQ(Value(j, "lax $.user.score", kDoc, &r), "2.5");
  EXPECT_EQ(Value(j, "$.user.vip", kDoc, &r), "false");
}

TEST(JsonPathEvaluatorTest, MissingNullContainersAndBadDocumentsAreEmptyOrErrors) {
  JsonPathEvaluator j;
  JsonOutcome r;
  Value(j, "$.user.missing", kDoc, &r);
  EXPECT_EQ(r, JsonOutcome::kEmpty);
  Value(j, "$.user.none", kDoc, &r);
  EXPECT_EQ(r, JsonOutcome::kEmpty) << "a JSON null is the ON EMPTY case";
  Value(j, "strict $.user.missing", kDoc, &r);
  EXPECT_EQ(r, JsonOutcome::kError) << "strict mode: a missing item is an error";
  Value(j, "$.user.tags", kDoc, &r);
  EXPECT_EQ(r, JsonOutcome::kError) << "JSON_VALUE of an array";
  Value(j, "$.user.tags[5]", kDoc, &r);
  EXPECT_EQ(r, JsonOutcome::kEmpty);
  Value(j, "$.user", "{not json", &r);
  EXPECT_EQ(r, JsonOutcome::kError);
}

TEST(JsonPathEvaluatorTest, QueryGivesCompactContainersAndExistsFindsNulls) {
  JsonPathEvaluator j;
  std::string error, out;
  ASSERT_TRUE(j.SetPath("$.user.tags", &error));
  EXPECT_EQ(j.Query(kDoc, &out), JsonOutcome::kValue);
  EXPECT_EQ(out, R"(["x","y"])");
  ASSERT_TRUE(j.SetPath("$.items[0]", &error));
  EXPECT_EQ(j.Query(kDoc, &out), JsonOutcome::kValue);
  EXPECT_EQ(out, R"({"sku":"a1"})");
  ASSERT_TRUE(j.SetPath("$.user.id", &error));
  EXPECT_EQ(j.Query(kDoc, &out), JsonOutcome::kError) << "JSON_QUERY of a scalar";
  ASSERT_TRUE(j.SetPath("$.user.none", &error));
  EXPECT_EQ(j.Exists(kDoc), JsonOutcome::kValue);
  ASSERT_TRUE(j.SetPath("$.user.nope", &error));
  EXPECT_EQ(j.Exists(kDoc), JsonOutcome::kEmpty);
  EXPECT_EQ(j.Exists("]"), JsonOutcome::kError);
}

TEST(JsonPathEvaluatorTest, UnsupportedPathsSayWhatIsWrong) {
  std::string error;
  for (std::string_view bad : {"a.b", "$.", "$[*]", "$.a[-1]", "$['a'", "$..a", "$.a?(@.b)"}) {
    JsonPathEvaluator j;
    EXPECT_FALSE(j.SetPath(bad, &error)) << bad;
    EXPECT_NE(error.find("JSON path"), std::string::npos) << error;
    EXPECT_FALSE(IsSupportedJsonPath(bad, &error)) << bad;
  }
}

}  // namespace
}  // namespace sluice::engine
