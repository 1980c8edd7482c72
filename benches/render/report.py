"""Runs the render benchmark on both sides and prints a Markdown table
(benches/run-render.sh): amp-portal's renderers (target/release/render_cpu)
and Evennia 6.1's own send_text (evennia_send_text.py), both timed in
process CPU time on benches/render/corpus.json with the same flags.

Only the standard library: run it with any Python 3.
"""

import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=1800).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rust", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--json")
    args = parser.parse_args()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="evennia.settings_default")
    evennia = lines([args.python, os.path.join(HERE, "evennia_send_text.py"), "--passes", str(args.passes)], env)
    rust = lines([args.rust, str(args.passes * 10)])
    if args.json:
        os.makedirs(os.path.dirname(args.json), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"evennia": evennia, "amp_portal": rust}, f, indent=1)
    ev = {(r["case"], r["cache"]): r for r in evennia}
    print("| case | Evennia, new text (us) | Evennia, cached text (us) | amp-portal (us) | ratio new | ratio cached |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rust:
        cold, warm = ev[(r["case"], "cold")], ev[(r["case"], "warm")]
        us = r["us_per_text"]
        print(
            f"| {r['case']} | {cold['us_per_text']:.1f} | {warm['us_per_text']:.1f} | {us:.2f} "
            f"| {cold['us_per_text'] / us:.0f}x | {warm['us_per_text'] / us:.1f}x |"
        )
    print()
    print("CPU microseconds per output text (median of passes), 400 game-shaped texts of 142 characters on average.")


if __name__ == "__main__":
    main()
