#include "sql/expr_binder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

#include "sql/syntax_error.h"
#include "sql/unparser.h"

namespace sluice::sql {

namespace {

using engine::Call;
using engine::Fn;
using engine::Lit;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string FunctionName(const FunctionCallExpr& call) {
  return call.name.parts.empty() ? "" : Upper(call.name.parts.back().name);
}

constexpr const char* kSupportedFunctions =
    "UPPER, LOWER, SUBSTRING, SUBSTR, CONCAT, CONCAT_WS, CHAR_LENGTH, POSITION, REPLACE, LPAD, RPAD, INITCAP, LTRIM, "
    "RTRIM, SPLIT_INDEX, MD5, REGEXP, REGEXP_EXTRACT, REGEXP_REPLACE, COALESCE, NULLIF, GREATEST, LEAST, IF, ABS, MOD, "
    "ROUND, FLOOR, CEIL, CEILING, POWER, SQRT, LN, LOG, LOG10, LOG2, EXP, DATE_FORMAT, PROCTIME, UNIX_TIMESTAMP, "
    "IFNULL, INSTR, LOCATE, LEFT, RIGHT, SIGN, PI, E, TRUNCATE, NOW, CURRENT_TIMESTAMP, LOCALTIMESTAMP, "
    "JSON_VALUE, JSON_QUERY, JSON_EXISTS, REVERSE, ASCII, CHR, HASH_CODE, UUID, RAND, RAND_INTEGER, "
    "FROM_UNIXTIME, "
    "YEAR, QUARTER, MONTH, WEEK, DAYOFMONTH, DAYOFYEAR, DAYOFWEEK, HOUR, MINUTE, SECOND, TIMESTAMPADD, TIMESTAMPDIFF, "
    "TO_TIMESTAMP, TO_TIMESTAMP_LTZ, CURRENT_WATERMARK";

constexpr const char* kDefaultDateFormat = "yyyy-MM-dd HH:mm:ss";

// The engine's EXTRACT field for a SQL unit, if the engine reads it.
std::optional<engine::DatePart> ToDatePart(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kYear: return engine::DatePart::kYear;
    case TimeUnit::kQuarter: return engine::DatePart::kQuarter;
    case TimeUnit::kMonth: return engine::DatePart::kMonth;
    case TimeUnit::kWeek: return engine::DatePart::kWeek;
    case TimeUnit::kDay: return engine::DatePart::kDay;
    case TimeUnit::kHour: return engine::DatePart::kHour;
    case TimeUnit::kMinute: return engine::DatePart::kMinute;
    case TimeUnit::kSecond: return engine::DatePart::kSecond;
    case TimeUnit::kMillisecond: return engine::DatePart::kMillisecond;
    case TimeUnit::kDayOfWeek: return engine::DatePart::kDayOfWeek;
    case TimeUnit::kDayOfYear: return engine::DatePart::kDayOfYear;
    case TimeUnit::kMicrosecond: return engine::DatePart::kMicrosecond;
    case TimeUnit::kNanosecond: return engine::DatePart::kNanosecond;
    case TimeUnit::kEpoch: return engine::DatePart::kEpoch;
    case TimeUnit::kDecade: return engine::DatePart::kDecade;
    case TimeUnit::kCentury: return engine::DatePart::kCentury;
    case TimeUnit::kMillennium: return engine::DatePart::kMillennium;
    default: return std::nullopt;
  }
}

// The engine's unit for FLOOR/CEIL ... TO, TIMESTAMPADD and TIMESTAMPDIFF.
std::optional<engine::TimeUnit> ToEngineUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond: return engine::TimeUnit::kMillisecond;
    case TimeUnit::kSecond: return engine::TimeUnit::kSecond;
    case TimeUnit::kMinute: return engine::TimeUnit::kMinute;
    case TimeUnit::kHour: return engine::TimeUnit::kHour;
    case TimeUnit::kDay: return engine::TimeUnit::kDay;
    case TimeUnit::kWeek: return engine::TimeUnit::kWeek;
    case TimeUnit::kMonth: return engine::TimeUnit::kMonth;
    case TimeUnit::kQuarter: return engine::TimeUnit::kQuarter;
    case TimeUnit::kYear: return engine::TimeUnit::kYear;
    default: return std::nullopt;
  }
}

// TIMESTAMPADD(DAY, ...): the unit parses as a bare column named DAY.
std::optional<engine::TimeUnit> UnitArgument(const Expr& e) {
  if (e.kind != ExprKind::kColumnRef) return std::nullopt;
  const QualifiedName& name = e.As<ColumnRefExpr>().name;
  if (name.parts.size() != 1 || name.parts[0].quoting != Quoting::kBare) return std::nullopt;
  static const std::pair<const char*, engine::TimeUnit> kUnits[] = {
      {"SECOND", engine::TimeUnit::kSecond},   {"MINUTE", engine::TimeUnit::kMinute},
      {"HOUR", engine::TimeUnit::kHour},       {"DAY", engine::TimeUnit::kDay},
      {"WEEK", engine::TimeUnit::kWeek},       {"MONTH", engine::TimeUnit::kMonth},
      {"QUARTER", engine::TimeUnit::kQuarter}, {"YEAR", engine::TimeUnit::kYear}};
  std::string upper = Upper(name.parts[0].name);
  for (const auto& [text, unit] : kUnits) {
    if (upper == text) return unit;
  }
  return std::nullopt;
}

int64_t UnitMillis(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillisecond: return 1;
    case TimeUnit::kSecond: return 1000;
    case TimeUnit::kMinute: return 60'000;
    case TimeUnit::kHour: return 3'600'000;
    case TimeUnit::kDay: return 86'400'000;
    case TimeUnit::kWeek: return 7 * 86'400'000LL;
    default: return 0;
  }
}

}  // namespace

Result<engine::DataType> ToEngineType(const DataType& type, std::string_view source) {
  using engine::DataType;
  switch (type.kind) {
    case TypeKind::kBigInt: return DataType::kInt64;
    case TypeKind::kInt:
    case TypeKind::kSmallInt:
    case TypeKind::kTinyInt: return DataType::kInt32;
    case TypeKind::kDouble:
    case TypeKind::kFloat:
    case TypeKind::kDecimal: return DataType::kDouble;
    case TypeKind::kBoolean: return DataType::kBool;
    case TypeKind::kString:
    case TypeKind::kVarchar:
    case TypeKind::kChar: return DataType::kString;
    case TypeKind::kTimestamp:
    case TypeKind::kTimestampLtz: return DataType::kTimestamp;
    case TypeKind::kDate: return DataType::kDate;
    default: break;
  }
  return SyntaxError(source, type.pos,
                     fmt::format("type {} is not supported yet; use BIGINT, INT, DOUBLE, BOOLEAN, STRING, "
                                 "DATE, TIMESTAMP(3) or TIMESTAMP_LTZ(3)",
                                 Unparse(type)));
}

std::string SqlTypeName(engine::DataType type) {
  switch (type) {
    case engine::DataType::kInt64: return "BIGINT";
    case engine::DataType::kInt32: return "INT";
    case engine::DataType::kDouble: return "DOUBLE";
    case engine::DataType::kBool: return "BOOLEAN";
    case engine::DataType::kString: return "STRING";
    case engine::DataType::kTimestamp: return "TIMESTAMP(3)";
    case engine::DataType::kDate: return "DATE";
  }
  return "?";
}

engine::Expr ColRef(int index, std::string name) {
  engine::ExprNode n;
  n.kind = engine::ExprKind::kColumn;
  n.column_index = index;
  n.column_name = std::move(name);
  return engine::Expr(std::make_shared<const engine::ExprNode>(std::move(n)));
}

bool IsAggregateCall(const Expr& e) {
  if (e.kind != ExprKind::kFunctionCall) return false;
  const auto& call = e.As<FunctionCallExpr>();
  if (call.over) return false;
  std::string n = FunctionName(call);
  return n == "COUNT" || n == "SUM" || n == "AVG" || n == "MIN" || n == "MAX" || n == "FIRST_VALUE" ||
         n == "LAST_VALUE" || n == "VAR_POP" || n == "VAR_SAMP" || n == "VARIANCE" || n == "STDDEV_POP" ||
         n == "STDDEV_SAMP" || n == "STDDEV" || n == "LISTAGG";
}

void CollectAggregates(const Expr& e, std::vector<const FunctionCallExpr*>* out) {
  CollectCalls(e, IsAggregateCall, out);
}

void CollectCalls(const Expr& e, bool (*match)(const Expr&), std::vector<const FunctionCallExpr*>* out) {
  if (match(e)) {
    out->push_back(&e.As<FunctionCallExpr>());
    return;
  }
  auto visit = [&](const ExprPtr& p) {
    if (p) CollectCalls(*p, match, out);
  };
  switch (e.kind) {
    case ExprKind::kUnary: visit(e.As<UnaryExpr>().operand); break;
    case ExprKind::kBinary:
      visit(e.As<BinaryExpr>().left);
      visit(e.As<BinaryExpr>().right);
      break;
    case ExprKind::kIsPredicate: visit(e.As<IsPredicateExpr>().operand); break;
    case ExprKind::kIn:
      visit(e.As<InExpr>().operand);
      for (const auto& x : e.As<InExpr>().list) visit(x);
      break;
    case ExprKind::kBetween:
      visit(e.As<BetweenExpr>().operand);
      visit(e.As<BetweenExpr>().low);
      visit(e.As<BetweenExpr>().high);
      break;
    case ExprKind::kLike:
      visit(e.As<LikeExpr>().operand);
      visit(e.As<LikeExpr>().pattern);
      break;
    case ExprKind::kCase: {
      const auto& c = e.As<CaseExpr>();
      visit(c.operand);
      for (const auto& w : c.whens) {
        visit(w.condition);
        visit(w.result);
      }
      visit(c.else_result);
      break;
    }
    case ExprKind::kCast: visit(e.As<CastExpr>().operand); break;
    case ExprKind::kExtract: visit(e.As<ExtractExpr>().operand); break;
    case ExprKind::kTrim:
      visit(e.As<TrimExpr>().characters);
      visit(e.As<TrimExpr>().operand);
      break;
    case ExprKind::kFunctionCall:
      for (const auto& a : e.As<FunctionCallExpr>().args) visit(a);
      break;
    default: break;
  }
}

Result<int64_t> IntervalMillis(const Expr& e, std::string_view source) {
  if (e.kind != ExprKind::kLiteral || e.As<LiteralExpr>().literal_kind != LiteralKind::kInterval) {
    return SyntaxError(source, e.pos, "expected an INTERVAL literal such as INTERVAL '10' SECOND");
  }
  const auto& lit = e.As<LiteralExpr>();
  const int64_t unit = UnitMillis(lit.interval.start);
  const char* end = lit.text.data() + lit.text.size();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(lit.text.data(), end, v);
  // Seconds may have up to three decimals, as Flink's INTERVAL '0.001' SECOND.
  int64_t fraction = 0;
  if (ec == std::errc() && unit == 1000 && p != end && *p == '.') {
    const char* digits = ++p;
    for (int scale = 100; p != end && *p >= '0' && *p <= '9' && p - digits < 3; ++p, scale /= 10) {
      fraction += (*p - '0') * scale;
    }
    if (p == digits) p = digits - 1;  // "1." is not a number
  }
  if (unit == 0 || lit.interval.end || ec != std::errc() || p != end) {
    return SyntaxError(source, e.pos,
                       fmt::format("INTERVAL '{}' is not supported yet; write a whole number of "
                                   "SECONDs, MINUTEs, HOURs or DAYs, or seconds with up to three decimals, "
                                   "e.g. INTERVAL '90' SECOND or INTERVAL '0.5' SECOND",
                                   lit.text));
  }
  const int64_t ms = v * unit + fraction;
  return lit.interval_sign == Sign::kNegative ? -ms : ms;
}

Status ExprBinder::Error(SourcePos pos, std::string_view message) const { return SyntaxError(source_, pos, message); }

Result<engine::DataType> ExprBinder::TypeOf(const engine::Expr& expr, const Expr& at) {
  auto t = engine::ExprType(expr, scope_->schema);
  if (!t.ok()) return Error(at.pos, fmt::format("type error in {}: {}", Unparse(at), t.status().message()));
  return *t;
}

Result<engine::Expr> ExprBinder::Bind(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(engine::Expr out, BindInner(e));
  SLUICE_RETURN_IF_ERROR(TypeOf(out, e).status());
  return out;
}

Result<std::pair<engine::Expr, engine::DataType>> ExprBinder::BindTyped(const Expr& e) {
  SLUICE_ASSIGN_OR_RETURN(engine::Expr out, BindInner(e));
  SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(out, e));
  return std::make_pair(out, t);
}

Result<engine::Expr> ExprBinder::BindLiteral(const LiteralExpr& lit) {
  switch (lit.literal_kind) {
    case LiteralKind::kNull: return Lit(engine::Value::Null(engine::DataType::kInt32));
    case LiteralKind::kBoolean: return Lit(Upper(lit.text) == "TRUE");
    case LiteralKind::kInteger: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(lit.text.data(), lit.text.data() + lit.text.size(), v);
      if (ec != std::errc())
        return Error(lit.pos, fmt::format("integer literal {} is out of range for BIGINT", lit.text));
      if (v <= std::numeric_limits<int32_t>::max()) return Lit(static_cast<int>(v));
      return Lit(v);
    }
    case LiteralKind::kDecimal:
    case LiteralKind::kDouble: return Lit(std::strtod(lit.text.c_str(), nullptr));
    case LiteralKind::kString: return Lit(lit.text);
    case LiteralKind::kInterval: {
      SLUICE_ASSIGN_OR_RETURN(int64_t ms, IntervalMillis(lit, source_));
      return Lit(ms);
    }
    case LiteralKind::kTimestamp: {
      int64_t ms = 0;
      if (!engine::ParseTimestamp(lit.text, &ms)) {
        return Error(lit.pos, fmt::format("TIMESTAMP '{}' is not a valid timestamp; write 'yyyy-MM-dd HH:mm:ss[.SSS]'",
                                          lit.text));
      }
      return engine::LitTimestamp(ms);
    }
    case LiteralKind::kDate: {
      int32_t days = 0;
      if (!engine::ParseDate(lit.text, &days)) {
        return Error(lit.pos, fmt::format("DATE '{}' is not a valid date; write 'yyyy-MM-dd'", lit.text));
      }
      return Lit(engine::Value::Date(days));
    }
    default: break;
  }
  return Error(lit.pos, fmt::format("literal {} is not supported yet", Unparse(lit)));
}

Result<engine::Expr> ExprBinder::BindInner(const Expr& e) {
  if (decided_ != nullptr) {
    if (decided_->count(&e) != 0) return Lit(true);
    // `decided AND x` is x (keeps plans free of TRUE AND ...).
    if (e.kind == ExprKind::kBinary && e.As<BinaryExpr>().op == BinaryOp::kAnd) {
      const auto& b = e.As<BinaryExpr>();
      if (decided_->count(b.left.get()) != 0) return BindInner(*b.right);
      if (decided_->count(b.right.get()) != 0) return BindInner(*b.left);
    }
  }
  if (!substitutions_.empty()) {
    auto it = substitutions_.find(Unparse(e));
    if (it != substitutions_.end()) return it->second;
  }
  switch (e.kind) {
    case ExprKind::kLiteral: return BindLiteral(e.As<LiteralExpr>());
    case ExprKind::kColumnRef: {
      const QualifiedName& name = e.As<ColumnRefExpr>().name;
      if (name.parts.size() > 2) {
        return Error(e.pos, fmt::format("nested field access {} is not supported yet", Unparse(e)));
      }
      std::string qualifier = name.parts.size() == 2 ? name.parts[0].name : "";
      const std::string& col = name.parts.back().name;
      int found = -1;
      for (int i = 0; i < scope_->schema.size(); ++i) {
        if (scope_->schema.field(i).name != col) continue;
        if (!qualifier.empty() && scope_->qualifiers[i] != qualifier) continue;
        if (found >= 0) {
          return Error(e.pos, fmt::format("column {} is ambiguous; qualify it with its table name", col));
        }
        found = i;
      }
      if (found < 0) {
        if (mode_ == Mode::kAfterAggregate) {
          return Error(e.pos, fmt::format("column {} is neither grouped nor aggregated; add it to GROUP BY or use it "
                                          "inside an aggregate such as MAX({})",
                                          Unparse(e), Unparse(e)));
        }
        std::string names;
        for (const auto& f : scope_->schema.fields()) {
          if (f.name.empty() || f.name[0] == '$') continue;
          names += names.empty() ? f.name : ", " + f.name;
        }
        return Error(e.pos, fmt::format("column {} not found; the input has columns: {}", Unparse(e), names));
      }
      return ColRef(found, scope_->schema.field(found).name);
    }
    case ExprKind::kStar: return Error(e.pos, "* is only allowed in the SELECT list and in COUNT(*)");
    case ExprKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      if (u.op == UnaryOp::kMinus && u.operand->kind == ExprKind::kLiteral &&
          u.operand->As<LiteralExpr>().literal_kind == LiteralKind::kInteger) {
        std::string text = "-" + u.operand->As<LiteralExpr>().text;
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc()) {
          if (v >= std::numeric_limits<int32_t>::min()) return Lit(static_cast<int>(v));
          return Lit(v);
        }
      }
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*u.operand));
      if (u.op == UnaryOp::kMinus) return -x;
      if (u.op == UnaryOp::kNot) return !x;
      return x;
    }
    case ExprKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      SLUICE_ASSIGN_OR_RETURN(engine::Expr l, BindInner(*b.left));
      SLUICE_ASSIGN_OR_RETURN(engine::Expr r, BindInner(*b.right));
      if ((b.op == BinaryOp::kPlus || b.op == BinaryOp::kMinus) && b.right->kind == ExprKind::kLiteral &&
          b.right->As<LiteralExpr>().literal_kind == LiteralKind::kInterval) {
        // DATE +/- INTERVAL: a DATE again (the day of midnight moved), as Flink.
        SLUICE_ASSIGN_OR_RETURN(engine::DataType lt, TypeOf(l, *b.left));
        if (lt == engine::DataType::kDate) {
          engine::Expr ts = engine::Cast(l, engine::DataType::kTimestamp);
          return engine::Cast(b.op == BinaryOp::kPlus ? ts + r : ts - r, engine::DataType::kDate);
        }
      }
      switch (b.op) {
        case BinaryOp::kOr: return l || r;
        case BinaryOp::kAnd: return l && r;
        case BinaryOp::kEq: return l == r;
        case BinaryOp::kNotEq: return l != r;
        case BinaryOp::kLt: return l < r;
        case BinaryOp::kLtEq: return l <= r;
        case BinaryOp::kGt: return l > r;
        case BinaryOp::kGtEq: return l >= r;
        case BinaryOp::kPlus: return l + r;
        case BinaryOp::kMinus: return l - r;
        case BinaryOp::kMultiply: return l * r;
        case BinaryOp::kDivide: return l / r;
        case BinaryOp::kModulo: return l % r;
        case BinaryOp::kConcat: return engine::Concat({l, r});
        case BinaryOp::kIsDistinctFrom:
        case BinaryOp::kIsNotDistinctFrom: {
          // a IS DISTINCT FROM b: NULL-safe inequality.
          engine::Expr both_null = engine::IsNull(l) && engine::IsNull(r);
          engine::Expr one_null = engine::IsNull(l) || engine::IsNull(r);
          engine::Expr same = engine::Case({{both_null, Lit(true)}, {one_null, Lit(false)}}, l == r);
          return b.op == BinaryOp::kIsNotDistinctFrom ? same : !same;
        }
      }
      break;
    }
    case ExprKind::kIsPredicate: {
      const auto& p = e.As<IsPredicateExpr>();
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*p.operand));
      engine::Expr r;
      switch (p.target) {
        case IsTarget::kNull:
        case IsTarget::kUnknown: r = engine::IsNull(x); break;
        case IsTarget::kTrue: r = engine::Coalesce({x, Lit(false)}); break;
        case IsTarget::kFalse: r = engine::Coalesce({!x, Lit(false)}); break;
      }
      return p.negation == Negation::kNot ? !r : r;
    }
    case ExprKind::kIn: {
      const auto& in = e.As<InExpr>();
      if (in.subquery) {
        return Error(e.pos,
                     "IN (SELECT ...) is only supported as a condition of a WHERE, AND-ed with the others (a "
                     "semi-join)");
      }
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*in.operand));
      engine::Expr any;
      for (const auto& item : in.list) {
        SLUICE_ASSIGN_OR_RETURN(engine::Expr v, BindInner(*item));
        any = any.valid() ? (any || (x == v)) : (x == v);
      }
      return in.negation == Negation::kNot ? !any : any;
    }
    case ExprKind::kBetween: {
      const auto& b = e.As<BetweenExpr>();
      if (b.symmetry == BetweenSymmetry::kSymmetric) return Error(e.pos, "BETWEEN SYMMETRIC is not supported yet");
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*b.operand));
      SLUICE_ASSIGN_OR_RETURN(engine::Expr lo, BindInner(*b.low));
      SLUICE_ASSIGN_OR_RETURN(engine::Expr hi, BindInner(*b.high));
      engine::Expr r = (x >= lo) && (x <= hi);
      return b.negation == Negation::kNot ? !r : r;
    }
    case ExprKind::kCase: {
      const auto& c = e.As<CaseExpr>();
      engine::Expr operand;
      if (c.operand) {
        SLUICE_ASSIGN_OR_RETURN(operand, BindInner(*c.operand));
      }
      std::vector<std::pair<engine::Expr, engine::Expr>> whens;
      for (const auto& w : c.whens) {
        SLUICE_ASSIGN_OR_RETURN(engine::Expr cond, BindInner(*w.condition));
        SLUICE_ASSIGN_OR_RETURN(engine::Expr res, BindInner(*w.result));
        whens.emplace_back(operand.valid() ? (operand == cond) : cond, res);
      }
      engine::Expr otherwise;
      if (c.else_result) {
        SLUICE_ASSIGN_OR_RETURN(otherwise, BindInner(*c.else_result));
      }
      return engine::Case(std::move(whens), otherwise);
    }
    case ExprKind::kCast: {
      const auto& c = e.As<CastExpr>();
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*c.operand));
      SLUICE_ASSIGN_OR_RETURN(engine::DataType to, ToEngineType(c.type, source_));
      return engine::Cast(x, to);
    }
    case ExprKind::kFunctionCall: return BindCall(e.As<FunctionCallExpr>());
    case ExprKind::kLike: {
      const auto& l = e.As<LikeExpr>();
      if (l.like_kind == LikeKind::kSimilarTo) {
        return Error(e.pos, "SIMILAR TO is not supported yet; use LIKE or REGEXP(s, regex)");
      }
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*l.operand));
      SLUICE_ASSIGN_OR_RETURN(engine::Expr p, BindInner(*l.pattern));
      engine::Expr escape;
      if (l.escape) {
        SLUICE_ASSIGN_OR_RETURN(escape, BindInner(*l.escape));
      }
      engine::Expr r = engine::Like(x, p, escape);
      return l.negation == Negation::kNot ? !r : r;
    }
    case ExprKind::kTrim: {
      const auto& t = e.As<TrimExpr>();
      SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*t.operand));
      engine::Expr chars = Lit(" ");
      if (t.characters) {
        SLUICE_ASSIGN_OR_RETURN(chars, BindInner(*t.characters));
      }
      engine::TrimSide side = t.side == TrimSide::kBoth      ? engine::TrimSide::kBoth
                              : t.side == TrimSide::kLeading ? engine::TrimSide::kLeading
                                                             : engine::TrimSide::kTrailing;
      return engine::Trim(x, chars, side);
    }
    case ExprKind::kExtract: {
      const auto& x = e.As<ExtractExpr>();
      std::optional<engine::DatePart> part = ToDatePart(x.unit);
      if (!part) {
        return Error(e.pos, fmt::format("{} is not supported yet", Unparse(e)));
      }
      SLUICE_ASSIGN_OR_RETURN(engine::Expr ts, BindInner(*x.operand));
      return engine::Extract(ts, *part);
    }
    case ExprKind::kSubquery:
    case ExprKind::kExists:
      return Error(e.pos,
                   "subqueries in expressions are only supported as [NOT] EXISTS (...) and IN (SELECT ...) "
                   "conditions of a WHERE, AND-ed with the others (semi- and anti-joins)");
    default: break;
  }
  return Error(e.pos, fmt::format("expression {} is not supported yet", Unparse(e)));
}

// JSON_VALUE / JSON_QUERY (RETURNING, ON EMPTY, ON ERROR) and JSON_EXISTS
// (ON ERROR) over the engine's JSON kernels. NULL is the default behaviour
// of both cases (JSON_EXISTS: FALSE ON ERROR), as Flink's; DEFAULT values
// read the outcome of the path (found / empty / error) once more.
Result<engine::Expr> ExprBinder::BindJson(const FunctionCallExpr& call, const std::string& name,
                                          const std::vector<engine::Expr>& args) {
  if (args.size() != 2) return Error(call.pos, fmt::format("{} takes (json, path) and optional clauses", name));
  const JsonClauses* clauses = call.json.get();
  const bool exists = name == "JSON_EXISTS";
  const int mode = name == "JSON_VALUE" ? 0 : name == "JSON_QUERY" ? 1 : 2;
  engine::DataType type = exists ? engine::DataType::kBool : engine::DataType::kString;
  if (clauses && clauses->returning) {
    if (mode != 0) return Error(call.pos, fmt::format("{} has no RETURNING clause in Sluice; CAST its result", name));
    SLUICE_ASSIGN_OR_RETURN(type, ToEngineType(*clauses->returning, source_));
  }
  // The value a behaviour gives (an invalid Expr: NULL of `type`).
  auto behavior = [&](const std::optional<JsonBehavior>& b, std::string_view when) -> Result<engine::Expr> {
    if (!b) return exists ? Lit(false) : engine::Lit(engine::Value::Null(type));
    switch (b->kind) {
      case JsonBehaviorKind::kNull: return engine::Lit(engine::Value::Null(type));
      case JsonBehaviorKind::kDefault: {
        if (exists) break;
        SLUICE_ASSIGN_OR_RETURN(engine::Expr v, BindInner(*b->value));
        return engine::Cast(v, type);
      }
      case JsonBehaviorKind::kTrue:
      case JsonBehaviorKind::kFalse:
        if (!exists) break;
        return Lit(b->kind == JsonBehaviorKind::kTrue);
      case JsonBehaviorKind::kUnknown:
        if (!exists) break;
        return engine::Lit(engine::Value::Null(engine::DataType::kBool));
      case JsonBehaviorKind::kError:
        return Error(call.pos, fmt::format("ERROR ON {} is not supported: a streaming job would stop at the first bad "
                                           "record; use NULL or DEFAULT and filter on the result",
                                           when));
    }
    return Error(call.pos, fmt::format("{} does not take this ON {} behaviour", name, when));
  };
  if (exists && clauses && clauses->on_empty) return Error(call.pos, "JSON_EXISTS has no ON EMPTY clause");
  engine::Expr raw = Call(mode == 0 ? Fn::kJsonValue : mode == 1 ? Fn::kJsonQuery : Fn::kJsonExists, args);
  engine::Expr value = type != engine::DataType::kString && !exists ? engine::Cast(raw, type) : raw;
  const bool plain = !clauses || ((!clauses->on_empty || clauses->on_empty->kind == JsonBehaviorKind::kNull) &&
                                  (!clauses->on_error || clauses->on_error->kind == JsonBehaviorKind::kNull ||
                                   (exists && clauses->on_error->kind == JsonBehaviorKind::kFalse)));
  if (plain) return value;
  SLUICE_ASSIGN_OR_RETURN(engine::Expr on_empty, behavior(clauses->on_empty, "EMPTY"));
  SLUICE_ASSIGN_OR_RETURN(engine::Expr on_error, behavior(clauses->on_error, "ERROR"));
  engine::Expr outcome = Call(Fn::kJsonOutcome, {args[0], args[1], Lit(mode)});
  std::vector<std::pair<engine::Expr, engine::Expr>> whens;
  if (!exists) whens.emplace_back(outcome == Lit(1), on_empty);
  whens.emplace_back(outcome == Lit(2), on_error);
  // A value that does not convert to the RETURNING type is an error too.
  if (value.node().kind == engine::ExprKind::kCast)
    whens.emplace_back(engine::IsNull(value) && engine::IsNotNull(raw), on_error);
  return engine::Case(std::move(whens), value);
}

Result<engine::Expr> ExprBinder::BindCall(const FunctionCallExpr& call) {
  std::string name = FunctionName(call);
  if (IsAggregateCall(call)) {
    return Error(call.pos, fmt::format("aggregate {} is not allowed here; aggregates go in the SELECT list or HAVING "
                                       "of a query with GROUP BY",
                                       Unparse(call)));
  }
  if (name == "COLLECT" || name == "ARRAY_AGG" || name == "JSON_ARRAYAGG" || name == "JSON_OBJECTAGG" ||
      name == "PERCENTILE" || name == "APPROX_COUNT_DISTINCT") {
    // Flink aggregates Sluice lacks: say so rather than complain about the
    // argument not being grouped.
    return Error(call.pos, fmt::format("aggregate function {} is not supported yet; the supported aggregates are "
                                       "COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, VAR_POP, VAR_SAMP, "
                                       "VARIANCE, STDDEV_POP, STDDEV_SAMP, STDDEV and LISTAGG",
                                       name));
  }
  if (call.over) {
    return Error(call.pos, fmt::format("{} OVER (...) is only supported as ROW_NUMBER() in a subquery filtered on "
                                       "the row number (deduplication and top-N)",
                                       name));
  }
  std::vector<engine::Expr> args;
  const bool unit_first = name == "TIMESTAMPADD" || name == "TIMESTAMPDIFF";
  for (const auto& a : call.args) {
    if (unit_first && args.empty()) {
      if (!UnitArgument(*a)) {
        return Error(a->pos, fmt::format("{}'s first argument must be a time unit: SECOND, MINUTE, HOUR, DAY, WEEK, "
                                         "MONTH, QUARTER or YEAR",
                                         name));
      }
      args.push_back(Lit(0));  // the unit; read from the syntax tree below
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(engine::Expr x, BindInner(*a));
    args.push_back(std::move(x));
  }
  auto arity = [&](size_t lo, size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi) {
      return Error(call.pos, lo == hi ? fmt::format("{} takes {} argument(s), got {}", name, lo, args.size())
                                      : fmt::format("{} takes {} to {} arguments, got {}", name, lo, hi, args.size()));
    }
    return Status::Ok();
  };
  if (name == "UPPER" || name == "LOWER" || name == "CHAR_LENGTH" || name == "CHARACTER_LENGTH") {
    SLUICE_RETURN_IF_ERROR(arity(1, 1));
    if (name == "UPPER") return engine::Upper(args[0]);
    if (name == "LOWER") return engine::Lower(args[0]);
    return engine::CharLength(args[0]);
  }
  if (name == "SUBSTRING" || name == "SUBSTR") {
    SLUICE_RETURN_IF_ERROR(arity(2, 3));
    return engine::Substring(args[0], args[1], args.size() == 3 ? args[2] : engine::Expr());
  }
  if (name == "CONCAT") {
    SLUICE_RETURN_IF_ERROR(arity(1, 64));
    return engine::Concat(args);
  }
  if (name == "COALESCE") {
    SLUICE_RETURN_IF_ERROR(arity(1, 64));
    return engine::Coalesce(args);
  }
  if (name == "ABS") {
    SLUICE_RETURN_IF_ERROR(arity(1, 1));
    return engine::Case({{args[0] < Lit(0), -args[0]}}, args[0]);
  }
  if (name == "JSON_VALUE" || name == "JSON_QUERY" || name == "JSON_EXISTS") return BindJson(call, name, args);
  if (name == "IFNULL") {
    SLUICE_RETURN_IF_ERROR(arity(2, 2));
    return engine::Coalesce(args);
  }
  if (name == "INSTR") {
    // INSTR(s, sub) is POSITION(sub IN s).
    SLUICE_RETURN_IF_ERROR(arity(2, 2));
    return Call(Fn::kPosition, {args[1], args[0]});
  }
  if (name == "LOCATE") {
    // LOCATE(sub, s[, start]): the position of sub in s at or after start; 0 when absent.
    SLUICE_RETURN_IF_ERROR(arity(2, 3));
    if (args.size() == 2) return Call(Fn::kPosition, {args[0], args[1]});
    engine::Expr start = engine::Cast(args[2], engine::DataType::kInt64);
    engine::Expr found =
        engine::Cast(Call(Fn::kPosition, {args[0], engine::Substring(args[1], start)}), engine::DataType::kInt64);
    return engine::Cast(engine::Case({{start < Lit(int64_t{1}), Lit(int64_t{0})}, {found == Lit(int64_t{0}), found}},
                                     found + start - Lit(int64_t{1})),
                        engine::DataType::kInt32);
  }
  if (name == "LEFT" || name == "RIGHT") {
    // The leftmost / rightmost n code points; '' when n <= 0.
    SLUICE_RETURN_IF_ERROR(arity(2, 2));
    engine::Expr n = engine::Cast(args[1], engine::DataType::kInt64);
    engine::Expr start =
        name == "LEFT"
            ? Lit(int64_t{1})
            : Call(Fn::kGreatest,
                   {engine::Cast(engine::CharLength(args[0]), engine::DataType::kInt64) - n + Lit(int64_t{1}),
                    Lit(int64_t{1})});
    return engine::Case({{n <= Lit(int64_t{0}), Lit("")}},
                        engine::Substring(args[0], start, name == "LEFT" ? n : engine::Expr()));
  }
  if (name == "SIGN") {
    SLUICE_RETURN_IF_ERROR(arity(1, 1));
    SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(args[0], *call.args[0]));
    if (!engine::IsNumeric(t)) return Error(call.pos, fmt::format("SIGN needs a number, got {}", SqlTypeName(t)));
    return engine::Case({{engine::IsNull(args[0]), engine::Lit(engine::Value::Null(t))},
                         {args[0] > Lit(0), engine::Cast(Lit(1), t)},
                         {args[0] < Lit(0), engine::Cast(Lit(-1), t)}},
                        engine::Cast(Lit(0), t));
  }
  if (name == "PI" || name == "E") {
    SLUICE_RETURN_IF_ERROR(arity(0, 0));
    return Lit(name == "PI" ? 3.141592653589793 : 2.718281828459045);
  }
  if (name == "TRUNCATE") {
    // TRUNCATE(x[, d]): x cut (toward zero) to d decimals; d an integer literal.
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    int64_t d = 0;
    if (args.size() == 2) {
      const Expr& a = *call.args[1];
      bool negative = a.kind == ExprKind::kUnary && a.As<UnaryExpr>().op == UnaryOp::kMinus;
      const Expr& lit = negative ? *a.As<UnaryExpr>().operand : a;
      if (lit.kind != ExprKind::kLiteral || lit.As<LiteralExpr>().literal_kind != LiteralKind::kInteger) {
        return Error(a.pos, "TRUNCATE's number of decimals must be an integer literal");
      }
      d = std::atoll(lit.As<LiteralExpr>().text.c_str()) * (negative ? -1 : 1);
      if (d < -18 || d > 18) return Error(a.pos, "TRUNCATE's number of decimals must be within [-18, 18]");
    }
    SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(args[0], *call.args[0]));
    if (!engine::IsNumeric(t)) return Error(call.pos, fmt::format("TRUNCATE needs a number, got {}", SqlTypeName(t)));
    int64_t scale = 1;
    for (int64_t i = 0; i < (d < 0 ? -d : d); ++i) scale *= 10;
    if (t != engine::DataType::kDouble) {
      if (d >= 0) return args[0];
      // Integer division truncates toward zero.
      return engine::Cast(engine::Cast(args[0], engine::DataType::kInt64) / Lit(scale) * Lit(scale), t);
    }
    const double f = d >= 0 ? static_cast<double>(scale) : 1.0 / static_cast<double>(scale);
    engine::Expr x = args[0];
    return engine::Case({{x < Lit(0.0), -(Call(Fn::kFloor, {-x * Lit(f)}) / Lit(f))}},
                        Call(Fn::kFloor, {x * Lit(f)}) / Lit(f));
  }
  if (name == "NOW" || name == "CURRENT_TIMESTAMP" || name == "LOCALTIMESTAMP") {
    // The processing-time clock, read once per batch (Flink evaluates these per record in streaming mode).
    SLUICE_RETURN_IF_ERROR(arity(0, 0));
    return Call(Fn::kProcTime, {});
  }
  if (name == "MOD") {
    SLUICE_RETURN_IF_ERROR(arity(2, 2));
    return args[0] % args[1];
  }
  if (name == "IF") {
    SLUICE_RETURN_IF_ERROR(arity(3, 3));
    return engine::Case({{args[0], args[1]}}, args[2]);
  }
  if (name == "CURRENT_DATE") {
    // Today in UTC (the session time zone), from the processing-time clock.
    SLUICE_RETURN_IF_ERROR(arity(0, 0));
    return engine::Cast(Call(Fn::kProcTime, {}), engine::DataType::kDate);
  }
  if (name == "TO_DATE") {
    // TO_DATE(s) reads 'yyyy-MM-dd'; TO_DATE(s, format) a SimpleDateFormat
    // pattern. NULL when the text does not parse.
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    if (args.size() == 2) return engine::Cast(Call(Fn::kParseTime, {args[0], args[1]}), engine::DataType::kDate);
    return engine::Cast(args[0], engine::DataType::kDate);
  }
  if (name == "TO_TIMESTAMP") {
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    if (args.size() == 2) return Call(Fn::kParseTime, {args[0], args[1]});
    return engine::Cast(args[0], engine::DataType::kTimestamp);
  }
  if (call.to_unit) {
    // FLOOR(ts TO unit) / CEIL(ts TO unit).
    std::optional<engine::TimeUnit> unit = ToEngineUnit(*call.to_unit);
    if (!unit) {
      return Error(call.pos, fmt::format("{}(... TO unit) supports MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK, "
                                         "MONTH, QUARTER and YEAR",
                                         name));
    }
    return name == "FLOOR" ? engine::FloorTime(args[0], *unit) : engine::CeilTime(args[0], *unit);
  }
  if (name == "LTRIM" || name == "RTRIM") {
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    return engine::Trim(args[0], args.size() == 2 ? args[1] : Lit(" "),
                        name == "LTRIM" ? engine::TrimSide::kLeading : engine::TrimSide::kTrailing);
  }
  struct Fixed {
    const char* name;
    Fn fn;
    size_t lo, hi;
  };
  static const Fixed kFixed[] = {
      {"POSITION", Fn::kPosition, 2, 2},
      {"REPLACE", Fn::kReplace, 3, 3},
      {"LPAD", Fn::kLpad, 3, 3},
      {"RPAD", Fn::kRpad, 3, 3},
      {"INITCAP", Fn::kInitcap, 1, 1},
      {"CONCAT_WS", Fn::kConcatWs, 2, 64},
      {"SPLIT_INDEX", Fn::kSplitIndex, 3, 3},
      {"REGEXP", Fn::kRegexp, 2, 2},
      {"REGEXP_EXTRACT", Fn::kRegexpExtract, 2, 3},
      {"REGEXP_REPLACE", Fn::kRegexpReplace, 3, 3},
      {"NULLIF", Fn::kNullIf, 2, 2},
      {"GREATEST", Fn::kGreatest, 1, 64},
      {"LEAST", Fn::kLeast, 1, 64},
      {"FLOOR", Fn::kFloor, 1, 1},
      {"CEIL", Fn::kCeil, 1, 1},
      {"CEILING", Fn::kCeil, 1, 1},
      {"POWER", Fn::kPower, 2, 2},
      {"SQRT", Fn::kSqrt, 1, 1},
      {"LN", Fn::kLn, 1, 1},
      {"LOG10", Fn::kLog10, 1, 1},
      {"LOG2", Fn::kLog2, 1, 1},
      {"EXP", Fn::kExp, 1, 1},
      {"DATE_FORMAT", Fn::kDateFormat, 2, 2},
      {"MD5", Fn::kMd5, 1, 1},
      {"REVERSE", Fn::kReverse, 1, 1},
      {"ASCII", Fn::kAscii, 1, 1},
      {"CHR", Fn::kChr, 1, 1},
      {"HASH_CODE", Fn::kHashCode, 1, 1},
      {"UUID", Fn::kUuid, 0, 0},
      {"RAND", Fn::kRand, 0, 1},
      {"RAND_INTEGER", Fn::kRandInteger, 1, 2},
  };
  for (const Fixed& f : kFixed) {
    if (name != f.name) continue;
    SLUICE_RETURN_IF_ERROR(arity(f.lo, f.hi));
    if (f.fn == Fn::kDateFormat) {
      // DATE_FORMAT(string, format) reads the string as a timestamp first.
      SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(args[0], *call.args[0]));
      if (t == engine::DataType::kString) args[0] = engine::Cast(args[0], engine::DataType::kTimestamp);
    }
    return Call(f.fn, args);
  }
  if (name == "ROUND") {
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    return Call(Fn::kRound, {args[0], args.size() == 2 ? args[1] : Lit(0)});
  }
  if (name == "LOG") {
    // LOG(x) is the natural logarithm; LOG(base, x) = LN(x) / LN(base).
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    if (args.size() == 1) return Call(Fn::kLn, {args[0]});
    return Call(Fn::kLn, {args[1]}) / Call(Fn::kLn, {args[0]});
  }
  if (name == "PROCTIME") {
    SLUICE_RETURN_IF_ERROR(arity(0, 0));
    return Call(Fn::kProcTime, {});
  }
  if (name == "UNIX_TIMESTAMP") {
    SLUICE_RETURN_IF_ERROR(arity(0, 2));
    if (args.empty()) return Call(Fn::kNowSeconds, {});
    return Call(Fn::kUnixTimestamp, {args[0], args.size() == 2 ? args[1] : Lit(kDefaultDateFormat)});
  }
  if (name == "FROM_UNIXTIME") {
    SLUICE_RETURN_IF_ERROR(arity(1, 2));
    SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(args[0], *call.args[0]));
    if (t != engine::DataType::kInt32 && t != engine::DataType::kInt64) {
      return Error(call.args[0]->pos,
                   fmt::format("FROM_UNIXTIME needs whole seconds (INT or BIGINT), got {}", SqlTypeName(t)));
    }
    engine::Expr ms = engine::Cast(engine::Cast(args[0], engine::DataType::kInt64) * Lit(int64_t{1000}),
                                   engine::DataType::kTimestamp);
    return Call(Fn::kDateFormat, {ms, args.size() == 2 ? args[1] : Lit(kDefaultDateFormat)});
  }
  static const std::pair<const char*, engine::DatePart> kParts[] = {
      {"YEAR", engine::DatePart::kYear},           {"QUARTER", engine::DatePart::kQuarter},
      {"MONTH", engine::DatePart::kMonth},         {"WEEK", engine::DatePart::kWeek},
      {"DAYOFMONTH", engine::DatePart::kDay},      {"DAYOFYEAR", engine::DatePart::kDayOfYear},
      {"DAYOFWEEK", engine::DatePart::kDayOfWeek}, {"HOUR", engine::DatePart::kHour},
      {"MINUTE", engine::DatePart::kMinute},       {"SECOND", engine::DatePart::kSecond}};
  for (const auto& [part_name, part] : kParts) {
    if (name != part_name) continue;
    SLUICE_RETURN_IF_ERROR(arity(1, 1));
    return engine::Extract(args[0], part);
  }
  if (name == "TIMESTAMPADD" || name == "TIMESTAMPDIFF") {
    SLUICE_RETURN_IF_ERROR(arity(3, 3));
    std::optional<engine::TimeUnit> unit = UnitArgument(*call.args[0]);
    if (name == "TIMESTAMPADD") return engine::TimestampAdd(*unit, args[1], args[2]);
    return engine::TimestampDiff(*unit, args[1], args[2]);
  }
  if (name == "TO_TIMESTAMP_LTZ") {
    SLUICE_RETURN_IF_ERROR(arity(2, 2));
    const Expr& p = *call.args[1];
    if (p.kind != ExprKind::kLiteral || (p.As<LiteralExpr>().text != "3" && p.As<LiteralExpr>().text != "0")) {
      return Error(p.pos, "TO_TIMESTAMP_LTZ's precision must be 0 (seconds) or 3 (milliseconds)");
    }
    engine::Expr ms = p.As<LiteralExpr>().text == "3" ? engine::Cast(args[0], engine::DataType::kInt64)
                                                      : engine::Cast(args[0], engine::DataType::kInt64) * Lit(1000);
    return engine::Cast(ms, engine::DataType::kTimestamp);
  }
  if (name == "CURRENT_WATERMARK") {
    SLUICE_RETURN_IF_ERROR(arity(1, 1));
    SLUICE_ASSIGN_OR_RETURN(engine::DataType t, TypeOf(args[0], *call.args[0]));
    if (t != engine::DataType::kTimestamp) {
      return Error(call.args[0]->pos,
                   fmt::format("CURRENT_WATERMARK needs a time attribute (a TIMESTAMP column with a WATERMARK), got {}",
                               SqlTypeName(t)));
    }
    return engine::CurrentWatermark(args[0]);
  }
  if (functions_ != nullptr) {
    if (const CatalogFunction* f = functions_->FindFunction(call.name.parts.back().name)) {
      const engine::ScalarFunction& impl = *f->impl;
      if (args.size() != impl.arg_types.size()) {
        return Error(call.pos, fmt::format("function {} ({}) takes {} argument{}, got {}: {}", f->name, f->class_name,
                                           impl.arg_types.size(), impl.arg_types.size() == 1 ? "" : "s", args.size(),
                                           impl.description));
      }
      engine::Expr e = engine::CallFunction(&impl, args);
      SLUICE_RETURN_IF_ERROR(TypeOf(e, call).status());
      return e;
    }
  }
  std::vector<std::string> created;
  if (functions_ != nullptr) {
    for (const CatalogFunction* f : functions_->Functions()) created.push_back(f->name);
  }
  return Error(call.pos, fmt::format("function {} is not supported yet; the supported scalar functions are {}; {}",
                                     name, kSupportedFunctions,
                                     created.empty() ? "CREATE FUNCTION adds user-defined ones"
                                                     : fmt::format("user-defined: {}", fmt::join(created, ", "))));
}

}  // namespace sluice::sql
