#!/usr/bin/env python3
"""Bad input over the Kafka port gets a clear error and never hurts other
clients: oversize messages, unknown APIs, hostile frame sizes, truncated and
garbage requests."""
import socket
import struct
import sys

from sluice_server import SluiceServer, recv_exact, run

SLUICE = sys.argv[1]


def request(api_key, version, correlation, body=b"", client_id=b"raw-test"):
    header = struct.pack(">hhih", api_key, version, correlation, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def read_response(sock):
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    return recv_exact(sock, size)




def connect(server):
    sock = socket.create_connection(("127.0.0.1", server.kafka_port), timeout=10)
    return sock


def closed_by_server(sock):
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True


with SluiceServer(SLUICE) as s:
    # Unsupported API: answered with UNSUPPORTED_VERSION (35); connection stays usable.
    sock = connect(s)
    sock.sendall(request(api_key=57, version=0, correlation=7))
    resp = read_response(sock)
    corr, err = struct.unpack(">ih", resp[:6])
    assert (corr, err) == (7, 35), (corr, err)
    sock.sendall(request(api_key=18, version=0, correlation=8))  # ApiVersions
    resp = read_response(sock)
    corr, err = struct.unpack(">ih", resp[:6])
    assert (corr, err) == (8, 0), (corr, err)
    print("ok: unknown API answered with UNSUPPORTED_VERSION, connection kept")

    # ApiVersions at a version from the future: v0 answer with the supported list.
    sock.sendall(request(api_key=18, version=99, correlation=9))
    resp = read_response(sock)
    corr, err, n = struct.unpack(">ihi", resp[:10])
    assert corr == 9 and err == 35 and n > 10, (corr, err, n)
    sock.close()
    print("ok: future ApiVersions version answered in v0")

    # Hostile size prefix: closed before any allocation.
    sock = connect(s)
    sock.sendall(struct.pack(">i", 0x7FFFFFFF) + b"xxxx")
    assert closed_by_server(sock)
    # Garbage body with a plausible size: closed, with a log line.
    sock = connect(s)
    sock.sendall(struct.pack(">i", 12) + b"\x00\x03\x00\x01\x00\x00\x00\x01\xff\xff\xff\x7f")
    assert closed_by_server(sock)
    # Produce whose records field claims more bytes than the request has.
    body = struct.pack(">hhi", -1, 1, 1000) + struct.pack(">i", 1) + struct.pack(">h", 1) + b"t" + \
        struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", 1 << 30)
    sock = connect(s)
    sock.sendall(request(0, 7, 1, body))
    assert closed_by_server(sock)
    print("ok: malformed frames close only their own connection")

    # Other clients carry on.
    meta = run(["kcat", "-b", s.bootstrap, "-L"]).stdout
    assert "broker 0" in meta

    # Oversize message: MESSAGE_TOO_LARGE, nothing written.
    run([SLUICE, "topic", "create", "small", "--config", "max.message.bytes=2000", "--bootstrap", s.bootstrap])
    big = "y" * 5000 + "\n"
    p = run([SLUICE, "produce", "small", "--bootstrap", s.bootstrap], input=big, check=False)
    assert p.returncode != 0 and "too large" in p.stderr.lower(), p.stderr
    run([SLUICE, "produce", "small", "--bootstrap", s.bootstrap], input="fits\n")
    back = run([SLUICE, "consume", "small", "--bootstrap", s.bootstrap]).stdout
    assert back == "fits\n", repr(back)
    print("ok: oversize message refused, topic intact")

    assert "closing connection" in s.log(), s.log()
print("ok")
