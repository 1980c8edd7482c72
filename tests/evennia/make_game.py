"""Creates an Evennia 6.1 game folder for the end-to-end tests (ev61 venv).

    make_game.py GAME_DIR --telnet P --web P --web-internal P --websocket P --amp P
                 [--no-web] [--template-cache DIR]

GAME_DIR must not exist. Every listener is on 127.0.0.1. With
--template-cache, `evennia --init` and `evennia migrate` (15 to 45 s together,
almost all of it migrate, depending on load) run once into DIR/game-<key>, under a file lock so
parallel test processes share one template; each game is then a copy of it
(well under a second). The key hashes this file and Evennia's version, so an
edit here or an Evennia upgrade makes a fresh template. Without it, the game is
made from scratch.

Prints one JSON line: the game folder, whether a template was built, seconds
spent per step.

`make_game.py --migrate GAME_DIR` is the internal migrate step.
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Appended to the game's settings.py. Ports come from harness_ports.py,
# rewritten for every game copied from the template.
HARNESS_SETTINGS = '''

######################################################################
# amp-tests harness (tests/evennia/make_game.py)
######################################################################
# Loopback only. LOCKDOWN_MODE also forces every Portal listener to 127.0.0.1.
LOCKDOWN_MODE = True
TELNET_INTERFACES = ["127.0.0.1"]
WEBSERVER_INTERFACES = ["127.0.0.1"]
WEBSOCKET_CLIENT_INTERFACE = "127.0.0.1"
SSL_INTERFACES = ["127.0.0.1"]
SSH_INTERFACES = ["127.0.0.1"]
SSL_ENABLED = False
SSH_ENABLED = False
AMP_HOST = "127.0.0.1"
AMP_INTERFACE = "127.0.0.1"
# Nothing reaches out to the internet.
GAME_INDEX_ENABLED = False
IRC_ENABLED = False
GRAPEVINE_ENABLED = False
DISCORD_ENABLED = False
# The default (2 new connections a second) queues test players. Not higher:
# while no AMP connection exists, a waiting player makes the Portal poll at
# this rate (1/rate seconds apart).
MAX_CONNECTION_RATE = 100
MAX_COMMAND_RATE = 100000
# Many test accounts come from 127.0.0.1 (the default: 2 creations and 5
# failed logins per IP per 10 minutes).
CREATION_THROTTLE_LIMIT = 10000
LOGIN_THROTTLE_LIMIT = 10000
IDLE_TIMEOUT = -1
from server.conf.harness_ports import *  # noqa: E402,F401,F403
'''


def ports_module(args):
    return (
        "# Written by tests/evennia/make_game.py for this game.\n"
        f"TELNET_PORTS = [{args.telnet}]\n"
        f"WEBSERVER_PORTS = [({args.web}, {args.web_internal})]\n"
        f"WEBSOCKET_CLIENT_PORT = {args.websocket}\n"
        f"AMP_PORT = {args.amp}\n"
        f"WEBSERVER_ENABLED = {not args.no_web}\n"
        f"WEBSOCKET_CLIENT_ENABLED = {not args.no_web}\n"
    )


def evennia_bin():
    return os.path.join(os.path.dirname(sys.executable), "evennia")


def run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout.decode("utf-8", "replace"))
        raise SystemExit(f"make_game: {cmd} failed with {proc.returncode}")


def build_game(game_dir, timings):
    """evennia --init + harness settings + migrate, into game_dir (absent)."""
    parent, name = os.path.split(os.path.abspath(game_dir))
    t = time.monotonic()
    run([evennia_bin(), "--init", name], cwd=parent)
    timings["init"] = round(time.monotonic() - t, 3)
    with open(os.path.join(game_dir, "server", "conf", "settings.py"), "a") as f:
        f.write(HARNESS_SETTINGS)
    # migrate opens no port; placeholder ports until a copy gets its own.
    with open(os.path.join(game_dir, "server", "conf", "harness_ports.py"), "w") as f:
        f.write(ports_module(argparse.Namespace(telnet=1, web=2, web_internal=3, websocket=4, amp=5, no_web=True)))
    t = time.monotonic()
    run([sys.executable, os.path.abspath(__file__), "--migrate", game_dir], cwd=game_dir)
    timings["migrate"] = round(time.monotonic() - t, 3)


def template_key():
    import evennia

    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(evennia.__version__.encode())
    h.update(sys.version.encode())
    return h.hexdigest()[:16]


def ensure_template(cache, timings):
    """The template game for this key, built once under a lock."""
    os.makedirs(cache, exist_ok=True)
    key = template_key()
    template = os.path.join(cache, f"game-{key}")
    done = os.path.join(template, ".complete")
    if os.path.exists(done):
        return template, False
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(done):
            return template, False
        # Stale templates (older script or Evennia) and half-built ones go.
        for entry in os.listdir(cache):
            if entry.startswith(("game-", "build-")):
                shutil.rmtree(os.path.join(cache, entry), ignore_errors=True)
        build = os.path.join(cache, f"build-{os.getpid()}")
        os.makedirs(build)
        build_game(os.path.join(build, "game"), timings)
        with open(os.path.join(build, "game", ".complete"), "w") as f:
            f.write(key + "\n")
        os.rename(os.path.join(build, "game"), template)
        shutil.rmtree(build, ignore_errors=True)
        return template, True


def migrate(game_dir):
    """`evennia migrate`, with the fast-import fix (see harness_boot)."""
    import harness_boot

    harness_boot.fast_imports()
    os.chdir(game_dir)
    from evennia.server import evennia_launcher

    sys.argv = ["evennia", "migrate"]
    evennia_launcher.main()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--migrate":
        return migrate(sys.argv[2])
    p = argparse.ArgumentParser()
    p.add_argument("game_dir")
    for port in ("telnet", "web", "web-internal", "websocket", "amp"):
        p.add_argument(f"--{port}", type=int, required=True)
    p.add_argument("--no-web", action="store_true", help="no webserver proxy and no websocket client port")
    p.add_argument("--template-cache")
    args = p.parse_args()
    game = os.path.abspath(args.game_dir)
    if os.path.exists(game):
        raise SystemExit(f"make_game: {game} exists")
    timings = {}
    built = False
    t = time.monotonic()
    if args.template_cache:
        template, built = ensure_template(os.path.abspath(args.template_cache), timings)
        c = time.monotonic()
        shutil.copytree(template, game, ignore=shutil.ignore_patterns("__pycache__", ".complete", "*.log", "*.pid"))
        timings["copy"] = round(time.monotonic() - c, 3)
    else:
        build_game(game, timings)
    with open(os.path.join(game, "server", "conf", "harness_ports.py"), "w") as f:
        f.write(ports_module(args))
    timings["total"] = round(time.monotonic() - t, 3)
    print(json.dumps({"game": game, "template_built": built, "seconds": timings}), flush=True)


if __name__ == "__main__":
    main()
