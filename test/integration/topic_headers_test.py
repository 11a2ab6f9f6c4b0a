#!/usr/bin/env python3
"""Record headers as a column: records produced with kcat -H carry headers;
a 'topic' table (over the Kafka protocol) and a 'kafka' table read them with
`METADATA FROM 'headers'` as the STRING of a JSON object, and JSON_VALUE picks
one header — equal to what was produced. A record without headers reads {}."""
import os
import subprocess
import sys
import tempfile

from sluice_server import SluiceServer, changelog_sections, materialize, run

SLUICE = sys.argv[1]

with SluiceServer(SLUICE) as s, tempfile.TemporaryDirectory() as work:
    run([SLUICE, "topic", "create", "events", "--partitions", "1", "--bootstrap", s.bootstrap])
    for i in range(5):
        args = ["kcat", "-b", s.bootstrap, "-q", "-P", "-t", "events"]
        if i != 4:
            args += ["-H", f"trace={i * 11}", "-H", "source=kcat"]
        run(args, input=f'{{"id": {i}}}\n', timeout=60)
    rows = {}
    for connector in ("topic", "kafka"):
        script = os.path.join(work, f"{connector}.sql")
        with open(script, "w") as f:
            f.write(f"""
CREATE TABLE events (id BIGINT, headers STRING METADATA FROM 'headers') WITH (
  'connector' = '{connector}', 'topic' = 'events', 'format' = 'json',
  'properties.bootstrap.servers' = '{s.bootstrap}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
SELECT id, JSON_VALUE(headers, '$.trace') AS trace, JSON_VALUE(headers, '$.source') AS src, headers FROM events;
""")
        out = run([SLUICE, "run", script], timeout=120).stdout
        rows[connector] = materialize(changelog_sections(out)[0])
    expected = {(str(i), str(i * 11), "kcat", f'{{"trace":"{i * 11}","source":"kcat"}}') for i in range(4)}
    expected.add(("4", "NULL", "NULL", "{}"))
    for connector, got in rows.items():
        assert got == expected, (connector, got, expected)
    # Headers are read-only: a sink with a headers column says so.
    script = os.path.join(work, "sink.sql")
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE out_t (id BIGINT, headers STRING METADATA FROM 'headers') WITH (
  'connector' = 'topic', 'topic' = 'events', 'format' = 'json', 'properties.bootstrap.servers' = '{s.bootstrap}');
INSERT INTO out_t SELECT * FROM (VALUES (1, '{{}}'));
""")
    p = subprocess.run([SLUICE, "run", script], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "not supported yet" in p.stderr, p.stderr
print("ok")
