#include "sql/unparser.h"

#include <fmt/format.h>

#include "sql/token.h"

namespace sluice::sql {
namespace {

// Binding strength of an expression's outermost operator, loosest first; the
// same ladder as the parser's (parser.cc).
enum Precedence : int {
  kPrecOr = 1,
  kPrecAnd,
  kPrecNot,
  kPrecIs,
  kPrecComparison,
  kPrecPredicate,  // BETWEEN, IN, LIKE
  kPrecAdditive,
  kPrecMultiplicative,
  kPrecUnary,
  kPrecPostfix,
  kPrecPrimary,
};

int BinaryPrecedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return kPrecOr;
    case BinaryOp::kAnd: return kPrecAnd;
    case BinaryOp::kIsDistinctFrom:
    case BinaryOp::kIsNotDistinctFrom: return kPrecIs;
    case BinaryOp::kEq:
    case BinaryOp::kNotEq:
    case BinaryOp::kLt:
    case BinaryOp::kLtEq:
    case BinaryOp::kGt:
    case BinaryOp::kGtEq: return kPrecComparison;
    case BinaryOp::kPlus:
    case BinaryOp::kMinus: return kPrecAdditive;
    case BinaryOp::kMultiply:
    case BinaryOp::kDivide:
    case BinaryOp::kModulo:
    case BinaryOp::kConcat: return kPrecMultiplicative;
  }
  return kPrecPrimary;
}

int PrecedenceOf(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary: return BinaryPrecedence(e.As<BinaryExpr>().op);
    case ExprKind::kUnary: return e.As<UnaryExpr>().op == UnaryOp::kNot ? kPrecNot : kPrecUnary;
    case ExprKind::kIsPredicate: return kPrecIs;
    case ExprKind::kIn:
    case ExprKind::kBetween:
    case ExprKind::kLike: return kPrecPredicate;
    case ExprKind::kItemAccess:
    case ExprKind::kFieldAccess: return kPrecPostfix;
    default: return kPrecPrimary;
  }
}

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return "OR";
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNotEq: return "<>";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLtEq: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGtEq: return ">=";
    case BinaryOp::kIsDistinctFrom: return "IS DISTINCT FROM";
    case BinaryOp::kIsNotDistinctFrom: return "IS NOT DISTINCT FROM";
    case BinaryOp::kPlus: return "+";
    case BinaryOp::kMinus: return "-";
    case BinaryOp::kMultiply: return "*";
    case BinaryOp::kDivide: return "/";
    case BinaryOp::kModulo: return "%";
    case BinaryOp::kConcat: return "||";
  }
  return "?";
}

std::string_view TimeUnitText(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kYear: return "YEAR";
    case TimeUnit::kQuarter: return "QUARTER";
    case TimeUnit::kMonth: return "MONTH";
    case TimeUnit::kWeek: return "WEEK";
    case TimeUnit::kDay: return "DAY";
    case TimeUnit::kHour: return "HOUR";
    case TimeUnit::kMinute: return "MINUTE";
    case TimeUnit::kSecond: return "SECOND";
    case TimeUnit::kMillisecond: return "MILLISECOND";
    case TimeUnit::kMicrosecond: return "MICROSECOND";
    case TimeUnit::kNanosecond: return "NANOSECOND";
    case TimeUnit::kDayOfWeek: return "DOW";
    case TimeUnit::kDayOfYear: return "DOY";
    case TimeUnit::kEpoch: return "EPOCH";
    case TimeUnit::kDecade: return "DECADE";
    case TimeUnit::kCentury: return "CENTURY";
    case TimeUnit::kMillennium: return "MILLENNIUM";
  }
  return "?";
}

std::string QuoteString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

class Printer {
 public:
  std::string out;

  void Id(const Identifier& id) { out += QuoteIdentifier(id.name); }
  void Name(const QualifiedName& name) {
    for (size_t i = 0; i < name.parts.size(); ++i) {
      if (i > 0) out += '.';
      Id(name.parts[i]);
    }
  }
  void IdList(const std::vector<Identifier>& ids) {
    out += '(';
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out += ", ";
      Id(ids[i]);
    }
    out += ')';
  }
  void ExprList(const std::vector<ExprPtr>& exprs) {
    for (size_t i = 0; i < exprs.size(); ++i) {
      if (i > 0) out += ", ";
      Expression(*exprs[i]);
    }
  }

  // -- Types ----------------------------------------------------------------

  void Type(const DataType& t) {
    auto precision = [&] {
      if (t.precision) out += fmt::format("({})", *t.precision);
    };
    switch (t.kind) {
      case TypeKind::kBoolean: out += "BOOLEAN"; break;
      case TypeKind::kTinyInt: out += "TINYINT"; break;
      case TypeKind::kSmallInt: out += "SMALLINT"; break;
      case TypeKind::kInt: out += "INT"; break;
      case TypeKind::kBigInt: out += "BIGINT"; break;
      case TypeKind::kFloat: out += "FLOAT"; break;
      case TypeKind::kDouble: out += "DOUBLE"; break;
      case TypeKind::kDecimal:
        out += "DECIMAL";
        if (t.precision && t.scale) {
          out += fmt::format("({}, {})", *t.precision, *t.scale);
        } else {
          precision();
        }
        break;
      case TypeKind::kChar:
        out += "CHAR";
        precision();
        break;
      case TypeKind::kVarchar:
        out += "VARCHAR";
        precision();
        break;
      case TypeKind::kString: out += "STRING"; break;
      case TypeKind::kBinary:
        out += "BINARY";
        precision();
        break;
      case TypeKind::kVarbinary:
        out += "VARBINARY";
        precision();
        break;
      case TypeKind::kBytes: out += "BYTES"; break;
      case TypeKind::kDate: out += "DATE"; break;
      case TypeKind::kTime:
        out += "TIME";
        precision();
        break;
      case TypeKind::kTimestamp:
        out += "TIMESTAMP";
        precision();
        break;
      case TypeKind::kTimestampLtz:
        out += "TIMESTAMP_LTZ";
        precision();
        break;
      case TypeKind::kArray:
      case TypeKind::kMultiset:
        out += t.kind == TypeKind::kArray ? "ARRAY<" : "MULTISET<";
        if (!t.element_types.empty()) Type(t.element_types[0]);
        out += '>';
        break;
      case TypeKind::kMap:
        out += "MAP<";
        if (t.element_types.size() == 2) {
          Type(t.element_types[0]);
          out += ", ";
          Type(t.element_types[1]);
        }
        out += '>';
        break;
      case TypeKind::kRow:
        out += "ROW<";
        for (size_t i = 0; i < t.fields.size(); ++i) {
          if (i > 0) out += ", ";
          Id(t.fields[i].name);
          out += ' ';
          Type(t.fields[i].type);
        }
        out += '>';
        break;
    }
    if (t.nullability == Nullability::kNotNull) out += " NOT NULL";
  }

  // -- Expressions ----------------------------------------------------------

  // Prints `e`, in parentheses when it binds looser than `min_precedence`.
  void Operand(const Expr& e, int min_precedence) {
    if (PrecedenceOf(e) < min_precedence) {
      out += '(';
      Expression(e);
      out += ')';
    } else {
      Expression(e);
    }
  }

  void Literal(const LiteralExpr& lit) {
    switch (lit.literal_kind) {
      case LiteralKind::kNull: out += "NULL"; break;
      case LiteralKind::kBoolean:
      case LiteralKind::kInteger:
      case LiteralKind::kDecimal:
      case LiteralKind::kDouble: out += lit.text; break;
      case LiteralKind::kString: out += QuoteString(lit.text); break;
      case LiteralKind::kBinary: out += "X'" + lit.text + "'"; break;
      case LiteralKind::kDate: out += "DATE " + QuoteString(lit.text); break;
      case LiteralKind::kTime: out += "TIME " + QuoteString(lit.text); break;
      case LiteralKind::kTimestamp: out += "TIMESTAMP " + QuoteString(lit.text); break;
      case LiteralKind::kInterval:
        out += "INTERVAL ";
        if (lit.interval_sign == Sign::kNegative) out += '-';
        out += QuoteString(lit.text);
        out += ' ';
        out += TimeUnitText(lit.interval.start);
        if (lit.interval.end) {
          out += " TO ";
          out += TimeUnitText(*lit.interval.end);
        }
        break;
    }
  }

  void Negated(Negation n) {
    if (n == Negation::kNot) out += " NOT";
  }

  void Expression(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral: Literal(e.As<LiteralExpr>()); return;
      case ExprKind::kColumnRef: Name(e.As<ColumnRefExpr>().name); return;
      case ExprKind::kStar: {
        const auto& star = e.As<StarExpr>();
        if (!star.qualifier.parts.empty()) {
          Name(star.qualifier);
          out += '.';
        }
        out += '*';
        return;
      }
      case ExprKind::kUnary: {
        const auto& u = e.As<UnaryExpr>();
        if (u.op == UnaryOp::kNot) {
          out += "NOT ";
          Operand(*u.operand, kPrecNot);
          return;
        }
        out += u.op == UnaryOp::kMinus ? '-' : '+';
        // A space keeps `- -x` from printing as a `--` comment; parentheses
        // would cost the reader a nesting level the original did not use.
        if (u.operand->kind == ExprKind::kUnary && u.operand->As<UnaryExpr>().op != UnaryOp::kNot) out += ' ';
        Operand(*u.operand, kPrecUnary);
        return;
      }
      case ExprKind::kBinary: {
        const auto& b = e.As<BinaryExpr>();
        int prec = BinaryPrecedence(b.op);
        // Left-associative: an equal-precedence right operand needs parentheses.
        Operand(*b.left, prec);
        out += ' ';
        out += BinaryOpText(b.op);
        out += ' ';
        Operand(*b.right, prec + 1);
        return;
      }
      case ExprKind::kIsPredicate: {
        const auto& is = e.As<IsPredicateExpr>();
        Operand(*is.operand, kPrecIs);
        out += " IS";
        Negated(is.negation);
        switch (is.target) {
          case IsTarget::kNull: out += " NULL"; break;
          case IsTarget::kTrue: out += " TRUE"; break;
          case IsTarget::kFalse: out += " FALSE"; break;
          case IsTarget::kUnknown: out += " UNKNOWN"; break;
        }
        return;
      }
      case ExprKind::kIn: {
        const auto& in = e.As<InExpr>();
        Operand(*in.operand, kPrecPredicate);
        Negated(in.negation);
        out += " IN (";
        if (in.subquery) {
          QueryText(*in.subquery);
        } else {
          ExprList(in.list);
        }
        out += ')';
        return;
      }
      case ExprKind::kBetween: {
        const auto& b = e.As<BetweenExpr>();
        Operand(*b.operand, kPrecPredicate);
        Negated(b.negation);
        out += " BETWEEN ";
        if (b.symmetry == BetweenSymmetry::kSymmetric) out += "SYMMETRIC ";
        Operand(*b.low, kPrecAdditive);
        out += " AND ";
        Operand(*b.high, kPrecAdditive);
        return;
      }
      case ExprKind::kLike: {
        const auto& l = e.As<LikeExpr>();
        Operand(*l.operand, kPrecPredicate);
        Negated(l.negation);
        out += l.like_kind == LikeKind::kLike ? " LIKE " : " SIMILAR TO ";
        Operand(*l.pattern, kPrecAdditive);
        if (l.escape) {
          out += " ESCAPE ";
          Operand(*l.escape, kPrecAdditive);
        }
        return;
      }
      case ExprKind::kCase: {
        const auto& c = e.As<CaseExpr>();
        out += "CASE";
        if (c.operand) {
          out += ' ';
          Expression(*c.operand);
        }
        for (const WhenClause& w : c.whens) {
          out += " WHEN ";
          Expression(*w.condition);
          out += " THEN ";
          Expression(*w.result);
        }
        if (c.else_result) {
          out += " ELSE ";
          Expression(*c.else_result);
        }
        out += " END";
        return;
      }
      case ExprKind::kCast: {
        const auto& c = e.As<CastExpr>();
        out += c.mode == CastMode::kCast ? "CAST(" : "TRY_CAST(";
        Expression(*c.operand);
        out += " AS ";
        Type(c.type);
        out += ')';
        return;
      }
      case ExprKind::kExtract: {
        const auto& x = e.As<ExtractExpr>();
        out += "EXTRACT(";
        out += TimeUnitText(x.unit);
        out += " FROM ";
        Expression(*x.operand);
        out += ')';
        return;
      }
      case ExprKind::kTrim: {
        const auto& t = e.As<TrimExpr>();
        out += "TRIM(";
        out += t.side == TrimSide::kBoth ? "BOTH " : t.side == TrimSide::kLeading ? "LEADING " : "TRAILING ";
        if (t.characters) {
          Expression(*t.characters);
          out += ' ';
        }
        out += "FROM ";
        Expression(*t.operand);
        out += ')';
        return;
      }
      case ExprKind::kFunctionCall: Call(e.As<FunctionCallExpr>()); return;
      case ExprKind::kSubquery:
        out += '(';
        QueryText(*e.As<SubqueryExpr>().query);
        out += ')';
        return;
      case ExprKind::kExists:
        out += "EXISTS (";
        QueryText(*e.As<ExistsExpr>().query);
        out += ')';
        return;
      case ExprKind::kItemAccess: {
        const auto& item = e.As<ItemAccessExpr>();
        Operand(*item.operand, kPrecPostfix);
        out += '[';
        Expression(*item.index);
        out += ']';
        return;
      }
      case ExprKind::kFieldAccess: {
        const auto& f = e.As<FieldAccessExpr>();
        // `(t.a).f`: without parentheses `t.a.f` would read back as one name.
        // `(t.a).f`: without parentheses `t.a.f` reads back as one name.
        // `2 .f` and `t.* .f`: a space, not parentheses, keeps `2.` from
        // lexing as a decimal without costing the reader a nesting level.
        const Expr& operand = *f.operand;
        bool name_like =
            operand.kind == ExprKind::kColumnRef ||
            (operand.kind == ExprKind::kFunctionCall && operand.As<FunctionCallExpr>().syntax == CallSyntax::kNiladic);
        LiteralKind literal =
            operand.kind == ExprKind::kLiteral ? operand.As<LiteralExpr>().literal_kind : LiteralKind::kString;
        bool numeric =
            literal == LiteralKind::kInteger || literal == LiteralKind::kDecimal || literal == LiteralKind::kDouble;
        if (name_like) {
          out += '(';
          Expression(operand);
          out += ')';
        } else {
          Operand(operand, kPrecPostfix);
          if (numeric || operand.kind == ExprKind::kStar) out += ' ';
        }
        out += '.';
        Id(f.field);
        return;
      }
      case ExprKind::kConstructor: {
        const auto& c = e.As<ConstructorExpr>();
        switch (c.constructor) {
          case ConstructorKind::kRow:
            out += "ROW(";
            ExprList(c.elements);
            out += ')';
            break;
          case ConstructorKind::kArray:
          case ConstructorKind::kMap:
            out += c.constructor == ConstructorKind::kArray ? "ARRAY[" : "MAP[";
            ExprList(c.elements);
            out += ']';
            break;
        }
        return;
      }
    }
  }

  static bool IsBareKeyword(const QualifiedName& name, Keyword kw) {
    return name.parts.size() == 1 && name.parts[0].quoting == Quoting::kBare && LookupKeyword(name.parts[0].name) == kw;
  }

  void JsonClauseText(const JsonClauses& j) {
    if (j.returning) {
      out += " RETURNING ";
      Type(*j.returning);
    }
    auto behavior = [&](const std::optional<JsonBehavior>& b, const char* when) {
      if (!b) return;
      switch (b->kind) {
        case JsonBehaviorKind::kNull: out += " NULL"; break;
        case JsonBehaviorKind::kError: out += " ERROR"; break;
        case JsonBehaviorKind::kTrue: out += " TRUE"; break;
        case JsonBehaviorKind::kFalse: out += " FALSE"; break;
        case JsonBehaviorKind::kUnknown: out += " UNKNOWN"; break;
        case JsonBehaviorKind::kDefault:
          out += " DEFAULT ";
          Expression(*b->value);
          break;
      }
      out += when;
    };
    behavior(j.on_empty, " ON EMPTY");
    behavior(j.on_error, " ON ERROR");
  }

  void Call(const FunctionCallExpr& call) {
    if (call.syntax == CallSyntax::kNiladic) {
      out += call.name.parts.empty() ? "" : call.name.parts[0].name;
      return;
    }
    // A function whose name is a keyword prints bare so it reads back as a call.
    auto print_name = [&] {
      for (size_t i = 0; i < call.name.parts.size(); ++i) {
        if (i > 0) out += '.';
        const Identifier& part = call.name.parts[i];
        bool bare_ok = call.name.parts.size() == 1 && part.quoting == Quoting::kBare &&
                       LookupKeyword(part.name) != Keyword::kNone &&
                       KeywordReservation(LookupKeyword(part.name)) == Reservation::kNonReserved &&
                       !IsSpecialCallKeyword(LookupKeyword(part.name));
        out += bare_ok ? part.name : QuoteIdentifier(part.name);
      }
    };
    print_name();
    out += '(';
    if (IsBareKeyword(call.name, Keyword::kPOSITION) && call.args.size() == 2) {
      Operand(*call.args[0], kPrecAdditive);
      out += " IN ";
      Expression(*call.args[1]);
    } else {
      if (call.quantifier == SetQuantifier::kDistinct) out += "DISTINCT ";
      for (size_t i = 0; i < call.args.size(); ++i) {
        if (i > 0) out += ", ";
        // TIMESTAMPDIFF(DAY, a, b): the unit reads as a column named DAY;
        // print it bare so the text stays Flink SQL.
        if (i == 0 && IsUnitFirstFunction(call.name) && IsBareUnitName(*call.args[0])) {
          out += call.args[0]->As<ColumnRefExpr>().name.parts[0].name;
        } else {
          Expression(*call.args[i]);
        }
      }
      if (call.to_unit) {
        out += " TO ";
        out += TimeUnitText(*call.to_unit);
      }
      if (call.json) JsonClauseText(*call.json);
    }
    out += ')';
    if (call.filter) {
      out += " FILTER (WHERE ";
      Expression(*call.filter);
      out += ')';
    }
    if (call.over) {
      out += " OVER ";
      Window(*call.over);
    }
  }

  static bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
      char y = b[i] >= 'a' && b[i] <= 'z' ? static_cast<char>(b[i] - 'a' + 'A') : b[i];
      if (x != y) return false;
    }
    return true;
  }

  static bool IsUnitFirstFunction(const QualifiedName& name) {
    return name.parts.size() == 1 && name.parts[0].quoting == Quoting::kBare &&
           (EqualsIgnoreCase(name.parts[0].name, "TIMESTAMPADD") ||
            EqualsIgnoreCase(name.parts[0].name, "TIMESTAMPDIFF"));
  }

  // A bare one-part name spelling a time unit (DAY, MINUTE, QUARTER ...),
  // which reads back as the same column reference when printed bare.
  static bool IsBareUnitName(const Expr& e) {
    if (e.kind != ExprKind::kColumnRef) return false;
    const QualifiedName& name = e.As<ColumnRefExpr>().name;
    if (name.parts.size() != 1 || name.parts[0].quoting != Quoting::kBare) return false;
    switch (LookupKeyword(name.parts[0].name)) {
      case Keyword::kYEAR:
      case Keyword::kQUARTER:
      case Keyword::kMONTH:
      case Keyword::kWEEK:
      case Keyword::kDAY:
      case Keyword::kHOUR:
      case Keyword::kMINUTE:
      case Keyword::kSECOND:
      case Keyword::kMILLISECOND:
      case Keyword::kMICROSECOND:
      case Keyword::kNANOSECOND: return true;
      default: return false;
    }
  }

  // Keywords that the parser reads with their own syntax when followed by
  // '(' (CAST(x AS t), EXTRACT(u FROM x) ...); a user function of that name
  // must print quoted to stay a plain call.
  static bool IsSpecialCallKeyword(Keyword k) {
    return k == Keyword::kTRY_CAST || k == Keyword::kEXTRACT || k == Keyword::kTRIM || k == Keyword::kROW;
  }

  void Window(const WindowSpec& w) {
    bool only_reference = w.reference && w.partition_by.empty() && w.order_by.empty() && !w.frame;
    if (only_reference) {
      Id(*w.reference);
      return;
    }
    out += '(';
    bool space = false;
    auto sep = [&] {
      if (space) out += ' ';
      space = true;
    };
    if (w.reference) {
      sep();
      Id(*w.reference);
    }
    if (!w.partition_by.empty()) {
      sep();
      out += "PARTITION BY ";
      ExprList(w.partition_by);
    }
    if (!w.order_by.empty()) {
      sep();
      out += "ORDER BY ";
      OrderItems(w.order_by);
    }
    if (w.frame) {
      sep();
      out += w.frame->unit == FrameUnit::kRows ? "ROWS " : "RANGE ";
      if (w.frame->end) {
        out += "BETWEEN ";
        Bound(w.frame->start);
        out += " AND ";
        Bound(*w.frame->end);
      } else {
        Bound(w.frame->start);
      }
    }
    out += ')';
  }

  void Bound(const FrameBound& b) {
    switch (b.kind) {
      case FrameBoundKind::kUnboundedPreceding: out += "UNBOUNDED PRECEDING"; break;
      case FrameBoundKind::kUnboundedFollowing: out += "UNBOUNDED FOLLOWING"; break;
      case FrameBoundKind::kCurrentRow: out += "CURRENT ROW"; break;
      case FrameBoundKind::kPreceding:
      case FrameBoundKind::kFollowing:
        Operand(*b.offset, kPrecAdditive);
        out += b.kind == FrameBoundKind::kPreceding ? " PRECEDING" : " FOLLOWING";
        break;
    }
  }

  void OrderItems(const std::vector<OrderItem>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ", ";
      Expression(*items[i].expr);
      if (items[i].direction == SortDirection::kDescending) out += " DESC";
      if (items[i].nulls == NullOrder::kNullsFirst) out += " NULLS FIRST";
      if (items[i].nulls == NullOrder::kNullsLast) out += " NULLS LAST";
    }
  }

  // -- Queries --------------------------------------------------------------

  void QueryText(const Query& q) {
    if (!q.with.empty()) {
      out += "WITH ";
      for (size_t i = 0; i < q.with.size(); ++i) {
        if (i > 0) out += ", ";
        Id(q.with[i].name);
        if (!q.with[i].columns.empty()) IdList(q.with[i].columns);
        out += " AS (";
        QueryText(*q.with[i].query);
        out += ')';
      }
      out += ' ';
    }
    Body(*q.body);
    if (!q.order_by.empty()) {
      out += " ORDER BY ";
      OrderItems(q.order_by);
    }
    if (q.limit) {
      out += " LIMIT ";
      Expression(*q.limit);
    }
    if (q.offset) {
      out += " OFFSET ";
      Expression(*q.offset);
    }
  }

  void Body(const QueryBody& body) {
    switch (body.kind) {
      case QueryBodyKind::kSelect: SelectText(body.As<Select>()); return;
      case QueryBodyKind::kSetOperation: {
        const auto& s = body.As<SetOperation>();
        Body(*s.left);
        out += s.op == SetOpKind::kUnion ? " UNION " : s.op == SetOpKind::kIntersect ? " INTERSECT " : " EXCEPT ";
        if (s.quantifier == SetQuantifier::kAll) out += "ALL ";
        Body(*s.right);
        return;
      }
      case QueryBodyKind::kValues: {
        const auto& v = body.As<Values>();
        out += "VALUES ";
        for (size_t i = 0; i < v.rows.size(); ++i) {
          if (i > 0) out += ", ";
          out += '(';
          ExprList(v.rows[i]);
          out += ')';
        }
        return;
      }
      case QueryBodyKind::kNested:
        out += '(';
        QueryText(*body.As<NestedQuery>().query);
        out += ')';
        return;
    }
  }

  // ` /*+ NAME('k' = 'v', plain) */`
  void Hints(const std::vector<Hint>& hints) {
    if (hints.empty()) return;
    out += " /*+ ";
    for (size_t i = 0; i < hints.size(); ++i) {
      if (i > 0) out += ", ";
      out += QuoteIdentifier(hints[i].name.name);
      if (hints[i].kv_options.empty() && hints[i].options.empty()) continue;
      out += '(';
      bool first = true;
      for (const auto& [k, v] : hints[i].kv_options) {
        out += (first ? "" : ", ") + QuoteString(k) + " = " + QuoteString(v);
        first = false;
      }
      for (const std::string& o : hints[i].options) {
        out += (first ? "" : ", ") + o;
        first = false;
      }
      out += ')';
    }
    out += " */";
  }

  void SelectText(const Select& s) {
    out += "SELECT";
    Hints(s.hints);
    out += ' ';
    if (s.quantifier == SetQuantifier::kDistinct) out += "DISTINCT ";
    for (size_t i = 0; i < s.items.size(); ++i) {
      if (i > 0) out += ", ";
      Expression(*s.items[i].expr);
      if (s.items[i].alias) {
        out += " AS ";
        Id(*s.items[i].alias);
      }
    }
    if (s.from) {
      out += " FROM ";
      Table(*s.from);
    }
    if (s.where) {
      out += " WHERE ";
      Expression(*s.where);
    }
    if (!s.group_by.empty()) {
      out += " GROUP BY ";
      for (size_t i = 0; i < s.group_by.size(); ++i) {
        if (i > 0) out += ", ";
        Grouping(s.group_by[i]);
      }
    }
    if (s.having) {
      out += " HAVING ";
      Expression(*s.having);
    }
    if (!s.windows.empty()) {
      out += " WINDOW ";
      for (size_t i = 0; i < s.windows.size(); ++i) {
        if (i > 0) out += ", ";
        Id(s.windows[i].name);
        out += " AS ";
        // A named window always prints its parentheses.
        const WindowSpec& w = s.windows[i].spec;
        if (w.reference && w.partition_by.empty() && w.order_by.empty() && !w.frame) {
          out += '(';
          Id(*w.reference);
          out += ')';
        } else {
          Window(w);
        }
      }
    }
  }

  void Grouping(const GroupingElement& g) {
    switch (g.kind) {
      case GroupingKind::kExpr: Expression(*g.expr); return;
      case GroupingKind::kTuple:
        out += '(';
        ExprList(g.tuple);
        out += ')';
        return;
      case GroupingKind::kGroupingSets:
      case GroupingKind::kRollup:
      case GroupingKind::kCube:
        out += g.kind == GroupingKind::kGroupingSets ? "GROUPING SETS ("
               : g.kind == GroupingKind::kRollup     ? "ROLLUP ("
                                                     : "CUBE (";
        for (size_t i = 0; i < g.children.size(); ++i) {
          if (i > 0) out += ", ";
          // Inside a set a parenthesized list is a tuple; a lone expression
          // that prints starting with '(' would read back as one.
          const GroupingElement& child = g.children[i];
          if (child.kind == GroupingKind::kExpr) {
            size_t mark = out.size();
            Expression(*child.expr);
            if (out.size() > mark && out[mark] == '(') {
              out.insert(mark, "(");
              out += ')';
            }
          } else {
            Grouping(child);
          }
        }
        out += ')';
        return;
    }
  }

  void Alias(const TableRef& ref) {
    if (!ref.alias) return;
    out += " AS ";
    Id(*ref.alias);
    if (!ref.column_aliases.empty()) IdList(ref.column_aliases);
  }

  void Table(const TableRef& ref) {
    switch (ref.kind) {
      case TableRefKind::kNamed: {
        const auto& n = ref.As<NamedTableRef>();
        Name(n.name);
        Hints(n.hints);
        if (n.system_time) {
          out += " FOR SYSTEM_TIME AS OF ";
          Expression(*n.system_time);
        }
        break;
      }
      case TableRefKind::kSubquery: {
        const auto& s = ref.As<SubqueryTableRef>();
        if (s.laterality == Laterality::kLateral) out += "LATERAL ";
        out += '(';
        QueryText(*s.query);
        out += ')';
        break;
      }
      case TableRefKind::kJoin: {
        const auto& j = ref.As<JoinTableRef>();
        Table(*j.left);
        switch (j.join) {
          case JoinKind::kInner: out += " JOIN "; break;
          case JoinKind::kLeft: out += " LEFT JOIN "; break;
          case JoinKind::kRight: out += " RIGHT JOIN "; break;
          case JoinKind::kFull: out += " FULL JOIN "; break;
          case JoinKind::kCross: out += " CROSS JOIN "; break;
          case JoinKind::kComma: out += ", "; break;
        }
        if (j.right->kind == TableRefKind::kJoin) {
          out += '(';
          Table(*j.right);
          out += ')';
        } else {
          Table(*j.right);
        }
        if (j.on) {
          out += " ON ";
          Expression(*j.on);
        } else if (!j.using_columns.empty()) {
          out += " USING ";
          IdList(j.using_columns);
        }
        return;  // a join has no alias of its own
      }
      case TableRefKind::kTableFunction: {
        const auto& f = ref.As<TableFunctionRef>();
        if (f.laterality == Laterality::kLateral) out += "LATERAL ";
        out += "TABLE(";
        Name(f.function);
        out += '(';
        for (size_t i = 0; i < f.args.size(); ++i) {
          if (i > 0) out += ", ";
          TableArg(f.args[i]);
        }
        out += "))";
        break;
      }
      case TableRefKind::kUnnest: {
        const auto& u = ref.As<UnnestTableRef>();
        out += "UNNEST(";
        ExprList(u.args);
        out += ')';
        if (u.ordinality == Ordinality::kWith) out += " WITH ORDINALITY";
        break;
      }
    }
    Alias(ref);
  }

  void TableArg(const TableFunctionArg& arg) {
    if (arg.name) {
      Id(*arg.name);
      out += " => ";
    }
    switch (arg.kind) {
      case TableArgKind::kExpr: Expression(*arg.expr); break;
      case TableArgKind::kDescriptor:
        out += "DESCRIPTOR";
        IdList(arg.descriptor);
        break;
      case TableArgKind::kTable:
        out += "TABLE ";
        if (arg.subquery) {
          out += '(';
          QueryText(*arg.subquery);
          out += ')';
        } else {
          Name(arg.table);
        }
        if (!arg.partition_by.empty()) {
          out += " PARTITION BY (";
          ExprList(arg.partition_by);
          out += ')';
        }
        break;
    }
  }

  // -- Statements -----------------------------------------------------------

  void Options(const std::vector<TableOption>& options) {
    out += "WITH (";
    for (size_t i = 0; i < options.size(); ++i) {
      if (i > 0) out += ", ";
      out += QuoteString(options[i].key);
      out += " = ";
      out += QuoteString(options[i].value);
    }
    out += ')';
  }

  void IfNotExists(Existence e) {
    if (e == Existence::kIfNotExists) out += "IF NOT EXISTS ";
  }

  void CreateTable(const CreateTableStatement& st) {
    out += "CREATE ";
    if (st.persistence == Persistence::kTemporary) out += "TEMPORARY ";
    out += "TABLE ";
    IfNotExists(st.existence);
    Name(st.name);
    bool any = !st.columns.empty() || st.watermark || st.primary_key;
    if (any) {
      out += " (";
      bool first = true;
      auto sep = [&] {
        if (!first) out += ", ";
        first = false;
      };
      for (const ColumnDef& c : st.columns) {
        sep();
        Id(c.name);
        if (c.column_kind == ColumnKind::kComputed) {
          out += " AS ";
          Expression(*c.expr);
        } else {
          out += ' ';
          Type(c.type);
          if (c.column_kind == ColumnKind::kMetadata) {
            out += " METADATA";
            if (c.metadata_key) out += " FROM " + QuoteString(*c.metadata_key);
            if (c.virtuality == Virtuality::kVirtual) out += " VIRTUAL";
          }
        }
        if (c.comment) out += " COMMENT " + QuoteString(*c.comment);
      }
      if (st.watermark) {
        sep();
        out += "WATERMARK FOR ";
        Name(st.watermark->column);
        out += " AS ";
        Expression(*st.watermark->expr);
      }
      if (st.primary_key) {
        sep();
        if (st.primary_key->constraint_name) {
          out += "CONSTRAINT ";
          Id(*st.primary_key->constraint_name);
          out += ' ';
        }
        out += "PRIMARY KEY ";
        IdList(st.primary_key->columns);
        out += " NOT ENFORCED";
      }
      out += ')';
    }
    if (st.comment) out += " COMMENT " + QuoteString(*st.comment);
    if (!st.partitioned_by.empty()) {
      out += " PARTITIONED BY ";
      IdList(st.partitioned_by);
    }
    if (!st.options.empty()) {
      out += ' ';
      Options(st.options);
    }
    if (st.as_query) {
      out += " AS ";
      QueryText(*st.as_query);
    }
  }

  void Insert(const InsertStatement& st) {
    out += st.mode == InsertMode::kInto ? "INSERT INTO " : "INSERT OVERWRITE ";
    Name(st.table);
    Hints(st.hints);
    if (!st.columns.empty()) {
      out += ' ';
      IdList(st.columns);
    }
    out += ' ';
    QueryText(*st.query);
  }

  void StatementText(const Statement& s) {
    switch (s.kind) {
      case StatementKind::kQuery: QueryText(*s.As<QueryStatement>().query); return;
      case StatementKind::kCreateTable: CreateTable(s.As<CreateTableStatement>()); return;
      case StatementKind::kCreateView: {
        const auto& v = s.As<CreateViewStatement>();
        out += "CREATE ";
        if (v.persistence == Persistence::kTemporary) out += "TEMPORARY ";
        out += "VIEW ";
        IfNotExists(v.existence);
        Name(v.name);
        if (!v.columns.empty()) {
          out += ' ';
          IdList(v.columns);
        }
        out += " AS ";
        QueryText(*v.query);
        return;
      }
      case StatementKind::kCreateFunction: {
        const auto& f = s.As<CreateFunctionStatement>();
        out += "CREATE ";
        if (f.persistence == Persistence::kTemporary) out += "TEMPORARY ";
        if (f.scope == CreateFunctionStatement::Scope::kSystem) out += "SYSTEM ";
        out += "FUNCTION ";
        IfNotExists(f.existence);
        Name(f.name);
        out += " AS " + QuoteString(f.class_name);
        if (f.language) {
          out += " LANGUAGE ";
          Id(*f.language);
        }
        return;
      }
      case StatementKind::kDrop: {
        const auto& d = s.As<DropStatement>();
        out += "DROP ";
        if (d.persistence == Persistence::kTemporary) out += "TEMPORARY ";
        out += d.object == ObjectKind::kTable ? "TABLE " : d.object == ObjectKind::kView ? "VIEW " : "FUNCTION ";
        if (d.absence == Absence::kIfExists) out += "IF EXISTS ";
        Name(d.name);
        return;
      }
      case StatementKind::kShow: {
        switch (s.As<ShowStatement>().what) {
          case ShowKind::kTables: out += "SHOW TABLES"; break;
          case ShowKind::kViews: out += "SHOW VIEWS"; break;
          case ShowKind::kFunctions: out += "SHOW FUNCTIONS"; break;
          case ShowKind::kJobs: out += "SHOW JOBS"; break;
        }
        return;
      }
      case StatementKind::kDescribe:
        out += "DESCRIBE ";
        Name(s.As<DescribeStatement>().name);
        return;
      case StatementKind::kSet: {
        const auto& set = s.As<SetStatement>();
        out += "SET";
        if (set.option) out += ' ' + QuoteString(set.option->key) + " = " + QuoteString(set.option->value);
        return;
      }
      case StatementKind::kReset: {
        const auto& reset = s.As<ResetStatement>();
        out += "RESET";
        if (reset.key) out += ' ' + QuoteString(*reset.key);
        return;
      }
      case StatementKind::kExplain: {
        const auto& e = s.As<ExplainStatement>();
        out += "EXPLAIN ";
        for (size_t i = 0; i < e.details.size(); ++i) {
          if (i > 0) out += ", ";
          switch (e.details[i]) {
            case ExplainDetail::kEstimatedCost: out += "ESTIMATED_COST"; break;
            case ExplainDetail::kChangelogMode: out += "CHANGELOG_MODE"; break;
            case ExplainDetail::kJsonExecutionPlan: out += "JSON_EXECUTION_PLAN"; break;
            case ExplainDetail::kPlanAdvice: out += "PLAN_ADVICE"; break;
          }
        }
        if (!e.details.empty()) out += ' ';
        StatementText(*e.statement);
        return;
      }
      case StatementKind::kInsert: Insert(s.As<InsertStatement>()); return;
      case StatementKind::kStatementSet: {
        out += "EXECUTE STATEMENT SET BEGIN ";
        for (const auto& insert : s.As<StatementSetStatement>().inserts) {
          Insert(*insert);
          out += "; ";
        }
        out += "END";
        return;
      }
    }
  }
};

bool IsPlainWord(std::string_view name) {
  if (name.empty()) return false;
  char c0 = name[0];
  bool start = (c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_';
  if (!start) return false;
  for (char c : name) {
    bool part = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9') || c == '$';
    if (!part) return false;
  }
  return true;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  if (IsPlainWord(name) && LookupKeyword(name) == Keyword::kNone) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string Unparse(const Script& script) {
  Printer p;
  for (const StatementPtr& s : script.statements) {
    p.StatementText(*s);
    p.out += ";\n";
  }
  return std::move(p.out);
}

std::string Unparse(const Statement& statement) {
  Printer p;
  p.StatementText(statement);
  return std::move(p.out);
}

std::string Unparse(const Query& query) {
  Printer p;
  p.QueryText(query);
  return std::move(p.out);
}

std::string Unparse(const Expr& expr) {
  Printer p;
  p.Expression(expr);
  return std::move(p.out);
}

std::string Unparse(const DataType& type) {
  Printer p;
  p.Type(type);
  return std::move(p.out);
}

}  // namespace sluice::sql
