"""``kg status``: which build the commands use, what it holds, when it was built."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.cli.common import build_dir_option, reports_errors

__all__ = ["status_command"]


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--path", "path_only", is_flag=True, help="Print only the build directory.")
@build_dir_option
@reports_errors
def status_command(as_json: bool, path_only: bool, out: Path | None) -> None:
    """Show the build the other commands use: its directory (and why that one), whether it
    exists and is up to date, what it contains (curated graph, HPO subset or full and the
    HPO release), when it was built, and its counts. Never builds anything.
    """
    from kg.build.status import build_status

    status = build_status(out)
    if path_only:
        click.echo(str(status.directory))
    elif as_json:
        click.echo(json.dumps(status.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(status.text())
