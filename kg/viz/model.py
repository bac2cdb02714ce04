"""From a graph to view data: vis-network nodes, edges and options, plus what the page shows
about each element (details, legend, predicate list).

The nodes, edges and options are vis-network items exactly as pyvis's
:class:`~pyvis.network.Network` makes them (``add_node``, ``add_edge`` on a directed network,
an options dict), built here without importing pyvis: its import (IPython, jinja2, jsonpickle)
was a third of a fresh ``kg viz --focus`` (a test checks the items against pyvis's own).
pyvis's HTML template is not used either (see :mod:`kg.viz.render`).

Node ids in the page are CURIEs (``mk:clonazepam``); edge ids are ``e0``, ``e1``, ...

Examples
--------
>>> import kg
>>> graph = kg.load().to_networkx()
>>> view = build_view(graph, title="curated")
>>> (len(view.nodes), len(view.edges)) == (graph.number_of_nodes(), graph.number_of_edges())
True
>>> view.layout
'seeded'
>>> view.info["nodes"]["mk:clonazepam"]["label"]
'clonazepam'
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Hashable

import networkx as nx

from kg.errors import KGError
from kg.viz.layout import spring_positions
from kg.viz.styles import category_style, entity_url, identifier_url

__all__ = ["Emphasis", "ViewData", "build_view", "LAYOUT_THRESHOLD", "LABEL_LIMIT"]

#: Above this many nodes the layout is computed in Python and physics stays off.
LAYOUT_THRESHOLD = 1500
#: Canvas labels longer than this are cut (the details panel shows the whole label).
LABEL_LIMIT = 40

_EDGE_COLOR = "#9aa4b1"
_EDGE_HIGHLIGHT = "#d9480f"
_EMPHASIS_COLOR = "#d9480f"
_DIM_OPACITY = 0.3


@dataclass(frozen=True)
class Emphasis:
    """Which elements stand out: ``nodes`` and ``edges`` (``(u, v, key)`` triples of the graph)
    are drawn bold; with ``dim_others`` every other element is drawn faint; ``focus`` is the
    centre of a neighbourhood."""

    nodes: frozenset = frozenset()
    edges: frozenset = frozenset()
    focus: Hashable | None = None
    dim_others: bool = False


@dataclass
class ViewData:
    """Everything the page needs, as plain JSON-ready data.

    Attributes
    ----------
    title, mode, description : str
        Page title, what is drawn (``graph``, ``neighbourhood``, ``path``, ``query``) and a
        one-line description.
    nodes, edges : list of dict
        vis-network items, as pyvis makes them.
    options : dict
        vis-network options.
    info : dict
        ``{"nodes": {id: details}, "edges": {id: details}}`` for the details panel and search;
        empty values are left out, and an edge's ends, label and Biolink predicate are in
        ``edges`` and ``predicates``.
    legend : list of dict
        One entry per category drawn: category, name, color, shape, count.
    predicates : list of dict
        One entry per predicate drawn: predicate, label, biolink, count.
    layout : str
        ``seeded`` (the browser starts from positions computed in Python, runs a short
        physics stabilisation, then stops physics) or ``precomputed`` (positions computed in
        Python, physics off).
    """

    title: str
    mode: str
    description: str
    nodes: list[dict]
    edges: list[dict]
    options: dict
    info: dict
    legend: list[dict]
    predicates: list[dict]
    layout: str
    notes: list[str] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """The JSON document embedded in the page."""
        return {"meta": {"title": self.title, "mode": self.mode, "description": self.description,
                         "layout": self.layout, "nodeCount": len(self.nodes),
                         "edgeCount": len(self.edges), "notes": self.notes},
                "options": self.options, "nodes": self.nodes, "edges": self.edges,
                "info": self.info, "legend": self.legend, "predicates": self.predicates}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _compact(details: dict) -> dict:
    """Drop empty values (the page fills in defaults): big graphs carry much less JSON."""
    return {k: v for k, v in details.items() if v is not None and v != "" and v != [] and v != {}}


def _short(label: str) -> str:
    return label if len(label) <= LABEL_LIMIT else label[:LABEL_LIMIT - 1].rstrip() + "\u2026"


def _node_ids(graph: nx.MultiDiGraph) -> dict[Hashable, str]:
    ids: dict[Hashable, str] = {}
    used: set[str] = set()
    for node, data in graph.nodes(data=True):
        candidate = _text(data.get("curie")) or _text(node)
        if candidate in used:
            candidate = _text(node)
        while candidate in used:
            candidate += "'"
        used.add(candidate)
        ids[node] = candidate
    return ids


def _stabilization_iterations(n_nodes: int, n_edges: int) -> int:
    """Enough physics steps to settle a layout seeded from Python, within about a second of
    browser time: a step costs roughly in proportion to nodes plus edges."""
    return max(25, min(200, 40_000 // max(1, n_nodes + n_edges)))


def _options(n_nodes: int, n_edges: int, layout: str) -> dict:
    precomputed = layout == "precomputed"
    options: dict[str, Any] = {
        "autoResize": True,
        "nodes": {"shape": "dot", "size": 14, "borderWidth": 1.5,
                  "font": {"size": 14, "face": "sans-serif", "color": "#1f2933",
                           "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
                  "color": {"color": _EDGE_COLOR, "highlight": _EDGE_HIGHLIGHT, "hover": "#52606d",
                            "inherit": False, "opacity": 1.0},
                  "font": {"size": 10, "face": "sans-serif", "align": "middle", "color": "#52606d",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "smooth": False, "width": 1.2, "selectionWidth": 1.5, "hoverWidth": 0.8},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False},
                        "hideEdgesOnDrag": n_nodes > 300, "hideEdgesOnZoom": n_nodes > 300},
        "layout": {"randomSeed": 7, "improvedLayout": False},
    }
    if precomputed:
        options["physics"] = {"enabled": False}
    else:
        options["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.008,
                                 "springLength": 110, "springConstant": 0.06, "damping": 0.5,
                                 "avoidOverlap": 0.4},
            "maxVelocity": 60, "minVelocity": 1.0, "timestep": 0.5,
            "stabilization": {"enabled": True,
                              "iterations": _stabilization_iterations(n_nodes, n_edges),
                              "updateInterval": 50, "fit": True},
        }
    return options


def _groups(legend: dict[str, dict]) -> dict[str, dict]:
    """One vis-network group per category drawn: its colour and shape."""
    return {cat: {"shape": e["shape"],
                  "color": {"background": e["color"], "border": e["color"],
                            "highlight": {"background": e["color"], "border": "#1f2933"},
                            "hover": {"background": e["color"], "border": "#1f2933"}}}
            for cat, e in sorted(legend.items())}


def _edge_details(graph: nx.MultiDiGraph, ids: dict, u, v, data: dict) -> dict:
    from kg.paths.finder import edge_sentence

    qualifiers = {}
    for key, value in sorted((data.get("qualifiers") or {}).items()):
        text = _text(value)
        if value in graph:  # an entity (inContext): show its label
            text = _text(graph.nodes[value].get("label")) or text
        qualifiers[_text(key)] = text
    try:
        sentence = edge_sentence(graph, u, v, data)
    except KeyError:
        sentence = f"{graph.nodes[u].get('label', u)} {data.get('label', '')} {graph.nodes[v].get('label', v)}"
    from kg.identifiers import curie

    return {"from": ids[u], "to": ids[v], "predicate": _text(data.get("predicate")),
            "label": _text(data.get("label") or data.get("predicate")),
            "biolink": _text(data.get("biolink")), "sentence": sentence,
            "quote": _text(data.get("quote")), "quoteStart": data.get("quote_start"),
            "quoteEnd": data.get("quote_end"), "status": _text(data.get("status")),
            "correction": _text(data.get("correction")), "reference": _text(data.get("reference")),
            "qualifiers": qualifiers,
            "statement": curie(_text(data.get("statement"))) if data.get("statement") else "",
            "source": curie(_text(data.get("source"))) if data.get("source") else ""}


def _add_vis_node(items: list[dict], ids: set[str], nid: str, label: str, shape: str, group: str,
                  options: dict) -> None:
    """Append the item pyvis's ``Network.add_node(nid, label=label, shape=shape, group=group,
    **options)`` appends (nothing for an id already there): group and the options, then id,
    label and shape.

    Unlike pyvis, a ``color`` option is kept beside the group (pyvis's ``add_node`` dropped it
    for a node with a group, so an emphasised node lost its dark border): vis-network lets a
    node's own colour override its group's."""
    if nid in ids:
        return
    ids.add(nid)
    items.append({"group": group, **options, "id": nid, "label": label or nid, "shape": shape})


def _vis_edge(ids: set[str], source: str, target: str, options: dict) -> dict:
    """The item pyvis's ``Network.add_edge(source, target, **options)`` appends on a directed
    network: the options, then from, to and the arrow."""
    if source not in ids or target not in ids:  # pragma: no cover - the nodes are added first
        raise KGError(f"edge {options.get('id')!r} has an endpoint that is not a node")
    item = {**options, "from": source, "to": target}
    if "arrows" not in item:
        item["arrows"] = "to"
    return item


def build_view(graph: nx.MultiDiGraph, *, title: str = "myoclonus-kg", mode: str = "graph",
               description: str = "", emphasis: Emphasis | None = None,
               layout_threshold: int = LAYOUT_THRESHOLD, seed: int = 42) -> ViewData:
    """Turn a graph (attributes as :func:`kg.paths.graph.to_networkx` makes them) into view data.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The graph or subgraph to draw; a plain DiGraph or Graph works too.
    title : str
        Page title.
    mode : str
        What is drawn: ``graph``, ``neighbourhood``, ``path`` or ``query`` (shown on the page).
    description : str
        A one-line description for the page header.
    emphasis : Emphasis, optional
        Elements drawn bold (a path, a focus node), the rest possibly faint.
    layout_threshold : int
        Node positions always come from :func:`kg.viz.layout.spring_positions`; up to this
        many nodes they are the start of a short physics stabilisation in the page (physics
        then stops), above it they are final and physics is off.
    seed : int
        Seed of the Python layout.

    Returns
    -------
    ViewData

    Raises
    ------
    KGError
        If the graph has an edge whose endpoint is not a node (cannot happen with networkx).

    Examples
    --------
    >>> import networkx as nx
    >>> view = build_view(nx.MultiDiGraph(nx.path_graph(6)), layout_threshold=5)
    >>> view.layout, view.options["physics"]["enabled"], "x" in view.nodes[0]
    ('precomputed', False, True)
    """
    emphasis = emphasis or Emphasis()
    if not (graph.is_multigraph() and graph.is_directed()):
        # Each edge once, in the direction it is stored (an undirected edge is drawn one way).
        multi = nx.MultiDiGraph()
        multi.add_nodes_from(graph.nodes(data=True))
        multi.add_edges_from(graph.edges(data=True))
        graph = multi
    ids = _node_ids(graph)
    order = sorted(graph.nodes(data=True), key=lambda nd: (_text(nd[1].get("label")).casefold(), ids[nd[0]]))
    n_nodes = graph.number_of_nodes()
    given = {node: data["position"] for node, data in graph.nodes(data=True) if data.get("position")}
    if given and len(given) == n_nodes:  # an overview places its clusters and members itself
        layout, positions = "precomputed", given
    else:
        layout = "precomputed" if n_nodes > layout_threshold else "seeded"
        positions = spring_positions(graph, seed=seed)

    vis_nodes: list[dict] = []
    vis_ids: set[str] = set()
    node_info: dict[str, dict] = {}
    legend: dict[str, dict] = {}
    for node, data in order:
        nid = ids[node]
        label = _text(data.get("label")) or nid
        # The one category scheme (kg.schema.CATEGORY_ORDER), as in counts() and the web index.
        style = category_style(_text(data.get("entity_class")) or _text(data.get("category")) or "NamedThing")
        entry = legend.setdefault(style.category, {"category": style.category, "name": style.name,
                                                   "color": style.color, "shape": style.shape, "count": 0})
        # An overview counts a category's entities on its cluster, not the members it carries.
        if data.get("cluster") is None:
            entry["count"] += data.get("member_count") or 1
        degree_in, degree_out = graph.in_degree(node), graph.out_degree(node)
        size = data.get("size") or min(34.0, 11.0 + 2.6 * math.sqrt(degree_in + degree_out))
        strong = node in emphasis.nodes or node == emphasis.focus
        opts: dict[str, Any] = {
            "size": round(size * (1.3 if strong else 1.0), 1),
            "borderWidth": 4 if strong else 1.5,
        }
        if strong:
            opts["color"] = {"background": style.color, "border": "#1f2933",
                             "highlight": {"background": style.color, "border": "#1f2933"},
                             "hover": {"background": style.color, "border": "#1f2933"}}
        if emphasis.dim_others and not strong:
            opts["opacity"] = _DIM_OPACITY
        if node in positions:
            opts["x"], opts["y"] = positions[node]
        # The colour comes from the category's group (see _groups); pyvis passes a shape
        # of its own unless given one.
        _add_vis_node(vis_nodes, vis_ids, nid, _short(label), style.shape, style.category, opts)
        iri = _text(node)
        node_info[nid] = _compact({
            "label": label, "category": style.category, "categoryName": style.name,
            "types": [_text(t) for t in data.get("types") or ()], "curie": _text(data.get("curie")),
            "iri": iri, "url": entity_url(iri),
            "definition": _text(data.get("definition")),
            "synonyms": [_text(s) for s in data.get("synonyms") or ()],
            "xrefs": [{"id": _text(x), "url": identifier_url(_text(x))} for x in data.get("xrefs") or ()],
            "characteristics": [_text(c) for c in data.get("characteristics") or ()],
            "values": {_text(k): _text(v) for k, v in sorted((data.get("values") or {}).items())},
            "in": degree_in, "out": degree_out, "emphasis": strong,
        })
        if "distance" in data:
            node_info[nid]["distance"] = data["distance"]
        if data.get("cluster") is not None:  # an overview's member: folded into its cluster
            node_info[nid]["cluster"] = ids[data["cluster"]]
        if data.get("member_count") is not None:  # an overview's cluster
            node_info[nid].update(members=[], memberCount=data["member_count"])
    for nid, details in node_info.items():
        if details.get("cluster"):
            node_info[details["cluster"]]["members"].append(nid)

    edge_info: dict[str, dict] = {}
    vis_edges: list[dict] = []
    predicates: dict[str, dict] = {}
    parallel: dict[frozenset, int] = {}
    edges = sorted(graph.edges(keys=True, data=True),
                   key=lambda e: (ids[e[0]], ids[e[1]], _text(e[3].get("predicate")), _text(e[2])))
    for i, (u, v, key, data) in enumerate(edges):
        if u not in ids or v not in ids:  # pragma: no cover - networkx guarantees endpoints
            raise KGError(f"edge {key!r} has an endpoint that is not a node")
        eid = f"e{i}"
        details = _edge_details(graph, ids, u, v, data)
        entry = predicates.setdefault(details["predicate"], {
            "predicate": details["predicate"], "label": details["label"],
            "biolink": details["biolink"], "count": 0})
        entry["count"] += 1
        pair = frozenset((u, v))
        rank = parallel.get(pair, 0)
        parallel[pair] = rank + 1
        strong = (u, v, key) in emphasis.edges
        opts: dict[str, Any] = {"id": eid, "label": details["label"]}
        if data.get("predicate") == "overviewLink":  # statements between two clusters, counted
            opts["width"] = data.get("width", 1.0)
            details["sentence"] = (f"{details['label']} from {_text(graph.nodes[u].get('label'))} "
                                   f"to {_text(graph.nodes[v].get('label'))}")
            entry["label"] = "between categories"
        if strong:
            opts["color"] = {"color": _EMPHASIS_COLOR, "opacity": 1.0}
            opts["width"] = 3.5
        elif emphasis.dim_others:
            opts["color"] = {"opacity": _DIM_OPACITY}
        if rank:
            opts["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": round(0.22 * rank, 2)}
        if u == v:
            opts["selfReference"] = {"size": 18}
        vis_edges.append(_vis_edge(vis_ids, ids[u], ids[v], opts))
        details["emphasis"] = strong
        # The page takes from/to from the vis item and label/biolink from the predicate list.
        for known in ("from", "to", "label", "biolink"):
            del details[known]
        edge_info[eid] = _compact(details)

    options = _options(n_nodes, graph.number_of_edges(), layout)
    options["groups"] = _groups(legend)
    return ViewData(
        title=title, mode=mode, description=description, nodes=vis_nodes, edges=vis_edges,
        # Through JSON, as pyvis's get_network_data hands them over (tuples become lists).
        options=json.loads(json.dumps(options)), info={"nodes": node_info, "edges": edge_info},
        legend=sorted(legend.values(), key=lambda e: (-e["count"], e["name"])),
        predicates=sorted(predicates.values(), key=lambda p: (p["label"].casefold(), p["predicate"])),
        layout=layout)
