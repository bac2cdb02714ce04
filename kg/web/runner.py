"""What a query worker does with one job: run the query on the store, serialise the answer.

This module runs inside the worker processes of :mod:`kg.web.workers` (and, in tests, in
the calling process). It opens the store read-only, applies the safety check
(:func:`kg.query.safety.check_query`: no SERVICE, LOAD, update, FROM outside the store, and
the nesting limits, all before pyoxigraph parses the text), caps the rows, and returns the
response body already serialised, so the web process only copies bytes.

Examples
--------
>>> runner = QueryRunner("build/store")                              # doctest: +SKIP
>>> out = runner.run(Job("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }"))  # doctest: +SKIP
>>> out.status, out.body                                            # doctest: +SKIP
(200, b'{"head": {}, "boolean": true}')
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg.errors import QueryError, UnsafeQueryError
from kg.namespace import PREFIXES
from kg.query.engine import GRAPHS, query_error
from kg.query.results import AskResult, GraphResult, serialize_solutions
from kg.query.safety import check_query
from kg.query.stores import BuildStores
from kg.web.protocol import CONTENT_TYPES, has_dataset_clause

__all__ = ["Job", "Outcome", "QueryRunner", "allowed_graphs", "check_dataset", "run_remote", "screen"]

_RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
_RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                   "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
#: Fewest bytes a row takes in each format: an answer this short cannot exceed the cap.
_MIN_ROW_BYTES = {"json": 3, "xml": 17, "csv": 2, "tsv": 1}
#: An answer longer than this many bytes per allowed row is cut the slow way.
_HARD_CAP_PER_ROW = 2048
_TEXT = "text/plain; charset=utf-8"
_NO_GRAPH_TYPE = ("none of the accepted media types can carry a CONSTRUCT/DESCRIBE result; ask for "
                  "text/turtle, application/n-triples, application/ld+json or application/rdf+xml")
_NO_TABLE_TYPE = ("none of the accepted media types can carry a SELECT/ASK result; ask for "
                  "application/sparql-results+json, application/sparql-results+xml, text/csv or "
                  "text/tab-separated-values")


@dataclass(frozen=True)
class Job:
    """One query to run.

    Attributes
    ----------
    query : str
        The SPARQL text (our prefixes are predeclared).
    default_graphs, named_graphs : tuple of str or None
        The protocol dataset (graph IRIs), or ``None`` for the query's own ``FROM`` clauses or,
        without them, the union of the store's graphs as the default graph.
    tabular, graph : str or None
        Format names (:data:`kg.web.protocol.CONTENT_TYPES`) for a SELECT/ASK answer and for a
        CONSTRUCT/DESCRIBE answer; ``None`` when the client accepts none (406).
    max_rows : int
        Row (or triple) cap; the outcome says when it cut.
    checked : bool
        Whether :func:`screen` already passed the query and its dataset (the endpoint's web
        process does, once per text, before a worker sees it); the runner then does not
        parse the text again.
    own_dataset : bool
        With ``checked``: whether the query has its own ``FROM`` / ``FROM NAMED``.
    """

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    tabular: str | None = "json"
    graph: str | None = "turtle"
    max_rows: int = 10000
    checked: bool = False
    own_dataset: bool = False


@dataclass(frozen=True)
class Outcome:
    """A finished job: an HTTP status, the ``Content-Type``, the body, the truncation flag."""

    status: int
    content_type: str
    body: bytes
    truncated: bool = False

    @classmethod
    def error(cls, status: int, message: str) -> "Outcome":
        return cls(status, _TEXT, (message.rstrip("\n") + "\n").encode("utf-8"))


def check_dataset(default_graphs, named_graphs, graph_iris) -> None:
    """Refuse protocol graphs that are not the store's own.

    Raises
    ------
    UnsafeQueryError
        Naming the first graph that is not in the store.

    Examples
    --------
    >>> check_dataset(("file:///etc/passwd",), (), {"urn:g"})
    Traceback (most recent call last):
    ...
    kg.errors.UnsafeQueryError: graph <file:///etc/passwd> is not in this store; its graphs are <urn:g>
    """
    for iri in tuple(default_graphs or ()) + tuple(named_graphs or ()):
        if iri not in graph_iris:
            known = ", ".join(f"<{g}>" for g in sorted(graph_iris)) or "none"
            raise UnsafeQueryError(f"graph <{iri}> is not in this store; its graphs are {known}")


def allowed_graphs(graph_iris: Iterable[str]) -> set[str]:
    """The graphs a query or the protocol may name: the store's own, and the project's graphs
    (a build may lack one, the HPO import: it is then simply empty)."""
    return set(graph_iris) | set(GRAPHS.values())


def screen(job: Job, allowed: Iterable[str]) -> tuple[Job, Outcome | None]:
    """The safety check of a job (:func:`kg.query.safety.check_query` on its text, and
    :func:`check_dataset` on its protocol graphs), done once in the web process before the
    job goes to a worker.

    Returns
    -------
    (Job, Outcome or None)
        The job marked ``checked`` (with ``own_dataset`` from the analysis) and ``None``; or
        the job unchanged and the 400 outcome that refuses it.

    Examples
    --------
    >>> job, refusal = screen(Job("SELECT * WHERE { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }"), ())
    >>> refusal.status, job.checked
    (400, False)
    >>> screen(Job("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }"), {"urn:g"})[0].own_dataset
    True
    """
    allowed = set(allowed)
    try:
        analysis = check_query(job.query, allowed)
        check_dataset(job.default_graphs, job.named_graphs, allowed)
    except QueryError as exc:
        return job, Outcome.error(400, str(exc))
    return replace(job, checked=True, own_dataset=bool(analysis.dataset)), None


class QueryRunner:
    """Runs jobs against a read-only store.

    Parameters
    ----------
    store_path : path
        The build's ``store`` directory.

    Raises
    ------
    OSError
        If the store cannot be opened.
    """

    def __init__(self, store_path: Path | str) -> None:
        # The build's stores: a query that names no alias runs on the one without the aliases
        # graph, as a union (kg.query.stores).
        self.stores = BuildStores.open(store_path)
        self.graph_iris = set(self.stores.graph_iris)
        # The project's graphs may be named even when this build lacks one (no HPO import):
        # it is then simply empty. Anything else is refused.
        self.allowed = allowed_graphs(self.graph_iris)

    def run(self, job: Job) -> Outcome:
        """Run one job; errors become 4xx outcomes, never exceptions.

        A job not yet ``checked`` is checked here first (SERVICE, LOAD, updates, FROM,
        limits); a ``checked`` one was, by the web process that sent it (:func:`screen`).
        """
        if not job.checked:
            job, refusal = screen(job, self.allowed)
            if refusal is not None:
                return refusal
        try:
            store, dataset = self._dataset(job)
            result = store.query(job.query, prefixes=PREFIXES, **dataset)
            return self._serialize(result, job)
        except QueryError as exc:
            return Outcome.error(400, str(exc))
        except SyntaxError as exc:
            return Outcome.error(400, str(query_error(exc)))
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            return Outcome.error(400, f"query failed: {exc}")

    def _dataset(self, job: Job) -> tuple[ox.Store, dict]:
        """The store that answers ``job`` and pyoxigraph's dataset arguments."""
        if job.default_graphs is not None or job.named_graphs is not None:
            return self.stores.full, {"default_graph": [ox.NamedNode(g) for g in job.default_graphs or ()],
                                      "named_graphs": [ox.NamedNode(g) for g in job.named_graphs or ()]}
        if job.own_dataset:
            return self.stores.full, {}  # FROM / FROM NAMED of the query itself (checked to be our graphs)
        # Our graphs; the aliases graph only when the query names an alias (kg.query.dataset).
        return self.stores.plan(job.query, GRAPHS)

    def _serialize(self, result, job: Job) -> Outcome:
        if isinstance(result, ox.QueryTriples):
            if job.graph is None:
                return Outcome.error(406, _NO_GRAPH_TYPE)
            triples, truncated = [], False
            for triple in result:
                if len(triples) >= job.max_rows:
                    truncated = True
                    break
                triples.append(triple)
            options = {} if job.graph == "ntriples" else {"prefixes": PREFIXES}
            body = ox.serialize(triples, format=_RDF_FORMATS[job.graph], **options)
            return Outcome(200, CONTENT_TYPES[job.graph], body, truncated)
        if job.tabular is None:
            return Outcome.error(406, _NO_TABLE_TYPE)
        if isinstance(result, ox.QueryBoolean):
            answer = AskResult(bool(result))
            text = answer.text() + "\n" if job.tabular in ("csv", "tsv") else answer.serialize(job.tabular)
            return Outcome(200, CONTENT_TYPES[job.tabular], text.encode("utf-8"))
        fast = self._native(result, job)
        if fast is not None:
            return fast
        # The native answer would exceed the cap: run again and stop after max_rows rows.
        store, dataset = self._dataset(job)
        body, truncated = serialize_solutions(store.query(job.query, prefixes=PREFIXES, **dataset),
                                              job.tabular, job.max_rows)
        return Outcome(200, CONTENT_TYPES[job.tabular], body, truncated)

    def _native(self, result: ox.QuerySolutions, job: Job) -> Outcome | None:
        """Serialise in Rust; ``None`` if the answer may hold more than ``max_rows`` rows and
        cannot be cut here (then the caller takes the row-by-row path)."""
        sink = _CappedSink(_HARD_CAP_PER_ROW * job.max_rows + 1024 * 1024)
        try:
            result.serialize(sink, format=_RESULT_FORMATS[job.tabular])
        except _SinkFull:
            return None
        body = sink.getvalue()
        content_type = CONTENT_TYPES[job.tabular]
        if len(body) <= _MIN_ROW_BYTES[job.tabular] * job.max_rows:
            return Outcome(200, content_type, body)  # too small to hold more rows than the cap
        if job.tabular == "json" and _json_rows(body) <= job.max_rows:
            return Outcome(200, content_type, body)  # counted: within the cap
        # More rows than the cap may be there: the caller cuts the solutions, not these bytes,
        # so that a capped answer is serialised exactly as the same rows uncapped.
        return None


def _json_rows(body: bytes) -> int:
    """Rows of a SPARQL JSON results document (read with the JSON parser; a document that
    does not parse counts as over any cap, so the caller takes the row-by-row path).

    Examples
    --------
    >>> _json_rows(b'{"head": {"vars": ["s"]}, "results": {"bindings": [{}, {}]}}')
    2
    """
    import json

    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return 1 << 62


class _SinkFull(Exception):
    pass


class _CappedSink(io.RawIOBase):
    """A bytes sink that refuses to grow past ``cap`` (raising :class:`_SinkFull`)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _SinkFull()
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def run_remote(engine, job: Job, graph_iris=()) -> Outcome:
    """Run one job on a :class:`~kg.remote.engine.RemoteEngine` (``kg serve --endpoint``):
    the same checks, dataset rules, row cap and serialisations as :class:`QueryRunner`.

    Refusals of the query (unsafe, malformed, refused by the server) become 4xx outcomes.

    Raises
    ------
    kg.remote.errors.RemoteError
        The server cannot be reached or failed (the caller answers 502/503).
    """
    from kg.errors import KGError
    from kg.remote.errors import RemoteError, RemoteQueryError

    try:
        check_dataset(job.default_graphs, job.named_graphs, set(graph_iris) | set(GRAPHS.values()))
        if job.default_graphs is not None or job.named_graphs is not None:
            dataset = {"default_graph_iris": job.default_graphs or (),
                       "named_graph_iris": job.named_graphs or ()}
        elif has_dataset_clause(job.query):
            # Both empty: no dataset is sent and the query keeps its own FROM (checked).
            dataset = {"default_graph_iris": (), "named_graph_iris": ()}
        else:
            dataset = {}  # the union of our graphs, and our graphs as the named graphs
        result = engine.query(job.query, limit=job.max_rows, **dataset)
    except RemoteQueryError as exc:
        return Outcome.error(400, str(exc))
    except RemoteError:
        raise
    except KGError as exc:  # QueryError, UnsafeQueryError, and the like
        return Outcome.error(400, str(exc))
    if isinstance(result, GraphResult):
        if job.graph is None:
            return Outcome.error(406, _NO_GRAPH_TYPE)
        triples = result.triples[:job.max_rows]
        options = {} if job.graph == "ntriples" else {"prefixes": PREFIXES}
        body = ox.serialize(triples, format=_RDF_FORMATS[job.graph], **options)
        return Outcome(200, CONTENT_TYPES[job.graph], body, len(result.triples) > job.max_rows)
    if job.tabular is None:
        return Outcome.error(406, _NO_TABLE_TYPE)
    if isinstance(result, AskResult):
        text = result.text() + "\n" if job.tabular in ("csv", "tsv") else result.serialize(job.tabular)
        return Outcome(200, CONTENT_TYPES[job.tabular], text.encode("utf-8"))
    return Outcome(200, CONTENT_TYPES[job.tabular], result.serialize(job.tabular).encode("utf-8"),
                   result.truncated)
