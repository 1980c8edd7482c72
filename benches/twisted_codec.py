"""Twisted's side of the codec benchmark, on the bytes the Rust bench wrote.

Usage: twisted_codec.py INPUT_DIR  (prints one JSON object on stdout)

INPUT_DIR holds small.bin (100,000 boxes of 50 bytes) and large.bin (one box
with a 60 KiB value), written by `AMP_BENCH_INPUTS=DIR cargo bench --bench codec`.
Decoding is `amp.parseString` (a BinaryBoxProtocol fed the whole input in one
dataReceived, as Twisted's reference figures in BENCHMARKS.md were measured); encoding is `AmpBox.serialize`.
Each measurement gives the best and the median of several timed rounds.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import twisted
from twisted.protocols import amp

ROUNDS = 7
# A round of the large-box measurements repeats the operation this long at least.
MIN_ROUND_SECONDS = 0.5


def timed(fn, reps):
    """Seconds per call of fn over reps calls, in ROUNDS rounds: the best
    round (least disturbed by other work on the machine) and the median."""
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append((time.perf_counter() - start) / reps)
    return {"best": min(samples), "median": statistics.median(samples)}


def reps_for(fn):
    """How many calls of fn fill MIN_ROUND_SECONDS."""
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < MIN_ROUND_SECONDS / 5:
        fn()
        n += 1
    return max(1, n * 5)


def main():
    inputs = Path(sys.argv[1])
    small = (inputs / "small.bin").read_bytes()
    large = (inputs / "large.bin").read_bytes()

    boxes = amp.parseString(small)
    if len(boxes) != 100_000 or b"".join(b.serialize() for b in boxes) != small:
        raise SystemExit("small.bin does not round-trip through Twisted")
    [big] = amp.parseString(large)
    if big.serialize() != large or len(big[b"value"]) != 60 * 1024:
        raise SystemExit("large.bin does not round-trip through Twisted")

    def encode_small():
        for b in boxes:
            b.serialize()

    def decode_large():
        amp.parseString(large)

    result = {
        "twisted": twisted.__version__,
        "python": sys.version.split()[0],
        "small_boxes": len(boxes),
        "small_bytes": len(small),
        "large_bytes": len(large),
        # Seconds for the whole operation (best and median round): all 100,000 small boxes, or one large box.
        "decode_small": timed(lambda: amp.parseString(small), 1),
        "encode_small": timed(encode_small, 1),
        "decode_large": timed(decode_large, reps_for(decode_large)),
        "encode_large": timed(big.serialize, reps_for(big.serialize)),
    }
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
