"""Shortest paths and neighbourhoods, each hop told as a sentence with its evidence."""

from __future__ import annotations

import html
import itertools
from functools import lru_cache
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from kg.errors import KGError, NoPathError
from kg.paths.compact import CompactGraph

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Hop", "GraphPath", "PathFilter", "find_paths", "neighbourhood", "edge_sentence", "verb_phrase",
           "HIERARCHY", "hop_direction", "generalisation_note", "edge_evidence"]


_VERBS = ("has", "is", "may", "treats", "causes", "affects", "impairs", "originates", "occurs",
          "co-occurs", "closely")


def verb_phrase(label: str) -> str:
    """Make a predicate label read as a verb: ``subtype of`` -> ``is a subtype of``.

    Examples
    --------
    >>> verb_phrase("treats"), verb_phrase("subtype of"), verb_phrase("triggered by")
    ('treats', 'is a subtype of', 'is triggered by')
    """
    first = label.split(" ", 1)[0]
    if first in _VERBS:
        return label
    if label.endswith((" of", " for")) and not first.endswith("ed"):
        return "is a " + label
    return "is " + label


def edge_sentence(graph: nx.MultiDiGraph, subject: str, obj: str, data: dict) -> str:
    """``clonazepam treats action myoclonus (first-line)`` for one edge."""
    s, o = graph.nodes[subject]["label"], graph.nodes[obj]["label"]
    sentence = f"{s} {verb_phrase(data.get('label') or data['predicate'])} {o}"
    notes = []
    q = data.get("qualifiers") or {}
    if q.get("firstLine") in ("true", True):
        notes.append("first-line")
    if q.get("certainty") and q["certainty"] != "asserted":
        notes.append(q["certainty"])
    if q.get("frequency"):
        notes.append(q["frequency"])
    if q.get("inContext"):
        ctx = q["inContext"]
        notes.append("in " + graph.nodes[ctx]["label"] if ctx in graph else "in " + ctx)
    return sentence + (f" ({', '.join(notes)})" if notes else "")


def edge_evidence(data: dict) -> dict:
    """The full evidence of one edge, as plain data, by where it comes from (``kind``).

    Every kind has ``statement``, ``status`` and ``reference``; a curated edge adds the quote, its
    offsets, the source document, the claim, the qualifiers and any correction; an imported edge
    its evidence codes, publications, frequencies and source release; a mapping the identifier's
    name and where it was verified; an entailed edge its rule and the statements it came from.

    Examples
    --------
    >>> edge_evidence({"kind": "entailed", "rule": "NarrowMatchRule", "derived_from": ["x"]})["rule"]
    'NarrowMatchRule'
    """
    kind = data.get("kind") or ""
    out: dict = {"kind": kind, "statement": data.get("statement") or None,
                 "status": data.get("status") or None, "reference": data.get("reference") or None}
    if kind == "curated":
        out.update(quote=data.get("quote"), quote_start=data.get("quote_start"),
                   quote_end=data.get("quote_end"), source=data.get("source") or None,
                   claim=data.get("claim"), qualifiers=dict(data.get("qualifiers") or {}),
                   correction=data.get("correction") or None)
    elif kind == "imported":
        out.update(evidence_codes=list(data.get("evidence_codes") or ()),
                   publications=list(data.get("publications") or ()),
                   frequencies=list(data.get("frequencies") or ()),
                   source=data.get("source") or None, source_version=data.get("source_version") or None)
    elif kind == "mapping":
        out.update(identifier_name=data.get("identifier_name") or None,
                   verified_in=data.get("reference") or None)
    elif kind == "entailed":
        out.update(rule=data.get("rule"), derived_from=list(data.get("derived_from") or ()))
    return out


@dataclass
class Hop:
    """One step of a path: the edges between two consecutive nodes, in their true direction."""

    source: str
    target: str
    edges: list[tuple[str, str, dict]]  # (subject, object, edge data), as asserted

    def sentences(self, graph: nx.MultiDiGraph) -> list[str]:
        return [edge_sentence(graph, s, o, d) for s, o, d in self.edges]


@dataclass
class GraphPath:
    """A path between two entities; ``text()`` and ``_repr_html_`` tell each hop with evidence.

    (Not ``Path``: that name is :class:`pathlib.Path` in the modules that use both.)"""

    graph: nx.MultiDiGraph = field(repr=False)
    nodes: list[str]
    hops: list[Hop]

    def __len__(self) -> int:
        return len(self.hops)

    @property
    def labels(self) -> list[str]:
        return [self.graph.nodes[n]["label"] for n in self.nodes]

    def text(self) -> str:
        lines = [" → ".join(self.labels)]
        for i, hop in enumerate(self.hops, 1):
            for (s, o, d), sentence in zip(hop.edges, hop.sentences(self.graph)):
                lines.append(f"  {i}. {sentence}.")
                if d.get("quote"):
                    where = (f" [{d['quote_start']}:{d['quote_end']}]"
                             if d.get("quote_start") is not None else "")
                    lines.append(f"     evidence{where}: \u201c{d['quote']}\u201d")
                elif d.get("reference"):
                    # No quote: an identifier mapping, an edge imported with its source's evidence,
                    # or an edge entailed by a rule from other statements.
                    if d.get("status") == "mapping":
                        kind = "mapping verified in"
                    elif d.get("rule"):
                        kind = f"entailed by {d['rule']} from"
                    else:
                        release = f", HPO {d['source_version']}" if d.get("source_version") else ""
                        kind = f"evidence ({d.get('status') or 'imported'}{release})"
                    lines.append(f"     {kind}: {d['reference']}")
                if d.get("correction"):
                    lines.append(f"     correction: {d['correction']}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain data: node labels and, per hop, the edges (as asserted) with their full evidence
        (:func:`edge_evidence`: the quote and offsets of a curated edge, the evidence codes,
        publications and source release of an imported one, the verification of a mapping,
        the rule and sources of an entailed one)."""
        return {
            "nodes": self.nodes,
            "labels": self.labels,
            "hops": [[{"subject": s, "predicate": d["predicate"], "object": o,
                       "sentence": edge_sentence(self.graph, s, o, d), "quote": d.get("quote"),
                       "quote_start": d.get("quote_start"), "quote_end": d.get("quote_end"),
                       "correction": d.get("correction") or None, "statement": d.get("statement"),
                       "evidence": edge_evidence(d)}
                      for s, o, d in hop.edges] for hop in self.hops],
        }

    def _repr_html_(self) -> str:
        items = []
        for hop in self.hops:
            for (s, o, d), sentence in zip(hop.edges, hop.sentences(self.graph)):
                quote = f"<br><q>{html.escape(d['quote'])}</q>" if d.get("quote") else ""
                items.append(f"<li>{html.escape(sentence)}{quote}</li>")
        title = html.escape(" → ".join(self.labels))
        return f"<p><b>{title}</b></p><ol>{''.join(items)}</ol>"


@lru_cache(maxsize=1024)
def _with_superclasses(types: tuple[str, ...]) -> frozenset[str]:
    from kg.schema import load_schema

    return _superclasses_in(load_schema(), types)


def _superclasses_in(schema, types: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(schema.ancestors(t) | {t} for t in types)) if types else frozenset()


@dataclass(frozen=True)
class PathFilter:
    """Which edges and nodes a path may use."""

    directed: bool = False
    include_predicates: frozenset[str] = frozenset()
    exclude_predicates: frozenset[str] = frozenset()
    include_categories: frozenset[str] = frozenset()
    exclude_categories: frozenset[str] = frozenset()
    #: The schema the graph was built with (its class hierarchy); the shipped one if None.
    schema: Any = field(default=None, compare=False, repr=False)

    def edge_ok(self, data: dict) -> bool:
        return self.predicate_ok(data["predicate"])

    def predicate_ok(self, predicate: str) -> bool:
        """Whether an edge with this predicate (its local name) may be on a path."""
        if self.include_predicates and predicate not in self.include_predicates:
            return False
        return predicate not in self.exclude_predicates

    def node_ok(self, graph: nx.MultiDiGraph, node: str, endpoints: set[str]) -> bool:
        if node in endpoints:
            return True
        data = graph.nodes[node]
        return self.types_ok(tuple(data.get("types", ())), data.get("category", ""))

    def types_ok(self, declared: tuple[str, ...], category: str) -> bool:
        """Whether a node of these declared types and this (Biolink) category may be on a path."""
        # A class filter covers its subclasses: excluding Phenotype excludes MyoclonusType too.
        ancestors = _with_superclasses(declared) if self.schema is None else _superclasses_in(self.schema, declared)
        return self.classes_ok(ancestors | {category})

    def classes_ok(self, classes: frozenset[str]) -> bool:
        """Whether a node of these classes (with their superclasses, and its category) may be
        on a path."""
        if self.include_categories and not classes & self.include_categories:
            return False
        return not classes & self.exclude_categories

    @property
    def trivial(self) -> bool:
        return not (self.include_predicates or self.exclude_predicates or self.include_categories
                    or self.exclude_categories)


def _projection(graph: nx.MultiDiGraph, flt: PathFilter, endpoints: set[str]) -> nx.Graph:
    """A simple (di)graph over the allowed edges, which the path algorithms need.

    Its nodes, and each node's neighbours, come in the order of ``graph`` (the order the path
    searches meet neighbours in, which decides between paths of equal length): the nodes as
    ``graph`` lists them, the edges as ``graph.edges()`` does.
    """
    import networkx as nx

    simple = nx.DiGraph() if flt.directed else nx.Graph()
    if flt.include_categories or flt.exclude_categories:
        # Many nodes share their types: decide once per (declared types, category).
        verdicts: dict[tuple[tuple[str, ...], str], bool] = {}
        nodes = []
        for n, data in graph.nodes(data=True):
            if n not in endpoints:
                types = (tuple(data.get("types", ())), data.get("category", ""))
                ok = verdicts.get(types)
                if ok is None:
                    ok = verdicts[types] = flt.types_ok(*types)
                if not ok:
                    continue
            nodes.append(n)
    else:
        nodes = list(graph)
    simple.add_nodes_from(nodes)
    allowed = set(nodes)
    every_predicate = not (flt.include_predicates or flt.exclude_predicates)
    predicate_verdicts: dict[str, bool] = {}
    pairs = []
    # The adjacency in the order graph.edges() walks it: subject, then object, then key.
    for s, objects in graph.adjacency():
        if s not in allowed:
            continue
        for o, keyed in objects.items():
            if o == s or o not in allowed:
                continue
            if every_predicate:
                pairs.append((s, o))  # a MultiDiGraph keeps no (s, o) without an edge
                continue
            for d in keyed.values():
                p = d["predicate"]
                ok = predicate_verdicts.get(p)
                if ok is None:
                    ok = predicate_verdicts[p] = flt.predicate_ok(p)
                if ok:
                    pairs.append((s, o))  # once: more edges between them add nothing
                    break
    simple.add_edges_from(pairs)
    return simple


class PathCache:
    """Keeps the unfiltered projections, so repeated path queries do not rebuild them."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self._plain: dict[bool, nx.Graph] = {}

    def projection(self, flt: PathFilter, endpoints: set[str]) -> nx.Graph:
        if flt.trivial:
            if flt.directed not in self._plain:
                self._plain[flt.directed] = _projection(self.graph, flt, set())
            return self._plain[flt.directed]
        return _projection(self.graph, flt, endpoints)


def _hop(graph: nx.MultiDiGraph, a: str, b: str, flt: PathFilter) -> Hop:
    edges = [(a, b, d) for d in graph.get_edge_data(a, b, default={}).values() if flt.edge_ok(d)]
    if not flt.directed:
        edges += [(b, a, d) for d in graph.get_edge_data(b, a, default={}).values() if flt.edge_ok(d)]
    edges.sort(key=lambda e: (e[2]["predicate"], e[2].get("statement") or ""))
    return Hop(a, b, edges)


def _all_shortest_paths(simple: nx.Graph, source: str, target: str) -> list[list[str]]:
    """All shortest paths, exploring only the nodes that can lie on one: the search the compact
    graph uses (:func:`kg.paths.search.all_shortest_paths`), over the projection's neighbours.

    ``nx.all_shortest_paths`` walks the whole component of ``source`` on every call; on the
    full-HPO graph that is most of 300k edges.
    """
    import networkx as nx

    from kg.paths import search

    if source not in simple or target not in simple:
        raise nx.NodeNotFound(f"{source} or {target} not in the graph")
    if simple.is_directed():
        successors, predecessors = simple.successors, simple.predecessors
    else:
        successors = predecessors = simple.neighbors
    try:
        return search.all_shortest_paths(successors, predecessors, source, target)
    except search.NoPath:
        raise nx.NetworkXNoPath(f"no path joins {source} and {target}") from None


def _compact_paths(graph: CompactGraph, source: str, target: str, k: int | None,
                   flt: PathFilter) -> list[list[str]]:
    """The node paths of :func:`find_paths` searched on the compact graph."""
    from kg.paths import search

    a, b = graph.id_of(source), graph.id_of(target)
    successors, predecessors = search.neighbour_functions(graph, flt, (a, b))
    try:
        if k is None:
            found = search.all_shortest_paths(successors, predecessors, a, b)
        else:
            found = list(itertools.islice(
                search.k_shortest_paths(successors, predecessors, a, b, flt.directed), k))
    except search.NoPath:
        return []
    graph._load_nodes({n for p in found for n in p})
    return [[graph.iri_of(n) for n in p] for p in found]


def find_paths(graph: nx.MultiDiGraph | CompactGraph, source: str, target: str, *, k: int | None = None,
               flt: PathFilter = PathFilter(), max_length: int | None = None,
               cache: PathCache | None = None) -> list[GraphPath]:
    """Shortest path(s) from ``source`` to ``target``.

    Parameters
    ----------
    k : int, optional
        Return the ``k`` shortest simple paths; by default all paths of the shortest length.
    flt : PathFilter
        Direction and predicate/category constraints.
    max_length : int, optional
        Longest path (in hops) to accept.

    Raises
    ------
    NoPathError
        If no path satisfies the constraints.
    KGError
        If ``k`` is not positive.
    """
    if source == target:
        raise KGError("source and target are the same entity")
    if k is not None and k < 1:
        raise KGError("k must be at least 1")
    how = "directed" if flt.directed else "undirected"
    names = f"{graph.nodes[source]['label']!r} and {graph.nodes[target]['label']!r}"
    if isinstance(graph, CompactGraph):
        node_paths = _compact_paths(graph, source, target, k, flt)
        if not node_paths:
            raise NoPathError(f"no {how} path joins {names} under these constraints")
    else:
        import networkx as nx

        simple = (cache or PathCache(graph)).projection(flt, {source, target})
        try:
            if k is None:
                node_paths = _all_shortest_paths(simple, source, target)
            else:
                node_paths = list(itertools.islice(nx.shortest_simple_paths(simple, source, target), k))
        except nx.NetworkXNoPath:
            raise NoPathError(f"no {how} path joins {names} under these constraints") from None
        except nx.NodeNotFound:
            raise NoPathError(f"{names}: an endpoint is excluded by the category filter") from None
    if max_length is not None:
        node_paths = [p for p in node_paths if len(p) - 1 <= max_length]
        if not node_paths:
            raise NoPathError(f"no {how} path of at most {max_length} hops joins {names}")
    node_paths.sort(key=lambda p: (len(p), [graph.nodes[n]["label"] for n in p]))
    return [GraphPath(graph, p, [_hop(graph, a, b, flt) for a, b in zip(p, p[1:])]) for p in node_paths]


def neighbourhood(graph: nx.MultiDiGraph | CompactGraph, center: str, depth: int = 1,
                  flt: PathFilter = PathFilter()) -> nx.MultiDiGraph:
    """The subgraph within ``depth`` hops of ``center`` (edges followed per ``flt``).

    Raises
    ------
    KGError
        If ``depth`` is negative.
    """
    if depth < 0:
        raise KGError("depth must be 0 or more")
    if isinstance(graph, CompactGraph):
        from kg.paths.search import compact_neighbourhood

        return compact_neighbourhood(graph, center, depth, flt)
    seen = {center: 0}
    frontier = [center]
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            steps: Iterable = graph.out_edges(node, data=True)
            if not flt.directed:
                steps = itertools.chain(steps, ((o, s, dd) for s, o, dd in graph.in_edges(node, data=True)))
            for _, other, data in steps:
                if other not in seen and flt.edge_ok(data) and flt.node_ok(graph, other, {center}):
                    seen[other] = d
                    nxt.append(other)
        frontier = nxt
    sub = graph.subgraph(seen).copy()
    for node, distance in seen.items():
        sub.nodes[node]["distance"] = distance
    drop = [(s, o, key) for s, o, key, d in sub.edges(keys=True, data=True) if not flt.edge_ok(d)]
    sub.remove_edges_from(drop)
    return sub


#: Predicates that place an entity under a broader one (``A subtypeOf B``: B is broader).
HIERARCHY = frozenset({"subtypeOf", "memberOf"})


def hop_direction(hop: Hop) -> str:
    """How a path moves along one hop: ``up`` to a broader class (the hop's edges all say
    ``source subtypeOf target``), ``down`` to a narrower one, or ``claim`` (any other
    statement joins the two).

    Examples
    --------
    >>> hop_direction(Hop("a", "b", [("a", "b", {"predicate": "subtypeOf"})]))
    'up'
    >>> hop_direction(Hop("b", "a", [("a", "b", {"predicate": "subtypeOf"})]))
    'down'
    >>> hop_direction(Hop("d", "a", [("d", "a", {"predicate": "treats"})]))
    'claim'
    """
    if not hop.edges or any(d.get("predicate") not in HIERARCHY for _, _, d in hop.edges):
        return "claim"
    if all((s, o) == (hop.source, hop.target) for s, o, _ in hop.edges):
        return "up"
    if all((s, o) == (hop.target, hop.source) for s, o, _ in hop.edges):
        return "down"
    return "claim"


def generalisation_note(path: GraphPath) -> str | None:
    """A warning when a path climbs to a broader class and goes on from there: what follows
    is said of the broader class, not of the entity the path started from. ``None`` when the
    path never does.

    A path ``posthypoxic myoclonus -> myoclonus <- clonazepam`` (subtype of, then treats)
    does not say that clonazepam treats posthypoxic myoclonus; a clinician must not read it so.
    """
    directions = [hop_direction(h) for h in path.hops]
    labels = path.labels
    for i, direction in enumerate(directions):
        if direction != "up":
            continue
        rest = directions[i + 1:]
        if not rest or all(d == "up" for d in rest):
            continue  # the path ends at the broader class: nothing is carried over
        # The top of the climb: the last node of this run of "up" hops.
        top = i
        while top + 1 < len(directions) and directions[top + 1] == "up":
            top += 1
        specific, broad = labels[i], labels[top + 1]
        bottom = top + 1
        while bottom < len(directions) and directions[bottom] == "down":
            bottom += 1
        if bottom == len(directions):
            return (f"generalisation: this path goes up from {specific} to the broader class {broad} "
                    f"and back down to {labels[bottom]}; it relates them only as two kinds of {broad}")
        about = broad if bottom == top + 1 else f"{labels[bottom]} (another kind of {broad})"
        return (f"generalisation: this path goes up from {specific} to the broader class {broad}; "
                f"the statements after that are about {about}, not about {specific} "
                f"(they are no evidence that the same holds for {specific})")
    return None
