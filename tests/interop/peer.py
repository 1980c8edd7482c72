"""A real Twisted AMP peer for the interop tests (tests/tests/interop_*.rs).

    peer.py server CERTDIR
        Listens on 127.0.0.1 (a free port), prints the port as the first line
        of stdout, and answers the commands of commands.py until its stdin
        closes (the Rust test holds it) or TIMEOUT seconds pass.

    peer.py client PORT CERTDIR
        Runs every check against an AMP server on 127.0.0.1:PORT (the Rust
        server under test), prints the port line "0", then one JSON line
        {"twisted": ..., "python": ..., "checks": {name: "ok" | why}} and exits.

CERTDIR holds PEM files the Rust test wrote: server.pem (certificate and key
of the TLS server side, for "localhost" and 127.0.0.1), ca.pem (that
certificate alone, the root the TLS client trusts) and other.pem (a
certificate nobody uses, a wrong root).

Both roles stop by themselves after TIMEOUT seconds, whatever happens.
"""

import json
import os
import random
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import twisted  # noqa: E402
from twisted.internet import defer, endpoints, error, protocol, reactor, ssl, stdio, task  # noqa: E402
from twisted.internet.interfaces import ISSLTransport  # noqa: E402
from twisted.logger import globalLogBeginner, textFileLogObserver  # noqa: E402
from twisted.protocols import amp  # noqa: E402

from commands import (  # noqa: E402
    CASES,
    DeclaredError,
    Delayed,
    Divide,
    Fail,
    FatalError,
    Hang,
    Log,
    Mismatch,
    Nope,
    NopeNotify,
    Notify,
    Sum,
    Switch,
    SwitchRefused,
    TlsInfo,
    Types,
    diff,
    expected,
)

TIMEOUT = 90
# How long a check waits for something that should happen at once (an answer,
# the connection closing).
PROMPT = 10


def read_pem(certdir, name):
    with open(os.path.join(certdir, name), "rb") as f:
        return f.read()


# ---------------------------------------------------------------- server role


class ServerAMP(amp.AMP):
    """The Python server the Rust client tests call."""

    def __init__(self, certificate):
        super().__init__()
        self.certificate = certificate
        self.notes = []
        self.asks = []

    def ampBoxReceived(self, box):
        # Record the tag of every command box, to check the caller's counter.
        if amp.COMMAND in box and amp.ASK in box:
            self.asks.append(box[amp.ASK])
        super().ampBoxReceived(box)

    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    @Divide.responder
    def divide(self, numerator, denominator):
        return {"quotient": numerator // denominator}

    @Fail.responder
    def fail(self, kind):
        if kind == "declared":
            raise DeclaredError("declared: \u00e9 \U0001d11e")
        if kind == "fatal":
            raise FatalError("fatal: goodbye")
        if kind in ("undeclared", "panic"):
            raise RuntimeError("an undeclared failure")
        return {}

    @Types.responder
    def types(self, case, **values):
        if case not in CASES:
            raise Mismatch(f"unknown case {case!r}")
        problems = diff(case, values)
        if problems:
            raise Mismatch(f"{case}: {problems}")
        return {k: v for k, v in expected(case).items() if v is not None}

    @Delayed.responder
    def delayed(self, id, delay_ms):
        return task.deferLater(reactor, delay_ms / 1000.0, lambda: {"id": id})

    @Notify.responder
    def notify(self, text):
        if text == "raise":
            raise RuntimeError("Notify asked to fail")
        self.notes.append(text)
        return {}

    @Log.responder
    def log(self):
        return {"notes": self.notes, "asks": self.asks}

    @Hang.responder
    def hang(self, how):
        if how == "abort":
            self.transport.abortConnection()
        elif how == "half_box":
            answer = amp.AmpBox({b"_answer": b"ffff", b"padding": b"x" * 1000}).serialize()
            self.transport.write(answer[: len(answer) // 2])
            self.transport.loseConnection()
        else:
            self.transport.loseConnection()
        return defer.Deferred()  # never fires: the call is answered by the close

    @Switch.responder
    def switch(self, name):
        if name == "refuse":
            raise SwitchRefused("not now")
        return Upper(name)

    @TlsInfo.responder
    def tls_info(self):
        return {"tls": ISSLTransport.providedBy(self.transport)}

    @amp.StartTLS.responder
    def start_tls(self):
        return {"tls_localCertificate": self.certificate}


class Upper(protocol.Protocol):
    """The protocol after a Switch: a greeting, then an upper-casing echo."""

    def __init__(self, name):
        self.name = name

    def connectionMade(self):
        self.transport.write(b"HELLO " + self.name.encode() + b"\n")

    def dataReceived(self, data):
        self.transport.write(data.upper())


class StdinWatcher(protocol.Protocol):
    """Stops the reactor when stdin closes: the Rust test is done with us."""

    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def run_server(certdir):
    certificate = ssl.PrivateCertificate.loadPEM(read_pem(certdir, "server.pem"))
    factory = protocol.Factory.forProtocol(lambda: ServerAMP(certificate))
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    stdio.StandardIO(StdinWatcher())
    reactor.callLater(TIMEOUT, timed_out)
    reactor.run()


def timed_out():
    print(f"peer.py: stopping after {TIMEOUT} s", file=sys.stderr, flush=True)
    os._exit(3)


# ---------------------------------------------------------------- client role


class CheckFailed(Exception):
    pass


def expect(condition, why):
    if not condition:
        raise CheckFailed(why)


class ClientAMP(amp.AMP):
    """An AMP client that remembers how its connection ended."""

    def __init__(self):
        super().__init__()
        self.lost = defer.Deferred()

    def connectionLost(self, reason):
        super().connectionLost(reason)
        # The reason is a Failure: passing it to callback() would errback.
        self.lost.callback(reason.value)


class RawClient(protocol.Protocol):
    """A plain TCP connection, for bytes that are not (whole) AMP boxes."""

    def __init__(self):
        self.lost = defer.Deferred()
        self.received = b""

    def dataReceived(self, data):
        self.received += data

    def connectionLost(self, reason):
        self.lost.callback(reason.value)


class Client:
    def __init__(self, port, certdir):
        self.port = port
        self.certdir = certdir
        self.endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=PROMPT)

    async def amp(self):
        return await endpoints.connectProtocol(self.endpoint, ClientAMP())

    async def raw(self):
        return await endpoints.connectProtocol(self.endpoint, RawClient())


async def within(d, seconds=PROMPT):
    """Awaits `d`, failing the check if it takes longer than `seconds`."""
    d.addTimeout(seconds, reactor)
    return await d


async def closed_by_peer(proto, what):
    """The connection must end by itself, promptly."""
    try:
        await within(proto.lost)
    except defer.TimeoutError:
        proto.transport.abortConnection()
        raise CheckFailed(f"{what}: the server kept the connection open")


async def expect_failure(d, exc_type, what):
    try:
        result = await within(d)
    except exc_type as e:
        return e
    except defer.TimeoutError:
        raise CheckFailed(f"{what}: no answer within {PROMPT} s")
    except Exception as e:
        raise CheckFailed(f"{what}: expected {exc_type.__name__}, got {type(e).__name__}: {e!r}")
    raise CheckFailed(f"{what}: expected {exc_type.__name__}, got the answer {result!r}")


async def still_works(proto, what):
    result = await within(proto.callRemote(Sum, a=20, b=22))
    expect(result == {"total": 42}, f"{what}: Sum after it gave {result!r}")


CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
async def sum_(c):
    p = await c.amp()
    for a, b in [(2, 3), (-(2**62), -(2**62)), (0, 0), (2**63 - 2, 1)]:
        result = await within(p.callRemote(Sum, a=a, b=b))
        expect(result == {"total": a + b}, f"Sum({a}, {b}) gave {result!r}")
    p.transport.loseConnection()


@check
async def types(c):
    p = await c.amp()
    problems = []
    for case in CASES:
        try:
            values = {k: v for k, v in expected(case).items() if v is not None}
            result = await within(p.callRemote(Types, case=case, **values))
            d = diff(case, result)
            if d:
                problems.append(f"{case} (answer): {d}")
        except Mismatch as e:
            problems.append(f"{case} (the server received other values): {e}")
    expect(not problems, " | ".join(problems))
    p.transport.loseConnection()


@check
async def declared_error(c):
    p = await c.amp()
    e = await expect_failure(p.callRemote(Divide, numerator=1, denominator=0), ZeroDivisionError, "Divide(1, 0)")
    expect(str(e) == "integer division or modulo by zero", f"description {str(e)!r}")
    result = await within(p.callRemote(Divide, numerator=7, denominator=2))
    expect(result == {"quotient": 3}, f"Divide(7, 2) gave {result!r}")
    e = await expect_failure(p.callRemote(Fail, kind="declared"), DeclaredError, "Fail(declared)")
    expect(str(e) == "declared: \u00e9 \U0001d11e", f"description {str(e)!r}")
    await still_works(p, "a declared error")
    expect(not p.lost.called, "the connection closed after a declared error")
    p.transport.loseConnection()


@check
async def fatal_error(c):
    p = await c.amp()
    e = await expect_failure(p.callRemote(Fail, kind="fatal"), FatalError, "Fail(fatal)")
    expect(str(e) == "fatal: goodbye", f"description {str(e)!r}")
    await closed_by_peer(p, "after a fatal error")


@check
async def undeclared_error(c):
    # "panic": the Rust handler panics; "undeclared": it fails in a way no
    # errors table declares. Both are answered as Twisted answers an
    # undeclared exception, then the connection closes.
    for kind in ["undeclared", "panic"]:
        p = await c.amp()
        e = await expect_failure(p.callRemote(Fail, kind=kind), amp.UnknownRemoteError, f"Fail({kind})")
        expect(
            e.errorCode == b"UNKNOWN" and e.description == "Unknown Error",
            f"Fail({kind}): got {e.errorCode!r} {e.description!r}",
        )
        await closed_by_peer(p, f"after Fail({kind})")


@check
async def unhandled(c):
    p = await c.amp()
    e = await expect_failure(p.callRemote(Nope), amp.UnhandledCommand, "Nope")
    expect(e.args == (b"UNHANDLED", "Unhandled Command: b'Nope'"), f"got {e.args!r}")
    e = await expect_failure(p.callRemoteString(b"No\x00pe'"), amp.UnhandledCommand, "a binary command name")
    expect(e.args == (b"UNHANDLED", "Unhandled Command: " + repr(b"No\x00pe'")), f"got {e.args!r}")
    await still_works(p, "UNHANDLED")
    p.transport.loseConnection()


@check
async def unhandled_without_ask(c):
    # Twisted drops the connection when a box without _ask fails (nothing can
    # be answered); amp-runtime deliberately logs it and keeps the connection.
    p = await c.amp()
    await still_works(p, "before")
    p.callRemote(NopeNotify)
    await still_works(p, "an unhandled command without _ask")
    # A server about to close may still answer what came in the same read:
    # give it time to close before checking that it did not.
    await task.deferLater(reactor, 0.2, lambda: None)
    await still_works(p, "an unhandled command without _ask, later")
    expect(not p.lost.called, "the connection closed")
    p.transport.loseConnection()


@check
async def bad_argument(c):
    p = await c.amp()
    e = await expect_failure(
        p.callRemoteString(b"Types", case=b"true", boolean=b"true"), amp.RemoteAmpError, "Boolean 'true'"
    )
    expect(e.errorCode == b"UNKNOWN" and e.description == "Unknown Error", f"got {e.errorCode!r} {e.description!r}")
    await closed_by_peer(p, "after an unparsable argument")
    p = await c.amp()
    e = await expect_failure(p.callRemoteString(b"Sum", a=b"1"), amp.RemoteAmpError, "Sum without b")
    expect(e.errorCode == b"UNKNOWN" and e.description == "Unknown Error", f"got {e.errorCode!r} {e.description!r}")
    await closed_by_peer(p, "after a missing argument")


@check
async def notify(c):
    p = await c.amp()
    await still_works(p, "before")
    for text in ["a", "\U0001d11e", ""]:
        expect(p.callRemote(Notify, text=text) is None, "Notify returned a Deferred")
    result = await within(p.callRemote(Log))
    expect(result["notes"] == ["a", "\U0001d11e", ""], f"notes {result['notes']!r}")
    # A failing responder for a box without _ask: Twisted drops the
    # connection, amp-runtime deliberately keeps it (see unhandled_without_ask).
    p.callRemote(Notify, text="raise")
    await task.deferLater(reactor, 0.2, lambda: None)
    p.callRemote(Notify, text="after")
    result = await within(p.callRemote(Log))
    expect(result["notes"] == ["a", "\U0001d11e", "", "after"], f"notes after a failure {result['notes']!r}")
    expect(not p.lost.called, "the connection closed")
    p.transport.loseConnection()


@check
async def concurrent_1000(c):
    p = await c.amp()
    order = []
    calls = []
    for i in range(1000):
        d = p.callRemote(Delayed, id=i, delay_ms=(i * 7919) % 97)
        d.addCallback(lambda r, i=i: order.append((i, r["id"])))
        calls.append(d)
    results = await within(defer.gatherResults(calls, consumeErrors=True), 30)
    expect(len(results) == 1000, f"{len(results)} answers")
    wrong = [(i, got) for i, got in order if i != got]
    expect(not wrong, f"answers to the wrong call: {wrong[:5]}")
    expect([i for i, _ in order] != sorted(i for i, _ in order), "answers came in call order")
    p.transport.loseConnection()


@check
async def stray_answer(c):
    p = await c.amp()
    # Answers to calls never made: Twisted would drop the connection; this
    # project logs and drops the box and keeps the connection.
    p.transport.write(amp.AmpBox({b"_answer": b"999", b"x": b"1"}).serialize())
    p.transport.write(
        amp.AmpBox({b"_error": b"998", b"_error_code": b"X", b"_error_description": b"y"}).serialize()
    )
    await still_works(p, "stray answers")
    await task.deferLater(reactor, 0.2, lambda: None)
    await still_works(p, "stray answers, later")
    expect(not p.lost.called, "the connection closed")
    p.transport.loseConnection()


@check
async def hang_close(c):
    p = await c.amp()
    slow = p.callRemote(Delayed, id=1, delay_ms=60_000)
    await expect_failure(p.callRemote(Hang, how="close"), error.ConnectionDone, "Hang(close)")
    await expect_failure(slow, error.ConnectionDone, "a call outstanding when the connection closed")


@check
async def client_half_box(c):
    box = amp.AmpBox({b"_command": b"Sum", b"_ask": b"1", b"a": b"1", b"b": b"2"}).serialize()
    for cut in [1, 3, len(box) // 2, len(box) - 1]:
        r = await c.raw()
        r.transport.write(box[:cut])
        await task.deferLater(reactor, 0.01, lambda: None)
        r.transport.loseConnection()
        await within(r.lost)
    # A box left half-written on an open connection does not hold up others.
    stalled = await c.raw()
    stalled.transport.write(box[: len(box) // 2])
    p = await c.amp()
    await still_works(p, "a half box on another connection")
    stalled.transport.write(box[len(box) // 2 :])
    for _ in range(PROMPT * 100):
        if b"_answer" in stalled.received:
            break
        await task.deferLater(reactor, 0.01, lambda: None)
    expect(b"_answer" in stalled.received, f"the completed half box was not answered: {stalled.received!r}")
    stalled.transport.loseConnection()
    p.transport.loseConnection()


@check
async def garbage(c):
    """Garbage on some connections while others keep calling."""
    good = [await c.amp() for _ in range(4)]
    state = {"calls": 0, "errors": [], "stop": False}

    async def keep_calling(p):
        n = 0
        while not state["stop"]:
            n += 1
            try:
                r = await within(p.callRemote(Sum, a=n, b=1))
                if r != {"total": n + 1}:
                    state["errors"].append(f"Sum({n}, 1) gave {r!r}")
                state["calls"] += 1
            except Exception as e:
                state["errors"].append(f"{type(e).__name__}: {e}")
                return

    workers = [defer.ensureDeferred(keep_calling(p)) for p in good]
    rng = random.Random(20240501)
    kinds = {
        "random": rng.randbytes(256 * 1024),
        "key_too_long": b"\x01\x00" + b"k" * 256,
        "http": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "empty_box": b"\x00\x00",
        "no_command": amp.AmpBox({b"a": b"1"}).serialize(),
        "endless_box": b"\x00\x01k\x00\x00" * 300_000,
        "key_too_long_later": b"\x00\x01a\x00\x01b\x01\x00",
    }
    problems = []
    for name, data in kinds.items():
        r = await c.raw()
        r.transport.write(data)
        try:
            await within(r.lost)
        except defer.TimeoutError:
            r.transport.abortConnection()
            problems.append(f"{name}: the server kept the connection open")
    state["stop"] = True
    await within(defer.gatherResults(workers, consumeErrors=True), 30)
    expect(not problems, "; ".join(problems))
    expect(not state["errors"], f"calls on good connections failed: {state['errors'][:5]}")
    expect(state["calls"] > 0, "no call completed on the good connections")
    for p in good:
        await still_works(p, "garbage on other connections")
        p.transport.loseConnection()


@check
async def max_size(c):
    p = await c.amp()
    result = await within(p.callRemoteString(b"Types", case=b"max_string", string=CASES["max_string"]["string"]))
    expect(result.get(b"string") == CASES["max_string"]["string"], "65,535-byte value changed")
    # One byte more cannot be sent at all (Twisted's own check, before the wire).
    try:
        p.callRemoteString(b"Types", case=b"none", string=b"x" * 65536)
        raise CheckFailed("Twisted sent a 65,536-byte value")
    except amp.TooLong:
        pass
    await still_works(p, "the refused value")
    p.transport.loseConnection()


class Collector(protocol.Protocol):
    """The client side of the switched protocol: collects what arrives."""

    def __init__(self):
        self.data = b""
        self.waiting = None

    def dataReceived(self, data):
        self.data += data
        if self.waiting and self.data.startswith(self.waiting[0]):
            d, self.waiting = self.waiting[1], None
            d.callback(None)

    async def received(self, expected):
        if not self.data.startswith(expected):
            d = defer.Deferred()
            self.waiting = (expected, d)
            try:
                await within(d)
            except defer.TimeoutError:
                raise CheckFailed(f"expected {expected!r} after the switch, got {self.data!r}")


class CollectorFactory(protocol.ClientFactory):
    def __init__(self):
        self.inner = Collector()

    def buildProtocol(self, addr):
        return self.inner


@check
async def protocol_switch(c):
    p = await c.amp()
    factory = CollectorFactory()
    e = await expect_failure(
        p.callRemote(Switch, _protoToSwitchToFactory=factory, name="refuse"), SwitchRefused, "Switch(refuse)"
    )
    expect(str(e) == "not now", f"description {str(e)!r}")
    await still_works(p, "a refused switch")
    result = await within(p.callRemote(Switch, _protoToSwitchToFactory=factory, name="twisted \u2603"))
    expect(result == {}, f"Switch answered {result!r}")
    inner = factory.inner
    await inner.received("HELLO twisted \u2603\n".encode())
    inner.transport.write(b"abc\x00\n")
    await inner.received("HELLO twisted \u2603\nABC\x00\n".encode())
    try:
        p.callRemote(Sum, a=1, b=2)
        raise CheckFailed("Twisted sent a box after the switch")
    except amp.ProtocolSwitched:
        pass
    inner.transport.loseConnection()


@check
async def start_tls(c):
    ca = ssl.Certificate.loadPEM(read_pem(c.certdir, "ca.pem"))
    p = await c.amp()
    result = await within(p.callRemote(TlsInfo))
    expect(result == {"tls": False}, f"TlsInfo before StartTLS: {result!r}")
    await within(p.callRemote(amp.StartTLS, tls_verifyAuthorities=[ca]))
    result = await within(p.callRemote(TlsInfo))
    expect(result == {"tls": True}, f"TlsInfo after StartTLS: {result!r}")
    expect(ISSLTransport.providedBy(p.transport), "the client transport is not TLS")
    peer = ssl.Certificate.peerFromTransport(p.transport)
    expect(peer.digest() == ca.digest(), "the server presented another certificate")
    await still_works(p, "StartTLS")
    big = CASES["max_string"]["string"]
    result = await within(p.callRemote(Types, case="max_string", string=big))
    expect(result["string"] == big, "a 65,535-byte value over TLS changed")
    try:
        p.callRemote(amp.StartTLS, tls_verifyAuthorities=[ca])
        raise CheckFailed("Twisted allowed a second StartTLS")
    except amp.OnlyOneTLS:
        pass
    p.transport.loseConnection()


@check
async def start_tls_wrong_root(c):
    other = ssl.Certificate.loadPEM(read_pem(c.certdir, "other.pem"))
    p = await c.amp()
    d = p.callRemote(amp.StartTLS, tls_verifyAuthorities=[other])
    d.addErrback(lambda _: None)  # the plain answer may or may not arrive before the failure
    await closed_by_peer(p, "a TLS handshake with an untrusted certificate")
    p = await c.amp()
    await still_works(p, "a failed handshake on another connection")
    p.transport.loseConnection()


async def run_checks(port, certdir):
    c = Client(port, certdir)
    results = {}
    for fn in CHECKS:
        name = fn.__name__.rstrip("_")
        try:
            await within(defer.ensureDeferred(fn(c)), 60)
            results[name] = "ok"
        except CheckFailed as e:
            results[name] = str(e)
        except Exception as e:
            results[name] = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
    return results


def run_client(port, certdir):
    print(0, flush=True)
    reactor.callLater(TIMEOUT, timed_out)

    def done(results):
        summary = {
            "twisted": twisted.__version__,
            "python": sys.version.split()[0],
            "checks": results,
        }
        print(json.dumps(summary), flush=True)

    def crashed(failure):
        print(failure.getTraceback(), file=sys.stderr, flush=True)

    d = defer.ensureDeferred(run_checks(port, certdir))
    d.addCallbacks(done, crashed)
    d.addBoth(lambda _: reactor.stop())
    reactor.run()


def main(argv):
    # Twisted's log (responder tracebacks, dropped connections) goes to
    # stderr, which the Rust test shows when a check fails.
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    if len(argv) == 3 and argv[1] == "server":
        run_server(argv[2])
    elif len(argv) == 4 and argv[1] == "client":
        run_client(int(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
