"""AMP commands using every Twisted argument type, for the schema exporter
test (tests/tests/schema_drift.rs). Imports only Twisted."""

from twisted.protocols import amp


class Gizmo(amp.Unicode):
    """A custom argument type: the exporter names it by class name."""


class Disaster(Exception):
    pass


class Overflow(ArithmeticError):
    pass


class Everything(amp.Command):
    """Every built-in argument type once."""

    arguments = [
        (b"i", amp.Integer()),
        (b"s", amp.String()),
        (b"u", amp.Unicode()),
        (b"p", amp.Path()),
        (b"b", amp.Boolean()),
        (b"f", amp.Float()),
        (b"d", amp.Decimal()),
        (b"t", amp.DateTime()),
        (b"fd", amp.Descriptor()),
        (b"ints", amp.ListOf(amp.Integer())),
        (b"grid", amp.ListOf(amp.ListOf(amp.Float()), optional=True)),
        (b"rows", amp.AmpList([(b"x", amp.Integer()), (b"label", amp.Unicode(optional=True))])),
        (b"tree", amp.AmpList([(b"leaves", amp.AmpList([(b"v", amp.Boolean())])), (b"tags", amp.ListOf(amp.Unicode()))])),
        (b"gizmo", Gizmo()),
        (b"gizmos", amp.ListOf(Gizmo())),
        (b"my-arg", amp.String(optional=True)),
    ]
    response = [(b"ok", amp.Boolean())]
    errors = {ZeroDivisionError: b"ZERO", Overflow: b"OVERFLOW"}
    fatalErrors = {Disaster: b"DEAD"}


class Renamed(amp.Command):
    commandName = b"renamed-command"
    arguments = [(b"type", amp.Unicode())]
    requiresAnswer = False


class Inherited(Everything):
    """Errors accumulate over the bases."""

    arguments = []
    response = []
    errors = {KeyError: b"KEY"}


class Wide(amp.Command):
    response = [
        (
            b"records",
            amp.AmpList(
                [
                    (b"first_field_with_a_long_name", amp.Unicode()),
                    (b"second_field_with_a_long_name", amp.Integer()),
                    (b"third", amp.AmpList([(b"deep_field_with_a_long_name", amp.Decimal())])),
                ]
            ),
        )
    ]


class Responder(amp.AMP):
    """Answers two of the commands (and Twisted's StartTLS, as every AMP)."""

    @Renamed.responder
    def renamed(self, type):
        return {}

    @Everything.responder
    def everything(self, **kw):
        return {"ok": True}
