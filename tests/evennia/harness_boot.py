"""Shared start-up step of the Evennia harness scripts (ev61 venv).

Evennia 6.1 imports `inflect`, whose classes are decorated with typeguard's
`@typechecked`; typeguard 4 re-parses and recompiles inflect's whole source on
every import (23 times), about 5 CPU seconds, over two thirds of the Portal's
start-up. `fast_imports()` makes `typechecked` return its target unchanged
before anything imports inflect: exactly what typeguard itself does under
`python -O`, without -O's other effect (asserts removed everywhere). Only the
run-time type checks inside inflect (English plurals for object names) are
lost; the Portal never calls it.
"""

import sys


def fast_imports():
    if "inflect" in sys.modules:
        return  # too late to matter
    import typeguard

    def typechecked(target=None, **_options):
        return target if target is not None else (lambda t: t)

    typeguard.typechecked = typechecked
