"""A Twisted AMP server for `amp call` (tests/tests/cli_interop.rs).

    cli_server.py

Listens on 127.0.0.1 (a free port), prints the port as its first stdout
line, and answers the commands of cli_commands.py until its stdin closes or
TIMEOUT seconds pass. Each `amp call` is its own connection, so what Notify
receives is kept for the whole process and Log returns it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from twisted.internet import defer, protocol, reactor, stdio  # noqa: E402
from twisted.logger import globalLogBeginner, textFileLogObserver  # noqa: E402
from twisted.protocols import amp  # noqa: E402

from cli_commands import (  # noqa: E402
    AllTypes,
    DeclaredError,
    Divide,
    Fail,
    FatalError,
    Hang,
    Log,
    Notify,
    Slow,
    Sum,
)

TIMEOUT = 120
NOTES = []


class ServerAMP(amp.AMP):
    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    @Divide.responder
    def divide(self, numerator, denominator):
        return {"quotient": numerator / denominator}

    @Fail.responder
    def fail(self, kind):
        if kind == "declared":
            raise DeclaredError("declared: \u00e9")
        if kind == "fatal":
            raise FatalError("fatal: goodbye")
        return {}

    @AllTypes.responder
    def all_types(self, **values):
        seen = "; ".join(f"{k}={v!r}" for k, v in sorted(values.items()) if v is not None)
        answer = {k: v for k, v in values.items() if v is not None}
        answer["seen"] = seen
        return answer

    @Notify.responder
    def notify(self, text):
        NOTES.append(text)
        return {}

    @Log.responder
    def log(self):
        return {"notes": NOTES}

    @Slow.responder
    def slow(self):
        return defer.Deferred()  # never fires

    @Hang.responder
    def hang(self):
        self.transport.loseConnection()
        return defer.Deferred()  # the close is the only answer


class StdinWatcher(protocol.Protocol):
    """Stops the reactor when stdin closes: the Rust test is done with us."""

    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def timed_out():
    print(f"cli_server.py: stopping after {TIMEOUT} s", file=sys.stderr, flush=True)
    os._exit(3)


def main():
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(ServerAMP), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    stdio.StandardIO(StdinWatcher())
    reactor.callLater(TIMEOUT, timed_out)
    reactor.run()


if __name__ == "__main__":
    main()
