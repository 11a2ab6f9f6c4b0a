#!/usr/bin/env python3
"""The first end-to-end moment: a server is running, events arrive with kcat,
a Flink-style SQL job (`sluice run`) reads the topic over the Kafka protocol,
aggregates them in event-time tumbling windows and writes the result to
files; the result equals an independent computation of the same query.

Events are shuffled within the declared out-of-orderness (2 s) and some are
duplicated (a duplicate counts twice, as in Flink without deduplication), so
no event is late and the reference is a plain GROUP BY."""
import collections
import glob
import json
import os
import random
import sys
import tempfile

from sluice_server import SluiceServer, run

SLUICE = sys.argv[1]
SEED = 20261122
N = 20_000
BASE = 1_795_341_600_000  # 2026-11-22 10:00:00 UTC, ms

rng = random.Random(SEED)
print(f"seed {SEED}")
events = []
for i in range(N):
    ts = BASE + i * 37  # ~12 minutes of event time
    events.append({"auction": rng.randrange(50), "price": rng.randrange(1, 10_000), "ts": ts})
events += [dict(e) for e in rng.sample(events, 500)]  # duplicates
# Shuffle within the 2 s bound: sort by a jittered key.
events.sort(key=lambda e: e["ts"] + rng.randrange(0, 1900))


def fmt_ts(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


expected = collections.defaultdict(lambda: [0, 0])
for e in events:
    start = e["ts"] - e["ts"] % 10_000
    k = (fmt_ts(start), fmt_ts(start + 10_000), e["auction"])
    expected[k][0] += 1
    expected[k][1] = max(expected[k][1], e["price"])

with SluiceServer(SLUICE) as s, tempfile.TemporaryDirectory() as work:
    run([SLUICE, "topic", "create", "bids", "--partitions", "3", "--bootstrap", s.bootstrap])
    lines = "".join(f'{e["auction"]}:{json.dumps({**e, "ts": fmt_ts(e["ts"])})}\n' for e in events)
    run(["kcat", "-b", s.bootstrap, "-q", "-P", "-t", "bids", "-K:"], input=lines, timeout=120)

    out = os.path.join(work, "out")
    sql = f"""
CREATE TABLE bids (
  auction BIGINT,
  price BIGINT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'topic',
  'topic' = 'bids',
  'format' = 'json',
  'properties.bootstrap.servers' = '{s.bootstrap}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset'
);

CREATE TABLE per_window (
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  auction BIGINT,
  bids BIGINT,
  top_price BIGINT
) WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'json');

INSERT INTO per_window
SELECT window_start, window_end, auction, COUNT(*) AS bids, MAX(price) AS top_price
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
"""
    path = os.path.join(work, "job.sql")
    with open(path, "w") as f:
        f.write(sql)
    run([SLUICE, "run", path, "--parallelism", "2"], timeout=300)

    got = {}
    files = glob.glob(os.path.join(out, "*"))
    assert files, "no committed output file"
    assert not glob.glob(os.path.join(out, ".*")), "in-progress files left behind"
    for fname in files:
        for line in open(fname):
            r = json.loads(line)
            k = (r["window_start"], r["window_end"], r["auction"])
            assert k not in got, f"duplicate result row {k}"
            got[k] = [r["bids"], r["top_price"]]
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    wrong = {k for k in set(got) & set(expected) if got[k] != expected[k]}
    assert not missing and not extra and not wrong, (
        f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} wrong; e.g. "
        f"{sorted(missing)[:2]} {sorted(extra)[:2]} {[(k, got[k], expected[k]) for k in sorted(wrong)[:2]]}")
    print(f"ok: {len(got)} window rows equal the reference over {len(events)} events")
print("ok")
