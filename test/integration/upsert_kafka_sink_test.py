#!/usr/bin/env python3
"""An updating query (unwindowed GROUP BY with HAVING) written to an
'upsert-kafka' table on a running server, read back with a real Kafka client
(python3-confluent-kafka): per key the last record must be the reference's
final row, and a key the HAVING drops again must end in a tombstone (null
value), as Flink's upsert-kafka sink writes them. Then the topic is read as
an 'upsert-kafka' source: the normalized changelog must end in the same
table, and a GROUP BY over it (fed by its retractions) in the reference. Also: a table without a
PRIMARY KEY is refused, and an append-only 'kafka' sink refuses updates with
a message pointing at 'upsert-kafka'."""
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

from confluent_kafka import Consumer

from sluice_server import SluiceServer, changelog_sections, materialize, run

SLUICE = sys.argv[1]
SEED = 7
rng = random.Random(SEED)
print(f"seed {SEED}")
# (user, amount): amounts may be negative, so a user's total can rise above
# 100 and fall back below it (the HAVING then retracts the key: -D).
events = [{"user": f"u{rng.randrange(30)}", "amount": rng.randrange(-100, 105)} for _ in range(3000)]

totals = collections.defaultdict(lambda: [0, 0])
for e in events:
    totals[e["user"]][0] += e["amount"]
    totals[e["user"]][1] += 1
expected = {u: {"user": u, "total": t, "n": n} for u, (t, n) in totals.items() if t > 100}

with SluiceServer(SLUICE) as s, tempfile.TemporaryDirectory() as work:
    src = os.path.join(work, "events.jsonl")
    with open(src, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    run([SLUICE, "topic", "create", "totals", "--partitions", "3", "--bootstrap", s.bootstrap])
    script = os.path.join(work, "job.sql")
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE events (`user` STRING, amount BIGINT) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'json');
CREATE TABLE totals (`user` STRING, total BIGINT, n BIGINT, PRIMARY KEY (`user`) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'totals', 'properties.bootstrap.servers' = '{s.bootstrap}',
  'key.format' = 'json', 'value.format' = 'json');
INSERT INTO totals SELECT `user`, SUM(amount) AS total, COUNT(*) AS n FROM events GROUP BY `user` HAVING SUM(amount) > 100;
""")
    run([SLUICE, "run", script], timeout=120)

    consumer = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "check", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe(["totals"])
    last = {}
    records = tombstones = 0
    idle = 0
    while idle < 5:
        msg = consumer.poll(1.0)
        if msg is None:
            idle += 1
            continue
        assert not msg.error(), msg.error()
        idle = 0
        key = json.loads(msg.key())
        assert set(key) == {"user"}, key
        records += 1
        if msg.value() is None:
            tombstones += 1
            last[key["user"]] = None
        else:
            value = json.loads(msg.value())
            assert value["user"] == key["user"], (key, value)
            last[key["user"]] = value
    consumer.close()
    final = {u: v for u, v in last.items() if v is not None}
    print(f"{records} records, {tombstones} tombstones, {len(final)} keys live; expected {len(expected)}")
    assert final == expected, (final, expected)
    dropped = [u for u, v in last.items() if v is None]
    assert all(u not in expected for u in dropped)
    assert tombstones > 0, "the data should make some key fall back below the HAVING bound"

    # The same topic read back as an 'upsert-kafka' source: per key the last
    # record, tombstones deleting, normalized into a full changelog; the final
    # table and an aggregation over it (which needs the retractions) must
    # equal the reference.
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE totals (`user` STRING, total BIGINT, n BIGINT, PRIMARY KEY (`user`) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'totals', 'properties.bootstrap.servers' = '{s.bootstrap}',
  'key.format' = 'json', 'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');
SELECT * FROM totals;
SELECT n > 90 AS busy, COUNT(*) AS users, SUM(total) AS sum_total FROM totals GROUP BY n > 90;
""")
    out = run([SLUICE, "run", script, "--parallelism", "2"], timeout=120).stdout
    sections = changelog_sections(out)
    assert len(sections) == 2, out
    rows = materialize(sections[0])
    assert rows == {(u, str(v["total"]), str(v["n"])) for u, v in expected.items()}, (rows, expected)
    busy = collections.defaultdict(lambda: [0, 0])
    for v in expected.values():
        busy["true" if v["n"] > 90 else "false"][0] += 1
        busy["true" if v["n"] > 90 else "false"][1] += v["total"]
    groups = materialize(sections[1])
    assert groups == {(k, str(c), str(t)) for k, (c, t) in busy.items()}, (groups, dict(busy))

    # Without a PRIMARY KEY the table is refused; an append-only sink names upsert-kafka.
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE events (`user` STRING, amount BIGINT) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'json');
CREATE TABLE t (`user` STRING, total BIGINT) WITH ('connector' = 'upsert-kafka', 'topic' = 'totals',
  'properties.bootstrap.servers' = '{s.bootstrap}');
INSERT INTO t SELECT `user`, SUM(amount) FROM events GROUP BY `user`;
""")
    r = subprocess.run([SLUICE, "run", script], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "needs a PRIMARY KEY" in r.stderr, r.stderr
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE events (`user` STRING, amount BIGINT) WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'json');
CREATE TABLE t (`user` STRING, total BIGINT) WITH ('connector' = 'kafka', 'topic' = 'totals',
  'properties.bootstrap.servers' = '{s.bootstrap}', 'format' = 'json');
INSERT INTO t SELECT `user`, SUM(amount) FROM events GROUP BY `user`;
""")
    r = subprocess.run([SLUICE, "run", script], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "upsert-kafka" in r.stderr, r.stderr
print("ok")
