"""The view in a notebook: an object whose ``_repr_html_`` is an ``<iframe srcdoc>``.

The iframe holds the same self-contained page as ``kg viz`` writes; it needs no file and
no server, so it works in JupyterLab, classic Jupyter and VS Code notebooks. It is sandboxed
without ``allow-same-origin``: its script runs in an opaque origin and cannot reach the
notebook. ``allow-popups`` lets identifier links open in a new tab.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", label="</script><script>alert(1)</script>")
0
>>> frame = show(g, height=500)._repr_html_()
>>> frame.startswith("<iframe "), 'sandbox="allow-scripts allow-popups' in frame
(True, True)
>>> "<script" in frame  # the page is attribute-escaped inside srcdoc
False
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KGError
from kg.viz.model import LAYOUT_THRESHOLD, ViewData, build_view
from kg.viz.render import render_html, write_html
from kg.viz.select import (Selection, neighbourhood_selection, path_selection, result_selection,
                           whole_selection)

__all__ = ["GraphView", "show", "select_for"]

SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"


class GraphView:
    """A rendered view: ``_repr_html_`` for notebooks, :attr:`html` for the page, :meth:`save`.

    Parameters
    ----------
    view : ViewData
        From :func:`kg.viz.model.build_view`.
    height : int
        Height of the notebook iframe, in pixels.
    """

    def __init__(self, view: ViewData, height: int = 640) -> None:
        self.view = view
        self.height = int(height)
        self._html: str | None = None

    def __repr__(self) -> str:
        return (f"GraphView({self.view.title!r}, {len(self.view.nodes)} nodes, "
                f"{len(self.view.edges)} edges)")

    @property
    def html(self) -> str:
        """The full self-contained page."""
        if self._html is None:
            self._html = render_html(self.view)
        return self._html

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="{SANDBOX}" '
                f'title="{html.escape(self.view.title, quote=True)}" width="100%" height="{self.height}" '
                f'style="border:1px solid #d9dee3;border-radius:4px" loading="eager"></iframe>')

    def save(self, path: Path | str) -> Path:
        """Write the page to ``path``.

        Raises
        ------
        KGError
            If the file cannot be written.
        """
        return write_html(self.view, path)


def select_for(obj: Any, *, graph: Any = None, focus: str | None = None, depth: int = 1,
               context: int = 1, name: str = "query") -> Selection:
    """What to draw for ``obj``: a graph, a :class:`~kg.api.KnowledgeGraph`, a path or list
    of paths, or a query result (then ``graph`` gives the full graph).

    Raises
    ------
    KGError
        If ``obj`` is of an unknown kind, or a query result comes without ``graph``.

    Examples
    --------
    >>> import kg
    >>> g = kg.load().to_networkx()
    >>> select_for(g, focus="clonazepam").mode
    'neighbourhood'
    >>> from kg.paths.finder import neighbourhood
    >>> sub = neighbourhood(g, "https://w3id.org/myoclonus-kg/entity/nhlrc1", 1)
    >>> select_for(sub).description
    'neighbourhood of NHLRC1 within 1 hop: 2 nodes, 1 edge'
    """
    from kg.paths.finder import GraphPath, neighbourhood
    from kg.paths.graph import EntityIndex
    from kg.query.results import AskResult, GraphResult, ResultTable

    if isinstance(obj, GraphPath):
        obj = [obj]
    if isinstance(obj, list) and obj and all(isinstance(p, GraphPath) for p in obj):
        return path_selection(obj, context=context)
    if isinstance(obj, (ResultTable, GraphResult, AskResult)):
        if graph is None:
            raise KGError("drawing a query result needs graph= (a KnowledgeGraph or its networkx graph)")
        full = graph if isinstance(graph, nx.Graph) else graph.to_networkx()
        return result_selection(obj, full, name)
    if hasattr(obj, "to_networkx") and not isinstance(obj, nx.Graph):
        obj = obj.to_networkx()
    if not isinstance(obj, nx.Graph):
        raise KGError(f"cannot draw a {type(obj).__name__}: give a graph, a KnowledgeGraph, "
                      "paths or a query result")
    if focus is not None:
        center = EntityIndex(obj).resolve(focus)
        return neighbourhood_selection(neighbourhood(obj, center, depth), center, depth)
    # A neighbourhood from KnowledgeGraph.neighbourhood: its nodes carry their distance.
    distances = dict(obj.nodes(data="distance"))
    centres = [n for n, d in distances.items() if d == 0]
    if len(centres) == 1 and None not in distances.values():
        return neighbourhood_selection(obj, centres[0], max(distances.values()))
    return whole_selection(obj)


def show(obj: Any, *, graph: Any = None, focus: str | None = None, depth: int = 1,
         context: int = 1, title: str | None = None, height: int = 640,
         layout_threshold: int = LAYOUT_THRESHOLD) -> GraphView:
    """Draw a graph, a neighbourhood, paths or a query result in a notebook.

    Parameters
    ----------
    obj : KnowledgeGraph, networkx graph, GraphPath, list of GraphPath, ResultTable or GraphResult
        What to draw.
    graph : KnowledgeGraph or networkx.MultiDiGraph, optional
        The full graph, needed for a query result.
    focus : str, optional
        Draw only the neighbourhood of this entity (label, synonym, CURIE or IRI).
    depth : int
        Hops around ``focus``.
    context : int
        Hops of faint context around paths.
    title : str, optional
        Page title.
    height : int
        Iframe height in pixels.
    layout_threshold : int
        Above this many nodes the layout is computed in Python.

    Returns
    -------
    GraphView
        Displays itself in a notebook; ``.save(path)`` writes the page.

    Raises
    ------
    KGError
        For an unknown kind of object, an unknown focus entity, or an ASK result.

    Examples
    --------
    >>> import networkx as nx
    >>> show(nx.MultiDiGraph([("a", "b"), ("b", "c")]), title="three nodes")
    GraphView('three nodes', 3 nodes, 2 edges)
    """
    sel = select_for(obj, graph=graph, focus=focus, depth=depth, context=context)
    view = build_view(sel.graph, title=title or "myoclonus-kg", mode=sel.mode,
                      description=sel.description, emphasis=sel.emphasis,
                      layout_threshold=layout_threshold)
    return GraphView(view, height=height)
