# Run by amp-portal, once at start, with the game's own Python, in the game
# folder, with DJANGO_SETTINGS_MODULE=server.conf.settings and the game folder
# on PYTHONPATH. Prints one JSON object on stdout: the settings the Portal
# uses, read through Django exactly as Evennia's Portal reads them, and a
# few values Evennia's Portal computes from them (its version strings, the
# MSSP table of MSSP_META_MODULE, sys.path for the Server's environment).
# Everything is plain data: nothing of the game is imported beyond its
# settings and its MSSP module.
import importlib
import json
import os
import sys

from django.conf import settings

KEYS = [
    "SERVERNAME", "GAME_DIR", "LOCKDOWN_MODE",
    "AMP_HOST", "AMP_PORT", "AMP_INTERFACE",
    "TELNET_ENABLED", "TELNET_PORTS", "TELNET_INTERFACES", "TELNET_OOB_ENABLED",
    "SSL_ENABLED", "SSL_PORTS", "SSL_INTERFACES",
    "SSH_ENABLED", "SSH_PORTS", "SSH_INTERFACES",
    "WEBSERVER_ENABLED", "WEBSERVER_PORTS", "WEBSERVER_INTERFACES", "UPSTREAM_IPS",
    "WEBCLIENT_ENABLED", "WEBSOCKET_CLIENT_ENABLED", "WEBSOCKET_CLIENT_PORT",
    "WEBSOCKET_CLIENT_INTERFACE", "WEBSOCKET_CLIENT_URL",
    "MAX_CONNECTION_RATE", "MAX_COMMAND_RATE", "COMMAND_RATE_WARNING",
    "MAX_CHAR_LIMIT", "MAX_CHAR_LIMIT_WARNING",
    "ENCODINGS", "MXP_ENABLED", "IDLE_COMMAND", "SCREENREADER_REGEX_STRIP",
    "CLIENT_DEFAULT_WIDTH", "CLIENT_DEFAULT_HEIGHT",
    "SERVER_LOG_FILE", "PORTAL_LOG_FILE", "HTTP_LOG_FILE",
    "SESSION_SYNC_ATTRS", "MSSP_META_MODULE",
    "PORTAL_SERVICES_PLUGIN_MODULES",
    "TELNET_PROTOCOL_CLASS", "BASE_SESSION_CLASS", "AMP_SERVER_PROTOCOL_CLASS",
    "SSL_PROTOCOL_CLASS", "SSH_PROTOCOL_CLASS", "WEBSOCKET_PROTOCOL_CLASS",
    "AJAX_CLIENT_CLASS",
    "COLOR_NO_DEFAULT", "COLOR_ANSI_EXTRA_MAP", "COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP",
    "COLOR_XTERM256_EXTRA_FG", "COLOR_XTERM256_EXTRA_BG",
    "COLOR_XTERM256_EXTRA_GFG", "COLOR_XTERM256_EXTRA_GBG",
]


def plain(value):
    """Settings as JSON: tuples become lists, anything else its str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


out = {"settings": {}, "missing": [], "problems": []}
for key in KEYS:
    if hasattr(settings, key):
        out["settings"][key] = plain(getattr(settings, key))
    else:
        out["missing"].append(key)

try:
    from evennia.utils.utils import get_evennia_version

    out["version"] = get_evennia_version()
    out["version_pretty"] = get_evennia_version(mode="pretty")
except Exception as err:  # reported, never fatal: the Portal has defaults
    out["problems"].append("evennia version: %r" % (err,))

# Evennia's mssp.py: utils.variable_from_module(MSSP_META_MODULE, "MSSPTable", default={})
mssp = {}
module = getattr(settings, "MSSP_META_MODULE", None)
if module:
    try:
        table = getattr(importlib.import_module(module), "MSSPTable", {}) or {}
        mssp = {str(k): plain(v) for k, v in table.items()}
    except Exception as err:
        out["problems"].append("MSSP_META_MODULE %s: %r" % (module, err))
out["mssp"] = mssp

def is_empty_function(func):
    """True for a function whose body is only a docstring and `pass`."""
    import dis

    code = getattr(func, "__code__", None)
    if code is None:
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP")]
    return ops in ([("RETURN_CONST", None)], [("LOAD_CONST", None), ("RETURN_VALUE", None)])


# Portal plugin modules that really define services (Python code the Rust
# Portal cannot run): Evennia's template ships an empty one.
plugins = []
for module in getattr(settings, "PORTAL_SERVICES_PLUGIN_MODULES", None) or []:
    try:
        mod = importlib.import_module(module)
    except Exception:
        continue
    hook = getattr(mod, "start_plugin_services", None)
    if callable(hook) and not is_empty_function(hook):
        plugins.append(module)
out["plugins"] = plugins

try:
    import evennia

    out["evennia_dir"] = os.path.dirname(os.path.abspath(evennia.__file__))
except Exception as err:
    out["problems"].append("import evennia: %r" % (err,))

out["sys_path"] = list(sys.path)
out["python"] = sys.executable
out["cwd"] = os.getcwd()
json.dump(out, sys.stdout)
