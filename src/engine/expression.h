#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/batch.h"
#include "engine/scalar_function.h"
#include "engine/value.h"

namespace sluice::engine {

// Scalar functions and operators an expression can call.
enum class Fn : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kNeg,  // arithmetic; integer / and % by zero give NULL
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,  // comparison
  kAnd,
  kOr,
  kNot,  // three-valued logic
  kIsNull,
  kIsNotNull,
  kCoalesce,
  kUpper,
  kLower,
  kSubstring,
  kConcat,
  kCharLength,  // strings (ASCII case mapping; lengths in code points)
  kFloorTime,   // FLOOR(ts TO unit)
  // Flink's scalar functions, with Flink's NULL handling (NULL in, NULL out
  // unless noted). Strings count code points; case mapping is ASCII.
  kLike,           // LIKE(s, pattern[, escape]): '%', '_'; no escape character unless given
  kTrim,           // TRIM(s, chars) on ExprNode::trim_side; removes any code point of `chars`
  kPosition,       // POSITION(needle, haystack): 1-based code point index, 0 when absent
  kReplace,        // REPLACE(s, from, to): every non-overlapping occurrence
  kLpad,           // LPAD(s, len, pad); len < 0 or pad '' give NULL; longer s is cut to len
  kRpad,           // RPAD(s, len, pad)
  kInitcap,        // INITCAP(s): words of [A-Za-z0-9]
  kConcatWs,       // CONCAT_WS(sep, s...): NULL only when sep is; NULL arguments are skipped
  kSplitIndex,     // SPLIT_INDEX(s, sep, index): 0-based token; NULL when out of range
  kRegexp,         // REGEXP(s, regex): a match anywhere (RE2 syntax)
  kRegexpExtract,  // REGEXP_EXTRACT(s, regex[, group = 0]): NULL when no match or no such group
  kRegexpReplace,  // REGEXP_REPLACE(s, regex, replacement): literal replacement of every match
  kNullIf,         // NULLIF(a, b)
  kGreatest,       // GREATEST(x...): NULL when any argument is
  kLeast,          // LEAST(x...)
  kRound,          // ROUND(x, digits): HALF_UP on the decimal value, as Flink's BigDecimal
  kFloor,          // FLOOR(x): integers are unchanged
  kCeil,           // CEIL(x)
  kPower,          // POWER(x, y) and the rest: DOUBLE math
  kSqrt,
  kLn,
  kLog10,
  kLog2,
  kExp,
  kCeilTime,          // CEIL(ts TO unit)
  kDateFormat,        // DATE_FORMAT(ts, format): SimpleDateFormat letters, UTC
  kParseTime,         // TO_TIMESTAMP(string, format) -> TIMESTAMP (NULL when it does not parse)
  kUnixTimestamp,     // UNIX_TIMESTAMP(string, format) -> BIGINT seconds; Long.MIN_VALUE when it does not parse
  kExtract,           // EXTRACT(ExprNode::part FROM ts) -> BIGINT
  kTimestampAdd,      // TIMESTAMPADD(unit, count, ts)
  kTimestampDiff,     // TIMESTAMPDIFF(unit, from, to) -> INT
  kNowSeconds,        // UNIX_TIMESTAMP(): the wall clock, read once per batch
  kMd5,               // MD5(s): 32 lowercase hex digits of the UTF-8 bytes
  kReverse,           // REVERSE(s): code points in reverse order
  kAscii,             // ASCII(s) -> INT: the first character's UTF-16 code unit (Java's charAt(0)); 0 for ''
  kChr,               // CHR(n) -> STRING: the character U+n, n taken modulo 255 above 255 (Flink); NULL below 0
  kHashCode,          // HASH_CODE(s) -> INT: Java's String.hashCode() of s
  kUuid,              // UUID(): a random (version 4) UUID string per row
  kRand,              // RAND([seed]) -> DOUBLE in [0, 1); a literal seed gives a repeatable sequence
  kRandInteger,       // RAND_INTEGER([seed,] bound) -> INT in [0, bound); NULL for bound <= 0
  kProcTime,          // PROCTIME(): the operator's processing-time clock (ms), read once per batch
  kCurrentWatermark,  // CURRENT_WATERMARK(ts): the evaluating operator's input watermark, NULL before the first
  kUdf,               // a ScalarFunction (ExprNode::udf), one kernel call per batch
  // SQL/JSON over a STRING document and a path (JsonPathEvaluator); NULL in,
  // NULL out. The ON EMPTY / ON ERROR cases both give NULL here.
  kJsonValue,    // JSON_VALUE(json, path): the scalar's text
  kJsonQuery,    // JSON_QUERY(json, path): the object or array, compact
  kJsonExists,   // JSON_EXISTS(json, path): BOOLEAN; FALSE for a document that is not JSON
  kJsonOutcome,  // (json, path, mode): INT 0 found, 1 empty, 2 error, as JSON_VALUE (mode 0), JSON_QUERY (1) or
                 // JSON_EXISTS (2) sees it
};

// Units of FLOOR/CEIL ... TO, TIMESTAMPADD and TIMESTAMPDIFF. kWeek is seven
// days (FLOOR/CEIL: weeks start on Sunday, as Flink); month, quarter and year
// follow the UTC calendar.
enum class TimeUnit : uint8_t { kMillisecond, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };
// Milliseconds of a fixed-length unit (up to kWeek); 0 for calendar units.
int64_t TimeUnitMillis(TimeUnit unit);
// Fields EXTRACT reads from a timestamp (UTC), as Flink's DateTimeUtils:
// kMillisecond (and micro, nano) is within the second; kWeek is the ISO-8601
// week; kDayOfWeek is 1 (Sunday) to 7 (Saturday); kEpoch is whole seconds.
enum class DatePart : uint8_t {
  kYear,
  kQuarter,
  kMonth,
  kWeek,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kMillisecond,
  kDayOfWeek,
  kDayOfYear,
  kMicrosecond,
  kNanosecond,
  kEpoch,
  kDecade,
  kCentury,
  kMillennium,
};
enum class TrimSide : uint8_t { kBoth, kLeading, kTrailing };

enum class ExprKind : uint8_t { kColumn, kLiteral, kCall, kCast, kCase };

struct ExprNode;

// An expression tree as a planner or a C++ user describes it: column
// references (by name or index), literals, function calls, CAST and CASE.
// Immutable and cheap to copy (a shared handle); compiled against a schema
// with CompileExpr before it runs.
//
//   Expr e = (Col("price") * 2 > 100) && !IsNull(Col("bidder"));
//
// Thread-safety: immutable; safe to share.
class Expr {
 public:
  Expr() = default;
  explicit Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}
  const ExprNode& node() const { return *node_; }
  bool valid() const { return node_ != nullptr; }
  std::string ToString() const;

 private:
  std::shared_ptr<const ExprNode> node_;
};

struct ExprNode {
  ExprKind kind = ExprKind::kLiteral;
  int column_index = -1;                 // kColumn: when >= 0, wins over the name (which then only labels it)
  std::string column_name;               // kColumn
  Value literal;                         // kLiteral
  Fn fn = Fn::kAdd;                      // kCall
  TimeUnit unit = TimeUnit::kSecond;     // kCall kFloorTime, kCeilTime, kTimestampAdd, kTimestampDiff
  DatePart part = DatePart::kYear;       // kCall kExtract
  TrimSide trim_side = TrimSide::kBoth;  // kCall kTrim
  DataType cast_to = DataType::kInt64;   // kCast
  const ScalarFunction* udf = nullptr;   // kCall kUdf: registered, lives as long as the process
  std::vector<Expr> args;                // kCall: arguments; kCast: [arg]; kCase: [when1, then1, ..., else]
};

Expr Col(std::string name);
Expr ColIdx(int index);
Expr Lit(Value v);
Expr Lit(int v);      // INT
Expr Lit(int64_t v);  // BIGINT
Expr Lit(double v);
Expr Lit(bool v);
Expr Lit(const char* v);
Expr Lit(std::string v);
Expr LitTimestamp(int64_t ms);
Expr Call(Fn fn, std::vector<Expr> args);
Expr Cast(Expr e, DataType to);
// CASE WHEN w[0].first THEN w[0].second ... ELSE otherwise END (an invalid
// `otherwise` means ELSE NULL).
Expr Case(std::vector<std::pair<Expr, Expr>> whens, Expr otherwise = Expr());
Expr IsNull(Expr e);
Expr IsNotNull(Expr e);
Expr Coalesce(std::vector<Expr> args);
Expr Upper(Expr e);
Expr Lower(Expr e);
Expr Substring(Expr s, Expr start, Expr length = Expr());  // 1-based start, SQL style
Expr Concat(std::vector<Expr> args);
Expr CharLength(Expr e);
Expr FloorTime(Expr ts, TimeUnit unit);
Expr CeilTime(Expr ts, TimeUnit unit);
Expr Like(Expr s, Expr pattern, Expr escape = Expr());
Expr Trim(Expr s, Expr chars, TrimSide side);
Expr Extract(Expr ts, DatePart part);
Expr TimestampAdd(TimeUnit unit, Expr count, Expr ts);
Expr TimestampDiff(TimeUnit unit, Expr from, Expr to);
// A call of a registered scalar function (ScalarFunctionRegistry); the
// arguments are cast to its declared types where the implicit casts allow.
Expr CallFunction(const ScalarFunction* function, std::vector<Expr> args);
// CURRENT_WATERMARK(ts): see CompiledExpr::set_watermark.
Expr CurrentWatermark(Expr ts);

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);
Expr operator%(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator==(Expr a, Expr b);
Expr operator!=(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);

// Literal on one side: Col("price") > 100.
template <typename T>
concept ExprLiteral = std::is_arithmetic_v<T> || std::is_convertible_v<T, std::string>;
#define SLUICE_EXPR_LIT_OPERATOR(op) \
  template <ExprLiteral T>           \
  Expr operator op(Expr a, T b) {    \
    return std::move(a) op Lit(b);   \
  }                                  \
  template <ExprLiteral T>           \
  Expr operator op(T a, Expr b) {    \
    return Lit(a) op std::move(b);   \
  }
SLUICE_EXPR_LIT_OPERATOR(+)
SLUICE_EXPR_LIT_OPERATOR(-)
SLUICE_EXPR_LIT_OPERATOR(*)
SLUICE_EXPR_LIT_OPERATOR(/)
SLUICE_EXPR_LIT_OPERATOR(%)
SLUICE_EXPR_LIT_OPERATOR(==)
SLUICE_EXPR_LIT_OPERATOR(!=)
SLUICE_EXPR_LIT_OPERATOR(<)
SLUICE_EXPR_LIT_OPERATOR(<=)
SLUICE_EXPR_LIT_OPERATOR(>)
SLUICE_EXPR_LIT_OPERATOR(>=)
#undef SLUICE_EXPR_LIT_OPERATOR

struct BoundNode;
class Clock;

// An expression bound to an input schema: names resolved, implicit casts
// inserted, and one result column allocated per node. Evaluate() computes the
// live rows of a batch a column at a time: one switch per node per batch,
// tight loops over rows, no allocation in steady state.
//
// Thread-safety: not thread-safe (owns scratch columns); compile one per worker.
class CompiledExpr {
 public:
  ~CompiledExpr();
  DataType type() const;
  // Computes the expression over the live rows of `batch`. The returned
  // column is valid until the next Evaluate() or until `batch` changes; rows
  // outside the selection are unspecified.
  const Column* Evaluate(const Batch& batch);
  // True when the expression is a bare column reference (its input index in *index).
  bool IsColumnRef(int* index) const;
  // The clock PROCTIME() reads (default: the system clock). Must outlive the
  // expression.
  void SetClock(const Clock* clock);
  // The watermark CURRENT_WATERMARK(...) returns from now on (the operator
  // evaluating the expression calls it from its OnWatermark); kNoWatermark
  // (the start) makes it NULL.
  void set_watermark(int64_t watermark) { watermark_ = watermark; }
  // True when the expression calls CURRENT_WATERMARK.
  bool reads_watermark() const { return reads_watermark_; }
  static constexpr int64_t kNoWatermark = INT64_MIN;

 private:
  friend Result<std::unique_ptr<CompiledExpr>> CompileExpr(const Expr&, const Schema&, int);
  CompiledExpr() = default;
  std::unique_ptr<BoundNode> root_;
  int64_t watermark_ = kNoWatermark;
  bool reads_watermark_ = false;
};

// Binds `expr` to `schema` for batches of up to `capacity` rows. Fails with
// InvalidArgument on unknown columns or type errors, naming the expression.
Result<std::unique_ptr<CompiledExpr>> CompileExpr(const Expr& expr, const Schema& schema,
                                                  int capacity = kDefaultBatchCapacity);

// Parses "2024-01-02 03:04:05.678", "2024-01-02T03:04:05Z", "2024-01-02" or
// epoch milliseconds into milliseconds since the epoch (UTC).
bool ParseTimestamp(std::string_view s, int64_t* ms);
// Parses "2024-01-02" (Flink's DATE text) into days since 1970-01-01.
bool ParseDate(std::string_view s, int32_t* days);
// Appends `days` since 1970-01-01 as "yyyy-MM-dd".
void AppendDate(int32_t days, std::string* out);

// Java SimpleDateFormat patterns over UTC, as DATE_FORMAT and friends use
// them. Letters: G y M d H h k K m s S E u D a z Z X; 'text' is literal, ''
// a quote; other letters are errors. Text forms (MMM, EEE, a) are English.
// Returns an empty string when the pattern is valid, else what is wrong.
std::string CheckDateFormat(std::string_view pattern);
// Appends `ms` formatted with `pattern` to *out; false on a bad pattern.
bool FormatTimestamp(int64_t ms, std::string_view pattern, std::string* out);
// Parses all of `s` with `pattern` (numeric fields, literals, MMM, a);
// missing fields default to 1970-01-01 00:00:00.000.
bool ParseTimestampFormat(std::string_view s, std::string_view pattern, int64_t* ms);

// The type `expr` has over `schema` (compiles and throws the result away).
Result<DataType> ExprType(const Expr& expr, const Schema& schema);

}  // namespace sluice::engine
