"""Rust -> Twisted: reads (tag, wire, repr) records that Rust wrote from its own
values on stdin; decodes each with Twisted's Argument objects (fromString, or
fromBox for AmpList), checks the value's canonical repr (common.py) against
Rust's, then re-encodes it with Twisted twice (toString and toBox) and checks
that both give Rust's bytes exactly.

Prints one JSON object per mismatch (at most 50), then a summary line
{"checked": N, "mismatches": M, "per_tag": {...}}. Exit status 0 either way:
the Rust test judges.
"""

import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ARGS, decode, read_records, repr_of  # noqa: E402
from twisted.protocols import amp  # noqa: E402

SHOWN = 50


def main():
    data = sys.stdin.buffer.read()
    checked = 0
    mismatches = 0
    per_tag = Counter()

    def report(**fields):
        nonlocal mismatches
        mismatches += 1
        if mismatches <= SHOWN:
            print(json.dumps(fields, ensure_ascii=True))

    for tag, wire, expected in read_records(data):
        checked += 1
        per_tag[tag] += 1
        arg = ARGS[tag]
        where = {"tag": tag, "wire": wire[:200].hex()}
        try:
            value = decode(tag, wire)
        except Exception as e:  # a value Rust wrote that Twisted refuses
            report(problem="twisted cannot decode", error=repr(e), **where)
            continue
        got = repr_of(arg, value)
        if got != expected:
            report(problem="value differs", rust=expected[:500], twisted=got[:500], **where)
            continue
        as_string = arg.toStringProto(value, None)
        strings = amp.AmpBox()
        arg.toBox(b"v", strings, {"v": value}, None)
        for how, again in (("toString", as_string), ("toBox", strings.get(b"v"))):
            if again != wire:
                report(problem="re-encoding differs (%s)" % how, twisted=(again or b"")[:200].hex(), **where)
                break
    print(json.dumps({"checked": checked, "mismatches": mismatches, "per_tag": per_tag}))


if __name__ == "__main__":
    main()
