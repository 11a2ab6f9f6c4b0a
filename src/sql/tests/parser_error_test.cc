// Every syntax error the parser reports, with its exact message. The first
// line of a message is `line L:C: expected X, found Y`; the two lines after
// it show the offending source line with a caret (checked separately below).

#include <gtest/gtest.h>

#include <string>

#include "sql/parser.h"

namespace sluice::sql {
namespace {

struct ErrorCase {
  const char* sql;
  const char* message;  // first line of the Status message
};

// One input per error path of parser.cc.
const ErrorCase kErrorCases[] = {
    {"SELECT 1 2", "line 1:10: expected ';' or end of input after the statement, found number 2"},
    {"ALTER TABLE t",
     "line 1:1: expected a statement (SELECT, INSERT, CREATE, DROP, SHOW, DESCRIBE, SET, RESET, EXPLAIN or EXECUTE "
     "STATEMENT SET), found identifier ALTER"},
    {"CREATE INDEX i", "line 1:8: expected TABLE, VIEW, FUNCTION or TEMPORARY after CREATE, found identifier INDEX"},
    {"CREATE TEMPORARY INDEX i",
     "line 1:18: expected TABLE, VIEW or FUNCTION after CREATE TEMPORARY, found identifier INDEX"},
    {"CREATE TABLE", "line 1:13: expected a table name after CREATE TABLE, found end of input"},
    {"CREATE TABLE IF EXISTS t (a INT)",
     "line 1:17: expected NOT EXISTS after IF (CREATE ... IF NOT EXISTS), found keyword EXISTS"},
    {"CREATE TABLE bids (a INT, b)",
     "line 1:28: expected a data type or AS after column b of CREATE TABLE bids, found ')'"},
    {"CREATE TABLE bids (a INT b INT)",
     "line 1:26: expected ',' or ')' after the column a in the column list of CREATE TABLE bids, found identifier b"},
    {"CREATE TABLE bids",
     "line 1:18: expected '(' to start the column list of CREATE TABLE bids, or AS and a query, found end of input"},
    {"CREATE TABLE bids (a INT) COMMENT 5",
     "line 1:35: expected a quoted comment after COMMENT in CREATE TABLE bids, found number 5"},
    {"CREATE TABLE bids (a INT) PARTITIONED (a)", "line 1:39: expected BY after PARTITIONED, found '('"},
    {"CREATE TABLE bids (a INT) PARTITIONED BY a",
     "line 1:42: expected '(' and the partition columns after PARTITIONED BY, found identifier a"},
    {"CREATE TABLE bids (a INT) PARTITIONED BY (a b)",
     "line 1:45: expected ',' or ')' to close the PARTITIONED BY list, found identifier b"},
    {"CREATE TABLE bids (a INT) AS", "line 1:29: expected a query after AS in CREATE TABLE bids, found end of input"},
    {"CREATE TABLE bids WITH ('connector' = 'x')",
     "line 1:1: expected a column list or AS SELECT in CREATE TABLE bids, found neither; declare the columns: CREATE "
     "TABLE bids (col TYPE, ...) WITH (...)"},
    {"CREATE TABLE bids (WATERMARK FOR 1 AS ts)",
     "line 1:34: expected the rowtime column after WATERMARK FOR, found number 1"},
    {"CREATE TABLE bids (WATERMARK FOR ts ts)",
     "line 1:37: expected AS and the watermark expression after WATERMARK FOR ts, found identifier ts"},
    {"CREATE TABLE bids (ts TIMESTAMP(3), WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts)",
     "line 1:61: expected at most one WATERMARK in CREATE TABLE bids, found a second one"},
    {"CREATE TABLE bids (CONSTRAINT pk KEY (a))",
     "line 1:34: expected PRIMARY KEY after the constraint name, found keyword KEY"},
    {"CREATE TABLE bids (PRIMARY KEY a)",
     "line 1:32: expected '(' and the key columns after PRIMARY KEY, found identifier a"},
    {"CREATE TABLE bids (PRIMARY KEY (a,))", "line 1:35: expected a key column name, found ')'"},
    {"CREATE TABLE bids (PRIMARY KEY (a b))",
     "line 1:35: expected ',' or ')' to close the PRIMARY KEY columns, found identifier b"},
    {"CREATE TABLE bids (PRIMARY KEY (a))",
     "line 1:35: expected NOT ENFORCED after PRIMARY KEY (Flink does not check primary keys and requires saying so), "
     "found ')'"},
    {"CREATE TABLE bids (a INT, PRIMARY KEY (a) NOT ENFORCED, PRIMARY KEY (a) NOT ENFORCED)",
     "line 1:57: expected at most one PRIMARY KEY in CREATE TABLE bids, found a second one"},
    {"CREATE TABLE bids (a INT PRIMARY KEY NOT ENFORCED, PRIMARY KEY (a) NOT ENFORCED)",
     "line 1:52: expected at most one PRIMARY KEY in CREATE TABLE bids, found a second one"},
    {"CREATE TABLE bids (PRIMARY KEY (a) NOT ENFORCED, a INT PRIMARY KEY NOT ENFORCED)",
     "line 1:56: expected at most one PRIMARY KEY in CREATE TABLE bids, found a second one"},
    {"CREATE TABLE bids (a INT PRIMARY a)", "line 1:34: expected KEY after PRIMARY, found identifier a"},
    {"CREATE TABLE bids (from INT)",
     "line 1:20: expected a column name, WATERMARK FOR or PRIMARY KEY in the column list of CREATE TABLE bids, found "
     "keyword FROM (a reserved word: write `from` to use it as a name)"},
    {"CREATE TABLE bids (a)", "line 1:21: expected a data type or AS after column a of CREATE TABLE bids, found ')'"},
    {"CREATE TABLE bids (a INT METADATA FROM x)",
     "line 1:40: expected a quoted metadata key after METADATA FROM, as in 'timestamp', found identifier x"},
    {"CREATE TABLE bids (a INT COMMENT x)",
     "line 1:34: expected a quoted comment after COMMENT for column a, found identifier x"},
    {"CREATE TABLE bids (a INT) WITH 'x'", "line 1:32: expected '(' after WITH in CREATE TABLE bids, found string 'x'"},
    {"CREATE TABLE bids (a INT) WITH (connector = 'x')",
     "line 1:33: expected a quoted option key such as 'connector' in the WITH clause of CREATE TABLE bids, found "
     "identifier connector"},
    {"CREATE TABLE bids (a INT) WITH ('connector' 'x')",
     "line 1:45: expected '=' after option 'connector', found string 'x'"},
    {"CREATE TABLE bids (a INT) WITH ('connector' = x)",
     "line 1:47: expected a quoted value for option 'connector', found identifier x"},
    {"CREATE TABLE bids (a INT) WITH ('connector' = 'x' 'y' = 'z')",
     "line 1:51: expected ',' or ')' in the WITH clause of CREATE TABLE bids, found string 'y'"},
    {"CREATE VIEW", "line 1:12: expected a view name after CREATE VIEW, found end of input"},
    {"CREATE VIEW v (a b) AS SELECT 1",
     "line 1:18: expected ',' or ')' to close the columns of CREATE VIEW v, found identifier b"},
    {"CREATE VIEW v SELECT 1", "line 1:15: expected AS and a query in CREATE VIEW v, found keyword SELECT"},
    {"CREATE VIEW v AS bids", "line 1:18: expected a query after AS in CREATE VIEW v, found identifier bids"},
    {"CREATE TEMPORARY SYSTEM TABLE f",
     "line 1:25: expected FUNCTION after CREATE TEMPORARY SYSTEM, found keyword TABLE"},
    {"CREATE FUNCTION", "line 1:16: expected a function name after CREATE FUNCTION, found end of input"},
    {"CREATE FUNCTION f 'x'",
     "line 1:19: expected AS and the implementing class name after the function name, found string 'x'"},
    {"CREATE FUNCTION f AS x",
     "line 1:22: expected the quoted class name of the function after AS, found identifier x"},
    {"CREATE FUNCTION f AS 'x' LANGUAGE 'java'",
     "line 1:35: expected JAVA, SCALA or PYTHON after LANGUAGE, found string 'java'"},
    {"DROP INDEX i", "line 1:6: expected TABLE, VIEW or FUNCTION after DROP, found identifier INDEX"},
    {"DROP TABLE", "line 1:11: expected the name of the object to drop, found end of input"},
    {"SHOW DATABASES", "line 1:6: expected TABLES, VIEWS, FUNCTIONS or JOBS after SHOW, found identifier DATABASES"},
    {"DESCRIBE", "line 1:9: expected a table or view name after DESCRIBE, found end of input"},
    {"SET x = 'y'",
     "line 1:5: expected a quoted key after SET, as in SET 'table.exec.state.ttl' = '1 h', found identifier x"},
    {"SET 'x' 'y'", "line 1:9: expected '=' after SET 'x', found string 'y'"},
    {"SET 'x' = y", "line 1:11: expected a quoted value for SET 'x', found identifier y"},
    {"RESET x", "line 1:7: expected a quoted key or end of statement after RESET, found identifier x"},
    {"EXPLAIN DROP TABLE t",
     "line 1:9: expected a query, INSERT or EXECUTE STATEMENT SET to explain, found keyword DROP"},
    {"EXPLAIN PLAN SELECT 1", "line 1:14: expected FOR after EXPLAIN PLAN, found keyword SELECT"},
    {"EXPLAIN CHANGELOG_MODE, x SELECT 1",
     "line 1:25: expected ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN or PLAN_ADVICE after ',', found "
     "identifier x"},
    {"INSERT t SELECT 1", "line 1:8: expected INTO or OVERWRITE after INSERT, found identifier t"},
    {"INSERT INTO", "line 1:12: expected the target table name after INSERT INTO, found end of input"},
    {"INSERT INTO t (a b) SELECT 1",
     "line 1:18: expected ',' or ')' to close the column list of INSERT INTO t, found identifier b"},
    {"INSERT INTO t (1) SELECT 1",
     "line 1:16: expected a column name in the column list of INSERT INTO t, found number 1"},
    {"INSERT INTO t", "line 1:14: expected a query (SELECT, VALUES or WITH) after INSERT INTO t, found end of input"},
    {"EXECUTE SET", "line 1:9: expected STATEMENT SET after EXECUTE, found keyword SET"},
    {"EXECUTE STATEMENT BEGIN", "line 1:19: expected SET after EXECUTE STATEMENT, found keyword BEGIN"},
    {"EXECUTE STATEMENT SET INSERT", "line 1:23: expected BEGIN after EXECUTE STATEMENT SET, found keyword INSERT"},
    {"EXECUTE STATEMENT SET BEGIN END",
     "line 1:29: expected at least one INSERT INTO in the STATEMENT SET, found keyword END"},
    {"EXECUTE STATEMENT SET BEGIN SELECT 1; END",
     "line 1:29: expected INSERT INTO or END in the STATEMENT SET, found keyword SELECT"},
    {"EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1 INSERT INTO t SELECT 2 END",
     "line 1:52: expected ';' or END after the INSERT in the STATEMENT SET, found keyword INSERT"},
    {"BEGIN STATEMENT INSERT", "line 1:17: expected SET after BEGIN STATEMENT, found keyword INSERT"},
    {"BEGIN STATEMENT SET; INSERT INTO t SELECT 1;",
     "line 1:45: expected INSERT INTO or END in the STATEMENT SET, found end of input"},
    {"CREATE TABLE t (a VARCHAR(99999999999))",
     "line 1:27: expected a length or precision in VARCHAR(...), found 99999999999 which is too large"},
    {"CREATE TABLE t (a VARCHAR(x))", "line 1:27: expected a length or precision in VARCHAR(...), found identifier x"},
    {"CREATE TABLE t (a VARCHAR(10)",
     "line 1:30: expected ',' or ')' after the column a in the column list of CREATE TABLE t, found end of input"},
    {"CREATE TABLE t (a DECIMAL(x))", "line 1:27: expected a precision in DECIMAL(p, s), found identifier x"},
    {"CREATE TABLE t (a DECIMAL(10, x))", "line 1:31: expected a scale in DECIMAL(p, s), found identifier x"},
    {"CREATE TABLE t (a DECIMAL(10 2))", "line 1:30: expected ')' to close DECIMAL(p, s), found number 2"},
    {"CREATE TABLE t (a TIMESTAMP(3) WITHOUT ZONE)", "line 1:40: expected TIME ZONE after WITHOUT, found keyword ZONE"},
    {"CREATE TABLE t (a TIMESTAMP(3) WITHOUT TIME)", "line 1:44: expected ZONE after WITHOUT TIME, found ')'"},
    {"CREATE TABLE t (a TIMESTAMP(3) WITH LOCAL ZONE)",
     "line 1:43: expected TIME ZONE after WITH LOCAL, found keyword ZONE"},
    {"CREATE TABLE t (a TIMESTAMP(3) WITH LOCAL TIME)", "line 1:47: expected ZONE after WITH LOCAL TIME, found ')'"},
    {"CREATE TABLE t (a ARRAY INT)", "line 1:25: expected '<' and the element type after ARRAY, found keyword INT"},
    {"CREATE TABLE t (a ARRAY<>)", "line 1:24: expected '<' and the element type after ARRAY, found '<>'"},
    {"CREATE TABLE t (a ARRAY<INT)", "line 1:28: expected '>' to close ARRAY<...>, found ')'"},
    {"CREATE TABLE t (a MAP INT)", "line 1:23: expected '<' and the key and value types after MAP, found keyword INT"},
    {"CREATE TABLE t (a MAP<1, INT>)", "line 1:23: expected the key type of MAP<key, value>, found number 1"},
    {"CREATE TABLE t (a MAP<INT INT>)",
     "line 1:27: expected ',' and the value type in MAP<key, value>, found keyword INT"},
    {"CREATE TABLE t (a MAP<INT, x>)", "line 1:28: expected the value type of MAP<key, value>, found identifier x"},
    {"CREATE TABLE t (a MAP<INT, INT)", "line 1:31: expected '>' to close MAP<key, value>, found ')'"},
    {"CREATE TABLE t (a ROW INT)",
     "line 1:23: expected '<' and the fields after ROW, as in ROW<id BIGINT, name STRING>, found keyword INT"},
    {"CREATE TABLE t (a ROW<1 INT>)", "line 1:23: expected a field name in ROW<...>, found number 1"},
    {"CREATE TABLE t (a ROW<b>)", "line 1:24: expected a data type for field b of ROW, found '>'"},
    {"CREATE TABLE t (a ROW<b INT c INT>)", "line 1:29: expected ',' or '>' in ROW<...>, found identifier c"},
    {"CREATE TABLE t (a ROW(b INT c INT))", "line 1:29: expected ',' or ')' in ROW(...), found identifier c"},
    {"CREATE TABLE t (a BLOB)",
     "line 1:19: expected a data type or AS after column a of CREATE TABLE t, found identifier BLOB"},
    {"WITH", "line 1:5: expected a name for the common table expression after WITH, found end of input"},
    {"WITH w SELECT 1", "line 1:8: expected AS after WITH w, found keyword SELECT"},
    {"WITH w AS SELECT 1", "line 1:11: expected '(' and a query after WITH w AS, found keyword SELECT"},
    {"WITH w AS (SELECT 1 SELECT 1", "line 1:21: expected ')' to close the query of WITH w, found keyword SELECT"},
    {"WITH w (a b) AS (SELECT 1) SELECT 1",
     "line 1:11: expected ',' or ')' to close the WITH column list, found identifier b"},
    {"SELECT 1 ORDER a", "line 1:16: expected BY after ORDER, found identifier a"},
    {"SELECT 1 ORDER BY a NULLS", "line 1:26: expected FIRST or LAST after NULLS, found end of input"},
    {"SELECT 1 LIMIT 1 FETCH FIRST 1 ROWS ONLY",
     "line 1:18: expected either LIMIT or FETCH, not both, found keyword FETCH"},
    {"SELECT 1 FETCH 1", "line 1:16: expected FIRST or NEXT after FETCH, found number 1"},
    {"SELECT 1 FETCH FIRST 1", "line 1:23: expected ROWS ONLY after FETCH FIRST n, found end of input"},
    {"SELECT 1 FETCH FIRST 1 ROWS", "line 1:28: expected ONLY after FETCH FIRST n ROWS, found end of input"},
    {"SELECT 1 UNION", "line 1:15: expected SELECT, VALUES or '(' to start a query, found end of input"},
    {"(SELECT 1", "line 1:10: expected ')' to close the parenthesized query, found end of input"},
    {"VALUES 1", "line 1:8: expected '(' to start a row of VALUES, found number 1"},
    {"VALUES (1 2)", "line 1:11: expected ',' or ')' to close the row of VALUES, found number 2"},
    {"SELECT FROM t", "line 1:8: expected an expression or '*' in the SELECT list, found keyword FROM"},
    {"SELECT 1 AS", "line 1:12: expected an alias after AS, found end of input"},
    {"SELECT 1 AS from",
     "line 1:13: expected an alias after AS, found keyword FROM (a reserved word: write `from` to use it as a name)"},
    {"SELECT * FROM t GROUP a", "line 1:23: expected BY after GROUP, found identifier a"},
    {"SELECT * FROM t GROUP BY GROUPING SETS a", "line 1:40: expected '(' after GROUPING SETS, found identifier a"},
    {"SELECT * FROM t GROUP BY GROUPING SETS (a b)",
     "line 1:43: expected ',' or ')' to close GROUPING SETS, found identifier b"},
    {"SELECT * FROM t GROUP BY ROLLUP ((a b))",
     "line 1:37: expected ',' or ')' to close the grouping set, found identifier b"},
    {"SELECT * FROM t WINDOW", "line 1:23: expected a window name after WINDOW, found end of input"},
    {"SELECT * FROM t WINDOW w (PARTITION BY a)", "line 1:26: expected AS after WINDOW w, found '('"},
    {"SELECT * FROM t WINDOW w AS PARTITION",
     "line 1:29: expected '(' and a window specification after WINDOW w AS, found keyword PARTITION"},
    {"SELECT * FROM t INNER t2", "line 1:23: expected JOIN after INNER, found identifier t2"},
    {"SELECT * FROM t LEFT OUTER t2", "line 1:28: expected JOIN after LEFT [OUTER], found identifier t2"},
    {"SELECT * FROM t CROSS t2", "line 1:23: expected JOIN after CROSS, found identifier t2"},
    {"SELECT * FROM t NATURAL JOIN t2",
     "line 1:17: expected JOIN with ON or USING, found NATURAL JOIN, which Flink does not support"},
    {"SELECT * FROM t JOIN t2",
     "line 1:24: expected ON or USING and the join condition after the joined table, found end of input"},
    {"SELECT * FROM t JOIN t2 USING a", "line 1:31: expected '(' and column names after USING, found identifier a"},
    {"SELECT * FROM t JOIN t2 USING (a b)", "line 1:34: expected ',' or ')' to close USING (...), found identifier b"},
    {"SELECT * FROM LATERAL t",
     "line 1:23: expected TABLE(...) or a parenthesized query after LATERAL, found identifier t"},
    {"SELECT * FROM UNNEST a", "line 1:22: expected '(' after UNNEST, found identifier a"},
    {"SELECT * FROM UNNEST(a b)", "line 1:24: expected ',' or ')' to close UNNEST(...), found identifier b"},
    {"SELECT * FROM (t JOIN t2 ON TRUE", "line 1:33: expected ')' to close the parenthesized join, found end of input"},
    {"SELECT * FROM t FOR SYSTEM_TIME", "line 1:32: expected AS OF after FOR SYSTEM_TIME, found end of input"},
    {"SELECT * FROM t FOR SYSTEM_TIME AS", "line 1:35: expected OF after FOR SYSTEM_TIME AS, found end of input"},
    {"SELECT * FROM t FOR SYSTEM_TIME AS OF", "line 1:38: expected an expression, found end of input"},
    {"SELECT * FROM t FOR x", "line 1:21: expected SYSTEM_TIME AS OF after FOR, found identifier x"},
    {"SELECT * FROM 1",
     "line 1:15: expected a table name, a parenthesized query, TABLE(...), LATERAL or UNNEST in FROM, found number 1"},
    {"SELECT * FROM t AS 1", "line 1:20: expected an alias after AS, found number 1"},
    {"SELECT * FROM t AS x (a b)", "line 1:25: expected ',' or ')' to close the column aliases, found identifier b"},
    {"SELECT * FROM (SELECT 1", "line 1:24: expected ')' to close the subquery in FROM, found end of input"},
    {"SELECT * FROM TABLE TUMBLE",
     "line 1:21: expected '(' after TABLE, as in TABLE(TUMBLE(...)), found identifier TUMBLE"},
    {"SELECT * FROM TABLE(1)",
     "line 1:21: expected a table function such as TUMBLE, HOP, CUMULATE or SESSION in TABLE(...), found number 1"},
    {"SELECT * FROM TABLE(TUMBLE TABLE t)", "line 1:28: expected '(' and the arguments of TUMBLE, found keyword TABLE"},
    {"SELECT * FROM TABLE(TUMBLE(TABLE t DESCRIPTOR(ts)))",
     "line 1:36: expected ',' or ')' to close the arguments of TUMBLE, found keyword DESCRIPTOR"},
    {"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND)",
     "line 1:73: expected ')' to close TABLE(TUMBLE(...)), found end of input"},
    {"SELECT * FROM TABLE(TUMBLE(TABLE (SELECT 1, DESCRIPTOR(ts)))",
     "line 1:61: expected ')' to close TABLE(TUMBLE(...)), found end of input"},
    {"SELECT * FROM TABLE(TUMBLE(TABLE 1))",
     "line 1:34: expected a table name after TABLE in TUMBLE(...), found number 1"},
    {"SELECT * FROM TABLE(SESSION(TABLE t PARTITION a))", "line 1:47: expected BY after PARTITION, found identifier a"},
    {"SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (a b)))",
     "line 1:53: expected ',' or ')' to close PARTITION BY (...), found identifier b"},
    {"SELECT * FROM TABLE(TUMBLE(DESCRIPTOR(1)))",
     "line 1:39: expected a time attribute column in DESCRIPTOR(...), found number 1"},
    {"SELECT * FROM TABLE(TUMBLE(DESCRIPTOR(a b)))",
     "line 1:41: expected ',' or ')' to close DESCRIPTOR(...), found identifier b"},
    {"SELECT * FROM TABLE(TUMBLE(x => ))", "line 1:33: expected an expression, found ')'"},
    {"SELECT 1 IS 5", "line 1:13: expected NULL, TRUE, FALSE, UNKNOWN, DISTINCT FROM or NOT after IS, found number 5"},
    {"SELECT 1 IS NOT 5",
     "line 1:17: expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS NOT, found number 5"},
    {"SELECT 1 IS DISTINCT b", "line 1:22: expected FROM after IS [NOT] DISTINCT, found identifier b"},
    {"SELECT a IN 1", "line 1:13: expected '(' and a list of values or a subquery after IN, found number 1"},
    {"SELECT a IN (SELECT 1", "line 1:22: expected ')' to close the subquery after IN, found end of input"},
    {"SELECT a IN (1 2)", "line 1:16: expected ',' or ')' to close the IN list, found number 2"},
    {"SELECT a BETWEEN 1 OR 2", "line 1:20: expected AND and the upper bound of BETWEEN, found keyword OR"},
    {"SELECT a SIMILAR 'x'", "line 1:18: expected TO after SIMILAR, found string 'x'"},
    {"SELECT a[1", "line 1:11: expected ']' to close the index, found end of input"},
    {"SELECT a.1", "line 1:9: expected ';' or end of input after the statement, found number .1"},
    {"SELECT (1", "line 1:10: expected ')' to close the parenthesized expression, found end of input"},
    {"SELECT (SELECT 1", "line 1:17: expected ')' to close the subquery, found end of input"},
    {"SELECT EXISTS 1", "line 1:15: expected '(' and a subquery after EXISTS, found number 1"},
    {"SELECT EXISTS (1)", "line 1:16: expected a subquery after EXISTS (, found number 1"},
    {"SELECT EXISTS (SELECT 1", "line 1:24: expected ')' to close the subquery after EXISTS, found end of input"},
    {"SELECT MAP['a']",
     "line 1:8: expected key-value pairs in MAP[key1, value1, key2, value2, ...], found an odd number of elements"},
    {"SELECT MAP['a', 1", "line 1:18: expected ',' or ']' to close MAP[...], found end of input"},
    {"SELECT ARRAY[1 2]", "line 1:16: expected ',' or ']' to close ARRAY[...], found number 2"},
    {"SELECT ROW(1 2)", "line 1:14: expected ',' or ')' to close ROW(...), found number 2"},
    {"SELECT ,", "line 1:8: expected an expression, found ','"},
    {"SELECT f(1 2)", "line 1:12: expected ',' or ')' to close the arguments of f, found number 2"},
    {"SELECT f(1) FILTER (a)", "line 1:21: expected WHERE after f(...) FILTER (, found identifier a"},
    {"SELECT f(1) FILTER (WHERE a", "line 1:28: expected ')' to close FILTER (WHERE ...), found end of input"},
    {"SELECT f(1) OVER 1", "line 1:18: expected '(' or a window name after f(...) OVER, found number 1"},
    {"SELECT f(1) OVER (PARTITION a)", "line 1:29: expected BY after PARTITION, found identifier a"},
    {"SELECT f(1) OVER (ORDER a)", "line 1:25: expected BY after ORDER, found identifier a"},
    {"SELECT f(1) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING CURRENT ROW)",
     "line 1:55: expected AND between the two frame bounds, found keyword CURRENT"},
    {"SELECT f(1) OVER (ORDER BY a ROWS UNBOUNDED)",
     "line 1:44: expected PRECEDING or FOLLOWING after UNBOUNDED, found ')'"},
    {"SELECT f(1) OVER (ORDER BY a ROWS 1)",
     "line 1:36: expected PRECEDING or FOLLOWING after the frame offset, found ')'"},
    {"SELECT f(1) OVER (ORDER BY a x)",
     "line 1:30: expected PARTITION BY, ORDER BY, ROWS, RANGE or ')' in the window specification, found identifier x"},
    {"SELECT POSITION('a' FROM b)", "line 1:21: expected IN in POSITION(needle IN haystack), found keyword FROM"},
    {"SELECT POSITION('a' IN b", "line 1:25: expected ')' to close POSITION(...), found end of input"},
    {"SELECT SUBSTRING(a FROM 1 2)", "line 1:27: expected FOR or ')' to close SUBSTRING(... FROM ...), found number 2"},
    {"SELECT INTERVAL 1 SECOND",
     "line 1:17: expected a quoted interval value such as '10' after INTERVAL, found number 1"},
    {"SELECT INTERVAL '1' WEEK",
     "line 1:21: expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after INTERVAL '1', found keyword "
     "WEEK"},
    {"SELECT INTERVAL '1' DAY TO x",
     "line 1:28: expected a time unit (MONTH, HOUR, MINUTE or SECOND) after TO in the INTERVAL, found identifier x"},
    {"SELECT INTERVAL '1' DAY TO YEAR",
     "line 1:25: expected YEAR TO MONTH, DAY TO HOUR|MINUTE|SECOND, HOUR TO MINUTE|SECOND or MINUTE TO SECOND in the "
     "INTERVAL, found a DAY TO YEAR range"},
    {"SELECT INTERVAL '1' SECOND TO SECOND",
     "line 1:28: expected YEAR TO MONTH, DAY TO HOUR|MINUTE|SECOND, HOUR TO MINUTE|SECOND or MINUTE TO SECOND in the "
     "INTERVAL, found a SECOND TO SECOND range"},
    {"SELECT CASE END", "line 1:13: expected WHEN in the CASE expression, found keyword END"},
    {"SELECT CASE WHEN a 1 END", "line 1:20: expected THEN after the WHEN condition, found number 1"},
    {"SELECT CASE WHEN a THEN 1", "line 1:26: expected WHEN, ELSE or END in the CASE expression, found end of input"},
    {"SELECT CASE WHEN a THEN 1 ELSE 2", "line 1:33: expected END to close the CASE expression, found end of input"},
    {"SELECT CAST 1", "line 1:13: expected '(' after CAST, found number 1"},
    {"SELECT CAST(1 INT)", "line 1:15: expected AS and the target type in CAST(... AS type), found keyword INT"},
    {"SELECT CAST(1 AS x)", "line 1:18: expected a data type after AS in CAST, found identifier x"},
    {"SELECT CAST(1 AS INT", "line 1:21: expected ')' to close CAST(...), found end of input"},
    {"SELECT TRY_CAST(1 AS INT", "line 1:25: expected ')' to close TRY_CAST(...), found end of input"},
    {"SELECT EXTRACT(FOO FROM ts)",
     "line 1:16: expected a time unit such as YEAR, MONTH, DAY, HOUR, MINUTE or SECOND after EXTRACT(, found "
     "identifier FOO"},
    {"SELECT EXTRACT(YEAR ts)",
     "line 1:21: expected FROM after the unit in EXTRACT(unit FROM value), found identifier ts"},
    {"SELECT EXTRACT(YEAR FROM ts", "line 1:28: expected ')' to close EXTRACT(...), found end of input"},
    {"SELECT TRIM(BOTH 'x' s)",
     "line 1:22: expected FROM and the string to trim in TRIM(BOTH|LEADING|TRAILING chars FROM string), found "
     "identifier s"},
    {"SELECT TRIM(s", "line 1:14: expected ')' to close TRIM(...), found end of input"},
    {"SELECT FLOOR(ts TO FOO)",
     "line 1:20: expected a time unit such as DAY, HOUR or MINUTE after FLOOR(... TO, found identifier FOO"},
    {"SELECT CEIL(ts TO DAY", "line 1:22: expected ')' to close CEIL(... TO unit), found end of input"},
    {"SELECT FLOOR(ts TO DAY, 1)", "line 1:23: expected ')' to close FLOOR(... TO unit), found ','"},
    {"SELECT", "line 1:7: expected an expression, found end of input"},
    {"SELECT a FROM t WHERE", "line 1:22: expected an expression, found end of input"},
    {"SELECT 1;; SELECT 2 3", "line 1:21: expected ';' or end of input after the statement, found number 3"},
};

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

TEST(ParserErrorTest, EveryErrorPathNamesPositionExpectationAndFinding) {
  for (const ErrorCase& c : kErrorCases) {
    Result<Script> r = ParseScript(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.sql;
    EXPECT_EQ(FirstLine(r.status().message()), c.message) << c.sql;
  }
}

TEST(ParserErrorTest, MessageShowsTheLineWithACaret) {
  Result<Script> r = ParseScript(
      "CREATE TABLE bids (\n"
      "  auction BIGINT,\n"
      "  price BIGINT STRING,\n"
      "  ts TIMESTAMP(3)\n"
      ") WITH ('connector' = 'topic')");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "line 3:16: expected ',' or ')' after the column price in the column list of CREATE TABLE bids, found "
            "keyword STRING\n"
            "    price BIGINT STRING,\n"
            "                 ^");
  EXPECT_EQ(r.status().ToString().rfind("Invalid", 0), 0u);
}

TEST(ParserErrorTest, CaretCountsCharactersAndKeepsTabs) {
  Result<Script> r = ParseScript("SELECT 'héllo',\t x y z");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "line 1:22: expected ';' or end of input after the statement, found identifier z\n"
            "  SELECT 'héllo',\t x y z\n"
            "                 \t     ^");
}

TEST(ParserErrorTest, CaretIgnoresAByteOrderMark) {
  Result<Script> r = ParseScript("\xEF\xBB\xBFSELECT a b c");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "line 1:12: expected ';' or end of input after the statement, found identifier c\n"
            "  SELECT a b c\n"
            "             ^");
}

TEST(ParserErrorTest, LongLinesShowAWindowAroundTheColumn) {
  std::string sql = "SELECT " + std::string(200, 'a') + " " + std::string(200, 'b') + " c";
  Result<Script> r = ParseScript(sql);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_EQ(FirstLine(m), "line 1:410: expected ';' or end of input after the statement, found identifier c");
  std::string snippet = m.substr(m.find('\n') + 1);
  std::string text = snippet.substr(0, snippet.find('\n'));
  std::string caret = snippet.substr(snippet.find('\n') + 1);
  EXPECT_EQ(text, "  ..." + std::string(59, 'b') + " c");
  EXPECT_EQ(caret, "  " + std::string(3 + 60, ' ') + "^");
}

TEST(ParserErrorTest, ErrorAtEndOfInputPointsPastTheLastCharacter) {
  Result<Script> r = ParseScript("SELECT a FROM");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "line 1:14: expected a table name, a parenthesized query, TABLE(...), LATERAL or UNNEST in FROM, found "
            "end of input\n"
            "  SELECT a FROM\n"
            "               ^");
}

TEST(ParserErrorTest, SingleStatementAndExpressionEntryPoints) {
  Result<StatementPtr> none = ParseStatement("  ");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(FirstLine(none.status().message()), "line 1:3: expected a statement, found end of input");
  Result<StatementPtr> two = ParseStatement("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(FirstLine(two.status().message()),
            "line 1:11: expected end of input after the statement, found keyword SELECT");
  EXPECT_TRUE(ParseStatement("SELECT 1;").ok());
  Result<ExprPtr> expr = ParseExpression("a + b c");
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(FirstLine(expr.status().message()),
            "line 1:7: expected an operator or end of input after the expression, found identifier c");
}

TEST(ParserErrorTest, LexerErrorsSurfaceThroughEveryEntryPoint) {
  EXPECT_EQ(FirstLine(ParseScript("SELECT 'x").status().message()),
            "line 1:8: unterminated string literal: ' has no closing '");
  EXPECT_EQ(FirstLine(ParseStatement("SELECT ?").status().message()), "line 1:8: unexpected character '?'");
  EXPECT_EQ(FirstLine(ParseExpression("`a").status().message()),
            "line 1:1: unterminated quoted identifier: ` has no closing `");
}

TEST(ParserErrorTest, NestingLimitMessage) {
  std::string sql = "SELECT " + std::string(300, '(') + "1" + std::string(300, ')');
  Result<Script> r = ParseScript(sql);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FirstLine(r.status().message()),
            "line 1:207: expected at most 200 nested levels of parentheses, subqueries, prefix operators or types, "
            "found more; split the statement into views or simpler expressions");
}

TEST(ParserErrorTest, TreeHeightLimitMessage) {
  std::string sql = "SELECT 1";
  for (int i = 0; i < 4000; ++i) sql += "+1";
  Result<Script> r = ParseScript(sql);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FirstLine(r.status().message()),
            "line 1:6006: expected a statement at most 3000 levels deep, found a longer chain of operators, UNIONs "
            "or JOINs; split it into views or simpler expressions");
}

}  // namespace
}  // namespace sluice::sql
