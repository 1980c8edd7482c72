"""Twisted's side of the Evennia Compressed benchmark (benches/run-compressed.sh).

Runs in the ev61 venv, with Evennia 6.1's own command and argument:
evennia.server.portal.amp.MsgPortal2Server(packed_data=Compressed()).

    twisted_compressed.py server MODE
        Listens on 127.0.0.1 (a free port), prints the port, answers
        MsgPortal2Server until stdin closes: Compressed decompresses the
        slices; with MODE `pickled` the responder also unpickles, as
        Evennia's Server does; answers {}.

    twisted_compressed.py client PORT FILE SECONDS MODE
        Calls MsgPortal2Server one call at a time with the pickle in FILE as
        packed_data (MODE `compressed`), or with amp.dumps(value) made again
        for each call as Evennia's Portal sends (MODE `pickled`); Compressed
        compresses it (zlib level 9 per 65,535-byte slice). After one warm-up
        call, counts calls for SECONDS (at least 3) and prints {"calls": N,
        "seconds": S, "payload_bytes": B, "wire_bytes": W, "slices": K}.

    twisted_compressed.py local FILE
        The same work without a network, each step timed (median of 5). Prints JSON.

Arguments mirror the Rust binary (benches/src/bin/compressed_bench.rs).
"""

import json
import os
import pickle
import statistics
import sys
import time
import zlib

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evennia.settings_default")

from twisted.internet import defer, protocol, reactor, stdio  # noqa: E402
from twisted.protocols import amp  # noqa: E402

from evennia.server.portal import amp as evamp  # noqa: E402


class Server(amp.AMP):
    unpickle = False

    @evamp.MsgPortal2Server.responder
    def receive(self, packed_data):
        # AMPServerClientProtocol.server_receive_msgportal2server: data_in = loads.
        if self.unpickle:
            evamp.loads(packed_data)
        return {}


class PickledServer(Server):
    unpickle = True


class StopOnEof(protocol.Protocol):
    def connectionLost(self, reason):
        if reactor.running:
            reactor.stop()


def serve(mode):
    cls = PickledServer if mode == "pickled" else Server
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(cls), interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    stdio.StandardIO(StopOnEof(), stdout=os.open(os.devnull, os.O_WRONLY))
    reactor.callLater(1800, lambda: os._exit(3))
    reactor.run()


def wire_size(raw):
    """Compressed bytes and slices, as Compressed.toBox cuts and compresses them."""
    slices = [raw[i : i + evamp.AMP_MAXLEN] for i in range(0, len(raw), evamp.AMP_MAXLEN)] or [b""]
    return sum(len(zlib.compress(s, 9)) for s in slices), len(slices)


def client(port, path, seconds, mode):
    with open(path, "rb") as f:
        data = f.read()
    value = pickle.loads(data)
    result = {}

    def packed():
        return evamp.dumps(value) if mode == "pickled" else data

    @defer.inlineCallbacks
    def run(proto):
        try:
            yield proto.callRemote(evamp.MsgPortal2Server, packed_data=packed())  # warm-up
            start = time.perf_counter()
            calls = 0
            while calls < 3 or time.perf_counter() - start < seconds:
                yield proto.callRemote(evamp.MsgPortal2Server, packed_data=packed())
                calls += 1
            took = time.perf_counter() - start
            wire, slices = wire_size(packed())
            result.update(calls=calls, seconds=took, payload_bytes=len(data), wire_bytes=wire, slices=slices)
        except Exception as e:  # reported, then the process fails
            result["error"] = repr(e)
        finally:
            reactor.stop()

    endpoint = protocol.ClientCreator(reactor, amp.AMP)
    endpoint.connectTCP("127.0.0.1", port).addCallbacks(run, lambda f: (result.update(error=str(f.value)), reactor.stop()))
    reactor.callLater(1800, lambda: os._exit(3))
    reactor.run()
    if "error" in result:
        print(f"twisted_compressed: {result['error']}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result), flush=True)


def timed(f):
    samples = []
    for _ in range(5):
        t = time.perf_counter()
        f()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def local(path):
    with open(path, "rb") as f:
        data = f.read()
    value = pickle.loads(data)
    raw = evamp.dumps(value)
    arg = evamp.Compressed()
    box = {}
    arg.toBox(b"packed_data", box, {"packed_data": raw}, None)

    def compress():
        arg.toBox(b"packed_data", {}, {"packed_data": raw}, None)

    def decompress():
        arg.fromBox(b"packed_data", box, {}, None)

    print(
        json.dumps(
            {
                "payload_bytes": len(data),
                "pickle_encode": timed(lambda: evamp.dumps(value)),
                "pickle_decode": timed(lambda: evamp.loads(raw)),
                "compress": timed(compress),
                "decompress": timed(decompress),
            }
        ),
        flush=True,
    )


def main(argv):
    modes = ("compressed", "pickled")
    if argv[:1] == ["server"] and len(argv) == 2 and argv[1] in modes:
        serve(argv[1])
    elif argv[:1] == ["client"] and len(argv) == 5 and argv[4] in modes:
        client(int(argv[1]), argv[2], float(argv[3]), argv[4])
    elif argv[:1] == ["local"] and len(argv) == 2:
        local(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
