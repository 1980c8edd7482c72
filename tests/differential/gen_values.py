"""Twisted -> Rust: generates values with a fixed seed, encodes each with
Twisted's own Argument objects and writes (tag, wire, canonical repr) records
on stdout (format and reprs: common.py).

Usage: gen_values.py [COUNT_PER_TYPE] [SEED]    (defaults: 10000, 20261127)
"""

import calendar
import datetime
import decimal
import io
import os
import random
import struct
import sys

from twisted.python.filepath import FilePath

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ARGS, encode, repr_of, write_record  # noqa: E402

MAX_VALUE = 65535
# Python refuses int <-> str beyond this many digits (sys.int_info.default_max_str_digits).
MAX_DIGITS = 4300


def gen_int(rng):
    r = rng.random()
    if r < 0.3:
        return rng.randint(-1000, 1000)
    if r < 0.5:
        edge = rng.choice([2**63, 2**64, 2**127, 2**128, 2**53, 10**18, 10**19])
        return rng.choice([1, -1]) * (edge + rng.randint(-2, 2))
    if r < 0.97:
        return rng.choice([1, -1]) * rng.getrandbits(rng.choice([8, 31, 32, 63, 64, 65, 100, 127, 128, 129, 256, 1000]))
    if r < 0.99:
        return rng.choice([1, -1]) * rng.getrandbits(rng.randint(1000, 14000))
    # The longest Python can write: exactly 4300 digits.
    return rng.choice([1, -1]) * rng.choice([10**MAX_DIGITS - 1, 10 ** (MAX_DIGITS - 1), 10 ** (MAX_DIGITS - 1) + rng.getrandbits(1000)])


def gen_bytes(rng):
    r = rng.random()
    if r < 0.05:
        return b""
    if r < 0.995:
        return rng.randbytes(rng.randint(1, 64))
    return rng.randbytes(rng.choice([255, 256, 4096, MAX_VALUE]))


# Code point ranges to draw text from: ASCII (controls and NUL too), Latin-1,
# the rest of the BMP around the surrogates (which UTF-8 cannot carry), and the
# astral planes, with the awkward ones (BOM, noncharacters, U+10FFFF) by name.
TEXT_RANGES = [(0x00, 0x7F), (0x80, 0xFF), (0x100, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
TEXT_SPECIALS = [0x0, 0xFEFF, 0xFFFE, 0xFFFF, 0x1F600, 0x1D11E, 0x10FFFF, 0x20AC, 0x2028]


def below(rng, n):
    """A random int in [0, n): Random.randint is the slow part of this script."""
    return int(rng.random() * n)


def gen_char(rng):
    r = rng.random()
    if r < 0.1:
        return chr(TEXT_SPECIALS[below(rng, len(TEXT_SPECIALS))])
    lo, hi = TEXT_RANGES[int((r - 0.1) / 0.9 * len(TEXT_RANGES))]
    return chr(lo + below(rng, hi - lo + 1))


def gen_text(rng, max_len=40):
    return "".join([gen_char(rng) for _ in range(below(rng, max_len + 1))])


def gen_path(rng):
    # Absolute and already normal, so FilePath's abspath() keeps it as it is.
    parts = []
    for _ in range(rng.randint(0, 5)):
        part = "".join(c for c in gen_text(rng, 12) if c not in "/\0")
        if part and part not in (".", ".."):
            parts.append(part)
    return "/" + "/".join(parts)


FLOAT_SPECIALS = [
    0.0, -0.0, float("inf"), float("-inf"), float("nan"), -float("nan"),
    5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
    1e16, 1e16 - 2, 9999999999999998.0, 1e15, 123456789012345.6, 0.0001, 0.00001, 0.00009999999999999999,
    1e-5, 1e-4, 1.5, 0.1, 0.3, 2.0**53, 2.0**53 + 2, 1e22, 1e23, 2.0**-1074, 2.0**1023,
]


def gen_float(rng):
    r = rng.random()
    if r < 0.1:
        return rng.choice(FLOAT_SPECIALS)
    if r < 0.6:
        # Any bit pattern: subnormals, NaN payloads, both zeros, huge and tiny.
        return struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
    if r < 0.75:
        return float("%se%d" % (rng.choice(["1", "5", "9.999", "1.5"]), rng.randint(-330, 310)))
    if r < 0.9:
        return round(rng.uniform(-1e6, 1e6), rng.randint(0, 8))
    return float(rng.randint(-(2**60), 2**60))


# libmpdec's (64-bit) bounds, as Python's Decimal() enforces them.
MAX_EMAX = 999999999999999999
MIN_ETINY = -1999999999999999997


def gen_decimal(rng):
    sign = rng.randint(0, 1)
    r = rng.random()
    if r < 0.1:
        payload = tuple(map(int, rng.choices("0123456789", k=rng.choice([0, 0, 1, 3, 20]))))
        kind = rng.choice(["n", "N", "F"])
        return decimal.Decimal((sign, payload if kind != "F" else (0,), kind))
    if r < 0.2:
        return decimal.Decimal((sign, (0,), rng.randint(-12, 12)))
    digits = tuple(map(int, rng.choices("0123456789", k=rng.randint(1, 60))))
    q = rng.random()
    if q < 0.6:
        exponent = rng.randint(-40, 40)
    elif q < 0.9:
        exponent = rng.randint(-(10**6), 10**6)
    elif q < 0.95:
        exponent = MAX_EMAX - len(digits) + 1 - rng.randint(0, 3)
    else:
        exponent = MIN_ETINY + rng.randint(0, 3)
    return decimal.Decimal((sign, digits, exponent))


OFFSET_SPECIALS = [0, 1, -1, 13 * 60 + 45, -(13 * 60 + 45), 5 * 60 + 30, -(9 * 60 + 30), 1439, -1439, 60, -60]


def gen_datetime(rng):
    year = rng.choice([1, 9999, rng.randint(1, 9999), rng.randint(1900, 2100)])
    month = rng.randint(1, 12)
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    micro = rng.choice([0, 999999, rng.randint(0, 999999)])
    offset = rng.choice(OFFSET_SPECIALS) if rng.random() < 0.3 else rng.randint(-1439, 1439)
    tz = datetime.timezone(datetime.timedelta(minutes=offset))
    return datetime.datetime(year, month, day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), micro, tz)


def gen_list(rng, element, max_len=8):
    return [element(rng) for _ in range(rng.randint(0, max_len))]


def small_int(rng):
    # List elements: keep the whole list within one value.
    v = gen_int(rng)
    return v if abs(v) < 10**200 else v % 10**200


def gen_item(rng):
    return {
        "id": small_int(rng),
        "label": gen_text(rng, 10) if rng.random() < 0.5 else None,
        "tags": gen_list(rng, lambda r: r.randbytes(r.randint(0, 8)), 4) if rng.random() < 0.5 else None,
        "when": gen_datetime(rng) if rng.random() < 0.5 else None,
    }


GENERATORS = {
    "integer": gen_int,
    "string": gen_bytes,
    "unicode": gen_text,
    "path": lambda rng: FilePath(gen_path(rng)),
    "boolean": lambda rng: rng.random() < 0.5,
    "float": gen_float,
    "decimal": gen_decimal,
    "datetime": gen_datetime,
    "listof_integer": lambda rng: gen_list(rng, small_int),
    "listof_string": lambda rng: gen_list(rng, lambda r: r.randbytes(r.randint(0, 40))),
    "listof_unicode": lambda rng: gen_list(rng, lambda r: gen_text(r, 12)),
    "listof_boolean": lambda rng: gen_list(rng, lambda r: r.random() < 0.5),
    "listof_float": lambda rng: gen_list(rng, gen_float),
    "listof_decimal": lambda rng: gen_list(rng, gen_decimal),
    "listof_datetime": lambda rng: gen_list(rng, gen_datetime),
    "listof_listof_integer": lambda rng: gen_list(rng, lambda r: gen_list(r, small_int, 6), 5),
    "amplist_item": lambda rng: gen_list(rng, gen_item, 5),
    "amplist_sparse": lambda rng: gen_list(rng, lambda r: {"note": gen_text(r, 8) if r.random() < 0.5 else None}, 5),
}


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261127
    out = io.BytesIO()
    for tag, gen in GENERATORS.items():
        rng = random.Random("%d/%s" % (seed, tag))
        written = 0
        while written < count:
            value = gen(rng)
            text = repr_of(ARGS[tag], value)  # before encoding, which may consume the value
            wire = encode(tag, value)
            if len(wire) > MAX_VALUE:
                continue  # would not fit one AMP value: draw again
            write_record(out, tag, wire, text)
            written += 1
    sys.stdout.buffer.write(out.getvalue())
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
