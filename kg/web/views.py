"""The graph views (``/view/...``): an entity's neighbourhood, paths, a query result, drawn
by :mod:`kg.web.graphview` within a time budget and size caps.

:class:`ViewRoutes` is a mixin of :class:`kg.web.app.WebServer` (whose graph, caches and
backend it reads). A view is drawn in a thread, at most :data:`VIEW_RENDERS` at once;
identical views in flight share one drawing; a request waits at most the view budget (503
after, and the page is still drawn and cached); a view above the caps is answered 422.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kg.errors import EntityNotFoundError, KGError, QueryStopped
from kg.remote.errors import RemoteError
from kg.web.endpoint import upstream_message, upstream_status
from kg.web.cache import ResponseCache
from kg.web.runner import Job, Outcome

__all__ = ["ViewRoutes", "ViewTooLarge", "VIEW_BUDGET", "VIEW_MAX_NODES", "VIEW_MAX_EDGES",
           "VIEW_MAX_BYTES", "VIEW_RENDERS", "VIEW_ROWS"]

#: Depth of a neighbourhood view at most.
MAX_DEPTH = 3
#: Rows of a query result drawn at most.
VIEW_ROWS = 2000
#: Graph views (``/view/...``): seconds a request waits for its page, entities and edges a
#: neighbourhood view draws at most, and the largest page served, in bytes.
VIEW_BUDGET = 10.0
VIEW_MAX_NODES = 1000
VIEW_MAX_EDGES = 4000
VIEW_MAX_BYTES = 4 * 1024 * 1024
#: Graph views drawn at once (each in a thread); more wait, within their budget.
VIEW_RENDERS = 2


class ViewTooLarge(KGError):
    """A graph view would exceed the size caps (``VIEW_MAX_*``)."""


class ViewRoutes:
    """``/view/entity/<name>``, ``/view/path``, ``/view/results`` (a mixin of
    :class:`kg.web.app.WebServer`)."""

    # The server state and helpers these routes use (set by kg.web.app.WebServer).
    _drawing: dict[Any, asyncio.Future]
    _draw_slots: asyncio.Semaphore | None
    generation: int
    graph: Any
    max_rows: int
    view_budget: float
    view_max_nodes: int
    view_max_edges: int
    views: ResponseCache
    _graph_call: Callable[..., Awaitable[Any]]
    _find_paths: Callable[[dict], Any]
    _path_args: Callable[[Request], dict]
    _path_query: Callable[..., str]
    execute: Callable[[Job], Awaitable[Outcome]]

    def _view_response(self, page: str, status: int = 200) -> HTMLResponse:
        from kg.web.graphview import page_policy

        return HTMLResponse(page, status_code=status,
                            headers={"content-security-policy": page_policy(page)})

    def _view_message(self, status: int, message: str) -> HTMLResponse:
        from kg.web.graphview import message_page

        return self._view_response(message_page("Nothing to draw", message), status)

    def _check_view_size(self, graph, what: str) -> None:
        """Raise :class:`ViewTooLarge` if ``graph`` is above the view's size caps."""
        nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
        if nodes > self.view_max_nodes or edges > self.view_max_edges:
            raise ViewTooLarge(f"{what} has {nodes:,} entities and {edges:,} edges; this view draws at most "
                               f"{self.view_max_nodes:,} entities and {self.view_max_edges:,} edges. Choose "
                               "a smaller depth, or draw it with `kg viz` (no limit).")

    def _draw(self, make):
        page = make()
        size = len(page.encode("utf-8"))
        if size > self.view_max_bytes:
            raise ViewTooLarge(f"this view is {size / 1e6:.1f} MB, more than the {self.view_max_bytes / 1e6:.1f} "
                               "MB served; choose a smaller depth, or draw it with `kg viz` (no limit).")
        return page

    async def _drawn(self, key, make) -> str:
        """The page ``make()`` draws, from the cache or drawn in a thread, within the view
        budget. Identical views in flight share one drawing; at most ``VIEW_RENDERS`` are
        drawn at once. A drawing that outlives the budget goes on and fills the cache.

        Raises
        ------
        asyncio.TimeoutError
            The page was not ready within ``view_budget`` seconds.
        ViewTooLarge, KGError
            From ``make``.
        """
        page = self.views.get(key)
        if page is not None:
            return page
        if self._draw_slots is None:
            self._draw_slots = asyncio.Semaphore(VIEW_RENDERS)
        slots = self._draw_slots
        generation = self.generation
        inflight = (generation, key)  # a drawing of the previous build is not shared
        future = self._drawing.get(inflight)
        if future is None:
            async def draw() -> str:
                async with slots:
                    drawn = await run_in_threadpool(self._draw, make)
                if generation == self.generation:  # never cache a page of an older build
                    self.views.put(key, drawn)
                return drawn

            future = asyncio.ensure_future(draw())
            self._drawing[inflight] = future
            # Retrieve the outcome even if every waiter gave up (no "never retrieved" noise).
            future.add_done_callback(lambda f: (self._drawing.pop(inflight, None),
                                                f.cancelled() or f.exception()))
        return await asyncio.wait_for(asyncio.shield(future), self.view_budget)

    async def _budgeted_view(self, key, make) -> HTMLResponse:
        try:
            page = await self._drawn(key, make)
        except asyncio.TimeoutError:
            return self._view_response(self._busy_page(), 503)
        except ViewTooLarge as exc:
            return self._view_message(422, str(exc))
        return self._view_response(page)

    def _busy_page(self) -> str:
        from kg.web.graphview import message_page

        return message_page("Still drawing", f"This view takes longer than {self.view_budget:g} s to draw. "
                            "It is still being drawn: reload in a moment, or choose a smaller depth.")

    async def _cached_view(self, key, make) -> HTMLResponse:
        return await self._budgeted_view(key, make)

    async def view_entity(self, request: Request) -> Response:
        from kg.web.graphview import neighbourhood_page

        name = request.path_params["name"]
        try:
            depth = int(request.query_params.get("depth", "1"))
        except ValueError:
            return self._view_message(400, "depth must be a whole number")
        depth = max(0, min(depth, MAX_DEPTH))
        try:
            iri = await self._graph_call(self.graph.resolve, name)
        except EntityNotFoundError as exc:
            return self._view_message(404, str(exc))

        def make() -> str:
            label = self.graph.to_networkx().nodes[iri].get("label") or iri
            sub = self.graph.neighbourhood(iri, depth)
            self._check_view_size(sub, f"The neighbourhood of {label} at depth {depth}")
            return neighbourhood_page(sub, iri, depth, f"Neighbourhood of {label}")

        return await self._cached_view(("entity", iri, depth), make)

    async def view_path(self, request: Request) -> Response:
        from kg.web.graphview import paths_page

        try:
            args = self._path_args(request)
        except KGError as exc:
            return self._view_message(400, str(exc))
        if not (args["source"] and args["target"]):
            return self._view_message(400, "give both ends of the path: ?from=...&to=...")

        def make() -> str:
            from kg.errors import NoPathError

            try:
                paths = self._find_paths(args)
            except NoPathError:
                if not args["directed"]:
                    raise
                paths = self._find_paths({**args, "directed": False})  # as the path page does
            return paths_page(paths, f"Paths from {args['source']} to {args['target']}")

        try:
            return await self._cached_view(("path", self._path_query(args)), make)
        except KGError as exc:
            return self._view_message(404, str(exc))

    async def view_results(self, request: Request) -> Response:
        import pyoxigraph as ox

        from kg.query.results import GraphResult, materialize
        from kg.web.graphview import results_page

        query = request.query_params.get("query", "")
        if not query.strip():
            return self._view_message(400, "no query given")
        key = ("results", query)
        page = self.views.get(key)
        if page is not None:
            return self._view_response(page)
        try:
            outcome = await self.execute(Job(query, None, None, "json", "ntriples", min(self.max_rows, VIEW_ROWS)))
        except QueryStopped as exc:
            return self._view_message(503, str(exc))
        except RemoteError as exc:
            return self._view_message(upstream_status(exc), upstream_message(exc))
        if outcome.status != 200:
            return self._view_message(outcome.status, outcome.body.decode("utf-8", "replace"))
        if outcome.content_type.startswith("application/n-triples"):
            result = GraphResult([q.triple for q in ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES)])
        else:
            result = materialize(ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON))

        def make() -> str:
            return results_page(result, self.graph.to_networkx(), "Query result")

        try:
            page = await self._drawn(key, make)
        except asyncio.TimeoutError:
            return self._view_response(self._busy_page(), 503)
        except ViewTooLarge as exc:
            return self._view_message(422, str(exc))
        except KGError as exc:
            return self._view_message(200, str(exc))
        return self._view_response(page)
