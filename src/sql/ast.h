#pragma once

// The syntax tree of a Flink-dialect SQL script, as the parser produces it and
// the binder consumes it. It is purely syntactic: names are not resolved,
// literals keep their source text, and nothing is type-checked.
//
// Shape: every node is a plain struct with public fields, owned by its parent
// through std::unique_ptr (expressions, queries, table references,
// statements) or by value (types, identifiers). Each polymorphic family has a
// `kind` tag and an As<T>() cast, so a binder walks the tree with a switch:
//
//   switch (expr.kind) {
//     case ExprKind::kBinary: { auto& b = expr.As<BinaryExpr>(); ... }
//   }
//
// Every node carries `pos`, the line:column (1-based; columns count UTF-8
// characters) where it begins in the script, so later errors can point at it.
//
// Thread-safety: plain values; a tree may be read from several threads once
// built. Lifetime: a tree owns all its strings and does not refer to the
// source text.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::sql {

struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

// How an identifier was written. A bare identifier keeps its spelling (Flink
// identifiers are case-sensitive); a backquoted one may contain anything.
enum class Quoting { kBare, kBackquoted };

struct Identifier {
  std::string name;
  SourcePos pos;
  Quoting quoting = Quoting::kBare;
};

// `catalog.db.table`, `t.col`, `col`, `row_col.field`.
struct QualifiedName {
  std::vector<Identifier> parts;
  SourcePos pos() const { return parts.empty() ? SourcePos{} : parts.front().pos; }
};

// ---------------------------------------------------------------------------
// Data types

enum class TypeKind {
  kBoolean,
  kTinyInt,
  kSmallInt,
  kInt,
  kBigInt,
  kFloat,
  kDouble,
  kDecimal,  // precision, scale
  kChar,     // precision = length
  kVarchar,  // precision = length; absent = VARCHAR without length
  kString,   // VARCHAR(2147483647)
  kBinary,
  kVarbinary,
  kBytes,
  kDate,
  kTime,          // precision
  kTimestamp,     // precision
  kTimestampLtz,  // TIMESTAMP_LTZ(p) and TIMESTAMP(p) WITH LOCAL TIME ZONE
  kArray,         // element_types[0]
  kMultiset,      // element_types[0]
  kMap,           // element_types[0] key, [1] value
  kRow,           // fields
};

enum class Nullability { kNullable, kNotNull };

struct RowField;

struct DataType {
  TypeKind kind = TypeKind::kInt;
  SourcePos pos;
  std::optional<int32_t> precision;  // DECIMAL(p, s), VARCHAR(n), TIMESTAMP(p) ...
  std::optional<int32_t> scale;
  Nullability nullability = Nullability::kNullable;
  std::vector<DataType> element_types;
  std::vector<RowField> fields;
};

struct RowField {
  Identifier name;
  DataType type;
};

// ---------------------------------------------------------------------------
// Expressions

enum class ExprKind {
  kLiteral,
  kColumnRef,     // a, t.a, t.a.field
  kStar,          // * or t.*
  kUnary,         // -x, +x, NOT x
  kBinary,        // x op y
  kIsPredicate,   // x IS [NOT] NULL/TRUE/FALSE/UNKNOWN
  kIn,            // x [NOT] IN (list) / (subquery)
  kBetween,       // x [NOT] BETWEEN [SYMMETRIC] a AND b
  kLike,          // x [NOT] LIKE|SIMILAR TO p [ESCAPE e]
  kCase,          // CASE [x] WHEN ... THEN ... [ELSE ...] END
  kCast,          // CAST / TRY_CAST (x AS type)
  kExtract,       // EXTRACT(unit FROM x)
  kTrim,          // TRIM([BOTH|LEADING|TRAILING] [chars] FROM x)
  kFunctionCall,  // f(args) [FILTER (WHERE ..)] [OVER (...)]
  kSubquery,      // (SELECT ...) as a scalar
  kExists,        // EXISTS (SELECT ...)
  kItemAccess,    // x[index]
  kFieldAccess,   // (x).field, for a field of a non-name expression
  kConstructor,   // ROW(...), ARRAY[...], MAP[...]
};

struct Expr {
  explicit Expr(ExprKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }

  const ExprKind kind;
  SourcePos pos;
};
using ExprPtr = std::unique_ptr<Expr>;

enum class LiteralKind {
  kNull,
  kBoolean,    // text "TRUE" / "FALSE"
  kInteger,    // text: digits, e.g. "42"
  kDecimal,    // text: exact numeric with a point, e.g. "0.908"
  kDouble,     // text: approximate numeric with an exponent, e.g. "1.5E3"
  kString,     // text: the unescaped value
  kBinary,     // X'0AFF' -> text "0AFF"
  kInterval,   // text: the quoted value, e.g. "10" or "1 02:03:04"; see interval
  kDate,       // DATE '2024-01-31'
  kTime,       // TIME '12:00:00'
  kTimestamp,  // TIMESTAMP '2024-01-31 12:00:00'
};

// Units of INTERVAL qualifiers and EXTRACT.
enum class TimeUnit {
  kYear,
  kQuarter,
  kMonth,
  kWeek,
  kDay,
  kHour,
  kMinute,
  kSecond,
  kMillisecond,
  kMicrosecond,
  kNanosecond,
  kDayOfWeek,  // DOW
  kDayOfYear,  // DOY
  kEpoch,
  kDecade,
  kCentury,
  kMillennium,
};

// `DAY`, `DAY TO SECOND`, `MINUTE TO SECOND`.
struct IntervalQualifier {
  TimeUnit start = TimeUnit::kSecond;
  std::optional<TimeUnit> end;
};

enum class Sign { kPositive, kNegative };

struct LiteralExpr : Expr {
  explicit LiteralExpr(SourcePos p) : Expr(ExprKind::kLiteral, p) {}
  LiteralKind literal_kind = LiteralKind::kNull;
  std::string text;
  IntervalQualifier interval;            // kInterval only
  Sign interval_sign = Sign::kPositive;  // INTERVAL -'1' DAY
};

struct ColumnRefExpr : Expr {
  explicit ColumnRefExpr(SourcePos p) : Expr(ExprKind::kColumnRef, p) {}
  QualifiedName name;
};

struct StarExpr : Expr {
  explicit StarExpr(SourcePos p) : Expr(ExprKind::kStar, p) {}
  QualifiedName qualifier;  // empty for a bare `*`
};

enum class UnaryOp { kMinus, kPlus, kNot };

struct UnaryExpr : Expr {
  explicit UnaryExpr(SourcePos p) : Expr(ExprKind::kUnary, p) {}
  UnaryOp op = UnaryOp::kMinus;
  ExprPtr operand;
};

enum class BinaryOp {
  kOr,
  kAnd,
  kEq,
  kNotEq,  // <> and !=
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kIsDistinctFrom,
  kIsNotDistinctFrom,
  kPlus,
  kMinus,
  kMultiply,
  kDivide,
  kModulo,
  kConcat,  // ||
};

struct BinaryExpr : Expr {
  explicit BinaryExpr(SourcePos p) : Expr(ExprKind::kBinary, p) {}
  BinaryOp op = BinaryOp::kEq;
  ExprPtr left;
  ExprPtr right;
};

enum class Negation { kNone, kNot };
enum class IsTarget { kNull, kTrue, kFalse, kUnknown };

struct IsPredicateExpr : Expr {
  explicit IsPredicateExpr(SourcePos p) : Expr(ExprKind::kIsPredicate, p) {}
  ExprPtr operand;
  Negation negation = Negation::kNone;
  IsTarget target = IsTarget::kNull;
};

struct Query;

struct InExpr : Expr {
  explicit InExpr(SourcePos p) : Expr(ExprKind::kIn, p) {}
  ExprPtr operand;
  Negation negation = Negation::kNone;
  std::vector<ExprPtr> list;        // IN (a, b, c)
  std::unique_ptr<Query> subquery;  // IN (SELECT ...); list is empty then
};

enum class BetweenSymmetry { kAsymmetric, kSymmetric };

struct BetweenExpr : Expr {
  explicit BetweenExpr(SourcePos p) : Expr(ExprKind::kBetween, p) {}
  ExprPtr operand;
  Negation negation = Negation::kNone;
  BetweenSymmetry symmetry = BetweenSymmetry::kAsymmetric;
  ExprPtr low;
  ExprPtr high;
};

enum class LikeKind { kLike, kSimilarTo };

struct LikeExpr : Expr {
  explicit LikeExpr(SourcePos p) : Expr(ExprKind::kLike, p) {}
  LikeKind like_kind = LikeKind::kLike;
  ExprPtr operand;
  Negation negation = Negation::kNone;
  ExprPtr pattern;
  ExprPtr escape;  // may be null
};

struct WhenClause {
  ExprPtr condition;  // the compared value in a simple CASE
  ExprPtr result;
};

struct CaseExpr : Expr {
  explicit CaseExpr(SourcePos p) : Expr(ExprKind::kCase, p) {}
  ExprPtr operand;  // null for a searched CASE
  std::vector<WhenClause> whens;
  ExprPtr else_result;  // may be null
};

enum class CastMode { kCast, kTryCast };

struct CastExpr : Expr {
  explicit CastExpr(SourcePos p) : Expr(ExprKind::kCast, p) {}
  CastMode mode = CastMode::kCast;
  ExprPtr operand;
  DataType type;
};

struct ExtractExpr : Expr {
  explicit ExtractExpr(SourcePos p) : Expr(ExprKind::kExtract, p) {}
  TimeUnit unit = TimeUnit::kYear;
  ExprPtr operand;
};

enum class TrimSide { kBoth, kLeading, kTrailing };

struct TrimExpr : Expr {
  explicit TrimExpr(SourcePos p) : Expr(ExprKind::kTrim, p) {}
  TrimSide side = TrimSide::kBoth;
  ExprPtr characters;  // null: spaces
  ExprPtr operand;
};

enum class SortDirection { kAscending, kDescending };
enum class NullOrder { kDefault, kNullsFirst, kNullsLast };

struct OrderItem {
  ExprPtr expr;
  SortDirection direction = SortDirection::kAscending;
  NullOrder nulls = NullOrder::kDefault;
};

enum class FrameUnit { kRows, kRange };

enum class FrameBoundKind { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };

struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::kCurrentRow;
  ExprPtr offset;  // kPreceding / kFollowing: `10` or `INTERVAL '1' HOUR`
  SourcePos pos;
};

struct WindowFrame {
  FrameUnit unit = FrameUnit::kRows;
  FrameBound start;
  std::optional<FrameBound> end;  // absent: `ROWS 10 PRECEDING` (no BETWEEN)
  SourcePos pos;
};

// `OVER (PARTITION BY .. ORDER BY .. frame)` or `OVER w`.
struct WindowSpec {
  std::optional<Identifier> reference;  // OVER w, or the base window in OVER (w ...)
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
  std::optional<WindowFrame> frame;
  SourcePos pos;
};

enum class SetQuantifier { kAll, kDistinct };

// How a call was written: `f(x)` or a niladic builtin like CURRENT_TIMESTAMP.
enum class CallSyntax { kParenthesized, kNiladic };

// One item of a hint comment, /*+ NAME(options) */: Flink's table hint
// OPTIONS('k' = 'v', ...) overriding a table's options for one use, or a
// query hint such as BROADCAST(t) with plain options.
struct Hint {
  Identifier name;
  std::vector<std::pair<std::string, std::string>> kv_options;  // 'k' = 'v'
  std::vector<std::string> options;                             // plain: identifiers, numbers, strings (as written)
};

// What JSON_VALUE / JSON_QUERY / JSON_EXISTS do ON EMPTY or ON ERROR.
enum class JsonBehaviorKind { kNull, kError, kDefault, kTrue, kFalse, kUnknown };
struct JsonBehavior {
  JsonBehaviorKind kind = JsonBehaviorKind::kNull;
  ExprPtr value;  // DEFAULT value
};
// The SQL/JSON clauses after a JSON function's arguments:
// [RETURNING type] [behavior ON EMPTY] [behavior ON ERROR].
struct JsonClauses {
  std::optional<DataType> returning;
  std::optional<JsonBehavior> on_empty;
  std::optional<JsonBehavior> on_error;
};

struct FunctionCallExpr : Expr {
  explicit FunctionCallExpr(SourcePos p) : Expr(ExprKind::kFunctionCall, p) {}
  QualifiedName name;
  CallSyntax syntax = CallSyntax::kParenthesized;
  SetQuantifier quantifier = SetQuantifier::kAll;  // COUNT(DISTINCT x)
  std::vector<ExprPtr> args;                       // COUNT(*) has one StarExpr argument
  std::optional<TimeUnit> to_unit;                 // FLOOR(x TO unit), CEIL(x TO unit)
  ExprPtr filter;                                  // FILTER (WHERE ...); may be null
  std::unique_ptr<WindowSpec> over;                // may be null
  std::unique_ptr<JsonClauses> json;               // JSON_VALUE(... RETURNING INT NULL ON EMPTY); may be null
};

struct SubqueryExpr : Expr {
  explicit SubqueryExpr(SourcePos p) : Expr(ExprKind::kSubquery, p) {}
  std::unique_ptr<Query> query;
};

struct ExistsExpr : Expr {
  explicit ExistsExpr(SourcePos p) : Expr(ExprKind::kExists, p) {}
  std::unique_ptr<Query> query;
};

struct ItemAccessExpr : Expr {
  explicit ItemAccessExpr(SourcePos p) : Expr(ExprKind::kItemAccess, p) {}
  ExprPtr operand;
  ExprPtr index;
};

struct FieldAccessExpr : Expr {
  explicit FieldAccessExpr(SourcePos p) : Expr(ExprKind::kFieldAccess, p) {}
  ExprPtr operand;
  Identifier field;
};

enum class ConstructorKind { kRow, kArray, kMap };

struct ConstructorExpr : Expr {
  explicit ConstructorExpr(SourcePos p) : Expr(ExprKind::kConstructor, p) {}
  ConstructorKind constructor = ConstructorKind::kRow;
  std::vector<ExprPtr> elements;  // MAP: key, value, key, value ...
};

// ---------------------------------------------------------------------------
// Queries

struct TableRef;
using TableRefPtr = std::unique_ptr<TableRef>;

struct SelectItem {
  ExprPtr expr;  // may be a StarExpr
  std::optional<Identifier> alias;
};

enum class GroupingKind {
  kExpr,          // a
  kTuple,         // (a, b) inside GROUPING SETS / ROLLUP / CUBE; () is the empty set
  kGroupingSets,  // GROUPING SETS (...)
  kRollup,        // ROLLUP (...)
  kCube,          // CUBE (...)
};

struct GroupingElement {
  GroupingKind kind = GroupingKind::kExpr;
  ExprPtr expr;                           // kExpr
  std::vector<ExprPtr> tuple;             // kTuple
  std::vector<GroupingElement> children;  // sets / rollup / cube
  SourcePos pos;
};

struct NamedWindow {
  Identifier name;
  WindowSpec spec;
};

enum class QueryBodyKind { kSelect, kSetOperation, kValues, kNested };

struct QueryBody {
  explicit QueryBody(QueryBodyKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~QueryBody() = default;
  QueryBody(const QueryBody&) = delete;
  QueryBody& operator=(const QueryBody&) = delete;
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  const QueryBodyKind kind;
  SourcePos pos;
};
using QueryBodyPtr = std::unique_ptr<QueryBody>;

struct Select : QueryBody {
  explicit Select(SourcePos p) : QueryBody(QueryBodyKind::kSelect, p) {}
  std::vector<Hint> hints;  // SELECT /*+ BROADCAST(t) */ ...: query hints
  SetQuantifier quantifier = SetQuantifier::kAll;
  std::vector<SelectItem> items;
  TableRefPtr from;  // null: SELECT without FROM
  ExprPtr where;
  std::vector<GroupingElement> group_by;
  ExprPtr having;
  std::vector<NamedWindow> windows;  // WINDOW w AS (...)
};

enum class SetOpKind { kUnion, kIntersect, kExcept };

struct SetOperation : QueryBody {
  explicit SetOperation(SourcePos p) : QueryBody(QueryBodyKind::kSetOperation, p) {}
  SetOpKind op = SetOpKind::kUnion;
  SetQuantifier quantifier = SetQuantifier::kDistinct;  // UNION = UNION DISTINCT
  QueryBodyPtr left;
  QueryBodyPtr right;
};

struct Values : QueryBody {
  explicit Values(SourcePos p) : QueryBody(QueryBodyKind::kValues, p) {}
  std::vector<std::vector<ExprPtr>> rows;
};

// A parenthesized query used as an operand of a set operation, e.g. the
// `(SELECT .. ORDER BY .. LIMIT 3)` in `(...) UNION ALL (...)`.
struct NestedQuery : QueryBody {
  explicit NestedQuery(SourcePos p) : QueryBody(QueryBodyKind::kNested, p) {}
  std::unique_ptr<Query> query;
};

struct CommonTableExpr {
  Identifier name;
  std::vector<Identifier> columns;
  std::unique_ptr<Query> query;
};

// A complete query: [WITH ...] body [ORDER BY ...] [LIMIT n] [OFFSET m].
struct Query {
  SourcePos pos;
  std::vector<CommonTableExpr> with;
  QueryBodyPtr body;
  std::vector<OrderItem> order_by;
  ExprPtr limit;   // LIMIT n or FETCH FIRST n ROWS ONLY; may be null
  ExprPtr offset;  // may be null
};

// ---------------------------------------------------------------------------
// Table references (FROM)

enum class TableRefKind {
  kNamed,          // bids [FOR SYSTEM_TIME AS OF x] [AS b]
  kSubquery,       // [LATERAL] (SELECT ...) [AS q]
  kJoin,           // a JOIN b ON ...
  kTableFunction,  // TABLE(TUMBLE(...)), LATERAL TABLE(f(x))
  kUnnest,         // UNNEST(arr) [WITH ORDINALITY]
};

struct TableRef {
  explicit TableRef(TableRefKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~TableRef() = default;
  TableRef(const TableRef&) = delete;
  TableRef& operator=(const TableRef&) = delete;
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  const TableRefKind kind;
  SourcePos pos;
  std::optional<Identifier> alias;
  std::vector<Identifier> column_aliases;  // AS t(a, b)
};

struct NamedTableRef : TableRef {
  explicit NamedTableRef(SourcePos p) : TableRef(TableRefKind::kNamed, p) {}
  QualifiedName name;
  std::vector<Hint> hints;  // t /*+ OPTIONS('k'='v') */
  ExprPtr system_time;      // FOR SYSTEM_TIME AS OF <expr>; may be null
};

enum class Laterality { kPlain, kLateral };

struct SubqueryTableRef : TableRef {
  explicit SubqueryTableRef(SourcePos p) : TableRef(TableRefKind::kSubquery, p) {}
  Laterality laterality = Laterality::kPlain;
  std::unique_ptr<Query> query;
};

enum class JoinKind { kInner, kLeft, kRight, kFull, kCross, kComma };

struct JoinTableRef : TableRef {
  explicit JoinTableRef(SourcePos p) : TableRef(TableRefKind::kJoin, p) {}
  JoinKind join = JoinKind::kInner;
  TableRefPtr left;
  TableRefPtr right;
  ExprPtr on;                             // ON condition; may be null
  std::vector<Identifier> using_columns;  // USING (a, b)
};

// An argument of a table function: a scalar expression, `TABLE t [PARTITION
// BY k]`, or `DESCRIPTOR(col, ...)`, optionally named (`SIZE => ...`).
enum class TableArgKind { kExpr, kTable, kDescriptor };

struct TableFunctionArg {
  TableArgKind kind = TableArgKind::kExpr;
  std::optional<Identifier> name;      // named-argument form
  ExprPtr expr;                        // kExpr
  QualifiedName table;                 // kTable: TABLE name
  std::unique_ptr<Query> subquery;     // kTable: TABLE (SELECT ...) instead of a name
  std::vector<ExprPtr> partition_by;   // kTable: PARTITION BY (SESSION windows)
  std::vector<Identifier> descriptor;  // kDescriptor
  SourcePos pos;
};

struct TableFunctionRef : TableRef {
  explicit TableFunctionRef(SourcePos p) : TableRef(TableRefKind::kTableFunction, p) {}
  Laterality laterality = Laterality::kPlain;  // LATERAL TABLE(f(x))
  QualifiedName function;                      // TUMBLE, HOP, CUMULATE, SESSION, a UDTF
  std::vector<TableFunctionArg> args;
};

enum class Ordinality { kWithout, kWith };

struct UnnestTableRef : TableRef {
  explicit UnnestTableRef(SourcePos p) : TableRef(TableRefKind::kUnnest, p) {}
  std::vector<ExprPtr> args;
  Ordinality ordinality = Ordinality::kWithout;
};

// ---------------------------------------------------------------------------
// Statements

enum class StatementKind {
  kQuery,
  kCreateTable,  // also CREATE TABLE .. AS SELECT (as_query set)
  kCreateView,
  kCreateFunction,
  kDrop,
  kShow,
  kDescribe,
  kSet,
  kReset,
  kExplain,
  kInsert,
  kStatementSet,
};

struct Statement {
  explicit Statement(StatementKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
  const StatementKind kind;
  SourcePos pos;
};
using StatementPtr = std::unique_ptr<Statement>;

struct QueryStatement : Statement {
  explicit QueryStatement(SourcePos p) : Statement(StatementKind::kQuery, p) {}
  std::unique_ptr<Query> query;
};

enum class Persistence { kPermanent, kTemporary };
enum class Existence { kFailIfExists, kIfNotExists };  // CREATE ... [IF NOT EXISTS]
enum class Absence { kFailIfAbsent, kIfExists };       // DROP ... [IF EXISTS]

enum class ColumnKind { kPhysical, kComputed, kMetadata };
enum class Virtuality { kStored, kVirtual };

struct ColumnDef {
  Identifier name;
  ColumnKind column_kind = ColumnKind::kPhysical;
  DataType type;                            // physical and metadata columns
  ExprPtr expr;                             // computed: `c AS expr`
  std::optional<std::string> metadata_key;  // METADATA FROM 'key'
  Virtuality virtuality = Virtuality::kStored;
  std::optional<std::string> comment;  // COMMENT '...'
  SourcePos pos;
};

struct WatermarkDef {
  QualifiedName column;  // the rowtime column (a nested field is allowed)
  ExprPtr expr;
  SourcePos pos;
};

struct PrimaryKeyDef {
  std::optional<Identifier> constraint_name;  // CONSTRAINT pk PRIMARY KEY ...
  std::vector<Identifier> columns;
  SourcePos pos;
};

struct TableOption {
  std::string key;
  std::string value;
  SourcePos pos;
};

struct CreateTableStatement : Statement {
  explicit CreateTableStatement(SourcePos p) : Statement(StatementKind::kCreateTable, p) {}
  Persistence persistence = Persistence::kPermanent;
  Existence existence = Existence::kFailIfExists;
  QualifiedName name;
  std::vector<ColumnDef> columns;
  std::optional<WatermarkDef> watermark;
  std::optional<PrimaryKeyDef> primary_key;
  std::optional<std::string> comment;
  std::vector<Identifier> partitioned_by;
  std::vector<TableOption> options;
  std::unique_ptr<Query> as_query;  // CREATE TABLE .. AS SELECT; columns are empty then
};

struct CreateViewStatement : Statement {
  explicit CreateViewStatement(SourcePos p) : Statement(StatementKind::kCreateView, p) {}
  Persistence persistence = Persistence::kPermanent;
  Existence existence = Existence::kFailIfExists;
  QualifiedName name;
  std::vector<Identifier> columns;
  std::unique_ptr<Query> query;
};

// CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT EXISTS] name AS 'class' [LANGUAGE JAVA|PYTHON|SCALA]
struct CreateFunctionStatement : Statement {
  explicit CreateFunctionStatement(SourcePos p) : Statement(StatementKind::kCreateFunction, p) {}
  Persistence persistence = Persistence::kPermanent;
  enum class Scope { kCatalog, kSystem } scope = Scope::kCatalog;
  Existence existence = Existence::kFailIfExists;
  QualifiedName name;
  std::string class_name;
  std::optional<Identifier> language;
};

enum class ObjectKind { kTable, kView, kFunction };

struct DropStatement : Statement {
  explicit DropStatement(SourcePos p) : Statement(StatementKind::kDrop, p) {}
  ObjectKind object = ObjectKind::kTable;
  Persistence persistence = Persistence::kPermanent;
  Absence absence = Absence::kFailIfAbsent;
  QualifiedName name;
};

enum class ShowKind { kTables, kViews, kFunctions, kJobs };

struct ShowStatement : Statement {
  explicit ShowStatement(SourcePos p) : Statement(StatementKind::kShow, p) {}
  ShowKind what = ShowKind::kTables;
};

struct DescribeStatement : Statement {
  explicit DescribeStatement(SourcePos p) : Statement(StatementKind::kDescribe, p) {}
  QualifiedName name;
};

// SET 'key' = 'value', or SET alone (list every option).
struct SetStatement : Statement {
  explicit SetStatement(SourcePos p) : Statement(StatementKind::kSet, p) {}
  std::optional<TableOption> option;
};

// RESET 'key', or RESET alone (every option).
struct ResetStatement : Statement {
  explicit ResetStatement(SourcePos p) : Statement(StatementKind::kReset, p) {}
  std::optional<std::string> key;
};

enum class ExplainDetail { kEstimatedCost, kChangelogMode, kJsonExecutionPlan, kPlanAdvice };

struct ExplainStatement : Statement {
  explicit ExplainStatement(SourcePos p) : Statement(StatementKind::kExplain, p) {}
  std::vector<ExplainDetail> details;
  StatementPtr statement;
};

enum class InsertMode { kInto, kOverwrite };

struct InsertStatement : Statement {
  explicit InsertStatement(SourcePos p) : Statement(StatementKind::kInsert, p) {}
  InsertMode mode = InsertMode::kInto;
  QualifiedName table;
  std::vector<Hint> hints;          // INSERT INTO t /*+ OPTIONS('k'='v') */
  std::vector<Identifier> columns;  // empty: all columns in order
  std::unique_ptr<Query> query;
};

// EXECUTE STATEMENT SET BEGIN INSERT ..; INSERT ..; END, or the SQL client's
// `BEGIN STATEMENT SET; ... END;`: the INSERTs run as one job.
struct StatementSetStatement : Statement {
  explicit StatementSetStatement(SourcePos p) : Statement(StatementKind::kStatementSet, p) {}
  std::vector<std::unique_ptr<InsertStatement>> inserts;
};

struct Script {
  std::vector<StatementPtr> statements;
};

}  // namespace sluice::sql
