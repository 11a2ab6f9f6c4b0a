#!/usr/bin/env python3
"""A thousand idle Kafka connections are held cheaply: the server keeps
answering on every one of them and on new ones, with no thread per
connection."""
import os
import resource
import socket
import struct
import sys

from sluice_server import SluiceServer, recv_exact, run

SLUICE = sys.argv[1]
N = 1000

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < N + 100:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, N + 1000), hard))


def api_versions(sock, correlation):
    payload = struct.pack(">hhih", 18, 0, correlation, 4) + b"idle"
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    body = recv_exact(sock, size)
    return struct.unpack(">ih", body[:6])




with SluiceServer(SLUICE) as s:
    socks = [socket.create_connection(("127.0.0.1", s.kafka_port), timeout=10) for _ in range(N)]
    threads = len(os.listdir(f"/proc/{s.proc.pid}/task"))
    assert threads < 64, f"{threads} threads for {N} connections"
    for i in (0, N // 2, N - 1):
        assert api_versions(socks[i], i) == (i, 0)
    meta = run(["kcat", "-b", s.bootstrap, "-L"]).stdout
    assert "broker 0" in meta
    rss_kb = int(next(l for l in open(f"/proc/{s.proc.pid}/status") if l.startswith("VmRSS")).split()[1])
    for sock in socks:
        sock.close()
    print(f"ok: {N} idle connections, {threads} server threads, RSS {rss_kb // 1024} MiB")
print("ok")
