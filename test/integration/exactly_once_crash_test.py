"""Exactly-once under crashes: a server runs a checkpointed SQL job — a
windowed aggregation into a filesystem sink and an interval join into a topic
sink, both from one input topic — while a producer feeds the topic; the
server is killed with SIGKILL at random moments and restarted, and the job
resumes by itself from its last checkpoint. At the end the committed output
must equal a plain computation over the input topic exactly: no row lost,
none duplicated.

usage: exactly_once_crash_test.py SLUICE [KILLS] [--corrupt] [--rocksdb]
  --corrupt: also truncate or corrupt the newest checkpoint file before some
  restarts (the one before it must be used).
  --rocksdb: run the job with SET 'state.backend' = 'rocksdb' (a tiny cache,
  so its state lives in RocksDB and its checkpoints are RocksDB checkpoints)
  and add a deduplication (first event per id into files) to its queries.
"""
import collections
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sluice_server import SluiceServer, run  # noqa: E402

ORDERS = 3000
WINDOW_MS = 2000
JOIN_MS = 5000
BASE = datetime.datetime(2026, 1, 1)


def ts_text(ms):
    return (BASE + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def make_events():
    """Orders every 10 ms, most paid 0-6.5 s later; sorted by time so that no
    event is late in its partition (keys keep an id's events together)."""
    rng = random.Random(7)
    events = []
    for i in range(ORDERS):
        t = i * 10
        events.append((t, i, {"type": "order", "id": i, "k": f"k{i % 5}", "v": i, "ts": ts_text(t)}))
        if rng.random() < 0.8:
            p = t + rng.randrange(0, 6500)
            events.append((p, i, {"type": "pay", "id": i, "k": f"k{i % 5}", "v": 0, "ts": ts_text(p)}))
    events.sort(key=lambda e: (e[0], e[1]))
    return [f"{i}:{json.dumps(e)}" for _, i, e in events]


JOB = """
SET 'execution.checkpointing.interval' = '100ms';
SET 'parallelism' = '2';
CREATE TABLE events (type STRING, id BIGINT, k STRING, v BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'topic', 'topic' = 'events', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE agg_out (window_start TIMESTAMP(3), k STRING, n BIGINT, total BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{out}', 'format' = 'json');
CREATE TABLE joined (id BIGINT, order_ts TIMESTAMP(3), pay_ts TIMESTAMP(3))
  WITH ('connector' = 'topic', 'topic' = 'joined', 'format' = 'json');
CREATE VIEW orders AS SELECT id, k, v, ts FROM events WHERE type = 'order';
CREATE VIEW pays AS SELECT id, ts FROM events WHERE type = 'pay';
INSERT INTO agg_out
  SELECT window_start, k, COUNT(*), SUM(v)
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '2' SECOND))
  GROUP BY window_start, window_end, k;
INSERT INTO joined
  SELECT o.id, o.ts, p.ts FROM orders o JOIN pays p
  ON o.id = p.id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '5' SECOND;
"""


ROCKSDB_SETTINGS = """
SET 'state.backend' = 'rocksdb';
SET 'state.backend.rocksdb.cache-entries' = '64';
"""

ROCKSDB_JOB = """
CREATE TABLE firsts (id BIGINT, type STRING, ts TIMESTAMP(3))
  WITH ('connector' = 'filesystem', 'path' = '{firsts}', 'format' = 'json');
INSERT INTO firsts
  SELECT id, type, ts FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts ASC) AS rn
    FROM (SELECT * FROM events WHERE id >= 0))
  WHERE rn = 1;
"""


def http(server, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", method=method,
                                 data=body.encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def produce(server_ref, lines, done, errors):
    """Feeds the topic in chunks, retrying a chunk while the server is down.
    A chunk retried after a crash may land twice: that is input, and the
    reference reads the topic as it ended up."""
    try:
        for start in range(0, len(lines), 150):
            chunk = "\n".join(lines[start:start + 150]) + "\n"
            for _ in range(400):
                p = subprocess.run(["kcat", "-b", server_ref[0].bootstrap, "-q", "-P", "-t", "events", "-K:",
                                    "-X", "message.timeout.ms=3000"],
                                   input=chunk, capture_output=True, text=True, timeout=30)
                if p.returncode == 0:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError("could not produce a chunk for 80 s")
            time.sleep(0.1)
        # Far-future events on both partitions close every window.
        for part in (0, 1):
            flush = json.dumps({"type": "flush", "id": -1, "k": "", "v": 0, "ts": ts_text(3_600_000)})
            for _ in range(400):
                p = subprocess.run(["kcat", "-b", server_ref[0].bootstrap, "-q", "-P", "-t", "events", "-p",
                                    str(part), "-X", "message.timeout.ms=3000"],
                                   input=flush + "\n", capture_output=True, text=True, timeout=30)
                if p.returncode == 0:
                    break
                time.sleep(0.2)
    except Exception as e:  # reported by the main thread
        errors.append(e)
    finally:
        done.set()


def consume(bootstrap, topic):
    p = run(["kcat", "-b", bootstrap, "-q", "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%s\n"], timeout=120)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def reference(events):
    agg = collections.Counter()
    sums = collections.Counter()
    orders, pays = {}, collections.defaultdict(list)
    order_list = []
    for e in events:
        ms = int((datetime.datetime.strptime(e["ts"], "%Y-%m-%d %H:%M:%S.%f") - BASE).total_seconds() * 1000 + 0.5)
        if e["type"] == "order":
            w = ms - ms % WINDOW_MS
            agg[(ts_text(w), e["k"])] += 1
            sums[(ts_text(w), e["k"])] += e["v"]
            order_list.append((e["id"], ms))
        elif e["type"] == "pay":
            pays[e["id"]].append(ms)
    want_agg = collections.Counter({(w, k, n, sums[(w, k)]) for (w, k), n in agg.items()})
    # Every (window, key) once per distinct... rebuild as a multiset of rows.
    want_agg = collections.Counter((w, k, n, sums[(w, k)]) for (w, k), n in agg.items())
    # Deduplication (--rocksdb): an id's order comes first (pays are later or
    # tie, and come after it in the partition); duplicates tie and lose.
    want_firsts = collections.Counter((oid, "order", ts_text(oms)) for oid, oms in
                                      {oid: oms for oid, oms in reversed(order_list)}.items())
    want_join = collections.Counter()
    for oid, oms in order_list:
        for pms in pays.get(oid, []):
            if oms <= pms <= oms + JOIN_MS:
                want_join[(oid, ts_text(oms), ts_text(pms))] += 1
    return want_agg, want_join, want_firsts


def committed_rows(out_dir, fields):
    rows = collections.Counter()
    for name in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if name.startswith("."):
            continue  # in progress: not output yet
        with open(os.path.join(out_dir, name)) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    rows[tuple(r[k] for k in fields)] += 1
    return rows


def committed_agg(out_dir):
    rows = collections.Counter()
    for name in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if name.startswith("."):
            continue  # in progress: not output yet
        with open(os.path.join(out_dir, name)) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    rows[(r["window_start"], r["k"], r["n"], r["total"])] += 1
    return rows


def corrupt_newest_checkpoint(data_dir, rng, rocksdb=False):
    base = os.path.join(data_dir, "checkpoints")
    for job in os.listdir(base) if os.path.isdir(base) else []:
        files = sorted(f for f in os.listdir(os.path.join(base, job)) if f.endswith(".ckpt"))
        if len(files) < 2:
            continue
        path = os.path.join(base, job, files[-1])
        state = path[:-len(".ckpt")] + ".state"
        if rocksdb and os.path.isdir(state) and rng.random() < 0.5:
            # A RocksDB checkpoint loses a file (an SST or its MANIFEST).
            victims = [os.path.join(d, f) for d, _, fs in os.walk(state) for f in fs
                       if f.endswith(".sst") or f.startswith("MANIFEST")]
            if victims:
                os.remove(rng.choice(sorted(victims)))
                return True
        size = os.path.getsize(path)
        if rng.random() < 0.5:
            os.truncate(path, rng.randrange(0, size))
        else:
            with open(path, "r+b") as f:
                f.seek(rng.randrange(0, size))
                f.write(b"\xff")
        return True
    return False


def main():
    sluice = sys.argv[1]
    kills = int(sys.argv[2]) if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else 20
    corrupt = "--corrupt" in sys.argv
    rocksdb = "--rocksdb" in sys.argv
    seed = int(os.environ.get("SLUICE_TEST_SEED", str(random.randrange(1 << 30))))
    print(f"seed {seed}, {kills} kills{', corrupting checkpoints' if corrupt else ''}"
          f"{', RocksDB state' if rocksdb else ''}", flush=True)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="sluice-crash-") as tmp:
        data_dir = os.path.join(tmp, "data")
        out_dir = os.path.join(tmp, "agg")
        server = SluiceServer(sluice, data_dir).start()
        port = server.kafka_port
        try:
            run([sluice, "topic", "create", "events", "--partitions", "2", "--bootstrap", server.bootstrap])
            run([sluice, "topic", "create", "joined", "--partitions", "1", "--bootstrap", server.bootstrap])
            job = JOB.replace("{out}", out_dir)
            if rocksdb:
                job = ROCKSDB_SETTINGS + job + ROCKSDB_JOB.replace("{firsts}", os.path.join(tmp, "firsts"))
            status, body = http(server, "POST", "/api/v1/jobs", job)
            if status != 201:
                sys.exit(f"submit: {status} {body}")
            job_id = body["id"]

            server_ref = [server]
            done, errors = threading.Event(), []
            lines = make_events()
            producer = threading.Thread(target=produce, args=(server_ref, lines, done, errors), daemon=True)
            producer.start()
            corrupted = 0
            for i in range(kills):
                time.sleep(rng.uniform(0.2, 1.0))
                server.kill()
                if corrupt and rng.random() < 0.5:
                    corrupted += corrupt_newest_checkpoint(data_dir, rng, rocksdb)
                server = SluiceServer(sluice, data_dir).start(kafka_port=port)
                server_ref[0] = server
            done.wait(timeout=300)
            if errors:
                raise errors[0]
            if not done.is_set():
                sys.exit("the producer did not finish")

            # The job catches up and commits; then the output must match.
            deadline = time.time() + 120
            while True:
                events = consume(server.bootstrap, "events")
                want_agg, want_join, want_firsts = reference(events)
                got_agg = committed_agg(out_dir)
                got_join = collections.Counter((r["id"], r["order_ts"], r["pay_ts"])
                                               for r in consume(server.bootstrap, "joined"))
                got_firsts = committed_rows(os.path.join(tmp, "firsts"), ("id", "type", "ts")) if rocksdb else None
                if got_agg == want_agg and got_join == want_join and (not rocksdb or got_firsts == want_firsts):
                    break
                if time.time() > deadline:
                    def diff(got, want):
                        extra, missing = got - want, want - got
                        return (f"{sum(got.values())} rows, {sum(want.values())} expected; "
                                f"{sum(extra.values())} extra (e.g. {list(extra)[:3]}), "
                                f"{sum(missing.values())} missing (e.g. {list(missing)[:3]})")
                    _, jobs = http(server, "GET", "/api/v1/jobs")
                    sys.exit(f"seed {seed}: output differs from the reference after {kills} kills\n"
                             f"  aggregation: {diff(got_agg, want_agg)}\n  join: {diff(got_join, want_join)}\n"
                             + (f"  dedup: {diff(got_firsts, want_firsts)}\n" if rocksdb else "") +
                             f"  jobs: {jobs}\n" + server.log()[-3000:])
                time.sleep(1)
            status, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info.get("state") != "RUNNING":
                sys.exit(f"job not running at the end: {info}")
            print(f"ok: {kills} kills ({corrupted} checkpoint files corrupted), {len(events)} input events, "
                  f"{sum(want_agg.values())} window rows, {sum(want_join.values())} joined rows"
                  f"{f' and {sum(want_firsts.values())} deduplicated rows' if rocksdb else ''} exactly once; "
                  f"job restored from checkpoint {info['checkpoints']['restored_from']}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
