"""The ``kg`` command line: a thin layer over the Python API.

Each command lives in its own module, imported only when that command runs (so ``kg query``
does not pay for the web server, the remote client or the build machinery). Data goes to
stdout, messages to stderr. Exit codes: 0 success, 1 a failed request (unknown entity, no
path, invalid graph), 2 bad usage or a malformed query.

The click group is :data:`main` (:mod:`kg.cli.group`, imported on first use). ``kg query``
with plain options runs without importing click at all (:mod:`kg.cli.fast`): click's
import is a third of that command's start-up, and a query is what users run most.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

__all__ = ["main", "run", "COMMANDS"]

#: Every command: its name and where it lives (``module:attribute``).
COMMANDS = {
    "build": "kg.cli.build:build_command",
    "validate": "kg.cli.build:validate_command",
    "query": "kg.cli.query:query_command",
    "queries": "kg.cli.query:queries_command",
    "path": "kg.cli.paths:path_command",
    "neighbourhood": "kg.cli.paths:neighbourhood_command",
    "neighbors": "kg.cli.paths:neighbors_command",  # the old name, hidden
    "viz": "kg.cli.viz:viz_command",
    "serve": "kg.cli.serve:serve_command",
    "crosscheck": "kg.cli.hpo:crosscheck_command",
    "push": "kg.cli.remote:push_command",
    "status": "kg.cli.status:status_command",
}


def __getattr__(name: str) -> Any:
    # ``from kg.cli import main``: the click group, imported only when someone asks for it.
    if name == "main":
        from kg.cli.group import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    main: click.Group


def run() -> None:
    """The ``kg`` console script and ``python -m kg``: :data:`main` in a process of its own.

    Only here may a command change the whole process, as ``kg query`` does when it drops the
    network before running a query on a local build (:mod:`kg.sandbox`); ``main`` invoked
    in-process (tests, other programs) leaves the process as it is. A ``kg query`` whose
    options the fast path reads exactly as click would runs without click
    (:func:`kg.cli.fast.run_fast`); anything else goes to click.
    """
    from kg.cli.fast import run_fast

    if run_fast(sys.argv[1:]):
        return
    from kg.cli.group import main

    main(obj={"own_process": True})
