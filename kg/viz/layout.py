"""Node positions computed in Python, for graphs too large to lay out in the browser.

:func:`spring_positions` uses :func:`networkx.spring_layout` (Fruchterman-Reingold, fixed seed)
when NumPy and SciPy are installed, and otherwise a pure-Python Fruchterman-Reingold whose
repulsion only looks at nearby nodes (a grid of cells), which is fast enough for a few
thousand nodes. Both are deterministic for a given graph and seed.

Examples
--------
>>> import networkx as nx
>>> pos = spring_positions(nx.path_graph(4), seed=1, engine="python")
>>> sorted(pos)
[0, 1, 2, 3]
>>> pos == spring_positions(nx.path_graph(4), seed=1, engine="python")
True
"""

from __future__ import annotations

import math
import random
from typing import Hashable

import networkx as nx

__all__ = ["spring_positions", "numpy_available", "SMALL_GRAPH"]

#: Up to this many nodes, ``engine="auto"`` takes the pure-Python layout.
SMALL_GRAPH = 200
GRAVITY = 1.0
REPULSION = 4.0


def numpy_available() -> bool:
    """Whether :func:`networkx.spring_layout` can run here (it needs NumPy and SciPy); found
    without importing them."""
    from importlib.util import find_spec

    return find_spec("numpy") is not None and find_spec("scipy") is not None


def spring_positions(graph: nx.Graph, *, seed: int = 42, scale: float | None = None,
                     iterations: int = 50, engine: str = "auto") -> dict[Hashable, tuple[float, float]]:
    """Force-directed positions, in vis-network pixels (centred on 0).

    Parameters
    ----------
    graph : networkx.Graph
        Any graph; direction and parallel edges are ignored.
    seed : int
        Seed of the initial placement.
    scale : float, optional
        Half the width of the drawing; by default grows with the square root of the node count.
    iterations : int
        Number of Fruchterman-Reingold steps.
    engine : {"auto", "networkx", "python"}
        ``auto`` takes networkx when NumPy and SciPy are installed and the graph has more
        than :data:`SMALL_GRAPH` nodes.

    Returns
    -------
    dict
        ``{node: (x, y)}``, rounded to 0.1 px.

    Raises
    ------
    ValueError
        If ``engine`` is unknown, or is ``networkx`` without NumPy and SciPy.

    Examples
    --------
    >>> pos = spring_positions(nx.complete_graph(3), engine="python", scale=100)
    >>> all(abs(x) <= 100 and abs(y) <= 100 for x, y in pos.values())
    True
    """
    if engine not in ("auto", "networkx", "python"):
        raise ValueError(f"unknown layout engine {engine!r}")
    n = graph.number_of_nodes()
    if scale is None:
        scale = 60.0 * math.sqrt(max(n, 1))
    if n == 0:
        return {}
    # A small graph is laid out in pure Python: as quick, and without importing NumPy and
    # SciPy (about half a second of a fresh `kg viz --focus`).
    if engine == "networkx" or (engine == "auto" and n > SMALL_GRAPH and numpy_available()):
        if not numpy_available():
            raise ValueError("the networkx layout needs NumPy and SciPy")
        simple = nx.Graph(graph.to_undirected(as_view=True)) if graph.is_directed() or graph.is_multigraph() else graph
        raw = nx.spring_layout(simple, seed=seed, iterations=iterations, scale=scale)
        return {k: (round(float(x), 1), round(float(y), 1)) for k, (x, y) in raw.items()}
    return _grid_fruchterman_reingold(graph, seed, scale, iterations)


def _grid_fruchterman_reingold(graph: nx.Graph, seed: int, scale: float,
                               iterations: int) -> dict[Hashable, tuple[float, float]]:
    nodes = sorted(graph, key=str)
    index = {v: i for i, v in enumerate(nodes)}
    n = len(nodes)
    pairs = {(min(index[a], index[b]), max(index[a], index[b])) for a, b in graph.edges() if a != b}
    edges = sorted(pairs)
    rng = random.Random(seed)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    ys = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    k = math.sqrt(4.0 / n)          # ideal distance in a 2 x 2 box
    cell = 2.0 * k                  # repulsion is ignored beyond two ideal distances
    k2 = REPULSION * k * k
    reach2 = cell * cell
    gravity = GRAVITY * k
    temperature = 0.2
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = [0.0] * n
        dy = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            grid.setdefault((int(math.floor(xs[i] / cell)), int(math.floor(ys[i] / cell))), []).append(i)
        # Each pair of nearby nodes is visited once: a cell with itself and four of its eight
        # neighbours, the other four seeing it from their side.
        for (cx, cy), members in grid.items():
            for ox, oy in ((0, 0), (1, 0), (1, 1), (0, 1), (-1, 1)):
                others = members if ox == oy == 0 else grid.get((cx + ox, cy + oy))
                if not others:
                    continue
                same = others is members
                for a, i in enumerate(members):
                    xi, yi = xs[i], ys[i]
                    fx = fy = 0.0
                    for j in (others[a + 1:] if same else others):
                        ddx = xi - xs[j]
                        ddy = yi - ys[j]
                        d2 = ddx * ddx + ddy * ddy
                        if d2 >= reach2:
                            continue
                        if d2 < 1e-12:
                            ddx, ddy, d2 = 1e-3, 0.0, 1e-6
                        f = k2 / d2
                        ddx *= f
                        ddy *= f
                        fx += ddx
                        fy += ddy
                        dx[j] -= ddx
                        dy[j] -= ddy
                    dx[i] += fx
                    dy[i] += fy
        for i, j in edges:
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 1e-6
            f = d / k
            dx[i] -= ddx * f
            dy[i] -= ddy * f
            dx[j] += ddx * f
            dy[j] += ddy * f
        for i in range(n):
            # A weak pull to the centre keeps separate components together.
            dx[i] -= xs[i] * gravity
            dy[i] -= ys[i] * gravity
            length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
            if length > 0:
                step = min(length, temperature) / length
                xs[i] += dx[i] * step
                ys[i] += dy[i] * step
        temperature -= cooling
    span = max(max(abs(v) for v in xs), max(abs(v) for v in ys)) or 1.0
    factor = scale / span
    return {v: (round(xs[i] * factor, 1), round(ys[i] * factor, 1)) for v, i in index.items()}
