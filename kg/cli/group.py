"""The ``kg`` click group: every command of :data:`kg.cli.COMMANDS`, each imported when used."""

from __future__ import annotations

import importlib

import click

from kg.cli import COMMANDS
from kg.version import __version__

__all__ = ["main"]


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
