"""Interactive graph pages (an entity's neighbourhood, paths, a query result) for the UI.

The pages come from the visualisation renderer :mod:`kg.viz` (one self-contained HTML
document, vis-network inlined, its scripts allowed by hash in its own CSP); the message page
and the plain fallback list from the Jinja templates ``message.html`` and ``graph_list.html``
(autoescaped, as every page of :mod:`kg.web.pages`). The web UI shows
them in an ``<iframe>``. The server sends the page's policy as a header as well (plus
``frame-ancestors 'self'``, which a ``<meta>`` policy cannot carry).

Integration point
-----------------
:func:`_render` is the only place that calls :mod:`kg.viz`. If that package cannot be
imported, a plain list of nodes and edges (no script) is served instead, so the UI keeps
working.

Examples
--------
>>> from kg.paths.finder import neighbourhood
>>> import kg
>>> clz = "https://w3id.org/myoclonus-kg/entity/clonazepam"
>>> page = neighbourhood_page(neighbourhood(kg.load().to_networkx(), clz, 1), clz, 1, "curated")
>>> page.startswith("<!DOCTYPE html>")
True
>>> "frame-ancestors 'self'" in page_policy(page)
True
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any

import networkx as nx

__all__ = ["neighbourhood_page", "paths_page", "results_page", "message_page",
           "page_policy", "FALLBACK_POLICY"]

log = logging.getLogger("kg.web")

#: Policy of pages without a policy of their own (messages, the fallback view).
FALLBACK_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
                   "form-action 'none'; frame-ancestors 'self'")


class _MetaPolicy(HTMLParser):
    """Reads the first ``<meta http-equiv="Content-Security-Policy" content=...>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.policy: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta" and self.policy is None:
            values = {k.lower(): v or "" for k, v in attrs}
            if values.get("http-equiv", "").lower() == "content-security-policy":
                self.policy = values.get("content", "")


def page_policy(page: str) -> str:
    """The Content-Security-Policy header for a graph page: the page's own ``<meta>`` policy
    (scripts by hash) with ``frame-ancestors 'self'``, or :data:`FALLBACK_POLICY`."""
    reader = _MetaPolicy()
    reader.feed(page[:4096])  # kg.viz writes the policy first in <head>
    if not reader.policy:
        return FALLBACK_POLICY
    return reader.policy.rstrip("; ") + "; frame-ancestors 'self'"


def _render(graph: nx.MultiDiGraph, *, title: str, mode: str = "graph", description: str = "",
            emphasis: Any = None) -> str:
    # ---- integration point with the visualisation renderer (kg.viz) ----
    try:
        import kg.viz as viz
    except ImportError as exc:  # pragma: no cover - kg.viz ships with the package
        log.warning("kg.viz is not available (%s): serving the plain graph listing", exc)
        return _plain(graph, title, description)
    view = viz.build_view(graph, title=title, mode=mode, description=description, emphasis=emphasis)
    return viz.render_html(view)


def _draw(selection, title: str) -> str:
    return _render(selection.graph, title=title, mode=selection.mode,
                   description=selection.description, emphasis=selection.emphasis)


def neighbourhood_page(sub: nx.MultiDiGraph, center: str, depth: int, title: str) -> str:
    """The page of an entity's neighbourhood (``sub`` from :meth:`KnowledgeGraph.neighbourhood`)."""
    from kg.viz import neighbourhood_selection

    return _draw(neighbourhood_selection(sub, center, depth), title)


def paths_page(paths: list, title: str) -> str:
    """The page of paths (from :meth:`KnowledgeGraph.path`), with one hop of context."""
    from kg.viz import path_selection

    return _draw(path_selection(paths), title)


def results_page(result: Any, graph: nx.MultiDiGraph, title: str = "query result") -> str:
    """The page of a query result (ResultTable or GraphResult) drawn over the full graph.

    Raises
    ------
    KGError
        For an ASK result or a result that names nothing to draw.
    """
    from kg.viz import result_selection

    return _draw(result_selection(result, graph, "query"), title)


def message_page(title: str, message: str) -> str:
    """A small page with a message (no script), for when there is nothing to draw
    (template ``message.html``, autoescaped).

    Examples
    --------
    >>> "&lt;b&gt;" in message_page("t", "<b>")
    True
    """
    from kg.web.pages import render

    return render("message.html", title=title, message=message)


def _plain(graph: nx.MultiDiGraph, title: str, description: str) -> str:
    from kg.web.pages import render

    def label(node) -> str:
        return str(graph.nodes[node].get("label") or node)

    nodes = [str(d.get("label") or n)
             for n, d in sorted(graph.nodes(data=True), key=lambda nd: str(nd[1].get("label")))]
    edges = [(label(s), str(d.get("label") or d.get("predicate") or ""), label(o))
             for s, o, d in graph.edges(data=True)]
    return render("graph_list.html", title=title, description=description, nodes=nodes, edges=edges)
