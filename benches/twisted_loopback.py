"""Twisted's side of the loopback benchmark (benches/run-loopback.sh).

    twisted_loopback.py server NODELAY
        Listens on 127.0.0.1 (a free port), prints the port, answers Sum and
        Echo until stdin closes (or after 15 minutes).

    twisted_loopback.py client PORT NODELAY WORKLOAD INFLIGHT SECONDS
        WORKLOAD is "sum" (Sum(a, b) -> total) or "echo" (Echo of a 60 KiB
        String). Keeps INFLIGHT calls outstanding on one connection: warms up
        for 0.5 s, then counts the answers that arrive within SECONDS, and
        prints one JSON line {"calls": N, "seconds": S, "cpu_seconds": C,
        "calls_total": T} (C: this process's CPU time while counting; T:
        answers including the warm-up).

NODELAY is 0 or 1: TCP_NODELAY on this side's sockets (Twisted leaves it off
by default). The Rust binary (benches/src/bin/loopback.rs) takes the same
arguments, so any client runs against any server.
"""

import json
import os
import resource
import sys
import time

from twisted.internet import protocol, reactor, stdio
from twisted.protocols import amp

ECHO_BYTES = 60 * 1024
WARMUP = 0.5


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


class Echo(amp.Command):
    arguments = [(b"value", amp.String())]
    response = [(b"value", amp.String())]


class Server(amp.AMP):
    def __init__(self, nodelay):
        super().__init__()
        self.nodelay = nodelay

    def connectionMade(self):
        super().connectionMade()
        self.transport.setTcpNoDelay(self.nodelay)

    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    @Echo.responder
    def echo(self, value):
        return {"value": value}


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StopOnEof(protocol.Protocol):
    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def serve(nodelay):
    # Room for the idle-connection measurement (thousands of sockets).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    factory = protocol.Factory.forProtocol(lambda: Server(nodelay))
    # Twisted's default backlog (50) overflows when thousands connect at once.
    port = reactor.listenTCP(0, factory, backlog=1024, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    stdio.StandardIO(StopOnEof())
    reactor.callLater(900, lambda: os._exit(3))
    reactor.run()


class Load:
    """INFLIGHT loops, each calling again as soon as its answer arrives."""

    def __init__(self, proto, workload, inflight, seconds):
        self.proto = proto
        self.inflight = inflight
        self.seconds = seconds
        self.counting = False
        self.stopping = False
        self.calls = 0
        self.calls_total = 0
        self.running = 0
        self.started = 0.0
        if workload == "sum":
            self.command, self.kwargs, self.expect = Sum, {"a": 1, "b": 2}, {"total": 3}
        else:
            payload = bytes(i % 251 for i in range(ECHO_BYTES))
            self.command, self.kwargs, self.expect = Echo, {"value": payload}, {"value": payload}

    def start(self):
        for _ in range(self.inflight):
            self.running += 1
            self.call()
        reactor.callLater(WARMUP, self.begin)

    def begin(self):
        self.counting = True
        self.started = time.perf_counter()
        self.cpu_started = cpu_seconds()
        reactor.callLater(self.seconds, self.end)

    def end(self):
        self.elapsed = time.perf_counter() - self.started
        self.cpu = cpu_seconds() - self.cpu_started
        self.counting = False
        self.stopping = True

    def call(self):
        d = self.proto.callRemote(self.command, **self.kwargs)
        d.addCallbacks(self.answered, self.failed)

    def answered(self, result):
        if result != self.expect:
            self.failed(f"unexpected answer {result!r:.100}")
            return
        self.calls_total += 1
        if self.counting:
            self.calls += 1
        if self.stopping:
            self.running -= 1
            if self.running == 0:
                self.done()
        else:
            self.call()

    def failed(self, why):
        print(f"twisted_loopback.py: call failed: {why}", file=sys.stderr, flush=True)
        os._exit(1)

    def done(self):
        summary = {
            "calls": self.calls,
            "seconds": self.elapsed,
            "cpu_seconds": self.cpu,
            "calls_total": self.calls_total,
        }
        print(json.dumps(summary), flush=True)
        self.proto.transport.loseConnection()
        reactor.stop()


def run_client(port, nodelay, workload, inflight, seconds):
    def connected(proto):
        proto.transport.setTcpNoDelay(nodelay)
        Load(proto, workload, inflight, seconds).start()

    def failed(why):
        print(f"twisted_loopback.py: cannot connect: {why}", file=sys.stderr, flush=True)
        os._exit(1)

    creator = protocol.ClientCreator(reactor, amp.AMP)
    creator.connectTCP("127.0.0.1", port).addCallbacks(connected, failed)
    reactor.callLater(seconds + 60, lambda: os._exit(3))
    reactor.run()


def main(argv):
    if len(argv) == 3 and argv[1] == "server":
        serve(argv[2] == "1")
    elif len(argv) == 7 and argv[1] == "client" and argv[4] in ("sum", "echo"):
        run_client(int(argv[2]), argv[3] == "1", argv[4], int(argv[5]), float(argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
