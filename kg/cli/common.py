"""Shared CLI helpers: error reporting and the common options."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from kg.errors import KGError, QueryError

__all__ = ["reports_errors", "build_dir_option", "endpoint_option", "hpo_option", "graphs_for", "echo_err",
           "parse_params", "load_graph"]


def echo_err(message: str) -> None:
    """Write ``message`` on its own line to stderr (data goes to stdout)."""
    click.echo(message, err=True)


def reports_errors(func):
    """Turn a :class:`~kg.errors.KGError` into a one-line message on stderr and an exit code
    (2 for a malformed query, 1 otherwise), instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except QueryError as exc:
            echo_err(f"error: {exc}")
            sys.exit(getattr(exc, "exit_code", 2))
        except KGError as exc:
            echo_err(f"error: {exc}")
            sys.exit(1)

    return wrapper


def build_dir_option(func):
    """``--out DIR``: the build directory. It has no short form: ``-o`` means an output
    *file* to users (it is ``kg viz``'s ``--output``), and a build replaces its directory."""
    return click.option(
        "--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Build directory (default: $KG_BUILD_DIR, else ~/.cache/myoclonus-kg/build; "
             "`kg status` shows which); a build goes only into a new or empty directory or an "
             "earlier build.")(func)


def endpoint_option(func):
    """``--endpoint URL``: answer from a SPARQL server instead of the local build."""
    return click.option(
        "--endpoint", default=None, metavar="URL",
        help="Run against a remote SPARQL server (its base URL or query endpoint; "
             "see docs/remote.md) instead of the local build.")(func)


def load_graph(out: Path | None, endpoint: str | None = None):
    """The graph a command works on: ``kg.load`` with its build messages on stderr (a build
    on first use says so and shows its progress; data stays on stdout)."""
    import kg

    if endpoint is not None:
        return kg.load(out, endpoint=endpoint)
    return kg.load(out, progress=echo_err)


def parse_params(items) -> dict[str, str]:
    """``("key=value", ...)`` from repeated ``--param`` options, as a dict.

    Raises
    ------
    click.UsageError
        If an item has no ``=``.
    """
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--param wants KEY=VALUE, not {item!r}")
        params[key] = value
    return params


def hpo_option(func):
    """``--hpo/--no-hpo``: include or exclude the imported HPO graph (default: everything built)."""
    return click.option("--hpo/--no-hpo", "include_hpo", default=None,
                        help="Include or exclude the imported HPO graph (default: everything built).")(func)


def graphs_for(include_hpo: bool | None) -> tuple[str, ...] | None:
    """The named graphs to query for a ``--hpo/--no-hpo`` choice (``None``: all).

    ``--no-hpo`` leaves out the entailed graph too: some of its edges come from the import.
    """
    if include_hpo is None:
        return None
    return ("curated", "ontology", "hpo", "entailed") if include_hpo else ("curated", "ontology")
