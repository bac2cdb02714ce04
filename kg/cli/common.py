"""Shared CLI helpers: error reporting and the common options."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import base
from kg.cli.base import echo_err, graphs_for, load_graph, reports_errors

__all__ = ["reports_errors", "build_dir_option", "endpoint_option", "hpo_option", "graphs_for", "echo_err",
           "parse_params", "load_graph"]


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


def parse_params(items) -> dict[str, str]:
    """``("key=value", ...)`` from repeated ``--param`` options, as a dict
    (:func:`kg.cli.base.parse_params`).

    Raises
    ------
    click.UsageError
        If an item has no ``=``.
    """
    try:
        return base.parse_params(items)
    except base.UsageProblem as exc:
        raise click.UsageError(str(exc)) from None


def hpo_option(func):
    """``--hpo/--no-hpo``: include or exclude the imported HPO graph (default: everything built)."""
    return click.option("--hpo/--no-hpo", "include_hpo", default=None,
                        help="Include or exclude the imported HPO graph (default: everything built).")(func)
