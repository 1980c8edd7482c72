#!/usr/bin/env python3
"""Export the amp.Command classes of Python modules as an amp-schema TOML file.

    python tools/export_schema.py MODULE [MODULE ...]
        [--type-map NAME=rust::Path ...] [--protocol NAME=module:Class ...]

MODULE is a dotted module name (importable from the current directory or
PYTHONPATH) or the path of a .py file. Every twisted.protocols.amp.Command
subclass *defined* in those modules is printed, in definition order, as a
[commands.ClassName] table (see schema/README.md): arguments and response with
their types (ListOf -> of, AmpList -> fields, nested), optional, errors and
fatal_errors by exception class name, requires_answer, and name = "..." when
commandName differs from the class name.

An argument type that is not one of Twisted's own (Integer, String, Unicode,
Path, Boolean, Float, Decimal, DateTime, Descriptor, ListOf, AmpList) is named
by its class name and gets a [types.ClassName] table. Its Rust type comes from
--type-map ClassName=rust::Path; without one the table only holds a comment
asking for it, so the output does not pass validation until `rust` is filled
in (no placeholder value is ever written).

--protocol NAME=module:Class adds [protocols.NAME] with the exported commands
that the AMP (CommandLocator) subclass Class answers, from its @responder
declarations. Commands it answers that were not exported are listed in a
comment (every AMP answers Twisted's StartTLS, for instance).

Needs only the standard library and Twisted; runs on Python 3.11 and 3.12.
The output depends only on the modules (and the Twisted version in the first
comment), never on dict or set iteration order of anything else.
Exit status: 0 on success, 2 on a usage error or a module that cannot be
exported (the reason is printed on stderr).
"""

import argparse
import importlib
import importlib.util
import os
import re
import sys
import textwrap

try:
    import twisted
    from twisted.protocols import amp
except ImportError as exc:  # pragma: no cover - the venvs always have Twisted
    sys.stderr.write("export_schema.py: Twisted is required: %s\n" % exc)
    sys.exit(2)

# Exact classes only: a subclass (Evennia's Compressed subclasses String) has
# its own wire format and is a custom type.
BUILTIN_TYPES = [
    (amp.Integer, "Integer"),
    (amp.String, "String"),
    (amp.Unicode, "Unicode"),
    (amp.Path, "Path"),
    (amp.Boolean, "Boolean"),
    (amp.Float, "Float"),
    (amp.Decimal, "Decimal"),
    (amp.DateTime, "DateTime"),
    (amp.Descriptor, "Descriptor"),
    (amp.ListOf, "ListOf"),
    (amp.AmpList, "AmpList"),
]
BUILTIN_NAMES = {cls: name for cls, name in BUILTIN_TYPES}

# A nested AmpList is written on one line up to this width, else one field a line.
MAX_LINE = 100


class ExportError(Exception):
    """A module that cannot be expressed in the schema format."""


def toml_string(text):
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append("\\u%04X" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key):
    """A TOML key: bare when it can be, else quoted."""
    return key if BARE_KEY.match(key) else toml_string(key)


def wire_text(value, what):
    """A wire name or code (bytes, or str in old code) as text."""
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError("%s %r is not UTF-8, which a TOML schema cannot hold" % (what, value))


def qualified(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def load_module(spec):
    """Imports a dotted module name or a .py file."""
    if spec.endswith(".py") or os.sep in spec:
        path = os.path.abspath(spec)
        name = os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ExportError("cannot load %s" % spec)
        module = importlib.util.module_from_spec(module_spec)
        # Registered before running it so that its classes' __module__ resolves.
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec)


class Exporter:
    def __init__(self, type_map):
        self.type_map = type_map
        self.commands = []  # (key, class) in output order
        self.command_keys = {}  # class -> key
        self.custom = {}  # name -> class
        self.custom_order = []
        self.exceptions = {}  # name -> class
        self.warnings = []

    def add_module(self, module):
        seen = set()
        for value in list(vars(module).values()):
            if not (isinstance(value, type) and issubclass(value, amp.Command) and value is not amp.Command):
                continue
            if value.__module__ != module.__name__ or id(value) in seen:
                continue
            seen.add(id(value))
            key = value.__name__
            for other_key, other in self.commands:
                if other_key == key:
                    raise ExportError(
                        "two commands are named %s (%s and %s): export them separately"
                        % (key, qualified(other), qualified(value))
                    )
            self.commands.append((key, value))
            self.command_keys[value] = key

    # -- types ---------------------------------------------------------

    def type_parts(self, arg):
        """The type of an argument as ordered (key, TOML value) pairs."""
        cls = type(arg)
        name = BUILTIN_NAMES.get(cls)
        if name == "ListOf":
            return [("type", toml_string("ListOf")), ("of", self.element(arg.elementType))]
        if name == "AmpList":
            return [("type", toml_string("AmpList")), ("fields", None, arg.subargs)]
        if name is not None:
            return [("type", toml_string(name))]
        return [("type", toml_string(self.custom_type(cls)))]

    def element(self, arg):
        """The value of `of`: a type name, or a table for nested types."""
        parts = self.type_parts(arg)
        if len(parts) == 1:
            return parts[0][1]
        return self.inline(parts, indent="")

    def custom_type(self, cls):
        name = cls.__name__
        known = self.custom.get(name)
        if known is None:
            self.custom[name] = cls
            self.custom_order.append(name)
        elif known is not cls:
            raise ExportError(
                "two argument types are named %s (%s and %s): the schema names custom types by class name"
                % (name, qualified(known), qualified(cls))
            )
        return name

    # -- rendering -----------------------------------------------------

    def field_parts(self, name, arg, nested):
        parts = [("name", toml_string(wire_text(name, "the argument name")))]
        parts.extend(self.type_parts(arg))
        # `optional` means nothing on a ListOf element; Twisted ignores it there.
        if getattr(arg, "optional", False) and not nested:
            parts.append(("optional", "true"))
        return parts

    def inline(self, parts, indent):
        """An inline table; an AmpList's fields on one line when it fits in
        MAX_LINE, else one field a line (TOML allows newlines inside an array
        even within an inline table)."""
        short = self.render_parts(parts, indent, multiline=False)
        if "\n" not in short and len(indent) + len(short) <= MAX_LINE:
            return short
        return self.render_parts(parts, indent, multiline=True)

    def render_parts(self, parts, indent, multiline):
        items = []
        for part in parts:
            if part[1] is not None:
                items.append("%s = %s" % (part[0], part[1]))
                continue
            inner = indent + "  "
            fields = [self.inline(self.field_parts(n, a, False), inner) for n, a in part[2]]
            if multiline and fields:
                body = "\n".join("%s%s," % (inner, f) for f in fields)
                items.append("%s = [\n%s\n%s]" % (part[0], body, indent))
            else:
                items.append("%s = [%s]" % (part[0], ", ".join(fields)))
        return "{ %s }" % ", ".join(items)

    def field_list(self, key, fields):
        if not fields:
            return "%s = []" % key
        lines = ["%s = [" % key]
        for name, arg in fields:
            lines.append("  %s," % self.inline(self.field_parts(name, arg, False), "  "))
        lines.append("]")
        return "\n".join(lines)

    def error_table(self, rows):
        items = ["%s = %s" % (toml_key(name), toml_string(code)) for name, code in rows]
        return "{ %s }" % ", ".join(items)

    def errors_of(self, cls):
        """(errors, fatal_errors) as Twisted uses them: every entry of
        allErrors (errors and fatalErrors accumulated over the bases), fatal
        when the exception is in the class's fatalErrors."""
        errors, fatal = [], []
        for exc, code in cls.allErrors.items():
            name = exc.__name__
            known = self.exceptions.setdefault(name, exc)
            if known is not exc:
                raise ExportError(
                    "two exceptions are named %s (%s and %s): the schema names exceptions by class name"
                    % (name, qualified(known), qualified(exc))
                )
            row = (name, wire_text(code, "the error code of %s in %s" % (name, cls.__name__)))
            (fatal if exc in cls.fatalErrors else errors).append(row)
        return errors, fatal

    def command(self, key, cls):
        lines = ["[commands.%s]" % toml_key(key)]
        # The docstring's first paragraph, as comment lines.
        paragraph = (cls.__doc__ or "").strip().split("\n\n")[0]
        summary = " ".join(paragraph.split())
        if summary:
            wrapped = textwrap.wrap(summary, MAX_LINE - 2, break_long_words=False, break_on_hyphens=False)
            lines[0:0] = ["# " + line for line in wrapped]
        name = wire_text(cls.commandName, "the command name of %s" % key)
        if name != key:
            lines.append("name = %s" % toml_string(name))
        if issubclass(cls, amp.ProtocolSwitchCommand):
            note = "%s is a ProtocolSwitchCommand, which the schema cannot express" % key
            self.warnings.append(note)
            lines.append("# NOTE: " + note)
        for what in ("commandType", "responseType"):
            if getattr(cls, what) not in (amp.Box, amp.AmpBox):
                note = "%s uses a custom %s (%s), which the schema cannot express" % (
                    key,
                    what,
                    qualified(getattr(cls, what)),
                )
                self.warnings.append(note)
                lines.append("# NOTE: " + note)
        lines.append(self.field_list("arguments", cls.arguments))
        lines.append(self.field_list("response", cls.response))
        errors, fatal = self.errors_of(cls)
        if errors:
            lines.append("errors = %s" % self.error_table(errors))
        if fatal:
            lines.append("fatal_errors = %s" % self.error_table(fatal))
        if not cls.requiresAnswer:
            lines.append("requires_answer = false")
        return "\n".join(lines)

    def types_section(self):
        out = []
        for name in self.custom_order:
            cls = self.custom[name]
            base = next((BUILTIN_NAMES[b] for b in cls.__mro__ if b in BUILTIN_NAMES), None)
            lines = ["[types.%s]" % toml_key(name)]
            about = qualified(cls)
            if base:
                about += " (a subclass of twisted.protocols.amp.%s)" % base
            lines.append("# %s" % about)
            rust = self.type_map.get(name)
            if rust is None:
                lines.append("# Fill in the Rust type implementing amp_runtime::ArgumentType for it,")
                lines.append("# or export again with --type-map %s=my_crate::%s:" % (name, name))
                lines.append('# rust = "my_crate::%s"' % name)
                self.warnings.append(
                    "custom type %s has no Rust type: fill in `rust` or pass --type-map %s=path" % (name, name)
                )
            else:
                lines.append("rust = %s" % toml_string(rust))
            out.append("\n".join(lines))
        return out

    def protocol(self, name, locator):
        dispatch = getattr(locator, "_commandDispatch", None)
        if dispatch is None:
            raise ExportError("%s is not an AMP CommandLocator subclass" % qualified(locator))
        answered = [command for command, _responder in dispatch.values()]
        answers = [key for key, cls in self.commands if cls in answered]
        others = sorted(qualified(c) for c in answered if c not in self.command_keys)
        lines = ["# What %s answers." % qualified(locator), "[protocols.%s]" % toml_key(name)]
        if others:
            lines.insert(1, "# It also answers commands that were not exported: %s." % ", ".join(others))
        lines.append("answers = [%s]" % ", ".join(toml_string(a) for a in answers))
        return "\n".join(lines)


def pair(text, what):
    if "=" not in text:
        raise ExportError("%s must be NAME=VALUE, got %r" % (what, text))
    name, value = text.split("=", 1)
    if not name or not value:
        raise ExportError("%s must be NAME=VALUE, got %r" % (what, text))
    return name, value


def main(argv):
    parser = argparse.ArgumentParser(
        prog="export_schema.py",
        description="Print the amp.Command classes of Python modules as amp-schema TOML.",
    )
    parser.add_argument("modules", nargs="+", metavar="MODULE", help="dotted module name or .py file")
    parser.add_argument(
        "--type-map",
        action="append",
        default=[],
        metavar="NAME=RUST_PATH",
        help="the Rust type of a custom argument type (repeatable)",
    )
    parser.add_argument(
        "--protocol",
        action="append",
        default=[],
        metavar="NAME=MODULE:CLASS",
        help="add [protocols.NAME] with the commands CLASS answers (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        type_map = dict(pair(t, "--type-map") for t in args.type_map)
        protocols = []
        for spec in args.protocol:
            name, target = pair(spec, "--protocol")
            if ":" not in target:
                raise ExportError("--protocol must be NAME=module:Class, got %r" % spec)
            protocols.append((name, target))

        exporter = Exporter(type_map)
        modules = [load_module(m) for m in args.modules]
        for module in modules:
            exporter.add_module(module)
        if not exporter.commands:
            raise ExportError("no amp.Command subclass is defined in %s" % ", ".join(args.modules))

        sections = [exporter.command(key, cls) for key, cls in exporter.commands]
        sections.extend(exporter.types_section())
        unused = sorted(set(type_map) - set(exporter.custom))
        if unused:
            raise ExportError("--type-map names types no command uses: %s" % ", ".join(unused))
        for name, target in protocols:
            module_name, class_name = target.split(":", 1)
            module = load_module(module_name)
            locator = getattr(module, class_name, None)
            if locator is None:
                raise ExportError("%s has no class %s" % (module_name, class_name))
            sections.append(exporter.protocol(name, locator))
    except ExportError as exc:
        sys.stderr.write("export_schema.py: %s\n" % exc)
        return 2

    header = [
        "# Exported by tools/export_schema.py from %s" % ", ".join(m.__name__ for m in modules),
        "# (Twisted %s). The format is described in schema/README.md." % twisted.__version__,
    ]
    sys.stdout.write("\n".join(header) + "\n\n" + "\n\n".join(sections) + "\n")
    for warning in exporter.warnings:
        sys.stderr.write("export_schema.py: warning: %s\n" % warning)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
