"""Runs the loopback benchmark and prints a Markdown report (benches/run-loopback.sh).

Throughput: every pair of {Rust, Twisted} client x {Rust, Twisted} server, in
separate processes over 127.0.0.1, with TCP_NODELAY off and on (the same on
both sides), for four workloads; each measured RUNS times (runs interleaved
so drift hits every pair alike), medians reported.

Idle connections: RSS of a Rust server (from /proc/PID/status) before and
after COUNT connections held by another process, and after one call on each.

Only the standard library: run it with any Python 3.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

# The shared helpers live one folder up (benches/bench_common.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_common import Sides, cpu_model, replace_section, start_server, stop  # noqa: E402

WORKLOADS = [
    ("sum1", "sum", 1, "Sum, one call at a time", 4.0),
    ("sum100", "sum", 100, "Sum, 100 calls in flight", 20.0),
    ("echo1", "echo", 1, "Echo 60 KiB, one at a time", 2.0),
    ("echo16", "echo", 16, "Echo 60 KiB, 16 in flight", 2.0),
]
ECHO_BYTES = 60 * 1024
# Twisted 26.10's reference figures (calls/s, TCP_NODELAY off; BENCHMARKS.md
# lists them), for context only: the targets are ratios measured in one run, and
# Twisted on this machine, idle, runs well below these figures.
REFERENCE_BASELINE = {"sum1": 7_800, "sum100": 26_700, "echo1": 456e6 / ECHO_BYTES, "echo16": 1_370e6 / ECHO_BYTES}
MARK_BEGIN = "<!-- loopback:begin (written by benches/run-loopback.sh) -->"
MARK_END = "<!-- loopback:end -->"
# (client, server). "rust" runs tokio's default multi-threaded scheduler (a
# worker per core), "rust-ct" its current-thread one (Twisted's reactor is
# single-threaded too).
PAIRS = [
    ("rust", "rust"),
    ("twisted", "twisted"),
    ("rust", "twisted"),
    ("twisted", "rust"),
    ("rust-ct", "rust-ct"),
]
PAIR_LABELS = {
    ("rust", "rust"): "Rust client, Rust server",
    ("twisted", "twisted"): "Twisted client, Twisted server",
    ("rust", "twisted"): "Rust client, Twisted server",
    ("twisted", "rust"): "Twisted client, Rust server",
    ("rust-ct", "rust-ct"): "Rust, Rust (current-thread runtime)",
}


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def run_client(cmd, seconds, server_pid=None):
    """Runs one client; returns (calls/s, client CPU us/call, server CPU us/call).

    The client reports its own CPU time while counting. The server's is read
    from /proc around the whole client run and divided by every answer the
    client got, warm-up included (clock ticks: about 10 ms resolution)."""
    before = cpu_ticks(server_pid) if server_pid else 0
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 90)
    if out.returncode != 0:
        raise SystemExit(f"{cmd} failed ({out.returncode}):\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rate = result["calls"] / result["seconds"]
    client_us = result["cpu_seconds"] / max(result["calls"], 1) * 1e6
    server_us = None
    if server_pid:
        ticks = cpu_ticks(server_pid) - before
        server_us = ticks / os.sysconf("SC_CLK_TCK") / max(result["calls_total"], 1) * 1e6
    return rate, client_us, server_us


def throughput(sides, seconds, runs, log):
    """{(nodelay, client, server, workload): [(calls/s, client us/call, server us/call), ...]}"""
    samples = {}
    servers = list(dict.fromkeys(server for _, server in PAIRS))
    for nodelay in ("0", "1"):
        for server_kind in servers:
            server, port = start_server(sides.command(server_kind, "server", nodelay))
            try:
                for run in range(runs):
                    for client_kind in [client for client, server in PAIRS if server == server_kind]:
                        for key, workload, inflight, _, _ in WORKLOADS:
                            cmd = sides.command(
                                client_kind, "client", str(port), nodelay, workload, str(inflight), str(seconds)
                            )
                            rate, client_us, server_us = run_client(cmd, seconds, server.pid)
                            samples.setdefault((nodelay, client_kind, server_kind, key), []).append(
                                (rate, client_us, server_us)
                            )
                            log(
                                f"nodelay={nodelay} {client_kind}->{server_kind} {key} run {run + 1}: "
                                f"{rate:,.0f} calls/s, CPU us/call client {client_us:.1f} server {server_us:.1f}"
                            )
            finally:
                stop(server)
    return samples


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit(f"no VmRSS for pid {pid}")


def socket_count(pid):
    """Sockets the process holds (its listener included)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass  # closed meanwhile
    return count


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def expect_line(proc, prefix, timeout, what):
    # The clients print one line per step; a blocking read is bounded by the
    # client's own behaviour, and the subprocess is killed on failure.
    start = time.monotonic()
    line = proc.stdout.readline()
    if not line.startswith(prefix):
        proc.kill()
        raise SystemExit(f"{what}: expected {prefix!r}, got {line!r} after {time.monotonic() - start:.1f} s")
    return line


def idle(sides, count, log, kind):
    """Idle connections held by one `kind` server (the Rust one in its
    default configuration), opened by the Rust idle-clients process."""
    args = ("idle-server",) if kind == "rust" else ("server", "0")
    server, port = start_server(sides.command(kind, *args))
    try:
        time.sleep(0.5)
        base_rss, base_sockets = rss_kib(server.pid), socket_count(server.pid)
        clients = subprocess.Popen(
            sides.command("rust", "idle-clients", str(port), str(count)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            expect_line(clients, "connected", 300, "idle clients")
            wait_until(
                lambda: socket_count(server.pid) >= base_sockets + count, 120, f"the server to hold {count} connections"
            )
            time.sleep(1.0)
            held = socket_count(server.pid) - base_sockets
            connected_rss = rss_kib(server.pid)
            clients.stdin.write("call\n")
            clients.stdin.flush()
            expect_line(clients, "called", 300, "idle clients' calls")
            time.sleep(1.0)
            called_rss = rss_kib(server.pid)
            # The server still answers a new connection while holding them all.
            rate, _, _ = run_client(sides.command("rust", "client", str(port), "1", "sum", "1", "1"), 1)
        finally:
            stop(clients)
    finally:
        stop(server)
    result = {
        "connections": count,
        "held": held,
        "base_rss_kib": base_rss,
        "connected_rss_kib": connected_rss,
        "called_rss_kib": called_rss,
        "bytes_per_connection_idle": (connected_rss - base_rss) * 1024 / count,
        "bytes_per_connection_after_call": (called_rss - base_rss) * 1024 / count,
        "sum_calls_per_s_while_holding": rate,
    }
    log(f"idle ({kind} server): {result}")
    return result


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "?"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def median(runs, field):
    return statistics.median(r[field] for r in runs)


def fmt_rate(key, rate):
    if key.startswith("echo"):
        return f"{rate * ECHO_BYTES / 1e6:,.0f} MB/s ({rate:,.0f}/s)"
    return f"{rate:,.0f} calls/s"


def report(env, samples, idle_result, runs, seconds):
    lines = []
    add = lines.append
    add(f"Measured {env['date']} on {env['cpu']} ({env['cores']} cores), {env['kernel']};")
    add(f"{env['rustc']}; Twisted {env['twisted']} on Python {env['python']}.")
    add(f"Median of {runs} runs of {seconds:g} s each (after 0.5 s of warm-up), client and server in")
    add("separate processes over 127.0.0.1. Echo rates are MB/s of payload each way.")
    add(f"Load average (1, 5, 15 min) before: {env['load_before']}, after: {env['load_after']}.")
    add("")
    for nodelay in ("0", "1") if samples else ():
        add(f"TCP_NODELAY {'on' if nodelay == '1' else 'off'} (both sides):")
        add("")
        header = " | ".join(PAIR_LABELS[p] for p in PAIRS)
        add(f"| workload | {header} | Rust / Twisted (current-thread) | target |")
        add("|---" * (len(PAIRS) + 3) + "|")
        for key, _, _, label, target in WORKLOADS:
            med = {pair: median(samples[(nodelay, *pair, key)], 0) for pair in PAIRS}
            twisted = med[("twisted", "twisted")]
            ratio, ratio_ct = med[("rust", "rust")] / twisted, med[("rust-ct", "rust-ct")] / twisted
            verdict = "met" if ratio >= target else "MISSED"
            cells = " | ".join(fmt_rate(key, med[p]) for p in PAIRS)
            add(f"| {label} | {cells} | {ratio:.1f}x ({ratio_ct:.1f}x) | >= {target:g}x: {verdict} |")
        add("")
        add("CPU time per call, client / server, in microseconds (less sensitive to other load than rates):")
        add("")
        add(f"| workload | {header} |")
        add("|---" * (len(PAIRS) + 1) + "|")
        for key, _, _, label, _ in WORKLOADS:
            cells = []
            for pair in PAIRS:
                runs_ = samples[(nodelay, *pair, key)]
                cells.append(f"{median(runs_, 1):.1f} / {median(runs_, 2):.1f}")
            add(f"| {label} | {' | '.join(cells)} |")
        add("")
    if samples:
        add("Targets (Rust: tokio's default runtime; in parentheses: current-thread):")
        add("")
        for key, _, _, label, target in WORKLOADS:
            parts = []
            for nodelay in ("0", "1"):
                med = {pair: median(samples[(nodelay, *pair, key)], 0) for pair in PAIRS}
                twisted = med[("twisted", "twisted")]
                rr, ct = med[("rust", "rust")], med[("rust-ct", "rust-ct")]
                parts.append(f"NODELAY {'on' if nodelay == '1' else 'off'} {rr / twisted:.1f}x ({ct / twisted:.1f}x)")
            ratios = []
            for nodelay in ("0", "1"):
                med = {pair: median(samples[(nodelay, *pair, key)], 0) for pair in PAIRS}
                ratios.append(med[("rust", "rust")] / med[("twisted", "twisted")])
            met = "met" if min(ratios) >= target else f"**not met** (by {target / min(ratios):.2f}x)"
            twisted_off = median(samples[("0", "twisted", "twisted", key)], 0)
            base = REFERENCE_BASELINE[key]
            add(
                f"- {label} >= {target:g}x Twisted in this run, both NODELAY settings: {', '.join(parts)}: {met}. "
                f"(Twisted here ran at {twisted_off / base:.0%} of the reference figure "
                f"{fmt_rate(key, base)} (Twisted's reference figures).)"
            )
        add("")
    if idle_result:
        rust, tw = idle_result["rust"], idle_result["twisted"]
        add("Idle connections, opened by another (Rust) process; server RSS from /proc/PID/status:")
        add("")
        add("| measure | Rust server (default configuration) | Twisted server |")
        add("|---|---|---|")
        row = lambda label, f: add(f"| {label} | {f(rust)} | {f(tw)} |")  # noqa: E731
        row("connections held by one server", lambda r: f"{r['held']:,} of {r['connections']:,} opened")
        row("server RSS before / with them / after one Sum on each",
            lambda r: f"{r['base_rss_kib']:,} / {r['connected_rss_kib']:,} / {r['called_rss_kib']:,} KiB")
        row("RSS per idle connection (never used)", lambda r: f"{r['bytes_per_connection_idle'] / 1024:.1f} KiB")
        row("RSS per idle connection (after one call)",
            lambda r: f"{r['bytes_per_connection_after_call'] / 1024:.1f} KiB")
        row("Sum one at a time on a new connection meanwhile (Rust client)",
            lambda r: f"{r['sum_calls_per_s_while_holding']:,.0f} calls/s")
        add("")
        per = rust["bytes_per_connection_after_call"] / 1024
        add(f"- <= 16 KiB per idle connection: {per:.1f} KiB, {'met' if per <= 16 else '**not met**'}.")
        add(f"- 10,000 idle connections on one server: {rust['held']:,} held, "
            f"{'met' if rust['held'] >= 10_000 else '**not met**'}.")
    return "\n".join(lines)


def write_section(path, text):
    if not replace_section(path, MARK_BEGIN, MARK_END, text):
        raise SystemExit(f"{path}: no {MARK_BEGIN} ... {MARK_END} markers to write between")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust", required=True, help="the loopback binary (release build)")
    ap.add_argument("--python", required=True, help="python of the Twisted venv")
    ap.add_argument("--script", required=True, help="benches/twisted_loopback.py")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=int, default=10_000, help="idle connections (0 to skip)")
    ap.add_argument("--idle-only", action="store_true", help="skip the throughput runs")
    ap.add_argument("--json", help="also write the raw samples here")
    ap.add_argument("--write", help="replace the generated part of this Markdown file (BENCHMARKS.md)")
    ap.add_argument("--from-json", help="measure nothing: report the raw samples a --json run wrote")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        samples = {tuple(k.split("|")): [tuple(r) for r in v] for k, v in raw["samples"].items()}
        text = report(raw["env"], samples, raw["idle"], raw["runs"], raw["seconds"])
        print(text)
        if args.write:
            write_section(args.write, text)
        return

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    env = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model("?"),
        "cores": os.cpu_count(),
        "kernel": f"Linux {platform.release()}",
        "rustc": version(["rustc", "--version"]),
        "twisted": version([args.python, "-c", "import twisted; print(twisted.__version__)"]),
        "python": version([args.python, "-c", "import platform; print(platform.python_version())"]),
    }
    env["load_before"] = loadavg()
    sides = Sides(args.rust, args.python, args.script)
    samples = {} if args.idle_only else throughput(sides, args.seconds, args.runs, log)
    idle_result = None
    if args.idle > 0:
        idle_result = {kind: idle(sides, args.idle, log, kind) for kind in ("rust", "twisted")}
    env["load_after"] = loadavg()
    text = report(env, samples, idle_result, args.runs, args.seconds)
    print(text)
    if args.write:
        write_section(args.write, text)
    if args.json:
        with open(args.json, "w") as f:
            raw = {
                "env": env,
                "runs": args.runs,
                "seconds": args.seconds,
                "samples": {"|".join(k): v for k, v in samples.items()},
                "idle": idle_result,
            }
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
