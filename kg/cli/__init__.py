"""The ``kg`` command line: a thin layer over the Python API.

Each command lives in its own module, imported only when that command runs (so ``kg query``
does not pay for the web server, the remote client or the build machinery). Data goes to
stdout, messages to stderr. Exit codes: 0 success, 1 a failed request (unknown entity, no
path, invalid graph), 2 bad usage or a malformed query.
"""

from __future__ import annotations

import importlib

import click

from kg.version import __version__

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


class _LazyGroup(click.Group):
    """A group whose commands are imported when first asked for (by name, or all for ``--help``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attribute = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if command.name != cmd_name:  # a renamed command would silently vanish from --help
                raise RuntimeError(f"{COMMANDS[cmd_name]} is named {command.name!r}, not {cmd_name!r}")
            self.add_command(command)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """myoclonus-kg: a curated, evidence-backed knowledge graph of myoclonus."""


def run() -> None:
    """The ``kg`` console script and ``python -m kg``: :func:`main` in a process of its own.

    Only here may a command change the whole process, as ``kg query`` does when it drops the
    network before running a query on a local build (:mod:`kg.sandbox`); ``main`` invoked
    in-process (tests, other programs) leaves the process as it is.
    """
    main(obj={"own_process": True})
