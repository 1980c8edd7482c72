"""What the benchmark runners (benches/*/run.py) share: starting the two
sides of a pair, stopping them, describing the machine, and rewriting the
generated section of BENCHMARKS.md.

Only the standard library, like the runners.
"""

import platform
import subprocess


class Sides:
    """The command lines of each kind of side: "rust" (the benchmark binary),
    "rust-ct" (the same on tokio's current-thread runtime) and any other kind
    (the Python script, run by the venv's python)."""

    def __init__(self, rust_bin, python, script):
        self.rust_bin, self.python, self.script = rust_bin, python, script

    def command(self, kind, *args):
        if kind == "rust":
            return [self.rust_bin, *args]
        if kind == "rust-ct":
            return ["env", "AMP_BENCH_RUNTIME=current", self.rust_bin, *args]
        return [self.python, self.script, *args]


def start_server(cmd):
    """Starts a server that prints its port as its first line and stops when
    its stdin closes; returns (process, port)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        proc.kill()
        raise SystemExit(f"{cmd}: expected a port, got {line!r}")
    return proc, int(line)


def stop(proc, timeout=30):
    """Closes its stdin (the sides' signal to stop), then kills it if it has
    not ended within `timeout` seconds."""
    if proc.stdin:
        proc.stdin.close()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_model(unknown):
    """The CPU's model name from /proc/cpuinfo (else what `platform` says,
    else `unknown`)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or unknown


def replace_section(path, begin, end, text):
    """Puts `text` between the markers `begin` and `end` of the file at
    `path`, in place of what stood there. Returns False, writing nothing,
    when the file lacks the markers."""
    with open(path) as f:
        doc = f.read()
    start = doc.find(begin)
    stop_at = doc.find(end, start + len(begin)) if start >= 0 else -1
    if stop_at < 0:
        return False
    doc = doc[: start + len(begin)] + "\n" + text.rstrip() + "\n" + doc[stop_at:]
    with open(path, "w") as f:
        f.write(doc)
    return True
