"""What to draw: the subgraph (and what to emphasise in it) for a neighbourhood, for paths,
and for the result of a query.

* A neighbourhood is drawn whole, its centre emphasised.
* Paths are drawn with their context: every node within ``context`` hops of a path node
  (1 by default, 0 for the path alone). Path nodes and path edges are bold, the context is
  faint (``Emphasis.dim_others``); at most ``max_context`` context nodes are kept, nearest
  and best connected first.
* A CONSTRUCT (or DESCRIBE) result is drawn as its triples between IRIs, with node details
  and evidence taken from the full graph where the triple is a curated statement; ``rdf:type``
  triples and literal objects are left out.
* A SELECT result is drawn as the entities that appear in its cells plus every edge among
  them; a cell holding a statement IRI brings in that statement's edge (emphasised).

Examples
--------
>>> import kg
>>> from kg.paths.finder import find_paths
>>> g = kg.load().to_networkx()
>>> e = "https://w3id.org/myoclonus-kg/entity/"
>>> sel = path_selection(find_paths(g, e + "nhlrc1", e + "myoclonus"), context=0)
>>> sel.graph.number_of_nodes(), len(sel.emphasis.nodes), sel.mode
(3, 3, 'path')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from kg.errors import KGError
from kg.paths.finder import GraphPath, neighbourhood
from kg.viz.model import Emphasis

__all__ = ["Selection", "whole_selection", "neighbourhood_selection", "path_selection",
           "result_selection"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_VOCAB = "https://w3id.org/myoclonus-kg/vocab/"


@dataclass
class Selection:
    """A graph to draw, what stands out in it, and how to describe it."""

    graph: nx.MultiDiGraph
    mode: str = "graph"
    description: str = ""
    emphasis: Emphasis = field(default_factory=Emphasis)


def _label(graph: nx.MultiDiGraph, node) -> str:
    return str(graph.nodes[node].get("label") or node)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def whole_selection(graph, description: str = "", *, overview: bool = True) -> Selection:
    """The whole graph; above :data:`kg.viz.overview.OVERVIEW_THRESHOLD` entities, its
    overview (:func:`kg.viz.overview.overview_selection`) unless ``overview`` is false.

    ``graph`` is a NetworkX MultiDiGraph or a :class:`kg.paths.compact.CompactGraph`.

    Examples
    --------
    >>> import networkx as nx
    >>> whole_selection(nx.MultiDiGraph([("a", "b"), ("a", "b")])).description
    'whole graph: 2 nodes, 2 edges'
    """
    from kg.viz.overview import OVERVIEW_THRESHOLD, overview_selection

    if overview and graph.number_of_nodes() > OVERVIEW_THRESHOLD:
        return overview_selection(graph)
    if not isinstance(graph, nx.MultiDiGraph) and hasattr(graph, "to_networkx"):
        graph = graph.to_networkx()  # a small compact graph: drawn whole
    return Selection(graph, "graph", description or
                     f"whole graph: {_plural(graph.number_of_nodes(), 'node')}, "
                     f"{_plural(graph.number_of_edges(), 'edge')}")


def neighbourhood_selection(sub: nx.MultiDiGraph, center, depth: int, *,
                           max_nodes: int = 400) -> Selection:
    """A neighbourhood (as :meth:`kg.api.KnowledgeGraph.neighbourhood` returns it) with its centre
    emphasised.

    A neighbourhood of more than ``max_nodes`` entities (a hub of the HPO graph has thousands
    within two hops) is drawn as its ``max_nodes`` nearest, best-connected ones (then by
    label), and the description says how many were left out: a page stays small and quick
    (``kg neighbourhood`` lists them all).

    Raises
    ------
    KGError
        If ``center`` is not in ``sub``.

    Examples
    --------
    >>> import kg
    >>> from kg.paths.finder import neighbourhood
    >>> g = kg.load().to_networkx()
    >>> c = "https://w3id.org/myoclonus-kg/entity/nhlrc1"
    >>> neighbourhood_selection(neighbourhood(g, c, 1), c, 1).description
    'neighbourhood of NHLRC1 within 1 hop: 2 nodes, 1 edge'
    >>> capped = neighbourhood_selection(neighbourhood(g, c, 3), c, 3, max_nodes=3)
    >>> capped.graph.number_of_nodes(), capped.description.split(":")[1].split(" of ")[0]
    (3, ' the 3 nearest')
    """
    if center not in sub:
        raise KGError(f"{center} is not in the neighbourhood graph")
    total = sub.number_of_nodes()
    what = _plural(total, "node")
    if total > max_nodes:
        ranked = sorted(sub, key=lambda n: (n != center, sub.nodes[n].get("distance", 0), -sub.degree(n),
                                            _label(sub, n).casefold(), str(n)))
        sub = sub.subgraph(ranked[:max_nodes]).copy()
        what = f"the {max_nodes} nearest of {total} nodes"
        edges = f"{_plural(sub.number_of_edges(), 'edge')} drawn"
    else:
        edges = _plural(sub.number_of_edges(), "edge")
    return Selection(sub, "neighbourhood",
                     f"neighbourhood of {_label(sub, center)} within {_plural(depth, 'hop')}: "
                     f"{what}, {edges}",
                     Emphasis(nodes=frozenset({center}), focus=center))


def _edge_keys(graph: nx.MultiDiGraph, s, o, data: dict) -> Iterable:
    for key, d in (graph.get_edge_data(s, o) or {}).items():
        if d is data or (d.get("statement") and d.get("statement") == data.get("statement")):
            yield key


def path_selection(paths: list[GraphPath], *, context: int = 1, max_context: int = 150,
                   per_node: int = 8) -> Selection:
    """Paths (from :meth:`kg.api.KnowledgeGraph.path`) with ``context`` hops around them.

    Parameters
    ----------
    paths : list of GraphPath
        One or more paths over the same graph.
    context : int
        Hops of context drawn faintly around the path nodes; 0 draws the paths alone.
    max_context : int
        Most context nodes kept (nearest, then best connected, then by label).
    per_node : int
        Most context nodes kept around any one path node, so a hub (``myoclonus`` has
        dozens of neighbours) does not bury the path; the description says how many were
        left out.

    Returns
    -------
    Selection

    Raises
    ------
    KGError
        If ``paths`` is empty or ``context`` is negative.
    """
    if not paths:
        raise KGError("no path to draw")
    if context < 0:
        raise KGError("the path context must be 0 or more hops")
    graph = paths[0].graph
    on_path: list = []
    path_edges = set()
    for p in paths:
        on_path.extend(n for n in p.nodes if n not in on_path)
        for hop in p.hops:
            for s, o, data in hop.edges:
                path_edges.update((s, o, k) for k in _edge_keys(graph, s, o, data))
    distance: dict[Any, int] = {}
    around_hubs = 0
    if context:
        candidates: set = set()
        for node in on_path:
            near = {other: d for other, d in neighbourhood(graph, node, context).nodes(data="distance")
                    if other not in on_path}
            ranked = sorted(near, key=lambda n: (near[n], -graph.degree(n), _label(graph, n).casefold()))
            candidates.update(ranked)
            for other in ranked[:per_node]:
                distance[other] = min(near[other], distance.get(other, near[other]))
        around_hubs = len(candidates - set(distance))
    extra = sorted(distance, key=lambda n: (distance[n], -graph.degree(n), _label(graph, n).casefold()))
    cut = len(extra) > max_context
    keep = set(on_path) | set(extra[:max_context])
    sub = graph.subgraph(keep).copy()
    ends = f"{_label(graph, paths[0].nodes[0])} and {_label(graph, paths[0].nodes[-1])}"
    lengths = sorted({len(p) for p in paths})
    hops = _plural(lengths[0], "hop") if len(lengths) == 1 else \
        f"{', '.join(str(n) for n in lengths[:-1])} or {lengths[-1]} hops"
    text = f"{_plural(len(paths), 'path')} between {ends} ({hops})"
    if context:
        text += f", with {_plural(context, 'hop')} of context"
        if cut:
            text += f" (the {max_context} nearest of {len(extra)} context nodes)"
        if around_hubs:
            text += (f"; at most {per_node} neighbours are drawn around each path node "
                     f"({around_hubs} more left out)")
    return Selection(sub, "path", text,
                     Emphasis(nodes=frozenset(on_path), edges=frozenset(path_edges), dim_others=bool(context)))


def _copy_node(target: nx.MultiDiGraph, graph: nx.MultiDiGraph, iri: str) -> None:
    if iri in target:
        return
    if iri in graph:
        target.add_node(iri, **graph.nodes[iri])
    else:
        from kg.identifiers import curie

        target.add_node(iri, label=curie(iri), category="biolink:NamedThing", types=[],
                        curie=curie(iri), definition="", synonyms=[], xrefs=[], characteristics=[],
                        values={})


def result_selection(result: Any, graph: nx.MultiDiGraph, name: str = "query") -> Selection:
    """The entities (SELECT) or triples (CONSTRUCT/DESCRIBE) of a query result.

    Parameters
    ----------
    result : ResultTable or GraphResult
        From :meth:`kg.api.KnowledgeGraph.named` or :meth:`~kg.api.KnowledgeGraph.sparql`.
    graph : networkx.MultiDiGraph
        The full graph, for node details and edge evidence.
    name : str
        The query's name, for the description.

    Returns
    -------
    Selection

    Raises
    ------
    KGError
        For an ASK result, or when the result names no entity to draw.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.query.results import ResultTable
    >>> import kg
    >>> g = kg.load().to_networkx()
    >>> e = "https://w3id.org/myoclonus-kg/entity/"
    >>> table = ResultTable(["x"], [(ox.NamedNode(e + "nhlrc1"),), (ox.NamedNode(e + "myoclonus"),)])
    >>> sel = result_selection(table, g, "demo")
    >>> sel.graph.number_of_nodes(), sel.graph.number_of_edges()
    (2, 0)
    """
    import pyoxigraph as ox

    from kg.query.results import AskResult, GraphResult, ResultTable

    if isinstance(result, AskResult):
        raise KGError(f"{name} is an ASK query: it has no graph to draw")
    if isinstance(result, GraphResult):
        sub = nx.MultiDiGraph()
        skipped = 0
        edges = set()
        for t in result.triples:
            s, p, o = t.subject, t.predicate, t.object
            if (not isinstance(s, ox.NamedNode) or not isinstance(o, ox.NamedNode)
                    or p.value == _RDF_TYPE):
                skipped += 1
                continue
            _copy_node(sub, graph, s.value)
            _copy_node(sub, graph, o.value)
            local = p.value[len(_VOCAB):] if p.value.startswith(_VOCAB) else p.value
            known = [(k, d) for k, d in (graph.get_edge_data(s.value, o.value) or {}).items()
                     if d.get("predicate") == local]
            if known:
                for k, d in known:
                    if (s.value, o.value, k) not in edges:
                        edges.add((s.value, o.value, k))
                        sub.add_edge(s.value, o.value, key=k, **d)
            elif (s.value, o.value, p.value) not in edges:
                from kg.identifiers import curie

                edges.add((s.value, o.value, p.value))
                sub.add_edge(s.value, o.value, key=p.value, predicate=local, label=curie(p.value)
                             if local == p.value else local, biolink="", quote="", quote_start=None,
                             quote_end=None, status="", correction="", reference="", qualifiers={},
                             statement="")
        if sub.number_of_nodes() == 0:
            raise KGError(f"{name} constructed no triple between two resources; nothing to draw")
        note = f" ({_plural(skipped, 'triple')} with a literal or rdf:type left out)" if skipped else ""
        return Selection(sub, "query", f"CONSTRUCT {name}: {_plural(len(result.triples), 'triple')}, "
                         f"{_plural(sub.number_of_edges(), 'edge')} drawn{note}")
    if not isinstance(result, ResultTable):
        raise KGError(f"cannot draw a {type(result).__name__}")
    by_statement = {d.get("statement"): (s, o, k) for s, o, k, d in graph.edges(keys=True, data=True)
                    if d.get("statement")}
    entities: list[str] = []
    statements = set()
    for row in result.rows:
        for term in row:
            if not isinstance(term, ox.NamedNode):
                continue
            if term.value in graph and term.value not in entities:
                entities.append(term.value)
            elif term.value in by_statement:
                s, o, k = by_statement[term.value]
                statements.add((s, o, k))
                entities.extend(n for n in (s, o) if n not in entities)
    if not entities:
        raise KGError(f"{name} returned no entity of the graph; nothing to draw")
    sub = graph.subgraph(entities).copy()
    return Selection(sub, "query",
                     f"SELECT {name}: {_plural(len(result.rows), 'row')}, "
                     f"{len(entities)} {'entity' if len(entities) == 1 else 'entities'} and the "
                     f"{_plural(sub.number_of_edges(), 'edge')} among them",
                     Emphasis(edges=frozenset(statements)))
