"""The Python API: :func:`load` returns a :class:`KnowledgeGraph` over a built graph.

Queries run on the embedded pyoxigraph store; paths on a NetworkX view built on first use;
rdflib is imported only by :meth:`KnowledgeGraph.to_rdflib`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

from kg.errors import KGError
from kg.layout import STORE_DIR
from kg.namespace import PREFIXES
from kg.vocab import MKV
from kg.query.engine import EDGE_GRAPHS, SparqlEngine
from kg.query.library import NamedQuery, get_query, list_queries

if TYPE_CHECKING:  # kg.paths and NetworkX are imported when a path is asked for, not by `kg query`
    import networkx as nx

    from kg.entity import Entity, EntityEdge
    from kg.paths.finder import GraphPath

__all__ = ["KnowledgeGraph", "load", "Engine", "Entity", "EntityEdge"]


def __getattr__(name: str) -> Any:
    # Entity and EntityEdge live in kg.entity (dataclasses): `kg query` does not import them.
    if name in ("Entity", "EntityEdge"):
        import kg.entity

        return getattr(kg.entity, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Engine(Protocol):
    """What :class:`KnowledgeGraph` needs of a query engine: the build's embedded store
    (:class:`kg.query.engine.SparqlEngine`) or a SPARQL server
    (:class:`kg.remote.engine.RemoteEngine`)."""

    @property
    def graph_iris(self) -> set[str]:
        """The IRIs of the named graphs the engine holds."""

    def query(self, text: str, *, bindings: dict | None = None, graphs: tuple[str, ...] | None = None,
              limit: int | None = None) -> Any:
        """Run a safe, checked query; a ResultTable, AskResult or GraphResult."""

    def quads(self, graphs: tuple[str, ...] | None = None) -> list:
        """Every quad of the chosen named graphs (all by default)."""

    def default_graphs(self, graphs: tuple[str, ...] | None) -> list:
        """The named graphs (as pyoxigraph terms) that form the default graph for ``graphs``."""


def load(path: Path | str | None = None, *, build: bool = True, hpo: str | None = None,
         endpoint: str | None = None,
         progress: Callable[[str], None] | None = None) -> "KnowledgeGraph":
    """Open a built graph, building it first if it is missing or its inputs changed.

    Parameters
    ----------
    path : path, optional
        Build directory; defaults to :func:`kg.build.default_build_dir` (``$KG_BUILD_DIR``,
        else ``myoclonus-kg/build`` in the user's cache directory; ``kg status`` shows it).
    build : bool
        Build when missing or stale; if false, a missing build raises.
    hpo : {"none", "subset", "full"}, optional
        HPO import to include; by default an existing build keeps its own mode and a new
        build has none. A build with another mode is rebuilt.
    endpoint : str, optional
        A remote SPARQL server (its base URL, or its query endpoint) to query instead of a
        local build: see :class:`kg.remote.engine.RemoteEngine` and ``docs/remote.md``.
        Excludes ``path``.
    progress : callable, optional
        Receives one-line messages when a build is needed (why, then its progress); by
        default they go to stderr, so a build never happens silently.

    Raises
    ------
    KGError
        If there is no build and ``build`` is false, or the build fails; if both ``path``
        and ``endpoint`` are given.

    Examples
    --------
    >>> import kg
    >>> graph = kg.load()
    >>> graph.sparql("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }").value
    True
    """
    if endpoint is not None:
        if path is not None:
            raise KGError("give a build directory or an endpoint, not both")
        from kg.remote.engine import RemoteEngine

        return KnowledgeGraph(None, engine=RemoteEngine(endpoint))
    from kg.build.directory import read_manifest
    from kg.build.inputs import HPO_MODES, default_build_dir, input_fingerprint

    directory = Path(path) if path is not None else default_build_dir()
    try:
        recorded = read_manifest(directory)
        damage = None
    except KGError as exc:  # a damaged manifest: rebuilt below (a build replaces only builds)
        recorded, damage = None, exc
    if build:
        recorded = recorded or {}
        # A stale build is rebuilt from the same inputs it was made from (HPO mode, data dir).
        mode: str = hpo or (recorded["hpo"] if recorded.get("hpo") in HPO_MODES else "none")
        data = Path(recorded["data"]) if isinstance(recorded.get("data"), str) and recorded["data"] else None
        if data is not None and not data.is_dir():
            data = None  # its curation directory is gone: keep the build as it is
            stale = False
        else:
            stale = recorded.get("fingerprint") != input_fingerprint(mode, data)
        if damage is not None:
            why = f"{damage}: rebuilding it"
        elif not recorded or not (directory / STORE_DIR).is_dir():
            why = f"no graph built in {directory} yet: building it now (once; later commands reuse it)"
        elif not _current_path_index(recorded):
            why = (f"the build in {directory} has no path index of this version (kg.paths.compact): "
                   "rebuilding it")
        elif recorded.get("hpo") != mode:
            why = f"the build in {directory} has HPO {recorded.get('hpo')!r}, not {mode!r}: rebuilding it"
        elif stale:
            why = f"the build in {directory} is stale (its inputs changed): rebuilding it"
        else:
            why = None
        if why is not None:
            import time

            from kg.build.builder import build as run_build
            from kg.build.directory import check_replaceable

            check_replaceable(directory)  # a foreign directory is refused before a word is said
            say = progress or _say
            say(why)
            started = time.monotonic()
            result = run_build(directory, hpo=mode, data=data, progress=lambda m: say("  " + m))
            counts = result.counts
            say(f"done in {time.monotonic() - started:.0f} s: {counts.get('entities', 0)} entities, "
                f"{counts.get('edges', 0)} edges (`kg status` describes the build)")
    elif damage is not None:
        raise KGError(f"{damage}; rebuild it: kg build --out {directory}")
    elif recorded is None:
        raise KGError(f"{directory}: no built graph here; run `kg build --out {directory}`")
    return KnowledgeGraph(directory)


def _current_path_index(manifest: dict) -> bool:
    """Whether a build's manifest records a path index this version reads."""
    from kg.layout import PATHS_FORMAT  # not kg.paths: `kg query` needs no path code

    paths = manifest.get("paths")
    return isinstance(paths, dict) and paths.get("format") == PATHS_FORMAT


_XSD = PREFIXES["xsd"]
_IRI_SCHEMES = ("http://", "https://", "urn:")


def _looks_like_iri(text: str) -> bool:
    if text.startswith("<") and text.endswith(">"):
        return True
    if text.lower().startswith(_IRI_SCHEMES):
        return True
    prefix, sep, local = text.partition(":")
    return bool(sep) and prefix in PREFIXES and not any(c.isspace() for c in local)


def _term(name: str, value: Any):
    """The RDF term a parameter value is bound as (see :meth:`KnowledgeGraph.sparql`)."""
    import datetime
    import decimal
    import sys

    import pyoxigraph as ox

    def typed(lexical: str, datatype: str) -> ox.Literal:
        return ox.Literal(lexical, datatype=ox.NamedNode(_XSD + datatype))

    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    rdflib = sys.modules.get("rdflib")  # an rdflib term implies rdflib is imported
    if rdflib is not None and isinstance(value, rdflib.term.Identifier):
        if isinstance(value, rdflib.URIRef):
            return ox.NamedNode(str(value))
        if isinstance(value, rdflib.Literal):
            if value.language:
                return ox.Literal(str(value), language=value.language)
            if value.datatype is not None:
                return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
            return ox.Literal(str(value))
        raise TypeError(f"parameter {name!r}: cannot bind {_article_type(value)} (only IRIs and literals "
                        "can be bound)")
    if isinstance(value, str):
        if _looks_like_iri(value):
            raise KGError(f"parameter {name!r}: the string {value!r} looks like an IRI or CURIE; pass "
                          f"graph.iri({value!r}) for the IRI, or pyoxigraph.Literal({value!r}) for the string")
        return ox.Literal(value)
    if isinstance(value, bool):
        return typed("true" if value else "false", "boolean")
    if isinstance(value, int):
        return typed(str(value), "integer")
    if isinstance(value, float):
        lexical = "NaN" if value != value else ("INF" if value == float("inf") else
                                                 "-INF" if value == float("-inf") else repr(value))
        return typed(lexical, "double")
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise KGError(f"parameter {name!r}: {value} has no xsd:decimal form")
        return typed(format(value, "f"), "decimal")
    if isinstance(value, datetime.datetime):
        return typed(value.isoformat(), "dateTime")
    if isinstance(value, datetime.date):
        return typed(value.isoformat(), "date")
    raise TypeError(f"parameter {name!r}: cannot bind {_article_type(value)}; give an RDF term "
                    "(pyoxigraph NamedNode or Literal, rdflib URIRef or Literal) or a str, int, float, "
                    "bool, decimal.Decimal, datetime.date or datetime.datetime")


def _article_type(value: Any) -> str:
    name = type(value).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def _in_query_order(query: str, result):
    """A ``SELECT *`` table with its columns in the order the query names them."""
    from kg.query.results import ResultTable, select_star_order

    if not isinstance(result, ResultTable):
        return result

    order = select_star_order(query, result.variables)
    if order == result.variables:
        return result
    at = [result.variables.index(v) for v in order]
    return ResultTable(order, [tuple(row[i] for i in at) for row in result.rows], result.truncated)


def _say(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


#: The graphs the NetworkX view is made of by default (kg.query.engine.EDGE_GRAPHS).
_EDGE_GRAPHS = EDGE_GRAPHS


class KnowledgeGraph:
    """A built myoclonus-kg graph: SPARQL, named queries, paths, neighbourhoods, exports.

    Parameters
    ----------
    directory : path
        A build directory (see :func:`load`).
    """

    def __init__(self, directory: Path | str | None, *, engine: Engine | None = None) -> None:
        # ``engine``: any :class:`Engine` (a remote SPARQL endpoint); by default the build's
        # embedded store, opened on first use.
        self.directory = Path(directory) if directory is not None else None
        self._engine = engine
        self._nx: dict[tuple[str, ...], Any] = {}
        self._schema: Any = None
        self._index: dict[tuple[str, ...], Any] = {}
        self._cache: dict[Any, Any] = {}
        self._compact_graph: Any = None
        self._compact_checked = False
        # The lazy views are built once, under this lock; after that they are only read,
        # so threads (the web server's pages) share them without waiting for each other.
        self._building = threading.RLock()

    def __repr__(self) -> str:
        return f"KnowledgeGraph({str(self.directory)!r})"

    # ----------------------------------------------------------------- SPARQL
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._building:
                if self._engine is None:
                    assert self.directory is not None  # a graph without an engine has a build
                    self._engine = SparqlEngine.open(self.directory / STORE_DIR)
        return self._engine

    @property
    def manifest(self) -> dict:
        """The build's manifest: version, fingerprint, counts, file checksums.

        Raises
        ------
        KGError
            If the manifest is missing or damaged (naming the file).
        """
        from kg.build.directory import read_manifest

        if self.directory is None:
            raise KGError("a graph on a SPARQL server has no build manifest")
        manifest = read_manifest(self.directory)
        if manifest is None:
            raise KGError(f"{self.directory}: no manifest.json; run `kg build --out {self.directory}`")
        return manifest

    def sparql(self, query: str, params: dict[str, Any] | None = None, *,
               graphs: Iterable[str] | None = None, limit: int | None = None):
        """Run a SPARQL query; prefixes ``mk``, ``mkv``, ``rdfs``, ``skos``, ... are predeclared.

        Parameters
        ----------
        query : str
            The query text.
        params : dict, optional
            Values for variables, each bound as one RDF term (in a ``VALUES`` block, never
            pasted into the text). Accepted values, and the term each becomes:

            * an RDF term: :class:`pyoxigraph.NamedNode` or :class:`pyoxigraph.Literal`
              (as is), ``rdflib.URIRef`` or ``rdflib.Literal`` (the same term);
            * ``str``: a plain literal (``xsd:string``). A string that looks like an IRI
              (``<...>``, ``http://...``, ``https://...``, ``urn:...``) or a CURIE with one
              of our prefixes (``mk:clonazepam``) is refused rather than guessed: pass
              :meth:`iri` (``graph.iri("mk:clonazepam")``) for the IRI, or
              ``pyoxigraph.Literal(text)`` for the string;
            * ``bool``: ``xsd:boolean``; ``int``: ``xsd:integer``; ``float``: ``xsd:double``;
              ``decimal.Decimal``: ``xsd:decimal``; ``datetime.datetime``: ``xsd:dateTime``;
              ``datetime.date``: ``xsd:date``.
        graphs : iterable of str, optional
            Named graphs to query (``curated``, ``ontology``, ``hpo``); all by default.
        limit : int, optional
            Row cap for SELECT (the result says if it was truncated).

        Returns
        -------
        ResultTable, AskResult or GraphResult

        Raises
        ------
        TypeError
            A parameter value of another type (a blank node, a list, ...), naming the
            parameter and the type.
        KGError
            A string parameter that looks like an IRI or CURIE, or a value with no RDF form
            (a NaN ``Decimal``).
        QueryError, UnsafeQueryError

        Examples
        --------
        >>> graph = kg.load()                                              # doctest: +SKIP
        >>> q = "SELECT ?d WHERE { ?d mkv:treats ?t }"
        >>> graph.sparql(q, {"t": graph.iri("mk:action_myoclonus")})       # doctest: +SKIP

        The parameters are checked before the store is opened:

        >>> graph = KnowledgeGraph("/no/build/needed/for/this")
        >>> graph.sparql(q, {"t": "mk:action_myoclonus"})
        Traceback (most recent call last):
        ...
        kg.errors.KGError: parameter 't': the string 'mk:action_myoclonus' looks like an IRI or CURIE; ...
        >>> graph.sparql(q, {"t": [1]})
        Traceback (most recent call last):
        ...
        TypeError: parameter 't': cannot bind a list; ...
        """
        bindings = self._bind(params)
        result = self.engine.query(query, bindings=bindings, limit=limit,
                                   graphs=tuple(graphs) if graphs is not None else None)
        return _in_query_order(query, result)

    def iri(self, name: str):
        """The IRI term for a CURIE with one of our prefixes (``mk:clonazepam``), an
        ``<IRI>`` or an absolute IRI, to bind as a parameter (see :meth:`sparql`).

        Raises
        ------
        KGError
            If ``name`` is none of these, or not a valid IRI.

        Examples
        --------
        >>> KnowledgeGraph(None).iri("mk:clonazepam")
        <NamedNode value=https://w3id.org/myoclonus-kg/entity/clonazepam>
        """
        from kg.query.library import to_term

        if not isinstance(name, str):
            raise TypeError(f"an IRI is given as a str, not {type(name).__name__}")
        return to_term(name, "iri") if name.startswith("<") or name.partition(":")[0] in PREFIXES \
            else to_term(f"<{name}>", "iri")

    def _bind(self, params: dict[str, Any] | None) -> dict:
        return {key: _term(key, value) for key, value in (params or {}).items()}

    def queries(self) -> list[NamedQuery]:
        """The named query library."""
        return list_queries()

    def named(self, name: str, params: dict[str, Any] | None = None, *,
              graphs: Iterable[str] | None = None, limit: int | None = None):
        """Run a named query.

        A ``str`` value is read by the parameter's declared type: an IRI parameter takes a
        CURIE, an ``<IRI>`` or an entity label, synonym or identifier; an integer parameter
        its digits; a string parameter the text. Any other value is bound as in
        :meth:`sparql` (RDF terms, ``int``, ``bool``, ...).

        Raises
        ------
        KGError
            An unknown parameter, a missing one, or a value that does not fit its type.
        TypeError
            A value of a type that cannot be bound.
        """
        nq = get_query(name)
        bindings = {k: self._canonical(v)
                    for k, v in nq.bindings(params, resolve=self.resolve, convert=_term).items()}
        chosen = tuple(graphs) if graphs is not None else None
        text = nq.text
        if nq.uses_closure:  # its reference form where the closure graph is not in the dataset
            text = nq.text_for(g.value for g in self.engine.default_graphs(chosen))
        return self.engine.query(text, bindings=bindings, limit=limit, graphs=chosen)

    def _canonical(self, term):
        """An identifier a curated entity matches exactly (its alias, e.g. ORPHA:501) as that
        entity's IRI (mk:lafora_body_disease): the graph writes the entity's IRI in its place."""
        import pyoxigraph as ox

        from kg.namespace import ENTITY

        if not isinstance(term, ox.NamedNode) or term.value.startswith(ENTITY):
            return term
        rows = self.engine.query("SELECT ?id ?e WHERE { ?e skos:exactMatch ?id . "
                                 "FILTER(STRSTARTS(STR(?e), STR(mk:))) } ORDER BY ?e",
                                 bindings={"id": term}).to_records()
        return ox.NamedNode(rows[0][1]) if rows else term

    # ------------------------------------------------------------------ graph
    def to_networkx(self, graphs: Iterable[str] | None = None) -> nx.MultiDiGraph:
        """The graph as a NetworkX MultiDiGraph (cached; see :func:`kg.paths.graph.to_networkx`).

        Of the edge graphs (all but the closure index), it is read from the build's compact graph
        (:meth:`kg.paths.compact.CompactGraph.to_networkx`, the same graph); of some, from the store.
        """
        key = tuple(graphs) if graphs is not None else _EDGE_GRAPHS
        if key not in self._nx:
            compact = self._compact(graphs)
            with self._building:
                if key not in self._nx:
                    if compact is not None:
                        self._nx[key] = compact.to_networkx()
                    else:
                        from kg.paths.graph import to_networkx

                        self._nx[key] = to_networkx(self.engine.quads(key), self.schema)
        return self._nx[key]

    @property
    def schema(self):
        """The :class:`~kg.schema.Schema` of the ontology this graph was built with (its
        ``ontology`` graph; the shipped ontology if the graph has none)."""
        if self._schema is None:
            from kg.schema import load_schema, schema_from_quads

            quads = self.engine.quads(("ontology",))
            self._schema = schema_from_quads(quads) if quads else load_schema()
        return self._schema

    def _compact(self, graphs: Iterable[str] | None = None):
        """The build's compact graph (:mod:`kg.paths.compact`) when it answers for ``graphs``
        (all of them), else ``None`` (a remote graph, a subset of the named graphs, or a build
        made before the compact graph existed: those use NetworkX).

        Raises
        ------
        CompactGraphError
            The manifest records a compact graph that is missing or damaged (naming the file
            and the command that rebuilds it).
        """
        if graphs is not None and set(graphs) != set(_EDGE_GRAPHS):
            return None
        if not self._compact_checked:
            with self._building:
                if not self._compact_checked:
                    recorded = None
                    if self.directory is not None:
                        from kg.build.directory import read_manifest

                        recorded = (read_manifest(self.directory) or {}).get("paths")
                    if self.directory is not None and isinstance(recorded, dict) and recorded.get("file"):
                        from kg.paths.compact import CompactGraph

                        self._compact_graph = CompactGraph.open(self.directory / str(recorded["file"]),
                                                                recorded)
                    self._compact_checked = True
        return self._compact_graph

    def search_graph(self, graphs: Iterable[str] | None = None):
        """The graph that paths, neighbourhoods and views read: the build's compact graph
        (:class:`kg.paths.compact.CompactGraph`, NetworkX's read interface without loading
        the graph) when it answers for ``graphs``, else :meth:`to_networkx`."""
        compact = self._compact(graphs)
        return compact if compact is not None else self.to_networkx(graphs)

    def _graph_index(self, graphs: Iterable[str] | None = None):
        from kg.paths.finder import PathCache
        from kg.paths.graph import EntityIndex

        key = tuple(graphs) if graphs is not None else _EDGE_GRAPHS
        if key not in self._cache:
            with self._building:
                if key not in self._cache:
                    compact = self._compact(graphs)
                    if compact is not None:
                        self._index[key] = compact
                        self._cache[key] = None
                    else:
                        g = self.to_networkx(key)
                        self._index[key] = EntityIndex(g)
                        self._cache[key] = PathCache(g)  # set last: its presence means both are ready
        return self._index[key], self._cache[key]

    def resolve(self, name: str, graphs: Iterable[str] | None = None) -> str:
        """The IRI of the entity called ``name`` (label, synonym, id, CURIE or identifier).

        Raises
        ------
        EntityNotFoundError
            With suggestions.
        """
        index, _ = self._graph_index(graphs)
        return index.resolve(name)

    def entity(self, name: str, graphs: Iterable[str] | None = None) -> Entity:
        """Everything about one entity: label, definition, identifiers, and every edge
        (in and out) with its full evidence (:func:`kg.paths.finder.edge_evidence`).

        Returns
        -------
        Entity
            Fields readable as attributes or by key (``info.edges``, ``info["edges"]``);
            ``to_dict()`` gives plain data.

        Raises
        ------
        EntityNotFoundError
            If no entity matches ``name``.
        """
        import dataclasses

        from kg.entity import Entity, EntityEdge
        from kg.paths.finder import edge_evidence, edge_sentence

        iri = self.resolve(name, graphs)
        g = self.search_graph(graphs)
        data = g.nodes[iri]
        edges = [EntityEdge(subject=s, predicate=d["predicate"], object=o, sentence=edge_sentence(g, s, o, d),
                            quote=d.get("quote"), quote_start=d.get("quote_start"), quote_end=d.get("quote_end"),
                            correction=d.get("correction") or None, reference=d.get("reference") or None,
                            statement=d.get("statement"), evidence=edge_evidence(d))
                 for s, o, d in list(g.out_edges(iri, data=True)) + list(g.in_edges(iri, data=True))]
        edges.sort(key=lambda e: (e.sentence, e.statement or ""))
        fields = {f.name for f in dataclasses.fields(Entity)} - {"iri", "edges"}
        values: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                  for key, value in data.items() if key in fields}
        return Entity(iri=iri, edges=tuple(edges), **values)

    def path(self, source: str, target: str, *, k: int | None = None, directed: bool = False,
             max_length: int | None = None, include_predicates: Iterable[str] = (),
             exclude_predicates: Iterable[str] = (), include_categories: Iterable[str] = (),
             exclude_categories: Iterable[str] = (), graphs: Iterable[str] | None = None
             ) -> list[GraphPath]:
        """Shortest path(s) between two entities, each hop with its evidence.

        Parameters
        ----------
        source, target : str
            Entity labels, synonyms, ids or identifiers.
        k : int, optional
            The ``k`` shortest simple paths instead of all shortest ones.
        directed : bool
            Follow edges only in their asserted direction.
        max_length : int, optional
            Longest acceptable path, in hops.
        include_predicates, exclude_predicates : iterable of str
            Our predicate names (``treats``, ``causes``, ...).
        include_categories, exclude_categories : iterable of str
            Class names (``Drug``) or Biolink categories (``biolink:Drug``) of inner nodes.

        Returns
        -------
        list of GraphPath

        Raises
        ------
        EntityNotFoundError, NoPathError

        Examples
        --------
        >>> import kg
        >>> graph = kg.load()
        >>> paths = graph.path("hypoxia", "clonazepam")
        >>> paths[0].labels[0], paths[0].labels[-1]
        ('brain hypoxia', 'clonazepam')
        """
        from kg.paths.finder import PathFilter, find_paths

        a, b = self.resolve(source, graphs), self.resolve(target, graphs)
        # The compact graph holds each node's classes as the build's schema has them.
        schema = None if self._compact(graphs) is not None else self.schema
        flt = PathFilter(directed, frozenset(include_predicates), frozenset(exclude_predicates),
                         frozenset(include_categories), frozenset(exclude_categories), schema=schema)
        self._check_predicates(flt.include_predicates | flt.exclude_predicates)
        _, cache = self._graph_index(graphs)
        return find_paths(self.search_graph(graphs), a, b, k=k, flt=flt, max_length=max_length,
                          cache=cache)

    def neighbourhood(self, name: str, depth: int = 1, *, directed: bool = False,
                      include_predicates: Iterable[str] = (), exclude_predicates: Iterable[str] = (),
                      graphs: Iterable[str] | None = None) -> nx.MultiDiGraph:
        """The neighbourhood of an entity within ``depth`` hops, as a NetworkX MultiDiGraph
        (node attribute ``distance``); ``kg neighbourhood`` prints it.

        Parameters
        ----------
        name : str
            Entity label, synonym, id or identifier.
        depth : int
            How many hops out.
        directed : bool
            Follow outgoing edges only.
        include_predicates, exclude_predicates : iterable of str
            Our predicate names (``treats``, ``causes``, ...).

        Raises
        ------
        EntityNotFoundError, KGError
            An unknown entity (with suggestions) or predicate.

        Examples
        --------
        >>> import kg
        >>> sub = kg.load().neighbourhood("clonazepam", 1)
        >>> sub.nodes["https://w3id.org/myoclonus-kg/entity/clonazepam"]["distance"]
        0
        """
        from kg.paths.finder import PathFilter, neighbourhood

        center = self.resolve(name, graphs)
        flt = PathFilter(directed, frozenset(include_predicates), frozenset(exclude_predicates),
                         schema=None if self._compact(graphs) is not None else self.schema)
        self._check_predicates(flt.include_predicates | flt.exclude_predicates)
        return neighbourhood(self.search_graph(graphs), center, depth, flt)

    def neighbors(self, name: str, depth: int = 1, **options: Any) -> nx.MultiDiGraph:
        """Deprecated: the old name of :meth:`neighbourhood` (same arguments, same answer)."""
        import warnings

        warnings.warn("KnowledgeGraph.neighbors is deprecated: use KnowledgeGraph.neighbourhood",
                      DeprecationWarning, stacklevel=2)
        return self.neighbourhood(name, depth, **options)

    def subgraph(self, names: Iterable[str], graphs: Iterable[str] | None = None) -> nx.MultiDiGraph:
        """The subgraph induced by the given entities (labels, ids or identifiers)."""
        iris = [self.resolve(n, graphs) for n in names]
        return self.search_graph(graphs).subgraph(iris).copy()

    def _check_predicates(self, names: Iterable[str]) -> None:
        names = set(names)
        if not names:
            return
        from kg.tables import MATCH_LABELS

        known = self.schema.properties
        bad = sorted(n for n in names if n not in known and n not in MATCH_LABELS)
        if bad:
            raise KGError(f"unknown predicate(s) {', '.join(bad)}; known: "
                          f"{', '.join(sorted(p for p, i in known.items() if i.kind == 'object'))}")

    def counts(self, graphs: Iterable[str] | None = None) -> dict[str, int]:
        """Number of entities per category, in the one scheme used everywhere (the web entity
        index, the viz legend, the manifest): each entity counts once, in its primary class
        (:data:`kg.schema.CATEGORY_ORDER`). All graphs by default, like every other interface.

        Examples
        --------
        >>> import kg
        >>> kg.load().counts()["Drug"] > 3
        True
        """
        from kg.schema import PROVENANCE_CLASSES

        schema = self.schema
        # The statements' classes are left out in the query: tens of thousands of rows fewer.
        provenance = ", ".join(f"<{MKV.iri(name)}>" for name in sorted(PROVENANCE_CLASSES))
        table = self.sparql(f"""SELECT ?e ?c WHERE {{
            ?e a ?c . FILTER(STRSTARTS(STR(?c), STR(mkv:)) && isIRI(?e) && ?c NOT IN ({provenance})) }}""",
                            graphs=graphs)
        types: dict[str, set[str]] = {}
        for entity, cls in table.to_records():
            name = cls.rsplit("/", 1)[1]
            if name in schema.classes and name not in PROVENANCE_CLASSES:
                types.setdefault(entity, set()).add(name)
        counts: dict[str, int] = {}
        for found in types.values():
            category = schema.primary_class(found)
            counts[category] = counts.get(category, 0) + 1
        return dict(sorted(counts.items()))

    def to_rdflib(self, graphs: Iterable[str] | None = None):
        """The graph as an :class:`rdflib.Dataset` with the same named graphs (for interop)."""
        import pyoxigraph as ox
        import rdflib

        from kg.vocab import XSD

        dataset = rdflib.Dataset()
        for prefix, iri in PREFIXES.items():
            dataset.bind(prefix, iri)
        # Terms are made directly (as rdflib's N-Triples parser makes them from pyoxigraph's
        # serialisation, which took twice as long); a blank node keeps its label, so one
        # shared by two graphs stays one node, as in the store.
        terms: dict = {}

        def term(t):
            made = terms.get(t)
            if made is None:
                if isinstance(t, ox.NamedNode):
                    made = rdflib.URIRef(t.value)
                elif isinstance(t, ox.BlankNode):
                    made = rdflib.BNode(t.value)
                elif t.language:
                    made = rdflib.Literal(t.value, lang=t.language)
                else:
                    datatype = t.datatype.value  # xsd:string is a plain literal in N-Triples
                    made = rdflib.Literal(t.value, datatype=None if datatype == XSD.string
                                          else rdflib.URIRef(datatype))
                terms[t] = made
            return made

        by_graph: dict[str, list] = {}
        for q in self.engine.quads(tuple(graphs) if graphs is not None else None):
            by_graph.setdefault(q.graph_name.value, []).append((term(q.subject), term(q.predicate), term(q.object)))
        for name, triples in by_graph.items():
            graph = dataset.graph(rdflib.URIRef(name))
            # Straight to the store: Graph.addN would check each term made above again.
            dataset.store.addN((s, p, o, graph) for s, p, o in triples)
        return dataset
