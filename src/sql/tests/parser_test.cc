#include "sql/parser.h"

#include <gtest/gtest.h>

#include "sql/unparser.h"

namespace sluice::sql {
namespace {

StatementPtr One(std::string_view sql) {
  Result<StatementPtr> r = ParseStatement(sql);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

ExprPtr Expression(std::string_view sql) {
  Result<ExprPtr> r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

const Select& SelectOf(const Statement& s) { return s.As<QueryStatement>().query->body->As<Select>(); }

// Fully parenthesized form of an expression, to assert tree shape.
std::string Shape(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      return "(" + Shape(*b.left) + " " + std::to_string(static_cast<int>(b.op)) + " " + Shape(*b.right) + ")";
    }
    case ExprKind::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      return std::string(u.op == UnaryOp::kNot ? "!" : u.op == UnaryOp::kMinus ? "-" : "+") + Shape(*u.operand);
    }
    case ExprKind::kIsPredicate: return "is(" + Shape(*e.As<IsPredicateExpr>().operand) + ")";
    case ExprKind::kBetween: {
      const auto& b = e.As<BetweenExpr>();
      return "between(" + Shape(*b.operand) + "," + Shape(*b.low) + "," + Shape(*b.high) + ")";
    }
    default: return Unparse(e);
  }
}

TEST(ParserTest, ArithmeticPrecedenceAndLeftAssociativity) {
  auto op = [](BinaryOp o) { return std::to_string(static_cast<int>(o)); };
  EXPECT_EQ(Shape(*Expression("1 + 2 * 3")), "(1 " + op(BinaryOp::kPlus) + " (2 " + op(BinaryOp::kMultiply) + " 3))");
  EXPECT_EQ(Shape(*Expression("1 - 2 - 3")), "((1 " + op(BinaryOp::kMinus) + " 2) " + op(BinaryOp::kMinus) + " 3)");
  EXPECT_EQ(Shape(*Expression("-a * b")), "(-a " + op(BinaryOp::kMultiply) + " b)");
  // || binds like * (Calcite), tighter than +.
  EXPECT_EQ(Shape(*Expression("a + b || c")), "(a " + op(BinaryOp::kPlus) + " (b " + op(BinaryOp::kConcat) + " c))");
}

TEST(ParserTest, BooleanPrecedence) {
  auto op = [](BinaryOp o) { return std::to_string(static_cast<int>(o)); };
  EXPECT_EQ(Shape(*Expression("a OR b AND NOT c = 1")),
            "(a " + op(BinaryOp::kOr) + " (b " + op(BinaryOp::kAnd) + " !(c " + op(BinaryOp::kEq) + " 1)))");
  // IS binds looser than comparison: (a = b) IS NULL.
  EXPECT_EQ(Shape(*Expression("a = b IS NULL")), "is((a " + op(BinaryOp::kEq) + " b))");
  // BETWEEN's AND is not the boolean AND.
  EXPECT_EQ(Shape(*Expression("x BETWEEN 1 AND 2 AND y")), "(between(x,1,2) " + op(BinaryOp::kAnd) + " y)");
  EXPECT_EQ(Shape(*Expression("x BETWEEN a - 1 AND a + 1")),
            "between(x,(a " + op(BinaryOp::kMinus) + " 1),(a " + op(BinaryOp::kPlus) + " 1))");
}

TEST(ParserTest, PredicatesCarryNegation) {
  ExprPtr in = Expression("x NOT IN (1, 2)");
  ASSERT_EQ(in->kind, ExprKind::kIn);
  EXPECT_EQ(in->As<InExpr>().negation, Negation::kNot);
  EXPECT_EQ(in->As<InExpr>().list.size(), 2u);
  ExprPtr sub = Expression("x IN (SELECT id FROM t)");
  ASSERT_EQ(sub->kind, ExprKind::kIn);
  EXPECT_NE(sub->As<InExpr>().subquery, nullptr);
  ExprPtr like = Expression("name NOT LIKE 'a!%' ESCAPE '!'");
  ASSERT_EQ(like->kind, ExprKind::kLike);
  EXPECT_EQ(like->As<LikeExpr>().negation, Negation::kNot);
  EXPECT_NE(like->As<LikeExpr>().escape, nullptr);
  ExprPtr between = Expression("x NOT BETWEEN SYMMETRIC 5 AND 1");
  EXPECT_EQ(between->As<BetweenExpr>().symmetry, BetweenSymmetry::kSymmetric);
  ExprPtr is = Expression("b IS NOT TRUE");
  EXPECT_EQ(is->As<IsPredicateExpr>().target, IsTarget::kTrue);
  EXPECT_EQ(is->As<IsPredicateExpr>().negation, Negation::kNot);
  ExprPtr distinct = Expression("a IS NOT DISTINCT FROM b");
  EXPECT_EQ(distinct->As<BinaryExpr>().op, BinaryOp::kIsNotDistinctFrom);
}

TEST(ParserTest, IntervalLiterals) {
  ExprPtr e = Expression("INTERVAL '1 02:03:04' DAY TO SECOND");
  const auto& lit = e->As<LiteralExpr>();
  EXPECT_EQ(lit.literal_kind, LiteralKind::kInterval);
  EXPECT_EQ(lit.text, "1 02:03:04");
  EXPECT_EQ(lit.interval.start, TimeUnit::kDay);
  EXPECT_EQ(lit.interval.end, TimeUnit::kSecond);
  ExprPtr plural = Expression("INTERVAL '10' MINUTES");
  EXPECT_EQ(plural->As<LiteralExpr>().interval.start, TimeUnit::kMinute);
  EXPECT_FALSE(plural->As<LiteralExpr>().interval.end);
  EXPECT_EQ(Expression("INTERVAL -'1' YEAR")->As<LiteralExpr>().interval_sign, Sign::kNegative);
}

TEST(ParserTest, FunctionCallsWithDistinctFilterAndOver) {
  ExprPtr e = Expression("count(DISTINCT bidder) FILTER (WHERE price < 10000)");
  const auto& call = e->As<FunctionCallExpr>();
  EXPECT_EQ(call.name.parts[0].name, "count");
  EXPECT_EQ(call.quantifier, SetQuantifier::kDistinct);
  ASSERT_NE(call.filter, nullptr);
  ExprPtr star = Expression("COUNT(*)");
  ASSERT_EQ(star->As<FunctionCallExpr>().args.size(), 1u);
  EXPECT_EQ(star->As<FunctionCallExpr>().args[0]->kind, ExprKind::kStar);

  ExprPtr over = Expression(
      "SUM(amount) OVER (PARTITION BY product ORDER BY ts DESC RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND "
      "CURRENT ROW)");
  const WindowSpec& w = *over->As<FunctionCallExpr>().over;
  EXPECT_EQ(w.partition_by.size(), 1u);
  ASSERT_EQ(w.order_by.size(), 1u);
  EXPECT_EQ(w.order_by[0].direction, SortDirection::kDescending);
  ASSERT_TRUE(w.frame);
  EXPECT_EQ(w.frame->unit, FrameUnit::kRange);
  EXPECT_EQ(w.frame->start.kind, FrameBoundKind::kPreceding);
  EXPECT_EQ(w.frame->start.offset->As<LiteralExpr>().literal_kind, LiteralKind::kInterval);
  EXPECT_EQ(w.frame->end->kind, FrameBoundKind::kCurrentRow);
}

TEST(ParserTest, SpecialFunctionSyntaxes) {
  ExprPtr cast = Expression("TRY_CAST(x AS DECIMAL(10, 2) NOT NULL)");
  EXPECT_EQ(cast->As<CastExpr>().mode, CastMode::kTryCast);
  EXPECT_EQ(cast->As<CastExpr>().type.kind, TypeKind::kDecimal);
  EXPECT_EQ(cast->As<CastExpr>().type.scale, 2);
  EXPECT_EQ(cast->As<CastExpr>().type.nullability, Nullability::kNotNull);
  EXPECT_EQ(Expression("EXTRACT(DOY FROM ts)")->As<ExtractExpr>().unit, TimeUnit::kDayOfYear);
  ExprPtr trim = Expression("TRIM(TRAILING 'x' FROM s)");
  EXPECT_EQ(trim->As<TrimExpr>().side, TrimSide::kTrailing);
  EXPECT_NE(trim->As<TrimExpr>().characters, nullptr);
  EXPECT_EQ(Expression("SUBSTRING(s FROM 2 FOR 3)")->As<FunctionCallExpr>().args.size(), 3u);
  EXPECT_EQ(Expression("POSITION('a' IN s)")->As<FunctionCallExpr>().args.size(), 2u);
  ExprPtr floor = Expression("FLOOR(ts TO HOUR)");
  EXPECT_EQ(floor->As<FunctionCallExpr>().args.size(), 1u);
  EXPECT_EQ(floor->As<FunctionCallExpr>().to_unit, TimeUnit::kHour);
  EXPECT_EQ(Expression("ceiling(ts to month)")->As<FunctionCallExpr>().to_unit, TimeUnit::kMonth);
  EXPECT_FALSE(Expression("FLOOR(x)")->As<FunctionCallExpr>().to_unit.has_value());
  ExprPtr like = Expression("s NOT LIKE 'a!%' ESCAPE '!'");
  EXPECT_EQ(like->As<LikeExpr>().negation, Negation::kNot);
  EXPECT_NE(like->As<LikeExpr>().escape, nullptr);
  EXPECT_EQ(Expression("CURRENT_TIMESTAMP")->As<FunctionCallExpr>().syntax, CallSyntax::kNiladic);
  EXPECT_EQ(Expression("`CURRENT_TIMESTAMP`")->kind, ExprKind::kColumnRef);
  ExprPtr c = Expression("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END");
  EXPECT_EQ(c->As<CaseExpr>().whens.size(), 2u);
  EXPECT_EQ(c->As<CaseExpr>().operand, nullptr);
  EXPECT_NE(Expression("CASE x WHEN 1 THEN 'a' END")->As<CaseExpr>().operand, nullptr);
}

TEST(ParserTest, NamesItemsAndConstructors) {
  ExprPtr name = Expression("cat.db.t.col");
  EXPECT_EQ(name->As<ColumnRefExpr>().name.parts.size(), 4u);
  ExprPtr star = Expression("t.*");
  EXPECT_EQ(star->As<StarExpr>().qualifier.parts[0].name, "t");
  ExprPtr item = Expression("m['k'][1]");
  ASSERT_EQ(item->kind, ExprKind::kItemAccess);
  EXPECT_EQ(item->As<ItemAccessExpr>().operand->kind, ExprKind::kItemAccess);
  ExprPtr field = Expression("m['k'].city");
  EXPECT_EQ(field->As<FieldAccessExpr>().field.name, "city");
  EXPECT_EQ(Expression("ROW(1, 'a')")->As<ConstructorExpr>().elements.size(), 2u);
  EXPECT_EQ(Expression("MAP['a', 1]")->As<ConstructorExpr>().constructor, ConstructorKind::kMap);
  EXPECT_EQ(Expression("ARRAY[1]")->As<ConstructorExpr>().constructor, ConstructorKind::kArray);
  // Non-reserved keywords stay usable as names, as in Flink.
  EXPECT_EQ(Expression("key")->kind, ExprKind::kColumnRef);
  EXPECT_EQ(Expression("`value`")->As<ColumnRefExpr>().name.parts[0].quoting, Quoting::kBackquoted);
}

TEST(ParserTest, CreateTableWithEveryKindOfColumn) {
  StatementPtr s =
      One("CREATE TEMPORARY TABLE IF NOT EXISTS db.bids (\n"
          "  auction BIGINT NOT NULL,\n"
          "  price DECIMAL(23, 3),\n"
          "  ts AS TO_TIMESTAMP_LTZ(ts_ms, 3),\n"
          "  kts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,\n"
          "  offs BIGINT METADATA,\n"
          "  tags ARRAY<STRING>, m MAP<STRING, INT>, r ROW<a INT, b STRING>,\n"
          "  lt TIMESTAMP(3) WITH LOCAL TIME ZONE,\n"
          "  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND,\n"
          "  PRIMARY KEY (auction) NOT ENFORCED\n"
          ") WITH ('connector' = 'topic', 'topic' = 'bids')");
  ASSERT_EQ(s->kind, StatementKind::kCreateTable);
  const auto& ct = s->As<CreateTableStatement>();
  EXPECT_EQ(ct.persistence, Persistence::kTemporary);
  EXPECT_EQ(ct.existence, Existence::kIfNotExists);
  EXPECT_EQ(ct.name.parts.size(), 2u);
  ASSERT_EQ(ct.columns.size(), 9u);
  EXPECT_EQ(ct.columns[0].type.nullability, Nullability::kNotNull);
  EXPECT_EQ(ct.columns[1].type.precision, 23);
  EXPECT_EQ(ct.columns[2].column_kind, ColumnKind::kComputed);
  EXPECT_EQ(ct.columns[3].column_kind, ColumnKind::kMetadata);
  EXPECT_EQ(ct.columns[3].metadata_key, "timestamp");
  EXPECT_EQ(ct.columns[3].virtuality, Virtuality::kVirtual);
  EXPECT_FALSE(ct.columns[4].metadata_key);
  EXPECT_EQ(ct.columns[5].type.element_types[0].kind, TypeKind::kString);
  EXPECT_EQ(ct.columns[6].type.element_types.size(), 2u);
  EXPECT_EQ(ct.columns[7].type.fields[1].name.name, "b");
  EXPECT_EQ(ct.columns[8].type.kind, TypeKind::kTimestampLtz);
  ASSERT_TRUE(ct.watermark);
  EXPECT_EQ(ct.watermark->column.parts[0].name, "ts");
  EXPECT_EQ(ct.watermark->pos, (SourcePos{9, 3}));
  ASSERT_TRUE(ct.primary_key);
  EXPECT_EQ(ct.primary_key->columns[0].name, "auction");
  ASSERT_EQ(ct.options.size(), 2u);
  EXPECT_EQ(ct.options[1].key, "topic");
  EXPECT_EQ(ct.options[1].value, "bids");
}

TEST(ParserTest, ColumnLevelPrimaryKeyBecomesTheTableKey) {
  StatementPtr s = One("CREATE TABLE t (id BIGINT PRIMARY KEY NOT ENFORCED, v STRING) WITH ('connector' = 'x')");
  const auto& ct = s->As<CreateTableStatement>();
  ASSERT_TRUE(ct.primary_key);
  EXPECT_EQ(ct.primary_key->columns[0].name, "id");
  EXPECT_EQ(ct.columns.size(), 2u);
}

TEST(ParserTest, CreateTableAsSelect) {
  StatementPtr s = One("CREATE TABLE t WITH ('connector' = 'print') AS SELECT a FROM s");
  const auto& ct = s->As<CreateTableStatement>();
  EXPECT_TRUE(ct.columns.empty());
  ASSERT_NE(ct.as_query, nullptr);
  EXPECT_EQ(ct.options.size(), 1u);
}

TEST(ParserTest, WindowTableFunctionArguments) {
  StatementPtr s =
      One("SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (item, seller), DESCRIPTOR(ts), INTERVAL '5' MINUTE)) "
          "AS w");
  const auto& fn = SelectOf(*s).from->As<TableFunctionRef>();
  EXPECT_EQ(fn.function.parts[0].name, "SESSION");
  ASSERT_EQ(fn.args.size(), 3u);
  EXPECT_EQ(fn.args[0].kind, TableArgKind::kTable);
  EXPECT_EQ(fn.args[0].table.parts[0].name, "bid");
  EXPECT_EQ(fn.args[0].partition_by.size(), 2u);
  EXPECT_EQ(fn.args[1].kind, TableArgKind::kDescriptor);
  EXPECT_EQ(fn.args[1].descriptor[0].name, "ts");
  EXPECT_EQ(fn.args[2].kind, TableArgKind::kExpr);
  EXPECT_EQ(fn.alias->name, "w");

  StatementPtr named =
      One("SELECT * FROM TABLE(TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' MINUTE))");
  const auto& tumble = SelectOf(*named).from->As<TableFunctionRef>();
  ASSERT_EQ(tumble.args.size(), 3u);
  EXPECT_EQ(tumble.args[0].name->name, "DATA");
  EXPECT_EQ(tumble.args[2].name->name, "SIZE");
}

TEST(ParserTest, JoinsAreLeftDeepWithConditions) {
  StatementPtr s =
      One("SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (y), d CROSS JOIN UNNEST(d.arr) AS u(v)");
  const auto& top = SelectOf(*s).from->As<JoinTableRef>();
  EXPECT_EQ(top.join, JoinKind::kCross);
  EXPECT_EQ(top.right->kind, TableRefKind::kUnnest);
  EXPECT_EQ(top.right->column_aliases[0].name, "v");
  const auto& comma = top.left->As<JoinTableRef>();
  EXPECT_EQ(comma.join, JoinKind::kComma);
  const auto& left = comma.left->As<JoinTableRef>();
  EXPECT_EQ(left.join, JoinKind::kLeft);
  EXPECT_EQ(left.using_columns[0].name, "y");
  EXPECT_NE(left.left->As<JoinTableRef>().on, nullptr);
}

TEST(ParserTest, TemporalJoinAndLateralTable) {
  StatementPtr s =
      One("SELECT * FROM o JOIN r FOR SYSTEM_TIME AS OF o.ts AS rr ON o.k = rr.k, LATERAL TABLE(split(o.s)) AS t(w)");
  const auto& comma = SelectOf(*s).from->As<JoinTableRef>();
  const auto& temporal = comma.left->As<JoinTableRef>().right->As<NamedTableRef>();
  ASSERT_NE(temporal.system_time, nullptr);
  EXPECT_EQ(temporal.alias->name, "rr");
  const auto& lateral = comma.right->As<TableFunctionRef>();
  EXPECT_EQ(lateral.laterality, Laterality::kLateral);
  EXPECT_EQ(lateral.args[0].kind, TableArgKind::kExpr);
}

TEST(ParserTest, QueryClauses) {
  StatementPtr s = One(
      "WITH w AS (SELECT 1 AS a) SELECT DISTINCT a, COUNT(*) c FROM w WHERE a > 0 GROUP BY GROUPING SETS ((a), ()), "
      "ROLLUP (a, b), CUBE (a) HAVING COUNT(*) > 1 ORDER BY a DESC NULLS FIRST LIMIT 10 OFFSET 2");
  const Query& q = *s->As<QueryStatement>().query;
  EXPECT_EQ(q.with.size(), 1u);
  EXPECT_EQ(q.order_by[0].nulls, NullOrder::kNullsFirst);
  EXPECT_NE(q.limit, nullptr);
  EXPECT_NE(q.offset, nullptr);
  const Select& sel = q.body->As<Select>();
  EXPECT_EQ(sel.quantifier, SetQuantifier::kDistinct);
  EXPECT_EQ(sel.items[1].alias->name, "c");
  ASSERT_EQ(sel.group_by.size(), 3u);
  EXPECT_EQ(sel.group_by[0].kind, GroupingKind::kGroupingSets);
  EXPECT_EQ(sel.group_by[0].children[1].kind, GroupingKind::kTuple);
  EXPECT_TRUE(sel.group_by[0].children[1].tuple.empty());
  EXPECT_EQ(sel.group_by[1].kind, GroupingKind::kRollup);
  EXPECT_EQ(sel.group_by[2].kind, GroupingKind::kCube);
}

TEST(ParserTest, SetOperationsIntersectBindsTighter) {
  StatementPtr s = One("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4");
  const auto& except = s->As<QueryStatement>().query->body->As<SetOperation>();
  EXPECT_EQ(except.op, SetOpKind::kExcept);
  const auto& uni = except.left->As<SetOperation>();
  EXPECT_EQ(uni.op, SetOpKind::kUnion);
  EXPECT_EQ(uni.quantifier, SetQuantifier::kAll);
  EXPECT_EQ(uni.right->As<SetOperation>().op, SetOpKind::kIntersect);
}

TEST(ParserTest, ScriptStatementsAndStatementSets) {
  Result<Script> r = ParseScript(
      "SET 'a' = 'b';; RESET; SHOW TABLES; DESCRIBE t; DROP TEMPORARY VIEW IF EXISTS v;\n"
      "EXECUTE STATEMENT SET BEGIN INSERT INTO x SELECT 1; INSERT INTO y (c) SELECT 2; END;\n"
      "BEGIN STATEMENT SET; INSERT INTO z SELECT 3; END;\n"
      "EXPLAIN CHANGELOG_MODE INSERT INTO x SELECT 1");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& st = r->statements;
  ASSERT_EQ(st.size(), 8u);
  EXPECT_EQ(st[0]->As<SetStatement>().option->value, "b");
  EXPECT_FALSE(st[1]->As<ResetStatement>().key);
  EXPECT_EQ(st[2]->As<ShowStatement>().what, ShowKind::kTables);
  EXPECT_EQ(st[3]->kind, StatementKind::kDescribe);
  EXPECT_EQ(st[4]->As<DropStatement>().object, ObjectKind::kView);
  EXPECT_EQ(st[4]->As<DropStatement>().absence, Absence::kIfExists);
  const auto& set = st[5]->As<StatementSetStatement>();
  ASSERT_EQ(set.inserts.size(), 2u);
  EXPECT_EQ(set.inserts[1]->columns[0].name, "c");
  EXPECT_EQ(st[6]->As<StatementSetStatement>().inserts.size(), 1u);
  const auto& explain = st[7]->As<ExplainStatement>();
  EXPECT_EQ(explain.details[0], ExplainDetail::kChangelogMode);
  EXPECT_EQ(explain.statement->kind, StatementKind::kInsert);
}

TEST(ParserTest, EveryNodeCarriesItsPosition) {
  StatementPtr s = One("SELECT a,\n       b + 1 AS c\nFROM t\nWHERE x = 'y'");
  const Select& sel = SelectOf(*s);
  EXPECT_EQ(s->pos, (SourcePos{1, 1}));
  EXPECT_EQ(sel.items[0].expr->pos, (SourcePos{1, 8}));
  EXPECT_EQ(sel.items[1].expr->pos, (SourcePos{2, 8}));
  EXPECT_EQ(sel.items[1].expr->As<BinaryExpr>().right->pos, (SourcePos{2, 12}));
  EXPECT_EQ(sel.items[1].alias->pos, (SourcePos{2, 17}));
  EXPECT_EQ(sel.from->pos, (SourcePos{3, 6}));
  EXPECT_EQ(sel.where->As<BinaryExpr>().right->pos, (SourcePos{4, 11}));
}

TEST(ParserTest, EmptyScriptHasNoStatements) {
  Result<Script> r = ParseScript("  -- nothing\n ; ;");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->statements.empty());
}

}  // namespace
}  // namespace sluice::sql
