"""A stand-in for Evennia's Server process, built from Evennia's own AMP
commands (ev61 venv, DJANGO_SETTINGS_MODULE=evennia.settings_default).

    standin_server.py AMP_PORT

Connects to a Portal's AMP port and does what evennia/server/amp_client.py
does on connect: sends AdminServer2Portal PSYNC (spid, info_dict). Then:
- answers the Portal's AdminPortal2Server PSYNC (and every other admin call);
- on PCONN, greets the new session with MsgServer2Portal text
  "Welcome from the stand-in, session <sessid>.";
- echoes each line a player types back as "echo: <line>".
Every step is one JSON line on stdout (`event` plus details), flushed, for the
Rust test to follow. Exits when the AMP connection closes or stdin reaches EOF
(so closing the pipe stops it; the Rust guard also kills it by pid).

Lines on stdin are commands:
  admin NAME   send AdminServer2Portal with operation NAME (e.g. SRELOAD)
  say SESSID TEXT   send TEXT to a session
  quit         close the AMP connection
"""

import json
import os
import sys

from twisted.internet import protocol, reactor, stdio
from twisted.protocols import basic

from evennia.server.portal import amp

OPERATIONS = {
    getattr(amp, name): name
    for name in (
        "PCONN PDISCONN PSYNC SLOGIN SDISCONN SDISCONNALL SSHUTD SSYNC SCONN "
        "PCONNSYNC PDISCONNALL SRELOAD SSTART PSHUTD PSTATUS SRESET"
    ).split()
}


def emit(event, **details):
    sys.stdout.write(json.dumps({"event": event, **details}, default=repr) + "\n")
    sys.stdout.flush()


def text_of(kwargs):
    """The first text argument of an Evennia inputfunc kwargs dict, if any."""
    text = kwargs.get("text")
    if text and text[0]:
        return str(text[0][0])
    return None


class StandinProtocol(amp.AMPMultiConnectionProtocol):
    def connectionMade(self):
        super().connectionMade()
        emit("connected")
        info_dict = {
            "servername": "standin",
            "version": "standin",
            "amp": "",
            "errors": "",
            "info": "",
            "webserver": "",
            "irc_rss": "",
        }
        packed = amp.dumps((0, {"operation": amp.PSYNC, "spid": os.getpid(), "info_dict": info_dict}))
        d = self.callRemote(amp.AdminServer2Portal, packed_data=packed)
        d.addCallbacks(lambda _: emit("psync_answered"), lambda f: emit("psync_failed", error=str(f.value)))

    def connectionLost(self, reason):
        super().connectionLost(reason)
        emit("connection_lost", reason=str(reason.value))
        if reactor.running:
            reactor.stop()

    def say(self, sessid, text):
        packed = amp.dumps((sessid, {"text": ((text,), {})}))
        d = self.callRemote(amp.MsgServer2Portal, packed_data=packed)
        d.addCallbacks(
            lambda _: emit("sent", sessid=sessid, text=text), lambda f: emit("send_failed", error=str(f.value))
        )

    @amp.AdminPortal2Server.responder
    def admin_portal2server(self, packed_data):
        sessid, kwargs = self.data_in(packed_data)
        operation = kwargs.pop("operation", "")
        name = OPERATIONS.get(operation, repr(operation))
        if operation == amp.PSYNC:
            emit("portal_psync", **kwargs)
        elif operation in (amp.PCONN, amp.PCONNSYNC):
            data = kwargs.get("sessiondata") or {}
            emit(name.lower(), sessid=data.get("sessid", sessid), protocol_key=data.get("protocol_key"))
            if operation == amp.PCONN:
                sid = data.get("sessid", sessid)
                self.say(sid, f"Welcome from the stand-in, session {sid}.")
        else:
            emit(name.lower(), sessid=sessid, kwargs=kwargs)
        return {}

    @amp.MsgPortal2Server.responder
    def msg_portal2server(self, packed_data):
        sessid, kwargs = self.data_in(packed_data)
        line = text_of(kwargs)
        emit("input", sessid=sessid, kwargs=kwargs)
        if line is not None:
            self.say(sessid, f"echo: {line.strip()}")
        return {}

    @amp.MsgStatus.responder
    def status(self, status):
        return {"status": b"OK"}


class StdinWatch(basic.LineReceiver):
    """Commands from the test; stops the stand-in when stdin closes."""

    delimiter = b"\n"

    def __init__(self, factory):
        self.factory = factory

    def lineReceived(self, line):
        words = line.decode("utf-8").strip().split(" ", 2)
        proto = self.factory.broadcasts[0] if self.factory.broadcasts else None
        if proto is None:
            emit("command_failed", command=words, error="not connected")
        elif words[0] == "admin" and len(words) == 2 and hasattr(amp, words[1]):
            packed = amp.dumps((0, {"operation": getattr(amp, words[1])}))
            d = proto.callRemote(amp.AdminServer2Portal, packed_data=packed)
            d.addCallbacks(
                lambda _: emit("admin_answered", operation=words[1]),
                lambda f: emit("admin_failed", operation=words[1], error=str(f.value)),
            )
        elif words[0] == "say" and len(words) == 3:
            proto.say(int(words[1]), words[2])
        elif words[0] == "quit":
            proto.transport.loseConnection()
        else:
            emit("command_failed", command=words, error="unknown command")

    def connectionLost(self, reason):
        emit("stdin_closed")
        if reactor.running:
            reactor.stop()


class Factory(protocol.ClientFactory):
    def __init__(self):
        self.broadcasts = []  # AMPMultiConnectionProtocol keeps its connections here

    def buildProtocol(self, addr):
        p = StandinProtocol()
        p.factory = self
        return p

    def clientConnectionFailed(self, connector, reason):
        emit("connect_failed", reason=str(reason.value))
        reactor.stop()


def main():
    port = int(sys.argv[1])
    # StandardIO makes its output fd non-blocking: give it /dev/null, not the
    # stdout our events go to.
    factory = Factory()
    stdio.StandardIO(StdinWatch(factory), stdout=os.open(os.devnull, os.O_WRONLY))
    reactor.connectTCP("127.0.0.1", port, factory, timeout=10)
    reactor.run()


if __name__ == "__main__":
    main()
