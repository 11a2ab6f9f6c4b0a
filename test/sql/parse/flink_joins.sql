-- Regular, interval, temporal, lookup, lateral and array-expanding joins.
SELECT * FROM Orders INNER JOIN Product ON Orders.product_id = Product.id;
SELECT * FROM Orders LEFT JOIN Product ON Orders.product_id = Product.id;
SELECT * FROM Orders RIGHT OUTER JOIN Product ON Orders.product_id = Product.id;
SELECT * FROM Orders FULL OUTER JOIN Product USING (product_id);
SELECT * FROM Orders CROSS JOIN Product;
SELECT * FROM a, b, c WHERE a.id = b.id AND b.id = c.id;
SELECT * FROM a JOIN (b JOIN c ON b.id = c.id) ON a.id = b.id;

-- interval join
SELECT *
FROM Orders o, Shipments s
WHERE o.id = s.order_id
  AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time;

-- event-time temporal join
SELECT order_id, price, orders.currency, conversion_rate, order_time
FROM orders
LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time
ON orders.currency = currency_rates.currency;

-- lookup join with a processing-time attribute
SELECT o.order_id, o.total, c.country, c.zip
FROM Orders AS o
  JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c
    ON o.customer_id = c.id;

-- user-defined table functions
SELECT order_id, tag FROM Orders, LATERAL TABLE(split_tags(tags)) AS T(tag);
SELECT order_id, tag FROM Orders LEFT JOIN LATERAL TABLE(split_tags(tags)) AS T(tag) ON TRUE;

-- array expansion
SELECT order_id, tag FROM Orders CROSS JOIN UNNEST(tags) AS t (tag);
SELECT order_id, tag, pos FROM Orders CROSS JOIN UNNEST(tags) WITH ORDINALITY AS t (tag, pos);

-- hints are comments to Sluice
SELECT id, name FROM kafka_table1 /*+ OPTIONS('scan.startup.mode'='earliest-offset') */;
