-- Expressions, set operations, CTEs, subqueries, statement sets, EXPLAIN.
WITH orders_with_total AS (
    SELECT order_id, price + tax AS total FROM Orders
), big (id, total) AS (
    SELECT order_id, total FROM orders_with_total WHERE total > 100
)
SELECT order_id, SUM(total) FROM orders_with_total GROUP BY order_id;

SELECT DISTINCT user_id FROM clicks;

SELECT user_id, COUNT(DISTINCT url) AS urls
FROM clicks
GROUP BY user_id
HAVING COUNT(DISTINCT url) > 10 AND SUM(amount) FILTER (WHERE amount > 0) IS NOT NULL
ORDER BY urls DESC NULLS LAST, user_id ASC
LIMIT 100;

(SELECT s FROM t1) UNION (SELECT s FROM t2);
SELECT a FROM t1 UNION ALL SELECT a FROM t2 UNION ALL SELECT a FROM t3;
SELECT a FROM t1 INTERSECT SELECT a FROM t2 EXCEPT ALL SELECT a FROM t3;
VALUES (1, 'a'), (2, 'b');
SELECT * FROM (VALUES (1, 2.5, 'x'), (3, 4.5E2, 'y')) AS t (a, b, c);

SELECT
    -price AS neg, +price, - -price, price * (1 + tax) / 100 % 7,
    'Hello, ' || name || '!' AS greeting,
    price BETWEEN 10 AND 20, price NOT BETWEEN SYMMETRIC 20 AND 10,
    name LIKE 'J%', name NOT LIKE 'J!_%' ESCAPE '!', name SIMILAR TO '[a-z]+',
    id IN (1, 2, 3), id NOT IN (SELECT id FROM banned),
    EXISTS (SELECT 1 FROM banned WHERE banned.id = t.id),
    a IS NULL, a IS NOT NULL, b IS TRUE, b IS NOT FALSE, b IS UNKNOWN,
    a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b,
    NOT (a = 1 OR b <> 2) AND c != 3 AND d <= 4 AND e >= 5 AND f < 6 AND g > 7,
    CASE WHEN price > 100 THEN 'high' WHEN price > 10 THEN 'mid' ELSE 'low' END,
    CASE status WHEN 0 THEN 'new' WHEN 1 THEN 'paid' END,
    CAST(price AS DOUBLE), TRY_CAST(code AS INT), CAST(ts AS TIMESTAMP(3)),
    CAST(payload AS ROW<a INT, b ARRAY<STRING>>),
    EXTRACT(YEAR FROM ts), EXTRACT(DOW FROM ts), EXTRACT(EPOCH FROM ts),
    INTERVAL '10' SECOND, INTERVAL '1 02:03:04' DAY TO SECOND, INTERVAL '2-6' YEAR TO MONTH,
    INTERVAL '5' MINUTES, INTERVAL -'1' DAY,
    DATE '2024-01-31', TIME '12:30:00', TIMESTAMP '2024-01-31 12:30:00.123',
    TRUE, FALSE, NULL, X'0AFF', 1.5e3, .5, 42,
    'it''s', `weird col`, `back``tick`,
    attrs['color'], tags[1], shipping.city, (payload).a, ROW(1, 'a'), ARRAY[1, 2, 3], MAP['k', 1, 'j', 2],
    COUNT(*), COUNT(DISTINCT user_id), SUM(ALL amount),
    UPPER(name), LOWER(name), SUBSTRING(name, 1, 3), SUBSTRING(name FROM 2 FOR 3), CONCAT(a, b),
    CHAR_LENGTH(name), TRIM(name), TRIM(BOTH ' ' FROM name), TRIM(LEADING 'x' FROM name),
    POSITION('a' IN name), SPLIT_INDEX(url, '/', 3), REGEXP_EXTRACT(url, '(\d+)', 1),
    ABS(x), MOD(x, 3), ROUND(x, 2), FLOOR(x), CEIL(x), COALESCE(a, b, 0), IF(a > 0, a, 0),
    FLOOR(ts TO HOUR), CEIL(ts TO MONTH), EXTRACT(DOW FROM ts),
    DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm:ss'), TO_TIMESTAMP('2024-01-01 00:00:00'),
    TO_TIMESTAMP_LTZ(ts_ms, 3), UNIX_TIMESTAMP(), CURRENT_WATERMARK(ts),
    CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP, NOW(),
    TIMESTAMPDIFF(SECOND, created, ts), TIMESTAMPADD(DAY, 1, ts),
    catalog1.db1.my_func(a), t.*
FROM t
WHERE (ts > CURRENT_WATERMARK(ts) OR CURRENT_WATERMARK(ts) IS NULL)
  AND id IN (SELECT id FROM allowed);

INSERT INTO sink SELECT * FROM src;
INSERT INTO sink (a, b) SELECT x, y FROM src;
INSERT OVERWRITE sink SELECT * FROM src;
INSERT INTO sink VALUES (1, 'one');
INSERT INTO sink (SELECT * FROM src);

EXECUTE STATEMENT SET
BEGIN
    INSERT INTO pageviews SELECT page_id, ts FROM raw WHERE kind = 'view';
    INSERT INTO clicks SELECT page_id, ts FROM raw WHERE kind = 'click';
END;

BEGIN STATEMENT SET;
INSERT INTO a SELECT * FROM s;
INSERT INTO b SELECT * FROM s;
END;

EXPLAIN SELECT * FROM orders WHERE amount > 10;
EXPLAIN PLAN FOR INSERT INTO sink SELECT * FROM src;
EXPLAIN CHANGELOG_MODE, ESTIMATED_COST SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id;
EXPLAIN EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT * FROM s; END;

SELECT * FROM orders ORDER BY ts LIMIT 10 OFFSET 20;
SELECT * FROM orders ORDER BY ts OFFSET 5 ROWS FETCH FIRST 10 ROWS ONLY;
select lower(Name) as n from MixedCase where Name like '%x%';
SELECT JSON_VALUE(payload, '$.user.id' RETURNING BIGINT DEFAULT -1 ON EMPTY NULL ON ERROR) AS uid, JSON_QUERY(payload, '$.tags'), JSON_EXISTS(payload, 'lax $.a[0]') FROM events;
SELECT LEFT(name, 3), RIGHT(name, 2) FROM people;
