#!/usr/bin/env bash
# The Evennia Compressed benchmark, in one run: builds the Rust side with
# --release, then measures Rust and Twisted + Evennia 6.1 (.venvs/ev61, with
# Evennia's own MsgPortal2Server and Compressed) clients and servers against
# each other over 127.0.0.1, on 1 MB and 10 MB Evennia-shaped pickles, zlib
# level 9. Prints a Markdown report, writes it into BENCHMARKS.md (section
# "Evennia Compressed", between its markers) and keeps the raw samples in
# target/compressed-bench/results.json. Not part of CI.
#
#   benches/run-compressed.sh [--seconds 3] [--runs 3] [--no-write]
#
# Takes about 4 minutes with the defaults. Run it on a quiet machine: the
# Rust sender compresses on every core.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${AMP_VENVS:-.venvs}/ev61/bin/python
[ -x "$python" ] || { echo "run-compressed.sh: $python is missing: run scripts/setup-python" >&2; exit 1; }

cargo build --release -p amp-benches --bin compressed_bench
exec "$python" benches/compressed/run.py \
    --rust target/release/compressed_bench \
    --python "$python" \
    --script benches/twisted_compressed.py \
    --workdir target/compressed-bench \
    --json target/compressed-bench/results.json \
    "$@"
