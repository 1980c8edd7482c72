"""CPython's side of the pickle tests (tests/tests/pickle_cpython.rs).

Runs on CPython 3.11 and 3.12. Every value is described in a small JSON form
the Rust side compares its own decoding against:
  {"t": "none" | "bool" | "int" | "float" | "str" | "bytes" | "bytearray"
        | "list" | "tuple" | "dict" | "set" | "frozenset" | "global" | "object", ...}
ints as decimal text, floats as big-endian IEEE hex ("nan" for any NaN),
bytes as hex, dicts as [key, value] pairs in order, set members sorted by their
JSON text, globals as module + qualified name, objects as the recipe pickle
writes for them (callable, kind, args, kwargs, list/dict items, state).

Modes (one process per batch, JSON lines):
  corpus      stdout: {"name", "protocol", "pickle": hex, "desc", "repr"} for
              every corpus value at protocols 0 to 5.
  check       stdin: {"name", "pickle": hex} pickles Rust wrote for corpus
              values; loads each and compares it with the original value.
              stdout: one {"name", "ok", "why"} per line.
  roundtrip   argv[2] = seed. stdin: {"pickle": hex} of random values Rust
              wrote; loads each, re-pickles it at a random protocol 0..5.
              stdout: {"protocol", "pickle": hex, "desc"} (or {"error"}).
"""

import collections
import copyreg
import datetime
import decimal
import fractions
import functools
import json
import pickle
import random
import struct
import sys
import types


class Point:
    """A plain class: NEWOBJ (or copyreg._reconstructor) plus a __dict__ state."""

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return type(other) is Point and (self.x, self.y) == (other.x, other.y)


class Slotted:
    """__slots__: the state is (None, {slot: value})."""

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


class Keyworded:
    """__getnewargs_ex__: NEWOBJ_EX from protocol 4."""

    def __new__(cls, n, *, k):
        self = object.__new__(cls)
        self.n = n
        self.k = k
        return self

    def __getnewargs_ex__(self):
        return (self.n,), {"k": self.k}


class Tagged(list):
    """A list subclass with an attribute: APPENDS on an object."""


class Registry(dict):
    """A dict subclass: SETITEMS on an object."""


def corpus():
    """name -> value; rebuilt identically in every process."""
    shared_dict = {"k": 1}
    shared_list = [1, "one"]
    shared_text = "shared " * 5
    flags = {"ANSI": True, "SCREENWIDTH": {0: 78}, "ENCODING": "utf-8"}
    tagged = Tagged([1, 2, 3])
    tagged.label = "tag"
    registry = Registry(a=1, b=[2])
    nested = []
    cur = nested
    for _ in range(50):
        nxt = []
        cur.append(nxt)
        cur = nxt
    values = {
        "none": None,
        "true": True,
        "false": False,
        "ints": [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**31, 2**63 - 1, -(2**63), 2**63, 2**64],
        "big_ints": (2**1000, -(2**1000) + 1, 10**300, -(10**40)),
        "floats": [0.0, -0.0, 1.5, 0.1, 1e300, -1e-300, 5e-324, 1e16, 123456789.125],
        "float_specials": (float("inf"), float("-inf"), float("nan")),
        "strs": ["", "a", "x" * 300, "unicode \u20ac\U0001f600 \xe9", "ctl \x00\x01\n\r\t\\'\"", "\u0100\uffff"],
        "long_str": "y" * 70000,
        "bytes": [b"", b"\x00\xff", bytes(range(256)), b"z" * 300],
        "bytearrays": [bytearray(), bytearray(b"abc"), bytearray(range(256))],
        "lists": [[], [1, [2, [3]]], [None] * 3],
        "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((), ((),))),
        "list_2500": list(range(2500)),
        "dict_order": {"b": 1, "a": 2, "c": 3},
        "int_keys": {2: "two", 1: "one", -5: "minus five", 2**70: "big"},
        "tuple_keys": {(1, "a"): "tuple key", (): "empty", ((1, 2), 3): "nested"},
        "mixed_keys": {None: 1, True: 2, 1.5: 3, b"k": 4, frozenset({1}): 5, "s": 6},
        "dict_3000": {f"k{i}": i for i in range(3000)},
        "sets": [set(), {1, 2, 3}, {"a", "b"}, {(1, 2), (3,)}],
        "frozensets": (frozenset(), frozenset({1, "a"}), frozenset({frozenset({2})})),
        "set_2500": set(range(2500)),
        "shared_dict": [shared_dict, shared_dict, {"again": shared_dict}],
        "shared_list": (shared_list, shared_list, {"x": shared_list}),
        "shared_str": [shared_text, shared_text, shared_text],
        "nested_50": nested,
        "datetime": datetime.datetime(2020, 1, 2, 3, 4, 5, 6),
        "datetime_tz": datetime.datetime(2021, 6, 7, 8, 9, 10, tzinfo=datetime.timezone.utc),
        "date_and_delta": [datetime.date(2021, 5, 6), datetime.timedelta(days=1, seconds=2)],
        "ordered_dict": collections.OrderedDict([("b", 1), ("a", 2)]),
        "defaultdict": collections.defaultdict(list, {"a": [1]}),
        "counter": collections.Counter("abca"),
        "complex": complex(1, 2),
        "decimal": decimal.Decimal("1.5"),
        "fraction": fractions.Fraction(1, 3),
        "point": Point(1, "two"),
        "slotted": Slotted(1, [2]),
        "keyworded": Keyworded(1, k=2),
        "list_subclass": tagged,
        "dict_subclass": registry,
        "classes_and_functions": [int, len, Point, json.dumps, Point.__init__],
        "evennia_text": (2, {"text": (("look",), {}), "options": {"screenwidth": {0: 78}}}),
        "evennia_psync": (
            0,
            {
                "operation": "\x03",
                "spid": 13423,
                "info_dict": {"servername": "game", "version": "6.1.0", "amp": "amp : 4016", "errors": ""},
            },
        ),
        "evennia_sessions": (
            0,
            {
                "operation": "\x08",
                "sessiondata": {
                    2: {"sessid": 2, "uid": 1, "csessid": None, "logged_in": True, "protocol_flags": flags},
                    3: {"sessid": 3, "uid": None, "conn_time": 1795755416.0101414, "protocol_flags": flags},
                },
            },
        ),
    }
    return values


def hexfloat(x):
    return "nan" if x != x else struct.pack(">d", x).hex()


def key(desc):
    return json.dumps(desc, sort_keys=True)


def is_global(v):
    return isinstance(v, (type, types.FunctionType, types.BuiltinFunctionType))


def describe(v, proto=5):
    if v is None:
        return {"t": "none"}
    if v is True or v is False:
        return {"t": "bool", "v": v}
    t = type(v)
    if t is int:
        return {"t": "int", "v": str(v)}
    if t is float:
        return {"t": "float", "v": hexfloat(v)}
    if t is str:
        return {"t": "str", "v": v}
    if t is bytes:
        return {"t": "bytes", "v": v.hex()}
    if t is bytearray:
        return {"t": "bytearray", "v": bytes(v).hex()}
    if t is list or t is tuple:
        return {"t": t.__name__, "v": [describe(x, proto) for x in v]}
    if t is dict:
        return {"t": "dict", "v": [[describe(k, proto), describe(x, proto)] for k, x in v.items()]}
    if t is set or t is frozenset:
        return {"t": t.__name__, "v": sorted((describe(x, proto) for x in v), key=key)}
    if is_global(v):
        return {"t": "global", "module": v.__module__, "name": v.__qualname__}
    return describe_object(v, proto)


def describe_object(v, proto):
    """What pickle's save_reduce writes for `v` at `proto`."""
    reducer = copyreg.dispatch_table.get(type(v))
    rv = reducer(v) if reducer else v.__reduce_ex__(proto)
    rv = tuple(rv) + (None,) * (5 - len(rv))
    func, args, state, listitems, dictitems = rv[:5]
    kind, kwargs = "Reduce", {}
    name = getattr(func, "__name__", "")
    if proto >= 2 and name == "__newobj__":
        kind, func, args = "NewObj", args[0], args[1:]
    elif proto >= 2 and name == "__newobj_ex__":
        cls, args, kwargs = args
        if proto >= 4:
            kind, func = "NewObjEx", cls
        else:
            func, args, kwargs = functools.partial(cls.__new__, cls, *args, **kwargs), (), {}
    return {
        "t": "object",
        "callable": describe(func, proto),
        "kind": kind,
        "args": [describe(a, proto) for a in args],
        "kwargs": [[describe(k, proto), describe(x, proto)] for k, x in kwargs.items()],
        "list_items": [describe(x, proto) for x in (listitems or ())],
        "dict_items": [[describe(k, proto), describe(x, proto)] for k, x in (dictitems or ())],
        "state": [] if state is None else [describe(state, proto)],
    }


def has_objects(desc):
    if isinstance(desc, dict):
        return desc.get("t") in ("object", "global") or any(has_objects(x) for x in desc.values())
    if isinstance(desc, list):
        return any(has_objects(x) for x in desc)
    return False


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")


def mode_corpus():
    for name, value in corpus().items():
        for proto in range(6):
            try:
                data = pickle.dumps(value, proto)
            except TypeError:
                # __slots__ without __getstate__ needs protocol 2.
                assert proto < 2 and name == "slotted", (name, proto)
                continue
            desc = describe(value, proto)
            emit({
                "name": name,
                "protocol": proto,
                "pickle": data.hex(),
                "desc": desc,
                "repr": None if has_objects(desc) else repr(value),
            })


def mode_check():
    values = corpus()
    for line in sys.stdin:
        req = json.loads(line)
        name = req["name"]
        try:
            loaded = pickle.loads(bytes.fromhex(req["pickle"]))
        except Exception as e:  # a load failure is a test failure, reported to Rust
            emit({"name": name, "ok": False, "why": f"load failed: {type(e).__name__}: {e}"})
            continue
        want, got = describe(values[name]), describe(loaded)
        ok = want == got
        emit({"name": name, "ok": ok, "why": "" if ok else f"want {key(want)[:400]} got {key(got)[:400]}"})


def mode_roundtrip(seed):
    rng = random.Random(seed)
    for line in sys.stdin:
        req = json.loads(line)
        proto = rng.randrange(6)
        try:
            loaded = pickle.loads(bytes.fromhex(req["pickle"]))
            emit({"protocol": proto, "pickle": pickle.dumps(loaded, proto).hex(), "desc": describe(loaded)})
        except Exception as e:
            emit({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "corpus":
        mode_corpus()
    elif mode == "check":
        mode_check()
    elif mode == "roundtrip":
        mode_roundtrip(int(sys.argv[2]))
    else:
        sys.exit(f"unknown mode {mode}")
