#!/usr/bin/env bash
# The render benchmark: CPU time per output text of amp-portal's renderers
# and of Evennia 6.1's own TelnetProtocol/WebSocketClient.send_text, on the
# same 400 texts (benches/render/corpus.json) with the same flags. Prints a
# Markdown table; raw numbers in target/render-bench/results.json. Not part
# of CI. The criterion version of the Rust side: cargo bench -p amp-benches --bench render
#
#   benches/run-render.sh [--passes 30]
set -euo pipefail
cd "$(dirname "$0")/.."

python=${AMP_VENVS:-.venvs}/ev61/bin/python
[ -x "$python" ] || { echo "run-render.sh: $python is missing: run scripts/setup-python" >&2; exit 1; }

cargo build --release -p amp-benches --bin render_cpu
exec "$python" benches/render/report.py \
    --rust target/release/render_cpu \
    --python "$python" \
    --json target/render-bench/results.json \
    "$@"
