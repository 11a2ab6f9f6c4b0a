#include "sql/unparser.h"

#include <gtest/gtest.h>

#include "sql/fuzz/parse_fuzz_entry.h"
#include "sql/parser.h"

namespace sluice::sql {
namespace {

std::string Canonical(std::string_view sql) {
  Result<Script> r = ParseScript(sql);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return "";
  std::string text = Unparse(*r);
  // Every canonical text is itself a fixpoint.
  EXPECT_TRUE(CheckParseProperties(text).ok()) << CheckParseProperties(text).message();
  return text;
}

std::string CanonicalExpr(std::string_view sql) {
  Result<ExprPtr> r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? Unparse(*r.value()) : "";
}

TEST(UnparserTest, KeywordsUpperCaseAndWhitespaceNormalized) {
  EXPECT_EQ(Canonical("select  a ,b\n  from   t where a=1 -- note\n"), "SELECT a, b FROM t WHERE a = 1;\n");
}

TEST(UnparserTest, ParenthesesOnlyWherePrecedenceNeedsThem) {
  EXPECT_EQ(CanonicalExpr("((a + b)) * c"), "(a + b) * c");
  EXPECT_EQ(CanonicalExpr("a + (b * c)"), "a + b * c");
  EXPECT_EQ(CanonicalExpr("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(CanonicalExpr("(a - b) - c"), "a - b - c");
  EXPECT_EQ(CanonicalExpr("(a OR b) AND c"), "(a OR b) AND c");
  EXPECT_EQ(CanonicalExpr("NOT (a AND b)"), "NOT (a AND b)");
  EXPECT_EQ(CanonicalExpr("(a = b) IS NULL"), "a = b IS NULL");
  EXPECT_EQ(CanonicalExpr("a = (b IS NULL)"), "a = (b IS NULL)");
  EXPECT_EQ(CanonicalExpr("-(a + b)"), "-(a + b)");
  EXPECT_EQ(CanonicalExpr("- (-a)"), "- -a");
  EXPECT_EQ(CanonicalExpr("x BETWEEN (a AND b) AND c"), "x BETWEEN (a AND b) AND c");
  EXPECT_EQ(CanonicalExpr("(a || b) || c"), "a || b || c");
  EXPECT_EQ(CanonicalExpr("(m['k']).f"), "m['k'].f");
  EXPECT_EQ(CanonicalExpr("(t.a).f"), "(t.a).f");
  EXPECT_EQ(CanonicalExpr("(a + b)[1]"), "(a + b)[1]");
  EXPECT_EQ(CanonicalExpr("(2).f"), "2 .f");
  EXPECT_EQ(CanonicalExpr("(t.*).`f g`"), "t.* .`f g`");
  EXPECT_EQ(CanonicalExpr("(CURRENT_DATE).f"), "(CURRENT_DATE).f");
  EXPECT_EQ(CanonicalExpr("(TRUE).f"), "TRUE.f");
}

TEST(UnparserTest, IdentifiersAreQuotedOnlyWhenNeeded) {
  EXPECT_EQ(QuoteIdentifier("bids"), "bids");
  EXPECT_EQ(QuoteIdentifier("dateTime"), "dateTime");
  EXPECT_EQ(QuoteIdentifier("from"), "`from`");
  EXPECT_EQ(QuoteIdentifier("value"), "value");
  EXPECT_EQ(QuoteIdentifier("key"), "`key`");
  EXPECT_EQ(QuoteIdentifier("with space"), "`with space`");
  EXPECT_EQ(QuoteIdentifier("back`tick"), "`back``tick`");
  EXPECT_EQ(QuoteIdentifier("1st"), "`1st`");
  EXPECT_EQ(QuoteIdentifier("caf\xC3\xA9"), "`caf\xC3\xA9`");
}

TEST(UnparserTest, LiteralsKeepTheirText) {
  EXPECT_EQ(CanonicalExpr("'it''s'"), "'it''s'");
  EXPECT_EQ(CanonicalExpr("1.50"), "1.50");
  EXPECT_EQ(CanonicalExpr("x'0aff'"), "X'0AFF'");
  EXPECT_EQ(CanonicalExpr("interval '10' minutes"), "INTERVAL '10' MINUTE");
  EXPECT_EQ(CanonicalExpr("INTERVAL '1 02' day to hour"), "INTERVAL '1 02' DAY TO HOUR");
  EXPECT_EQ(CanonicalExpr("timestamp '2024-01-01 00:00:00'"), "TIMESTAMP '2024-01-01 00:00:00'");
  EXPECT_EQ(CanonicalExpr("true"), "TRUE");
}

TEST(UnparserTest, FunctionsAndSpecialForms) {
  EXPECT_EQ(CanonicalExpr("count(*)"), "count(*)");
  EXPECT_EQ(CanonicalExpr("count(distinct a) filter (where b > 0)"), "count(DISTINCT a) FILTER (WHERE b > 0)");
  EXPECT_EQ(CanonicalExpr("hour(ts)"), "hour(ts)");
  EXPECT_EQ(CanonicalExpr("substring(s from 1 for 2)"), "substring(s, 1, 2)");
  EXPECT_EQ(CanonicalExpr("trim(s)"), "TRIM(BOTH FROM s)");
  EXPECT_EQ(CanonicalExpr("position('a' in s)"), "position('a' IN s)");
  EXPECT_EQ(CanonicalExpr("cast(a as varchar(10))"), "CAST(a AS VARCHAR(10))");
  EXPECT_EQ(CanonicalExpr("extract(year from ts)"), "EXTRACT(YEAR FROM ts)");
  EXPECT_EQ(CanonicalExpr("floor(ts to hour)"), "floor(ts TO HOUR)");
  EXPECT_EQ(CanonicalExpr("CEIL(ts TO DAY)"), "CEIL(ts TO DAY)");
  EXPECT_EQ(CanonicalExpr("floor(x)"), "floor(x)");
  EXPECT_EQ(CanonicalExpr("s not like 'a!%' escape '!'"), "s NOT LIKE 'a!%' ESCAPE '!'");
  EXPECT_EQ(CanonicalExpr("case when a then 1 else 2 end"), "CASE WHEN a THEN 1 ELSE 2 END");
  EXPECT_EQ(CanonicalExpr("row_number() over (partition by a order by b desc)"),
            "row_number() OVER (PARTITION BY a ORDER BY b DESC)");
  EXPECT_EQ(CanonicalExpr("sum(x) over w"), "sum(x) OVER w");
  EXPECT_EQ(CanonicalExpr("current_timestamp"), "current_timestamp");
  EXPECT_EQ(CanonicalExpr("TIMESTAMPDIFF(day, a, b)"), "TIMESTAMPDIFF(day, a, b)");
  EXPECT_EQ(CanonicalExpr("timestampadd(MINUTE, 5, ts)"), "timestampadd(MINUTE, 5, ts)");
  EXPECT_EQ(CanonicalExpr("f(day)"), "f(`day`)");
  EXPECT_EQ(CanonicalExpr("json_value(j, '$.a' returning int default 0 on empty null on error)"),
            "json_value(j, '$.a' RETURNING INT DEFAULT 0 ON EMPTY NULL ON ERROR)");
  EXPECT_EQ(CanonicalExpr("JSON_EXISTS(j, 'strict $.a' true on error)"), "JSON_EXISTS(j, 'strict $.a' TRUE ON ERROR)");
  EXPECT_EQ(CanonicalExpr("left(s, 2)"), "`left`(s, 2)");
}

TEST(UnparserTest, TypesPrintInCanonicalSpelling) {
  EXPECT_EQ(Canonical("CREATE TABLE t (a INTEGER, b DOUBLE PRECISION, c CHARACTER(2), d TIMESTAMP(3) WITH LOCAL "
                      "TIME ZONE, e TIMESTAMP(3) WITHOUT TIME ZONE, f DEC(5, 1), g ROW(x INT NOT NULL), "
                      "h MAP<STRING, ARRAY<INT>>)"),
            "CREATE TABLE t (a INT, b DOUBLE, c CHAR(2), d TIMESTAMP_LTZ(3), e TIMESTAMP(3), f DECIMAL(5, 1), "
            "g ROW<x INT NOT NULL>, h MAP<STRING, ARRAY<INT>>);\n");
}

TEST(UnparserTest, CreateTablePrintsEveryClause) {
  EXPECT_EQ(Canonical("create temporary table if not exists bids (id bigint primary key not enforced, "
                      "ts as to_timestamp_ltz(ms, 3), k string metadata from 'key' virtual, "
                      "watermark for ts as ts - interval '1' second) comment 'c' partitioned by (id) "
                      "with ('connector'='topic')"),
            "CREATE TEMPORARY TABLE IF NOT EXISTS bids (id BIGINT, ts AS to_timestamp_ltz(ms, 3), "
            "k STRING METADATA FROM 'key' VIRTUAL, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, "
            "PRIMARY KEY (id) NOT ENFORCED) COMMENT 'c' PARTITIONED BY (id) WITH ('connector' = 'topic');\n");
}

TEST(UnparserTest, StatementsAndQueries) {
  EXPECT_EQ(Canonical("begin statement set; insert into a select 1; end; explain plan for select 1; set 'a'='b'; "
                      "reset; show tables; desc t; drop view if exists v"),
            "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;\n"
            "EXPLAIN SELECT 1;\n"
            "SET 'a' = 'b';\n"
            "RESET;\n"
            "SHOW TABLES;\n"
            "DESCRIBE t;\n"
            "DROP VIEW IF EXISTS v;\n");
  EXPECT_EQ(Canonical("select * from a inner join (b left outer join c on b.x = c.x) on a.y = b.y, d"),
            "SELECT * FROM a JOIN (b LEFT JOIN c ON b.x = c.x) ON a.y = b.y, d;\n");
  EXPECT_EQ(Canonical("select * from table(session(table bid partition by k, descriptor(ts), interval '1' minute))"),
            "SELECT * FROM TABLE(session(TABLE bid PARTITION BY (k), DESCRIPTOR(ts), INTERVAL '1' MINUTE));\n");
  EXPECT_EQ(Canonical("(select 1 limit 1) union select 2 order by 1 fetch next 3 rows only"),
            "(SELECT 1 LIMIT 1) UNION SELECT 2 ORDER BY 1 LIMIT 3;\n");
  // Inside GROUPING SETS a parenthesized list is a grouping set, as in Calcite.
  EXPECT_EQ(Canonical("select a from t group by grouping sets ((a, b), ((a + 1) * 2), ())"),
            "SELECT a FROM t GROUP BY GROUPING SETS ((a, b), ((a + 1) * 2), ());\n");
}

}  // namespace
}  // namespace sluice::sql
