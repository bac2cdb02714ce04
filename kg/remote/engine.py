"""The remote query engine: SparqlEngine's interface over a SPARQL 1.1 Protocol endpoint.

:class:`RemoteEngine` has the three methods :class:`~kg.api.KnowledgeGraph` uses
(``query``, ``quads``, ``default_graphs``) and returns the same result types as the
embedded :class:`~kg.query.engine.SparqlEngine`, so ``kg.load(endpoint=URL)`` gives a
KnowledgeGraph whose SPARQL, named queries, paths and neighbourhoods come from the server.

How a query is sent:

1. the safety check (:func:`kg.query.safety.check_query`) runs first, as for the
   embedded store: no SERVICE, LOAD, update, or FROM outside our graphs (and, for a FROM,
   only graphs the server holds), nothing nested beyond the limits; it reads the query with
   :mod:`kg.sparql`, not with pyoxigraph, so no text can crash this process, and a
   malformed query is reported with its line and column exactly as for the embedded store;
2. the query form, from the same analysis, picks the media type to ask for;
3. parameters are bound by an inline ``VALUES`` block of RDF terms
   (:mod:`kg.remote.binding`: never by pasting text);
4. our prefixes are declared by ``PREFIX`` lines put in front of the query (on the first
   line, so the server's line numbers stay right); the query's own declarations come
   later and win, as they do with the embedded store's predeclared prefixes;
5. the chosen graphs become the dataset: one ``default-graph-uri`` per graph (their union
   is the default graph, as in the embedded store; the aliases graph only when the query
   names an alias, :mod:`kg.query.dataset`) and our graphs as
   ``named-graph-uri`` (so ``GRAPH ?g`` sees our graphs only, not whatever else the server
   holds);
6. the answer (SPARQL JSON results, or N-Triples) is parsed by pyoxigraph while it streams,
   and a ``limit`` stops reading early.

**Servers differ** (endpoint layout, server-side time limits, row caps, partial answers):
the engine's :class:`~kg.remote.dialects.Dialect` says how. By default it is recognised from
the ``Server`` header of the server's answer to an ``ASK {}`` sent before the first query,
so that even the first query carries the server-side time limit (Virtuoso's ``timeout``
parameter, set to the client's timeout: the server stops what the client would give up
on), and a partial answer (Virtuoso's "anytime" results) is refused rather than shown.

**Paths and neighbourhoods** need the graph in memory (NetworkX). :meth:`RemoteEngine.quads`
fetches each chosen graph once with ``CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <g> { ?s ?p ?o } }``
and keeps it for the life of the engine (one ``kg path`` process, or one
``kg.load(endpoint=…)`` object): the curated graph is a few hundred kilobytes; a full HPO
import is some hundreds of megabytes, and the first path then takes as long as the
download. :meth:`RemoteEngine.clear_cache` forgets the copy (after a ``kg push``).

Examples
--------
>>> engine = RemoteEngine("http://127.0.0.1:7878")
>>> engine
RemoteEngine('http://127.0.0.1:7878/query')
>>> [g.value for g in engine.default_graphs(("curated",))]  # doctest: +SKIP
['https://w3id.org/myoclonus-kg/graph/curated']
"""

from __future__ import annotations

import urllib.parse
from typing import Iterable

import pyoxigraph as ox

from kg.errors import KGError, UnsafeQueryError
from kg.namespace import GRAPH_ALIASES, PREFIXES
from kg.query.dataset import default_graph_iris as chosen_graph_iris
from kg.query.engine import GRAPHS
from kg.vocab import MKV
from kg.query.results import AskResult, GraphResult, ResultTable, materialize
from kg.query.safety import check_query
from kg.query.binding import inject_values
from kg.remote.dialects import Dialect, dialect as named_dialect, has_arbitrary_length_path, recognise
from kg.remote.errors import RemoteError, RemoteQueryError
from kg.remote.http import Endpoints, HttpClient, ResponseReadGuard

__all__ = ["RemoteEngine", "PREFIX_HEADER"]

#: Our prefixes as SPARQL ``PREFIX`` declarations, all on one line.
PREFIX_HEADER = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + " "
_RESULTS = "application/sparql-results+json"
_ACCEPT_TABLE = ("application/sparql-results+json, application/sparql-results+xml;q=0.8, "
                 "text/tab-separated-values;q=0.5")
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"


def _media_type(response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class RemoteEngine:
    """SPARQL over a remote server, with SparqlEngine's interface and result types.

    Parameters
    ----------
    endpoint : str
        The server's base URL (Oxigraph: ``http://host:7878``) or its query endpoint
        (a URL ending in ``/query`` or ``/sparql``); see :class:`kg.remote.http.Endpoints`.
    query_url : str, optional
        The query endpoint, when it cannot be derived from ``endpoint``.
    timeout : float
        Seconds to wait for the server (per connection and per read); servers that take a
        per-query time limit (Virtuoso) get this one, so they stop the query too.
    client : HttpClient, optional
        The HTTP client (tests pass their own).
    server : str or Dialect
        The server's profile (``oxigraph``, ``virtuoso``, ``fuseki``, ``qlever``,
        ``generic``; see :mod:`kg.remote.dialects`), or ``auto``: recognised from its
        ``Server`` header. A named profile also sets the endpoint layout
        (``RemoteEngine("http://host:8890", server="virtuoso")`` queries ``/sparql``);
        with ``auto`` the layout is Oxigraph's unless ``endpoint`` names the query
        endpoint itself.

    Raises
    ------
    RemoteError
        If the URL is not http(s) or carries credentials.
    KGError
        If ``server`` names no known profile.
    """

    def __init__(self, endpoint: str, *, query_url: str | None = None, timeout: float = 60.0,
                 client: HttpClient | None = None, server: str | Dialect = "auto") -> None:
        if isinstance(server, str) and server != "auto":
            server = named_dialect(server)
        self._dialect: Dialect | None = server if isinstance(server, Dialect) else None
        if self._dialect is not None:
            self.endpoints = self._dialect.endpoints(endpoint, query_url=query_url)
        else:
            self.endpoints = Endpoints.from_url(endpoint, query_url=query_url)
        self.client = client or HttpClient(timeout=timeout,
                                           auth=self._dialect.auth if self._dialect else "basic")
        self._graph_iris: set[str] | None = None
        self._quads: dict[str, list[ox.Quad]] = {}
        self._aliases: set[str] | None = None
        self._parser = ox.Store()  # empty, in memory: only orders the columns of SELECT *

    def __repr__(self) -> str:
        return f"RemoteEngine({self.endpoints.query!r})"

    @property
    def url(self) -> str:
        """The query endpoint."""
        return self.endpoints.query

    @property
    def dialect(self) -> Dialect:
        """The server's profile: given, or recognised from the ``Server`` header of its
        answer to ``ASK {}`` (asked once).

        Raises
        ------
        RemoteError
            If the server cannot be reached.
        """
        if self._dialect is None:
            what = "contacting the SPARQL server"
            body = urllib.parse.urlencode([("query", "ASK {}")]).encode("utf-8")
            response = self.client.request("POST", self.url, body=body,
                                           content_type="application/x-www-form-urlencoded",
                                           accept=_RESULTS, what=what)
            with ResponseReadGuard(self.url, what):
                response.read()
                response.close()
            self._dialect = recognise(response.headers.get("Server"))
            if self._dialect.auth == "digest":
                self.client.auth = "digest"  # from now on, a password only as Digest
        return self._dialect

    # ------------------------------------------------------------------ graphs
    @property
    def graph_iris(self) -> set[str]:
        """Which of our named graphs (curated, ontology, hpo) the server holds (asked once).

        Raises
        ------
        RemoteError
            If the server cannot be reached.
        """
        if self._graph_iris is None:
            values = " ".join(f"<{iri}>" for iri in GRAPHS.values())
            table = self._select(f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} "
                                 "FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
                                 what="contacting the SPARQL server")
            self._graph_iris = {row[0].value for row in table.rows}
        return self._graph_iris

    def _is_alias(self, iri: str) -> bool:
        """Whether an IRI is an alias on the server (the set is asked once: the subjects of
        the reflexive closure pairs of the aliases graph, :mod:`kg.closure`)."""
        if self._aliases is None:
            table = self._select(f"SELECT DISTINCT ?a WHERE {{ GRAPH <{GRAPH_ALIASES}> "
                                 f"{{ ?a <{MKV.subtypeOfClosure}> ?a }} }}",
                                 what="reading the aliases of the graph")
            self._aliases = {row[0].value for row in table.rows if row[0] is not None}
        return iri in self._aliases

    def default_graphs(self, graphs: tuple[str, ...] | None) -> list[ox.NamedNode]:
        """The chosen graphs (short names; all by default) that the server holds.

        Raises
        ------
        KGError
            On an unknown graph name.
        RemoteError
            If the server cannot be reached.
        """
        names = self._names(graphs)
        return [ox.NamedNode(GRAPHS[g]) for g in names if GRAPHS[g] in self.graph_iris]

    @staticmethod
    def _names(graphs: tuple[str, ...] | None) -> tuple[str, ...]:
        names = tuple(graphs) if graphs is not None else tuple(GRAPHS)
        unknown = [g for g in names if g not in GRAPHS]
        if unknown:
            raise KGError(f"unknown graph {', '.join(unknown)}; choose from {', '.join(GRAPHS)}")
        return names

    def counts(self, iris: Iterable[str] | None = None) -> dict[str, int]:
        """Number of triples in each named graph (ours by default), by SPARQL COUNT.

        Raises
        ------
        RemoteError
            If the server cannot be reached or answers wrongly.
        """
        result = {}
        for iri in (list(iris) if iris is not None else list(GRAPHS.values())):
            table = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
                                 what=f"counting the triples of <{iri}>")
            try:
                result[iri] = int(table.rows[0][0].value)
            except (IndexError, AttributeError, ValueError, TypeError):
                raise RemoteError(f"counting the triples of <{iri}>: {self.url} gave no count",
                                  url=self.url) from None
        return result

    def quads(self, graphs: tuple[str, ...] | None = None) -> list[ox.Quad]:
        """Every quad of the chosen graphs (all by default), fetched once per graph and
        kept in memory (see the module docstring).

        Raises
        ------
        RemoteError
            If the server cannot be reached or answers wrongly.

        Examples
        --------
        >>> quads = RemoteEngine("http://127.0.0.1:7878").quads(("curated",))  # doctest: +SKIP
        >>> {q.graph_name.value for q in quads}                                # doctest: +SKIP
        {'https://w3id.org/myoclonus-kg/graph/curated'}
        """
        quads: list[ox.Quad] = []
        for graph in self.default_graphs(graphs):
            if graph.value not in self._quads:
                what = f"fetching the graph <{graph.value}>"
                query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
                expected = self.counts([graph.value])[graph.value]
                triples = self._post(query, _ACCEPT_GRAPH, what=what, graph=True, rows=expected)
                if len(triples) != expected:
                    # A row cap (Virtuoso's ResultSetMaxRows) or a proxy cut the answer.
                    raise RemoteError(f"{what}: {self.url} sent {len(triples):,} of its {expected:,} "
                                      "triples (is the answer cut at a row cap? Virtuoso: raise "
                                      "ResultSetMaxRows in virtuoso.ini)", url=self.url)
                self._quads[graph.value] = [ox.Quad(t.subject, t.predicate, t.object, graph)
                                            for t in triples]
            quads.extend(self._quads[graph.value])
        return quads

    def clear_cache(self) -> None:
        """Forget the graphs fetched by :meth:`quads` and the list of graphs."""
        self._quads.clear()
        self._graph_iris = None
        self._aliases = None

    # ------------------------------------------------------------------- query
    def query(self, text: str, *, bindings: dict | None = None, graphs: tuple[str, ...] | None = None,
              limit: int | None = None, raw: bool = False,
              default_graph_iris: Iterable[str] | None = None,
              named_graph_iris: Iterable[str] | None = None):
        """Run a query on the server; return a ResultTable, AskResult or GraphResult.

        Parameters
        ----------
        text : str
            SPARQL 1.1 query (prefixes mk, mkv, rdfs, skos, ... are predeclared).
        bindings : dict, optional
            ``{variable: RDF term}``, sent as an inline ``VALUES`` block.
        graphs : tuple of str, optional
            Which named graphs form the default graph (``curated``, ``ontology``, ``hpo``);
            all by default.
        limit : int, optional
            Row cap for SELECT; the table says when it was truncated.
        raw : bool
            Return the parsed answer as it streams (a pyoxigraph ``QuerySolutions`` or
            ``QueryBoolean``, or an iterator of triples) instead of materialising it.
        default_graph_iris, named_graph_iris : iterable of str, optional
            An explicit dataset (the protocol's ``default-graph-uri`` and
            ``named-graph-uri``, e.g. from a SPARQL endpoint forwarding a request), instead
            of ``graphs``; each must be one of our graphs. Both empty: no dataset is sent,
            so the query's own FROM / FROM NAMED (or the server's default) applies.

        Raises
        ------
        UnsafeQueryError
            The query would reach outside the graph or modify it.
        QueryError
            The query is malformed (with line and column), or the server refused it
            (:class:`~kg.remote.errors.RemoteQueryError`).
        RemoteError
            The server cannot be reached or answers with an error.

        Examples
        --------
        >>> engine = RemoteEngine("http://127.0.0.1:7878")
        >>> engine.query("ASK { mk:clonazepam mkv:treats ?t }",
        ...              bindings={"t": ox.NamedNode(PREFIXES["mk"] + "action_myoclonus")})  # doctest: +SKIP
        AskResult(value=True)
        >>> engine.query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
        Traceback (most recent call last):
        ...
        kg.errors.UnsafeQueryError: SERVICE is not allowed (line 1, column 18): queries may not reach other endpoints
        """
        # SERVICE, LOAD, update and FROM outside our graphs are refused without asking the
        # server; a FROM naming one of our graphs is checked against what the server holds.
        analysis = check_query(text, GRAPHS.values())
        if analysis.dataset:
            check_query(text, self.graph_iris)
        dialect = self.dialect
        if dialect.path_defect and has_arbitrary_length_path(text):
            raise RemoteQueryError(f"not sent to {self.url}: {dialect.path_defect}; run this query on "
                                   "the embedded store or an Oxigraph server", url=self.url)
        if dialect.describe_defect and analysis.form == "DESCRIBE":
            raise RemoteQueryError(f"not sent to {self.url}: {dialect.describe_defect}", url=self.url)
        sent = dialect.prologue + PREFIX_HEADER + inject_values(text, bindings or {})
        if default_graph_iris is not None or named_graph_iris is not None:
            chosen = {"default-graph-uri": list(default_graph_iris or ()),
                      "named-graph-uri": list(named_graph_iris or ())}
            foreign = sorted({iri for iris in chosen.values() for iri in iris} - set(GRAPHS.values()))
            if foreign:
                raise UnsafeQueryError(f"graph <{foreign[0]}> is not one of ours "
                                       f"({', '.join(f'<{g}>' for g in GRAPHS.values())})")
            dataset = [(key, iri) for key, iris in chosen.items() for iri in iris]
        else:
            # The chosen graphs; the aliases graph only when the query names an alias.
            self._names(graphs)  # refuses unknown names
            chosen = chosen_graph_iris(text, graphs, GRAPHS, self._is_alias, bindings=bindings)
            dataset = [("default-graph-uri", iri) for iri in chosen]
            dataset += [("named-graph-uri", iri) for iri in GRAPHS.values()]
        is_graph = analysis.form in ("CONSTRUCT", "DESCRIBE")
        answer = self._post(sent, _ACCEPT_GRAPH if is_graph else _ACCEPT_TABLE, dataset=dataset,
                            what="the query", graph=is_graph, raw=raw, limit=limit, check=True,
                            rows=None if is_graph else limit)
        if isinstance(answer, ResultTable) and analysis.form == "SELECT" and analysis.projection is None:
            answer = self._in_local_order(answer, text, bindings)
        return answer

    def _in_local_order(self, table: ResultTable, text: str, bindings: dict | None) -> ResultTable:
        # ``SELECT *`` leaves the column order to the engine (Virtuoso's differs from
        # Oxigraph's): give the columns in the embedded store's order, as it would. The text
        # has passed the check and its limits, so pyoxigraph may read it here (on an empty
        # store: nothing to run).
        substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            local = [v.value for v in self._parser.query(text, prefixes=PREFIXES,
                                                         substitutions=substitutions or None).variables]
        except (SyntaxError, OSError, RuntimeError, ValueError, TypeError):
            return table
        if local == table.variables or sorted(local) != sorted(table.variables):
            return table
        where = [table.variables.index(v) for v in local]
        return ResultTable(local, [tuple(row[i] for i in where) for row in table.rows], table.truncated)

    def _select(self, query: str, *, what: str):
        return self._post(query, _RESULTS, what=what)

    def _post(self, query: str, accept: str, *, what: str, dataset=(), graph: bool = False,
              raw: bool = False, limit: int | None = None, check: bool = False, rows: int | None = None):
        dialect = self.dialect
        params = [("query", query)] + list(dataset)
        params += dialect.query_params(timeout=self.client.timeout, limit=rows)
        body = urllib.parse.urlencode(params).encode("utf-8")
        response = self.client.request("POST", self.url, body=body,
                                       content_type="application/x-www-form-urlencoded",
                                       accept=accept, what=what, query_error=check)
        try:
            dialect.check_answer(response.headers, self.url, what, limit=rows)
        except RemoteError:
            response.close()
            raise
        media = _media_type(response)
        with ResponseReadGuard(self.url, what):
            try:
                if graph:
                    fmt = ox.RdfFormat.from_media_type(media) if media else None
                    if fmt is None:
                        raise RemoteError(f"{what}: {self.url} answered with {media or 'no media type'}, "
                                          "not RDF", url=self.url)
                    triples = ox.parse(response, format=fmt)
                    if raw:
                        return triples
                    try:
                        return GraphResult(list(triples))
                    finally:
                        response.close()
                fmt = ox.QueryResultsFormat.from_media_type(media) if media else None
                if fmt is None:
                    raise RemoteError(f"{what}: {self.url} answered with {media or 'no media type'}, "
                                      "not SPARQL results", url=self.url)
                source = response
                if dialect.bnode_scheme and fmt == ox.QueryResultsFormat.JSON:
                    try:  # the server's blank-node labels are not valid ones: made valid
                        source = dialect.normalise_results(response.read())
                    except ValueError as exc:
                        raise SyntaxError(str(exc)) from None
                    finally:
                        response.close()
                result = ox.parse_query_results(source, format=fmt)
                if raw:
                    return result
                try:
                    if isinstance(result, ox.QueryBoolean):
                        return AskResult(bool(result))
                    return materialize(result, limit=limit)
                finally:
                    response.close()
            except SyntaxError as exc:
                response.close()
                raise RemoteError(f"{what}: the answer of {self.url} is malformed: {exc}",
                                  url=self.url) from None
