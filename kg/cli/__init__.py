"""The ``kg`` command line: a thin layer over the Python API.

Each command lives in its own module and is registered here. Data goes to stdout,
messages to stderr. Exit codes: 0 success, 1 a failed request (unknown entity, no path,
invalid graph), 2 bad usage or a malformed query.
"""

from __future__ import annotations

import click

from kg.version import __version__
from kg.cli.build import build_command, validate_command

__all__ = ["main", "run"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """myoclonus-kg: a curated, evidence-backed knowledge graph of myoclonus."""


main.add_command(build_command)
main.add_command(validate_command)

# Commands of the later layers register themselves only if their module is present.
for _module, _names in (
    ("kg.cli.query", ("query_command", "queries_command")),
    ("kg.cli.paths", ("path_command", "neighbors_command")),
    ("kg.cli.viz", ("viz_command",)),
    ("kg.cli.serve", ("serve_command",)),
    ("kg.cli.hpo", ("crosscheck_command",)),
    ("kg.cli.remote", ("push_command",)),
    ("kg.cli.status", ("status_command",)),
):
    try:
        _mod = __import__(_module, fromlist=list(_names))
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    for _name in _names:
        main.add_command(getattr(_mod, _name))


def run() -> None:
    """The ``kg`` console script and ``python -m kg``: :func:`main` in a process of its own.

    Only here may a command change the whole process, as ``kg query`` does when it drops the
    network before running a query on a local build (:mod:`kg.sandbox`); ``main`` invoked
    in-process (tests, other programs) leaves the process as it is.
    """
    main(obj={"own_process": True})
