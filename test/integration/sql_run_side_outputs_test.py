#!/usr/bin/env python3
"""End-to-end: `sluice run` with a late-data table and a dead-letter table.

Input: a JSON-lines file of bids (fixed seed, printed) with rows far behind
the watermark (late for their already fired window) and lines that cannot be
decoded (bad JSON, a string where a BIGINT goes). The pipeline counts bids per
10 s window into one table; the late rows must land, whole (with the bidder
column the query never reads), in bids_late, and the bad lines in bids_dlq
with their text, reason, file:line and source table; both against a plain
Python reference. Runs checkpointed, so the side tables' file sinks commit
through the checkpoints.
Usage: sql_run_side_outputs_test.py path/to/sluice
"""
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile

SEED = 20261122
WINDOW_MS = 10_000
DELAY_MS = 2_000


def fmt_ts(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def read_dir(path):
    rows = []
    for name in sorted(os.listdir(path)):
        if name.startswith(".") or name.startswith("_"):
            continue  # in progress: not output
        with open(os.path.join(path, name)) as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def main():
    sluice = sys.argv[1]
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    t = 1_700_000_000_000
    lines = []  # (text, row or None)
    for _ in range(3000):
        t += rng.randint(0, 40)
        ts = t - rng.randint(0, DELAY_MS - 1)
        r = {"auction": rng.randint(1, 20), "bidder": f"b{rng.randint(1, 99)}", "price": rng.randint(1, 1000),
             "ts": ts}
        lines.append((None, r))
        if rng.random() < 0.01:
            lines.append((None, {"auction": rng.randint(1, 20), "bidder": "late", "price": 1, "ts": t - 30_000}))
        if rng.random() < 0.01:
            lines.append(('{"auction": 1, "bidder": "x", "price": "cheap", "ts": "2024-01-01 00:00:00"}', None))
        if rng.random() < 0.01:
            lines.append(('{"auction": 2, oops', None))

    # Reference: one partition, watermark = max ts - delay; a row is late when
    # its window ended at or before the watermark before it.
    want_counts = {}
    want_late = []
    want_dead = []
    wm = None
    for number, (text, r) in enumerate(lines, start=1):
        if r is None:
            want_dead.append((text, f"line {number}"))
            continue
        start = r["ts"] - r["ts"] % WINDOW_MS
        if wm is not None and start + WINDOW_MS <= wm:
            want_late.append((r["auction"], r["bidder"], r["price"], fmt_ts(r["ts"])))
        else:
            want_counts[(fmt_ts(start), r["auction"])] = want_counts.get((fmt_ts(start), r["auction"]), 0) + 1
        wm = max(wm if wm is not None else -2**62, r["ts"] - DELAY_MS)
    assert want_late and want_dead, "the input should contain late rows and bad lines"
    print(f"{len(lines)} lines, {len(want_late)} late rows, {len(want_dead)} bad lines")

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "bids.jsonl")
        with open(src, "w") as f:
            for text, r in lines:
                if r is not None:
                    text = json.dumps({**r, "ts": fmt_ts(r["ts"])})
                f.write(text + "\n")
        out = {name: os.path.join(tmp, name) for name in ("per_window", "bids_late", "bids_dlq")}
        script = os.path.join(tmp, "pipeline.sql")
        with open(script, "w") as f:
            f.write(f"""
SET 'execution.checkpointing.interval' = '50 ms';
SET 'execution.checkpointing.dir' = '{os.path.join(tmp, "checkpoints")}';
CREATE TABLE bids_late (auction BIGINT, bidder STRING, price BIGINT, ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '{out["bids_late"]}', 'format' = 'json');
CREATE TABLE bids_dlq (raw STRING, reason STRING, position STRING, source STRING, ts TIMESTAMP_LTZ(3))
WITH ('connector' = 'filesystem', 'path' = '{out["bids_dlq"]}', 'format' = 'json');
CREATE TABLE bids (auction BIGINT, bidder STRING, price BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'json',
      'late-data.table' = 'bids_late', 'dead-letter.table' = 'bids_dlq');
CREATE TABLE per_window (window_start TIMESTAMP(3), auction BIGINT, bids BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{out["per_window"]}', 'format' = 'json');
INSERT INTO per_window
SELECT window_start, auction, COUNT(*)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
""")
        proc = subprocess.run([sluice, "run", script, "--parallelism", "2"], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            sys.exit(f"sluice run exited {proc.returncode}")

        got_counts = {(r["window_start"], r["auction"]): r["bids"] for r in read_dir(out["per_window"])}
        if got_counts != want_counts:
            sys.exit(f"window counts: {len(got_counts)} rows vs {len(want_counts)} expected")
        got_late = sorted((r["auction"], r["bidder"], r["price"], r["ts"]) for r in read_dir(out["bids_late"]))
        if got_late != sorted(want_late):
            sys.exit(f"late rows: got {got_late[:5]}... ({len(got_late)}), want {sorted(want_late)[:5]}... "
                     f"({len(want_late)})")
        dead = read_dir(out["bids_dlq"])
        got_dead = sorted((r["raw"], r["position"].rsplit(" ", 2)[-2] + " " + r["position"].rsplit(" ", 1)[-1])
                          for r in dead)
        if got_dead != sorted(want_dead):
            sys.exit(f"dead letters: got {got_dead[:3]} ({len(got_dead)}), want {sorted(want_dead)[:3]} "
                     f"({len(want_dead)})")
        for r in dead:
            if r["source"] != "bids" or not r["reason"] or not r["position"].startswith(src) or not r["ts"]:
                sys.exit(f"dead letter without its source, reason, file or time: {r}")
    print(f"ok: {len(got_counts)} window rows, {len(got_late)} late rows and {len(got_dead)} dead letters match")


if __name__ == "__main__":
    main()
