#!/usr/bin/env python3
"""End-to-end: `sluice run` over a JSON-lines file with a TUMBLE window
aggregation, compared with the same query computed here in plain Python.

Input: random bids (fixed seed, printed), shuffled within the watermark bound
so that some rows arrive out of order, plus rows far behind the watermark that
Flink semantics exclude (late) and exact duplicates (counted twice).
Usage: sql_run_tumble_test.py path/to/sluice
"""
import collections
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile

SEED = 20241122
WINDOW_MS = 10_000
DELAY_MS = 2_000


def fmt_ts(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def main():
    sluice = sys.argv[1]
    print(f"seed {SEED}")
    rng = random.Random(SEED)
    base = 1_700_000_000_000
    rows = []
    t = base
    for _ in range(5000):
        t += rng.randint(0, 40)
        # Out of order by less than the watermark delay: always on time.
        ts = t - rng.randint(0, DELAY_MS - 1)
        rows.append({"auction": rng.randint(1, 20), "price": rng.randint(1, 1000), "ts": ts})
        if rng.random() < 0.02:
            rows.append(dict(rows[-1]))  # an exact duplicate
        if rng.random() < 0.01:
            # Far behind the watermark: late for its (already fired) window.
            rows.append({"auction": rng.randint(1, 20), "price": 1, "ts": t - 30_000})

    # Reference: per-partition watermark = max ts seen - delay; a row is
    # dropped when its window ended at or before the watermark before it.
    expected = collections.defaultdict(lambda: [0, 0, 0])
    wm = None
    late = 0
    for r in rows:
        start = r["ts"] - r["ts"] % WINDOW_MS
        end = start + WINDOW_MS
        if wm is not None and end <= wm:
            late += 1
        else:
            acc = expected[(start, end, r["auction"])]
            acc[0] += 1
            acc[1] += r["price"]
            acc[2] = max(acc[2], r["price"])
        wm = max(wm if wm is not None else -2**62, r["ts"] - DELAY_MS)
    assert late > 0, "the input should contain late rows"
    print(f"{len(rows)} rows, {late} of them late")
    want = sorted(
        (fmt_ts(s), fmt_ts(e), a, c, total, top) for (s, e, a), (c, total, top) in expected.items())

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "bids.jsonl")
        with open(src, "w") as f:
            for r in rows:
                f.write(json.dumps({"auction": r["auction"], "price": r["price"], "ts": fmt_ts(r["ts"])}) + "\n")
        out_dir = os.path.join(tmp, "out")
        script = os.path.join(tmp, "pipeline.sql")
        with open(script, "w") as f:
            f.write(f"""
CREATE TABLE bids (auction BIGINT, price BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector' = 'filesystem', 'path' = '{src}', 'format' = 'json');
CREATE TABLE per_window (window_start TIMESTAMP(3), window_end TIMESTAMP(3), auction BIGINT,
  bids BIGINT, total BIGINT, top BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'json');
INSERT INTO per_window
SELECT window_start, window_end, auction, COUNT(*), SUM(price), MAX(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
""")
        proc = subprocess.run([sluice, "run", script, "--parallelism", "2"], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            sys.exit(f"sluice run exited {proc.returncode}")
        got = []
        for name in sorted(os.listdir(out_dir)):
            if name.startswith("."):
                continue  # in progress: not output
            with open(os.path.join(out_dir, name)) as f:
                for line in f:
                    r = json.loads(line)
                    got.append((r["window_start"], r["window_end"], r["auction"], r["bids"], r["total"], r["top"]))
        got.sort()
        if got != want:
            missing = sorted(set(want) - set(got))[:5]
            extra = sorted(set(got) - set(want))[:5]
            sys.exit(f"mismatch: {len(got)} rows vs {len(want)} expected; missing {missing}; extra {extra}")

        # An error exits non-zero with line:column on stderr.
        bad = os.path.join(tmp, "bad.sql")
        with open(bad, "w") as f:
            f.write(f"CREATE TABLE t (a BIGINT) WITH ('connector' = 'filesystem', 'path' = '{src}', "
                    "'format' = 'json');\nSELECT nope FROM t;\n")
        proc = subprocess.run([sluice, "run", bad], capture_output=True, text=True, timeout=60)
        if proc.returncode == 0 or "line 2:8" not in proc.stderr:
            sys.exit(f"bad script: exit {proc.returncode}, stderr {proc.stderr!r}")
    print(f"ok: {len(got)} window rows match the reference")


if __name__ == "__main__":
    main()
