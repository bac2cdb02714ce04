"""Interactive view of the graph: one self-contained HTML page drawn with vis-network.

* :func:`show` — in a notebook (an ``<iframe srcdoc>``; no file, no server);
* :func:`build_view` then :func:`render_html` / :func:`write_html` — the page itself;
* ``kg viz`` — the same from the command line (:mod:`kg.cli.viz`).

Modules: :mod:`~kg.viz.styles` (colours, shapes, resolver links), :mod:`~kg.viz.model`
(graph to view data, assembled with pyvis), :mod:`~kg.viz.layout` (positions for large
graphs), :mod:`~kg.viz.select` (what to draw for a focus, paths or a query),
:mod:`~kg.viz.render` (view data to HTML through our template), :mod:`~kg.viz.jupyter`
(notebooks).

Examples
--------
>>> import kg, kg.viz
>>> near = kg.viz.show(kg.load(), focus="clonazepam")
>>> near.view.mode, near.view.info["nodes"]["mk:clonazepam"]["distance"]
('neighbourhood', 0)
"""

from __future__ import annotations

from kg.viz.jupyter import GraphView, select_for, show
from kg.viz.model import LAYOUT_THRESHOLD, Emphasis, ViewData, build_view
from kg.viz.render import render_html, write_html
from kg.viz.select import (Selection, neighbourhood_selection, path_selection, result_selection,
                           whole_selection)

__all__ = ["show", "GraphView", "select_for", "build_view", "ViewData", "Emphasis",
           "LAYOUT_THRESHOLD", "render_html", "write_html", "Selection", "whole_selection",
           "neighbourhood_selection", "path_selection", "result_selection"]
