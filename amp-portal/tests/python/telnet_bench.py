"""Evennia 6.1's telnet protocol alone: CPU per command read and per line
sent, the same work amp-portal/benches/telnet.rs times on the Rust side.

    DJANGO_SETTINGS_MODULE=evennia.settings_default .venvs/ev61/bin/python amp-portal/tests/python/telnet_bench.py

The session handler is a stub (its data_in does nothing): this is the
telnet layer's cost, not the session layer's (rate limits, pickling, AMP).
"""

import time

import telnet_oracle  # noqa: F401  (patches Evennia's timers and logger)
from telnet_oracle import FakeHandler, Transport
from evennia.server.portal import telnet


class NullHandler(FakeHandler):
    def data_in(self, session, **kwargs):
        pass


def connection(mccp):
    factory = telnet.TelnetServerFactory()
    factory.protocol = telnet.TelnetProtocol
    factory.sessionhandler = NullHandler(0, 0.0)
    proto = factory.buildProtocol(("127.0.0.1", 0))
    transport = Transport()
    proto.makeConnection(transport)
    answers = b"\xff\xfc\x22\xff\xfd\x03\xff\xfb\x1f\xff\xfc\x18\xff\xfe\x46\xff\xfe\x45\xff\xfe\xc9\xff\xfe\x5b"
    proto.dataReceived(answers + (b"\xff\xfd\x56" if mccp else b"\xff\xfe\x56"))
    transport.clear()
    return proto, transport


def per_op(name, fn, transport, n=200_000):
    fn()
    start = time.process_time()
    for _ in range(n):
        fn()
        transport.clear()
    ns = (time.process_time() - start) / n * 1e9
    print(f"{name:<40} {ns:10.0f} ns")


def main():
    for mccp in (False, True):
        proto, transport = connection(mccp)
        tag = "MCCP" if mccp else "plain"
        per_op(f"read one command ({tag})", lambda: proto.dataReceived(b"look\r\n"), transport)
        per_op(f"read 10 commands in one read ({tag})", lambda: proto.dataReceived(b"say hello there\r\n" * 10), transport, 50_000)
        line = b"You are standing in a small room. Exits: north, south.\n"
        per_op(f"send one line ({tag})", lambda: proto.sendLine(line), transport)


if __name__ == "__main__":
    main()
