"""``kg query`` without click: the common invocations parsed by hand, anything else to click.

Importing click costs about a third of a ``kg query`` process's start-up (it pulls in
``inspect``, ``typing``, ``uuid``, ``platform``, ``datetime``...). :func:`parse_query_args`
reads the invocations users type (a query text, ``--name`` with ``--param``, ``--format``,
``--limit``, ``--timeout``, ``--hpo/--no-hpo``, ``--out``, ``--file``) and returns exactly the parameters
click would; for anything it is not sure of (help, an unknown or repeated option, a value
that looks like an option, a value click would refuse, ``--endpoint``, shell completion) it
returns ``None`` and the click command runs, so help, usage errors and their exit codes come
from click itself. ``tests/test_cli_fast.py`` checks the two parsers agree and that the spec
below matches the click command's options.

A fast-path run ends as click's standalone mode ends: a usage problem found while running
(say ``--format csv`` for a CONSTRUCT) is handed to click, which reruns the command and
reports it; Ctrl-C prints ``Aborted!`` (exit 1); a closed stdout exits 1 quietly.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any

from kg.cli.querying import QUERY_TIMEOUT

__all__ = ["QUERY_OPTIONS", "parse_query_args", "run_fast"]

#: The options of ``kg query`` the fast path reads: option string -> (parameter, kind).
#: Kinds: ``text`` (one value), ``many`` (repeatable), ``int``, ``seconds`` (a float, at least
#: 0), ``format``, ``file``, ``dir``, ``on``/``off`` (the two halves of a boolean flag).
QUERY_OPTIONS = {
    "--name": ("name", "text"), "-n": ("name", "text"),
    "--param": ("param", "many"), "-p": ("param", "many"),
    "--format": ("fmt", "format"),
    "--limit": ("limit", "int"),
    "--timeout": ("timeout", "seconds"),
    "--file": ("query_file", "file"), "-f": ("query_file", "file"),
    "--out": ("out", "dir"),
    "--hpo": ("include_hpo", "on"), "--no-hpo": ("include_hpo", "off"),
}
#: The parameters of the click command, with click's values when the option is absent.
DEFAULTS: dict[str, Any] = {"query": None, "query_file": None, "name": None, "param": (), "fmt": None, "limit": None,
            "timeout": QUERY_TIMEOUT, "include_hpo": None, "endpoint": None, "out": None}


def _value(kind: str, raw: str):
    """The value click would give, or ``None`` when click might refuse ``raw`` or read it
    otherwise."""
    from kg.cli.querying import FORMATS

    if raw.startswith("-"):
        return None  # click may read it as the next option; let click decide
    if kind in ("text", "many"):
        return raw
    if kind == "format":
        return raw if raw in FORMATS else None
    if kind == "int":
        return int(raw) if raw.isascii() and raw.isdigit() else None
    if kind == "seconds":  # digits with an optional fraction ("5", "0.5"); click reads the rest
        whole, dot, fraction = raw.partition(".")
        plain = raw.isascii() and whole.isdigit() and (not dot or fraction.isdigit())
        return float(raw) if plain else None
    if kind == "file":  # click.Path(dir_okay=False): readable, not a directory, if it exists
        if os.path.exists(raw) and (os.path.isdir(raw) or not os.access(raw, os.R_OK)):
            return None
        return Path(raw)
    if kind == "dir":  # click.Path(file_okay=False): readable, not a regular file, if it exists
        if os.path.exists(raw) and (not os.path.isdir(raw) or not os.access(raw, os.R_OK)):
            return None
        return Path(raw)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def parse_query_args(argv: list[str]) -> dict | None:
    """The parameters click would pass to ``kg query`` for ``argv``, or ``None`` to let click
    parse it.

    Parameters
    ----------
    argv : list of str
        The arguments after the program name (``sys.argv[1:]``).

    Returns
    -------
    dict or None
        Keyword arguments of :func:`kg.cli.querying.run_query` (bar ``own_process``).

    Examples
    --------
    >>> parse_query_args(["query", "--name", "antiepileptic-drugs", "--format=csv"])["fmt"]
    'csv'
    >>> parse_query_args(["query", "--help"]) is None
    True
    """
    if not argv or argv[0] != "query":
        return None
    params: dict[str, Any] = dict(DEFAULTS)
    seen: set[str] = set()
    rest = argv[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        if token == "-" or not token.startswith("-"):
            if "query" in seen:
                return None  # click: "Got unexpected extra argument"
            seen.add("query")
            params["query"] = token
            continue
        option, equals, raw = token.partition("=")
        if not option.startswith("--"):
            option, equals, raw = token, "", ""  # "-nNAME" and "-n=NAME": click's rules, not ours
        if option not in QUERY_OPTIONS:
            return None  # --help, --endpoint, an unknown or a bundled short option
        name, kind = QUERY_OPTIONS[option]
        if kind in ("on", "off"):
            if equals or name in seen:
                return None
            seen.add(name)
            params[name] = kind == "on"
            continue
        if not equals:
            if i >= len(rest):
                return None  # click: "Option requires an argument"
            raw = rest[i]
            i += 1
        value = _value(kind, raw)
        if value is None:
            return None
        if kind == "many":
            params[name] = params[name] + (value,)
        elif name in seen:
            return None  # click keeps the last; the fast path need not learn that
        else:
            seen.add(name)
            params[name] = value
    return params


def _completion_requested() -> bool:
    """Whether a shell asks for completions (click reads ``_<PROG>_COMPLETE``)."""
    return any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ)


def run_fast(argv: list[str]) -> bool:
    """Run ``kg query`` without click if :func:`parse_query_args` reads ``argv``.

    Returns
    -------
    bool
        ``False`` if click must run the command (nothing was done); otherwise the command
        ran (or exited, as click's standalone mode does).
    """
    params = parse_query_args(argv)
    if params is None or _completion_requested():
        return False
    from kg.cli.base import UsageProblem
    from kg.cli.querying import run_query

    if params["query"] == "-":
        # Kept, so that click, if it has to run the command again, reads the same query.
        import io

        sys.stdin = io.StringIO(sys.stdin.read())
    try:
        run_query(**params, own_process=True)
    except UsageProblem:
        if params["query"] == "-":
            sys.stdin.seek(0)
        return False  # click parses again, runs again and reports it, as it always has
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from click.utils import _PacifyFlushWrapper

        sys.stdout = _PacifyFlushWrapper(sys.stdout)
        sys.stderr = _PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    return True
