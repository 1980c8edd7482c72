"""Runs the Evennia Compressed benchmark and prints a Markdown report
(benches/run-compressed.sh).

Payloads: Evennia-shaped pickles of about 1 MB and 10 MB (half prose, half
session dicts), written by the Rust binary and read by both sides.

Each pair of {Rust, Twisted+Evennia} client x {Rust, Twisted+Evennia}
server runs in two processes over 127.0.0.1, one MsgPortal2Server call at
a time, for two modes: `compressed` (the Compressed argument alone: the
sender compresses the pickle at zlib level 9 in slices, the receiver
decompresses) and `pickled` (as Evennia does: pickle.dumps before, loads
after). Each measurement is repeated RUNS times, runs interleaved so drift
hits every pair alike; medians reported.

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

# The shared helpers live one folder up (benches/bench_common.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_common import Sides, cpu_model, replace_section, start_server, stop  # noqa: E402

SIZES = [(1_000_000, "1 MB"), (10_000_000, "10 MB")]
MODES = ["compressed", "pickled"]
PAIRS = [("rust", "rust"), ("twisted", "twisted"), ("rust", "twisted"), ("twisted", "rust")]
BEGIN = "<!-- compressed:begin (written by benches/run-compressed.sh) -->"
END = "<!-- compressed:end -->"


def measure(sides, client, server, payload, seconds, mode):
    proc, port = start_server(sides.command(server, "server", mode))
    try:
        out = subprocess.run(
            sides.command(client, "client", str(port), payload, str(seconds), mode),
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        stop(proc)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["mb_per_s"] = result["payload_bytes"] * result["calls"] / result["seconds"] / 1e6
    result["ms_per_call"] = result["seconds"] / result["calls"] * 1e3
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rust", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--write", default="BENCHMARKS.md", help="the file whose compressed block is rewritten")
    ap.add_argument("--no-write", action="store_true", help="only print the report")
    args = ap.parse_args()
    sides = Sides(os.path.abspath(args.rust), args.python, os.path.abspath(args.script))
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    os.makedirs(args.workdir, exist_ok=True)

    payloads = {}
    for size, label in SIZES:
        path = os.path.abspath(os.path.join(args.workdir, f"payload-{size}.pickle"))
        out = subprocess.run([sides.rust_bin, "payload", str(size), path], check=True, capture_output=True, text=True)
        payloads[label] = (path, int(out.stdout.strip()))

    local = {}
    for label, (path, _) in payloads.items():
        for kind in ("rust", "twisted"):
            out = subprocess.run(sides.command(kind, "local", path), check=True, capture_output=True, text=True)
            local[(label, kind)] = json.loads(out.stdout.strip().splitlines()[-1])

    samples = {}
    for run in range(args.runs):
        for label, (path, _) in payloads.items():
            for mode in MODES:
                for client, server in PAIRS:
                    r = measure(sides, client, server, path, args.seconds, mode)
                    samples.setdefault((label, mode, client, server), []).append(r)
                    print(
                        f"run {run + 1}/{args.runs} {label} {mode} {client}->{server}: "
                        f"{r['mb_per_s']:.1f} MB/s, {r['ms_per_call']:.1f} ms/call",
                        file=sys.stderr,
                        flush=True,
                    )

    def med(key, field):
        return statistics.median(r[field] for r in samples[key])

    with open(args.json, "w") as f:
        json.dump(
            {
                "samples": {" ".join(k): v for k, v in samples.items()},
                "local": {" ".join(k): v for k, v in local.items()},
            },
            f,
            indent=1,
        )

    lines = []

    def out(text=""):
        lines.append(text)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = subprocess.run(
        [args.python, "-c", "import sys, twisted, evennia; print(sys.version.split()[0], twisted.__version__, evennia.__version__.split()[0], sep='|')"],
        capture_output=True, text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "evennia.settings_default"},
    ).stdout.strip().split("|")
    py = f"Python {versions[0]}, Twisted {versions[1]}, Evennia {versions[2]}" if len(versions) == 3 else "Python (unknown versions)"
    out(f"Measured {now} on {cpu_model('unknown CPU')}, {os.cpu_count()} cores, Linux {platform.release()}; {py}. "
          f"Load average at the start: {load_start}; at the end: {load_end}.")
    out(f"Median of {args.runs} runs of {args.seconds:g} s each (at least 3 calls), one call at a time, "
          "client and server in two processes over 127.0.0.1; MB/s of pickle payload.")
    out()
    out("| payload | mode | Rust -> Rust | Twisted+Evennia -> Twisted+Evennia | ratio | Rust -> Twisted | Twisted -> Rust |")
    out("|---|---|---|---|---|---|---|")
    for label, (path, size) in payloads.items():
        for mode in MODES:
            cells = []
            for client, server in PAIRS:
                key = (label, mode, client, server)
                cells.append(f"{med(key, 'mb_per_s'):.1f} MB/s ({med(key, 'ms_per_call'):.0f} ms)")
            ratio = med((label, mode, "rust", "rust"), "mb_per_s") / med((label, mode, "twisted", "twisted"), "mb_per_s")
            out(f"| {label} ({size:,} B) | {mode} | {cells[0]} | {cells[1]} | {ratio:.1f}x | {cells[2]} | {cells[3]} |")
    out()
    rust = samples[(SIZES[0][1], "compressed", "rust", "rust")][0]
    ev = samples[(SIZES[0][1], "compressed", "twisted", "twisted")][0]
    out(f"On the wire, 1 MB: Rust {rust['wire_bytes']:,} B in {rust['slices']} slices; "
        f"Evennia {ev['wire_bytes']:,} B in {ev['slices']} slices. Rust client, median per call: "
        f"compressing {med((SIZES[0][1], 'compressed', 'rust', 'rust'), 'encode_ms'):.1f} ms, "
        f"then until the answer {med((SIZES[0][1], 'compressed', 'rust', 'rust'), 'answer_ms'):.1f} ms.")
    out()
    out("In one process, no network (median of 5, ms):")
    out()
    out("| payload | side | pickle dumps | pickle loads | compress (level 9) | decompress |")
    out("|---|---|---|---|---|---|")
    for _, label in SIZES:
        for kind in ("rust", "twisted"):
            r = local[(label, kind)]
            compress = r.get("compress_parallel", r.get("compress"))
            extra = f" ({r['compress_serial'] * 1e3:.0f} on one thread)" if "compress_serial" in r else ""
            out(
                f"| {label} | {'Rust' if kind == 'rust' else 'Python (Evennia)'} | {r['pickle_encode'] * 1e3:.1f} | "
                f"{r['pickle_decode'] * 1e3:.1f} | {compress * 1e3:.1f}{extra} | {r['decompress'] * 1e3:.1f} |"
            )

    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write(args.write, text)


def write(path, text):
    if not replace_section(path, BEGIN, END, text):
        raise SystemExit(f"{path} has no {BEGIN} ... {END} block: add the section first, or use --no-write")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
