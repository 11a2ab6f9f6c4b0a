#!/usr/bin/env python3
"""`sluice bench machine --json --quick` prints one JSON object per line with
the fields of the benchmark convention (bench/README.md)."""
import json
import subprocess
import sys

SLUICE = sys.argv[1]
out = subprocess.run([SLUICE, "bench", "machine", "--json", "--quick"], capture_output=True, text=True,
                     timeout=100, check=True).stdout
lines = [l for l in out.splitlines() if l.strip()]
assert lines, "no output"
for l in lines:
    o = json.loads(l)
    assert set(o) == {"suite", "name", "value", "unit", "baseline", "baseline_value"}, o
    assert o["suite"] == "machine" and o["value"] > 0, o

bad = subprocess.run([SLUICE, "bench", "nosuch"], capture_output=True, text=True, timeout=20)
assert bad.returncode != 0 and "available" in bad.stderr, bad
print("ok")
