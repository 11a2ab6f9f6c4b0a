#!/usr/bin/env python3
"""Consumer groups with real clients: two `kcat -G` members split the
partitions and rebalance when one leaves; committed offsets survive a server
restart (with the sluice CLI and with python confluent-kafka)."""
import re
import subprocess
import sys
import threading
import time

from sluice_server import SluiceServer, run

SLUICE = sys.argv[1]
PARTITIONS = 4


class GroupMember:
    """A `kcat -G` process; tracks the partitions it was last assigned."""

    def __init__(self, bootstrap, group, topic):
        self.proc = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-G", group, "-X", "auto.offset.reset=earliest",
             "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-f", "%p %s\\n", topic],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assigned = None
        self.messages = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read_err, daemon=True).start()
        threading.Thread(target=self._read_out, daemon=True).start()

    def _read_err(self):
        for line in self.proc.stderr:
            # "% Group g rebalanced (memberid ...): assigned: t [0], t [2]"
            if "rebalanced" in line and "assigned:" in line:
                parts = {int(x) for x in re.findall(r"\[(\d+)\]", line.split("assigned:")[1])}
                with self.lock:
                    self.assigned = parts
            elif "revoked" in line:
                with self.lock:
                    self.assigned = set()

    def _read_out(self):
        for line in self.proc.stdout:
            with self.lock:
                self.messages.append(line.strip())

    def partitions(self):
        with self.lock:
            return self.assigned

    def stop(self):
        self.proc.terminate()  # kcat leaves the group on SIGTERM
        self.proc.wait(timeout=30)


def wait_for(cond, what, timeout=45):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


with SluiceServer(SLUICE) as s:
    run([SLUICE, "topic", "create", "orders", "--partitions", str(PARTITIONS), "--bootstrap", s.bootstrap])
    lines = "".join(f'{{"user": {i % 13}, "n": {i}}}\n' for i in range(400))
    run([SLUICE, "produce", "orders", "--key-field", "user", "--bootstrap", s.bootstrap], input=lines)

    desc = run([SLUICE, "topic", "describe", "orders", "--bootstrap", s.bootstrap]).stdout
    assert "400 record(s)," in desc and "bytes retained" in desc, desc

    a = GroupMember(s.bootstrap, "g1", "orders")
    wait_for(lambda: a.partitions() == set(range(PARTITIONS)), "first member to own every partition")
    b = GroupMember(s.bootstrap, "g1", "orders")
    wait_for(lambda: a.partitions() and b.partitions() and not (a.partitions() & b.partitions())
             and (a.partitions() | b.partitions()) == set(range(PARTITIONS)), "two members to split the partitions")
    print(f"ok: split {sorted(a.partitions())} / {sorted(b.partitions())}")
    desc = run([SLUICE, "group", "describe", "g1", "--bootstrap", s.bootstrap]).stdout
    assert "2 member(s)" in desc, desc
    b.stop()
    wait_for(lambda: a.partitions() == set(range(PARTITIONS)), "the remaining member to take over every partition")
    print("ok: rebalanced after a member left")
    a.stop()
    with a.lock:
        assert len(a.messages) >= 1, "member consumed nothing"

    # Committed offsets with the sluice CLI, across a restart.
    first = run([SLUICE, "consume", "orders", "--group", "g2", "--max", "100", "--bootstrap", s.bootstrap]).stdout
    assert len(first.splitlines()) == 100, first
    data_dir = s.data_dir
    s.stop()
    s.start()
    rest = run([SLUICE, "consume", "orders", "--group", "g2", "--bootstrap", s.bootstrap]).stdout
    got = first.splitlines() + rest.splitlines()
    assert len(got) == 400 and len(set(got)) == 400, f"{len(got)} lines, {len(set(got))} distinct"
    print("ok: committed offsets survived a restart (sluice CLI)")

    # The same with Debian's python3-confluent-kafka.
    from confluent_kafka import Consumer, Producer, TopicPartition

    p = Producer({"bootstrap.servers": s.bootstrap, "acks": "all"})
    for i in range(50):
        p.produce("py", key=str(i % 5), value=f"py-{i}")
    assert p.flush(30) == 0
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "py-group", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe(["py"])
    seen = []
    deadline = time.time() + 30
    while len(seen) < 20 and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        seen.append(m.value().decode())
    c.commit(asynchronous=False)
    c.close()
    s.stop()
    s.start()
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "py-group", "auto.offset.reset": "earliest"})
    committed = c.committed([TopicPartition("py", 0)], timeout=10)
    assert committed[0].offset == len(seen), f"committed {committed[0].offset}, consumed {len(seen)}"
    c.close()
    print("ok: confluent-kafka commit survived a restart")
print("ok")
