"""Evennia 6.1's own telnet protocol, driven by scripted clients from the Rust tests.

Run in the ev61 venv with DJANGO_SETTINGS_MODULE=evennia.settings_default
(amp-portal/tests/telnet_support/mod.rs does). Reads one JSON document on
stdin and writes one on stdout:

  in:  {"scenarios": [{"settings": {...}, "steps": [{"op": ...}, ...]}, ...],
        "oob_corpus": [pickle hex of (cmdname, args, kwargs), ...]}
  out: {"evennia_version": ..., "scenarios": [{"connect": STEP, "steps": [STEP, ...]}],
        "oob": [{"msdp": hex|null, "msdp_error": str, "gmcp": hex|null, "gmcp_error": str}, ...]}

A STEP is what the protocol did during that step: "out" (hex of every byte
written to the transport, in order), "calls" (the fake session handler's
connect / sync / data_in calls: [kind, pickle hex of the flags or the
data_in kwargs, whether lone surrogates were replaced]), "flags" (pickle hex
of protocol_flags after the step), "log_err" (Evennia's "Malformed telnet
input" logs), "crash" (an exception that escaped dataReceived: Twisted would
drop the connection, so the scenario stops there), "oob_error" (the
exception type send_default raised, which Evennia logs), "closed" (loseConnection
was called), "handshakes" (the countdown).

Steps:
  {"op": "recv", "data": hex}                 client bytes, one dataReceived call
  {"op": "timeout"}                           the 2 s handshake timer fires
  {"op": "nop"}                               the 30 s keepalive fires
  {"op": "line", "data": hex}                 protocol.sendLine(bytes)
  {"op": "prompt", "data": hex}               send_prompt(bytes, raw) (rendering is not tested here)
  {"op": "echo", "on": bool, "data": hex}     send_text(bytes, echo=on, raw)
  {"op": "oob", "value": hex}                 send_default(cmdname, *args, **kwargs) from a pickle of (cmdname, args, kwargs)
  {"op": "flags", "value": hex}               protocol_flags.update(pickled dict), as the Server's SSYNC does

Settings: MXP_ENABLED, ENCODINGS, CLIENT_DEFAULT_WIDTH, CLIENT_DEFAULT_HEIGHT,
IDLE_COMMAND, SERVERNAME, TELNET_PORTS, TELNET_OOB_ENABLED, SSL_ENABLED,
MSSP_CUSTOM (pickle hex of a dict), PLAYERS (count_loggedin), UPTIME (the
session handler's start time).

Evennia must import: this script fails loudly otherwise (never a skip).
"""

import json
import pickle
import sys

import django

django.setup()

import evennia  # noqa: E402
from django.conf import settings  # noqa: E402
from twisted.internet.testing import StringTransport  # noqa: E402

import evennia.utils.utils as evutils  # noqa: E402
from evennia.server.portal import mssp, naws, telnet, telnet_oob  # noqa: E402
from evennia.utils import logger  # noqa: E402

LOG = {"err": 0, "trace": 0}
logger.log_err = lambda *a, **k: LOG.__setitem__("err", LOG["err"] + 1)
logger.log_trace = lambda *a, **k: LOG.__setitem__("trace", LOG["trace"] + 1)


class FakeTimer:
    """What evennia.utils.utils.delay returns; the harness fires it itself."""

    def __init__(self, callback, args, kwargs):
        self.callback, self.args, self.kwargs = callback, args, kwargs

    def fire(self):
        self.callback(*self.args, **self.kwargs)

    def cancel(self):
        pass


TIMERS = []


def fake_delay(timedelay, callback, *args, **kwargs):
    timer = FakeTimer(callback, args, kwargs)
    TIMERS.append(timer)
    return timer


evutils.delay = fake_delay


class FakeLoopingCall:
    """The NOP keepalive's LoopingCall; the harness calls _send_nop_keepalive itself."""

    def __init__(self, f):
        self.f = f
        self.running = False

    def start(self, interval, now=True):
        assert interval == 30 and now is False, (interval, now)
        self.running = True

    def stop(self):
        self.running = False


telnet.LoopingCall = FakeLoopingCall


def has_surrogates(value):
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(has_surrogates(k) or has_surrogates(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_surrogates(v) for v in value)
    return False


def no_surrogates(value):
    """Lone surrogates (which a Rust string cannot hold) as U+FFFD."""
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, dict):
        return {no_surrogates(k): no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_surrogates(v) for v in value]
    if isinstance(value, tuple):
        return tuple(no_surrogates(v) for v in value)
    return value


def dumps(value):
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL).hex()


class FakeHandler:
    """The Portal session handler, as far as TelnetProtocol uses it."""

    def __init__(self, players, uptime):
        self.calls = []
        self.players = players
        self.uptime = uptime
        self.session = None

    def record(self, kind, value):
        self.calls.append([kind, dumps(no_surrogates(value)), has_surrogates(value)])

    def connect(self, session):
        session.sessid = 1
        self.session = session
        self.record("connect", session.protocol_flags)

    def sync(self, session):
        self.record("sync", session.protocol_flags)

    def data_in(self, session, **kwargs):
        self.record("data_in", kwargs)

    def get(self, sessid):
        return self.session

    def count_loggedin(self, include_unloggedin=False):
        return self.players

    def disconnect(self, session):
        pass


class Transport(StringTransport):
    def __init__(self):
        super().__init__(peerAddress=None)
        self.client = ("127.0.0.1", 40000)

    def setTcpKeepAlive(self, on):
        pass


DEFAULTS = {
    "MXP_ENABLED": True,
    "ENCODINGS": ["utf-8", "latin-1", "ISO-8859-1"],
    "CLIENT_DEFAULT_WIDTH": 78,
    "CLIENT_DEFAULT_HEIGHT": 45,
    "IDLE_COMMAND": "idle",
    "SERVERNAME": "Evennia",
    "TELNET_PORTS": [4000],
    "TELNET_OOB_ENABLED": False,
    "SSL_ENABLED": False,
    "MSSP_CUSTOM": None,
    "PLAYERS": 0,
    "UPTIME": 1733600000.25,
}


def apply_settings(given):
    s = dict(DEFAULTS, **given)
    for name in ("MXP_ENABLED", "ENCODINGS", "SERVERNAME", "TELNET_PORTS", "TELNET_OOB_ENABLED", "SSL_ENABLED"):
        setattr(settings, name, s[name])
    naws.DEFAULT_WIDTH = s["CLIENT_DEFAULT_WIDTH"]
    naws.DEFAULT_HEIGHT = s["CLIENT_DEFAULT_HEIGHT"]
    telnet._IDLE_COMMAND = str.encode(s["IDLE_COMMAND"] + "\n")
    mssp.MSSPTable_CUSTOM = pickle.loads(bytes.fromhex(s["MSSP_CUSTOM"])) if s["MSSP_CUSTOM"] else {}
    return s


def run_scenario(scenario):
    s = apply_settings(scenario.get("settings", {}))
    TIMERS.clear()
    handler = FakeHandler(s["PLAYERS"], s["UPTIME"])
    factory = telnet.TelnetServerFactory()
    factory.protocol = telnet.TelnetProtocol
    factory.sessionhandler = handler
    proto = factory.buildProtocol(("127.0.0.1", 0))
    transport = Transport()

    def step(action, oob=False):
        LOG["err"] = 0
        handler.calls = []
        transport.clear()
        crash = oob_error = None
        try:
            action()
        except Exception as err:
            if oob:
                # the Portal's session handler logs send_* failures (log_trace)
                oob_error = type(err).__name__
            else:
                # escaped dataReceived: Twisted drops the connection
                crash = f"{type(err).__name__}: {err}"
        return {
            "oob_error": oob_error,
            "out": transport.value().hex(),
            "calls": handler.calls,
            "flags": dumps(no_surrogates(proto.protocol_flags)),
            "log_err": LOG["err"],
            "crash": crash,
            "closed": bool(transport.disconnecting),
            "handshakes": proto.handshakes,
        }

    result = {"connect": step(lambda: proto.makeConnection(transport)), "steps": []}
    for st in scenario["steps"]:
        op = st["op"]
        if op == "recv" and transport.disconnecting:
            # Twisted stops reading once loseConnection is called.
            action = lambda: None  # noqa: E731
        elif op == "recv":
            data = bytes.fromhex(st["data"])
            action = lambda data=data: proto.dataReceived(data)  # noqa: E731
        elif op == "timeout":
            action = lambda: [t.fire() for t in TIMERS]  # noqa: E731
        elif op == "nop":
            action = proto._send_nop_keepalive
        elif op == "line":
            data = bytes.fromhex(st["data"])
            action = lambda data=data: proto.sendLine(data)  # noqa: E731
        elif op == "prompt":
            data = bytes.fromhex(st["data"])
            action = lambda data=data: proto.send_prompt(data, options={"raw": True, "screenreader": False})  # noqa: E731
        elif op == "echo":
            data, on = bytes.fromhex(st["data"]), st["on"]
            action = lambda data=data, on=on: proto.send_text(  # noqa: E731
                data, options={"echo": on, "raw": True, "screenreader": False}
            )
        elif op == "oob":
            cmdname, args, kwargs = pickle.loads(bytes.fromhex(st["value"]))
            action = lambda c=cmdname, a=args, k=kwargs: proto.send_default(c, *a, **k)  # noqa: E731
        elif op == "flags":
            update = pickle.loads(bytes.fromhex(st["value"]))
            action = lambda u=update: proto.protocol_flags.update(u)  # noqa: E731
        else:
            raise SystemExit(f"telnet_oracle: unknown step {op!r}")
        done = step(action, oob=op == "oob")
        result["steps"].append(done)
        if done["crash"] and op == "recv":
            break
    if proto.nop_keep_alive:
        proto.nop_keep_alive.stop()
    return result


def run_oob(entry):
    """Evennia's encoders alone, for one (cmdname, args, kwargs)."""
    cmdname, args, kwargs = pickle.loads(bytes.fromhex(entry))
    oob = telnet_oob.TelnetOOB.__new__(telnet_oob.TelnetOOB)
    kwargs = dict(kwargs)
    kwargs.pop("options", None)
    out = {}
    for name, encode in (("msdp", oob.encode_msdp), ("gmcp", oob.encode_gmcp)):
        try:
            out[name] = encode(cmdname, *args, **kwargs).hex()
        except Exception as err:
            out[name] = None
            out[name + "_error"] = type(err).__name__
    return out


def main():
    request = json.load(sys.stdin)
    reply = {
        "evennia_version": evennia.__version__,
        "scenarios": [run_scenario(s) for s in request.get("scenarios", [])],
        "oob": [run_oob(e) for e in request.get("oob_corpus", [])],
    }
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
