#!/usr/bin/env python3
"""Nexmark q10 (every bid into a PARTITIONED BY (dt, hm) filesystem sink)
under `sluice run` with checkpoints, killed with SIGKILL once a checkpoint is
stored and some partitions' files are visible, then run again (the same
script over the same checkpoint dir resumes from the newest checkpoint):

- every bid is in the output exactly once (no row lost, none twice; a bid's
  row is unique: its `extra` is random text),
- each row sits in the partition of its dateTime (dt=yyyy-MM-dd/hm=HH%3Amm,
  the partition columns not in the row),
- no in-progress (hidden) part file is left, and every partition has its
  _SUCCESS file (end of input commits them all).

The kill waits for a stored checkpoint and for committed output (polled, not
a fixed sleep), so the resumed run always restores a checkpoint and publishes
what it lists, and discards the killed run's later parts."""
import collections
import csv
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from sluice_server import run

SLUICE = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EVENTS = 2_000_000
BIDS = EVENTS * 46 // 50
RATE = 200  # events per second of event time: 2 M events span ~2.8 hours, ~170 minute partitions


def ms(ts):
    t = datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return int(round(t.timestamp() * 1000))


def visible_parts(out_dir):
    found = []
    for base, dirs, files in os.walk(out_dir):
        found += [os.path.join(base, f) for f in files if f.startswith("part-")]
    return found


with tempfile.TemporaryDirectory() as d:
    out_dir = os.path.join(d, "data", "output", "bid")
    ck_dir = os.path.join(d, "ck")
    ddl = open(os.path.join(ROOT, "bench", "nexmark", "ddl.sql")).read()
    assert ddl.count("'events.num' = '${EVENTS}'") == 3
    ddl = ddl.replace("'events.num' = '${EVENTS}'", f"'events.num' = '{EVENTS}', 'first-event.rate' = '{RATE}'")
    query = open(os.path.join(ROOT, "bench", "nexmark", "queries", "q10.sql")).read().replace("${NEXMARK_DIR}", d)
    script = os.path.join(d, "q10.sql")
    open(script, "w").write(f"SET 'execution.checkpointing.interval' = '100ms';\n"
                            f"SET 'execution.checkpointing.dir' = '{ck_dir}';\n" + ddl + query)
    # One worker: the nexmark source is one split, and every task must take part in a checkpoint.
    proc = subprocess.Popen([SLUICE, "run", script, "--parallelism", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        stored = os.path.isdir(ck_dir) and any(f.endswith(".ckpt") for f in os.listdir(ck_dir))
        if stored and visible_parts(out_dir):
            break
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, "no checkpoint with committed output within 60 s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    print(f"killed after {len(visible_parts(out_dir))} committed part files")

    resumed = run([SLUICE, "run", script, "--parallelism", "1"], timeout=240)
    assert "resumes from checkpoint" in resumed.stderr, f"the second run did not resume:\n{resumed.stderr[-2000:]}"

    rows = collections.Counter()
    partitions = 0
    for base, dirs, files in os.walk(out_dir):
        hidden = [f for f in files if f.startswith(".")]
        assert not hidden, f"uncommitted part files left in {base}: {hidden[:3]}"
        parts = [f for f in files if f.startswith("part-")]
        if not parts:
            continue
        rel = os.path.relpath(base, out_dir).split(os.sep)
        assert len(rel) == 2 and rel[0].startswith("dt=") and rel[1].startswith("hm="), f"unexpected directory {base}"
        assert "_SUCCESS" in files, f"{base} has no _SUCCESS"
        partitions += 1
        dt, hm = urllib.parse.unquote(rel[0][3:]), urllib.parse.unquote(rel[1][3:])
        for name in parts:
            for row in csv.reader(open(os.path.join(base, name))):
                assert len(row) == 5, f"{name}: {row} is not (auction, bidder, price, dateTime, extra)"
                assert (row[3][:10], row[3][11:16]) == (dt, hm), f"{row} is in partition {dt}/{hm}"
                rows[tuple(row)] += 1
    twice = [r for r, n in rows.items() if n > 1]
    assert not twice, f"{len(twice)} rows written more than once, e.g. {twice[:2]}"
    assert sum(rows.values()) == BIDS, f"{sum(rows.values())} rows, expected every bid once: {BIDS}"
    print(f"ok: {BIDS} bids exactly once in {partitions} committed partitions after SIGKILL and resume")
