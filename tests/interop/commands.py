"""The commands of the interop tests, as Twisted declares them, and the values
each `Types` case carries.

The Rust side (tests/src/interop.rs) declares the same commands with the same
wire names and holds the same case table; each side checks what it received
against its own table, so a value that both sides get wrong the same way in an
echo still fails.
"""

import datetime
import decimal
import math

from twisted.protocols import amp
from twisted.python.filepath import FilePath

D = decimal.Decimal


class DeclaredError(Exception):
    """Declared in Fail.errors: answered DECLARED, the connection stays."""


class FatalError(Exception):
    """Declared in Fail.fatalErrors: answered FATAL, then the connection closes."""


class Mismatch(Exception):
    """A Types case arrived with values other than the table's."""


class SwitchRefused(Exception):
    """Declared in Switch.errors: the switch did not happen, AMP goes on."""


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


class Divide(amp.Command):
    arguments = [(b"numerator", amp.Integer()), (b"denominator", amp.Integer())]
    response = [(b"quotient", amp.Integer())]
    errors = {ZeroDivisionError: b"ZERO_DIVISION"}


class Fail(amp.Command):
    """kind: "ok", "declared", "fatal" or "undeclared"."""

    arguments = [(b"kind", amp.Unicode())]
    response = []
    errors = {DeclaredError: b"DECLARED"}
    fatalErrors = {FatalError: b"FATAL"}


ROW = [
    (b"x", amp.Integer()),
    (b"label", amp.Unicode(optional=True)),
    (b"flag", amp.Boolean(optional=True)),
]

# Every argument type, each optional, so one case sets only what it tests.
TYPE_FIELDS = [
    (b"integer", amp.Integer(optional=True)),
    (b"big", amp.Integer(optional=True)),
    (b"string", amp.String(optional=True)),
    (b"unicode", amp.Unicode(optional=True)),
    (b"path", amp.Path(optional=True)),
    (b"boolean", amp.Boolean(optional=True)),
    (b"float", amp.Float(optional=True)),
    (b"floats", amp.ListOf(amp.Float(), optional=True)),
    (b"decimal", amp.Decimal(optional=True)),
    (b"decimals", amp.ListOf(amp.Decimal(), optional=True)),
    (b"datetime", amp.DateTime(optional=True)),
    (b"datetimes", amp.ListOf(amp.DateTime(), optional=True)),
    (b"ints", amp.ListOf(amp.Integer(), optional=True)),
    (b"texts", amp.ListOf(amp.ListOf(amp.Unicode()), optional=True)),
    (b"rows", amp.AmpList(ROW, optional=True)),
    # Wire names that are not plain identifiers on one side or the other:
    # Python spells them `type`, `From` and `long_name`; Rust `r#type`, `from`, `long_name`.
    (b"type", amp.Unicode(optional=True)),
    (b"from", amp.Unicode(optional=True)),
    (b"long-name", amp.Unicode(optional=True)),
]


class Types(amp.Command):
    """The server checks the case's values against its table, then answers
    the table's values (not an echo)."""

    arguments = [(b"case", amp.Unicode())] + TYPE_FIELDS
    response = TYPE_FIELDS
    errors = {Mismatch: b"MISMATCH"}


class Delayed(amp.Command):
    """Answered `id` after `delay_ms` milliseconds."""

    arguments = [(b"id", amp.Integer()), (b"delay_ms", amp.Integer())]
    response = [(b"id", amp.Integer())]


class Notify(amp.Command):
    """No answer; the server keeps `text` for Log. The text "raise" makes the
    responder fail, which closes the connection (nothing can be answered)."""

    arguments = [(b"text", amp.Unicode())]
    requiresAnswer = False


class Log(amp.Command):
    """What this connection's server side received: the Notify texts in order,
    and the `_ask` tag of every command box (Python servers only; a Rust server
    leaves it out)."""

    arguments = []
    response = [(b"notes", amp.ListOf(amp.Unicode())), (b"asks", amp.ListOf(amp.String(), optional=True))]


class Hang(amp.Command):
    """Never answered: the server drops the connection instead.
    how: "close" (orderly), "abort" (RST), "half_box" (writes half of an
    answer box, then closes)."""

    arguments = [(b"how", amp.Unicode())]
    response = []


class TlsInfo(amp.Command):
    """Whether the server's side of the connection runs TLS."""

    arguments = []
    response = [(b"tls", amp.Boolean())]


class Switch(amp.ProtocolSwitchCommand):
    """After the answer the connection carries the `Upper` protocol: the
    switching server greets with b"HELLO <name>\n", then sends back every
    byte it receives upper-cased. The name "refuse" fails with REFUSED and the
    connection goes on speaking AMP."""

    arguments = [(b"name", amp.Unicode())]
    response = []
    errors = {SwitchRefused: b"REFUSED"}


class Nope(amp.Command):
    """Handled by no server: answered UNHANDLED."""

    arguments = []
    response = []


class NopeNotify(amp.Command):
    """Handled by no server, sent without `_ask`: the server closes the connection."""

    arguments = []
    requiresAnswer = False


def _tz(minutes):
    return datetime.timezone(datetime.timedelta(minutes=minutes))


def _dt(y, mo, d, h, mi, s, us, off):
    return datetime.datetime(y, mo, d, h, mi, s, us, tzinfo=_tz(off))


MAX_STRING = bytes(i % 251 for i in range(65535))
# 16,383 four-byte characters and three ASCII ones: exactly 65,535 bytes of UTF-8.
MAX_UNICODE = "\U0001d11e" * 16383 + "abc"

FLOATS = [
    1.234, 10.0, 1e16, 1e-05, 0.1, -0.0, 0.0, 5e-324, 1.7976931348623157e308,
    math.inf, -math.inf, math.nan, 123456789012345.6, 1e22, 0.0001, 2.5e-05, -1.5,
]

DECIMALS = [
    "1.1", "Infinity", "-Infinity", "NaN", "-NaN", "sNaN", "-sNaN", "3.141E+5", "0.00003141",
    "3.141E-7", "-3.141E+5", "0E+6", "1.5E-9", "-0", "0E-7", "1.000", "NaN123", "-sNaN4",
    "123456789012345678901234567890.123456789", "1E+999999", "-7.00E-999990",
]

DATETIMES = [
    _dt(2010, 12, 25, 0, 0, 0, 0, 0),
    _dt(9876, 1, 23, 12, 34, 56, 54321, -83),
    _dt(1, 1, 1, 0, 0, 0, 0, 23 * 60 + 59),
    _dt(9999, 12, 31, 23, 59, 59, 999999, -(23 * 60 + 59)),
    _dt(2024, 2, 29, 12, 0, 0, 500000, 330),
]

# name -> the values the case carries (every other field absent).
CASES = {
    "none": {},
    "integers": {"integer": -(2**63), "big": int("9" * 116)},
    "integers2": {"integer": 2**63 - 1, "big": -(2**400) + 12345},
    "zero": {"integer": 0, "big": 0},
    "bytes": {"string": bytes(range(256)) * 2},
    "empty": {"string": b"", "unicode": "", "ints": [], "texts": [], "rows": [], "floats": []},
    "unicode": {"unicode": "snow \u2603, clef \U0001d11e, emoji \U0001f600, nul \x00, crlf \r\n, \u00e9"},
    "path": {"path": FilePath("/tmp/amp interop/\u00fcn\u00ef/\U0001d11e.txt")},
    "true": {"boolean": True},
    "false": {"boolean": False},
    "float": {"float": 1e-05},
    "nan": {"float": math.nan},
    "floats": {"floats": FLOATS},
    "decimal": {"decimal": D("-sNaN4")},
    "decimals": {"decimals": [D(s) for s in DECIMALS]},
    "datetime": {"datetime": _dt(9876, 1, 23, 12, 34, 56, 54321, -83)},
    "datetimes": {"datetimes": DATETIMES},
    "lists": {
        "ints": [1, -20, 500, 2**63 - 1, -(2**63)],
        "texts": [["\u2603", "Hello", "world"], [], [""], ["\U0001d11e", "a\x00b"]],
    },
    "rows": {
        "rows": [
            {"x": 1, "label": "one", "flag": True},
            {"x": 2, "label": None, "flag": None},
            {"x": -3, "label": "", "flag": False},
        ]
    },
    "names": {"type": "t", "From": "f", "long_name": "l"},
    "max_string": {"string": MAX_STRING},
    "max_unicode": {"unicode": MAX_UNICODE},
    "everything": {
        "integer": 7,
        "big": -(10**40),
        "string": b"\x00\x01\xff",
        "unicode": "\u00e9\U0001d11e",
        "path": FilePath("/"),
        "boolean": True,
        "float": -math.inf,
        "floats": [math.nan, 1.0],
        "decimal": D("0E-7"),
        "decimals": [D("1.000")],
        "datetime": _dt(2024, 2, 29, 12, 0, 0, 500000, 330),
        "datetimes": [],
        "ints": [0],
        "texts": [["x"]],
        "rows": [{"x": 0, "label": None, "flag": None}],
        "type": "",
        "From": "\U0001f600",
        "long_name": "-",
    },
}

FIELD_NAMES = [amp._wireNameToPythonIdentifier(name) for name, _ in TYPE_FIELDS]


def norm(value):
    """A form of a value that compares exactly: floats by repr (so nan equals
    nan and -0.0 differs from 0.0), decimals by str (precision, sign and NaN
    payload kept), datetimes by their fields and offset, paths by text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, D):
        return ["decimal", str(value)]
    if isinstance(value, datetime.datetime):
        return ["datetime", value.replace(tzinfo=None).isoformat(), value.utcoffset().total_seconds()]
    if isinstance(value, FilePath):
        return ["path", value.asTextMode().path]
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in sorted(value.items())}
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    return [type(value).__name__, value]


def expected(case):
    """Every field of the case, absent ones as None."""
    values = CASES[case]
    return {name: values.get(name) for name in FIELD_NAMES}


def diff(case, got):
    """Differences between received fields and the case's table values, as text
    (empty when equal). `got` maps Python names to values (None when absent)."""
    want = expected(case)
    problems = []
    for name in FIELD_NAMES:
        w, g = norm(want[name]), norm(got.get(name))
        if w == g:
            continue
        if isinstance(w, list) and isinstance(g, list) and len(w) == len(g) and w and not isinstance(w[0], str):
            # Lists of values: name the elements that differ.
            for i, (wi, gi) in enumerate(zip(w, g)):
                if wi != gi:
                    problems.append(f"{name}[{i}]: expected {_short(wi)}, got {_short(gi)}")
        else:
            problems.append(f"{name}: expected {_short(w)}, got {_short(g)}")
    return "; ".join(problems)


def _short(v):
    text = repr(v)
    return text if len(text) <= 200 else text[:200] + f"...({len(text)} chars)"
