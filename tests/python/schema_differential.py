"""AMP commands for the schema differential test (tests/tests/schema_differential.rs).

Imports only Twisted. The commands cover every Twisted argument type
(required and optional, in arguments and responses), ListOf and AmpList
nested, Descriptor, a custom Integer subclass for integers of any size,
declared and fatal errors (inherited and overridden), requiresAnswer=False,
custom commandNames, and field names that are Rust or Python keywords or
hold dashes.

tools/export_schema.py exports this module to tests/fixtures/schema_differential.toml
(the header of that file says how to regenerate it); the Rust test builds the
generated code from that file and compares it with what these classes do in
Twisted (tests/python/schema_differential_bytes.py).
"""

from twisted.protocols import amp


class BigInteger(amp.Integer):
    """Twisted's Integer, any size: a custom type so the schema can map it to
    amp_runtime's Integer<BigInt> (a built-in Integer exports as i64)."""


class Refused(Exception):
    pass


class Overflowed(ArithmeticError):
    pass


class Fatal(Exception):
    pass


class Meltdown(Exception):
    pass


class Scalars(amp.Command):
    """Every scalar type: required in the arguments, optional in the response."""

    arguments = [
        (b"integer", amp.Integer()),
        (b"string", amp.String()),
        (b"unicode", amp.Unicode()),
        (b"path", amp.Path()),
        (b"boolean", amp.Boolean()),
        (b"float", amp.Float()),
        (b"decimal", amp.Decimal()),
        (b"datetime", amp.DateTime()),
    ]
    response = [
        (b"integer", amp.Integer(optional=True)),
        (b"string", amp.String(optional=True)),
        (b"unicode", amp.Unicode(optional=True)),
        (b"path", amp.Path(optional=True)),
        (b"boolean", amp.Boolean(optional=True)),
        (b"float", amp.Float(optional=True)),
        (b"decimal", amp.Decimal(optional=True)),
        (b"datetime", amp.DateTime(optional=True)),
    ]


class Lists(amp.Command):
    """ListOf every scalar type, and nested ListOf."""

    arguments = [
        (b"integers", amp.ListOf(amp.Integer())),
        (b"strings", amp.ListOf(amp.String())),
        (b"texts", amp.ListOf(amp.Unicode())),
        (b"paths", amp.ListOf(amp.Path())),
        (b"flags", amp.ListOf(amp.Boolean())),
        (b"floats", amp.ListOf(amp.Float())),
        (b"decimals", amp.ListOf(amp.Decimal())),
        (b"times", amp.ListOf(amp.DateTime())),
        (b"matrix", amp.ListOf(amp.ListOf(amp.Integer()))),
        (b"cube", amp.ListOf(amp.ListOf(amp.ListOf(amp.Unicode())))),
    ]
    response = [
        (b"maybe", amp.ListOf(amp.Float(), optional=True)),
        (b"grid", amp.ListOf(amp.ListOf(amp.Decimal()), optional=True)),
    ]


class Tables(amp.Command):
    """AmpList with optional fields, nested AmpList, optional AmpList."""

    arguments = [
        (
            b"rows",
            amp.AmpList(
                [
                    (b"id", amp.Integer()),
                    (b"label", amp.Unicode(optional=True)),
                    (b"tags", amp.ListOf(amp.String(), optional=True)),
                    (b"when", amp.DateTime(optional=True)),
                ]
            ),
        ),
        (
            b"tree",
            amp.AmpList(
                [
                    (b"name", amp.Unicode()),
                    (
                        b"children",
                        amp.AmpList(
                            [
                                (b"leaf", amp.Boolean()),
                                (b"weight", amp.Float(optional=True)),
                                (
                                    b"grandchildren",
                                    amp.AmpList([(b"v", amp.Decimal(optional=True))], optional=True),
                                ),
                            ],
                            optional=True,
                        ),
                    ),
                ]
            ),
        ),
        (b"extra", amp.AmpList([(b"note", amp.Unicode(optional=True))], optional=True)),
    ]
    response = [
        (
            b"summary",
            amp.AmpList(
                [
                    (b"key", amp.String()),
                    (b"count", amp.Integer(optional=True)),
                    (b"where", amp.Path(optional=True)),
                ]
            ),
        )
    ]


class KeywordNames(amp.Command):
    """Wire names that are Rust keywords (raw or not), Python keywords
    (Twisted title-cases those: `in` is the Python name `In`), or hold dashes."""

    commandName = b"keyword-names"
    arguments = [
        (b"type", amp.Unicode()),
        (b"match", amp.Integer()),
        (b"self", amp.Boolean()),
        (b"fn", amp.String(optional=True)),
        (b"Self", amp.Float(optional=True)),
        (b"crate", amp.Integer(optional=True)),
        (b"super", amp.Unicode(optional=True)),
        (b"async", amp.ListOf(amp.Integer(), optional=True)),
        (b"in", amp.Unicode(optional=True)),
        (b"from", amp.Integer(optional=True)),
        (b"my-arg", amp.Unicode()),
        (b"x-y-z", amp.ListOf(amp.Unicode(), optional=True)),
        (b"_", amp.Boolean(optional=True)),
        (
            b"move",
            amp.AmpList(
                [
                    (b"where", amp.Unicode()),
                    (b"my-field", amp.Integer(optional=True)),
                    (b"class", amp.Boolean(optional=True)),
                ]
            ),
        ),
    ]
    response = [
        (b"type", amp.Integer()),
        (b"return", amp.Unicode(optional=True)),
        (b"my-result", amp.Boolean()),
        (b"self", amp.AmpList([(b"for", amp.Integer()), (b"if-else", amp.Unicode(optional=True))], optional=True)),
    ]
    errors = {KeyError: b"NO-SUCH-KEY"}


class Notify(amp.Command):
    """Sent without _ask: no answer is expected."""

    commandName = b"notify-event"
    arguments = [(b"event", amp.Unicode()), (b"payload", amp.String(optional=True))]
    requiresAnswer = False


class Empty(amp.Command):
    """No arguments, no response."""


class Fail(amp.Command):
    """Declared and fatal errors."""

    commandName = b"fail-please"
    arguments = [(b"how", amp.Unicode())]
    response = [(b"never", amp.Boolean(optional=True))]
    errors = {ZeroDivisionError: b"ZERO_DIVISION", Refused: b"refused", KeyError: b"NO-SUCH-KEY"}
    fatalErrors = {Fatal: b"FATAL", MemoryError: b"OOM"}


class FailHarder(Fail):
    """Inherits Fail's errors and fatal errors and adds one. Its commandName is
    its class name: Twisted's metaclass sets it per class, it is not inherited."""

    errors = {Overflowed: b"OVERFLOW"}


class FailDemoted(Fail):
    """Overrides fatalErrors: Fail's fatal errors stay in allErrors, but
    Twisted closes the connection only for `key in command.fatalErrors`,
    so for this command they are plain errors."""

    fatalErrors = {Meltdown: b"MELTDOWN"}


class PassFds(amp.Command):
    """Descriptors, numbered by Twisted in declaration order (not key order),
    per connection, also inside an AmpList."""

    arguments = [
        (b"first", amp.Descriptor()),
        (b"label", amp.Unicode()),
        (b"second", amp.Descriptor()),
        (b"spare", amp.Descriptor(optional=True)),
        (b"bundle", amp.AmpList([(b"fd", amp.Descriptor()), (b"name", amp.Unicode(optional=True))])),
    ]
    response = [(b"echo", amp.Descriptor(optional=True)), (b"count", amp.Integer())]


class Huge(amp.Command):
    """Integers beyond 64 bits, through the custom BigInteger type."""

    arguments = [
        (b"big", BigInteger()),
        (b"bigs", amp.ListOf(BigInteger())),
        (b"small", amp.Integer()),
    ]
    response = [(b"product", BigInteger(optional=True))]
