#!/usr/bin/env python3
"""`sluice server` says where it listens, answers /healthz, refuses a second
server on the same data dir, and stops cleanly on SIGTERM and SIGINT."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request

SLUICE = sys.argv[1]


def start(data_dir):
    p = subprocess.Popen([SLUICE, "server", "--data-dir", data_dir, "--http-listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        m = re.search(r"HTTP listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1)), lines
    raise AssertionError("server never said where it listens:\n" + "".join(lines))


def stop(p, sig):
    p.send_signal(sig)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, f"exit code {p.returncode} after {sig}:\n{out}"
    assert "stopped cleanly" in out, out


with tempfile.TemporaryDirectory() as d:
    p, port, _ = start(d)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read().decode()
    assert body.strip() == "ok", body

    second = subprocess.run([SLUICE, "server", "--data-dir", d, "--http-listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0"],
                            capture_output=True, text=True, timeout=20)
    assert second.returncode != 0 and "in use" in second.stderr, second
    stop(p, signal.SIGTERM)

    p, port, _ = start(d)  # the lock is released on exit
    stop(p, signal.SIGINT)
print("ok")
