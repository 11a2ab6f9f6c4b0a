#!/usr/bin/env python3
"""`sluice bench sql --quick --json` runs every pipeline both in SQL and
against the C++ API, and they write the same number of rows (the suite fails
otherwise); the figures themselves are never asserted."""
import json
import subprocess
import sys

SLUICE = sys.argv[1]
p = subprocess.run([SLUICE, "--log-level", "warn", "bench", "sql", "--json", "--quick"], capture_output=True,
                   text=True, timeout=200)
assert p.returncode == 0, p.stderr
rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
names = [r["name"] for r in rows]
for what in ("filter", "tumble", "hop", "session", "GROUP BY", "interval join"):
    assert any(what in n for n in names), (what, names)
for r in rows:
    assert r["suite"] == "sql" and r["baseline"] == "C++ Pipeline API" and r["value"] > 0 and r["baseline_value"] > 0, r
print("ok")
