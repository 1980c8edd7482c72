"""CPython's str, repr and json, for amp-portal/tests/python_text.rs.

Run with Evennia's interpreter (ev61: CPython 3.12, the one Evennia 6.1 runs
on). Reads one JSON request on stdin, writes one JSON reply on stdout:

  {"chars": true}         -> "chars": hex of 2 bytes (little-endian flag word) per code point
                             0..0x10FFFF (surrogates 0), bits as in python_unicode_tables.py,
                             plus "maps": {"upper"|"lower"|"title": [[cp, text], ...]} where changed
  {"strings": [s, ...]}   -> "strings": [{"upper", "lower", "capitalize", "isupper", "istitle",
                             "strip", "split1", "isdigit", "int"}]  (int: str(int(s) % 4096) or null)
  {"floats": [hex, ...]}  -> "floats": [repr(float)] for IEEE-754 bit patterns (16 hex digits)
  {"json": [s, ...]}      -> "json": [pickle hex of json.loads(s) with lone surrogates as U+FFFD, or
                             "!" + the exception type]
  {"dumps": [pickle hex]} -> "dumps": [json.dumps(value) or "!" + the exception type]
  {"repr": [pickle hex]}  -> "repr": [[repr(value), str(value)] or "!" + the exception type]
"""

import json
import pickle
import struct
import sys

# Deep test values go through the recursive helpers below.
sys.setrecursionlimit(20000)
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from python_unicode_tables import MAX, is_surrogate, props  # noqa: E402


def no_surrogates(value):
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, dict):
        return {no_surrogates(k): no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_surrogates(v) for v in value]
    return value


def chars():
    flags = bytearray()
    maps = {"upper": [], "lower": [], "title": []}
    for cp in range(MAX):
        f = 0 if is_surrogate(cp) else props(cp)
        flags += struct.pack("<H", f)
        if is_surrogate(cp):
            continue
        c = chr(cp)
        for name, fn in (("upper", str.upper), ("lower", str.lower), ("title", str.title)):
            m = fn(c)
            if m != c:
                maps[name].append([cp, m])
    return flags.hex(), maps


def one_string(s):
    parts = s.split(None, 1)
    try:
        number = str(int(s) % 4096) if s.isdigit() else None
    except ValueError:
        number = "ValueError"
    return {
        "upper": s.upper(),
        "lower": s.lower(),
        "capitalize": s.capitalize(),
        "isupper": s.isupper(),
        "istitle": s.istitle(),
        "strip": s.strip(),
        "split1": parts if len(parts) == 2 else None,
        "isdigit": s.isdigit(),
        "int": number,
    }


def loads(s):
    try:
        return pickle.dumps(no_surrogates(json.loads(s)), protocol=5).hex()
    except Exception as err:
        return "!" + type(err).__name__


def dumps(h):
    try:
        return json.dumps(pickle.loads(bytes.fromhex(h)))
    except Exception as err:
        return "!" + type(err).__name__


def reprs(h):
    try:
        value = pickle.loads(bytes.fromhex(h))
        return [repr(value), str(value)]
    except Exception as err:
        return "!" + type(err).__name__


def main():
    request = json.load(sys.stdin)
    reply = {}
    if request.get("chars"):
        reply["chars"], reply["maps"] = chars()
    reply["strings"] = [one_string(s) for s in request.get("strings", [])]
    reply["floats"] = [repr(struct.unpack(">d", bytes.fromhex(h))[0]) for h in request.get("floats", [])]
    reply["json"] = [loads(s) for s in request.get("json", [])]
    reply["dumps"] = [dumps(h) for h in request.get("dumps", [])]
    reply["repr"] = [reprs(h) for h in request.get("repr", [])]
    json.dump(reply, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
