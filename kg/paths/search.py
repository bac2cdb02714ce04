"""Paths and neighbourhoods on the compact graph (:mod:`kg.paths.compact`), without NetworkX.

The same searches as :mod:`kg.paths.finder` does on NetworkX, over integer ids and arrays:
all shortest paths (a bidirectional search for the distance, then the nodes that lie on
some shortest path), Yen's ``k`` shortest simple paths (as ``networkx.shortest_simple_paths``
runs it, neighbour for neighbour, so ties come out in the same order), and neighbourhoods.
A filter (:class:`~kg.paths.finder.PathFilter`) becomes a per-node neighbour function; the
unfiltered ones read the neighbour lists the build stored.

The tests compare every answer with NetworkX's on :meth:`CompactGraph.to_networkx`.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Callable, Hashable, Iterable, Iterator, TypeVar

from kg.paths.compact import CompactGraph

if TYPE_CHECKING:
    import networkx as nx

    from kg.paths.finder import PathFilter

__all__ = ["Neighbours", "neighbour_functions", "all_shortest_paths", "k_shortest_paths",
           "compact_neighbourhood", "NoPath"]

Neighbours = Callable[[int], Iterable[int]]
#: A node: an id of the compact graph, or an IRI of a NetworkX projection (kg.paths.finder).
N = TypeVar("N", bound=Hashable)


class NoPath(Exception):
    """No path joins the two nodes (internal: :func:`kg.paths.finder.find_paths` words it)."""


def _allowed(graph: CompactGraph, flt: "PathFilter") -> tuple[bytearray, bytearray]:
    """Which predicates and which node kinds the filter lets through (1 = allowed)."""
    preds = bytearray(1 if flt.predicate_ok(p) else 0 for p in graph.predicates)
    kinds = bytearray(1 if flt.classes_ok(k) else 0 for k in graph.kinds)
    return preds, kinds


def neighbour_functions(graph: CompactGraph, flt: "PathFilter",
                        endpoints: Iterable[int] = ()) -> tuple[Neighbours, Neighbours]:
    """``(successors, predecessors)`` of the projection NetworkX would build for ``flt``
    (:func:`kg.paths.finder._projection`): each neighbour once, in the order of the first
    allowed edge that joins it, without self-loops; undirected, both are the neighbours.
    """
    directed = flt.directed
    if flt.trivial:
        if directed:
            return _slicer(graph.succ_off, graph.succ_nbr), _slicer(graph.pred_off, graph.pred_nbr)
        both = _slicer(graph.und_off, graph.und_nbr)
        return both, both
    preds, kinds = _allowed(graph, flt)
    node_kind, edge_src, edge_dst, edge_pred = graph.node_kind, graph.edge_src, graph.edge_dst, graph.edge_pred
    ends = set(endpoints)
    offsets, incident = graph.inc_off, graph.inc_edge

    def make(want_out: bool, want_in: bool) -> Neighbours:
        def neighbours(x: int) -> list[int]:
            if x not in ends and not kinds[node_kind[x]]:
                return []
            seen: set[int] = set()
            out: list[int] = []
            for entry in incident[offsets[x]:offsets[x + 1]]:
                if entry >= 0:
                    if not want_out:
                        continue
                    e, other = entry, edge_dst[entry]
                else:
                    if not want_in:
                        continue
                    e = ~entry
                    other = edge_src[e]
                if other == x or other in seen or not preds[edge_pred[e]]:
                    continue
                if other not in ends and not kinds[node_kind[other]]:
                    continue
                seen.add(other)
                out.append(other)
            return out
        return neighbours

    if directed:
        return make(True, False), make(False, True)
    both = make(True, True)
    return both, both


def _slicer(offsets, values) -> Neighbours:
    return lambda x: values[offsets[x]:offsets[x + 1]]


def _distances(neighbours: Callable[[N], Iterable[N]], source: N, cutoff: int) -> dict[N, int]:
    """Breadth-first distances from ``source`` up to ``cutoff``."""
    seen = {source: 0}
    level = [source]
    depth = 0
    while level and depth < cutoff:
        depth += 1
        nxt = []
        for v in level:
            for w in neighbours(v):
                if w not in seen:
                    seen[w] = depth
                    nxt.append(w)
        level = nxt
    return seen


def _bidirectional(successors: Callable[[N], Iterable[N]], predecessors: Callable[[N], Iterable[N]],
                   source: N, target: N, ignore_nodes: set[N] | None = None,
                   ignore_edges: set[tuple[N, N]] | None = None, directed: bool = True) -> list[N]:
    """One shortest path, found as ``networkx``'s bidirectional search finds it (same order of
    expansion, same tie-breaking); ``ignore_*`` as in Yen's algorithm.

    Raises
    ------
    NoPath
    """
    if ignore_nodes and (source in ignore_nodes or target in ignore_nodes):
        raise NoPath
    if source == target:
        return [source]
    pred: dict[N, N | None] = {source: None}
    succ: dict[N, N | None] = {target: None}
    forward, reverse = [source], [target]

    def allowed(v: N, w: N, forward_step: bool) -> bool:
        if ignore_nodes and w in ignore_nodes:
            return False
        if ignore_edges:
            if directed:
                return ((v, w) if forward_step else (w, v)) not in ignore_edges
            return (v, w) not in ignore_edges and (w, v) not in ignore_edges
        return True

    meet = None
    while forward and reverse and meet is None:
        if len(forward) <= len(reverse):
            level, forward = forward, []
            for v in level:
                for w in successors(v):
                    if (ignore_nodes or ignore_edges) and not allowed(v, w, True):
                        continue
                    if w not in pred:
                        forward.append(w)
                        pred[w] = v
                    if w in succ:
                        meet = w
                        break
                if meet is not None:
                    break
        else:
            level, reverse = reverse, []
            for v in level:
                for w in predecessors(v):
                    if (ignore_nodes or ignore_edges) and not allowed(v, w, False):
                        continue
                    if w not in succ:
                        succ[w] = v
                        reverse.append(w)
                    if w in pred:
                        meet = w
                        break
                if meet is not None:
                    break
    if meet is None:
        raise NoPath
    path: list[N] = []
    step: N | None = meet
    while step is not None:
        path.append(step)
        step = succ[step]
    step = pred[path[0]]
    while step is not None:
        path.insert(0, step)
        step = pred[step]
    return path


def all_shortest_paths(successors: Callable[[N], Iterable[N]], predecessors: Callable[[N], Iterable[N]],
                       source: N, target: N) -> list[list[N]]:
    """Every shortest path: a bidirectional search finds the distance, then breadth-first
    searches bounded by it keep only the nodes on some shortest path (of the compact graph,
    and of a NetworkX projection: :func:`kg.paths.finder.find_paths`).

    Raises
    ------
    NoPath
    """
    length = len(_bidirectional(successors, predecessors, source, target)) - 1
    from_source = _distances(successors, source, length)
    to_target = _distances(predecessors, target, length)
    on_path = {n for n, d in from_source.items() if d + to_target.get(n, length + 1) == length}
    paths: list[list[N]] = []

    def extend(path: list[N]) -> None:
        node = path[-1]
        if node == target:
            paths.append(list(path))
            return
        step = len(path)
        for nxt in successors(node):
            if nxt in on_path and from_source[nxt] == step:
                path.append(nxt)
                extend(path)
                path.pop()

    extend([source])
    return paths


def k_shortest_paths(successors: Neighbours, predecessors: Neighbours, source: int, target: int,
                     directed: bool) -> Iterator[list[int]]:
    """Simple paths from the shortest up, as ``networkx.shortest_simple_paths`` yields them
    (Yen's algorithm; unweighted)."""
    found: list[list[int]] = []
    buffer: list[tuple[int, int, list[int]]] = []
    buffered: set[tuple[int, ...]] = set()
    counter = itertools.count()

    def push(cost: int, path: list[int]) -> None:
        key = tuple(path)
        if key not in buffered:
            heappush(buffer, (cost, next(counter), path))
            buffered.add(key)

    previous: list[int] | None = None
    while True:
        if not previous:
            try:
                path = _bidirectional(successors, predecessors, source, target, directed=directed)
            except NoPath:
                return
            push(len(path), path)
        else:
            ignore_nodes: set[int] = set()
            ignore_edges: set[tuple[int, int]] = set()
            for i in range(1, len(previous)):
                root = previous[:i]
                for p in found:
                    if p[:i] == root:
                        ignore_edges.add((p[i - 1], p[i]))
                try:
                    spur = _bidirectional(successors, predecessors, root[-1], target, ignore_nodes,
                                          ignore_edges, directed)
                    push(len(root) + len(spur), root[:-1] + spur)
                except NoPath:
                    pass
                ignore_nodes.add(root[-1])
        if not buffer:
            return
        _, _, path = heappop(buffer)
        buffered.discard(tuple(path))
        yield path
        found.append(path)
        previous = path


def compact_neighbourhood(graph: CompactGraph, center: str, depth: int,
                          flt: "PathFilter") -> "nx.MultiDiGraph":
    """The subgraph within ``depth`` hops of ``center`` (as :func:`kg.paths.finder.neighbourhood`),
    read from the compact graph: the induced subgraph of the nodes reached, less the edges
    the filter refuses, each node with its ``distance``."""
    preds, kinds = _allowed(graph, flt)
    c = graph.id_of(center)
    node_kind, edge_src, edge_dst, edge_pred = graph.node_kind, graph.edge_src, graph.edge_dst, graph.edge_pred
    seen = {c: 0}
    frontier = [c]
    for d in range(1, depth + 1):
        nxt = []
        for x in frontier:
            for entry in graph.incident(x):
                if entry >= 0:
                    e, other = entry, edge_dst[entry]
                elif flt.directed:
                    continue
                else:
                    e = ~entry
                    other = edge_src[e]
                if other not in seen and preds[edge_pred[e]] and (other == c or kinds[node_kind[other]]):
                    seen[other] = d
                    nxt.append(other)
        frontier = nxt
    edges = [e for e in graph.induced_edges(set(seen)) if preds[edge_pred[e]]]
    return graph.materialise(seen, edges, {i: {"distance": d} for i, d in seen.items()})
