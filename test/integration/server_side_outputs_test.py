#!/usr/bin/env python3
"""A server job (checkpointed, over a topic) with a late-data table and a
dead-letter table: records produced with kcat, some far behind the watermark
and some not JSON, land in their tables (file sinks committed by the job's
checkpoints) while the job keeps running.
Usage: server_side_outputs_test.py path/to/sluice
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from sluice_server import SluiceServer, run  # noqa: E402


def read_dir(path):
    rows = []
    for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
        if not name.startswith("."):
            with open(os.path.join(path, name)) as f:
                rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")


def main():
    sluice = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="sluice-side-") as tmp:
        dirs = {n: os.path.join(tmp, n) for n in ("data", "out", "late", "dlq")}
        server = SluiceServer(sluice, dirs["data"]).start()
        try:
            run([sluice, "topic", "create", "events", "--partitions", "1", "--bootstrap", server.bootstrap])
            script = os.path.join(tmp, "job.sql")
            with open(script, "w") as f:
                f.write(f"""
SET 'execution.checkpointing.interval' = '200ms';
CREATE TABLE events_late (k STRING, v BIGINT, ts TIMESTAMP(3))
  WITH ('connector' = 'filesystem', 'path' = '{dirs["late"]}', 'format' = 'json');
CREATE TABLE events_dlq (raw STRING, reason STRING, position STRING, source STRING)
  WITH ('connector' = 'filesystem', 'path' = '{dirs["dlq"]}', 'format' = 'json');
CREATE TABLE events (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'topic', 'topic' = 'events', 'format' = 'json',
        'late-data.table' = 'events_late', 'dead-letter.table' = 'events_dlq');
CREATE TABLE counts (window_start TIMESTAMP(3), n BIGINT)
  WITH ('connector' = 'filesystem', 'path' = '{dirs["out"]}', 'format' = 'json');
INSERT INTO counts SELECT window_start, COUNT(*)
  FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;
""")
            p = run([sluice, "sql", "-f", script, "--server", f"127.0.0.1:{server.http_port}"])
            job_id = p.stdout.split("Job ID: ")[1].split()[0]
            lines = [
                json.dumps({"k": "a", "v": 1, "ts": "2026-01-01 00:00:01"}),
                json.dumps({"k": "b", "v": 2, "ts": "2026-01-01 00:00:25"}),
                "not json at all",
                json.dumps({"k": "late", "v": 3, "ts": "2026-01-01 00:00:02"}),  # window [0, 10) fired
                json.dumps({"k": "c", "v": "four", "ts": "2026-01-01 00:00:26"}),  # v is not a BIGINT
                json.dumps({"k": "d", "v": 5, "ts": "2026-01-01 00:00:40"}),
            ]
            run(["kcat", "-b", server.bootstrap, "-q", "-P", "-t", "events"], input="\n".join(lines) + "\n")
            wait_for("the late row", lambda: len(read_dir(dirs["late"])) == 1)
            wait_for("the dead letters", lambda: len(read_dir(dirs["dlq"])) == 2)
            late = read_dir(dirs["late"])
            if late != [{"k": "late", "v": 3, "ts": "2026-01-01 00:00:02.000"}]:
                sys.exit(f"late table: {late}")
            dead = sorted(read_dir(dirs["dlq"]), key=lambda r: r["position"])
            if [r["raw"] for r in dead] != [lines[2], lines[4]] or \
                    [r["position"] for r in dead] != ["events[0]@2", "events[0]@4"] or \
                    any(r["source"] != "events" or not r["reason"] for r in dead):
                sys.exit(f"dead-letter table: {dead}")
            listing = run([sluice, "job", "list", "--server", f"127.0.0.1:{server.http_port}"]).stdout
            if "RUNNING" not in listing:
                sys.exit(f"the job should keep running:\n{listing}")
            run([sluice, "job", "cancel", job_id, "--server", f"127.0.0.1:{server.http_port}"])
        except BaseException:
            print(server.log())
            raise
        finally:
            server.stop()
    print("ok: the late row and the dead letters reached their tables; the job kept running")


if __name__ == "__main__":
    main()
