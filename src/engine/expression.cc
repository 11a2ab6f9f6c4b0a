#include "engine/expression.h"

#include "engine/clock.h"
#include "engine/json_functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "re2/re2.h"

namespace sluice::engine {

// ---------------------------------------------------------------------------
// Building expressions.

namespace {

Expr Make(ExprNode n) { return Expr(std::make_shared<const ExprNode>(std::move(n))); }

std::string_view FnName(Fn fn) {
  switch (fn) {
    case Fn::kAdd: return "+";
    case Fn::kSub: return "-";
    case Fn::kMul: return "*";
    case Fn::kDiv: return "/";
    case Fn::kMod: return "%";
    case Fn::kNeg: return "NEG";
    case Fn::kEq: return "=";
    case Fn::kNe: return "<>";
    case Fn::kLt: return "<";
    case Fn::kLe: return "<=";
    case Fn::kGt: return ">";
    case Fn::kGe: return ">=";
    case Fn::kAnd: return "AND";
    case Fn::kOr: return "OR";
    case Fn::kNot: return "NOT";
    case Fn::kIsNull: return "IS NULL";
    case Fn::kIsNotNull: return "IS NOT NULL";
    case Fn::kCoalesce: return "COALESCE";
    case Fn::kUpper: return "UPPER";
    case Fn::kLower: return "LOWER";
    case Fn::kSubstring: return "SUBSTRING";
    case Fn::kConcat: return "CONCAT";
    case Fn::kCharLength: return "CHAR_LENGTH";
    case Fn::kFloorTime: return "FLOOR";
    case Fn::kLike: return "LIKE";
    case Fn::kTrim: return "TRIM";
    case Fn::kPosition: return "POSITION";
    case Fn::kReplace: return "REPLACE";
    case Fn::kLpad: return "LPAD";
    case Fn::kRpad: return "RPAD";
    case Fn::kInitcap: return "INITCAP";
    case Fn::kConcatWs: return "CONCAT_WS";
    case Fn::kSplitIndex: return "SPLIT_INDEX";
    case Fn::kRegexp: return "REGEXP";
    case Fn::kRegexpExtract: return "REGEXP_EXTRACT";
    case Fn::kRegexpReplace: return "REGEXP_REPLACE";
    case Fn::kNullIf: return "NULLIF";
    case Fn::kGreatest: return "GREATEST";
    case Fn::kLeast: return "LEAST";
    case Fn::kRound: return "ROUND";
    case Fn::kFloor: return "FLOOR";
    case Fn::kCeil: return "CEIL";
    case Fn::kPower: return "POWER";
    case Fn::kSqrt: return "SQRT";
    case Fn::kLn: return "LN";
    case Fn::kLog10: return "LOG10";
    case Fn::kLog2: return "LOG2";
    case Fn::kExp: return "EXP";
    case Fn::kCeilTime: return "CEIL";
    case Fn::kDateFormat: return "DATE_FORMAT";
    case Fn::kParseTime: return "TO_TIMESTAMP";
    case Fn::kUnixTimestamp: return "UNIX_TIMESTAMP";
    case Fn::kExtract: return "EXTRACT";
    case Fn::kTimestampAdd: return "TIMESTAMPADD";
    case Fn::kTimestampDiff: return "TIMESTAMPDIFF";
    case Fn::kNowSeconds: return "UNIX_TIMESTAMP";
    case Fn::kProcTime: return "PROCTIME";
    case Fn::kMd5: return "MD5";
    case Fn::kReverse: return "REVERSE";
    case Fn::kAscii: return "ASCII";
    case Fn::kChr: return "CHR";
    case Fn::kHashCode: return "HASH_CODE";
    case Fn::kUuid: return "UUID";
    case Fn::kRand: return "RAND";
    case Fn::kRandInteger: return "RAND_INTEGER";
    case Fn::kJsonValue: return "JSON_VALUE";
    case Fn::kJsonQuery: return "JSON_QUERY";
    case Fn::kJsonExists: return "JSON_EXISTS";
    case Fn::kJsonOutcome: return "JSON_OUTCOME";
    case Fn::kCurrentWatermark: return "CURRENT_WATERMARK";
    case Fn::kUdf: return "UDF";
  }
  return "?";
}

bool IsBinaryOperator(Fn fn) { return fn <= Fn::kMod || (fn >= Fn::kEq && fn <= Fn::kOr); }

}  // namespace

int64_t TimeUnitMillis(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond: return 1;
    case TimeUnit::kSecond: return 1000;
    case TimeUnit::kMinute: return 60 * 1000;
    case TimeUnit::kHour: return 3600 * 1000;
    case TimeUnit::kDay: return 24 * 3600 * 1000;
    case TimeUnit::kWeek: return 7 * 24 * 3600 * 1000LL;
    case TimeUnit::kMonth:
    case TimeUnit::kQuarter:
    case TimeUnit::kYear: return 0;
  }
  return 1;
}

namespace {

std::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond: return "MILLISECOND";
    case TimeUnit::kSecond: return "SECOND";
    case TimeUnit::kMinute: return "MINUTE";
    case TimeUnit::kHour: return "HOUR";
    case TimeUnit::kDay: return "DAY";
    case TimeUnit::kWeek: return "WEEK";
    case TimeUnit::kMonth: return "MONTH";
    case TimeUnit::kQuarter: return "QUARTER";
    case TimeUnit::kYear: return "YEAR";
  }
  return "?";
}

std::string_view DatePartName(DatePart part) {
  switch (part) {
    case DatePart::kYear: return "YEAR";
    case DatePart::kQuarter: return "QUARTER";
    case DatePart::kMonth: return "MONTH";
    case DatePart::kWeek: return "WEEK";
    case DatePart::kDay: return "DAY";
    case DatePart::kHour: return "HOUR";
    case DatePart::kMinute: return "MINUTE";
    case DatePart::kSecond: return "SECOND";
    case DatePart::kMillisecond: return "MILLISECOND";
    case DatePart::kDayOfWeek: return "DOW";
    case DatePart::kDayOfYear: return "DOY";
    case DatePart::kMicrosecond: return "MICROSECOND";
    case DatePart::kNanosecond: return "NANOSECOND";
    case DatePart::kEpoch: return "EPOCH";
    case DatePart::kDecade: return "DECADE";
    case DatePart::kCentury: return "CENTURY";
    case DatePart::kMillennium: return "MILLENNIUM";
  }
  return "?";
}

}  // namespace

std::string Expr::ToString() const {
  if (!node_) return "NULL";
  const ExprNode& n = *node_;
  switch (n.kind) {
    case ExprKind::kColumn:
      return n.column_index >= 0 && n.column_name.empty() ? fmt::format("${}", n.column_index) : n.column_name;
    case ExprKind::kLiteral:
      return n.literal.type == DataType::kString && !n.literal.is_null ? fmt::format("'{}'", n.literal.s)
                                                                       : n.literal.ToString();
    case ExprKind::kCast: return fmt::format("CAST({} AS {})", n.args[0].ToString(), DataTypeName(n.cast_to));
    case ExprKind::kCase: {
      std::string out = "CASE";
      size_t i = 0;
      for (; i + 1 < n.args.size(); i += 2) {
        out += fmt::format(" WHEN {} THEN {}", n.args[i].ToString(), n.args[i + 1].ToString());
      }
      return out + fmt::format(" ELSE {} END", n.args[i].ToString());
    }
    case ExprKind::kCall: {
      if (IsBinaryOperator(n.fn)) {
        return fmt::format("({} {} {})", n.args[0].ToString(), FnName(n.fn), n.args[1].ToString());
      }
      if (n.fn == Fn::kIsNull || n.fn == Fn::kIsNotNull) {
        return fmt::format("({} {})", n.args[0].ToString(), FnName(n.fn));
      }
      if (n.fn == Fn::kNot || n.fn == Fn::kNeg) return fmt::format("{}({})", FnName(n.fn), n.args[0].ToString());
      std::string out = fmt::format("{}(", n.fn == Fn::kUdf && n.udf ? n.udf->class_name : FnName(n.fn));
      if (n.fn == Fn::kTimestampAdd || n.fn == Fn::kTimestampDiff) out += fmt::format("{}, ", TimeUnitName(n.unit));
      if (n.fn == Fn::kExtract) out += fmt::format("{} FROM ", DatePartName(n.part));
      if (n.fn == Fn::kTrim) {
        out += n.trim_side == TrimSide::kBoth ? "BOTH " : n.trim_side == TrimSide::kLeading ? "LEADING " : "TRAILING ";
        return out + fmt::format("{} FROM {})", n.args[1].ToString(), n.args[0].ToString());
      }
      for (size_t i = 0; i < n.args.size(); ++i) out += (i ? ", " : "") + n.args[i].ToString();
      if (n.fn == Fn::kFloorTime || n.fn == Fn::kCeilTime) out += fmt::format(" TO {}", TimeUnitName(n.unit));
      return out + ")";
    }
  }
  return "?";
}

Expr Col(std::string name) {
  ExprNode n;
  n.kind = ExprKind::kColumn;
  n.column_name = std::move(name);
  return Make(std::move(n));
}
Expr ColIdx(int index) {
  ExprNode n;
  n.kind = ExprKind::kColumn;
  n.column_index = index;
  return Make(std::move(n));
}
Expr Lit(Value v) {
  ExprNode n;
  n.kind = ExprKind::kLiteral;
  n.literal = std::move(v);
  return Make(std::move(n));
}
Expr Lit(int v) { return Lit(Value::Int32(v)); }
Expr Lit(int64_t v) { return Lit(Value::Int64(v)); }
Expr Lit(double v) { return Lit(Value::Double(v)); }
Expr Lit(bool v) { return Lit(Value::Bool(v)); }
Expr Lit(const char* v) { return Lit(Value::String(v)); }
Expr Lit(std::string v) { return Lit(Value::String(std::move(v))); }
Expr LitTimestamp(int64_t ms) { return Lit(Value::Timestamp(ms)); }
Expr Call(Fn fn, std::vector<Expr> args) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = fn;
  n.args = std::move(args);
  return Make(std::move(n));
}
Expr Cast(Expr e, DataType to) {
  ExprNode n;
  n.kind = ExprKind::kCast;
  n.cast_to = to;
  n.args = {std::move(e)};
  return Make(std::move(n));
}
Expr Case(std::vector<std::pair<Expr, Expr>> whens, Expr otherwise) {
  ExprNode n;
  n.kind = ExprKind::kCase;
  for (auto& [w, t] : whens) {
    n.args.push_back(std::move(w));
    n.args.push_back(std::move(t));
  }
  n.args.push_back(std::move(otherwise));
  return Make(std::move(n));
}
Expr IsNull(Expr e) { return Call(Fn::kIsNull, {std::move(e)}); }
Expr IsNotNull(Expr e) { return Call(Fn::kIsNotNull, {std::move(e)}); }
Expr Coalesce(std::vector<Expr> args) { return Call(Fn::kCoalesce, std::move(args)); }
Expr Upper(Expr e) { return Call(Fn::kUpper, {std::move(e)}); }
Expr Lower(Expr e) { return Call(Fn::kLower, {std::move(e)}); }
Expr Substring(Expr s, Expr start, Expr length) {
  std::vector<Expr> args{std::move(s), std::move(start)};
  if (length.valid()) args.push_back(std::move(length));
  return Call(Fn::kSubstring, std::move(args));
}
Expr Concat(std::vector<Expr> args) { return Call(Fn::kConcat, std::move(args)); }
Expr CharLength(Expr e) { return Call(Fn::kCharLength, {std::move(e)}); }
Expr FloorTime(Expr ts, TimeUnit unit) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kFloorTime;
  n.unit = unit;
  n.args = {std::move(ts)};
  return Make(std::move(n));
}

Expr CeilTime(Expr ts, TimeUnit unit) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kCeilTime;
  n.unit = unit;
  n.args = {std::move(ts)};
  return Make(std::move(n));
}
Expr Like(Expr s, Expr pattern, Expr escape) {
  std::vector<Expr> args{std::move(s), std::move(pattern)};
  if (escape.valid()) args.push_back(std::move(escape));
  return Call(Fn::kLike, std::move(args));
}
Expr Trim(Expr s, Expr chars, TrimSide side) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kTrim;
  n.trim_side = side;
  n.args = {std::move(s), std::move(chars)};
  return Make(std::move(n));
}
Expr CallFunction(const ScalarFunction* function, std::vector<Expr> args) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kUdf;
  n.udf = function;
  n.args = std::move(args);
  return Make(std::move(n));
}

Expr CurrentWatermark(Expr ts) { return Call(Fn::kCurrentWatermark, {std::move(ts)}); }

Expr Extract(Expr ts, DatePart part) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kExtract;
  n.part = part;
  n.args = {std::move(ts)};
  return Make(std::move(n));
}
Expr TimestampAdd(TimeUnit unit, Expr count, Expr ts) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kTimestampAdd;
  n.unit = unit;
  n.args = {std::move(count), std::move(ts)};
  return Make(std::move(n));
}
Expr TimestampDiff(TimeUnit unit, Expr from, Expr to) {
  ExprNode n;
  n.kind = ExprKind::kCall;
  n.fn = Fn::kTimestampDiff;
  n.unit = unit;
  n.args = {std::move(from), std::move(to)};
  return Make(std::move(n));
}

Expr operator+(Expr a, Expr b) { return Call(Fn::kAdd, {std::move(a), std::move(b)}); }
Expr operator-(Expr a, Expr b) { return Call(Fn::kSub, {std::move(a), std::move(b)}); }
Expr operator*(Expr a, Expr b) { return Call(Fn::kMul, {std::move(a), std::move(b)}); }
Expr operator/(Expr a, Expr b) { return Call(Fn::kDiv, {std::move(a), std::move(b)}); }
Expr operator%(Expr a, Expr b) { return Call(Fn::kMod, {std::move(a), std::move(b)}); }
Expr operator-(Expr a) { return Call(Fn::kNeg, {std::move(a)}); }
Expr operator==(Expr a, Expr b) { return Call(Fn::kEq, {std::move(a), std::move(b)}); }
Expr operator!=(Expr a, Expr b) { return Call(Fn::kNe, {std::move(a), std::move(b)}); }
Expr operator<(Expr a, Expr b) { return Call(Fn::kLt, {std::move(a), std::move(b)}); }
Expr operator<=(Expr a, Expr b) { return Call(Fn::kLe, {std::move(a), std::move(b)}); }
Expr operator>(Expr a, Expr b) { return Call(Fn::kGt, {std::move(a), std::move(b)}); }
Expr operator>=(Expr a, Expr b) { return Call(Fn::kGe, {std::move(a), std::move(b)}); }
Expr operator&&(Expr a, Expr b) { return Call(Fn::kAnd, {std::move(a), std::move(b)}); }
Expr operator||(Expr a, Expr b) { return Call(Fn::kOr, {std::move(a), std::move(b)}); }
Expr operator!(Expr a) { return Call(Fn::kNot, {std::move(a)}); }

// ---------------------------------------------------------------------------
// Binding.

namespace {

// Translates a SQL LIKE pattern into an RE2 pattern matched against the whole
// string: '%' is any run, '_' any one code point, and `escape` (one code
// point, or empty for none, as Calcite) makes the next '%', '_' or escape
// literal. Also splits the pattern at its '%' into literal `pieces` and says
// whether it has a '_' (without one, the pieces alone decide a match).
// Returns "" on success, else what is wrong with the pattern.
std::string LikeToRegex(std::string_view pattern, std::string_view escape, std::string* out,
                        std::vector<std::string>* pieces, bool* has_underscore) {
  out->assign("(?s)");
  pieces->assign(1, std::string());
  *has_underscore = false;
  size_t i = 0;
  auto cp_len = [&](size_t at) {
    size_t n = 1;
    while (at + n < pattern.size() && (static_cast<uint8_t>(pattern[at + n]) & 0xC0) == 0x80) ++n;
    return n;
  };
  while (i < pattern.size()) {
    size_t n = cp_len(i);
    std::string_view c = pattern.substr(i, n);
    if (!escape.empty() && c == escape) {
      if (i + n >= pattern.size()) return fmt::format("LIKE pattern '{}' ends with the escape character", pattern);
      size_t m = cp_len(i + n);
      std::string_view next = pattern.substr(i + n, m);
      if (next != "%" && next != "_" && next != escape) {
        return fmt::format(
            "invalid escape sequence '{}{}' in LIKE pattern '{}'; the escape character may only "
            "precede '%', '_' or itself",
            c, next, pattern);
      }
      out->append(RE2::QuoteMeta(re2::StringPiece(next.data(), next.size())));
      pieces->back().append(next);
      i += n + m;
      continue;
    }
    if (c == "%") {
      out->append(".*");
      pieces->emplace_back();
    } else if (c == "_") {
      out->append(".");
      *has_underscore = true;
    } else {
      out->append(RE2::QuoteMeta(re2::StringPiece(c.data(), c.size())));
      pieces->back().append(c);
    }
    i += n;
  }
  return "";
}

}  // namespace

// A compiled RE2 for one pattern argument (a regex, or a LIKE pattern and its
// escape). A literal pattern is compiled once at bind time; a pattern that
// comes from a column is recompiled only when it differs from the previous
// row's, so a column holding few distinct patterns costs few compilations.
// A LIKE pattern without '_' ('abc%', '%abc%', 'a%b%c') is matched by its
// literal pieces instead (prefix, suffix and in-order finds, as Flink's
// SqlLikeChainChecker), without RE2.
struct RegexCache {
  enum class Syntax : uint8_t { kRegex, kLike };
  Syntax syntax = Syntax::kRegex;
  bool escape_given = false;  // LIKE ... ESCAPE: then the escape must be one character
  bool compiled = false;
  std::string pattern;  // what `re` was built from
  std::string escape;
  std::string error;                     // why `pattern` did not compile ("" when it did)
  std::unique_ptr<RE2> re;               // null when `pattern` did not compile or `like_pieces` match it
  std::vector<re2::StringPiece> groups;  // capture scratch, sized to the regex
  std::vector<std::string> like_pieces;  // a LIKE pattern split at '%'
  bool like_by_pieces = false;

  // Compiles `p` (and `esc` for LIKE) unless it is the pattern of the last
  // call; false when it does not compile (`error` says why).
  bool Get(std::string_view p, std::string_view esc = {}) {
    if (compiled && p == pattern && esc == escape) return error.empty();
    compiled = true;
    pattern.assign(p);
    escape.assign(esc);
    error.clear();
    re.reset();
    like_by_pieces = false;
    std::string source;
    if (syntax == Syntax::kLike) {
      if (escape_given && CodePointCount(esc) != 1) {
        error = fmt::format("the LIKE escape '{}' must be exactly one character", esc);
        return false;
      }
      bool has_underscore = false;
      error = LikeToRegex(p, esc, &source, &like_pieces, &has_underscore);
      if (!error.empty()) return false;
      like_by_pieces = !has_underscore;
      if (like_by_pieces) return true;
    } else {
      source.assign(p);
    }
    RE2::Options options;
    options.set_log_errors(false);
    auto compiled_re = std::make_unique<RE2>(source, options);
    if (!compiled_re->ok()) {
      error = fmt::format(
          "regular expression '{}' does not compile: {}. Sluice uses RE2 syntax, which is Java's "
          "without lookaround and backreferences",
          p, compiled_re->error());
      return false;
    }
    groups.resize(static_cast<size_t>(compiled_re->NumberOfCapturingGroups()) + 1);
    re = std::move(compiled_re);
    return true;
  }

  // Whether all of `s` matches the LIKE pattern of the last successful Get().
  bool LikeMatches(std::string_view s) const {
    if (!like_by_pieces) return RE2::FullMatch(re2::StringPiece(s.data() ? s.data() : "", s.size()), *re);
    const size_t n = like_pieces.size();
    if (n == 1) return s == like_pieces[0];  // no '%'
    const std::string& head = like_pieces.front();
    const std::string& tail = like_pieces.back();
    if (s.size() < head.size() + tail.size() || s.substr(0, head.size()) != head ||
        s.substr(s.size() - tail.size()) != tail) {
      return false;
    }
    // The middle pieces in order, each as early as it occurs, between the two ends.
    std::string_view middle = s.substr(head.size(), s.size() - head.size() - tail.size());
    for (size_t k = 1; k + 1 < n; ++k) {
      size_t at = middle.find(like_pieces[k]);
      if (at == std::string_view::npos) return false;
      middle.remove_prefix(at + like_pieces[k].size());
    }
    return true;
  }

  static size_t CodePointCount(std::string_view s) {
    size_t n = 0;
    for (char ch : s) n += (static_cast<uint8_t>(ch) & 0xC0) != 0x80;
    return n;
  }
};

struct BoundNode {
  ExprKind kind = ExprKind::kLiteral;
  Fn fn = Fn::kAdd;
  TimeUnit unit = TimeUnit::kSecond;
  DatePart part = DatePart::kYear;
  TrimSide trim_side = TrimSide::kBoth;
  DataType type = DataType::kInt64;
  int column = -1;
  std::vector<std::unique_ptr<BoundNode>> args;
  std::unique_ptr<Column> out;              // result column; literals are filled once at bind time
  std::unique_ptr<RegexCache> regex;        // kLike, kRegexp*: the pattern argument compiled
  std::unique_ptr<JsonPathEvaluator> json;  // kJson*: the path argument parsed, parse buffers
  std::string scratch;                      // text built for one row before it is copied to `out`
  const Clock* clock = nullptr;             // kProcTime: null = the system clock
  const ScalarFunction* udf = nullptr;      // kUdf
  const int64_t* watermark = nullptr;       // kCurrentWatermark: the CompiledExpr's watermark
  std::unique_ptr<std::mt19937_64> rng;     // kUuid, kRand, kRandInteger
};

namespace {

using NodePtr = std::unique_ptr<BoundNode>;

DataType Promote(DataType a, DataType b) {
  if (a == b) return a;
  if (a == DataType::kDouble || b == DataType::kDouble) return DataType::kDouble;
  if (a == DataType::kInt64 || b == DataType::kInt64) return DataType::kInt64;
  return DataType::kInt32;
}

// Calls unit(u) for each UTF-16 code unit of the UTF-8 text `s` (what a
// Java String holds); a malformed byte counts as U+FFFD.
template <typename Unit>
void ForEachUtf16Unit(std::string_view s, Unit unit) {
  for (size_t k = 0; k < s.size();) {
    const auto c = static_cast<unsigned char>(s[k]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c >> 4) == 0xE) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c >> 3) == 0x1E) {
      cp = c & 0x07;
      len = 4;
    } else {
      unit(0xFFFD);
      ++k;
      continue;
    }
    if (k + len > s.size()) {
      unit(0xFFFD);
      break;
    }
    for (size_t j = 1; j < len; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[k + j]) & 0x3F);
    if (cp > 0xFFFF) {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      unit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
    k += len;
  }
}

NodePtr NewNode(ExprKind kind, DataType type, int capacity) {
  auto n = std::make_unique<BoundNode>();
  n->kind = kind;
  n->type = type;
  n->out = std::make_unique<Column>(type, capacity);
  return n;
}

NodePtr CastTo(NodePtr arg, DataType to, int capacity) {
  if (arg->type == to) return arg;
  auto n = NewNode(ExprKind::kCast, to, capacity);
  n->args.push_back(std::move(arg));
  return n;
}

Status TypeError(const Expr& e, std::string_view why) {
  return Status::InvalidArgument(fmt::format("cannot evaluate {}: {}", e.ToString(), why));
}

Result<NodePtr> Bind(const Expr& e, const Schema& schema, int capacity) {
  if (!e.valid()) return Status::InvalidArgument("empty expression");
  const ExprNode& n = e.node();
  switch (n.kind) {
    case ExprKind::kColumn: {
      int index = n.column_index;
      if (index < 0) {
        SLUICE_ASSIGN_OR_RETURN(index, schema.IndexOf(n.column_name));
      } else if (index >= schema.size()) {
        return TypeError(e, fmt::format("column index {} out of range for {}", index, schema.ToString()));
      }
      auto b = std::make_unique<BoundNode>();
      b->kind = ExprKind::kColumn;
      b->column = index;
      b->type = schema.field(index).type;
      return b;
    }
    case ExprKind::kLiteral: {
      auto b = NewNode(ExprKind::kLiteral, n.literal.type, capacity);
      for (int i = 0; i < capacity; ++i) {
        if (n.literal.type == DataType::kString && i > 0 && !n.literal.is_null) {
          b->out->data<StringRef>()[i] = b->out->data<StringRef>()[0];  // one copy of the bytes
          b->out->SetValid(i);
        } else {
          n.literal.WriteTo(b->out.get(), i);
        }
      }
      return b;
    }
    case ExprKind::kCast: {
      SLUICE_ASSIGN_OR_RETURN(NodePtr arg, Bind(n.args[0], schema, capacity));
      if (arg->type == n.cast_to) return arg;  // CAST(s AS STRING) of a STRING: nothing to convert
      auto b = NewNode(ExprKind::kCast, n.cast_to, capacity);
      b->args.push_back(std::move(arg));
      return b;
    }
    case ExprKind::kCase: {
      std::vector<NodePtr> args;
      for (size_t i = 0; i < n.args.size(); ++i) {
        if (i + 1 == n.args.size() && !n.args[i].valid()) {
          args.push_back(nullptr);  // ELSE NULL; typed below
          continue;
        }
        SLUICE_ASSIGN_OR_RETURN(NodePtr a, Bind(n.args[i], schema, capacity));
        args.push_back(std::move(a));
      }
      std::optional<DataType> type;
      for (size_t i = 0; i < args.size(); ++i) {
        bool is_value = (i % 2 == 1) || i + 1 == args.size();
        if (!is_value) {
          if (args[i]->type != DataType::kBool) return TypeError(e, "WHEN conditions must be BOOLEAN");
          continue;
        }
        if (!args[i]) continue;
        if (!type) {
          type = args[i]->type;
        } else if (*type != args[i]->type) {
          if (!IsNumeric(*type) || !IsNumeric(args[i]->type)) return TypeError(e, "branches have different types");
          type = Promote(*type, args[i]->type);
        }
      }
      if (!type) return TypeError(e, "no branch has a type");
      if (!args.back()) {
        auto null_node = NewNode(ExprKind::kLiteral, *type, capacity);
        null_node->out->SetAllNull();
        args.back() = std::move(null_node);
      }
      auto b = NewNode(ExprKind::kCase, *type, capacity);
      for (size_t i = 0; i < args.size(); ++i) {
        bool is_value = (i % 2 == 1) || i + 1 == args.size();
        b->args.push_back(is_value ? CastTo(std::move(args[i]), *type, capacity) : std::move(args[i]));
      }
      return b;
    }
    case ExprKind::kCall: break;
  }

  std::vector<NodePtr> args;
  for (const Expr& a : n.args) {
    SLUICE_ASSIGN_OR_RETURN(NodePtr b, Bind(a, schema, capacity));
    args.push_back(std::move(b));
  }
  auto need_args = [&](size_t lo, size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi) {
      return TypeError(e, fmt::format("{} takes {}..{} arguments, got {}", FnName(n.fn), lo, hi, args.size()));
    }
    return Status::Ok();
  };
  // Whether argument i has type t; an untyped NULL literal (SQL's bare NULL,
  // bound as a null INT) is cast to t, so LIKE NULL or TRIM(NULL) give NULL.
  auto is_type = [&](size_t i, DataType t) {
    if (args[i]->type != t && args[i]->kind == ExprKind::kLiteral && !args[i]->out->IsValid(0)) {
      args[i] = CastTo(std::move(args[i]), t, capacity);
    }
    // A DATE where a TIMESTAMP is wanted (EXTRACT, DATE_FORMAT, TIMESTAMPDIFF
    // ...) is its midnight, as Flink's implicit cast.
    if (t == DataType::kTimestamp && args[i]->type == DataType::kDate) {
      args[i] = CastTo(std::move(args[i]), t, capacity);
    }
    return args[i]->type == t;
  };
  DataType out_type = DataType::kBool;
  switch (n.fn) {
    case Fn::kAdd:
    case Fn::kSub:
    case Fn::kMul:
    case Fn::kDiv:
    case Fn::kMod: {
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      DataType a = args[0]->type, b = args[1]->type;
      bool ts_arith =
          (n.fn == Fn::kAdd || n.fn == Fn::kSub) &&
          ((a == DataType::kTimestamp && (b == DataType::kInt64 || b == DataType::kInt32)) ||
           (n.fn == Fn::kAdd && b == DataType::kTimestamp && (a == DataType::kInt64 || a == DataType::kInt32)));
      if (ts_arith) {
        args[0] = CastTo(std::move(args[0]), DataType::kInt64, capacity);
        args[1] = CastTo(std::move(args[1]), DataType::kInt64, capacity);
        out_type = DataType::kTimestamp;
      } else if (n.fn == Fn::kSub && a == DataType::kTimestamp && b == DataType::kTimestamp) {
        out_type = DataType::kInt64;  // difference in milliseconds
      } else if (IsNumeric(a) && IsNumeric(b)) {
        out_type = Promote(a, b);
        args[0] = CastTo(std::move(args[0]), out_type, capacity);
        args[1] = CastTo(std::move(args[1]), out_type, capacity);
      } else {
        return TypeError(e, fmt::format("arithmetic on {} and {}", DataTypeName(a), DataTypeName(b)));
      }
      break;
    }
    case Fn::kNeg:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (!IsNumeric(args[0]->type)) return TypeError(e, "negation needs a number");
      out_type = args[0]->type;
      break;
    case Fn::kEq:
    case Fn::kNe:
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe: {
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      DataType a = args[0]->type, b = args[1]->type;
      if (IsNumeric(a) && IsNumeric(b)) {
        DataType t = Promote(a, b);
        args[0] = CastTo(std::move(args[0]), t, capacity);
        args[1] = CastTo(std::move(args[1]), t, capacity);
      } else if ((a == DataType::kTimestamp || a == DataType::kDate) && b == DataType::kString) {
        args[1] = CastTo(std::move(args[1]), a, capacity);
      } else if ((b == DataType::kTimestamp || b == DataType::kDate) && a == DataType::kString) {
        args[0] = CastTo(std::move(args[0]), b, capacity);
      } else if ((a == DataType::kDate && b == DataType::kTimestamp) ||
                 (a == DataType::kTimestamp && b == DataType::kDate)) {
        // As Flink: the DATE compares as its midnight.
        args[0] = CastTo(std::move(args[0]), DataType::kTimestamp, capacity);
        args[1] = CastTo(std::move(args[1]), DataType::kTimestamp, capacity);
      } else if (a != b) {
        return TypeError(e, fmt::format("comparison of {} with {}", DataTypeName(a), DataTypeName(b)));
      }
      break;
    }
    case Fn::kAnd:
    case Fn::kOr:
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      if (args[0]->type != DataType::kBool || args[1]->type != DataType::kBool) {
        return TypeError(e, "AND/OR need BOOLEAN operands");
      }
      break;
    case Fn::kNot:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kBool) return TypeError(e, "NOT needs a BOOLEAN");
      break;
    case Fn::kIsNull:
    case Fn::kIsNotNull: SLUICE_RETURN_IF_ERROR(need_args(1, 1)); break;
    case Fn::kCoalesce: {
      SLUICE_RETURN_IF_ERROR(need_args(1, 64));
      out_type = args[0]->type;
      for (auto& a : args) {
        if (a->type == out_type) continue;
        if (!IsNumeric(a->type) || !IsNumeric(out_type)) return TypeError(e, "arguments have different types");
        out_type = Promote(out_type, a->type);
      }
      for (auto& a : args) a = CastTo(std::move(a), out_type, capacity);
      break;
    }
    case Fn::kUpper:
    case Fn::kLower:
    case Fn::kReverse:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kString) return TypeError(e, "needs a STRING");
      out_type = DataType::kString;
      break;
    case Fn::kAscii:
    case Fn::kHashCode:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kString) return TypeError(e, "needs a STRING");
      out_type = DataType::kInt32;
      break;
    case Fn::kChr:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kInt32 && args[0]->type != DataType::kInt64) {
        return TypeError(e, "needs an integer");
      }
      args[0] = CastTo(std::move(args[0]), DataType::kInt64, capacity);
      out_type = DataType::kString;
      break;
    case Fn::kUuid:
      SLUICE_RETURN_IF_ERROR(need_args(0, 0));
      out_type = DataType::kString;
      break;
    case Fn::kRand:
    case Fn::kRandInteger: {
      const bool integer = n.fn == Fn::kRandInteger;
      SLUICE_RETURN_IF_ERROR(need_args(integer ? 1 : 0, integer ? 2 : 1));
      for (auto& a : args) {
        if (a->type != DataType::kInt32 && a->type != DataType::kInt64) {
          return TypeError(e, "seed and bound must be integers");
        }
      }
      // The bound (read per row); a seed stays the literal it must be.
      if (integer) args.back() = CastTo(std::move(args.back()), DataType::kInt64, capacity);
      out_type = integer ? DataType::kInt32 : DataType::kDouble;
      break;
    }
    case Fn::kSubstring:
      SLUICE_RETURN_IF_ERROR(need_args(2, 3));
      if (args[0]->type != DataType::kString) return TypeError(e, "needs a STRING");
      for (size_t i = 1; i < args.size(); ++i) {
        if (args[i]->type != DataType::kInt32 && args[i]->type != DataType::kInt64) {
          return TypeError(e, "start and length must be integers");
        }
        args[i] = CastTo(std::move(args[i]), DataType::kInt64, capacity);
      }
      out_type = DataType::kString;
      break;
    case Fn::kConcat:
      SLUICE_RETURN_IF_ERROR(need_args(1, 64));
      for (auto& a : args) a = CastTo(std::move(a), DataType::kString, capacity);
      out_type = DataType::kString;
      break;
    case Fn::kCharLength:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kString) return TypeError(e, "needs a STRING");
      out_type = DataType::kInt32;
      break;
    case Fn::kFloorTime:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kTimestamp) return TypeError(e, "FLOOR ... TO needs a TIMESTAMP");
      out_type = DataType::kTimestamp;
      break;
    case Fn::kLike: {
      SLUICE_RETURN_IF_ERROR(need_args(2, 3));
      for (size_t i = 0; i < args.size(); ++i) {
        if (!is_type(i, DataType::kString)) return TypeError(e, "LIKE needs STRING operands, pattern and escape");
      }
      break;
    }
    case Fn::kTrim:
    case Fn::kPosition:
    case Fn::kReplace:
    case Fn::kInitcap:
    case Fn::kMd5:
    case Fn::kRegexp:
    case Fn::kRegexpReplace: {
      const size_t want = n.fn == Fn::kInitcap || n.fn == Fn::kMd5               ? 1
                          : (n.fn == Fn::kReplace || n.fn == Fn::kRegexpReplace) ? 3
                                                                                 : 2;
      SLUICE_RETURN_IF_ERROR(need_args(want, want));
      for (size_t i = 0; i < args.size(); ++i) {
        if (!is_type(i, DataType::kString)) return TypeError(e, "needs STRING arguments");
      }
      out_type = n.fn == Fn::kPosition ? DataType::kInt32 : n.fn == Fn::kRegexp ? DataType::kBool : DataType::kString;
      break;
    }
    case Fn::kJsonValue:
    case Fn::kJsonQuery:
    case Fn::kJsonExists:
    case Fn::kJsonOutcome: {
      const bool outcome = n.fn == Fn::kJsonOutcome;
      SLUICE_RETURN_IF_ERROR(need_args(outcome ? 3 : 2, outcome ? 3 : 2));
      if (!is_type(0, DataType::kString) || !is_type(1, DataType::kString)) {
        return TypeError(e, "needs a STRING document and a STRING path");
      }
      if (outcome) args[2] = CastTo(std::move(args[2]), DataType::kInt32, capacity);
      out_type = n.fn == Fn::kJsonExists ? DataType::kBool : outcome ? DataType::kInt32 : DataType::kString;
      break;
    }
    case Fn::kLpad:
    case Fn::kRpad:
    case Fn::kSplitIndex:
    case Fn::kRegexpExtract: {
      const bool extract = n.fn == Fn::kRegexpExtract;
      SLUICE_RETURN_IF_ERROR(need_args(extract ? 2 : 3, 3));
      // (string, int, string) for the pads; (string, string, int) for the others.
      const size_t int_arg = extract || n.fn == Fn::kSplitIndex ? 2 : 1;
      for (size_t i = 0; i < args.size(); ++i) {
        if (i == int_arg) {
          if (args[i]->type != DataType::kInt32 && args[i]->type != DataType::kInt64) {
            return TypeError(e, fmt::format("argument {} must be an integer", i + 1));
          }
          args[i] = CastTo(std::move(args[i]), DataType::kInt64, capacity);
        } else if (!is_type(i, DataType::kString)) {
          return TypeError(e, fmt::format("argument {} must be a STRING", i + 1));
        }
      }
      out_type = DataType::kString;
      break;
    }
    case Fn::kConcatWs:
      SLUICE_RETURN_IF_ERROR(need_args(2, 64));
      for (auto& a : args) a = CastTo(std::move(a), DataType::kString, capacity);
      out_type = DataType::kString;
      break;
    case Fn::kNullIf:
    case Fn::kGreatest:
    case Fn::kLeast: {
      if (n.fn == Fn::kNullIf) {
        SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      } else {
        SLUICE_RETURN_IF_ERROR(need_args(1, 64));
      }
      out_type = args[0]->type;
      for (auto& a : args) {
        if (a->type == out_type) continue;
        if (!IsNumeric(a->type) || !IsNumeric(out_type)) {
          return TypeError(e, fmt::format("arguments of types {} and {} do not compare", DataTypeName(out_type),
                                          DataTypeName(a->type)));
        }
        out_type = Promote(out_type, a->type);
      }
      if (n.fn != Fn::kNullIf && out_type == DataType::kBool) return TypeError(e, "arguments must not be BOOLEAN");
      for (auto& a : args) a = CastTo(std::move(a), out_type, capacity);
      break;
    }
    case Fn::kRound:
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      if (!IsNumeric(args[0]->type)) return TypeError(e, "ROUND needs a number");
      if (args[1]->type != DataType::kInt32 && args[1]->type != DataType::kInt64) {
        return TypeError(e, "ROUND's digits must be an integer");
      }
      args[1] = CastTo(std::move(args[1]), DataType::kInt64, capacity);
      out_type = args[0]->type;
      break;
    case Fn::kFloor:
    case Fn::kCeil:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (!IsNumeric(args[0]->type)) return TypeError(e, "needs a number");
      out_type = args[0]->type;
      break;
    case Fn::kPower:
    case Fn::kSqrt:
    case Fn::kLn:
    case Fn::kLog10:
    case Fn::kLog2:
    case Fn::kExp: {
      const size_t want = n.fn == Fn::kPower ? 2 : 1;
      SLUICE_RETURN_IF_ERROR(need_args(want, want));
      for (auto& a : args) {
        if (!IsNumeric(a->type)) return TypeError(e, "needs numbers");
        a = CastTo(std::move(a), DataType::kDouble, capacity);
      }
      out_type = DataType::kDouble;
      break;
    }
    case Fn::kCeilTime:
    case Fn::kExtract:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (!is_type(0, DataType::kTimestamp)) return TypeError(e, "needs a TIMESTAMP");
      out_type = n.fn == Fn::kExtract ? DataType::kInt64 : DataType::kTimestamp;
      break;
    case Fn::kDateFormat:
    case Fn::kParseTime:
    case Fn::kUnixTimestamp: {
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      const DataType in = n.fn == Fn::kDateFormat ? DataType::kTimestamp : DataType::kString;
      if (!is_type(0, in) || !is_type(1, DataType::kString)) {
        return TypeError(e, fmt::format("needs a {} and a STRING format", DataTypeName(in)));
      }
      if (args[1]->kind == ExprKind::kLiteral && args[1]->out->IsValid(0)) {
        std::string why = CheckDateFormat(args[1]->out->GetString(0));
        if (!why.empty()) return TypeError(e, why);
      }
      out_type = n.fn == Fn::kDateFormat  ? DataType::kString
                 : n.fn == Fn::kParseTime ? DataType::kTimestamp
                                          : DataType::kInt64;
      break;
    }
    case Fn::kTimestampAdd:
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      if ((args[0]->type != DataType::kInt32 && args[0]->type != DataType::kInt64) ||
          !is_type(1, DataType::kTimestamp)) {
        return TypeError(e, "TIMESTAMPADD needs an integer count and a TIMESTAMP");
      }
      args[0] = CastTo(std::move(args[0]), DataType::kInt64, capacity);
      out_type = DataType::kTimestamp;
      break;
    case Fn::kTimestampDiff:
      SLUICE_RETURN_IF_ERROR(need_args(2, 2));
      if (!is_type(0, DataType::kTimestamp) || !is_type(1, DataType::kTimestamp)) {
        return TypeError(e, "TIMESTAMPDIFF needs two TIMESTAMPs");
      }
      out_type = DataType::kInt32;
      break;
    case Fn::kNowSeconds:
      SLUICE_RETURN_IF_ERROR(need_args(0, 0));
      out_type = DataType::kInt64;
      break;
    case Fn::kProcTime:
      SLUICE_RETURN_IF_ERROR(need_args(0, 0));
      out_type = DataType::kTimestamp;
      break;
    case Fn::kCurrentWatermark:
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kTimestamp) {
        return TypeError(e, "CURRENT_WATERMARK needs the event-time (TIMESTAMP) column");
      }
      out_type = DataType::kTimestamp;
      break;
    case Fn::kUdf: {
      if (n.udf == nullptr) return TypeError(e, "no function");
      const ScalarFunction& f = *n.udf;
      if (args.size() != f.arg_types.size()) {
        return TypeError(e,
                         fmt::format("{} takes {} arguments, got {}", f.class_name, f.arg_types.size(), args.size()));
      }
      for (size_t i = 0; i < args.size(); ++i) {
        const DataType want = f.arg_types[i];
        const DataType have = args[i]->type;
        const bool widen = (have == DataType::kInt32 && (want == DataType::kInt64 || want == DataType::kDouble)) ||
                           (have == DataType::kInt64 && want == DataType::kDouble);
        if (have != want && !widen && !is_type(i, want)) {
          return TypeError(e, fmt::format("argument {} of {} must be {}, got {}", i + 1, f.class_name,
                                          DataTypeName(want), DataTypeName(have)));
        }
        args[i] = CastTo(std::move(args[i]), want, capacity);
      }
      out_type = f.return_type;
      break;
    }
  }
  auto b = NewNode(ExprKind::kCall, out_type, capacity);
  b->fn = n.fn;
  b->unit = n.unit;
  b->part = n.part;
  b->trim_side = n.trim_side;
  b->udf = n.udf;
  if (n.fn == Fn::kLike || n.fn == Fn::kRegexp || n.fn == Fn::kRegexpExtract || n.fn == Fn::kRegexpReplace) {
    b->regex = std::make_unique<RegexCache>();
    if (n.fn == Fn::kLike) {
      b->regex->syntax = RegexCache::Syntax::kLike;
      b->regex->escape_given = args.size() == 3;
    }
    // A literal pattern compiles here, once, and a bad one is an error now
    // rather than a NULL on every row.
    auto literal = [](const NodePtr& a) { return a->kind == ExprKind::kLiteral && a->out->IsValid(0); };
    bool escape_literal = n.fn != Fn::kLike || args.size() < 3 || literal(args[2]);
    if (literal(args[1]) && escape_literal) {
      std::string_view escape = n.fn == Fn::kLike && args.size() == 3 ? args[2]->out->GetString(0) : "";
      if (!b->regex->Get(args[1]->out->GetString(0), escape)) return TypeError(e, b->regex->error);
    }
  }
  if (n.fn == Fn::kUuid || n.fn == Fn::kRand || n.fn == Fn::kRandInteger) {
    // A literal seed (RAND(seed), RAND_INTEGER(seed, bound)) repeats its
    // sequence, as Flink's; otherwise every instance starts somewhere new.
    const bool seeded = (n.fn == Fn::kRand && args.size() == 1) || (n.fn == Fn::kRandInteger && args.size() == 2);
    uint64_t seed = std::random_device{}();
    if (seeded) {
      if (args[0]->kind != ExprKind::kLiteral || !args[0]->out->IsValid(0)) {
        return TypeError(e, "the seed must be an integer literal");
      }
      seed = args[0]->type == DataType::kInt32 ? static_cast<uint64_t>(args[0]->out->data<int32_t>()[0])
                                               : static_cast<uint64_t>(args[0]->out->data<int64_t>()[0]);
    }
    b->rng = std::make_unique<std::mt19937_64>(seed);
  }
  if (n.fn == Fn::kJsonValue || n.fn == Fn::kJsonQuery || n.fn == Fn::kJsonExists || n.fn == Fn::kJsonOutcome) {
    b->json = std::make_unique<JsonPathEvaluator>();
    // A literal path is checked here, once: a bad one is an error now.
    if (args[1]->kind == ExprKind::kLiteral && args[1]->out->IsValid(0)) {
      std::string error;
      if (!b->json->SetPath(args[1]->out->GetString(0), &error)) return TypeError(e, error);
    }
  }
  b->args = std::move(args);
  return b;
}

// ---------------------------------------------------------------------------
// Kernels. Each runs one tight loop over the live rows of a batch.

template <typename F>
inline void ForActive(const Batch& b, F&& f) {
  if (b.has_selection()) {
    const int32_t* sel = b.selection();
    const int n = b.active_rows();
    for (int k = 0; k < n; ++k) f(sel[k]);
  } else {
    const int n = b.num_rows();
    for (int i = 0; i < n; ++i) f(i);
  }
}

inline int Words(const Batch& b) { return (b.num_rows() + 63) / 64; }

void AndValidity(const Column& a, const Column& c, Column* out, const Batch& b) {
  const uint64_t* va = a.validity();
  const uint64_t* vc = c.validity();
  uint64_t* vo = out->validity();
  const int w = Words(b);
  for (int i = 0; i < w; ++i) vo[i] = va[i] & vc[i];
}

void CopyValidity(const Column& a, Column* out, const Batch& b) {
  std::memcpy(out->validity(), a.validity(), Words(b) * sizeof(uint64_t));
}

template <typename T>
void ArithKernel(Fn fn, const Column& a, const Column& c, Column* out, const Batch& b) {
  AndValidity(a, c, out, b);
  const T* x = a.data<T>();
  const T* y = c.data<T>();
  T* o = out->data<T>();
  using U = std::make_unsigned_t<std::conditional_t<std::is_integral_v<T>, T, int>>;
  switch (fn) {
    case Fn::kAdd:
      if constexpr (std::is_integral_v<T>) {
        ForActive(b, [&](int i) { o[i] = static_cast<T>(static_cast<U>(x[i]) + static_cast<U>(y[i])); });
      } else {
        ForActive(b, [&](int i) { o[i] = x[i] + y[i]; });
      }
      break;
    case Fn::kSub:
      if constexpr (std::is_integral_v<T>) {
        ForActive(b, [&](int i) { o[i] = static_cast<T>(static_cast<U>(x[i]) - static_cast<U>(y[i])); });
      } else {
        ForActive(b, [&](int i) { o[i] = x[i] - y[i]; });
      }
      break;
    case Fn::kMul:
      if constexpr (std::is_integral_v<T>) {
        ForActive(b, [&](int i) { o[i] = static_cast<T>(static_cast<U>(x[i]) * static_cast<U>(y[i])); });
      } else {
        ForActive(b, [&](int i) { o[i] = x[i] * y[i]; });
      }
      break;
    case Fn::kDiv:
    case Fn::kMod:
      if constexpr (std::is_integral_v<T>) {
        const bool div = fn == Fn::kDiv;
        ForActive(b, [&](int i) {
          if (y[i] == 0) {
            o[i] = 0;
            out->SetNull(i);
          } else if (y[i] == -1) {  // avoids the overflow trap of MIN / -1
            o[i] = div ? static_cast<T>(U{0} - static_cast<U>(x[i])) : 0;
          } else {
            o[i] = div ? x[i] / y[i] : x[i] % y[i];
          }
        });
      } else if (fn == Fn::kDiv) {
        ForActive(b, [&](int i) { o[i] = x[i] / y[i]; });
      } else {
        ForActive(b, [&](int i) { o[i] = std::fmod(x[i], y[i]); });
      }
      break;
    default: break;
  }
}

template <typename T, typename Cmp>
void CompareLoop(const Column& a, const Column& c, Column* out, const Batch& b, Cmp cmp) {
  AndValidity(a, c, out, b);
  uint8_t* o = out->data<uint8_t>();
  if constexpr (std::is_same_v<T, std::string_view>) {
    ForActive(b, [&](int i) { o[i] = cmp(a.GetString(i), c.GetString(i)); });
  } else {
    const T* x = a.data<T>();
    const T* y = c.data<T>();
    ForActive(b, [&](int i) { o[i] = cmp(x[i], y[i]); });
  }
}

template <typename T>
void CompareKernel(Fn fn, const Column& a, const Column& c, Column* out, const Batch& b) {
  switch (fn) {
    case Fn::kEq: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p == q; }); break;
    case Fn::kNe: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p != q; }); break;
    case Fn::kLt: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p < q; }); break;
    case Fn::kLe: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p <= q; }); break;
    case Fn::kGt: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p > q; }); break;
    case Fn::kGe: CompareLoop<T>(a, c, out, b, [](auto p, auto q) { return p >= q; }); break;
    default: break;
  }
}

// Calls f(T{}) with T the physical C++ type of a fixed-width engine type.
template <typename F>
void DispatchFixed(DataType t, F&& f) {
  switch (t) {
    case DataType::kInt64:
    case DataType::kTimestamp: f(int64_t{}); break;
    case DataType::kInt32:
    case DataType::kDate: f(int32_t{}); break;
    case DataType::kDouble: f(double{}); break;
    case DataType::kBool: f(uint8_t{}); break;
    case DataType::kString: break;
  }
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

// "2024-01-02 03:04:05.678", "2024-01-02T03:04:05", "2024-01-02" or epoch millis.
bool ParseTimestamp(std::string_view s, int64_t* ms) {
  s = Trim(s);
  if (s.empty()) return false;
  if (s.find('-', 1) == std::string_view::npos) return ParseNumber(s, ms);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac = 0;
  auto num = [&](size_t pos, size_t len, int* v) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, *v);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  if (!num(0, 4, &y) || s[4] != '-' || !num(5, 2, &mo) || s.size() < 10 || s[7] != '-' || !num(8, 2, &d)) {
    return false;
  }
  if (s.size() > 10) {
    if ((s[10] != ' ' && s[10] != 'T') || !num(11, 2, &h) || s.size() < 19 || s[13] != ':' || !num(14, 2, &mi) ||
        s[16] != ':' || !num(17, 2, &sec)) {
      return false;
    }
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      size_t digits = 0;
      for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++digits) {
        if (digits < 3) frac = frac * 10 + (s[pos] - '0');
      }
      for (; digits < 3; ++digits) frac *= 10;
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
    if (pos != s.size()) return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  *ms = ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + frac;
  return true;
}

bool ParseDate(std::string_view s, int32_t* days) {
  s = Trim(s);
  int64_t ms = 0;
  if (s.size() != 10 || s[4] != '-' || !ParseTimestamp(s, &ms)) return false;
  *days = static_cast<int32_t>(ms / 86'400'000);  // midnight: exact
  return true;
}

namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The civil (proleptic Gregorian, UTC) fields of a timestamp.
struct Civil {
  int64_t days = 0;  // since 1970-01-01
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
};

// Howard Hinnant's civil_from_days.
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d);

}  // namespace

void AppendDate(int32_t days, std::string* out) {
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  fmt::format_to(std::back_inserter(*out), "{:04}-{:02}-{:02}", y, m, d);
}

namespace {

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

Civil ToCivil(int64_t ms) {
  Civil c;
  c.days = FloorDiv(ms, kMillisPerDay);
  int64_t rem = ms % kMillisPerDay;  // not ms - days * day, which overflows near INT64_MIN
  if (rem < 0) rem += kMillisPerDay;
  CivilFromDays(c.days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3'600'000);
  c.minute = static_cast<int>(rem / 60'000 % 60);
  c.second = static_cast<int>(rem / 1000 % 60);
  c.millis = static_cast<int>(rem % 1000);
  return c;
}

// 1 (Monday) to 7 (Sunday); 1970-01-01 was a Thursday.
int IsoWeekday(int64_t days) { return static_cast<int>(((days + 3) % 7 + 7) % 7) + 1; }

int DayOfYear(const Civil& c) { return static_cast<int>(c.days - DaysFromCivil(c.year, 1, 1)) + 1; }

int IsoWeek(const Civil& c) {
  const int64_t thursday = c.days - IsoWeekday(c.days) + 4;
  int64_t y;
  int m, d;
  CivilFromDays(thursday, &y, &m, &d);
  return static_cast<int>((thursday - DaysFromCivil(y, 1, 1)) / 7) + 1;
}

int LastDayOfMonth(int64_t y, int m) {
  if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
  return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}

// Days since the epoch of the first day of month `m` (any integer, 1-based
// from January of `y`), normalizing months outside 1..12 into years.
int64_t FirstOfMonth(int64_t y, int64_t m) {
  int64_t months = y * 12 + (m - 1);
  int64_t ny = FloorDiv(months, 12);
  return DaysFromCivil(ny, static_cast<unsigned>(months - ny * 12 + 1), 1);
}

// Calcite's addMonths on a date: the day is clamped to the target month's last.
int64_t AddMonthsToDays(int64_t days, int64_t months) {
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t total = y * 12 + (m - 1) + months;
  int64_t ny = FloorDiv(total, 12);
  int nm = static_cast<int>(total - ny * 12 + 1);
  return DaysFromCivil(ny, nm, std::min(d, LastDayOfMonth(ny, nm)));
}

// `ms` plus `months` (|months| < 2^40); false when the result leaves the int64 range.
bool AddMonths(int64_t ms, int64_t months, int64_t* out) {
  int64_t days = FloorDiv(ms, kMillisPerDay);
  int64_t rem = ms % kMillisPerDay;
  if (rem < 0) rem += kMillisPerDay;
  int64_t day_ms = 0;
  return !__builtin_mul_overflow(AddMonthsToDays(days, months), kMillisPerDay, &day_ms) &&
         !__builtin_add_overflow(day_ms, rem, out);
}

int64_t SubtractMonthsDays(int64_t d0, int64_t d1) {
  if (d0 < d1) return -SubtractMonthsDays(d1, d0);
  // No month is longer than 31 days, so the estimate never overshoots.
  int64_t m = (d0 - d1) / 31;
  for (;;) {
    if (AddMonthsToDays(d1, m) >= d0) return m;
    if (AddMonthsToDays(d1, m + 1) > d0) return m;
    ++m;
  }
}

// Whole months from t1 to t0 (Calcite's subtractMonths on timestamps).
int64_t SubtractMonths(int64_t t0, int64_t t1) {
  int64_t d0 = FloorDiv(t0, kMillisPerDay), d1 = FloorDiv(t1, kMillisPerDay);
  int64_t ms0 = t0 - d0 * kMillisPerDay, ms1 = t1 - d1 * kMillisPerDay;
  int64_t x = SubtractMonthsDays(d0, d1);
  if (AddMonthsToDays(d1, x) == d0 && ms0 < ms1) --x;
  return x;
}

int MonthsOf(TimeUnit unit) { return unit == TimeUnit::kMonth ? 1 : unit == TimeUnit::kQuarter ? 3 : 12; }

// Weeks start on Sunday, as Flink's FLOOR/CEIL(ts TO WEEK); 1969-12-28 was one.
constexpr int64_t kFirstSunday = -4 * kMillisPerDay;

int64_t FloorTimestamp(int64_t ms, TimeUnit unit) {
  if (unit == TimeUnit::kWeek) {
    const int64_t week = TimeUnitMillis(unit);
    return FloorDiv(ms - kFirstSunday, week) * week + kFirstSunday;
  }
  if (int64_t u = TimeUnitMillis(unit)) return FloorDiv(ms, u) * u;
  Civil c = ToCivil(ms);
  int m = unit == TimeUnit::kMonth ? c.month : unit == TimeUnit::kQuarter ? (c.month - 1) / 3 * 3 + 1 : 1;
  return FirstOfMonth(c.year, m) * kMillisPerDay;
}

int64_t CeilTimestamp(int64_t ms, TimeUnit unit) {
  int64_t f = FloorTimestamp(ms, unit);
  if (f == ms) return ms;
  if (int64_t u = TimeUnitMillis(unit)) return f + u;
  int64_t next = f;
  return AddMonths(f, MonthsOf(unit), &next) ? next : f;
}

constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
constexpr std::string_view kDayNames[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool SupportedFormatLetter(char c) { return std::string_view("GyMdHhkKmsSEuDazZX").find(c) != std::string_view::npos; }

// One element of a SimpleDateFormat pattern: a run of one letter, or literal text.
struct FormatToken {
  char letter = 0;  // 0: literal `text`
  int count = 0;
  std::string_view text;
};

// Splits a pattern into tokens: 'quoted text' is literal, '' is a quote.
class FormatReader {
 public:
  explicit FormatReader(std::string_view p) : p_(p) {}

  // The next token; false at the end or on an error (then error() says what).
  bool Next(FormatToken* t) {
    for (;;) {
      if (i_ >= p_.size()) {
        if (in_quote_) error_ = fmt::format("date format '{}' has an unterminated quote", p_);
        return false;
      }
      if (p_[i_] != '\'') break;
      if (i_ + 1 < p_.size() && p_[i_ + 1] == '\'') {
        *t = FormatToken{0, 0, p_.substr(i_, 1)};
        i_ += 2;
        return true;
      }
      in_quote_ = !in_quote_;
      ++i_;
    }
    size_t j = i_;
    if (in_quote_) {
      while (j < p_.size() && p_[j] != '\'') ++j;
      *t = FormatToken{0, 0, p_.substr(i_, j - i_)};
    } else if (IsAsciiLetter(p_[i_])) {
      while (j < p_.size() && p_[j] == p_[i_]) ++j;
      *t = FormatToken{p_[i_], static_cast<int>(j - i_), {}};
      if (!SupportedFormatLetter(t->letter)) {
        error_ = fmt::format(
            "date format '{}' uses the unsupported letter '{}'; Sluice supports G y M d H h k K m s "
            "S E u D a z Z X and 'quoted text'",
            p_, t->letter);
        return false;
      }
    } else {
      while (j < p_.size() && p_[j] != '\'' && !IsAsciiLetter(p_[j])) ++j;
      *t = FormatToken{0, 0, p_.substr(i_, j - i_)};
    }
    i_ = j;
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::string_view p_;
  size_t i_ = 0;
  bool in_quote_ = false;
  std::string error_;
};

void AppendNumber(std::string* out, int64_t v, int width) {
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  for (int pad = width - static_cast<int>(r.ptr - buf); pad > 0; --pad) out->push_back('0');
  out->append(buf, r.ptr);
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string CheckDateFormat(std::string_view pattern) {
  FormatReader reader(pattern);
  FormatToken t;
  while (reader.Next(&t)) {
  }
  return reader.error();
}

bool FormatTimestamp(int64_t ms, std::string_view pattern, std::string* out) {
  const Civil c = ToCivil(ms);
  FormatReader reader(pattern);
  FormatToken t;
  while (reader.Next(&t)) {
    switch (t.letter) {
      case 0: out->append(t.text); break;
      case 'G': out->append(c.year > 0 ? "AD" : "BC"); break;
      case 'y': {
        int64_t year = c.year > 0 ? c.year : 1 - c.year;  // era year, as Java
        if (t.count == 2) {
          AppendNumber(out, year % 100, 2);
        } else {
          AppendNumber(out, year, t.count);
        }
        break;
      }
      case 'M':
        if (t.count >= 4) {
          out->append(kMonthNames[c.month - 1]);
        } else if (t.count == 3) {
          out->append(kMonthNames[c.month - 1].substr(0, 3));
        } else {
          AppendNumber(out, c.month, t.count);
        }
        break;
      case 'd': AppendNumber(out, c.day, t.count); break;
      case 'H': AppendNumber(out, c.hour, t.count); break;
      case 'k': AppendNumber(out, c.hour == 0 ? 24 : c.hour, t.count); break;
      case 'K': AppendNumber(out, c.hour % 12, t.count); break;
      case 'h': AppendNumber(out, c.hour % 12 == 0 ? 12 : c.hour % 12, t.count); break;
      case 'm': AppendNumber(out, c.minute, t.count); break;
      case 's': AppendNumber(out, c.second, t.count); break;
      case 'S': AppendNumber(out, c.millis, t.count); break;
      case 'E': {
        std::string_view name = kDayNames[IsoWeekday(c.days) - 1];
        out->append(t.count >= 4 ? name : name.substr(0, 3));
        break;
      }
      case 'u': AppendNumber(out, IsoWeekday(c.days), t.count); break;
      case 'D': AppendNumber(out, DayOfYear(c), t.count); break;
      case 'a': out->append(c.hour < 12 ? "AM" : "PM"); break;
      case 'z': out->append(t.count >= 4 ? "Coordinated Universal Time" : "UTC"); break;
      case 'Z': out->append("+0000"); break;
      case 'X': out->append("Z"); break;
    }
  }
  return reader.error().empty();
}

bool ParseTimestampFormat(std::string_view s, std::string_view pattern, int64_t* ms) {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, offset_ms = 0;
  int hour12 = -1;  // h or K, combined with `a`
  bool pm = false;
  size_t pos = 0;
  FormatReader reader(pattern);
  FormatToken t, next;
  bool have = reader.Next(&t);
  while (have) {
    bool have_next = reader.Next(&next);
    // A numeric field directly followed by another letter takes exactly
    // `count` digits ("yyyyMMdd"); otherwise as many digits as there are.
    auto number = [&](int64_t* v) {
      // At most 9 digits (a Java int), which keeps the arithmetic below in range.
      size_t max = (have_next && next.letter != 0) ? std::min<size_t>(t.count, 9) : 9;
      size_t start = pos;
      bool negative = false;
      if (t.letter == 'y' && pos < s.size() && s[pos] == '-') {
        negative = true;
        ++pos;
      }
      int64_t x = 0;
      size_t digits = 0;
      while (pos < s.size() && digits < max && s[pos] >= '0' && s[pos] <= '9') {
        x = x * 10 + (s[pos++] - '0');
        ++digits;
      }
      if (digits == 0) {
        pos = start;
        return false;
      }
      *v = negative ? -x : x;
      return true;
    };
    int64_t v = 0;
    switch (t.letter) {
      case 0:
        if (s.substr(pos, t.text.size()) != t.text) return false;
        pos += t.text.size();
        break;
      case 'G':
        if (StartsWithIgnoreCase(s.substr(pos), "AD") || StartsWithIgnoreCase(s.substr(pos), "BC")) {
          pos += 2;
        } else {
          return false;
        }
        break;
      case 'y': {
        size_t start = pos;
        if (!number(&year)) return false;
        if (t.count <= 2 && pos - start == 2) {
          // Java puts a two-digit year within 80 years before and 20 after now.
          int64_t now_year = ToCivil(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())
                                 .year;
          int64_t candidate = now_year / 100 * 100 + year;
          if (candidate > now_year + 20) candidate -= 100;
          if (candidate <= now_year - 80) candidate += 100;
          year = candidate;
        }
        break;
      }
      case 'M':
        if (t.count >= 3) {
          bool found = false;
          for (int m = 0; m < 12 && !found; ++m) {
            std::string_view full = kMonthNames[m];
            for (std::string_view name : {full, full.substr(0, 3)}) {
              if (StartsWithIgnoreCase(s.substr(pos), name)) {
                month = m + 1;
                pos += name.size();
                found = true;
                break;
              }
            }
          }
          if (!found) return false;
        } else if (!number(&month)) {
          return false;
        }
        break;
      case 'E': {
        bool found = false;
        for (std::string_view full : kDayNames) {
          for (std::string_view name : {full, full.substr(0, 3)}) {
            if (!found && StartsWithIgnoreCase(s.substr(pos), name)) {
              pos += name.size();
              found = true;
            }
          }
        }
        if (!found) return false;
        break;
      }
      case 'a':
        if (StartsWithIgnoreCase(s.substr(pos), "AM") || StartsWithIgnoreCase(s.substr(pos), "PM")) {
          pm = std::tolower(static_cast<unsigned char>(s[pos])) == 'p';
          pos += 2;
        } else {
          return false;
        }
        break;
      case 'z':
      case 'Z':
      case 'X': {
        bool named = StartsWithIgnoreCase(s.substr(pos), "UTC") || StartsWithIgnoreCase(s.substr(pos), "GMT");
        if (named) pos += 3;
        if (!named && pos < s.size() && s[pos] == 'Z') {
          ++pos;
          break;
        }
        if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) {
          if (named) break;
          return false;
        }
        const int64_t sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        auto two = [&](int64_t* x) {
          if (pos + 2 > s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') {
            return false;
          }
          *x = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
          pos += 2;
          return true;
        };
        int64_t oh = 0, om = 0;
        if (!two(&oh)) return false;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!two(&om)) om = 0;
        offset_ms = sign * (oh * 60 + om) * 60'000;
        break;
      }
      default: {
        if (!number(&v)) return false;
        switch (t.letter) {
          case 'd': day = v; break;
          case 'H': hour = v; break;
          case 'k': hour = v == 24 ? 0 : v; break;
          case 'h': hour12 = static_cast<int>(v % 12); break;
          case 'K': hour12 = static_cast<int>(v); break;
          case 'm': minute = v; break;
          case 's': second = v; break;
          case 'S': millis = v; break;
          case 'D': day = v, month = 1; break;
          default: break;  // u: the weekday follows from the date
        }
      }
    }
    t = next;
    have = have_next;
  }
  if (!reader.error().empty()) return false;
  if (hour12 >= 0) hour = hour12 + (pm ? 12 : 0);
  // Lenient like SimpleDateFormat: out-of-range fields roll over. Fields have
  // at most 9 digits, so only the final sums can leave the int64 range.
  int64_t days = FirstOfMonth(year, month) + (day - 1);
  int64_t day_ms = 0, result = 0;
  const int64_t within_day = ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset_ms;
  if (__builtin_mul_overflow(days, kMillisPerDay, &day_ms) || __builtin_add_overflow(day_ms, within_day, &result)) {
    return false;
  }
  *ms = result;
  return true;
}

namespace {

void CastToString(const Column& a, Column* out, const Batch& b) {
  CopyValidity(a, out, b);
  char buf[64];
  StringRef* o = out->data<StringRef>();
  switch (a.type()) {
    case DataType::kString: break;
    case DataType::kInt64:
    case DataType::kInt32:
    case DataType::kDouble: {
      DispatchFixed(a.type(), [&](auto tag) {
        using T = decltype(tag);
        const T* x = a.data<T>();
        ForActive(b, [&](int i) {
          auto r = fmt::format_to_n(buf, sizeof(buf), "{}", x[i]);
          o[i] = out->AppendToArena(std::string_view(buf, r.size));
        });
      });
      break;
    }
    case DataType::kBool: {
      const uint8_t* x = a.data<uint8_t>();
      ForActive(b, [&](int i) { o[i] = out->AppendToArena(x[i] ? "true" : "false"); });
      break;
    }
    case DataType::kTimestamp: {
      const int64_t* x = a.data<int64_t>();
      ForActive(b, [&](int i) { o[i] = out->AppendToArena(Value::Timestamp(x[i]).ToString()); });
      break;
    }
    case DataType::kDate: {
      const int32_t* x = a.data<int32_t>();
      ForActive(b, [&](int i) { o[i] = out->AppendToArena(Value::Date(x[i]).ToString()); });
      break;
    }
  }
}

template <typename To>
void CastFromString(const Column& a, Column* out, const Batch& b) {
  CopyValidity(a, out, b);
  To* o = out->data<To>();
  ForActive(b, [&](int i) {
    if (a.IsNull(i)) return;
    std::string_view s = a.GetString(i);
    bool ok;
    if (out->type() == DataType::kTimestamp) {
      int64_t v = 0;
      ok = ParseTimestamp(s, &v);
      o[i] = static_cast<To>(v);
    } else if (out->type() == DataType::kDate) {
      // 'yyyy-MM-dd' (a timestamp's text gives its day, as a DATE cast of it).
      int64_t v = 0;
      s = Trim(s);
      ok = s.size() >= 10 && s.find('-', 1) != std::string_view::npos && ParseTimestamp(s, &v);
      o[i] = static_cast<To>(FloorDiv(v, kMillisPerDay));
    } else if (out->type() == DataType::kBool) {
      s = Trim(s);
      ok = s == "true" || s == "TRUE" || s == "false" || s == "FALSE";
      o[i] = static_cast<To>(s == "true" || s == "TRUE");
    } else {
      To v{};
      ok = ParseNumber(s, &v);
      o[i] = v;
    }
    if (!ok) out->SetNull(i);
  });
}

template <typename From, typename To>
void CastFixed(const Column& a, Column* out, const Batch& b) {
  CopyValidity(a, out, b);
  const From* x = a.data<From>();
  To* o = out->data<To>();
  if constexpr (std::is_same_v<To, uint8_t>) {
    ForActive(b, [&](int i) { o[i] = x[i] != 0; });
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    constexpr double kLo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double kHi = -kLo;  // 2^(bits-1), exactly representable
    ForActive(b, [&](int i) {
      double v = std::trunc(x[i]);
      if (!(v >= kLo && v < kHi)) {  // NaN, infinities and out-of-range give NULL
        o[i] = 0;
        out->SetNull(i);
      } else {
        o[i] = static_cast<To>(v);
      }
    });
  } else {
    ForActive(b, [&](int i) { o[i] = static_cast<To>(x[i]); });
  }
}

void CastKernel(const Column& a, Column* out, const Batch& b) {
  if (out->type() == DataType::kString) return CastToString(a, out, b);
  if (a.type() == DataType::kDate && out->type() == DataType::kTimestamp) {
    CopyValidity(a, out, b);
    const int32_t* x = a.data<int32_t>();
    int64_t* o = out->data<int64_t>();
    ForActive(b, [&](int i) { o[i] = static_cast<int64_t>(x[i]) * kMillisPerDay; });  // midnight
    return;
  }
  if (a.type() == DataType::kTimestamp && out->type() == DataType::kDate) {
    CopyValidity(a, out, b);
    const int64_t* x = a.data<int64_t>();
    int32_t* o = out->data<int32_t>();
    ForActive(b, [&](int i) { o[i] = static_cast<int32_t>(FloorDiv(x[i], kMillisPerDay)); });
    return;
  }
  if (a.type() == DataType::kString) {
    DispatchFixed(out->type(), [&](auto to) { CastFromString<decltype(to)>(a, out, b); });
    return;
  }
  DispatchFixed(a.type(), [&](auto from) {
    DispatchFixed(out->type(), [&](auto to) { CastFixed<decltype(from), decltype(to)>(a, out, b); });
  });
}

void AndOrKernel(bool is_and, const Column& a, const Column& c, Column* out, const Batch& b) {
  const uint8_t* x = a.data<uint8_t>();
  const uint8_t* y = c.data<uint8_t>();
  uint8_t* o = out->data<uint8_t>();
  // Three-valued logic: a definite FALSE (AND) or TRUE (OR) on either side decides.
  const uint8_t decisive = is_and ? 0 : 1;
  ForActive(b, [&](int i) {
    bool va = a.IsValid(i), vc = c.IsValid(i);
    if ((va && x[i] == decisive) || (vc && y[i] == decisive)) {
      o[i] = decisive;
      out->SetValid(i);
    } else if (va && vc) {
      o[i] = !decisive;
      out->SetValid(i);
    } else {
      o[i] = 0;
      out->SetNull(i);
    }
  });
}

// Byte offset of the `cp`-th code point (0-based) of UTF-8 `s`, or s.size().
size_t CodePointOffset(std::string_view s, int64_t cp) {
  size_t i = 0;
  while (i < s.size() && cp > 0) {
    ++i;
    while (i < s.size() && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) ++i;
    --cp;
  }
  return i;
}

int32_t CodePoints(std::string_view s) {
  int32_t n = 0;
  for (char ch : s) n += (static_cast<uint8_t>(ch) & 0xC0) != 0x80;
  return n;
}

// Copies row i of `from` into row i of `out` (same fixed type T, or strings).
template <typename T>
inline void TakeRow(const Column& from, Column* out, int i) {
  if constexpr (std::is_same_v<T, StringRef>) {
    out->data<StringRef>()[i] = out->AppendToArena(from.GetString(i));
  } else {
    out->data<T>()[i] = from.data<T>()[i];
  }
}

template <typename F>
void DispatchAll(DataType t, F&& f) {
  if (t == DataType::kString) {
    f(StringRef{});
  } else {
    DispatchFixed(t, f);
  }
}

// MD5 (RFC 1321) of `data` as 32 lowercase hex digits into `hex`. By hand
// rather than OpenSSL: EVP digests allocate a context per call, and this is
// called once per row.
void Md5Hex(std::string_view data, char hex[32]) {
  static const std::array<uint32_t, 64> kK = [] {
    std::array<uint32_t, 64> k{};
    for (int i = 0; i < 64; ++i) k[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    return k;
  }();
  static constexpr uint8_t kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                         5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                         4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                         6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  auto block = [&](const uint8_t* p) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
      m[i] = uint32_t{p[4 * i]} | uint32_t{p[4 * i + 1]} << 8 | uint32_t{p[4 * i + 2]} << 16 |
             uint32_t{p[4 * i + 3]} << 24;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      f += a + kK[i] + m[g];
      a = d;
      d = c;
      c = b;
      b += (f << kShift[i]) | (f >> (32 - kShift[i]));
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
  };
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t full = data.size() / 64 * 64;
  for (size_t at = 0; at < full; at += 64) block(bytes + at);
  // The tail, 0x80, zeros and the bit length (little-endian) in one or two blocks.
  uint8_t tail[128] = {};
  const size_t rest = data.size() - full;
  if (rest > 0) std::memcpy(tail, bytes + full, rest);
  tail[rest] = 0x80;
  const size_t tail_size = rest < 56 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
  block(tail);
  if (tail_size == 128) block(tail + 64);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    const auto byte = static_cast<uint8_t>(h[i / 4] >> (8 * (i % 4)));
    hex[2 * i] = kHex[byte >> 4];
    hex[2 * i + 1] = kHex[byte & 15];
  }
}

// Bytes of the UTF-8 code point starting at s[at].
size_t CodePointLength(std::string_view s, size_t at) {
  size_t n = 1;
  while (at + n < s.size() && (static_cast<uint8_t>(s[at + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// A view RE2 can take; an empty column arena may have no buffer, and RE2 reads
// a null data pointer in a match as "this group did not take part".
inline re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data() ? s.data() : "", s.size()); }

// Validity of a call that is NULL when any argument is.
void AllValidity(const Column* const* args, size_t nargs, Column* out, const Batch& b) {
  CopyValidity(*args[0], out, b);
  for (size_t k = 1; k < nargs; ++k) AndValidity(*out, *args[k], out, b);
}

// ROUND on an integer: HALF_UP (away from zero) at 10^-digits.
int64_t RoundHalfUp(int64_t x, int64_t digits) {
  if (digits >= 0) return x;
  if (digits <= -19) return 0;  // |x| < 0.5 * 10^19
  int64_t p = 1;
  for (int64_t k = 0; k < -digits; ++k) p *= 10;
  int64_t q = x / p, r = x % p;
  if ((r < 0 ? -r : r) * 2 >= p) q += x < 0 ? -1 : 1;
  return static_cast<int64_t>(static_cast<uint64_t>(q) * static_cast<uint64_t>(p));
}

// ROUND on a double as Flink does it: on the shortest decimal that prints the
// double (BigDecimal.valueOf), HALF_UP, so ROUND(2.675, 2) is 2.68 although
// the binary value is a little below 2.675.
double RoundHalfUp(double v, int64_t digits) {
  if (!std::isfinite(v) || v == 0) return v;
  // A double has at most 17 significant digits within 10^-324..10^309.
  constexpr int64_t kDigitsBound = 400;
  if (digits > kDigitsBound) return v;
  if (digits < -kDigitsBound) return 0.0;
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string_view text(buf, r.ptr - buf);  // "d.ddde+XX" or "de+XX"
  size_t e = text.find('e');
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+'), text.data() + text.size(), exponent);
  char mantissa[24];
  size_t ndigits = 0;
  for (size_t k = 0; k < e; ++k) {
    if (text[k] != '.') mantissa[ndigits++] = text[k];
  }
  // The value is 0.mantissa * 10^(exponent + 1); keep this many leading digits:
  const int64_t keep = exponent + 1 + digits;
  if (keep >= static_cast<int64_t>(ndigits)) return v;
  if (keep < 0) return 0.0;
  uint64_t m = 0;
  for (int64_t k = 0; k < keep; ++k) m = m * 10 + static_cast<uint64_t>(mantissa[k] - '0');
  if (mantissa[keep] >= '5') ++m;
  if (m == 0) return 0.0;
  auto w = fmt::format_to_n(buf, sizeof(buf) - 1, "{}e{}", m, -digits);
  double out = 0;
  std::from_chars(buf, buf + w.size, out);
  return v < 0 ? -out : out;
}

const Column* Eval(BoundNode& n, const Batch& b) {
  switch (n.kind) {
    case ExprKind::kColumn: return &b.column(n.column);
    case ExprKind::kLiteral: return n.out.get();
    case ExprKind::kCast: {
      const Column* a = Eval(*n.args[0], b);
      n.out->Reset();
      CastKernel(*a, n.out.get(), b);
      return n.out.get();
    }
    case ExprKind::kCase:
    case ExprKind::kCall: break;
  }
  Column* out = n.out.get();
  out->Reset();
  // Arguments: at most a handful; evaluated first into their own columns.
  const Column* args[64];
  const size_t nargs = std::min<size_t>(n.args.size(), 64);
  for (size_t i = 0; i < nargs; ++i) args[i] = Eval(*n.args[i], b);

  if (n.kind == ExprKind::kCase) {
    const size_t branches = nargs / 2;
    const Column* otherwise = args[nargs - 1];
    DispatchAll(n.type, [&](auto tag) {
      using T = decltype(tag);
      ForActive(b, [&](int i) {
        const Column* pick = otherwise;
        for (size_t k = 0; k < branches; ++k) {
          const Column* cond = args[2 * k];
          if (cond->IsValid(i) && cond->data<uint8_t>()[i]) {
            pick = args[2 * k + 1];
            break;
          }
        }
        out->SetValidity(i, pick->IsValid(i));
        if (pick->IsValid(i)) TakeRow<T>(*pick, out, i);
      });
    });
    return out;
  }

  switch (n.fn) {
    case Fn::kAdd:
    case Fn::kSub:
    case Fn::kMul:
    case Fn::kDiv:
    case Fn::kMod:
      if (args[0]->type() == DataType::kDouble) {
        ArithKernel<double>(n.fn, *args[0], *args[1], out, b);
      } else if (args[0]->type() == DataType::kInt32) {
        ArithKernel<int32_t>(n.fn, *args[0], *args[1], out, b);
      } else {
        ArithKernel<int64_t>(n.fn, *args[0], *args[1], out, b);
      }
      break;
    case Fn::kNeg:
      CopyValidity(*args[0], out, b);
      DispatchFixed(n.type, [&](auto tag) {
        using T = decltype(tag);
        const T* x = args[0]->data<T>();
        T* o = out->data<T>();
        if constexpr (std::is_integral_v<T>) {
          using U = std::make_unsigned_t<T>;
          ForActive(b, [&](int i) { o[i] = static_cast<T>(U{0} - static_cast<U>(x[i])); });
        } else {
          ForActive(b, [&](int i) { o[i] = -x[i]; });
        }
      });
      break;
    case Fn::kEq:
    case Fn::kNe:
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe:
      if (args[0]->type() == DataType::kString) {
        CompareKernel<std::string_view>(n.fn, *args[0], *args[1], out, b);
      } else {
        DispatchFixed(args[0]->type(),
                      [&](auto tag) { CompareKernel<decltype(tag)>(n.fn, *args[0], *args[1], out, b); });
      }
      break;
    case Fn::kAnd:
    case Fn::kOr: AndOrKernel(n.fn == Fn::kAnd, *args[0], *args[1], out, b); break;
    case Fn::kNot: {
      CopyValidity(*args[0], out, b);
      const uint8_t* x = args[0]->data<uint8_t>();
      uint8_t* o = out->data<uint8_t>();
      ForActive(b, [&](int i) { o[i] = !x[i]; });
      break;
    }
    case Fn::kIsNull:
    case Fn::kIsNotNull: {
      out->SetAllValid();
      uint8_t* o = out->data<uint8_t>();
      const Column* a = args[0];
      const uint8_t want_valid = n.fn == Fn::kIsNotNull;
      ForActive(b, [&](int i) { o[i] = a->IsValid(i) == want_valid; });
      break;
    }
    case Fn::kCoalesce:
      DispatchAll(n.type, [&](auto tag) {
        using T = decltype(tag);
        ForActive(b, [&](int i) {
          for (size_t k = 0; k < nargs; ++k) {
            if (args[k]->IsValid(i)) {
              out->SetValid(i);
              TakeRow<T>(*args[k], out, i);
              return;
            }
          }
          out->SetNull(i);
        });
      });
      break;
    case Fn::kReverse: {
      CopyValidity(*args[0], out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (args[0]->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i);
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        char* dst = out->ExtendArena(s.size()) + s.size();
        // Whole UTF-8 sequences, last first.
        for (size_t k = 0; k < s.size();) {
          size_t len = 1;
          while (k + len < s.size() && (static_cast<unsigned char>(s[k + len]) & 0xC0) == 0x80) ++len;
          dst -= len;
          std::memcpy(dst, s.data() + k, len);
          k += len;
        }
        o[i] = StringRef{at, static_cast<uint32_t>(s.size())};
      });
      break;
    }
    case Fn::kAscii:
    case Fn::kHashCode: {
      CopyValidity(*args[0], out, b);
      int32_t* o = out->data<int32_t>();
      const bool ascii = n.fn == Fn::kAscii;
      ForActive(b, [&](int i) {
        if (args[0]->IsNull(i)) return;
        // Java strings are UTF-16: hash (and charAt) over code units.
        uint32_t h = 0;
        int32_t first = 0;
        bool seen = false;
        ForEachUtf16Unit(args[0]->GetString(i), [&](uint16_t u) {
          if (!seen) first = u;
          seen = true;
          h = 31 * h + u;
        });
        o[i] = ascii ? first : static_cast<int32_t>(h);
      });
      break;
    }
    case Fn::kChr: {
      CopyValidity(*args[0], out, b);
      const int64_t* x = args[0]->data<int64_t>();
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (args[0]->IsNull(i)) return;
        int64_t c = x[i];
        if (c < 0) {
          out->SetNull(i);
          return;
        }
        if (c > 255) c %= 255;
        char buf[2];
        size_t len = 1;
        if (c < 0x80) {
          buf[0] = static_cast<char>(c);
        } else {
          buf[0] = static_cast<char>(0xC0 | (c >> 6));
          buf[1] = static_cast<char>(0x80 | (c & 0x3F));
          len = 2;
        }
        o[i] = out->AppendToArena(std::string_view(buf, len));
      });
      break;
    }
    case Fn::kUuid: {
      out->SetAllValid();
      StringRef* o = out->data<StringRef>();
      std::mt19937_64& rng = *n.rng;
      ForActive(b, [&](int i) {
        uint64_t hi = rng(), lo = rng();
        hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
        lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // IETF variant
        char text[36];
        fmt::format_to_n(text, sizeof(text), "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                         hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
        o[i] = out->AppendToArena(std::string_view(text, sizeof(text)));
      });
      break;
    }
    case Fn::kRand: {
      out->SetAllValid();
      double* o = out->data<double>();
      std::mt19937_64& rng = *n.rng;
      ForActive(b, [&](int i) { o[i] = static_cast<double>(rng() >> 11) * 0x1.0p-53; });
      break;
    }
    case Fn::kRandInteger: {
      const size_t bound_arg = nargs - 1;
      CopyValidity(*args[bound_arg], out, b);
      const int64_t* bound = args[bound_arg]->data<int64_t>();
      int32_t* o = out->data<int32_t>();
      std::mt19937_64& rng = *n.rng;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        if (bound[i] <= 0 || bound[i] > std::numeric_limits<int32_t>::max()) {
          out->SetNull(i);
          return;
        }
        o[i] = static_cast<int32_t>(rng() % static_cast<uint64_t>(bound[i]));
      });
      break;
    }
    case Fn::kUpper:
    case Fn::kLower: {
      CopyValidity(*args[0], out, b);
      const bool upper = n.fn == Fn::kUpper;
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (args[0]->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i);
        uint32_t at = static_cast<uint32_t>(out->arena_size());
        char* dst = out->ExtendArena(s.size());
        for (size_t k = 0; k < s.size(); ++k) {
          char ch = s[k];
          if (upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
          if (!upper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
          dst[k] = ch;
        }
        o[i] = StringRef{at, static_cast<uint32_t>(s.size())};
      });
      break;
    }
    case Fn::kSubstring: {
      if (nargs == 3) {
        AndValidity(*args[0], *args[1], out, b);
        AndValidity(*out, *args[2], out, b);
      } else {
        AndValidity(*args[0], *args[1], out, b);
      }
      StringRef* o = out->data<StringRef>();
      const int64_t* start = args[1]->data<int64_t>();
      const int64_t* len = nargs == 3 ? args[2]->data<int64_t>() : nullptr;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        if (len && len[i] < 0) {
          out->SetNull(i);
          return;
        }
        // SQL: characters [start, start + len) counted from 1, clipped to the string.
        std::string_view s = args[0]->GetString(i);
        int64_t from = start[i];
        int64_t to = len ? from + len[i] : std::numeric_limits<int64_t>::max();
        from = std::max<int64_t>(from, 1);
        if (to <= from) {
          o[i] = StringRef{};
          return;
        }
        size_t bf = CodePointOffset(s, from - 1);
        size_t bt = to == std::numeric_limits<int64_t>::max() ? s.size() : CodePointOffset(s, to - 1);
        o[i] = out->AppendToArena(s.substr(bf, bt - bf));
      });
      break;
    }
    case Fn::kConcat: {
      CopyValidity(*args[0], out, b);
      for (size_t k = 1; k < nargs; ++k) AndValidity(*out, *args[k], out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        uint32_t at = static_cast<uint32_t>(out->arena_size());
        for (size_t k = 0; k < nargs; ++k) out->AppendToArena(args[k]->GetString(i));
        o[i] = StringRef{at, static_cast<uint32_t>(out->arena_size() - at)};
      });
      break;
    }
    case Fn::kCharLength: {
      CopyValidity(*args[0], out, b);
      int32_t* o = out->data<int32_t>();
      ForActive(b, [&](int i) { o[i] = args[0]->IsValid(i) ? CodePoints(args[0]->GetString(i)) : 0; });
      break;
    }
    case Fn::kFloorTime:
    case Fn::kCeilTime: {
      CopyValidity(*args[0], out, b);
      const int64_t* x = args[0]->data<int64_t>();
      int64_t* o = out->data<int64_t>();
      const int64_t unit = TimeUnitMillis(n.unit);
      if (n.fn == Fn::kFloorTime && unit != 0 && n.unit != TimeUnit::kWeek) {
        ForActive(b, [&](int i) { o[i] = FloorDiv(x[i], unit) * unit; });
      } else if (n.fn == Fn::kFloorTime) {
        ForActive(b, [&](int i) { o[i] = FloorTimestamp(x[i], n.unit); });
      } else {
        ForActive(b, [&](int i) { o[i] = CeilTimestamp(x[i], n.unit); });
      }
      break;
    }
    case Fn::kLike: {
      AllValidity(args, nargs, out, b);
      uint8_t* o = out->data<uint8_t>();
      RegexCache& rc = *n.regex;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        if (!rc.Get(args[1]->GetString(i), nargs == 3 ? args[2]->GetString(i) : std::string_view())) {
          out->SetNull(i);
          return;
        }
        o[i] = rc.LikeMatches(args[0]->GetString(i));
      });
      break;
    }
    case Fn::kTrim: {
      AllValidity(args, nargs, out, b);
      StringRef* o = out->data<StringRef>();
      const bool left = n.trim_side != TrimSide::kTrailing, right = n.trim_side != TrimSide::kLeading;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i), chars = args[1]->GetString(i);
        size_t from = 0, to = s.size();
        while (left && from < to) {
          size_t len = CodePointLength(s, from);
          if (chars.find(s.substr(from, len)) == std::string_view::npos) break;
          from += len;
        }
        while (right && to > from) {
          size_t start = to - 1;
          while (start > from && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
          if (chars.find(s.substr(start, to - start)) == std::string_view::npos) break;
          to = start;
        }
        o[i] = out->AppendToArena(s.substr(from, to - from));
      });
      break;
    }
    case Fn::kPosition: {
      AllValidity(args, nargs, out, b);
      int32_t* o = out->data<int32_t>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view hay = args[1]->GetString(i);
        size_t at = hay.find(args[0]->GetString(i));
        o[i] = at == std::string_view::npos ? 0 : CodePoints(hay.substr(0, at)) + 1;
      });
      break;
    }
    case Fn::kReplace: {
      AllValidity(args, nargs, out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i), from = args[1]->GetString(i), to = args[2]->GetString(i);
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        if (from.empty()) {
          // Java's String.replace: the replacement goes between every character.
          out->AppendToArena(to);
          for (size_t k = 0; k < s.size();) {
            size_t len = CodePointLength(s, k);
            out->AppendToArena(s.substr(k, len));
            out->AppendToArena(to);
            k += len;
          }
        } else {
          size_t k = 0;
          for (size_t hit; (hit = s.find(from, k)) != std::string_view::npos; k = hit + from.size()) {
            out->AppendToArena(s.substr(k, hit - k));
            out->AppendToArena(to);
          }
          out->AppendToArena(s.substr(k));
        }
        o[i] = StringRef{at, static_cast<uint32_t>(out->arena_size() - at)};
      });
      break;
    }
    case Fn::kLpad:
    case Fn::kRpad: {
      AllValidity(args, nargs, out, b);
      StringRef* o = out->data<StringRef>();
      const int64_t* len = args[1]->data<int64_t>();
      const bool left = n.fn == Fn::kLpad;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i), pad = args[2]->GetString(i);
        if (len[i] < 0 || pad.empty()) {
          out->SetNull(i);
          return;
        }
        const int64_t keep = std::min<int64_t>(CodePoints(s), len[i]);
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        auto append_pad = [&](int64_t cps) {
          for (size_t k = 0; cps > 0; --cps) {
            size_t l = CodePointLength(pad, k);
            out->AppendToArena(pad.substr(k, l));
            k += l;
            if (k >= pad.size()) k = 0;
          }
        };
        if (left) append_pad(len[i] - keep);
        out->AppendToArena(s.substr(0, CodePointOffset(s, keep)));
        if (!left) append_pad(len[i] - keep);
        o[i] = StringRef{at, static_cast<uint32_t>(out->arena_size() - at)};
      });
      break;
    }
    case Fn::kInitcap: {
      CopyValidity(*args[0], out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i);
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        char* dst = out->ExtendArena(s.size());
        bool start = true;  // Calcite's rule: a word is a run of [A-Za-z0-9]
        for (size_t k = 0; k < s.size(); ++k) {
          char c = s[k];
          const bool digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
          if (start) {
            if (lower) c = static_cast<char>(c - 'a' + 'A');
            start = !(digit || upper || lower);
          } else if (upper) {
            c = static_cast<char>(c - 'A' + 'a');
          } else if (!digit && !lower) {
            start = true;
          }
          dst[k] = c;
        }
        o[i] = StringRef{at, static_cast<uint32_t>(s.size())};
      });
      break;
    }
    case Fn::kMd5: {
      CopyValidity(*args[0], out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        Md5Hex(args[0]->GetString(i), out->ExtendArena(32));
        o[i] = StringRef{at, 32};
      });
      break;
    }
    case Fn::kJsonValue:
    case Fn::kJsonQuery:
    case Fn::kJsonExists:
    case Fn::kJsonOutcome: {
      AllValidity(args, n.fn == Fn::kJsonOutcome ? 2 : nargs, out, b);
      JsonPathEvaluator& json = *n.json;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string error;
        if (!json.SetPath(args[1]->GetString(i), &error)) {
          // A path from a column that is not a path: the ON ERROR case.
          if (n.fn == Fn::kJsonOutcome) {
            out->data<int32_t>()[i] = 2;
          } else if (n.fn == Fn::kJsonExists) {
            out->data<uint8_t>()[i] = 0;
          } else {
            out->SetNull(i);
          }
          return;
        }
        const std::string_view doc = args[0]->GetString(i);
        switch (n.fn) {
          case Fn::kJsonExists: out->data<uint8_t>()[i] = json.Exists(doc) == JsonOutcome::kValue; break;
          case Fn::kJsonOutcome: {
            const int32_t mode = args[2]->IsValid(i) ? args[2]->data<int32_t>()[i] : 0;
            const JsonOutcome r = mode == 2   ? json.Exists(doc)
                                  : mode == 1 ? json.Query(doc, &n.scratch)
                                              : json.Value(doc, &n.scratch);
            out->data<int32_t>()[i] = r == JsonOutcome::kValue ? 0 : r == JsonOutcome::kEmpty ? 1 : 2;
            break;
          }
          default: {
            const JsonOutcome r = n.fn == Fn::kJsonValue ? json.Value(doc, &n.scratch) : json.Query(doc, &n.scratch);
            if (r == JsonOutcome::kValue) {
              out->data<StringRef>()[i] = out->AppendToArena(n.scratch);
            } else {
              out->SetNull(i);
            }
          }
        }
      });
      break;
    }
    case Fn::kConcatWs: {
      CopyValidity(*args[0], out, b);
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        bool first = true;
        for (size_t k = 1; k < nargs; ++k) {
          if (args[k]->IsNull(i)) continue;
          if (!first) out->AppendToArena(args[0]->GetString(i));
          out->AppendToArena(args[k]->GetString(i));
          first = false;
        }
        o[i] = StringRef{at, static_cast<uint32_t>(out->arena_size() - at)};
      });
      break;
    }
    case Fn::kSplitIndex: {
      AllValidity(args, nargs, out, b);
      StringRef* o = out->data<StringRef>();
      const int64_t* index = args[2]->data<int64_t>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view s = args[0]->GetString(i), sep = args[1]->GetString(i);
        if (index[i] < 0 || s.empty()) {  // commons-lang splits "" into no tokens
          out->SetNull(i);
          return;
        }
        // An empty separator splits on whitespace, as commons-lang's
        // splitByWholeSeparatorPreserveAllTokens; empty tokens count.
        auto next_sep = [&](size_t from, size_t* len) {
          if (!sep.empty()) {
            *len = sep.size();
            return s.find(sep, from);
          }
          *len = 1;
          for (size_t k = from; k < s.size(); ++k) {
            const auto c = static_cast<uint8_t>(s[k]);
            if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)) return k;
          }
          return std::string_view::npos;
        };
        size_t start = 0, len = 0;
        for (int64_t k = 0;; ++k) {
          size_t hit = next_sep(start, &len);
          if (k == index[i]) {
            o[i] = out->AppendToArena(s.substr(start, hit == std::string_view::npos ? s.npos : hit - start));
            return;
          }
          if (hit == std::string_view::npos) break;
          start = hit + len;
        }
        out->SetNull(i);
      });
      break;
    }
    case Fn::kRegexp:
    case Fn::kRegexpExtract:
    case Fn::kRegexpReplace: {
      AllValidity(args, nargs, out, b);
      RegexCache& rc = *n.regex;
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        std::string_view pattern = args[1]->GetString(i);
        const RE2* re = rc.Get(pattern) ? rc.re.get() : nullptr;
        const re2::StringPiece s = Piece(args[0]->GetString(i));
        if (n.fn == Fn::kRegexp) {
          // Flink: an empty or broken regex is FALSE, not NULL.
          out->data<uint8_t>()[i] = re && !pattern.empty() && RE2::PartialMatch(s, *re);
          return;
        }
        if (!re) {
          out->SetNull(i);
          return;
        }
        if (n.fn == Fn::kRegexpExtract) {
          const int64_t group = nargs == 3 ? args[2]->data<int64_t>()[i] : 0;
          if (group < 0 || group >= static_cast<int64_t>(rc.groups.size()) ||
              !re->Match(s, 0, s.size(), RE2::UNANCHORED, rc.groups.data(), static_cast<int>(group) + 1) ||
              rc.groups[group].data() == nullptr) {
            out->SetNull(i);  // no match, no such group, or the group did not take part
            return;
          }
          const re2::StringPiece& g = rc.groups[group];
          out->data<StringRef>()[i] = out->AppendToArena(std::string_view(g.data(), g.size()));
          return;
        }
        // REGEXP_REPLACE: the replacement is literal (Flink quotes it), and
        // after an empty match the search moves on by one character, as Java.
        std::string_view replacement = args[2]->GetString(i);
        const uint32_t at = static_cast<uint32_t>(out->arena_size());
        size_t search = 0, copied = 0;
        re2::StringPiece m;
        while (search <= s.size() && re->Match(s, search, s.size(), RE2::UNANCHORED, &m, 1)) {
          const size_t ms = static_cast<size_t>(m.data() - s.data()), me = ms + m.size();
          out->AppendToArena(std::string_view(s.data() + copied, ms - copied));
          out->AppendToArena(replacement);
          copied = me;
          if (me > ms) {
            search = me;
          } else if (me >= s.size()) {
            break;
          } else {
            search = me + CodePointLength(std::string_view(s.data(), s.size()), me);  // Java steps one character
          }
        }
        out->AppendToArena(std::string_view(s.data() + copied, s.size() - copied));
        out->data<StringRef>()[i] = StringRef{at, static_cast<uint32_t>(out->arena_size() - at)};
      });
      break;
    }
    case Fn::kNullIf:
      DispatchAll(n.type, [&](auto tag) {
        using T = decltype(tag);
        ForActive(b, [&](int i) {
          bool same;
          if constexpr (std::is_same_v<T, StringRef>) {
            same = args[1]->IsValid(i) && args[0]->GetString(i) == args[1]->GetString(i);
          } else {
            same = args[1]->IsValid(i) && args[0]->data<T>()[i] == args[1]->data<T>()[i];
          }
          const bool valid = args[0]->IsValid(i) && !same;
          out->SetValidity(i, valid);
          if (valid) TakeRow<T>(*args[0], out, i);
        });
      });
      break;
    case Fn::kGreatest:
    case Fn::kLeast: {
      AllValidity(args, nargs, out, b);
      const bool greatest = n.fn == Fn::kGreatest;
      DispatchAll(n.type, [&](auto tag) {
        using T = decltype(tag);
        ForActive(b, [&](int i) {
          if (out->IsNull(i)) return;
          size_t best = 0;
          for (size_t k = 1; k < nargs; ++k) {
            bool less;
            if constexpr (std::is_same_v<T, StringRef>) {
              less = args[best]->GetString(i) < args[k]->GetString(i);
            } else {
              less = args[best]->data<T>()[i] < args[k]->data<T>()[i];
            }
            if (less == greatest) best = k;
          }
          TakeRow<T>(*args[best], out, i);
        });
      });
      break;
    }
    case Fn::kRound: {
      AndValidity(*args[0], *args[1], out, b);
      const int64_t* digits = args[1]->data<int64_t>();
      DispatchFixed(n.type, [&](auto tag) {
        using T = decltype(tag);
        const T* x = args[0]->data<T>();
        T* o = out->data<T>();
        if constexpr (std::is_floating_point_v<T>) {
          ForActive(b, [&](int i) { o[i] = RoundHalfUp(x[i], digits[i]); });
        } else {
          ForActive(b, [&](int i) { o[i] = static_cast<T>(RoundHalfUp(static_cast<int64_t>(x[i]), digits[i])); });
        }
      });
      break;
    }
    case Fn::kFloor:
    case Fn::kCeil:
      CopyValidity(*args[0], out, b);
      DispatchFixed(n.type, [&](auto tag) {
        using T = decltype(tag);
        const T* x = args[0]->data<T>();
        T* o = out->data<T>();
        if constexpr (std::is_floating_point_v<T>) {
          if (n.fn == Fn::kFloor) {
            ForActive(b, [&](int i) { o[i] = std::floor(x[i]); });
          } else {
            ForActive(b, [&](int i) { o[i] = std::ceil(x[i]); });
          }
        } else {
          ForActive(b, [&](int i) { o[i] = x[i]; });
        }
      });
      break;
    case Fn::kPower: {
      AndValidity(*args[0], *args[1], out, b);
      const double* x = args[0]->data<double>();
      const double* y = args[1]->data<double>();
      double* o = out->data<double>();
      ForActive(b, [&](int i) { o[i] = std::pow(x[i], y[i]); });
      break;
    }
    case Fn::kSqrt:
    case Fn::kLn:
    case Fn::kLog10:
    case Fn::kLog2:
    case Fn::kExp: {
      CopyValidity(*args[0], out, b);
      const double* x = args[0]->data<double>();
      double* o = out->data<double>();
      auto loop = [&](auto f) { ForActive(b, [&](int i) { o[i] = f(x[i]); }); };
      switch (n.fn) {
        case Fn::kSqrt: loop([](double v) { return std::sqrt(v); }); break;
        case Fn::kLn: loop([](double v) { return std::log(v); }); break;
        case Fn::kLog10: loop([](double v) { return std::log10(v); }); break;
        case Fn::kLog2: loop([](double v) { return std::log2(v); }); break;
        default: loop([](double v) { return std::exp(v); }); break;
      }
      break;
    }
    case Fn::kDateFormat: {
      AllValidity(args, nargs, out, b);
      const int64_t* x = args[0]->data<int64_t>();
      StringRef* o = out->data<StringRef>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        n.scratch.clear();
        if (FormatTimestamp(x[i], args[1]->GetString(i), &n.scratch)) {
          o[i] = out->AppendToArena(n.scratch);
        } else {
          out->SetNull(i);
        }
      });
      break;
    }
    case Fn::kParseTime: {
      AllValidity(args, nargs, out, b);
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        if (!ParseTimestampFormat(args[0]->GetString(i), args[1]->GetString(i), &o[i])) out->SetNull(i);
      });
      break;
    }
    case Fn::kUnixTimestamp: {
      AllValidity(args, nargs, out, b);
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) {
        if (out->IsNull(i)) return;
        int64_t ms = 0;
        // Java's long division (toward zero), and Flink's sentinel for a string that does not parse.
        o[i] = ParseTimestampFormat(args[0]->GetString(i), args[1]->GetString(i), &ms)
                   ? ms / 1000
                   : std::numeric_limits<int64_t>::min();
      });
      break;
    }
    case Fn::kExtract: {
      CopyValidity(*args[0], out, b);
      const int64_t* x = args[0]->data<int64_t>();
      int64_t* o = out->data<int64_t>();
      const DatePart part = n.part;
      ForActive(b, [&](int i) {
        const Civil c = ToCivil(x[i]);
        switch (part) {
          case DatePart::kYear: o[i] = c.year; break;
          case DatePart::kQuarter: o[i] = (c.month - 1) / 3 + 1; break;
          case DatePart::kMonth: o[i] = c.month; break;
          case DatePart::kWeek: o[i] = IsoWeek(c); break;
          case DatePart::kDay: o[i] = c.day; break;
          case DatePart::kHour: o[i] = c.hour; break;
          case DatePart::kMinute: o[i] = c.minute; break;
          case DatePart::kSecond: o[i] = c.second; break;
          case DatePart::kMillisecond: o[i] = c.millis; break;
          case DatePart::kMicrosecond: o[i] = c.millis * 1000; break;
          case DatePart::kNanosecond: o[i] = c.millis * 1'000'000; break;
          case DatePart::kEpoch: o[i] = x[i] / 1000; break;  // Java's division, toward zero
          case DatePart::kDecade: o[i] = c.year / 10; break;
          case DatePart::kCentury: o[i] = c.year > 0 ? (c.year + 99) / 100 : (c.year - 99) / 100; break;
          case DatePart::kMillennium: o[i] = c.year > 0 ? (c.year + 999) / 1000 : (c.year - 999) / 1000; break;
          case DatePart::kDayOfWeek: o[i] = IsoWeekday(c.days) % 7 + 1; break;
          case DatePart::kDayOfYear: o[i] = DayOfYear(c); break;
        }
      });
      break;
    }
    case Fn::kTimestampAdd: {
      AndValidity(*args[0], *args[1], out, b);
      const int64_t* count = args[0]->data<int64_t>();
      const int64_t* x = args[1]->data<int64_t>();
      int64_t* o = out->data<int64_t>();
      const int64_t unit = TimeUnitMillis(n.unit);
      // A result outside the int64 range is NULL rather than a wrapped time.
      constexpr int64_t kMaxMonths = int64_t{1} << 40;  // keeps AddMonths' year arithmetic in range
      if (unit != 0) {
        ForActive(b, [&](int i) {
          int64_t delta = 0;
          if (__builtin_mul_overflow(count[i], unit, &delta) || __builtin_add_overflow(x[i], delta, &o[i])) {
            out->SetNull(i);
          }
        });
      } else {
        const int64_t months = MonthsOf(n.unit);
        ForActive(b, [&](int i) {
          if (count[i] > kMaxMonths / months || count[i] < -kMaxMonths / months ||
              !AddMonths(x[i], count[i] * months, &o[i])) {
            out->SetNull(i);
          }
        });
      }
      break;
    }
    case Fn::kTimestampDiff: {
      AndValidity(*args[0], *args[1], out, b);
      const int64_t* from = args[0]->data<int64_t>();
      const int64_t* to = args[1]->data<int64_t>();
      int32_t* o = out->data<int32_t>();
      const int64_t unit = TimeUnitMillis(n.unit);
      if (unit != 0) {
        ForActive(b, [&](int i) {
          int64_t diff = 0;
          if (__builtin_sub_overflow(to[i], from[i], &diff)) {
            out->SetNull(i);
          } else {
            o[i] = static_cast<int32_t>(diff / unit);
          }
        });
      } else {
        const int months = MonthsOf(n.unit);
        ForActive(b, [&](int i) { o[i] = static_cast<int32_t>(SubtractMonths(to[i], from[i]) / months); });
      }
      break;
    }
    case Fn::kCurrentWatermark: {
      const int64_t wm = *n.watermark;
      if (wm == CompiledExpr::kNoWatermark) {
        out->SetAllNull();
        break;
      }
      out->SetAllValid();
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) { o[i] = wm; });
      break;
    }
    case Fn::kUdf:
      if (nargs > 0) {
        AllValidity(args, nargs, out, b);
      } else {
        out->SetAllValid();
      }
      n.udf->kernel(args, b, out);
      break;
    case Fn::kNowSeconds: {
      out->SetAllValid();
      const int64_t now =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) { o[i] = now; });
      break;
    }
    case Fn::kProcTime: {
      out->SetAllValid();
      const int64_t now = (n.clock ? n.clock : SystemClock::Default())->NowMillis();
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) { o[i] = now; });
      break;
    }
  }
  return out;
}

}  // namespace

CompiledExpr::~CompiledExpr() = default;

DataType CompiledExpr::type() const { return root_->type; }

const Column* CompiledExpr::Evaluate(const Batch& batch) { return Eval(*root_, batch); }

namespace {
void SetClockOf(BoundNode* n, const Clock* clock) {
  if (n->kind == ExprKind::kCall && n->fn == Fn::kProcTime) n->clock = clock;
  for (auto& a : n->args) SetClockOf(a.get(), clock);
}
}  // namespace

void CompiledExpr::SetClock(const Clock* clock) { SetClockOf(root_.get(), clock); }

bool CompiledExpr::IsColumnRef(int* index) const {
  if (root_->kind != ExprKind::kColumn) return false;
  *index = root_->column;
  return true;
}

Result<std::unique_ptr<CompiledExpr>> CompileExpr(const Expr& expr, const Schema& schema, int capacity) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, Bind(expr, schema, capacity));
  std::unique_ptr<CompiledExpr> c(new CompiledExpr());
  c->root_ = std::move(root);
  // CURRENT_WATERMARK nodes read the compiled expression's watermark.
  std::vector<BoundNode*> todo{c->root_.get()};
  while (!todo.empty()) {
    BoundNode* node = todo.back();
    todo.pop_back();
    if (node == nullptr) continue;
    if (node->kind == ExprKind::kCall && node->fn == Fn::kCurrentWatermark) {
      node->watermark = &c->watermark_;
      c->reads_watermark_ = true;
    }
    for (auto& a : node->args) todo.push_back(a.get());
  }
  return c;
}

Result<DataType> ExprType(const Expr& expr, const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, Bind(expr, schema, 1));
  return root->type;
}

}  // namespace sluice::engine
