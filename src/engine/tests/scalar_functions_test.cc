// Flink's scalar functions in the engine: each kernel's NULL handling and
// edge cases, checked against the values Flink gives.

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string_view>

#include "engine/expression.h"
#include "engine/tests/test_rows.h"

namespace sluice::engine {
namespace {

using testing::ColumnValues;
using testing::MakeBatch;

const Schema kOneRow({{"unused", DataType::kInt64}});

// Evaluates an expression of literals over a one-row batch.
Value One(const Expr& e) {
  Batch b = MakeBatch(kOneRow, {{Value::Int64(0)}});
  auto compiled = CompileExpr(e, kOneRow);
  EXPECT_TRUE(compiled.ok()) << e.ToString() << ": " << compiled.status().ToString();
  if (!compiled.ok()) return Value::Null(DataType::kInt64);
  return Value::FromColumn(*(*compiled)->Evaluate(b), 0);
}

// The error CompileExpr reports for `e`, or "" when it compiles.
std::string CompileError(const Expr& e) {
  auto compiled = CompileExpr(e, kOneRow);
  return compiled.ok() ? "" : std::string(compiled.status().message());
}

Value S(const char* v) { return Value::String(v); }
Value B(bool v) { return Value::Bool(v); }
Value I32(int32_t v) { return Value::Int32(v); }
Value I64(int64_t v) { return Value::Int64(v); }
Value D(double v) { return Value::Double(v); }
Value Ts(int64_t ms) { return Value::Timestamp(ms); }
Value N(DataType t) { return Value::Null(t); }
Expr NullString() { return Lit(Value::Null(DataType::kString)); }
Expr NullInt() { return Lit(Value::Null(DataType::kInt32)); }

// 2024-03-05 07:08:09.012 UTC, a Tuesday.
constexpr int64_t kTuesday = 1'709'622'489'012;
int64_t At(const char* text) {
  int64_t ms = 0;
  EXPECT_TRUE(ParseTimestamp(text, &ms)) << text;
  return ms;
}

TEST(ScalarFunctionsTest, LikeMatchesPercentAndUnderscoreOverTheWholeString) {
  EXPECT_EQ(One(Like(Lit("abc"), Lit("a%"))), B(true));
  EXPECT_EQ(One(Like(Lit("abc"), Lit("a_c"))), B(true));
  EXPECT_EQ(One(Like(Lit("abc"), Lit("a_"))), B(false));
  EXPECT_EQ(One(Like(Lit("abc"), Lit("b"))), B(false));  // anchored, not a substring search
  EXPECT_EQ(One(Like(Lit(""), Lit("%"))), B(true));
  EXPECT_EQ(One(Like(Lit("ö"), Lit("_"))), B(true));  // one code point, two bytes
  EXPECT_EQ(One(Like(Lit("a\nb"), Lit("a%b"))), B(true));
  EXPECT_EQ(One(Like(Lit("abc"), Lit("a.c"))), B(false));  // regex characters are literal
  EXPECT_EQ(One(Like(Lit("a.c"), Lit("a.c"))), B(true));
  EXPECT_EQ(One(Like(Lit("a\\b"), Lit("a\\b"))), B(true));  // no escape character unless ESCAPE says so
  EXPECT_EQ(One(Like(Lit("ABC"), Lit("abc"))), B(false));
}

// Patterns without '_' are matched by their literal pieces, not by RE2.
TEST(ScalarFunctionsTest, LikeWithoutUnderscoreMatchesByLiteralPieces) {
  struct Case {
    const char* s;
    const char* pattern;
    bool match;
  };
  for (const Case& c : std::vector<Case>{{"abc", "a%b%c", true},
                                         {"aXbYc", "a%b%c", true},
                                         {"acb", "a%b%c", false},
                                         {"", "%%", true},
                                         {"ab", "ab%ab", false},  // the ends may not overlap
                                         {"abab", "ab%ab", true},
                                         {"a", "%a%a%", false},
                                         {"xaya", "%a%a%", true},
                                         {"aö", "%ö", true},
                                         {"abc", "abc", true},
                                         {"abcd", "abc", false},
                                         {"", "", true}}) {
    SCOPED_TRACE(std::string(c.s) + " LIKE " + c.pattern);
    EXPECT_EQ(One(Like(Lit(c.s), Lit(c.pattern))), B(c.match));
  }
  EXPECT_EQ(One(Like(Lit("50%x"), Lit("50!%%"), Lit("!"))), B(true));
  EXPECT_EQ(One(Like(Lit("50x"), Lit("50!%%"), Lit("!"))), B(false));
}

// The textbook recursive LIKE over ASCII, as the reference.
bool ReferenceLike(std::string_view s, std::string_view p) {
  if (p.empty()) return s.empty();
  if (p[0] == '%') return ReferenceLike(s, p.substr(1)) || (!s.empty() && ReferenceLike(s.substr(1), p));
  if (s.empty()) return false;
  return (p[0] == '_' || p[0] == s[0]) && ReferenceLike(s.substr(1), p.substr(1));
}

TEST(ScalarFunctionsTest, LikeAgreesWithAReferenceMatcherOnRandomPatterns) {
  const uint64_t seed = 20261122;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const Schema schema({{"s", DataType::kString}, {"p", DataType::kString}});
  std::vector<testing::Row> rows;
  std::vector<Value> expected;
  auto random_text = [&](std::string_view alphabet, size_t max_len) {
    std::string out(rng() % (max_len + 1), ' ');
    for (char& c : out) c = alphabet[rng() % alphabet.size()];
    return out;
  };
  for (int i = 0; i < 1000; ++i) {
    std::string text = random_text("ab", 6), pattern = random_text("ab%_", 5);
    rows.push_back({Value::String(text), Value::String(pattern)});
    expected.push_back(B(ReferenceLike(text, pattern)));
  }
  Batch b = MakeBatch(schema, rows, static_cast<int>(rows.size()));
  auto compiled = CompileExpr(Like(Col("s"), Col("p")), schema, static_cast<int>(rows.size()));
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b), expected);
}

TEST(ScalarFunctionsTest, LikeEscapeMakesWildcardsLiteral) {
  EXPECT_EQ(One(Like(Lit("50%"), Lit("50!%"), Lit("!"))), B(true));
  EXPECT_EQ(One(Like(Lit("500"), Lit("50!%"), Lit("!"))), B(false));
  EXPECT_EQ(One(Like(Lit("a_b!"), Lit("a!_b!!"), Lit("!"))), B(true));
  EXPECT_NE(CompileError(Like(Lit("a"), Lit("a!x"), Lit("!"))).find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(CompileError(Like(Lit("a"), Lit("a!"), Lit("!"))).find("ends with the escape"), std::string::npos);
  EXPECT_NE(CompileError(Like(Lit("a"), Lit("a"), Lit("!!"))).find("exactly one character"), std::string::npos);
  EXPECT_NE(CompileError(Like(Lit("a"), Lit("a"), Lit(""))).find("exactly one character"), std::string::npos);
}

TEST(ScalarFunctionsTest, LikeWithNullOperandIsNull) {
  EXPECT_EQ(One(Like(NullString(), Lit("%"))), N(DataType::kBool));
  EXPECT_EQ(One(Like(Lit("a"), NullString())), N(DataType::kBool));
  EXPECT_EQ(One(Like(Lit("a"), NullInt())), N(DataType::kBool));  // SQL's untyped NULL
}

TEST(ScalarFunctionsTest, UntypedNullLiteralsTakeTheArgumentTypeTheFunctionNeeds) {
  EXPECT_EQ(One(Trim(NullInt(), Lit(" "), TrimSide::kBoth)), N(DataType::kString));
  EXPECT_EQ(One(Call(Fn::kRegexpExtract, {Lit("a"), NullInt()})), N(DataType::kString));
  EXPECT_EQ(One(Call(Fn::kDateFormat, {NullInt(), Lit("yyyy")})), N(DataType::kString));
  EXPECT_EQ(One(Extract(NullInt(), DatePart::kYear)), N(DataType::kInt64));
  EXPECT_NE(CompileError(Trim(Lit(1), Lit(" "), TrimSide::kBoth)), "");  // a non-NULL INT is still an error
}

TEST(ScalarFunctionsTest, LikePatternFromAColumnIsCompiledPerDistinctPattern) {
  const Schema schema({{"s", DataType::kString}, {"p", DataType::kString}});
  Batch b = MakeBatch(schema, {{S("apple"), S("a%")},
                               {S("apple"), S("a%")},
                               {S("banana"), S("%nan%")},
                               {S("kiwi"), S("k!_")},
                               {S("kiwi"), N(DataType::kString)}});
  auto compiled = CompileExpr(Like(Col("s"), Col("p")), schema);
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b),
            (std::vector<Value>{B(true), B(true), B(true), B(false), N(DataType::kBool)}));
}

TEST(ScalarFunctionsTest, TrimRemovesAnyOfTheCharactersFromTheChosenSides) {
  EXPECT_EQ(One(Trim(Lit("  ab c  "), Lit(" "), TrimSide::kBoth)), S("ab c"));
  EXPECT_EQ(One(Trim(Lit("  ab  "), Lit(" "), TrimSide::kLeading)), S("ab  "));
  EXPECT_EQ(One(Trim(Lit("  ab  "), Lit(" "), TrimSide::kTrailing)), S("  ab"));
  EXPECT_EQ(One(Trim(Lit("xyxabcyx"), Lit("xy"), TrimSide::kBoth)), S("abc"));
  EXPECT_EQ(One(Trim(Lit("öaö"), Lit("ö"), TrimSide::kBoth)), S("a"));
  EXPECT_EQ(One(Trim(Lit("   "), Lit(" "), TrimSide::kBoth)), S(""));
  EXPECT_EQ(One(Trim(Lit(""), Lit(" "), TrimSide::kBoth)), S(""));
  EXPECT_EQ(One(Trim(Lit("\tab"), Lit(" "), TrimSide::kBoth)), S("\tab"));  // only the given characters
  EXPECT_EQ(One(Trim(NullString(), Lit(" "), TrimSide::kBoth)), N(DataType::kString));
  EXPECT_EQ(One(Trim(Lit("a"), NullString(), TrimSide::kBoth)), N(DataType::kString));
}

TEST(ScalarFunctionsTest, PositionCountsCodePointsFromOne) {
  EXPECT_EQ(One(Call(Fn::kPosition, {Lit("lo"), Lit("Hello")})), I32(4));
  EXPECT_EQ(One(Call(Fn::kPosition, {Lit("l"), Lit("wörld")})), I32(4));
  EXPECT_EQ(One(Call(Fn::kPosition, {Lit("z"), Lit("abc")})), I32(0));
  EXPECT_EQ(One(Call(Fn::kPosition, {Lit(""), Lit("abc")})), I32(1));
  EXPECT_EQ(One(Call(Fn::kPosition, {NullString(), Lit("abc")})), N(DataType::kInt32));
}

TEST(ScalarFunctionsTest, ReplaceEveryOccurrenceAsJava) {
  EXPECT_EQ(One(Call(Fn::kReplace, {Lit("aXbXc"), Lit("X"), Lit("--")})), S("a--b--c"));
  EXPECT_EQ(One(Call(Fn::kReplace, {Lit("aaa"), Lit("aa"), Lit("b")})), S("ba"));
  EXPECT_EQ(One(Call(Fn::kReplace, {Lit("abc"), Lit(""), Lit("-")})), S("-a-b-c-"));
  EXPECT_EQ(One(Call(Fn::kReplace, {Lit("abc"), Lit("z"), Lit("-")})), S("abc"));
  EXPECT_EQ(One(Call(Fn::kReplace, {Lit("abc"), NullString(), Lit("-")})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, PadsCycleThePadAndCutLongStrings) {
  EXPECT_EQ(One(Call(Fn::kLpad, {Lit("hi"), Lit(4), Lit("??")})), S("??hi"));
  EXPECT_EQ(One(Call(Fn::kLpad, {Lit("hi"), Lit(5), Lit("ab")})), S("abahi"));
  EXPECT_EQ(One(Call(Fn::kLpad, {Lit("hi"), Lit(1), Lit("??")})), S("h"));
  EXPECT_EQ(One(Call(Fn::kRpad, {Lit("hi"), Lit(5), Lit("ab")})), S("hiaba"));
  EXPECT_EQ(One(Call(Fn::kRpad, {Lit("hello"), Lit(2), Lit("x")})), S("he"));
  EXPECT_EQ(One(Call(Fn::kRpad, {Lit("ö"), Lit(3), Lit("ü")})), S("öüü"));
  EXPECT_EQ(One(Call(Fn::kLpad, {Lit("hi"), Lit(0), Lit("x")})), S(""));
  EXPECT_EQ(One(Call(Fn::kLpad, {Lit("hi"), Lit(-1), Lit("x")})), N(DataType::kString));
  EXPECT_EQ(One(Call(Fn::kRpad, {Lit("hi"), Lit(4), Lit("")})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, InitcapCapitalizesAlphanumericWords) {
  EXPECT_EQ(One(Call(Fn::kInitcap, {Lit("hello wORLD 3rd-party")})), S("Hello World 3rd-Party"));
  EXPECT_EQ(One(Call(Fn::kInitcap, {Lit("")})), S(""));
}

TEST(ScalarFunctionsTest, Md5MatchesTheRfc1321TestSuite) {
  auto md5 = [](std::string s) { return One(Call(Fn::kMd5, {Lit(std::move(s))})); };
  EXPECT_EQ(md5(""), S("d41d8cd98f00b204e9800998ecf8427e"));
  EXPECT_EQ(md5("a"), S("0cc175b9c0f1b6a831c399e269772661"));
  EXPECT_EQ(md5("abc"), S("900150983cd24fb0d6963f7d28e17f72"));
  EXPECT_EQ(md5("message digest"), S("f96b697d7cb7938d525a2f31aaf161d0"));
  EXPECT_EQ(md5("abcdefghijklmnopqrstuvwxyz"), S("c3fcd3d76192e4007dfb496cca67e13b"));
  EXPECT_EQ(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            S("d174ab98d277d9f5a5611c2c9f419d9f"));
  EXPECT_EQ(md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            S("57edf4a22be3c955ac49da2e2107b67a"));
  // Padding boundaries: the length fits the last block, just does not, and a whole block.
  EXPECT_EQ(md5(std::string(55, 'x')), S("04364420e25c512fd958a70738aa8f72"));
  EXPECT_EQ(md5(std::string(56, 'x')), S("668a72d5ba17f08e62dabcafad6db14b"));
  EXPECT_EQ(md5(std::string(64, 'x')), S("c1bb4f81d892b2d57947682aeb252456"));
  EXPECT_EQ(md5("ö"), S("a172480f4e21d0a124bac19c89569c59"));
  EXPECT_EQ(One(Call(Fn::kMd5, {NullString()})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, ConcatWsSkipsNullArgumentsButNotANullSeparator) {
  EXPECT_EQ(One(Call(Fn::kConcatWs, {Lit("-"), Lit("a"), NullString(), Lit("b")})), S("a-b"));
  EXPECT_EQ(One(Call(Fn::kConcatWs, {Lit("-"), NullString()})), S(""));
  EXPECT_EQ(One(Call(Fn::kConcatWs, {NullString(), Lit("a")})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, SplitIndexKeepsEmptyTokensAndIsNullOutOfRange) {
  auto split = [](const char* s, const char* sep, int index) {
    return One(Call(Fn::kSplitIndex, {Lit(s), Lit(sep), Lit(index)}));
  };
  EXPECT_EQ(split("a,b,,c", ",", 0), S("a"));
  EXPECT_EQ(split("a,b,,c", ",", 2), S(""));
  EXPECT_EQ(split("a,b,,c", ",", 3), S("c"));
  EXPECT_EQ(split("a,b,,c", ",", 4), N(DataType::kString));
  EXPECT_EQ(split("a,b", ",", -1), N(DataType::kString));
  EXPECT_EQ(split("a,", ",", 1), S(""));
  EXPECT_EQ(split("a::b:c", "::", 1), S("b:c"));
  EXPECT_EQ(split("", ",", 0), N(DataType::kString));
  EXPECT_EQ(split("a  b", "", 2), S("b"));  // an empty separator splits on whitespace
  EXPECT_EQ(One(Call(Fn::kSplitIndex, {Lit("a"), NullString(), Lit(0)})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, RegexpExtractTakesAGroupOfTheFirstMatch) {
  auto extract = [](const char* s, const char* re, int group) {
    return One(Call(Fn::kRegexpExtract, {Lit(s), Lit(re), Lit(group)}));
  };
  EXPECT_EQ(extract("foothebar", "foo(.*?)(bar)", 2), S("bar"));
  EXPECT_EQ(extract("foothebar", "foo(.*?)(bar)", 1), S("the"));
  EXPECT_EQ(extract("foothebar", "foo(.*?)(bar)", 0), S("foothebar"));
  EXPECT_EQ(One(Call(Fn::kRegexpExtract, {Lit("x100-200"), Lit("(\\d+)-(\\d+)")})), S("100-200"));  // default group 0
  EXPECT_EQ(extract("foothebar", "foo(.*?)(bar)", 3), N(DataType::kString));                        // no such group
  EXPECT_EQ(extract("foothebar", "foo(.*?)(bar)", -1), N(DataType::kString));                       // no such group
  EXPECT_EQ(extract("abc", "x(y)", 1), N(DataType::kString));                                       // no match
  EXPECT_EQ(extract("ac", "a(b)?c", 1), N(DataType::kString));  // group did not take part
  EXPECT_EQ(extract("", "^$", 0), S(""));
  EXPECT_EQ(One(Call(Fn::kRegexpExtract, {NullString(), Lit("a")})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, RegexpFindsAMatchAnywhere) {
  EXPECT_EQ(One(Call(Fn::kRegexp, {Lit("foobar"), Lit("o+b")})), B(true));
  EXPECT_EQ(One(Call(Fn::kRegexp, {Lit("foobar"), Lit("^bar")})), B(false));
  EXPECT_EQ(One(Call(Fn::kRegexp, {Lit("foobar"), Lit("")})), B(false));  // Flink: an empty regex is FALSE
  EXPECT_EQ(One(Call(Fn::kRegexp, {NullString(), Lit("a")})), N(DataType::kBool));
}

TEST(ScalarFunctionsTest, RegexpReplaceIsLiteralAndStepsOverEmptyMatchesAsJava) {
  auto replace = [](const char* s, const char* re, const char* with) {
    return One(Call(Fn::kRegexpReplace, {Lit(s), Lit(re), Lit(with)}));
  };
  EXPECT_EQ(replace("foobar", "oo|ar", ""), S("fb"));
  EXPECT_EQ(replace("a1b22", "(\\d+)", "<$1>"), S("a<$1>b<$1>"));  // Flink quotes the replacement
  EXPECT_EQ(replace("abc", "x*", "-"), S("-a-b-c-"));
  EXPECT_EQ(replace("abc", "b*", "-"), S("-a--c-"));
  EXPECT_EQ(replace("öü", "", "."), S(".ö.ü."));
  EXPECT_EQ(replace("", "x", "y"), S(""));
  EXPECT_EQ(One(Call(Fn::kRegexpReplace, {Lit("a"), Lit("a"), NullString()})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, LiteralRegexThatDoesNotCompileIsAnErrorNamingRe2) {
  EXPECT_NE(CompileError(Call(Fn::kRegexpExtract, {Lit("a"), Lit("(")})).find("does not compile"), std::string::npos);
  EXPECT_NE(CompileError(Call(Fn::kRegexp, {Lit("a"), Lit("a(?=b)")})).find("RE2 syntax"), std::string::npos);
}

TEST(ScalarFunctionsTest, RegexFromAColumnThatDoesNotCompileIsNull) {
  const Schema schema({{"s", DataType::kString}, {"re", DataType::kString}});
  Batch b = MakeBatch(schema, {{S("abc"), S("(b)")}, {S("abc"), S("(")}, {S("abc"), S("c$")}});
  auto compiled = CompileExpr(Call(Fn::kRegexpExtract, {Col("s"), Col("re")}), schema);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b), (std::vector<Value>{S("b"), N(DataType::kString), S("c")}));
}

TEST(ScalarFunctionsTest, NullIfGreatestAndLeast) {
  EXPECT_EQ(One(Call(Fn::kNullIf, {Lit(1), Lit(1)})), N(DataType::kInt32));
  EXPECT_EQ(One(Call(Fn::kNullIf, {Lit(1), Lit(2)})), I32(1));
  EXPECT_EQ(One(Call(Fn::kNullIf, {Lit(1), NullInt()})), I32(1));
  EXPECT_EQ(One(Call(Fn::kNullIf, {Lit("a"), Lit("a")})), N(DataType::kString));
  EXPECT_EQ(One(Call(Fn::kGreatest, {Lit(1), Lit(int64_t{7}), Lit(3)})), I64(7));
  EXPECT_EQ(One(Call(Fn::kGreatest, {Lit(1), Lit(2.5)})), D(2.5));
  EXPECT_EQ(One(Call(Fn::kLeast, {Lit("pear"), Lit("apple"), Lit("fig")})), S("apple"));
  EXPECT_EQ(One(Call(Fn::kLeast, {Lit(1), NullInt()})), N(DataType::kInt32));
  EXPECT_NE(CompileError(Call(Fn::kGreatest, {Lit(1), Lit("a")})).find("do not compare"), std::string::npos);
}

TEST(ScalarFunctionsTest, RoundIsHalfUpOnTheDecimalValue) {
  auto round = [](Expr x, int digits) { return One(Call(Fn::kRound, {std::move(x), Lit(digits)})); };
  EXPECT_EQ(round(Lit(2.675), 2), D(2.68));  // the double is 2.67499999..., Flink rounds its decimal text
  EXPECT_EQ(round(Lit(1.5), 0), D(2));
  EXPECT_EQ(round(Lit(-1.5), 0), D(-2));
  EXPECT_EQ(round(Lit(0.4), 0), D(0));
  EXPECT_EQ(round(Lit(1234.5678), -2), D(1200));
  EXPECT_EQ(round(Lit(1250.0), -2), D(1300));
  EXPECT_EQ(round(Lit(0.001), 2), D(0));
  EXPECT_EQ(round(Lit(9.995), 2), D(10));
  EXPECT_EQ(round(Lit(1e20), 2), D(1e20));
  EXPECT_EQ(round(Lit(125), -1), I32(130));
  EXPECT_EQ(round(Lit(-125), -1), I32(-130));
  EXPECT_EQ(round(Lit(124), -1), I32(120));
  EXPECT_EQ(round(Lit(int64_t{5}), 3), I64(5));
  EXPECT_EQ(round(Lit(int64_t{49}), -2), I64(0));
  EXPECT_EQ(round(Lit(int64_t{50}), -2), I64(100));
  EXPECT_EQ(round(Lit(int64_t{7}), -30), I64(0));
  EXPECT_EQ(One(Call(Fn::kRound, {Lit(Value::Null(DataType::kDouble)), Lit(0)})), N(DataType::kDouble));
}

TEST(ScalarFunctionsTest, FloorCeilAndMath) {
  EXPECT_EQ(One(Call(Fn::kFloor, {Lit(-1.5)})), D(-2));
  EXPECT_EQ(One(Call(Fn::kCeil, {Lit(-1.5)})), D(-1));
  EXPECT_EQ(One(Call(Fn::kCeil, {Lit(7)})), I32(7));
  EXPECT_EQ(One(Call(Fn::kPower, {Lit(2), Lit(10)})), D(1024));
  EXPECT_EQ(One(Call(Fn::kSqrt, {Lit(16)})), D(4));
  EXPECT_EQ(One(Call(Fn::kLn, {Lit(1)})), D(0));
  EXPECT_EQ(One(Call(Fn::kLog10, {Lit(1000)})), D(3));
  EXPECT_EQ(One(Call(Fn::kLog2, {Lit(8)})), D(3));
  EXPECT_EQ(One(Call(Fn::kExp, {Lit(0)})), D(1));
  EXPECT_EQ(One(Call(Fn::kSqrt, {NullInt()})), N(DataType::kDouble));
}

std::string Format(int64_t ms, const char* pattern) {
  Value v = One(Call(Fn::kDateFormat, {LitTimestamp(ms), Lit(pattern)}));
  return v.is_null ? "NULL" : v.s;
}

TEST(ScalarFunctionsTest, DateFormatEachPatternLetter) {
  EXPECT_EQ(Format(kTuesday, "yyyy-MM-dd HH:mm:ss.SSS"), "2024-03-05 07:08:09.012");
  EXPECT_EQ(Format(kTuesday, "yy"), "24");
  EXPECT_EQ(Format(kTuesday, "y"), "2024");
  EXPECT_EQ(Format(kTuesday, "M MM MMM MMMM"), "3 03 Mar March");
  EXPECT_EQ(Format(kTuesday, "d dd"), "5 05");
  EXPECT_EQ(Format(kTuesday, "H HH"), "7 07");
  EXPECT_EQ(Format(kTuesday, "h a k K"), "7 AM 7 7");
  EXPECT_EQ(Format(kTuesday, "m s S"), "8 9 12");
  EXPECT_EQ(Format(kTuesday, "E EEEE u"), "Tue Tuesday 2");
  EXPECT_EQ(Format(kTuesday, "D DDD"), "65 065");
  EXPECT_EQ(Format(kTuesday, "G z Z X"), "AD UTC +0000 Z");
  EXPECT_EQ(Format(kTuesday, "yyyy-MM-dd'T'HH:mm"), "2024-03-05T07:08");
  EXPECT_EQ(Format(kTuesday, "''h'' 'o''clock'"), "'7' o'clock");
  EXPECT_EQ(Format(At("2024-03-05 13:00:00"), "hh a"), "01 PM");
  EXPECT_EQ(Format(At("2024-03-05 00:30:00"), "h k K"), "12 24 0");
  EXPECT_EQ(Format(-1, "yyyy-MM-dd HH:mm:ss.SSS"), "1969-12-31 23:59:59.999");
}

TEST(ScalarFunctionsTest, DateFormatRejectsUnknownLettersAndNullIn) {
  EXPECT_NE(CompileError(Call(Fn::kDateFormat, {LitTimestamp(0), Lit("yyyy-qq")})).find("unsupported letter 'q'"),
            std::string::npos);
  EXPECT_NE(CompileError(Call(Fn::kDateFormat, {LitTimestamp(0), Lit("'oops")})).find("unterminated quote"),
            std::string::npos);
  EXPECT_EQ(One(Call(Fn::kDateFormat, {Lit(Value::Null(DataType::kTimestamp)), Lit("yyyy")})), N(DataType::kString));
  EXPECT_EQ(One(Call(Fn::kDateFormat, {LitTimestamp(0), NullString()})), N(DataType::kString));
}

TEST(ScalarFunctionsTest, UnixTimestampParsesWithAFormatOrGivesLongMin) {
  auto unix = [](const char* s, const char* pattern) { return One(Call(Fn::kUnixTimestamp, {Lit(s), Lit(pattern)})); };
  EXPECT_EQ(unix("2024-03-05 07:08:09", "yyyy-MM-dd HH:mm:ss"), I64(1'709'622'489));
  EXPECT_EQ(unix("2024-03-05 07:08:09.153", "yyyy-MM-dd HH:mm:ss"), I64(1'709'622'489));  // trailing text ignored
  EXPECT_EQ(unix("20240305", "yyyyMMdd"), I64(1'709'596'800));
  EXPECT_EQ(unix("05/Mar/2024:07:08:09 +0100", "dd/MMM/yyyy:HH:mm:ss Z"), I64(1'709'618'889));
  EXPECT_EQ(unix("1970-01-01 08:00:01.001 +0800", "yyyy-MM-dd HH:mm:ss.SSS X"), I64(1));
  EXPECT_EQ(unix("07:08 PM", "hh:mm a"), I64(19 * 3600 + 8 * 60));
  EXPECT_EQ(unix("not a date", "yyyy-MM-dd"), I64(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(unix("2024-03", "yyyy-MM-dd"), I64(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(One(Call(Fn::kUnixTimestamp, {NullString(), Lit("yyyy")})), N(DataType::kInt64));
  EXPECT_EQ(One(Call(Fn::kParseTime, {Lit("2024-03-05"), Lit("yyyy-MM-dd")})), Ts(1'709'596'800'000));
  EXPECT_EQ(One(Call(Fn::kParseTime, {Lit("2024/03/05"), Lit("yyyy-MM-dd")})), N(DataType::kTimestamp));
}

TEST(ScalarFunctionsTest, ExtractReadsUtcCalendarFields) {
  auto extract = [](int64_t ms, DatePart part) { return One(Extract(LitTimestamp(ms), part)); };
  EXPECT_EQ(extract(kTuesday, DatePart::kYear), I64(2024));
  EXPECT_EQ(extract(kTuesday, DatePart::kQuarter), I64(1));
  EXPECT_EQ(extract(kTuesday, DatePart::kMonth), I64(3));
  EXPECT_EQ(extract(kTuesday, DatePart::kDay), I64(5));
  EXPECT_EQ(extract(kTuesday, DatePart::kHour), I64(7));
  EXPECT_EQ(extract(kTuesday, DatePart::kMinute), I64(8));
  EXPECT_EQ(extract(kTuesday, DatePart::kSecond), I64(9));
  EXPECT_EQ(extract(kTuesday, DatePart::kMillisecond), I64(12));  // within the second, as Flink
  EXPECT_EQ(extract(kTuesday, DatePart::kMicrosecond), I64(12'000));
  EXPECT_EQ(extract(kTuesday, DatePart::kNanosecond), I64(12'000'000));
  EXPECT_EQ(extract(kTuesday, DatePart::kEpoch), I64(1'709'622'489));
  EXPECT_EQ(extract(-1, DatePart::kEpoch), I64(0));  // toward zero, as Java
  EXPECT_EQ(extract(kTuesday, DatePart::kDecade), I64(202));
  EXPECT_EQ(extract(kTuesday, DatePart::kCentury), I64(21));
  EXPECT_EQ(extract(At("2000-12-31"), DatePart::kCentury), I64(20));
  EXPECT_EQ(extract(kTuesday, DatePart::kMillennium), I64(3));
  EXPECT_EQ(extract(kTuesday, DatePart::kDayOfWeek), I64(3));  // Sunday is 1
  EXPECT_EQ(extract(kTuesday, DatePart::kDayOfYear), I64(65));
  EXPECT_EQ(extract(kTuesday, DatePart::kWeek), I64(10));
  EXPECT_EQ(extract(At("2021-01-01"), DatePart::kWeek), I64(53));  // ISO: still 2020's last week
  EXPECT_EQ(extract(At("1969-12-31 23:59:59"), DatePart::kYear), I64(1969));
  EXPECT_EQ(One(Extract(Lit(Value::Null(DataType::kTimestamp)), DatePart::kYear)), N(DataType::kInt64));
}

TEST(ScalarFunctionsTest, FloorAndCeilToCalendarUnits) {
  EXPECT_EQ(One(FloorTime(LitTimestamp(kTuesday), TimeUnit::kMonth)), Ts(At("2024-03-01")));
  EXPECT_EQ(One(FloorTime(LitTimestamp(kTuesday), TimeUnit::kQuarter)), Ts(At("2024-01-01")));
  EXPECT_EQ(One(FloorTime(LitTimestamp(kTuesday), TimeUnit::kYear)), Ts(At("2024-01-01")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(kTuesday), TimeUnit::kHour)), Ts(At("2024-03-05 08:00:00")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(kTuesday), TimeUnit::kMonth)), Ts(At("2024-04-01")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(kTuesday), TimeUnit::kYear)), Ts(At("2025-01-01")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(At("2024-03-01")), TimeUnit::kMonth)), Ts(At("2024-03-01")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(-1), TimeUnit::kSecond)), Ts(0));
  // Weeks start on Sunday.
  EXPECT_EQ(One(FloorTime(LitTimestamp(kTuesday), TimeUnit::kWeek)), Ts(At("2024-03-03")));
  EXPECT_EQ(One(CeilTime(LitTimestamp(kTuesday), TimeUnit::kWeek)), Ts(At("2024-03-10")));
  EXPECT_EQ(One(FloorTime(LitTimestamp(0), TimeUnit::kWeek)), Ts(At("1969-12-28")));
  EXPECT_EQ(One(FloorTime(LitTimestamp(At("2024-03-03")), TimeUnit::kWeek)), Ts(At("2024-03-03")));
}

TEST(ScalarFunctionsTest, TimestampAddAndDiffFollowTheCalendar) {
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kMonth, Lit(1), LitTimestamp(At("2024-01-31 10:00:00")))),
            Ts(At("2024-02-29 10:00:00")));
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kYear, Lit(-1), LitTimestamp(At("2024-02-29")))), Ts(At("2023-02-28")));
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kHour, Lit(25), LitTimestamp(0))), Ts(At("1970-01-02 01:00:00")));
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kDay, LitTimestamp(At("2003-01-02 10:00:00")),
                              LitTimestamp(At("2003-01-03 10:00:00")))),
            I32(1));
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kDay, LitTimestamp(At("2003-01-03 09:00:00")),
                              LitTimestamp(At("2003-01-02 10:00:00")))),
            I32(0));  // toward zero
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kMonth, LitTimestamp(At("2024-01-31")), LitTimestamp(At("2024-02-29")))),
            I32(1));
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kMonth, LitTimestamp(At("2024-01-31 12:00:00")),
                              LitTimestamp(At("2024-02-29 11:00:00")))),
            I32(0));
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kYear, LitTimestamp(At("2024-03-05")), LitTimestamp(At("2020-03-06")))),
            I32(-3));
}

TEST(ScalarFunctionsTest, ExtremeValuesGiveNullOrAValueButNeverOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kDay, Lit(kMax), LitTimestamp(0))), N(DataType::kTimestamp));
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kYear, Lit(kMax), LitTimestamp(0))), N(DataType::kTimestamp));
  EXPECT_EQ(One(TimestampAdd(TimeUnit::kMonth, Lit(int64_t{1} << 38), LitTimestamp(0))), N(DataType::kTimestamp));
  EXPECT_EQ(One(TimestampDiff(TimeUnit::kSecond, LitTimestamp(kMin), LitTimestamp(kMax))), N(DataType::kInt32));
  EXPECT_FALSE(One(Extract(LitTimestamp(kMin), DatePart::kYear)).is_null);
  EXPECT_FALSE(One(Call(Fn::kDateFormat, {LitTimestamp(kMax), Lit("yyyy-MM-dd")})).is_null);
  EXPECT_EQ(One(Call(Fn::kRound, {Lit(1.25), Lit(kMax)})), D(1.25));
  EXPECT_EQ(One(Call(Fn::kRound, {Lit(1.25), Lit(kMin)})), D(0));
  EXPECT_EQ(One(Call(Fn::kRound, {Lit(kMax), Lit(kMin)})), I64(0));
  EXPECT_EQ(One(Call(Fn::kUnixTimestamp, {Lit("999999999-12-31"), Lit("yyyy-MM-dd")})),
            I64(std::numeric_limits<int64_t>::min()));
}

TEST(ScalarFunctionsTest, StringKernelsRespectTheSelection) {
  const Schema schema({{"s", DataType::kString}});
  Batch b = MakeBatch(schema, {{S(" a ")}, {S(" b ")}, {S(" c ")}});
  b.mutable_selection()[0] = 0;
  b.mutable_selection()[1] = 2;
  b.SetSelection(2);
  auto compiled = CompileExpr(Trim(Col("s"), Lit(" "), TrimSide::kBoth), schema);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(ColumnValues(*(*compiled)->Evaluate(b), b), (std::vector<Value>{S("a"), S("c")}));
}

TEST(ScalarFunctionsTest, ToStringPrintsUnitsAndTrimSides) {
  EXPECT_EQ(Trim(Col("s"), Lit("x"), TrimSide::kLeading).ToString(), "TRIM(LEADING 'x' FROM s)");
  EXPECT_EQ(Extract(Col("ts"), DatePart::kDayOfWeek).ToString(), "EXTRACT(DOW FROM ts)");
  EXPECT_EQ(CeilTime(Col("ts"), TimeUnit::kMonth).ToString(), "CEIL(ts TO MONTH)");
  EXPECT_EQ(TimestampDiff(TimeUnit::kDay, Col("a"), Col("b")).ToString(), "TIMESTAMPDIFF(DAY, a, b)");
}

}  // namespace
}  // namespace sluice::engine
