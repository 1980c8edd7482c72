"""Runs Evennia 6.1's Portal alone, in the foreground (ev61 venv).

    run_portal.py GAME_DIR [--typeguard] [--allow-server-start]

This is the Portal's command line as Evennia 6.1's launcher builds it
(`_get_twistd_cmdline` in `evennia/server/evennia_launcher.py`, `--nodaemon` as
in its interactive start), run in-process:
    twistd --nodaemon --python=<evennia>/server/portal/portal.py
           --logfile=GAME_DIR/server/logs/portal.log --pidfile=GAME_DIR/server/portal.pid
with cwd GAME_DIR, PYTHONPATH GAME_DIR, DJANGO_SETTINGS_MODULE server.conf.settings.
(`--logger=evennia.utils.logger.GetPortalLogObserver`, which the launcher
passes, is replaced by --logfile: under --nodaemon that observer discards every
log line, and portal.py only opens its own log file when daemonized.)

Differences from a stock Portal, for tests:
- fast imports (harness_boot.fast_imports) unless --typeguard: start-up drops
  from about 8 s to about 2 s of CPU;
- unless --allow-server-start, the Portal never launches Evennia's own Server
  process (SSTART from a launcher, SRELOAD/SRESET from a Server): it prints
  `HARNESS-SERVER-START-REFUSED <cmd>` instead, so a test can see the request.
  Everything else, including the reload/reset handshake over AMP, is untouched.

Once the reactor runs (every listener bound), prints one line
`HARNESS-PORTAL-READY {json}` with the pid and each listening address. Nothing
connects to probe readiness: an AMP connection would become the Portal's
`amp_protocol` and a telnet one a session (see tests/src/evennia.rs).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    game = os.path.abspath(args[0])
    flags = set(args[1:])
    unknown = flags - {"--typeguard", "--allow-server-start"}
    if unknown:
        raise SystemExit(f"run_portal: unknown options {sorted(unknown)}")

    # twistd sends stdout to its log: markers go to a copy of the real stdout.
    markers = os.fdopen(os.dup(1), "w", buffering=1)

    sys.path.insert(0, HERE)
    import harness_boot

    if "--typeguard" not in flags:
        harness_boot.fast_imports()

    os.chdir(game)
    sys.path.insert(0, game)
    os.environ["DJANGO_SETTINGS_MODULE"] = "server.conf.settings"
    # Children (none unless --allow-server-start) find the game's modules.
    os.environ["PYTHONPATH"] = os.pathsep.join([game] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

    import evennia

    portal_py = os.path.join(os.path.dirname(os.path.abspath(evennia.__file__)), "server", "portal", "portal.py")
    logs = os.path.join(game, "server", "logs")
    os.makedirs(logs, exist_ok=True)

    from twisted.internet import reactor

    def ready():
        from evennia.server.portal import amp_server

        if "--allow-server-start" not in flags:

            def refuse(self, server_twistd_cmd):
                cmd = json.dumps([str(c) for c in server_twistd_cmd or []])
                print("HARNESS-SERVER-START-REFUSED", cmd, file=markers, flush=True)

            amp_server.AMPServerProtocol.start_server = refuse

        listening = {}
        for svc in evennia.EVENNIA_PORTAL_SERVICE:
            port = getattr(svc, "_port", None)
            if port is not None:
                host = port.getHost()
                listening[svc.name] = f"{host.host}:{host.port}"
        print("HARNESS-PORTAL-READY", json.dumps({"pid": os.getpid(), "listening": listening}), file=markers, flush=True)

    reactor.callWhenRunning(ready)

    from twisted.scripts.twistd import run

    sys.argv = [
        "twistd",
        "--nodaemon",
        f"--python={portal_py}",
        f"--logfile={os.path.join(logs, 'portal.log')}",
        f"--pidfile={os.path.join(game, 'server', 'portal.pid')}",
    ]
    run()


if __name__ == "__main__":
    main()
