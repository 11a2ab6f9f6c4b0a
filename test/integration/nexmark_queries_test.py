#!/usr/bin/env python3
"""The runnable Nexmark queries (bench/nexmark/queries) over the 'nexmark'
connector give the same rows as an independent computation over the same
events written by `sluice gen nexmark` (one generator behind both)."""
import collections
import glob
import json
import os
import sys
import tempfile

from sluice_server import run

SLUICE = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EVENTS = 50_000

SINKS = {
    "q0": "auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3), extra STRING",
    "q1": "auction BIGINT, bidder BIGINT, price DOUBLE, dateTime TIMESTAMP(3), extra STRING",
    "q2": "auction BIGINT, price BIGINT",
}


def reference(query, bids):
    if query == "q0":
        return [(b["auction"], b["bidder"], b["price"], b["dateTime"], b["extra"]) for b in bids]
    if query == "q1":
        return [(b["auction"], b["bidder"], round(0.908 * b["price"], 6), b["dateTime"], b["extra"]) for b in bids]
    if query == "q2":
        return [(b["auction"], b["price"]) for b in bids if b["auction"] % 123 == 0]
    raise KeyError(query)


def normalise(query, row):
    if query == "q1":
        row = dict(row, price=round(row["price"], 6))
    cols = [c.split()[0] for c in SINKS[query].split(", ")]
    return tuple(row[c] for c in cols)


with tempfile.TemporaryDirectory() as d:
    events_file = os.path.join(d, "events.jsonl")
    run([SLUICE, "gen", "nexmark", "--events", str(EVENTS), "--out", events_file])
    bids = [json.loads(l)["bid"] for l in open(events_file) if l.startswith('{"event_type":2')]
    ddl = open(os.path.join(ROOT, "bench", "nexmark", "ddl.sql")).read().replace("${EVENTS}", str(EVENTS))
    for query in ("q0", "q1", "q2"):
        out = os.path.join(d, query)
        sql = ddl + f"\nCREATE TABLE nexmark_sink ({SINKS[query]}) WITH ('connector' = 'filesystem', " \
                    f"'path' = '{out}', 'format' = 'json');\n"
        sql += open(os.path.join(ROOT, "bench", "nexmark", "queries", f"{query}.sql")).read()
        path = os.path.join(d, f"{query}.sql")
        open(path, "w").write(sql)
        run([SLUICE, "run", path, "--parallelism", "2"], timeout=300)
        got = collections.Counter()
        for f in glob.glob(os.path.join(out, "part-*")):
            for line in open(f):
                got[normalise(query, json.loads(line))] += 1
        want = collections.Counter(reference(query, bids))
        assert got == want, f"{query}: {sum((got - want).values())} extra, {sum((want - got).values())} missing rows"
        print(f"ok: {query} = reference ({sum(want.values())} rows)")
print("ok")
