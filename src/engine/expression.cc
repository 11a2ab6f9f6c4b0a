#include "engine/expression.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

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
  }
  return 1;
}

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
      std::string out = fmt::format("{}(", FnName(n.fn));
      for (size_t i = 0; i < n.args.size(); ++i) out += (i ? ", " : "") + n.args[i].ToString();
      if (n.fn == Fn::kFloorTime) out += fmt::format(" TO {}ms", TimeUnitMillis(n.unit));
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

struct BoundNode {
  ExprKind kind = ExprKind::kLiteral;
  Fn fn = Fn::kAdd;
  TimeUnit unit = TimeUnit::kSecond;
  DataType type = DataType::kInt64;
  int column = -1;
  std::vector<std::unique_ptr<BoundNode>> args;
  std::unique_ptr<Column> out;  // result column; literals are filled once at bind time
};

namespace {

using NodePtr = std::unique_ptr<BoundNode>;

DataType Promote(DataType a, DataType b) {
  if (a == b) return a;
  if (a == DataType::kDouble || b == DataType::kDouble) return DataType::kDouble;
  if (a == DataType::kInt64 || b == DataType::kInt64) return DataType::kInt64;
  return DataType::kInt32;
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
      } else if (a == DataType::kTimestamp && b == DataType::kString) {
        args[1] = CastTo(std::move(args[1]), a, capacity);
      } else if (b == DataType::kTimestamp && a == DataType::kString) {
        args[0] = CastTo(std::move(args[0]), b, capacity);
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
      SLUICE_RETURN_IF_ERROR(need_args(1, 1));
      if (args[0]->type != DataType::kString) return TypeError(e, "needs a STRING");
      out_type = DataType::kString;
      break;
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
  }
  auto b = NewNode(ExprKind::kCall, out_type, capacity);
  b->fn = n.fn;
  b->unit = n.unit;
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
    case DataType::kInt32: f(int32_t{}); break;
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
    case Fn::kFloorTime: {
      CopyValidity(*args[0], out, b);
      const int64_t unit = TimeUnitMillis(n.unit);
      const int64_t* x = args[0]->data<int64_t>();
      int64_t* o = out->data<int64_t>();
      ForActive(b, [&](int i) {
        int64_t q = x[i] / unit;
        if (x[i] % unit < 0) --q;
        o[i] = q * unit;
      });
      break;
    }
  }
  return out;
}

}  // namespace

CompiledExpr::~CompiledExpr() = default;

DataType CompiledExpr::type() const { return root_->type; }

const Column* CompiledExpr::Evaluate(const Batch& batch) { return Eval(*root_, batch); }

bool CompiledExpr::IsColumnRef(int* index) const {
  if (root_->kind != ExprKind::kColumn) return false;
  *index = root_->column;
  return true;
}

Result<std::unique_ptr<CompiledExpr>> CompileExpr(const Expr& expr, const Schema& schema, int capacity) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, Bind(expr, schema, capacity));
  std::unique_ptr<CompiledExpr> c(new CompiledExpr());
  c->root_ = std::move(root);
  return c;
}

Result<DataType> ExprType(const Expr& expr, const Schema& schema) {
  SLUICE_ASSIGN_OR_RETURN(NodePtr root, Bind(expr, schema, 1));
  return root->type;
}

}  // namespace sluice::engine
