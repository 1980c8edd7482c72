#!/usr/bin/env bash
# Codec benchmark: amp-runtime, the amp-protocol crate and Twisted on the same
# bytes, in one run; writes the "Codec" section of BENCHMARKS.md.
#
#   benches/run-codec.sh            # criterion (release) + Twisted 26.10, then the table
#   benches/run-codec.sh --no-write # print the table only
#
# Takes a few minutes. Run it on an otherwise idle machine: only ratios
# measured in one run are comparable.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
py="${AMP_VENVS:-$root/.venvs}/tw26/bin/python"
if [[ ! -x "$py" ]]; then
    echo "missing $py: run scripts/setup-python" >&2
    exit 1
fi
target="${CARGO_TARGET_DIR:-$root/target}"
inputs="$target/amp-benches/codec-inputs"
out="$target/amp-benches/codec-twisted.json"

load="$(cut -d' ' -f1-3 /proc/loadavg)"

# Stale estimates must not leak into the table.
rm -rf "$target/criterion/decode_small" "$target/criterion/encode_small" \
    "$target/criterion/decode_large" "$target/criterion/encode_large"

echo "== criterion: amp-runtime and amp-protocol" >&2
AMP_BENCH_INPUTS="$inputs" cargo bench -p amp-benches --bench codec >&2

echo "== Twisted on the same inputs" >&2
"$py" "$root/benches/twisted_codec.py" "$inputs" > "$out"

"$py" "$root/benches/codec_report.py" --criterion "$target/criterion" --twisted "$out" --load "$load" "$@"
