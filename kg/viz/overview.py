"""The overview of a large graph: one cluster per category, expandable in the page.

A graph with HPO has thousands of entities (about 37,000 with the full import): drawn node
by node it is a hairball that takes minutes to lay out and megabytes to ship. Above
:data:`OVERVIEW_THRESHOLD` nodes, ``kg viz`` draws instead one node per category (the one
category scheme of :meth:`kg.schema.Schema.primary_class`) sized by how many entities it has,
joined by one edge per pair of categories labelled with how many statements join them.
Each cluster carries its best-connected members (curated entities first, then by degree,
at most ``members`` of them) and the statements among them: double-clicking a cluster (or its
*Expand* button) replaces it with them, in the page, without a request. The cluster's details
say how many members the page leaves out, and ``kg viz --focus NAME`` draws any of them.

It reads the compact graph (:class:`kg.paths.compact.CompactGraph`) when given one, so the
whole graph is never loaded: only the category and degree of each node (from the arrays and
one SQL pass) and the attributes of the members shown.

Examples
--------
>>> import kg
>>> graph = kg.load().to_networkx()
>>> sel = overview_selection(graph, members=5)
>>> sel.mode, sel.description.startswith(f"overview of {graph.number_of_nodes()} entities")
('overview', True)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kg.paths.compact import CompactGraph
from kg.viz.styles import category_style

if TYPE_CHECKING:
    import networkx as nx

    from kg.viz.select import Selection

__all__ = ["OVERVIEW_THRESHOLD", "MEMBERS_PER_CLUSTER", "CLUSTER_PREFIX", "overview_selection"]

#: Above this many entities, the whole graph is drawn as an overview.
OVERVIEW_THRESHOLD = 400
#: Members of a cluster the page carries (and shows when the cluster is expanded).
MEMBERS_PER_CLUSTER = 40
#: Node ids of clusters in the page (``cluster:Disease``); no entity has this prefix.
CLUSTER_PREFIX = "cluster:"

_ENTITY = "https://w3id.org/myoclonus-kg/entity/"


def _census(graph) -> tuple[list[str], list[str], list[str], list[int], list[tuple[int, int]]]:
    """``(iris, labels, categories, degrees, edges)`` of every node and edge, by integer id."""
    if isinstance(graph, CompactGraph):
        rows = graph._query("SELECT iri, json_extract(data, '$.label'), "
                            "json_extract(data, '$.entity_class'), json_extract(data, '$.category') "
                            "FROM nodes ORDER BY id")
        iris = [r[0] for r in rows]
        labels = [r[1] or r[0] for r in rows]
        categories = [r[2] or r[3] or "NamedThing" for r in rows]
        off = graph.inc_off
        degrees = [off[i + 1] - off[i] for i in range(graph.n)]
        edges = list(zip(graph.edge_src, graph.edge_dst))
        return iris, labels, categories, degrees, edges
    iris = list(graph)
    index = {iri: i for i, iri in enumerate(iris)}
    labels = [str(graph.nodes[n].get("label") or n) for n in iris]
    categories = [str(graph.nodes[n].get("entity_class") or graph.nodes[n].get("category") or "NamedThing")
                  for n in iris]
    degrees = [graph.degree(n) for n in iris]
    edges = [(index[s], index[o]) for s, o in graph.edges()]
    return iris, labels, categories, degrees, edges


def overview_selection(graph: "nx.MultiDiGraph | CompactGraph", *, members: int = MEMBERS_PER_CLUSTER
                       ) -> "Selection":
    """The overview of ``graph`` (see the module's description).

    Parameters
    ----------
    graph : networkx.MultiDiGraph or CompactGraph
        The whole graph.
    members : int
        Most members carried per cluster.

    Returns
    -------
    Selection
        ``mode="overview"``; its graph holds the clusters (node attribute ``members``: the
        page ids of their members, ``member_count``: all of them), the members (``cluster``:
        their cluster, ``folded``: true) and the edges among them, each node with a ``position``.
    """
    import networkx as nx

    from kg.viz.select import Selection

    iris, labels, categories, degrees, edges = _census(graph)
    by_category: dict[str, list[int]] = {}
    for i, category in enumerate(categories):
        by_category.setdefault(category, []).append(i)
    shown: dict[str, list[int]] = {}
    for category, ids in by_category.items():
        ids.sort(key=lambda i: (not iris[i].startswith(_ENTITY), -degrees[i], labels[i].casefold(), iris[i]))
        shown[category] = ids[:members]
    pair_counts: dict[tuple[str, str], int] = {}
    for s, o in edges:
        a, b = categories[s], categories[o]
        if a != b:
            pair_counts[(a, b)] = pair_counts.get((a, b), 0) + 1
    inside = {category: 0 for category in by_category}
    for s, o in edges:
        if categories[s] == categories[o]:
            inside[categories[s]] += 1

    keep = {iris[i] for ids in shown.values() for i in ids}
    sub = graph.subgraph(keep)
    view = nx.MultiDiGraph()
    order = sorted(by_category, key=lambda c: (-len(by_category[c]), c))
    centres = _circle(len(order), radius=max(500.0, 140.0 * len(order)))
    for (category, (cx, cy)) in zip(order, centres):
        cluster = CLUSTER_PREFIX + category
        style = category_style(category)
        count, carried = len(by_category[category]), len(shown[category])
        left_out = count - carried
        definition = (f"{count:,} {'entity' if count == 1 else 'entities'} of this category, "
                      f"{inside[category]:,} statements among them. Expand to show "
                      + (f"all {carried}" if not left_out else
                         f"the {carried} best connected (curated entities first); the other "
                         f"{left_out:,} are left out of this page: `kg viz --focus NAME` draws any of them")
                      + ".")
        view.add_node(cluster, label=f"{style.name} ({count:,})", entity_class=category,
                      category="", types=[], curie=cluster, definition=definition, synonyms=[], xrefs=[],
                      characteristics=[], values={}, members=[], member_count=count,
                      size=min(60.0, 16.0 + 5.0 * math.log10(1 + count)), position=(cx, cy))
        spots = _spiral(carried, cx, cy)
        for i, (x, y) in zip(shown[category], spots):
            iri = iris[i]
            data: dict[str, Any] = dict(sub.nodes[iri])
            data.update(cluster=cluster, folded=True, position=(x, y))
            view.add_node(iri, **data)
    for s, o, key, data in sub.edges(keys=True, data=True):
        view.add_edge(s, o, key=key, **data)
    for n, ((a, b), count) in enumerate(sorted(pair_counts.items())):
        view.add_edge(CLUSTER_PREFIX + a, CLUSTER_PREFIX + b, key=f"overview{n}",
                      predicate="overviewLink", label=f"{count:,} statement{'s' if count != 1 else ''}",
                      statement="", quote="", status="", qualifiers={}, width=1.0 + math.log10(count))
    total_edges = len(edges)
    description = (f"overview of {len(iris):,} entities and {total_edges:,} statements in "
                   f"{len(by_category)} categories: double-click a category to expand it")
    return Selection(view, "overview", description)


def _circle(n: int, radius: float) -> list[tuple[float, float]]:
    if n == 1:
        return [(0.0, 0.0)]
    return [(round(radius * math.cos(2 * math.pi * i / n - math.pi / 2), 1),
             round(radius * math.sin(2 * math.pi * i / n - math.pi / 2), 1)) for i in range(n)]


def _spiral(n: int, cx: float, cy: float) -> list[tuple[float, float]]:
    """``n`` points around a centre, evenly spread (a sunflower spiral)."""
    golden = math.pi * (3 - math.sqrt(5))
    return [(round(cx + 38.0 * math.sqrt(i + 1) * math.cos(i * golden), 1),
             round(cy + 38.0 * math.sqrt(i + 1) * math.sin(i * golden), 1)) for i in range(n)]
