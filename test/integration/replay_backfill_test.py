"""Replay (Kappa-style backfill): a job started later from an earlier
timestamp reprocesses the topic's history and produces exactly what the same
query produced live.

A live job runs while events arrive in small chunks over two partitions
(out of order within the watermark bound, some late beyond it). Then two
backfill jobs over the same topic start: one from a timestamp before the
first event (its output must equal the live output), one from a timestamp
between two phases of production (its output must equal the live windows of
the second phase). The live output is itself checked against a plain Python
computation, so the comparison is not between two empty sets.
"""
import collections
import json
import os
import random
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sluice_server import SluiceServer, run  # noqa: E402

BASE_MS = 1_767_225_600_000  # 2026-01-01 00:00:00 UTC
DELAY_MS = 500
PARTITIONS = 2


def ts_text(ms):
    t = time.gmtime(ms // 1000)
    return time.strftime("%Y-%m-%d %H:%M:%S", t) + f".{ms % 1000:03d}"


def make_events(rng, first_ms, count):
    """Per partition, events roughly in time order: jitter within the
    watermark delay, and one in 20 far behind (late: dropped)."""
    parts = [[] for _ in range(PARTITIONS)]
    for p in range(PARTITIONS):
        t = first_ms
        for _ in range(count):
            t += rng.randint(0, 40)
            ts = t - rng.randint(0, DELAY_MS - 1)
            if rng.random() < 0.05:
                ts = t - rng.randint(DELAY_MS + 200, 3000)
            parts[p].append({"k": f"k{rng.randint(0, 4)}", "v": rng.randint(1, 100), "ts": BASE_MS + ts})
    return parts


def produce(server, parts, chunk):
    """Chunk by chunk, alternating partitions, so the live job sees the
    events arrive over time in many small fetches."""
    for start in range(0, max(len(p) for p in parts), chunk):
        for p, events in enumerate(parts):
            lines = [json.dumps({"k": e["k"], "v": e["v"], "ts": ts_text(e["ts"])}) for e in events[start:start + chunk]]
            if lines:
                run(["kcat", "-b", server.bootstrap, "-q", "-P", "-t", "events", "-p", str(p)],
                    input="\n".join(lines) + "\n")
        time.sleep(0.05)


def reference(parts):
    """Tumbling 1 s COUNT and SUM per key over the rows that are not late in
    their partition (the watermark before them had not closed their window),
    for the windows the final watermark closed."""
    rows = collections.defaultdict(lambda: [0, 0])
    final_wm = min(max(e["ts"] for e in events) for events in parts) - DELAY_MS
    for events in parts:
        max_ts = None
        for e in events:
            start = e["ts"] - e["ts"] % 1000
            # Late (dropped) when the watermark before it closed its window, as in Flink.
            late = max_ts is not None and start + 1000 - 1 <= max_ts - DELAY_MS
            max_ts = e["ts"] if max_ts is None else max(max_ts, e["ts"])
            if late:
                continue
            if start + 1000 - 1 <= final_wm:
                acc = rows[(start, e["k"])]
                acc[0] += 1
                acc[1] += e["v"]
    return collections.Counter({(ts_text(s), k, n, total): 1 for (s, k), (n, total) in rows.items()})


def output(out_dir):
    rows = collections.Counter()
    for name in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if not name.startswith("."):
            with open(os.path.join(out_dir, name)) as f:
                for line in f:
                    if line.strip():
                        r = json.loads(line)
                        rows[(r["window_start"], r["k"], r["n"], r["total"])] += 1
    return rows


def submit(sluice, server, tmp, name, out_dir, startup):
    script = os.path.join(tmp, f"{name}.sql")
    with open(script, "w") as f:
        f.write(f"""
SET 'execution.checkpointing.interval' = '300ms';
CREATE TABLE events (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0.5' SECOND)
  WITH ('connector' = 'topic', 'topic' = 'events', 'format' = 'json', {startup});
CREATE TABLE counts (window_start TIMESTAMP(3), k STRING, n BIGINT, total BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'json');
INSERT INTO counts SELECT window_start, k, COUNT(*), SUM(v)
  FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, k;
""")
    p = run([sluice, "sql", "-f", script, "--server", f"127.0.0.1:{server.http_port}"])
    return p.stdout.split("Job ID: ")[1].split()[0]


def difference(got, want):
    extra, missing = got - want, want - got
    return (f"{sum(got.values())} rows, {sum(want.values())} expected; unexpected {sorted(extra)[:5]}, "
            f"missing {sorted(missing)[:5]}")


def wait_for(what, predicate, describe, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}: {describe()}")


def main():
    sluice = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    print(f"seed {seed}")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="sluice-replay-") as tmp:
        server = SluiceServer(sluice, os.path.join(tmp, "data")).start()
        try:
            run([sluice, "topic", "create", "events", "--partitions", str(PARTITIONS), "--bootstrap",
                 server.bootstrap])
            live_dir, full_dir, tail_dir = (os.path.join(tmp, d) for d in ("live", "full", "tail"))
            before_ms = int(time.time() * 1000) - 1000
            submit(sluice, server, tmp, "live", live_dir, "'scan.startup.mode' = 'latest-offset'")
            time.sleep(0.5)  # the live job reads from the end of the (empty) topic

            phase1 = make_events(rng, 0, 300)  # event time 0 s .. ~6 s
            produce(server, phase1, 25)
            time.sleep(0.2)
            middle_ms = int(time.time() * 1000)
            time.sleep(0.2)
            phase2 = make_events(rng, 20_000, 300)  # event time 20 s .. ~26 s
            # The last event of each partition moves the watermark past every window.
            for p in phase2:
                p.append({"k": "flush", "v": 0, "ts": BASE_MS + 100_000})
            produce(server, phase2, 25)

            everything = [a + b for a, b in zip(phase1, phase2)]
            want = reference(everything)
            if sum(want.values()) < 20:
                sys.exit(f"reference too small to mean anything: {want}")
            wait_for("the live output", lambda: output(live_dir) == want,
                     lambda: difference(output(live_dir), want))
            live = output(live_dir)

            submit(sluice, server, tmp, "full", full_dir,
                   f"'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '{before_ms}'")
            submit(sluice, server, tmp, "tail", tail_dir,
                   f"'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '{middle_ms}'")
            wait_for("the backfill from the first event", lambda: output(full_dir) == live,
                     lambda: difference(output(full_dir), live))
            # Phase 1 ends before 10 s of event time, phase 2 (late rows included) starts after 17 s.
            tail_want = collections.Counter({r: n for r, n in live.items() if r[0] >= ts_text(BASE_MS + 10_000)})
            if not tail_want or tail_want == live or tail_want != reference(phase2):
                sys.exit("the live windows of the second phase should be some, not all, and those of phase 2 alone")
            wait_for("the backfill from the middle", lambda: output(tail_dir) == tail_want,
                     lambda: difference(output(tail_dir), tail_want), timeout=20)
            # Nothing more arrives later (no duplicates once checkpoints commit again).
            time.sleep(1.0)
            for name, d, w in (("live", live_dir, live), ("full", full_dir, live), ("tail", tail_dir, tail_want)):
                if output(d) != w:
                    sys.exit(f"{name} output changed after it was complete")
            print(f"ok: {sum(live.values())} live window rows reproduced by a backfill from the start, "
                  f"{sum(tail_want.values())} by a backfill from the middle")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
