"""CLI helpers that need no click: messages on stderr, exit codes for errors, the graph.

``kg query`` on its fast path (:mod:`kg.cli.fast`) runs without importing click, whose
import costs about a third of the command's start-up; these helpers serve it and the click
commands alike (:mod:`kg.cli.common` re-exports them), so both print the same lines.
"""

from __future__ import annotations

import functools
import sys

from kg.errors import KGError, QueryError

__all__ = ["UsageProblem", "echo_err", "reports_errors", "load_graph", "graphs_for", "parse_params"]


class UsageProblem(Exception):
    """Bad usage found by click-free code: the click layer reports it as a ``click.UsageError``
    (usage line, hint, ``Error: ...``, exit code 2)."""


def echo_err(message: str) -> None:
    """Write ``message`` on its own line to stderr (data goes to stdout), as ``click.echo``
    does: a message with terminal escapes goes through click, which strips them when stderr
    is not a terminal."""
    if "\x1b" in message:
        import click

        click.echo(message, err=True)
        return
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


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


def load_graph(out, endpoint: str | None = None):
    """The graph a command works on: ``kg.load`` with its build messages on stderr (a build
    on first use says so and shows its progress; data stays on stdout)."""
    import kg

    if endpoint is not None:
        return kg.load(out, endpoint=endpoint)
    return kg.load(out, progress=echo_err)


def graphs_for(include_hpo: bool | None) -> tuple[str, ...] | None:
    """The named graphs to query for a ``--hpo/--no-hpo`` choice (``None``: all).

    ``--no-hpo`` leaves out the entailed graph too: some of its edges come from the import.

    Examples
    --------
    >>> graphs_for(False)
    ('curated', 'ontology')
    >>> graphs_for(None) is None
    True
    """
    if include_hpo is None:
        return None
    return ("curated", "ontology", "hpo", "entailed") if include_hpo else ("curated", "ontology")


def parse_params(items) -> dict[str, str]:
    """``("key=value", ...)`` from repeated ``--param`` options, as a dict.

    Raises
    ------
    UsageProblem
        If an item has no ``=``.

    Examples
    --------
    >>> parse_params(["drug=clonazepam", "x=a=b"])
    {'drug': 'clonazepam', 'x': 'a=b'}
    """
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageProblem(f"--param wants KEY=VALUE, not {item!r}")
        params[key] = value
    return params
