"""Shared by gen_values.py and check_values.py: the Twisted Argument objects
under test, the record format, and the canonical repr both sides compute.

Record (a stream of them, nothing else):
    u8 tag length, tag (ASCII), u32 BE wire length, wire, u32 BE repr length, repr (UTF-8)

Canonical reprs (tests/tests/wire_differential.rs computes the same from its values):
    integer   Python's str(int)
    string    bytes.hex()
    unicode   the code points in lowercase hex, space-separated ("" for "")
    path      the code points of the path text, as for unicode
    boolean   True / False
    float     float.hex() (every NaN is "nan": repr keeps neither sign nor payload)
    decimal   str(d), a space, then as_tuple() as sign:digits:exponent
              (exponent n for NaN, N for sNaN, F for Infinity)
    datetime  YYYY-MM-DDTHH:MM:SS.ffffff, a space, the UTC offset in minutes
    listof_*  "[" + element reprs joined by "," + "]"
    amplist_* "[" + "{" + name=repr;... + "}" joined by "," + "]", "-" for an absent optional
"""

import struct

from twisted.protocols import amp

ITEM_FIELDS = [
    (b"id", amp.Integer()),
    (b"label", amp.Unicode(optional=True)),
    (b"tags", amp.ListOf(amp.String(), optional=True)),
    (b"when", amp.DateTime(optional=True)),
]
SPARSE_FIELDS = [(b"note", amp.Unicode(optional=True))]

# tag -> the Argument object (the real Twisted classes, nested as in a schema).
ARGS = {
    "integer": amp.Integer(),
    "string": amp.String(),
    "unicode": amp.Unicode(),
    "path": amp.Path(),
    "boolean": amp.Boolean(),
    "float": amp.Float(),
    "decimal": amp.Decimal(),
    "datetime": amp.DateTime(),
    "listof_integer": amp.ListOf(amp.Integer()),
    "listof_string": amp.ListOf(amp.String()),
    "listof_unicode": amp.ListOf(amp.Unicode()),
    "listof_boolean": amp.ListOf(amp.Boolean()),
    "listof_float": amp.ListOf(amp.Float()),
    "listof_decimal": amp.ListOf(amp.Decimal()),
    "listof_datetime": amp.ListOf(amp.DateTime()),
    "listof_listof_integer": amp.ListOf(amp.ListOf(amp.Integer())),
    "amplist_item": amp.AmpList(ITEM_FIELDS),
    "amplist_sparse": amp.AmpList(SPARSE_FIELDS),
}


def codepoints(text):
    return " ".join("%x" % ord(c) for c in text)


def repr_decimal(d):
    t = d.as_tuple()
    return "%s %d:%s:%s" % (d, t.sign, "".join(map(str, t.digits)), t.exponent)


def repr_datetime(dt):
    offset = dt.utcoffset()
    minutes = (offset.days * 86400 + offset.seconds) // 60
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d %d" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond, minutes)


SCALAR_REPRS = {
    "integer": str,
    "string": bytes.hex,
    "unicode": codepoints,
    "path": lambda p: codepoints(p.path),
    "boolean": str,
    "float": float.hex,
    "decimal": repr_decimal,
    "datetime": repr_datetime,
}


# Exact classes: Path is a Unicode subclass with its own repr.
SCALAR_BY_TYPE = {type(ARGS[tag]): scalar for tag, scalar in SCALAR_REPRS.items()}


def repr_fields(fields, element):
    parts = []
    for name, arg in fields:
        value = element.get(name.decode())
        if value is None:
            parts.append("%s=-" % name.decode())
        else:
            parts.append("%s=%s" % (name.decode(), repr_of(arg, value)))
    return "{" + ";".join(parts) + "}"


def repr_of(arg, value):
    """The canonical repr of value as the Argument arg carries it."""
    if isinstance(arg, amp.AmpList):
        return "[" + ",".join(repr_fields(arg.subargs, e) for e in value) + "]"
    if isinstance(arg, amp.ListOf):
        return "[" + ",".join(repr_of(arg.elementType, e) for e in value) + "]"
    return SCALAR_BY_TYPE[type(arg)](value)


def write_record(out, tag, wire, text):
    tag = tag.encode("ascii")
    text = text.encode("utf-8")
    out.write(struct.pack(">B", len(tag)) + tag)
    out.write(struct.pack(">I", len(wire)) + wire)
    out.write(struct.pack(">I", len(text)) + text)


def read_records(data):
    """Yields (tag, wire, repr) from a whole stream of records."""
    at = 0
    while at < len(data):
        n = data[at]
        tag = data[at + 1:at + 1 + n].decode("ascii")
        at += 1 + n
        (n,) = struct.unpack_from(">I", data, at)
        wire = data[at + 4:at + 4 + n]
        at += 4 + n
        (n,) = struct.unpack_from(">I", data, at)
        text = data[at + 4:at + 4 + n].decode("utf-8")
        at += 4 + n
        yield tag, wire, text


def encode(tag, value):
    """Twisted's wire form of value: toBox for AmpList (the protocol-aware
    path a command takes), toString for the rest."""
    arg = ARGS[tag]
    if isinstance(arg, amp.AmpList):
        strings = amp.AmpBox()
        arg.toBox(b"v", strings, {"v": value}, None)
        return strings[b"v"]
    return arg.toString(value)


def decode(tag, wire):
    """Twisted's value for wire: fromBox for AmpList, fromString for the rest."""
    arg = ARGS[tag]
    if isinstance(arg, amp.AmpList):
        objects = {}
        arg.fromBox(b"v", amp.AmpBox({b"v": wire}), objects, None)
        return objects["v"]
    return arg.fromString(wire)
