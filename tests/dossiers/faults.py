"""A dossier part's layout that fails, for tests/dossiers/test_parts.py, in a module with
nothing to import: a worker process imports the module of the function it is given, and the
test module would bring pytest, the suite's helpers and Hypothesis into every worker."""

from __future__ import annotations

import os


def crash(*args):
    os._exit(3)


def fail(*args):
    raise ValueError("cannot lay this out")
