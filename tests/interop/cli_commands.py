"""The commands of the `amp` CLI interop tests, as Twisted declares them.

They mirror amp-cli/tests/fixtures/cli.toml, the schema the `amp` binary is
given; tests/tests/cli_interop.rs runs both sides.
"""

from twisted.protocols import amp


class DeclaredError(Exception):
    """Fail's declared error: DECLARED, the connection stays."""


class FatalError(Exception):
    """Fail's fatal error: FATAL, then the connection closes."""


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


class Divide(amp.Command):
    arguments = [(b"numerator", amp.Integer()), (b"denominator", amp.Integer())]
    response = [(b"quotient", amp.Float())]
    errors = {ZeroDivisionError: b"ZERO_DIVISION"}


class Fail(amp.Command):
    arguments = [(b"kind", amp.Unicode())]
    response = []
    errors = {DeclaredError: b"DECLARED"}
    fatalErrors = {FatalError: b"FATAL"}


ROW = [(b"x", amp.Integer()), (b"label", amp.Unicode(optional=True))]


def type_fields():
    """Every argument type, each optional (a fresh list: Twisted's Argument
    objects are not shared between commands)."""
    return [
        (b"integer", amp.Integer(optional=True)),
        (b"big", amp.Integer(optional=True)),
        (b"string", amp.String(optional=True)),
        (b"unicode", amp.Unicode(optional=True)),
        (b"path", amp.Path(optional=True)),
        (b"boolean", amp.Boolean(optional=True)),
        (b"float", amp.Float(optional=True)),
        (b"decimal", amp.Decimal(optional=True)),
        (b"datetime", amp.DateTime(optional=True)),
        (b"ints", amp.ListOf(amp.Integer(), optional=True)),
        (b"texts", amp.ListOf(amp.ListOf(amp.Unicode()), optional=True)),
        (b"rows", amp.AmpList(ROW, optional=True)),
        (b"from", amp.Unicode(optional=True)),
        (b"my-arg", amp.Unicode(optional=True)),
    ]


class AllTypes(amp.Command):
    commandName = b"all-types"
    arguments = type_fields()
    response = type_fields() + [(b"seen", amp.Unicode())]


class EchoTypes(amp.Command):
    commandName = b"echo-types"
    arguments = type_fields()
    response = type_fields()


class Notify(amp.Command):
    arguments = [(b"text", amp.Unicode())]
    requiresAnswer = False


class Log(amp.Command):
    arguments = []
    response = [(b"notes", amp.ListOf(amp.Unicode()))]


class Nope(amp.Command):
    arguments = []
    response = []


class Slow(amp.Command):
    arguments = []
    response = []


class Hang(amp.Command):
    arguments = []
    response = []


class Unknown(amp.Command):
    """Not in the schema at all."""

    arguments = [(b"x", amp.Integer())]
    response = []


class UnknownNotify(amp.Command):
    """Not in the schema, sent without _ask."""

    arguments = [(b"x", amp.Integer())]
    requiresAnswer = False
