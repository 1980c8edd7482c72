"""What Twisted makes of the samples of tests/fixtures/schema_differential_samples.json,
for tests/tests/schema_differential.rs.

    python schema_differential_bytes.py SAMPLES.json

Prints one JSON document on stdout:

    {"twisted": version,
     "commands": [{"command": class name, "name": commandName, "requires_answer": bool,
                   "errors": [[exception, code], ...], "fatal_errors": [[exception, code], ...]}, ...],
     "samples": [{"hex": serialized box, "fds": [descriptor indexes in the order sent]}, ...]}

"commands" lists every Command class of tests/python/schema_differential.py in
definition order, with the error tables as Twisted uses them when a responder
fails: every entry of allErrors, fatal when `key in command.fatalErrors`.
"samples" follows the samples file: each is the box that
Command.makeArguments(values, proto) or Command.makeResponse(values, proto)
returns, serialized with Twisted's AmpBox.serialize (sorted keys), on a fresh
protocol per sample so descriptor ordinals start at 0 as on a new connection.

Values are built from the samples' type tags, checked against each field's
Argument class; a sample that does not fit its command is an error (exit 1)
rather than something Twisted would quietly coerce.

Descriptor: makeArguments numbers each descriptor with the protocol's
per-connection counter and hands the descriptor to
IUNIXTransport.sendFileDescriptor. The protocol here is a real amp.AMP
connected to a StringTransport that also provides sendFileDescriptor and
records what it is given (as Twisted's own test_amp does): the bytes of the
box are Twisted's, and the record says which descriptor got which ordinal.
The descriptors are real (each opens os.devnull) but travel nowhere, since
the Rust side is another process.
"""

import datetime
import decimal
import json
import os
import sys

import twisted
from twisted.internet.interfaces import IUNIXTransport
from twisted.internet.testing import StringTransport
from twisted.protocols import amp
from twisted.python.filepath import FilePath
from zope.interface import implementer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import schema_differential  # noqa: E402


class SampleError(Exception):
    """A sample that does not fit its command."""


@implementer(IUNIXTransport)
class RecordingUNIXTransport(StringTransport):
    """A StringTransport that accepts descriptors, recording them in order."""

    def __init__(self):
        super().__init__()
        self.sent_fds = []

    def sendFileDescriptor(self, descriptor):
        self.sent_fds.append(descriptor)


def untag(value, tag, where):
    if not (isinstance(value, dict) and list(value) == [tag]):
        raise SampleError("%s: expected {%r: ...}, got %r" % (where, tag, value))
    return value[tag]


def convert(value, argument, fds, where):
    """The Python value of a tagged sample value for `argument`."""
    # Subclasses first: Descriptor and BigInteger are Integers, Path is a Unicode is a String.
    if isinstance(argument, amp.Descriptor):
        index = untag(value, "fd", where)
        if not 0 <= index < len(fds):
            raise SampleError("%s: descriptor %r, but the sample opens %d" % (where, index, len(fds)))
        return fds[index]
    if isinstance(argument, amp.Integer):
        return int(untag(value, "int", where))
    if isinstance(argument, amp.Path):
        text = untag(value, "path", where)
        path = FilePath(text)
        # FilePath makes paths absolute and normalizes them: a sample Twisted
        # would rewrite says nothing about the codec.
        if path.path != text:
            raise SampleError("%s: FilePath(%r).path is %r" % (where, text, path.path))
        return path
    if isinstance(argument, amp.Unicode):
        return untag(value, "text", where)
    if isinstance(argument, amp.String):
        return bytes.fromhex(untag(value, "bytes", where))
    if isinstance(argument, amp.Boolean):
        flag = untag(value, "bool", where)
        if not isinstance(flag, bool):
            raise SampleError("%s: %r is not a JSON boolean" % (where, flag))
        return flag
    if isinstance(argument, amp.Float):
        return float(untag(value, "float", where))
    if isinstance(argument, amp.Decimal):
        return decimal.Decimal(untag(value, "decimal", where))
    if isinstance(argument, amp.DateTime):
        year, month, day, hour, minute, second, micro, offset = untag(value, "datetime", where)
        zone = datetime.timezone(datetime.timedelta(minutes=offset))
        return datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    if isinstance(argument, amp.ListOf):
        items = untag(value, "list", where)
        return [convert(v, argument.elementType, fds, "%s[%d]" % (where, i)) for i, v in enumerate(items)]
    if isinstance(argument, amp.AmpList):
        rows = untag(value, "rows", where)
        return [objects(row, argument.subargs, fds, "%s[%d]" % (where, i)) for i, row in enumerate(rows)]
    raise SampleError("%s: no sample conversion for %r" % (where, argument))


def objects(values, arglist, fds, where):
    """The keyword dict Twisted expects (Python identifiers as keys) for a
    box of wire-name -> tagged value; null or left out is an absent optional."""
    if not isinstance(values, dict):
        raise SampleError("%s: a box is a JSON object, got %r" % (where, values))
    known = {name.decode("ascii"): argument for name, argument in arglist}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SampleError("%s: no field named %s" % (where, ", ".join(unknown)))
    out = {}
    for wire, argument in known.items():
        value = values.get(wire)
        if value is None:
            if not argument.optional:
                raise SampleError("%s: required field %r is missing" % (where, wire))
            continue
        out[amp._wireNameToPythonIdentifier(wire.encode("ascii"))] = convert(
            value, argument, fds, "%s.%s" % (where, wire)
        )
    return out


def commands():
    """The Command classes of the module, in definition order."""
    found = []
    for value in vars(schema_differential).values():
        if isinstance(value, type) and issubclass(value, amp.Command) and value is not amp.Command:
            if value.__module__ == schema_differential.__name__:
                found.append(value)
    return found


def describe(command):
    errors, fatal = [], []
    for exception, code in command.allErrors.items():
        (fatal if exception in command.fatalErrors else errors).append([exception.__name__, code.decode("ascii")])
    return {
        "command": command.__name__,
        "name": command.commandName.decode("ascii"),
        "requires_answer": bool(command.requiresAnswer),
        "errors": errors,
        "fatal_errors": fatal,
    }


def encode(sample, index, classes):
    where = "sample %d (%s %s, %s)" % (index, sample.get("command"), sample.get("box"), sample.get("label"))
    command = classes.get(sample.get("command"))
    if command is None:
        raise SampleError("%s: no such command" % where)
    side = sample.get("box")
    if side not in ("arguments", "response"):
        raise SampleError("%s: box must be arguments or response" % where)
    fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(sample.get("fds", 0))]
    try:
        arglist = command.arguments if side == "arguments" else command.response
        values = objects(sample["values"], arglist, fds, where)
        transport = RecordingUNIXTransport()
        proto = amp.AMP()
        proto.makeConnection(transport)
        if side == "arguments":
            box = command.makeArguments(values, proto)
        else:
            box = command.makeResponse(values, proto)
        return {"hex": box.serialize().hex(), "fds": [fds.index(fd) for fd in transport.sent_fds]}
    finally:
        for fd in fds:
            os.close(fd)


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: schema_differential_bytes.py SAMPLES.json\n")
        return 2
    with open(argv[0], encoding="utf-8") as f:
        samples = json.load(f)["samples"]
    found = commands()
    classes = {c.__name__: c for c in found}
    try:
        encoded = [encode(sample, i, classes) for i, sample in enumerate(samples)]
    except SampleError as exc:
        sys.stderr.write("schema_differential_bytes.py: %s\n" % exc)
        return 1
    out = {"twisted": twisted.__version__, "commands": [describe(c) for c in found], "samples": encoded}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
