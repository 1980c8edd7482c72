"""A Twisted AMP client for `amp serve` (tests/tests/cli_interop.rs).

    cli_client.py PORT

Runs every check against `amp serve` on 127.0.0.1:PORT, started with
amp-cli/tests/fixtures/cli.toml and the responses file the Rust test wrote
(see CLI_RESPONSES there), then prints one JSON line
{"twisted": ..., "python": ..., "checks": {name: "ok" | why}} and exits.
The calls are made in a fixed order, which the Rust test relies on when it
reads what `amp serve` printed.
"""

import datetime
import decimal
import json
import math
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import twisted  # noqa: E402
from twisted.internet import defer, endpoints, reactor  # noqa: E402
from twisted.logger import globalLogBeginner, textFileLogObserver  # noqa: E402
from twisted.protocols import amp  # noqa: E402
from twisted.python.filepath import FilePath  # noqa: E402

from cli_commands import (  # noqa: E402
    Divide,
    EchoTypes,
    Fail,
    FatalError,
    Nope,
    Notify,
    Slow,
    Sum,
    Unknown,
    UnknownNotify,
)

TIMEOUT = 90
PROMPT = 10

# What echo-types sends (Python names: `from` is `From`, `my-arg` is `my_arg`).
VALUES = {
    "integer": -42,
    "big": 2**200 + 1,
    "string": b"\xff\x00bin",
    "unicode": "h\u00e9llo \u2603",
    "path": FilePath("/tmp/amp cli"),
    "boolean": True,
    "float": 1e16,
    "decimal": decimal.Decimal("-1.500E+7"),
    "datetime": datetime.datetime(
        2012, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
    ),
    "ints": [1, 2**70, -3],
    "texts": [["a", "b"], []],
    "rows": [{"x": 1, "label": "one"}, {"x": 2, "label": None}],
    "From": "from-value",
    "my_arg": "dash",
}

# The float and Decimal specials, checked by their text.
SPECIALS = {"float": float("-inf"), "decimal": decimal.Decimal("sNaN12")}


class CheckFailed(Exception):
    pass


def expect(condition, why):
    if not condition:
        raise CheckFailed(why)


class ClientAMP(amp.AMP):
    def __init__(self):
        super().__init__()
        self.lost = defer.Deferred()

    def connectionLost(self, reason):
        super().connectionLost(reason)
        self.lost.callback(reason.value)


async def connect(port):
    endpoint = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    return await endpoints.connectProtocol(endpoint, ClientAMP())


async def within(d, what):
    """Awaits the Deferred `d`, failing the check after PROMPT seconds."""
    d.addTimeout(PROMPT, reactor)
    try:
        return await d
    except defer.TimeoutError:
        raise CheckFailed(f"{what}: nothing within {PROMPT} s")


async def fails_with(call, exc_type, what):
    try:
        result = await within(call, what)
    except exc_type as e:
        return e
    raise CheckFailed(f"{what}: expected {exc_type.__name__}, got the answer {result!r}")


async def check_sum(client):
    r = await within(client.callRemote(Sum, a=13, b=81), "Sum")
    expect(r == {"total": 42}, f"Sum answered {r!r}, the responses file says 42")


async def check_divide(client):
    e = await fails_with(client.callRemote(Divide, numerator=1, denominator=0), ZeroDivisionError, "Divide")
    expect(str(e) == "divided by zero", f"description {str(e)!r}")


async def check_echo(client):
    r = await within(client.callRemote(EchoTypes, **VALUES), "echo-types")
    for k, v in VALUES.items():
        expect(r.get(k) == v, f"{k}: sent {v!r}, echoed {r.get(k)!r}")
    expect(str(r["decimal"]) == "-1.500E+7", f"decimal lost its form: {r['decimal']}")


async def check_echo_specials(client):
    r = await within(client.callRemote(EchoTypes, **SPECIALS), "echo-types specials")
    expect(math.isinf(r["float"]) and r["float"] < 0, f"float {r['float']!r}")
    expect(str(r["decimal"]) == "sNaN12", f"decimal {r['decimal']!r}")
    absent = [k for k in VALUES if k not in SPECIALS and r.get(k) is not None]
    expect(not absent, f"absent optionals came back: {absent}")


async def check_unhandled(client):
    await fails_with(client.callRemote(Nope), amp.UnhandledCommand, "Nope (no entry)")
    await fails_with(client.callRemote(Unknown, x=1), amp.UnhandledCommand, "Unknown (not in the schema)")


async def check_no_answer(client):
    # Neither is answered; amp serve prints both and keeps the connection
    # (Twisted itself would drop it for UnknownNotify).
    r = client.callRemote(Notify, text="fire and forget")
    expect(r is None, f"Notify returned {r!r}")
    client.callRemote(UnknownNotify, x=7)
    await check_sum(client)


async def check_any_code(client):
    e = await fails_with(client.callRemote(Slow), amp.UnknownRemoteError, "Slow (error CUSTOM)")
    # Twisted shows an undeclared code as "Code<UNKNOWN>: DESCRIPTION".
    expect(str(e).endswith("any code"), f"description {str(e)!r}")


async def check_fatal(client):
    e = await fails_with(client.callRemote(Fail, kind="fatal"), FatalError, "Fail (fatal)")
    expect(str(e) == "fatal!", f"description {str(e)!r}")
    await within(client.lost, "the close after a fatal error")


async def run_checks(port):
    results = {}
    client = await connect(port)
    for name, check in [
        ("sum", check_sum),
        ("divide", check_divide),
        ("echo", check_echo),
        ("echo_specials", check_echo_specials),
        ("unhandled", check_unhandled),
        ("no_answer", check_no_answer),
        ("any_code", check_any_code),
        ("fatal", check_fatal),
    ]:
        try:
            await check(client)
            results[name] = "ok"
        except CheckFailed as e:
            results[name] = str(e)
        except Exception:
            results[name] = traceback.format_exc()
    try:
        # The server is still up after closing one connection.
        await check_sum(await connect(port))
        results["after_fatal"] = "ok"
    except Exception as e:
        results["after_fatal"] = repr(e)
    return results


def timed_out():
    print(f"cli_client.py: stopping after {TIMEOUT} s", file=sys.stderr, flush=True)
    os._exit(3)


def main(argv):
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    if len(argv) != 2:
        sys.exit(__doc__)
    reactor.callLater(TIMEOUT, timed_out)

    def done(results):
        summary = {"twisted": twisted.__version__, "python": sys.version.split()[0], "checks": results}
        print(json.dumps(summary), flush=True)
        reactor.stop()

    def crashed(failure):
        print(json.dumps({"checks": {"client": failure.getTraceback()}}), flush=True)
        reactor.stop()

    d = defer.ensureDeferred(run_checks(int(argv[1])))
    d.addCallbacks(done, crashed)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv)
