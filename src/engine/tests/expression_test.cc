#include "engine/expression.h"

#include <gtest/gtest.h>

#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using testing::ColumnValues;
using testing::MakeBatch;

const Schema kSchema({{"a", DataType::kInt64},
                      {"b", DataType::kInt32},
                      {"x", DataType::kDouble},
                      {"s", DataType::kString},
                      {"flag", DataType::kBool},
                      {"ts", DataType::kTimestamp}});

Batch Sample() {
  return MakeBatch(
      kSchema, {
                   {Value::Int64(10), Value::Int32(3), Value::Double(1.5), Value::String("Hello"), Value::Bool(true),
                    Value::Timestamp(61'500)},
                   {Value::Int64(-7), Value::Int32(0), Value::Null(DataType::kDouble), Value::String("wörld"),
                    Value::Bool(false), Value::Timestamp(-1)},
                   {Value::Null(DataType::kInt64), Value::Int32(2), Value::Double(-2.0), Value::Null(DataType::kString),
                    Value::Null(DataType::kBool), Value::Null(DataType::kTimestamp)},
               });
}

std::vector<Value> Eval(const Expr& e, const Batch& b) {
  auto compiled = CompileExpr(e, b.schema());
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  if (!compiled.ok()) return {};
  return ColumnValues(*(*compiled)->Evaluate(b), b);
}

Value I64(int64_t v) { return Value::Int64(v); }
Value I32(int32_t v) { return Value::Int32(v); }
Value B(bool v) { return Value::Bool(v); }
Value S(const char* v) { return Value::String(v); }
Value N(DataType t) { return Value::Null(t); }

TEST(ExpressionTest, ArithmeticPromotesAndPropagatesNull) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Col("a") + Col("b"), b), (std::vector<Value>{I64(13), I64(-7), N(DataType::kInt64)}));
  EXPECT_EQ(Eval(Col("b") * 2, b), (std::vector<Value>{I32(6), I32(0), I32(4)}));
  EXPECT_EQ(Eval(Col("x") + Col("b"), b),
            (std::vector<Value>{Value::Double(4.5), N(DataType::kDouble), Value::Double(0)}));
}

TEST(ExpressionTest, IntegerDivisionByZeroIsNull) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Col("a") / Col("b"), b), (std::vector<Value>{I64(3), N(DataType::kInt64), N(DataType::kInt64)}));
  EXPECT_EQ(Eval(Col("a") % Col("b"), b), (std::vector<Value>{I64(1), N(DataType::kInt64), N(DataType::kInt64)}));
}

TEST(ExpressionTest, ComparisonOfMixedNumericTypes) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Col("a") > Col("x"), b), (std::vector<Value>{B(true), N(DataType::kBool), N(DataType::kBool)}));
  EXPECT_EQ(Eval(Col("s") == "Hello", b), (std::vector<Value>{B(true), B(false), N(DataType::kBool)}));
}

TEST(ExpressionTest, ThreeValuedLogic) {
  Batch b =
      MakeBatch(Schema({{"p", DataType::kBool}, {"q", DataType::kBool}}), {{B(true), N(DataType::kBool)},
                                                                           {B(false), N(DataType::kBool)},
                                                                           {N(DataType::kBool), N(DataType::kBool)},
                                                                           {B(true), B(false)}});
  EXPECT_EQ(Eval(Col("p") && Col("q"), b),
            (std::vector<Value>{N(DataType::kBool), B(false), N(DataType::kBool), B(false)}));
  EXPECT_EQ(Eval(Col("p") || Col("q"), b),
            (std::vector<Value>{B(true), N(DataType::kBool), N(DataType::kBool), B(true)}));
  EXPECT_EQ(Eval(!Col("p"), b), (std::vector<Value>{B(false), B(true), N(DataType::kBool), B(false)}));
  EXPECT_EQ(Eval(IsNull(Col("q")), b), (std::vector<Value>{B(true), B(true), B(true), B(false)}));
}

TEST(ExpressionTest, CaseTakesFirstTrueBranchElseNull) {
  Batch b = Sample();
  Expr e = Case({{Col("a") > 0, Lit("pos")}, {Col("a") < 0, Lit("neg")}});
  EXPECT_EQ(Eval(e, b), (std::vector<Value>{S("pos"), S("neg"), N(DataType::kString)}));
  Expr with_else = Case({{Col("flag"), Col("b")}}, Col("a"));
  EXPECT_EQ(Eval(with_else, b), (std::vector<Value>{I64(3), I64(-7), N(DataType::kInt64)}));
}

TEST(ExpressionTest, CastsBetweenTypes) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Cast(Col("x"), DataType::kInt32), b), (std::vector<Value>{I32(1), N(DataType::kInt32), I32(-2)}));
  EXPECT_EQ(Eval(Cast(Col("a"), DataType::kString), b), (std::vector<Value>{S("10"), S("-7"), N(DataType::kString)}));
  Batch strings = MakeBatch(Schema({{"s", DataType::kString}}), {{S(" 42 ")}, {S("4x")}, {S("2024-01-02 00:00:01.5")}});
  EXPECT_EQ(Eval(Cast(Col("s"), DataType::kInt64), strings),
            (std::vector<Value>{I64(42), N(DataType::kInt64), N(DataType::kInt64)}));
  EXPECT_EQ(Eval(Cast(Col("s"), DataType::kTimestamp), strings),
            (std::vector<Value>{Value::Timestamp(42), N(DataType::kTimestamp), Value::Timestamp(1704153601500)}));
  EXPECT_EQ(Eval(Cast(Col("ts"), DataType::kString), b),
            (std::vector<Value>{S("1970-01-01 00:01:01.500"), S("1969-12-31 23:59:59.999"), N(DataType::kString)}));
}

TEST(ExpressionTest, CoalescePicksFirstNonNull) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Coalesce({Col("a"), Col("b")}), b), (std::vector<Value>{I64(10), I64(-7), I64(2)}));
}

TEST(ExpressionTest, StringFunctions) {
  Batch b = Sample();
  EXPECT_EQ(Eval(Upper(Col("s")), b), (std::vector<Value>{S("HELLO"), S("WöRLD"), N(DataType::kString)}));
  EXPECT_EQ(Eval(Lower(Col("s")), b), (std::vector<Value>{S("hello"), S("wörld"), N(DataType::kString)}));
  EXPECT_EQ(Eval(CharLength(Col("s")), b), (std::vector<Value>{I32(5), I32(5), N(DataType::kInt32)}));
  EXPECT_EQ(Eval(Substring(Col("s"), Lit(2), Lit(3)), b),
            (std::vector<Value>{S("ell"), S("örl"), N(DataType::kString)}));
  EXPECT_EQ(Eval(Substring(Col("s"), Lit(0), Lit(2)), b), (std::vector<Value>{S("H"), S("w"), N(DataType::kString)}));
  EXPECT_EQ(Eval(Substring(Col("s"), Lit(4)), b), (std::vector<Value>{S("lo"), S("ld"), N(DataType::kString)}));
  EXPECT_EQ(Eval(Concat({Col("s"), Lit("-"), Col("b")}), b),
            (std::vector<Value>{S("Hello-3"), S("wörld-0"), N(DataType::kString)}));
}

TEST(ExpressionTest, FloorTimestampToUnitRoundsTowardMinusInfinity) {
  Batch b = Sample();
  EXPECT_EQ(Eval(FloorTime(Col("ts"), TimeUnit::kMinute), b),
            (std::vector<Value>{Value::Timestamp(60'000), Value::Timestamp(-60'000), N(DataType::kTimestamp)}));
}

TEST(ExpressionTest, EvaluatesOnlySelectedRows) {
  Batch b = Sample();
  b.mutable_selection()[0] = 1;
  b.SetSelection(1);
  EXPECT_EQ(Eval(Col("a") * 3, b), (std::vector<Value>{I64(-21)}));
}

TEST(ExpressionTest, UnknownColumnAndTypeErrorsAreReported) {
  auto r = CompileExpr(Col("nope") > 1, kSchema);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no column 'nope'"), std::string::npos);
  auto t = CompileExpr(Col("s") + 1, kSchema);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::engine
