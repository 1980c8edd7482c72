"""Evennia 6.1 as the oracle for amp-portal's renderers and charset.

Run by the `render_*` tests with the ev61 venv's python and
DJANGO_SETTINGS_MODULE=evennia.settings_default. Reads one JSON case per
line on stdin, writes one JSON result per line on stdout, in order.

Every case goes through Evennia's own code path, not a re-implementation:
- "telnet": `TelnetProtocol.send_text` / `send_prompt` on a real
  TelnetProtocol instance with hand-set `protocol_flags` and a transport that
  records each `write` (no MCCP: the protocol has no `zlib`).
- "web": `WebSocketClient.send_text` / `send_prompt` on a real instance with
  its `wire_format` set (or None: the legacy path) and `sendMessage`
  recording (payload, isBinary).
- "ansi": `evennia.utils.ansi.parse_ansi`; "html": `text2html.parse_html`.
- "to_bytes" / "to_str": `evennia.utils.utils.to_bytes` / `to_str` with a
  session whose `protocol_flags` hold ENCODING, `settings.ENCODINGS` set.
- "input": `SessionHandler.clean_senddata` on `{"text": bytes}`.
- "lookup", "encode", "decode": CPython's codecs.
- "tables": what the generated tables of render_gen_tables.py must hold.

An exception in Evennia is part of the answer ("error": its type name),
with whatever was written before it.

The first argument, if given, is a JSON object of settings to override
before Evennia's modules are imported (they read settings at import).

Importing Evennia is not optional: if it fails this script fails, and so
does the test that runs it.
"""

import codecs
import encodings
import json
import os
import pkgutil
import re
import sys
from encodings import aliases

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evennia.settings_default")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

OVERRIDES = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
for _key, _value in OVERRIDES.items():
    if _key.startswith("COLOR_") and _key.endswith("_MAP"):
        _value = [tuple(pair) for pair in _value]
    setattr(settings, _key, _value)

from evennia.server.portal.telnet import TelnetProtocol  # noqa: E402
from evennia.server.portal.webclient import WebSocketClient  # noqa: E402
from evennia.server.portal.wire_formats import WIRE_FORMATS  # noqa: E402
from evennia.server.sessionhandler import SessionHandler  # noqa: E402
from evennia.utils import ansi, utils  # noqa: E402
from evennia.utils.text2html import parse_html  # noqa: E402


class Transport:
    def __init__(self):
        self.writes = []

    def write(self, data):
        self.writes.append(data)


TELNET = TelnetProtocol()
WEB = WebSocketClient()
WEB_SENT = []
WEB.sendMessage = lambda payload, isBinary=False, **kw: WEB_SENT.append([payload.hex(), bool(isBinary)])


def error_name(exc):
    return type(exc).__name__


def telnet(case):
    TELNET.protocol_flags = dict(case["flags"])
    TELNET.transport = Transport()
    err = None
    try:
        if case["prompt"]:
            TELNET.send_prompt(case["text"], options=dict(case["options"]))
        else:
            TELNET.send_text(case["text"], options=dict(case["options"]))
    except Exception as exc:  # Evennia raising is an answer too
        err = error_name(exc)
    return {"writes": [w.hex() for w in TELNET.transport.writes], "error": err}


def web(case):
    WEB.protocol_flags = dict(case["flags"])
    fmt = case["format"]
    WEB.wire_format = WIRE_FORMATS[fmt] if fmt is not None else None
    del WEB_SENT[:]
    err = None
    kwargs = dict(case["kwargs"])
    try:
        if case["prompt"]:
            WEB.send_prompt(*case["args"], **kwargs)
        else:
            WEB.send_text(*case["args"], **kwargs)
    except Exception as exc:
        err = error_name(exc)
    return {"frames": list(WEB_SENT), "error": err}


def guarded(fn):
    try:
        return {"out": fn(), "error": None}
    except Exception as exc:
        return {"out": None, "error": error_name(exc)}


class Session:
    def __init__(self, flags):
        self.protocol_flags = flags
        self.sent = []

    def sendLine(self, line):
        self.sent.append(line)


def to_bytes(case):
    settings.ENCODINGS = case["encodings"]
    flags = {} if case["session"] is None else {"ENCODING": case["session"]}
    return guarded(lambda: utils.to_bytes(case["text"], Session(flags)).hex())


def to_str(case):
    settings.ENCODINGS = case["encodings"]
    flags = {} if case["session"] is None else {"ENCODING": case["session"]}
    return guarded(lambda: utils.to_str(bytes.fromhex(case["data"]), Session(flags)))


def input_decode(case):
    session = Session({"ENCODING": case["encoding"]})
    try:
        out = SessionHandler().clean_senddata(session, {"text": bytes.fromhex(case["data"])})
        text, err = out["text"][0][0], None
    except Exception as exc:
        text, err = None, error_name(exc)
    return {"text": text, "sent": session.sent, "flag": session.protocol_flags["ENCODING"], "error": err}


def lookup(case):
    try:
        info = codecs.lookup(case["name"])
        return {"name": info.name, "text": info._is_text_encoding, "error": None}
    except Exception as exc:
        return {"name": None, "text": None, "error": error_name(exc)}


def encode(case):
    return guarded(lambda: case["text"].encode(case["codec"], case["errors"]).hex())


def decode(case):
    return guarded(lambda: bytes.fromhex(case["data"]).decode(case["codec"], case["errors"]))


def ranges(pattern):
    rx = re.compile(pattern)
    out, start = [], None
    for c in range(0x110000):
        ok = rx.match(chr(c)) is not None
        if ok and start is None:
            start = c
        if not ok and start is not None:
            out.append([start, c - 1])
            start = None
    if start is not None:
        out.append([start, 0x10FFFF])
    return out


def tables(case):
    mods = sorted(m.name for m in pkgutil.iter_modules(encodings.__path__))
    kinds = {}
    for m in mods:
        try:
            kinds[m] = "Text" if codecs.lookup(m)._is_text_encoding else "NonText"
        except LookupError:
            kinds[m] = "Unavailable"
    from encodings import cp1252

    return {
        "aliases": sorted(aliases.aliases.items()),
        "modules": [[m, kinds[m]] for m in mods],
        "cp1252": [ord(c) for c in cp1252.decoding_table[128:]],
        "word": ranges(r"\w"),
        "space": ranges(r"\s"),
    }


HANDLERS = {
    "telnet": telnet,
    "web": web,
    "ansi": lambda c: guarded(
        lambda: ansi.parse_ansi(
            c["text"], strip_ansi=c["strip_ansi"], xterm256=c["xterm256"], mxp=c["mxp"], truecolor=c["truecolor"]
        )
    ),
    "html": lambda c: guarded(lambda: parse_html(c["text"], strip_ansi=c["strip_ansi"])),
    "to_bytes": to_bytes,
    "to_str": to_str,
    "input": input_decode,
    "lookup": lookup,
    "encode": encode,
    "decode": decode,
    "tables": tables,
}


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        out.write(json.dumps(HANDLERS[case["k"]](case)))
        out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
