"""Times Evennia 6.1's own output rendering on benches/render/corpus.json,
for comparison with the Rust renderer (benches/benches/render.rs).

Run with the ev61 venv (benches/run-render.sh does):

    DJANGO_SETTINGS_MODULE=evennia.settings_default \
        .venvs/ev61/bin/python benches/render/evennia_send_text.py [--passes 30]

For each case it calls the real method (TelnetProtocol.send_text or
WebSocketClient.send_text, as the Portal does for every output line) on
every text of the corpus, PASSES times, and prints one JSON line per case:
the median and the best CPU time (time.process_time) per text in
microseconds, with
Evennia's parse cache cleared before each pass ("cold": every text new, as
most game output is) and kept ("warm": the same 400 texts again and again).
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evennia.settings_default")
import django  # noqa: E402

django.setup()

from evennia.server.portal.telnet import TelnetProtocol  # noqa: E402
from evennia.server.portal.webclient import WebSocketClient  # noqa: E402
from evennia.server.portal.wire_formats import WIRE_FORMATS  # noqa: E402
from evennia.utils import ansi  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# The flag sets, as in benches/benches/render.rs.
MUDLET = {"TTYPE": True, "ANSI": True, "XTERM256": True, "UTF-8": True, "ENCODING": "utf-8", "NOGOAHEAD": True}
PLAIN = {"TTYPE": True, "ANSI": False, "XTERM256": False, "ENCODING": "utf-8", "NOGOAHEAD": False}


class Sink:
    def write(self, data):
        pass


def telnet_sender(flags, prompt=False):
    p = TelnetProtocol()
    p.transport = Sink()
    p.protocol_flags = dict(flags)
    if prompt:
        return lambda text: p.send_prompt(text, options={})
    return lambda text: p.send_text(text, options={})


def web_sender(fmt):
    c = WebSocketClient()
    c.sendMessage = lambda payload, isBinary=False, **kw: None
    c.protocol_flags = {"ANSI": True, "XTERM256": True, "TRUECOLOR": True}
    c.wire_format = WIRE_FORMATS[fmt]
    return lambda text: c.send_text(text, options={})


CASES = {
    "telnet_mudlet": lambda: telnet_sender(MUDLET),
    "telnet_16colour_ga": lambda: telnet_sender(PLAIN),
    "telnet_prompt": lambda: telnet_sender(MUDLET, prompt=True),
    "webclient_v1": lambda: web_sender("v1.evennia.com"),
    "websocket_terminal": lambda: web_sender("terminal.mudstandards.org"),
}


def time_case(send, texts, passes, cold):
    """(median, best) CPU microseconds per text over PASSES passes."""
    samples = []
    for _ in range(passes):
        if cold:
            ansi._PARSE_CACHE.clear()
        start = time.process_time()
        for text in texts:
            send(text)
        samples.append((time.process_time() - start) / len(texts) * 1e6)
    return statistics.median(samples), min(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=30)
    args = parser.parse_args()
    with open(os.path.join(HERE, "corpus.json")) as f:
        texts = json.load(f)
    for name, make in CASES.items():
        send = make()
        for text in texts[:20]:
            send(text)  # imports and first-call work out of the way
        for cold in (True, False):
            us, best = time_case(send, texts, args.passes, cold)
            print(json.dumps({"case": name, "cache": "cold" if cold else "warm", "us_per_text": us, "best_us_per_text": best}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
