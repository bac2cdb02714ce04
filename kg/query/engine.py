"""Running SPARQL on the embedded pyoxigraph store, safely, with the graphs chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError, QueryError
from kg.namespace import (GRAPH_ALIASES, GRAPH_CLOSURE, GRAPH_CURATED, GRAPH_ENTAILED, GRAPH_HPO,
                          GRAPH_ONTOLOGY, PREFIXES)
from kg.query.binding import inject_values
from kg.query.stores import BuildStores
from kg.query.results import materialize
from kg.query.safety import check_query

__all__ = ["SparqlEngine", "GRAPHS", "EDGE_GRAPHS", "query_error"]

#: Short names of the store's named graphs. ``aliases`` joins a query's default graph only when
#: the query names an alias (:mod:`kg.query.dataset`); ``closure`` is the subtype closure index.
GRAPHS = {"curated": GRAPH_CURATED, "ontology": GRAPH_ONTOLOGY, "hpo": GRAPH_HPO,
          "entailed": GRAPH_ENTAILED, "closure": GRAPH_CLOSURE, "aliases": GRAPH_ALIASES}
#: The graphs whose triples are edges (the NetworkX view, the path index): all but the closure
#: index (its triples are not edges, kg.schema.INDEX_PROPERTIES).
EDGE_GRAPHS = tuple(g for g in GRAPHS if g != "closure")
_POSITION = re.compile(r"error at (\d+):(\d+)")


def query_error(exc: Exception) -> QueryError:
    """The :class:`QueryError` for an exception raised by pyoxigraph's query parser or engine:
    a syntax error gets its line and column."""
    message = str(exc)
    if not isinstance(exc, SyntaxError):
        return QueryError(f"query failed: {message}", engine=True)
    match = _POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    where = f" (line {line}, column {column})" if line else ""
    return QueryError(f"malformed SPARQL{where}: {message}", line=line, column=column, engine=True)




class SparqlEngine:
    """SPARQL over a pyoxigraph store, read-only, with our prefixes predeclared.

    Parameters
    ----------
    store : pyoxigraph.Store or BuildStores
        A store with every graph, or the stores of a build (:mod:`kg.query.stores`: a query
        that names no alias runs on the store without the aliases graph, as a union).
    """

    def __init__(self, store: "ox.Store | BuildStores") -> None:
        self.stores = store if isinstance(store, BuildStores) else BuildStores(store)
        self.graph_iris = set(self.stores.graph_iris)
        self.is_alias = self.stores.is_alias

    @property
    def store(self) -> ox.Store:
        """The store with every graph of the build (the aliases graph included)."""
        return self.stores.full

    @classmethod
    def open(cls, path: Path) -> "SparqlEngine":
        """Open the store directory of a build read-only.

        Raises
        ------
        KGError
            If the directory is not a store, or the store is damaged (one line naming the
            directory and the command that rebuilds it).
        """
        path = Path(path)
        if not path.is_dir():
            raise KGError(f"{path}: no query store here; run `kg build --out {path.parent}` first")
        try:
            return cls(BuildStores.open(path))
        except KGError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            # RocksDB reports corruption as RuntimeError ("Corruption: ..."), on several lines.
            reason = str(exc).strip().partition("\n")[0][:200] or exc.__class__.__name__
            raise KGError(f"{path}: the query store is damaged or unreadable ({reason}); "
                          f"rebuild it: kg build --out {path.parent}") from None

    def default_graphs(self, graphs: tuple[str, ...] | None) -> list[ox.NamedNode]:
        names = graphs if graphs is not None else tuple(GRAPHS)
        unknown = [g for g in names if g not in GRAPHS]
        if unknown:
            raise KGError(f"unknown graph {', '.join(unknown)}; choose from {', '.join(GRAPHS)}")
        return [ox.NamedNode(GRAPHS[g]) for g in names if GRAPHS[g] in self.graph_iris]

    def plan(self, text: str, graphs: tuple[str, ...] | None = None,
             bindings: dict | None = None) -> tuple[ox.Store, dict]:
        """The store and dataset arguments to pyoxigraph for a query without FROM: the chosen
        graphs (all by default), the aliases graph only when the query names an alias
        (:mod:`kg.query.dataset`), on the store that holds them (:mod:`kg.query.stores`).

        Raises
        ------
        KGError
            On an unknown graph name.
        """
        self.default_graphs(graphs)  # refuses unknown names
        return self.stores.plan(text, GRAPHS, graphs, bindings=bindings)

    def dataset(self, text: str, graphs: tuple[str, ...] | None = None, bindings: dict | None = None) -> dict:
        """The dataset arguments of :meth:`plan` (for the store it names)."""
        return self.plan(text, graphs, bindings)[1]

    def quads(self, graphs: tuple[str, ...] | None = None) -> list[ox.Quad]:
        """Every quad of the chosen named graphs (all by default)."""
        quads: list[ox.Quad] = []
        for g in self.default_graphs(graphs):
            quads.extend(self.stores.store_of(g.value).quads_for_pattern(None, None, None, g))
        return quads

    def query(self, text: str, *, bindings: dict | None = None, graphs: tuple[str, ...] | None = None,
              limit: int | None = None, raw: bool = False):
        """Run a query; return a ResultTable, AskResult or GraphResult.

        Parameters
        ----------
        text : str
            SPARQL 1.1 query (prefixes mk, mkv, rdfs, skos, ... are predeclared).
        bindings : dict, optional
            ``{variable: RDF term}``, bound by a ``VALUES`` block (see :mod:`kg.query.binding`).
        graphs : tuple of str, optional
            Which named graphs form the default graph (``curated``, ``ontology``, ``hpo``,
            ``entailed``, ``closure``, ``aliases``); all by default, the aliases graph only
            when the query names an alias (:mod:`kg.query.dataset`). A query with its own
            FROM / FROM NAMED keeps its dataset.
        limit : int, optional
            Row cap for SELECT; the table says when it was truncated.
        raw : bool
            Return pyoxigraph's lazy result instead of materialising it.

        Raises
        ------
        UnsafeQueryError
            The query would reach outside the graph or modify it.
        QueryError
            The query is malformed (with line and column), nested or chained beyond the
            limits of :mod:`kg.sparql.limits`, or fails.
        """
        own_dataset = bool(check_query(text, self.graph_iris).dataset)  # the analysis is cached
        dataset: dict
        if own_dataset:
            store, dataset = self.stores.full, {}  # the query's FROM / FROM NAMED decide (checked above)
        else:
            store, dataset = self.plan(text, graphs, bindings)
        text = inject_values(text, bindings or {})
        try:
            result = store.query(text, prefixes=PREFIXES, **dataset)
            # Solutions are computed while they are read: errors can come from here too.
            return result if raw else materialize(result, limit=limit)
        except KGError:
            raise
        except (SyntaxError, OSError, RuntimeError, ValueError, TypeError) as exc:
            raise query_error(exc) from None
