#!/usr/bin/env python3
"""`sluice bench checkpoint --quick --json` runs the checkpoint suite: the
GROUP BY's throughput with checkpoints beside none, the duration and size of a
checkpoint of its whole state, and the time a job needs to resume from it —
each line following the benchmark convention (bench/README.md). The suite
itself fails when the resumed job did not restore the checkpoint or wrote
other rows than the last batch's updates."""
import json
import subprocess
import sys

SLUICE = sys.argv[1]
p = subprocess.run([SLUICE, "bench", "checkpoint", "--quick", "--json"], capture_output=True, text=True, timeout=120)
assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}"
rows = {}
for line in p.stdout.splitlines():
    m = json.loads(line)
    assert set(m) == {"suite", "name", "value", "unit", "baseline", "baseline_value"}, m
    assert m["suite"] == "checkpoint" and m["value"] >= 0, m
    rows[m["name"]] = m
through = [m for n, m in rows.items() if "checkpoint every" in n]
assert through and all(m["unit"] == "events/s" and m["value"] > 0 and m["baseline"] == "no checkpoints"
                       and m["baseline_value"] > 0 for m in through), through
assert any(n.startswith("checkpoint of ") and n.endswith(": size") and m["value"] > 0 for n, m in rows.items()), rows
recovery = [m for n, m in rows.items() if n.startswith("recovery of ") and "Create + Run" in n]
assert recovery and recovery[0]["unit"] == "ms" and recovery[0]["value"] > 0, rows
print("ok")
