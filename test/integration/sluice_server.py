"""Starts and stops a real `sluice server` for integration tests.

    with SluiceServer(sluice_binary, data_dir) as s:
        s.bootstrap  # "127.0.0.1:PORT"
"""
import os
import re
import signal
import subprocess
import tempfile
import threading
import time


class SluiceServer:
    def __init__(self, binary, data_dir=None, extra_args=()):
        self.binary = binary
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sluice-it-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.kafka_port = None
        self.http_port = None
        self.output = []

    def start(self, kafka_port=0):
        args = [self.binary, "server", "--data-dir", self.data_dir, "--kafka-listen", f"127.0.0.1:{kafka_port}",
                "--http-listen", "127.0.0.1:0"] + self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            m = re.search(r"Kafka protocol listening on [\d.]+:(\d+)", line)
            if m:
                self.kafka_port = int(m.group(1))
            m = re.search(r"HTTP listening on http://[\d.]+:(\d+)", line)
            if m:
                self.http_port = int(m.group(1))
                break
        if not self.kafka_port:
            raise AssertionError("server did not start:\n" + "".join(self.output))
        # Keep draining the log so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.kafka_port}"

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop within 30 s:\n" + self.log())
        code = self.proc.returncode if self.proc else 0
        self.proc = None
        return code

    def kill(self):
        self.stop(signal.SIGKILL)

    def log(self):
        return "".join(self.output)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self._tmp:
            self._tmp.cleanup()


def run(args, input=None, timeout=60, check=True):
    """Runs a command; on failure raises with its output."""
    p = subprocess.run(args, input=input, capture_output=True, timeout=timeout,
                       text=isinstance(input, str) or input is None)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return p


def recv_exact(sock, n):
    """Reads exactly n bytes from a socket or raises ConnectionError."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def changelog_sections(stdout):
    """The changelog lines (+I[..], -U[..], +U[..], -D[..]) of each result a
    `sluice run` printed, one list per `op | ...` header."""
    sections, current = [], None
    for line in stdout.splitlines():
        if line.startswith("op |"):
            current = []
            sections.append(current)
        elif current is not None and line[:3] in ("+I[", "-U[", "+U[", "-D["):
            current.append(line)
    return sections


def materialize(lines):
    """Applies changelog lines in order (+I/+U add a row, -U/-D remove one
    equal row, which must be there) and returns the final rows as a set of
    tuples of printed values."""
    import collections
    rows = collections.Counter()
    for line in lines:
        kind, _, body = line.partition("[")
        row = tuple(body.rstrip("]").split(", "))
        if kind in ("+I", "+U"):
            rows[row] += 1
        else:
            assert rows[row] > 0, f"retracts a row it never had: {line}"
            rows[row] -= 1
    return {r for r, c in rows.items() if c > 0}
