// Scalar user-defined functions (ScalarFunctionRegistry, Fn::kUdf) and
// CURRENT_WATERMARK in the calc operator.

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/calc_operator.h"
#include "engine/expression.h"
#include "engine/scalar_function.h"
#include "engine/sink.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using testing::ColumnValues;
using testing::MakeBatch;

constexpr const char* kCountChar = "com.github.nexmark.flink.udf.CountChar";

const ScalarFunction* CountCharFn() {
  const ScalarFunction* f = ScalarFunctionRegistry::Default().Find(kCountChar);
  EXPECT_NE(f, nullptr);
  return f;
}

// x * 2 + y, BIGINT: a test function with two numeric arguments.
void TwicePlusKernel(const Column* const* args, const Batch& rows, Column* out) {
  const int64_t* x = args[0]->data<int64_t>();
  const int64_t* y = args[1]->data<int64_t>();
  int64_t* o = out->data<int64_t>();
  for (int k = 0; k < rows.active_rows(); ++k) {
    const int i = rows.active_row(k);
    if (!out->IsNull(i)) o[i] = x[i] * 2 + y[i];
  }
}

// The example of src/sql/README.md, "User-defined functions", verbatim.
void Reverse(const engine::Column* const* args, const engine::Batch& rows, engine::Column* out) {
  for (int k = 0; k < rows.active_rows(); ++k) {
    int i = rows.active_row(k);
    if (out->IsNull(i)) continue;
    std::string_view s = args[0]->GetString(i);
    char* dst = out->ExtendArena(s.size());  // strings go to the column's arena
    std::reverse_copy(s.begin(), s.end(), dst);
    out->data<engine::StringRef>()[i] = {static_cast<uint32_t>(out->arena_size() - s.size()),
                                         static_cast<uint32_t>(s.size())};
  }
}

TEST(UserFunctionsTest, TheReadmeExampleRegistersAndRuns) {
  ScalarFunctionRegistry registry;
  Status s = registry.Register({.class_name = "com.example.udf.Reverse",
                                .description = "reverse(s STRING) STRING",
                                .arg_types = {engine::DataType::kString},
                                .return_type = engine::DataType::kString,
                                .kernel = &Reverse});
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Schema schema({{"s", DataType::kString}});
  Batch b = MakeBatch(schema, {{Value::String("abc")}, {Value::Null(DataType::kString)}, {Value::String("")}});
  auto compiled = CompileExpr(CallFunction(registry.Find("com.example.udf.Reverse"), {Col("s")}), schema);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b),
            (std::vector<Value>{Value::String("cba"), Value::Null(DataType::kString), Value::String("")}));
}

TEST(UserFunctionsTest, CountCharCountsOneCharacterAndPassesNullThrough) {
  const Schema schema({{"s", DataType::kString}, {"c", DataType::kString}});
  Batch b = MakeBatch(schema, {{Value::String("abcabcc"), Value::String("c")},
                               {Value::String("xyz"), Value::String("c")},
                               {Value::String("abc"), Value::String("")},
                               {Value::Null(DataType::kString), Value::String("c")},
                               {Value::String("abc"), Value::Null(DataType::kString)}});
  auto compiled = CompileExpr(CallFunction(CountCharFn(), {Col("s"), Col("c")}), schema);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ((*compiled)->type(), DataType::kInt64);
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b),
            (std::vector<Value>{Value::Int64(3), Value::Int64(0), Value::Int64(0), Value::Null(DataType::kInt64),
                                Value::Null(DataType::kInt64)}));
}

TEST(UserFunctionsTest, KernelSeesOnlySelectedRowsAndArgumentsCastToDeclaredTypes) {
  ScalarFunctionRegistry registry;
  ASSERT_TRUE(registry
                  .Register({.class_name = "test.TwicePlus",
                             .description = "x * 2 + y",
                             .arg_types = {DataType::kInt64, DataType::kInt64},
                             .return_type = DataType::kInt64,
                             .kernel = &TwicePlusKernel})
                  .ok());
  const ScalarFunction* f = registry.Find("test.TwicePlus");
  ASSERT_NE(f, nullptr);
  const Schema schema({{"a", DataType::kInt32}, {"b", DataType::kInt64}});
  Batch b = MakeBatch(schema, {{Value::Int32(1), Value::Int64(10)},
                               {Value::Int32(2), Value::Int64(20)},
                               {Value::Int32(3), Value::Null(DataType::kInt64)}});
  b.mutable_selection()[0] = 0;
  b.mutable_selection()[1] = 2;
  b.SetSelection(2);
  auto compiled = CompileExpr(CallFunction(f, {Col("a"), Col("b")}), schema);  // INT a widens to BIGINT
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  const Column* out = (*compiled)->Evaluate(b);
  EXPECT_EQ(Value::FromColumn(*out, 0), Value::Int64(12));
  EXPECT_TRUE(out->IsNull(2));
  EXPECT_EQ(CallFunction(f, {Col("a"), Col("b")}).ToString(), "test.TwicePlus(a, b)");
}

TEST(UserFunctionsTest, WrongArgumentCountOrTypeIsACompileError) {
  const Schema schema({{"s", DataType::kString}, {"n", DataType::kInt64}});
  auto few = CompileExpr(CallFunction(CountCharFn(), {Col("s")}), schema);
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.status().message().find("takes 2 arguments, got 1"), std::string::npos) << few.status().ToString();
  auto typed = CompileExpr(CallFunction(CountCharFn(), {Col("s"), Col("n")}), schema);
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.status().message().find("argument 2 of com.github.nexmark.flink.udf.CountChar must be STRING, got "
                                          "BIGINT"),
            std::string::npos)
      << typed.status().ToString();
}

TEST(UserFunctionsTest, RegistryRejectsDuplicatesAndFunctionsWithoutKernel) {
  ScalarFunctionRegistry registry;
  ScalarFunction f{.class_name = "test.F", .arg_types = {}, .return_type = DataType::kInt64, .kernel = nullptr};
  Status none = registry.Register(f);
  EXPECT_FALSE(none.ok());
  EXPECT_NE(none.message().find("needs a class name and a kernel"), std::string::npos);
  f.kernel = &TwicePlusKernel;
  EXPECT_TRUE(registry.Register(f).ok());
  Status dup = registry.Register(f);
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("test.F is already registered"), std::string::npos);
  ScalarFunction wide{.class_name = "test.Wide",
                      .arg_types = std::vector<DataType>(ScalarFunctionRegistry::kMaxArgs + 1, DataType::kInt64),
                      .kernel = &TwicePlusKernel};
  Status too_many = registry.Register(wide);
  EXPECT_FALSE(too_many.ok());
  EXPECT_NE(too_many.message().find("at most 16 are supported"), std::string::npos);
  EXPECT_EQ(registry.Functions().size(), 1u);
  EXPECT_EQ(registry.Find("test.Missing"), nullptr);
}

// Flink's documented use: WHERE CURRENT_WATERMARK(ts) IS NULL OR ts > CURRENT_WATERMARK(ts).
TEST(UserFunctionsTest, CurrentWatermarkIsNullBeforeTheFirstWatermarkThenFiltersLateRows) {
  const Schema schema({{"id", DataType::kInt64}, {"ts", DataType::kTimestamp}});
  Expr wm = CurrentWatermark(Col("ts"));
  auto calc = CalcOperator::Create(schema, IsNull(wm) || Col("ts") > wm, {{Col("id"), "id"}, {wm, "wm"}});
  ASSERT_TRUE(calc.ok()) << calc.status().ToString();
  CollectingSink sink;
  SinkOperator out((*calc)->output_schema(), &sink);
  (*calc)->set_next(&out);

  Batch first = MakeBatch(schema, {{Value::Int64(1), Value::Timestamp(10)}, {Value::Int64(2), Value::Timestamp(20)}});
  ASSERT_TRUE((*calc)->Process(first).ok());
  ASSERT_TRUE((*calc)->OnWatermark(15).ok());
  Batch second = MakeBatch(schema, {{Value::Int64(3), Value::Timestamp(12)},
                                    {Value::Int64(4), Value::Timestamp(18)},
                                    {Value::Int64(5), Value::Timestamp(15)}});
  ASSERT_TRUE((*calc)->Process(second).ok());

  std::vector<std::string> got;
  for (const auto& r : sink.rows()) got.push_back(r.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{"+I(1,NULL)", "+I(2,NULL)", "+I(4,1970-01-01 00:00:00.015)"}));
}

TEST(UserFunctionsTest, CurrentWatermarkNeedsATimestamp) {
  const Schema schema({{"id", DataType::kInt64}});
  auto c = CompileExpr(CurrentWatermark(Col("id")), schema);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("CURRENT_WATERMARK needs the event-time (TIMESTAMP) column"), std::string::npos);
}

}  // namespace
}  // namespace sluice::engine
