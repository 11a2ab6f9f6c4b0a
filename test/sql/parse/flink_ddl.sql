-- DDL in the shapes Flink's documentation and real jobs use.
SET 'table.exec.state.ttl' = '1 h';
SET 'pipeline.name' = 'orders-enrichment';
SET;
RESET 'table.exec.state.ttl';
RESET;

CREATE TABLE IF NOT EXISTS orders (
    order_id    BIGINT NOT NULL,
    customer_id BIGINT,
    amount      DECIMAL(10, 2),
    currency    CHAR(3),
    tags        ARRAY<STRING>,
    attrs       MAP<STRING, STRING>,
    shipping    ROW<city STRING, zip VARCHAR(10) NOT NULL>,
    ts_ms       BIGINT,
    ts          AS TO_TIMESTAMP_LTZ(ts_ms, 3),
    proc        AS PROCTIME(),
    kafka_ts    TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
    part        INT METADATA FROM 'partition' VIRTUAL,
    headers     MAP<STRING, BYTES> METADATA VIRTUAL,
    note        STRING COMMENT 'free text',
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
    PRIMARY KEY (order_id) NOT ENFORCED
) COMMENT 'orders as they arrive'
WITH (
    'connector' = 'topic',
    'topic' = 'orders',
    'format' = 'json',
    'scan.startup.mode' = 'earliest-offset',
    'json.ignore-parse-errors' = 'true'
);

CREATE TEMPORARY TABLE currency_rates (
    currency STRING,
    rate DOUBLE PRECISION,
    update_time TIMESTAMP(3) WITHOUT TIME ZONE,
    local_time TIMESTAMP(3) WITH LOCAL TIME ZONE,
    WATERMARK FOR update_time AS update_time,
    CONSTRAINT pk_currency PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'topic', 'topic' = 'rates', 'format' = 'json');

CREATE TABLE customers (
    id BIGINT PRIMARY KEY NOT ENFORCED,
    name STRING,
    tier TINYINT,
    score SMALLINT,
    active BOOLEAN,
    weight FLOAT,
    signup DATE,
    opens TIME(0),
    photo VARBINARY(1024),
    code BINARY(4),
    payload BYTES,
    visits MULTISET<INT>,
    created TIMESTAMP,
    flag INTEGER NULL
) WITH ('connector' = 'filesystem', 'path' = '/data/customers', 'format' = 'csv');

CREATE TABLE big_orders WITH ('connector' = 'print') AS
SELECT order_id, amount FROM orders WHERE amount > 1000;

CREATE TEMPORARY VIEW IF NOT EXISTS eur_orders (id, eur) AS
SELECT order_id, amount * 1.1 FROM orders WHERE currency = 'EUR';

CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS parse_ua AS 'com.example.ParseUserAgent' LANGUAGE JAVA;

SHOW TABLES;
SHOW VIEWS;
SHOW FUNCTIONS;
SHOW JOBS;
DESCRIBE orders;
DESC catalog1.db1.orders;

DROP TABLE IF EXISTS big_orders;
DROP TEMPORARY VIEW eur_orders;
DROP VIEW IF EXISTS v;
DROP TEMPORARY FUNCTION parse_ua;
