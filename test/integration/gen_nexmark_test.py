#!/usr/bin/env python3
"""`sluice gen nexmark` writes the standard event mix as JSON lines,
identically for the same seed, to a file or to a topic."""
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from sluice_server import SluiceServer, run

SLUICE = sys.argv[1]
N = 20_000

with tempfile.TemporaryDirectory() as d:
    a, b, c = (os.path.join(d, n) for n in ("a.jsonl", "b.jsonl", "c.jsonl"))
    run([SLUICE, "gen", "nexmark", "--events", str(N), "--out", a])
    run([SLUICE, "gen", "nexmark", "--events", str(N), "--out", b])
    run([SLUICE, "gen", "nexmark", "--events", str(N), "--seed", "7", "--out", c])
    digest = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
    assert digest(a) == digest(b), "same seed, different output"
    assert digest(a) != digest(c), "another seed gave the same output"
    kinds = collections.Counter()
    last_time = ""
    for line in open(a):
        e = json.loads(line)
        kinds[e["event_type"]] += 1
        body = e[{0: "person", 1: "auction", 2: "bid"}[e["event_type"]]]
        assert body["dateTime"] >= last_time, "event time goes backwards"
        last_time = body["dateTime"]
    assert kinds == {0: N // 50, 1: 3 * N // 50, 2: 46 * N // 50}, kinds
    print(f"ok: {N} events, mix {dict(kinds)}, deterministic")

with SluiceServer(SLUICE) as s:
    run([SLUICE, "topic", "create", "nexmark", "--partitions", "2", "--bootstrap", s.bootstrap])
    run([SLUICE, "gen", "nexmark", "--events", "5000", "--topic", "nexmark", "--bootstrap", s.bootstrap])
    out = run([SLUICE, "consume", "nexmark", "--bootstrap", s.bootstrap]).stdout
    assert len(out.splitlines()) == 5000, len(out.splitlines())
    print("ok: 5000 events produced to a topic")
print("ok")
