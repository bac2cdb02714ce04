"""``kg viz``: write the interactive view as one self-contained HTML file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kg.cli.common import build_dir_option, load_graph, echo_err, graphs_for, hpo_option, parse_params, reports_errors
from kg.errors import KGError

__all__ = ["viz_command", "views_dir"]


@click.command("viz")
@click.option("--output", "-o", "output", default=None, metavar="FILE",
              help="HTML file to write; '-' writes the page to stdout. Default: a file named "
                   "after the view in ~/.cache/myoclonus-kg/views/ (its path is printed).")
@click.option("--focus", metavar="ENTITY", help="Draw only the neighbourhood of ENTITY.")
@click.option("--depth", type=int, default=None,
              help="Hops around --focus, or hops of faint context around --path "
                   "(0: the path alone). Default 1.")
@click.option("--path", "path_ends", nargs=2, metavar="A B", default=None,
              help="Emphasise the shortest path(s) from A to B, with their context.")
@click.option("--k", "k", type=int, default=None,
              help="With --path: the K shortest simple paths (default: all shortest).")
@click.option("--query", "query_name", metavar="NAME",
              help="Draw the result of a named query (see `kg queries`).")
@click.option("--param", "-p", multiple=True, metavar="KEY=VALUE",
              help="Parameter of the --query query; repeatable.")
@hpo_option
@click.option("--title", default=None, help="Page title (default: myoclonus-kg).")
@click.option("--layout-threshold", type=int, default=None, metavar="N",
              help="Above N nodes, lay out in Python with physics off (default 1500).")
@build_dir_option
@reports_errors
def viz_command(output, focus, depth, path_ends, k, query_name, param, include_hpo, title,
                layout_threshold, out) -> None:
    """Write the graph as one self-contained, interactive HTML page (no network access).

    By default the whole graph; --focus X --depth N a neighbourhood; --path A B the
    shortest path(s) in bold with DEPTH hops of faint context; --query NAME the result of
    a named query (a CONSTRUCT's triples, or a SELECT's entities and the edges among them).
    """
    from kg.viz import LAYOUT_THRESHOLD, build_view, render_html
    from kg.viz.select import (neighbourhood_selection, path_selection, result_selection,
                               whole_selection)

    modes = [m for m, v in (("--focus", focus), ("--path", path_ends), ("--query", query_name)) if v]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined; choose one")
    if depth is not None and not (focus or path_ends):
        raise click.UsageError("--depth applies to --focus and --path only")
    if k is not None and not path_ends:
        raise click.UsageError("--k applies to --path only")
    if param and not query_name:
        raise click.UsageError("--param applies to --query only")
    if output not in (None, "-") and Path(output).is_dir():
        raise KGError(f"{output}: is a directory; give a file name for --output/-o "
                      f"(e.g. {Path(output) / 'kg.html'})")
    graphs = graphs_for(include_hpo)
    graph = load_graph(out)
    depth = 1 if depth is None else depth
    if focus:
        center = graph.resolve(focus, graphs)
        sel = neighbourhood_selection(graph.neighbourhood(focus, depth, graphs=graphs), center, depth)
    elif path_ends:
        sel = path_selection(graph.path(*path_ends, k=k, graphs=graphs), context=depth)
    elif query_name:
        params = parse_params(param)
        result = graph.named(query_name, params, graphs=graphs)
        sel = result_selection(result, graph.to_networkx(graphs), query_name)
    else:
        sel = whole_selection(graph.search_graph(graphs))
    view = build_view(sel.graph, title=title or "myoclonus-kg", mode=sel.mode,
                      description=sel.description, emphasis=sel.emphasis,
                      layout_threshold=LAYOUT_THRESHOLD if layout_threshold is None else layout_threshold)
    page = render_html(view)
    if output == "-":
        sys.stdout.write(page)
        return
    if output is None:
        name = ("focus-" + focus if focus else "path-" + "-".join(path_ends) if path_ends
                else "query-" + query_name if query_name else "kg")
        target = views_dir() / (_slug(name) + ".html")
    else:
        target = Path(output)
    try:
        if output is None:
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise KGError(f"{target}: cannot write the page: {exc}") from None
    echo_err(f"wrote {sel.description}; {len(page.encode('utf-8')) / 1e6:.2f} MB")
    click.echo(str(target.absolute()))


def views_dir() -> Path:
    """Where ``kg viz`` writes when not told: ``myoclonus-kg/views`` in the user's cache
    directory (``$XDG_CACHE_HOME``, else ``~/.cache``), never the working tree."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if cache and os.path.isabs(cache) else Path.home() / ".cache"
    return base / "myoclonus-kg" / "views"


def _slug(name: str) -> str:
    """A file name from entity names: letters, digits, ``-`` and ``_`` only.

    Examples
    --------
    >>> _slug("path-brain hypoxia-HP:0001336")
    'path-brain_hypoxia-HP_0001336'
    """
    text = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return text[:120] or "kg"
