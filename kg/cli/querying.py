"""What ``kg query`` does, without click: run the query on the graph and print the result.

The click command (:mod:`kg.cli.query`) and the fast path (:mod:`kg.cli.fast`) both call
:func:`run_query`, so the command behaves the same whichever way it was parsed. Bad usage
raises :class:`~kg.cli.base.UsageProblem`, which the click layer reports as click does.
"""

from __future__ import annotations

import sys

from kg.cli.base import UsageProblem, echo_err, graphs_for, load_graph, parse_params, reports_errors
from kg.errors import KGError, QueryError

__all__ = ["FORMATS", "QUERY_TIMEOUT", "run_query"]

#: The output formats of ``--format``.
FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"]
#: Seconds a query may run by default (``--timeout``; 0: no limit).
QUERY_TIMEOUT = 60.0
#: Stack of the thread a query runs in: 8 MiB, as the main thread's.
QUERY_STACK = 8 << 20


@reports_errors
def run_query(query, query_file, name, param, fmt, limit, include_hpo, endpoint, out,
              timeout: float = QUERY_TIMEOUT, *, own_process: bool = False) -> None:
    """Run one ``kg query`` (its parsed options) and print its result on stdout.

    Parameters
    ----------
    query, query_file, name : str, path, str or None
        Exactly one: the query text (``-`` for stdin), a file holding it, or a named query.
    param : sequence of str
        ``KEY=VALUE`` parameters of a named query.
    fmt : str or None
        One of :data:`FORMATS`; ``None`` chooses by result kind and terminal.
    limit : int or None
        Row cap.
    timeout : float
        Seconds the query may run (0: no limit); past them it is stopped with a one-line
        error and exit code 1 (:func:`_within`).
    include_hpo : bool or None
        ``--hpo/--no-hpo``.
    endpoint : str or None
        A remote SPARQL server instead of the local build.
    out : path or None
        The build directory.
    own_process : bool
        The command is the whole process (``kg``, ``python -m kg``): a query on the local
        build then runs without network (:mod:`kg.sandbox`).

    Raises
    ------
    UsageProblem
        Bad combination of options.
    SystemExit
        On a failed query (1), or a malformed or unsafe one (2), after a one-line message.
    """
    sources = [s for s in (query, query_file, name) if s]
    if len(sources) != 1:
        raise UsageProblem("give exactly one of QUERY, --file or --name")
    if timeout != timeout:  # NaN: click's range check lets it through
        raise UsageProblem("--timeout takes a number of seconds (0: no limit)")
    if endpoint is None and own_process:
        # Before the store is opened and before any thread starts: no network from here on.
        from kg.sandbox import drop_network

        drop_network()
    graph = load_graph(out, endpoint)
    if name:
        params = parse_params(param)
        result = _within(timeout, own_process, lambda: graph.named(name, params, graphs=graphs_for(include_hpo),
                                                                   limit=limit))
        text = None
    else:
        if param:
            raise UsageProblem("--param applies to --name queries only")
        if query_file:
            try:
                text = query_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise KGError(f"{query_file}: cannot read the query: {exc}") from None
        elif query == "-":
            text = sys.stdin.read()
        else:
            text = query
        try:
            result = _within(timeout, own_process,
                             lambda: graph.sparql(text, graphs=graphs_for(include_hpo), limit=limit))
        except QueryError as exc:
            from kg.query.hints import short_error

            echo_err(f"error: {short_error(exc)}")
            _hints(graph, text)
            sys.exit(getattr(exc, "exit_code", 2))
    _emit(result, fmt)
    if text is not None and _is_empty(result):
        _hints(graph, text, "note: the query found nothing")


def _within(seconds: float, own_process: bool, query):
    """``query()``'s answer, if it comes within ``seconds`` (0: no limit).

    pyoxigraph evaluates without the GIL and cannot be interrupted, so the query runs in a
    thread, as in the endpoint's pre-forked processes (:class:`kg.web.backend.InProcessBackend`):
    when it runs out of time, a process of its own (``kg``, ``python -m kg``) says so and ends,
    which stops the query; ``kg query`` invoked in another program's process raises
    :class:`~kg.errors.QueryTimeout` and leaves the thread to finish in the background (a thread
    cannot be stopped).

    Raises
    ------
    QueryTimeout
        In another program's process, when the query runs out of time.
    SystemExit
        In a process of its own, when the query runs out of time (exit code 1, after a
        one-line error), or on Ctrl-C (``Aborted!``, 1).
    """
    if not seconds:
        return query()
    import threading

    done: dict = {}

    def run() -> None:
        try:
            done["answer"] = query()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread as it is
            done["error"] = exc

    # The stack the main thread has (docs/security.md: the query limits keep pyoxigraph's
    # recursion well within it), whatever the platform's default for threads.
    previous = threading.stack_size(QUERY_STACK)
    try:
        worker = threading.Thread(target=run, name="kg-query", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    try:
        # Beyond the longest wait the platform supports (inf included), there is no limit.
        worker.join(seconds if seconds < threading.TIMEOUT_MAX else None)
    except KeyboardInterrupt:
        if own_process:
            _end(1, "\nAborted!")  # as click ends on Ctrl-C, without waiting for the query
        raise
    if worker.is_alive():
        message = f"the query ran longer than the {seconds:g} s limit (--timeout)"
        if own_process:
            _end(1, f"error: {message} and was stopped")
        from kg.errors import QueryTimeout

        raise QueryTimeout(f"{message}; it runs on in the background (a thread cannot be stopped)")
    if "error" in done:
        raise done["error"]
    return done["answer"]


def _end(code: int, message: str) -> None:
    """End this process now, with a query still running in a thread: a normal exit would
    wait for it (pyoxigraph does not see the interpreter shutting down)."""
    import os

    echo_err(message)
    sys.stdout.flush()
    os._exit(code)


def _is_empty(result) -> bool:
    from kg.query.results import AskResult

    return (not result.value) if isinstance(result, AskResult) else len(result) == 0


def _hints(graph, text: str, lead: str = "") -> None:
    """Say on stderr what may be wrong: undefined prefixes, terms not in the vocabulary,
    entities not in the graph (with "did you mean")."""
    from kg.query.hints import hints
    from kg.schema import load_schema

    schema = load_schema()
    vocabulary = set(schema.properties) | set(schema.classes)
    try:
        from kg.namespace import ENTITY

        # The build's compact graph lists the entities without loading NetworkX (0.4 s of
        # imports alone, before a NetworkX graph of the full HPO build takes seconds).
        entities = {n[len(ENTITY):] for n in graph.search_graph() if n.startswith(ENTITY)}
    except KGError:
        entities = set()
    found = hints(text, vocabulary=vocabulary, entities=entities)
    if found and lead:
        echo_err(lead + "; perhaps:")
    for h in found:
        echo_err(f"hint: {h.text}")


def _emit(result, fmt: str | None) -> None:
    from kg.query.results import GraphResult

    is_graph = isinstance(result, GraphResult)
    if fmt is None:
        fmt = "turtle" if is_graph else ("table" if sys.stdout.isatty() else "json")
    if is_graph and fmt not in ("turtle", "ntriples", "jsonld"):
        raise UsageProblem(f"--format {fmt} does not apply to CONSTRUCT/DESCRIBE; "
                           "use turtle, ntriples or jsonld")
    if not is_graph and fmt in ("turtle", "ntriples", "jsonld"):
        raise UsageProblem(f"--format {fmt} applies to CONSTRUCT/DESCRIBE only; "
                           "use table, csv, tsv, json or xml")
    out = result.text() if fmt == "table" else result.serialize(fmt)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    if getattr(result, "truncated", False):
        echo_err("note: the result was truncated by --limit")
