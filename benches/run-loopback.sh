#!/usr/bin/env bash
# The loopback benchmark, in one run: builds the Rust side with --release,
# then measures Rust and Twisted (.venvs/tw26) clients and servers against
# each other over 127.0.0.1, TCP_NODELAY off and on, and idle-connection
# memory. Prints a Markdown report, writes it into the "Runtime (loopback)"
# section of BENCHMARKS.md (between its loopback markers), and keeps the raw
# samples in target/loopback-results.json. Not part of CI.
#
#   benches/run-loopback.sh [--no-write] [--seconds 3] [--runs 3] [--idle 10000]
#
# Takes about 11 minutes with the defaults. Run it on a quiet machine: the
# client and server each want a core.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${AMP_VENVS:-.venvs}/tw26/bin/python
[ -x "$python" ] || { echo "run-loopback.sh: $python is missing: run scripts/setup-python" >&2; exit 1; }

write=(--write BENCHMARKS.md)
if [ "${1:-}" = "--no-write" ]; then
    write=()
    shift
fi

cargo build --release -p amp-benches --bin loopback
exec "$python" benches/loopback/run.py \
    "${write[@]}" \
    --rust target/release/loopback \
    --python "$python" \
    --script benches/twisted_loopback.py \
    --json target/loopback-results.json \
    "$@"
