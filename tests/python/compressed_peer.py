"""Evennia's own `Compressed` argument, driven from the Rust tests.

Run in the ev61 venv (Evennia 6.1, DJANGO_SETTINGS_MODULE=evennia.settings_default).
Reads requests from stdin until EOF and writes one reply per request to
stdout, all binary, so one process serves a whole batch of cases:

  request: op (1 byte) + u32 big-endian length + data
    b"E": data is a payload; Evennia builds the MsgServer2Portal box for it
          (Command.makeArguments, which calls Compressed.toBox), adds
          _command/_ask as callRemote does, and serializes it.
    b"D": data is one serialized box; Evennia parses it (amp.parseString) and
          reads packed_data (Command.parseArguments -> Compressed.fromBox).
  reply: status (b"O" ok, b"X" Evennia raised) + u32 length + data
    (E: the box bytes; D: the payload; X: "ExceptionType: message").
"""

import struct
import sys

from twisted.protocols import amp as tamp

from evennia.server.portal.amp import MsgServer2Portal


def read_exact(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise SystemExit(f"compressed_peer: truncated request ({len(data)} of {n} bytes)")
    return data


def evennia_encode(payload):
    box = MsgServer2Portal.makeArguments({"packed_data": payload}, None)
    box[b"_command"] = b"MsgServer2Portal"
    box[b"_ask"] = b"1"
    return box.serialize()


def evennia_decode(data):
    boxes = tamp.parseString(data)
    if len(boxes) != 1:
        raise ValueError(f"expected one box, parsed {len(boxes)}")
    return MsgServer2Portal.parseArguments(boxes[0], None)["packed_data"]


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    ops = {b"E": evennia_encode, b"D": evennia_decode}
    while True:
        op = stdin.read(1)
        if not op:
            break
        (length,) = struct.unpack("!I", read_exact(stdin, 4))
        data = read_exact(stdin, length)
        if op not in ops:
            raise SystemExit(f"compressed_peer: unknown op {op!r}")
        try:
            status, out = b"O", ops[op](data)
        except tamp.TooLong as err:  # str() of TooLong is empty: spell it out
            detail = f"isKey={err.isKey} isLocal={err.isLocal} keyName={err.keyName!r} len={len(err.value)}"
            status, out = b"X", f"TooLong: {detail}".encode()
        except Exception as err:  # reported to the Rust side, which asserts on it
            status, out = b"X", f"{type(err).__name__}: {err}".encode()
        stdout.write(status + struct.pack("!I", len(out)) + out)
    stdout.flush()


if __name__ == "__main__":
    main()
