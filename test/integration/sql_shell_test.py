#!/usr/bin/env python3
"""`sluice sql` reading statements from a pipe: multi-line statements ending
with ';', a bare SELECT printing its updating result as a changelog, errors
on stderr with line:column and a non-zero exit; `sluice sql -f` the same.
Usage: sql_shell_test.py path/to/sluice
"""
import os
import signal
import subprocess
import sys
import tempfile


def main():
    sluice = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "orders.jsonl")
        with open(data, "w") as f:
            for customer, amount in [("ann", 10), ("bob", 5), ("ann", 7)]:
                f.write(f'{{"customer": "{customer}", "amount": {amount}}}\n')
        script = f"""CREATE TABLE orders (customer STRING, amount BIGINT)
WITH ('connector' = 'filesystem', 'path' = '{data}', 'format' = 'json');
SELECT customer,
       SUM(amount) AS total   -- a comment; the statement goes on
FROM orders GROUP BY customer;
"""
        proc = subprocess.run([sluice, "sql"], input=script, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            sys.exit(f"sluice sql exited {proc.returncode}: {proc.stderr}")
        lines = [l for l in proc.stdout.splitlines() if l[:2] in ("+I", "-U", "+U", "-D")]
        want = ["+I[ann, 10]", "+I[bob, 5]", "-U[ann, 10]", "+U[ann, 17]"]
        if lines != want:
            sys.exit(f"changelog {lines} != {want}\nstdout: {proc.stdout}")

        path = os.path.join(tmp, "script.sql")
        with open(path, "w") as f:
            f.write(script)
        proc = subprocess.run([sluice, "sql", "-f", path, "--local"], capture_output=True, text=True, timeout=60)
        lines = [l for l in proc.stdout.splitlines() if l[:2] in ("+I", "-U", "+U", "-D")]
        if proc.returncode != 0 or lines != want:
            sys.exit(f"sluice sql -f: exit {proc.returncode}, {lines}")

        proc = subprocess.run([sluice, "sql"], input="SELECT x FROM nowhere;\n", capture_output=True, text=True,
                              timeout=60)
        if proc.returncode == 0 or "line 1:15: table or view nowhere not found" not in proc.stderr:
            sys.exit(f"error case: exit {proc.returncode}, stderr {proc.stderr!r}")

        # An unbounded pipeline runs until SIGINT, which cancels the job cleanly
        # (whenever it arrives after the first statement's output: the handler
        # is in place before the script starts).
        unbounded = os.path.join(tmp, "unbounded.sql")
        with open(unbounded, "w") as f:
            f.write("CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');\n"
                    "CREATE TABLE b (id BIGINT) WITH ('connector' = 'blackhole');\n"
                    "INSERT INTO b SELECT id FROM g;\n")
        p = subprocess.Popen([sluice, "run", unbounded], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stdout.readline()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        if p.returncode != 1 or "cancelled" not in err:
            sys.exit(f"SIGINT: exit {p.returncode}, stderr {err!r}")

        proc = subprocess.run([sluice, "sql", "--help"], capture_output=True, text=True, timeout=60)
        if "submits the script to a running server" not in proc.stdout or "--local" not in proc.stdout:
            sys.exit(f"--help should say that -f submits to a server (and --local runs here): {proc.stdout}")
    print("ok")


if __name__ == "__main__":
    main()
