"""Two exceptions with the same class name: the exporter must refuse
(the schema names exceptions by class name). Imports only Twisted."""

from twisted.protocols import amp


def _make(name):
    return type(name, (Exception,), {})


First = _make("Clash")
Second = _make("Clash")


class A(amp.Command):
    errors = {First: b"ONE"}


class B(amp.Command):
    errors = {Second: b"TWO"}
