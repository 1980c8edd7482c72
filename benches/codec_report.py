"""Builds the codec table from criterion's estimates and the Twisted script's JSON.

Usage: codec_report.py --criterion DIR --twisted FILE [--load TEXT] [--no-write]

Prints the section and, unless --no-write, replaces the text between the
codec markers in BENCHMARKS.md (creating the file if needed).
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- codec:begin (written by benches/run-codec.sh) -->"
END = "<!-- codec:end -->"
SMALL = 100_000
STAT_TEXT = {
    "best": "best sample of criterion (release profile) and best of 7 rounds for Twisted,"
    " the runs least disturbed by other work on the machine",
    "median": "criterion's median estimate (release profile) and the median of 7 rounds for Twisted",
}


def criterion_seconds(base, group, name, stat):
    """Seconds of one iteration of criterion's group/name: the best sample
    (each sample is the mean of its iterations) or the median estimate."""
    new = base / group / name / "new"
    if stat == "best":
        sample = json.loads((new / "sample.json").read_text())
        return min(t / n for t, n in zip(sample["times"], sample["iters"])) / 1e9
    return json.loads((new / "estimates.json").read_text())["median"]["point_estimate"] / 1e9


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, Linux {platform.release()}; {rustc}"


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:,.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:,.1f} k"
    return f"{x:,.0f} "


def fmt_time(s):
    if s >= 1e-3:
        return f"{s * 1e3:,.2f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:,.2f} µs"
    return f"{s * 1e9:,.1f} ns"


def fmt_ratio(x):
    return f"{x:,.0f}x" if x >= 10 else f"{x:,.2f}x"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", type=Path, required=True)
    ap.add_argument("--twisted", type=Path, required=True)
    ap.add_argument("--load", default=None, help="load average when the run started")
    ap.add_argument("--stat", choices=["best", "median"], default="best")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    tw = json.loads(args.twisted.read_text())
    for key in ("decode_small", "encode_small", "decode_large", "encode_large"):
        tw[key] = tw[key][args.stat]
    c = lambda g, n: criterion_seconds(args.criterion, g, n, args.stat)  # noqa: E731

    small_box = tw["small_bytes"] / tw["small_boxes"]
    # (operation, boxes per measured iteration, bytes per box, rows)
    # Each row: (implementation, seconds per iteration, is_twisted, is_protocol_reference)
    tables = [
        (
            f"Decode {SMALL:,} boxes of {small_box:.0f} B",
            SMALL,
            small_box,
            [
                (f"Twisted {tw['twisted']} `amp.parseString`", tw["decode_small"], "tw"),
                ("amp-protocol 0.3 `AmpBox::decode` (owned)", c("decode_small", "amp-protocol"), "ap"),
                ("amp-protocol 0.3 `AmpBox::decode_borrowed` (pairs only, no box)", c("decode_small", "amp-protocol-borrowed"), ""),
                ("**amp-runtime `AmpCodec::decode`** (zero-copy)", c("decode_small", "amp-runtime"), "us"),
            ],
        ),
        (
            f"Encode the same {SMALL:,} boxes",
            SMALL,
            small_box,
            [
                (f"Twisted {tw['twisted']} `AmpBox.serialize`", tw["encode_small"], "tw"),
                ("amp-protocol 0.3 `AmpBox::encode` (insertion order, unsorted)", c("encode_small", "amp-protocol"), "ap"),
                ("**amp-runtime `AmpBox::serialize`** (sorted, new buffer)", c("encode_small", "amp-runtime"), "us"),
                ("amp-runtime `AmpCodec::encode` into a reused buffer", c("encode_small", "amp-runtime-reused-buffer"), ""),
            ],
        ),
        (
            f"Decode one box with a 60 KiB value ({tw['large_bytes']:,} B)",
            1,
            tw["large_bytes"],
            [
                (f"Twisted {tw['twisted']} `amp.parseString`", tw["decode_large"], "tw"),
                ("amp-protocol 0.3 `AmpBox::decode` (copies the value)", c("decode_large", "amp-protocol"), "ap"),
                ("**amp-runtime `AmpCodec::decode`** (value not copied)", c("decode_large", "amp-runtime"), "us"),
            ],
        ),
        (
            "Encode that box",
            1,
            tw["large_bytes"],
            [
                (f"Twisted {tw['twisted']} `AmpBox.serialize`", tw["encode_large"], "tw"),
                ("amp-protocol 0.3 `AmpBox::encode`", c("encode_large", "amp-protocol"), "ap"),
                ("**amp-runtime `AmpBox::serialize`**", c("encode_large", "amp-runtime"), "us"),
            ],
        ),
    ]

    lines = []
    checks = []
    for title, boxes, box_bytes, rows in tables:
        tw_s = next(s for _, s, k in rows if k == "tw")
        ap_s = next(s for _, s, k in rows if k == "ap")
        us_s = next(s for _, s, k in rows if k == "us")
        lines += [
            f"**{title}**",
            "",
            "| implementation | time per box | boxes/s | MB/s | vs Twisted | vs amp-protocol |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        for name, s, kind in rows:
            per_box = s / boxes
            rate = 1 / per_box
            mbs = rate * box_bytes / 1e6
            vs_tw = "1x" if kind == "tw" else fmt_ratio(tw_s / s)
            vs_ap = "1x" if kind == "ap" else ("" if kind == "tw" else fmt_ratio(ap_s / s))
            lines.append(f"| {name} | {fmt_time(per_box)} | {fmt_rate(rate)} | {mbs:,.1f} | {vs_tw} | {vs_ap} |")
        lines.append("")
        checks.append((title, tw_s / us_s, ap_s / us_s))

    decode_small, encode_small, decode_large, encode_large = checks
    verdict = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    targets = [
        f"- Decode 50 B boxes at >= 150x Twisted's boxes/s: {fmt_ratio(decode_small[1])}, {verdict(decode_small[1] >= 150)}.",
        f"- Decode faster than amp-protocol's owned decode: {fmt_ratio(decode_small[2])} (50 B), "
        f"{fmt_ratio(decode_large[2])} (60 KiB), {verdict(decode_small[2] > 1 and decode_large[2] > 1)}.",
        f"- Encode faster than Twisted and amp-protocol: 50 B {fmt_ratio(encode_small[1])} / {fmt_ratio(encode_small[2])}, "
        f"60 KiB {fmt_ratio(encode_large[1])} / {fmt_ratio(encode_large[2])}, "
        f"{verdict(min(encode_small[1], encode_small[2], encode_large[1], encode_large[2]) > 1)}.",
    ]

    # Twisted's reference figures (BENCHMARKS.md): parseString / serialize of 50 B boxes.
    idle_parse, idle_serialize = 121_000, 620_000
    us_decode = SMALL / next(s for _, s, k in tables[0][3] if k == "us")
    us_encode = SMALL / next(s for _, s, k in tables[1][3] if k == "us")
    targets.append(
        f"- Against Twisted's reference figures ({idle_parse:,} boxes/s parsed, {idle_serialize:,}"
        f" serialized) instead of this run's Twisted: decode {fmt_ratio(us_decode / idle_parse)},"
        f" encode {fmt_ratio(us_encode / idle_serialize)}."
    )

    # When the run ended: the Twisted timings are its last step.
    ended = datetime.datetime.fromtimestamp(args.twisted.stat().st_mtime, datetime.timezone.utc)
    now = ended.strftime("%Y-%m-%d %H:%M UTC")
    load = f" Load average when the run started: {args.load}." if args.load else ""
    section = "\n".join(
        [
            BEGIN,
            f"Measured {now} on {machine()}; Python {tw['python']}, Twisted {tw['twisted']}.{load}",
            f"Statistic: {STAT_TEXT[args.stat]}. All three read the same bytes in the same run"
            " (`benches/run-codec.sh`); the machine is shared, so compare ratios, not absolute numbers.",
            "",
            *lines,
            "Targets:",
            "",
            *targets,
            END,
        ]
    )
    print(section)
    if args.no_write:
        return
    md = ROOT / "BENCHMARKS.md"
    text = md.read_text() if md.exists() else "# Benchmarks\n\n## Codec\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN not in text or END not in text:
        sys.exit(f"{md} has no codec markers; add\n{BEGIN}\n{END}\nunder its Codec heading")
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
    # Whole-file replace (others' sections live in the same file): never leave it half written.
    tmp = md.with_name(md.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, md)
    print(f"wrote {md}", file=sys.stderr)


if __name__ == "__main__":
    main()
