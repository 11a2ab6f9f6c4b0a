#!/usr/bin/env python3
"""Change data capture: a file of Debezium change events (inserts, updates,
deletes, snapshot reads; some with the schema/payload envelope) for a
`products` table is read with 'format' = 'debezium-json' by `sluice run`. The
table as of the last event, and a GROUP BY over it fed by the updates' and
deletes' retractions, must equal a reference that applies the same changes
to a dict. A malformed event goes to the dead-letter count, not the result.
The GROUP BY's changelog written by a 'debezium-json' filesystem sink and
read back as a CDC table ends in the same result."""
import collections
import json
import os
import random
import subprocess
import sys
import tempfile

from sluice_server import changelog_sections, materialize

SLUICE = sys.argv[1]
SEED = 11
rng = random.Random(SEED)
print(f"seed {SEED}")

table = {}
events = []
for i in range(4000):
    pid = rng.randrange(200)
    row = {"id": pid, "category": f"c{rng.randrange(5)}", "price": rng.randrange(1, 1000)}
    if pid not in table:
        events.append({"before": None, "after": row, "op": "r" if i < 100 else "c"})
        table[pid] = row
    elif rng.random() < 0.2:
        events.append({"before": table.pop(pid), "after": None, "op": "d"})
    else:
        events.append({"before": table[pid], "after": row, "op": "u"})
        table[pid] = row

by_category = collections.defaultdict(lambda: [0, 0])
for r in table.values():
    by_category[r["category"]][0] += 1
    by_category[r["category"]][1] += r["price"]

with tempfile.TemporaryDirectory() as work:
    path = os.path.join(work, "products.cdc.jsonl")
    with open(path, "w") as f:
        for n, e in enumerate(events):
            e = {**e, "ts_ms": 1_700_000_000_000 + n, "source": {"table": "products"}}
            if n % 7 == 0:
                e = {"schema": {"type": "struct", "optional": False}, "payload": e}
            f.write(json.dumps(e) + "\n")
            if n == 1000:
                f.write('{"before": null, "after": {"id": 5000, "category": "c0", "price": "x"}, "op": "c"}\n')
    script = os.path.join(work, "job.sql")
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE products (id BIGINT, category STRING, price BIGINT, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'debezium-json');
SELECT * FROM products;
SELECT category, COUNT(*) AS n, SUM(price) AS total FROM products GROUP BY category;
""")
    p = subprocess.run([SLUICE, "run", script, "--parallelism", "2"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    sections = changelog_sections(p.stdout)
    assert len(sections) == 2, p.stdout[-2000:]
    assert materialize(sections[0]) == {(str(r["id"]), r["category"], str(r["price"])) for r in table.values()}
    assert materialize(sections[1]) == {(c, str(n), str(t)) for c, (n, t) in by_category.items()}
    assert 'skipped undecodable record' in p.stderr and '"after": field "price"' in p.stderr, p.stderr[-2000:]

    # The updating GROUP BY written as change events ('debezium-json' sink:
    # +I/+U as creates, -U/-D as deletes) and read back as a CDC table ends
    # in the same result.
    out_dir = os.path.join(work, "by_category")
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE products (id BIGINT, category STRING, price BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{path}', 'format' = 'debezium-json');
CREATE TABLE by_category (category STRING, n BIGINT, total BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'debezium-json');
INSERT INTO by_category SELECT category, COUNT(*), SUM(price) FROM products GROUP BY category;
""")
    p = subprocess.run([SLUICE, "run", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with open(script, "w") as f:
        f.write(f"""
CREATE TABLE by_category (category STRING, n BIGINT, total BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'debezium-json');
SELECT * FROM by_category;
""")
    p = subprocess.run([SLUICE, "run", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l[:3] in ("+I[", "-U[", "+U[", "-D[")]
    back = materialize(lines)
    assert back == {(c, str(n), str(t)) for c, (n, t) in by_category.items()}, (back, dict(by_category), p.stderr[-1000:])
print(f"ok: {len(events)} change events, {len(table)} rows at the end")
