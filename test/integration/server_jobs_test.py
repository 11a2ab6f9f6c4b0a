"""SQL jobs in the server: `sluice sql -f` submits a script, `sluice job
list|stop|resume|cancel` manage it; a stopped job resumes from its savepoint
without losing or repeating output; a killed server resumes its running jobs
by itself; a cancelled job stays cancelled; bad SQL is refused with
line:column and nothing is stored."""
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sluice_server import SluiceServer, run  # noqa: E402


def http(server, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}{path}", method=method,
                                 data=body.encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def produce(server, first, last):
    """Events second by second: key k<i%3>, one per 100 ms, in time order."""
    lines = [json.dumps({"k": f"k{i % 3}", "v": i, "ts": f"2026-01-01 00:{(i // 600):02d}:{(i // 10) % 60:02d}.{(i % 10) * 100:03d}"})
             for i in range(first, last)]
    run(["kcat", "-b", server.bootstrap, "-q", "-P", "-t", "events"], input="\n".join(lines) + "\n")


def output(out_dir):
    rows = collections.Counter()
    for name in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if not name.startswith("."):
            with open(os.path.join(out_dir, name)) as f:
                rows.update(tuple(sorted(json.loads(line).items())) for line in f if line.strip())
    return rows


def expected(last_event):
    """Tumbling 1 s counts per key for the windows a watermark of
    (max ts - 1 s) has closed."""
    max_ts_ms = (last_event - 1) * 100
    rows = collections.Counter()
    for i in range(last_event):
        w = (i * 100) // 1000
        if (w + 1) * 1000 <= max_ts_ms - 1000:
            rows[(w, f"k{i % 3}")] += 1
    return collections.Counter({tuple(sorted({"window_start": f"2026-01-01 00:{w // 60:02d}:{w % 60:02d}.000", "k": k,
                                              "n": n}.items())): 1 for (w, k), n in rows.items()})


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")


def main():
    sluice = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="sluice-jobs-") as tmp:
        data_dir, out_dir = os.path.join(tmp, "data"), os.path.join(tmp, "out")
        server = SluiceServer(sluice, data_dir).start()
        port = server.kafka_port
        try:
            run([sluice, "topic", "create", "events", "--partitions", "1", "--bootstrap", server.bootstrap])
            script = os.path.join(tmp, "job.sql")
            with open(script, "w") as f:
                f.write(f"""
SET 'execution.checkpointing.interval' = '200ms';
CREATE TABLE events (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'topic', 'topic' = 'events', 'format' = 'json');
CREATE TABLE counts (window_start TIMESTAMP(3), k STRING, n BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{out_dir}', 'format' = 'json');
INSERT INTO counts SELECT window_start, k, COUNT(*)
  FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, k;
""")
            p = run([sluice, "sql", "-f", script, "--server", f"127.0.0.1:{server.http_port}"])
            job_id = p.stdout.split("Job ID: ")[1].split()[0]
            produce(server, 0, 100)  # 10 s of events
            wait_for("the first windows", lambda: output(out_dir) == expected(100))

            listing = run([sluice, "job", "list", "--server", f"127.0.0.1:{server.http_port}"]).stdout
            if job_id not in listing or "RUNNING" not in listing:
                sys.exit(f"job list: {listing}")

            # Stop with a savepoint; events arriving meanwhile are processed after resume.
            p = run([sluice, "job", "stop", job_id, "--savepoint", "--server", f"127.0.0.1:{server.http_port}"])
            if "savepoint" not in p.stdout:
                sys.exit(f"stop: {p.stdout}")
            _, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info["state"] != "STOPPED":
                sys.exit(f"after stop: {info}")
            produce(server, 100, 200)
            time.sleep(0.5)
            if output(out_dir) != expected(100):
                sys.exit("a stopped job wrote output")
            _, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info["parallelism"] != 1:
                sys.exit(f"before rescaling: {info}")
            # Resume with another parallelism: key groups move to two workers.
            run([sluice, "job", "resume", job_id, "--parallelism", "2", "--server", f"127.0.0.1:{server.http_port}"])
            wait_for("output after resume", lambda: output(out_dir) == expected(200))
            _, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info["parallelism"] != 2:
                sys.exit(f"after resume --parallelism 2: {info}")

            # A killed server resumes the job by itself, from its checkpoint.
            server.kill()
            produce_later = (200, 300)
            server = SluiceServer(sluice, data_dir).start(kafka_port=port)
            produce(server, *produce_later)
            wait_for("output after a crash", lambda: output(out_dir) == expected(300))
            _, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info["state"] != "RUNNING" or info["checkpoints"]["restored_from"] <= 0 or info["parallelism"] != 2:
                sys.exit(f"after restart: {info}")
            status, body = http(server, "POST", f"/api/v1/jobs/{job_id}/resume", '{"parallelism": "x"}')
            if status != 400 or "parallelism" not in body.get("error", ""):
                sys.exit(f"bad resume body: {status} {body}")

            # Bad SQL: refused, with line:column, nothing stored.
            status, body = http(server, "POST", "/api/v1/jobs", "SELECT x FROM nowhere;")
            if status != 400 or "line 1:15" not in body.get("error", ""):
                sys.exit(f"bad SQL: {status} {body}")
            _, jobs = http(server, "GET", "/api/v1/jobs")
            if len(jobs["jobs"]) != 1:
                sys.exit(f"a refused script was stored: {jobs}")

            # Cancel: stays cancelled across a restart.
            run([sluice, "job", "cancel", job_id, "--server", f"127.0.0.1:{server.http_port}"])
            server.stop()
            server = SluiceServer(sluice, data_dir).start(kafka_port=port)
            _, info = http(server, "GET", f"/api/v1/jobs/{job_id}")
            if info["state"] != "CANCELLED":
                sys.exit(f"after cancel and restart: {info}")
            p = run([sluice, "job", "cancel", job_id, "--server", f"127.0.0.1:{server.http_port}"], check=False)
            if p.returncode == 0 or "not running" not in p.stderr:
                sys.exit(f"cancelling twice: {p.returncode} {p.stderr}")
            p = run([sluice, "job", "list", "--server", "127.0.0.1:1"], check=False)
            if p.returncode == 0 or "cannot reach the Sluice server" not in p.stderr:
                sys.exit(f"unreachable server: {p.returncode} {p.stderr}")
        finally:
            server.stop()
    print("ok")


if __name__ == "__main__":
    main()
