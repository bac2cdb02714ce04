"""The ASGI application: routes of the SPARQL endpoint, the health check and the UI pages.

Routes
------
``/sparql``
    SPARQL 1.1 Protocol query operation (GET, POST form, POST direct); without a query, the
    service description. Read-only: updates get 403.
``/health``
    ``{"status": "ok", ...}``, answered by the web process itself (never waits for a query).
``/``, ``/entity/``, ``/entity/<id>``, ``/path``
    The browser UI; ``/view/...`` are the graph pages the UI frames; ``/static/...`` its
    assets (all local).
``/queries``
    The named queries as JSON (name, title, description, standalone text).
``/status``, ``/complete``, ``/queries/<name>``, ``/diagnose``, ``/triples``, ``/download``
    The query page's data (:mod:`kg.web.uidata`).

The routes are grouped by concern: protocol routes in :mod:`kg.web.endpoint`, UI pages in
:mod:`kg.web.ui`, graph views in :mod:`kg.web.views`, the query page's data in
:mod:`kg.web.uidata`; queries run on a :class:`kg.web.backend.Backend` (worker processes
on a build, or a remote server). A new build in the served directory is picked up while the
server runs (:mod:`kg.web.live`).

Examples
--------
>>> import uvicorn                                                   # doctest: +SKIP
>>> uvicorn.run(create_app("build", timeout=5), port=8000)          # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.errors import KGError
from kg.remote.errors import RemoteError
from kg.web.backend import InProcessBackend, LocalBackend, RemoteBackend
from kg.web.cache import ResponseCache
from kg.web.endpoint import SparqlRoutes
from kg.web.ui import PageRoutes
from kg.web.uidata import UIDataRoutes
from kg.web.views import (VIEW_BUDGET, VIEW_MAX_BYTES, VIEW_MAX_EDGES, VIEW_MAX_NODES, ViewRoutes,
                          ViewTooLarge)

__all__ = ["create_app", "Application", "HARDENING_HEADERS", "SecurityHeaders", "security_headers",
           "WebServer", "default_workers", "ViewTooLarge", "VIEW_BUDGET",
           "VIEW_MAX_NODES", "VIEW_MAX_EDGES", "VIEW_MAX_BYTES"]

log = logging.getLogger("kg.web")


#: The hardening headers of every HTTP response (besides its Content-Security-Policy).
HARDENING_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                     (b"x-frame-options", b"SAMEORIGIN"))


def security_headers(policy: str) -> list[tuple[bytes, bytes]]:
    """The Content-Security-Policy ``policy`` and :data:`HARDENING_HEADERS`, as ASGI headers.

    Examples
    --------
    >>> security_headers("default-src 'none'")[0]
    (b'content-security-policy', b"default-src 'none'")
    """
    return [(b"content-security-policy", policy.encode("latin-1")), *HARDENING_HEADERS]


class SecurityHeaders:
    """ASGI middleware: a Content-Security-Policy (unless the response has its own) and the
    usual hardening headers on every HTTP response (:func:`security_headers`).

    Parameters
    ----------
    app : ASGI application
    policy : str
        The default Content-Security-Policy.
    """

    def __init__(self, app, policy: str) -> None:
        self.app = app
        self.extra = list(HARDENING_HEADERS)
        self.policy = policy.encode("latin-1")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", self.policy))
                headers.extend(self.extra)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _settle_heap() -> None:
    """Collect, then move every object alive now (the graph, its NetworkX view, the UI
    indexes: long-lived and many) out of the garbage collector's reach (:func:`gc.freeze`),
    so that its collections during requests scan only what requests allocate (a full
    collection of the warmed heap is ~0.1 s on the curated build, seconds on full HPO).
    Called after warm-up and after a switch to a new build (the previous freeze is undone
    first, so the old graph can be collected)."""
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


def default_workers() -> int:
    """Query worker processes when not given: the number of CPUs, at least 2 and at most 8."""
    return min(max(2, os.cpu_count() or 2), 8)


class WebServer(SparqlRoutes, PageRoutes, ViewRoutes, UIDataRoutes):
    """The state behind the routes: the graph, the backend where queries run, the caches; and
    its lifecycle (start, switch to a new build, stop). The routes are the mixins'
    (:mod:`kg.web.endpoint`, :mod:`kg.web.ui`, :mod:`kg.web.views`, :mod:`kg.web.uidata`).

    Parameters
    ----------
    graph_dir : path
        A build directory (``kg build --out DIR``).
    timeout : float
        Per-query time limit in seconds.
    max_rows : int
        Row cap of SELECT results (and triple cap of CONSTRUCT results).
    workers : int
        Query worker processes.
    cache_bytes : int
        Size of the response cache.
    memory_limit : int
        Address-space limit of each worker, in bytes.
    endpoint, query_url : str, optional
        Serve a remote SPARQL server (its base URL, or its query endpoint) instead of a
        build: queries go to :class:`~kg.remote.engine.RemoteEngine` from a pool of
        ``workers`` threads, and ``graph_dir`` must be ``None``.
    read_timeout : float
        Seconds a client has to send a request body (408 after).
    view_budget : float
        Seconds a graph view request waits for its page (503 after; the page is still
        drawn and cached for the next request).
    view_max_nodes, view_max_edges, view_max_bytes : int
        Size caps of graph views: a larger view is answered 422 with a message.
    on_runaway : callable, optional
        Run queries in this process (:class:`~kg.web.backend.InProcessBackend`, ``workers``
        threads) instead of worker processes, and call this when one outlives the time
        limit: only for the sandboxed server processes of :mod:`kg.web.prefork`, which end
        then.

    Raises
    ------
    KGError
        If ``graph_dir`` holds no built graph, or an option is out of range.
    """

    def __init__(self, graph_dir: Path | str | None, *, timeout: float = 10.0, max_rows: int = 10000,
                 workers: int | None = None, cache_bytes: int = 64 * 1024 * 1024,
                 memory_limit: int = 4 * 1024 ** 3, endpoint: str | None = None,
                 query_url: str | None = None, read_timeout: float = 10.0,
                 view_budget: float = VIEW_BUDGET, view_max_nodes: int = VIEW_MAX_NODES,
                 view_max_edges: int = VIEW_MAX_EDGES, view_max_bytes: int = VIEW_MAX_BYTES,
                 on_runaway: Callable[[], None] | None = None) -> None:
        from kg.api import KnowledgeGraph
        from kg.build.inputs import STORE_DIR

        if timeout <= 0:
            raise KGError("the query timeout must be positive")
        if max_rows < 1:
            raise KGError("max_rows must be at least 1")
        if read_timeout <= 0 or view_budget <= 0:
            raise KGError("the read timeout and the view budget must be positive")
        self.timeout = float(timeout)
        self.max_rows = int(max_rows)
        self.read_timeout = float(read_timeout)
        self.view_budget = float(view_budget)
        self.view_max_nodes, self.view_max_edges = int(view_max_nodes), int(view_max_edges)
        self.view_max_bytes = int(view_max_bytes)
        size = workers if workers is not None else default_workers()
        if size < 1:
            raise KGError("at least one query worker is needed")
        self.remote = None  # the RemoteEngine, when serving a remote server
        self.backend: LocalBackend | InProcessBackend | RemoteBackend
        if endpoint is not None:
            if graph_dir is not None:
                raise KGError("serve a build directory or an endpoint, not both")
            from kg.remote.engine import RemoteEngine

            self.directory = None
            self.manifest: dict = {}
            # The remote server enforces its own limits; ours is the client-side timeout
            # (per connection and read here, for the whole query in the backend).
            self.remote = RemoteEngine(endpoint, query_url=query_url, timeout=self.timeout)
            self.graph = KnowledgeGraph(None, engine=self.remote)
            self.backend = RemoteBackend(self.remote, size, timeout=self.timeout)
        else:
            self.directory = Path(graph_dir)
            manifest = self.directory / "manifest.json"
            if not manifest.is_file() or not (self.directory / STORE_DIR).is_dir():
                raise KGError(f"{self.directory}: no built graph here; run `kg build --out {self.directory}`")
            self.graph = KnowledgeGraph(self.directory)
            # Both fail here, in one line naming the file, rather than in the workers.
            self.manifest = self.graph.manifest
            self.graph.engine  # noqa: B018 - opens the store
            if on_runaway is not None:
                self.backend = InProcessBackend(self.directory / STORE_DIR, size, timeout=self.timeout,
                                                on_runaway=on_runaway)
            else:
                self.backend = LocalBackend(self.directory / STORE_DIR, size, timeout=self.timeout,
                                            memory_limit=memory_limit)
        self.cache = ResponseCache(cache_bytes)
        self.views = ResponseCache(cache_bytes)
        from kg.web.pages import PAGE_POLICY

        #: Added to every answer of the endpoint (the other routes get them from SecurityHeaders).
        self.security_headers = security_headers(PAGE_POLICY)
        self.graph_iris: set[str] = set()
        self.graph_counts: dict[str, int] = {}
        self._inflight: dict[Any, asyncio.Future] = {}
        self._drawing: dict[Any, asyncio.Future] = {}
        self._draw_slots: asyncio.Semaphore | None = None
        self.started = False
        self.memory_limit = memory_limit
        self.lookup = None
        self.build = None            # kg.build.status.BuildStatus of the build served
        #: Bumped at each switch to a new build: answers of an older one are not cached.
        self.generation = 0
        self.watcher = None

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start the workers, warm the in-process graph (NetworkX view, entity index), and
        watch the build directory for a new build."""
        await self.backend.start()
        await run_in_threadpool(self._warm)
        _settle_heap()
        if self.backend.watches_builds:
            from kg.web.live import BuildWatcher

            self.watcher = BuildWatcher(self)
            self.watcher.start()
        self.started = True

    def _warm(self) -> None:
        self._apply(self._prepare(self.graph))

    def _prepare(self, graph) -> dict:
        """Everything the pages need from a graph, computed before it is served."""
        from kg.schema import load_schema
        from kg.web.lookup import Lookup

        engine = graph.engine
        state: dict[str, Any] = {"graph": graph, "graph_iris": set(engine.graph_iris)}
        state["counts"] = self.backend.graph_counts(graph, state["graph_iris"])
        if isinstance(self.backend, RemoteBackend):
            # No manifest: the page footer's counts, from the server's graphs.
            state["manifest"] = {"counts": self.backend.footer_counts(graph, state["counts"])}
        else:
            from kg.build.status import build_status

            state["build"] = build_status(self.directory, check_inputs=False)
            state["manifest"] = state["build"].manifest
        state["lookup"] = Lookup(graph.to_networkx(), load_schema())
        try:
            graph.resolve("myoclonus")  # builds the entity index and the path cache
        except KGError:
            pass
        return state

    def _apply(self, state: dict) -> None:
        # On the event loop (or before serving): requests see the old state or the new one.
        self.graph = state["graph"]
        self.graph_iris = state["graph_iris"]
        self.graph_counts = state["counts"]
        self.manifest = state["manifest"]
        self.lookup = state["lookup"]
        self.build = state.get("build")

    async def switch_build(self) -> bool:
        """Serve the build now in the build directory, if it is not the one served: start a
        new backend (worker pool) on its store and warm a new graph while the old ones keep
        answering, then swap them in one step, clear the caches, and retire the old backend
        once its running queries are done. Returns whether it switched (always, unless it raises).

        Raises
        ------
        KGError, RuntimeError, OSError
            The new build cannot be served; the old one stays in use.
        """
        from kg.api import KnowledgeGraph
        from kg.build.inputs import STORE_DIR

        from kg.build.directory import read_manifest

        # A new manifest file means a new store directory, even when the build is the same
        # (`kg build --force`): the old workers' files are gone, so switch in any case.
        if read_manifest(self.directory) is None:
            raise KGError(f"{self.directory}: no manifest.json (a build is being swapped in?)")
        old = self.backend
        if isinstance(old, RemoteBackend):
            raise KGError("only a server of a build directory switches builds")
        fresh = old.successor(self.directory / STORE_DIR)
        await fresh.start()
        try:
            state = await run_in_threadpool(self._prepare, KnowledgeGraph(self.directory))
        except BaseException:
            await fresh.close()
            raise
        # One step on the event loop: every request from here on sees the new build.
        self.backend = fresh
        self.generation += 1
        self._apply(state)
        self.cache.clear()
        self.views.clear()
        log.warning("switched to the new build in %s (%s)", self.directory,
                    state["build"].to_dict()["contents"])
        await old.retire(self.timeout + 5)
        _settle_heap()  # the old graph's objects go; the new one's are kept out of collections
        return True

    async def stop(self) -> None:
        if self.watcher is not None:
            await self.watcher.stop()
        await self.backend.close()

    async def _graph_call(self, fn, *args, **kwargs):
        """Run a KnowledgeGraph call in a thread. Calls run concurrently: after :meth:`start`
        the graph, its NetworkX view and indexes are only read (KnowledgeGraph builds its
        lazy caches under a lock), so no page waits for another."""
        return await run_in_threadpool(fn, *args, **kwargs)


class Application(Starlette):
    """The Starlette application, with one shortcut: a request for ``/sparql`` goes straight
    to the endpoint (:meth:`kg.web.endpoint.SparqlRoutes.sparql_app`) through the same Host
    check (and CORS, when configured), not through Starlette's router and its exception
    middleware, which cost more than the rest of a cached answer. Every other request, and
    the lifespan, take Starlette's way.

    Parameters
    ----------
    sparql : ASGI application
        The endpoint behind its middleware.
    **kwargs
        Starlette's.
    """

    SPARQL_PATHS = frozenset(("/sparql", "/sparql/"))

    def __init__(self, *, sparql, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sparql = sparql

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] in self.SPARQL_PATHS:
            scope["app"] = self
            await self.sparql(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(graph_dir: Path | str | None = None, *, timeout: float = 10.0, max_rows: int = 10000,
               cors_origins: Iterable[str] = (), workers: int | None = None,
               cache_bytes: int = 64 * 1024 * 1024, memory_limit: int = 4 * 1024 ** 3,
               endpoint: str | None = None, query_url: str | None = None,
               allowed_hosts: Iterable[str] | None = None, read_timeout: float = 10.0,
               view_budget: float = VIEW_BUDGET,
               on_runaway: Callable[[], None] | None = None) -> "Application":
    """The ASGI application serving the graph built in ``graph_dir``, or the graph on the
    SPARQL server at ``endpoint``.

    Parameters
    ----------
    graph_dir : path, optional
        A build directory (give it or ``endpoint``).
    timeout : float
        Per-query time limit in seconds; a query past it is stopped (its worker process is
        killed) and the client gets 503.
    max_rows : int
        Row cap of results; a cut result has the header ``X-KG-Truncated: true``.
    cors_origins : iterable of str
        Origins allowed to call the endpoint from a browser (``*`` for any); none by default,
        and then no CORS header is sent.
    workers : int, optional
        Query worker processes (default: :func:`default_workers`); with ``endpoint``, the
        number of queries sent to the server at once (threads).
    cache_bytes : int
        Size of the response cache (and of the graph-page cache).
    memory_limit : int
        Address-space limit of each query worker, in bytes (not used with ``endpoint``).
    endpoint : str, optional
        A remote SPARQL server (base URL or query endpoint, see ``docs/remote.md``) to serve
        instead of a build; its graph is taken to be read-only while the app runs (answers
        are cached). ``timeout`` is then a client-side limit: the client gets 503 and the
        request is abandoned; a server that fails or cannot be reached gives 502.
    query_url : str, optional
        The server's query endpoint, when it cannot be derived from ``endpoint``.
    allowed_hosts : iterable of str, optional
        Host names the server answers to (``*.domain`` for sub-domains, ``*`` for any):
        any other ``Host`` header gets 400, against DNS rebinding. Default: the loopback
        names (see :mod:`kg.web.hardening`).
    read_timeout : float
        Seconds a client has to send a request body (408 after).
    view_budget : float
        Seconds a graph view waits for its page (503 after).
    on_runaway : callable, optional
        Run queries in this process (see :class:`WebServer`); only for :mod:`kg.web.prefork`.

    Returns
    -------
    Application
        A Starlette application (``/sparql`` taken by a shortcut, see :class:`Application`).

    Raises
    ------
    KGError
        If ``graph_dir`` holds no built graph, or an option is out of range.

    Examples
    --------
    >>> app = create_app("/nonexistent")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: /nonexistent: no built graph here; run `kg build --out /nonexistent`
    """
    from kg.web.pages import PAGE_POLICY, STATIC_DIR

    if graph_dir is None and endpoint is None:
        raise KGError("give a build directory or an endpoint")
    from kg.web.hardening import TrustedHosts, allowed_hosts as default_hosts

    server = WebServer(graph_dir, timeout=timeout, max_rows=max_rows, workers=workers,
                       cache_bytes=cache_bytes, memory_limit=memory_limit, endpoint=endpoint,
                       query_url=query_url, read_timeout=read_timeout, view_budget=view_budget,
                       on_runaway=on_runaway)

    @asynccontextmanager
    async def lifespan(app):
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    routes = [
        Route("/", server.index, methods=["GET", "HEAD"]),
        Route("/health", server.health, methods=["GET", "HEAD"]),
        Route("/queries", server.queries, methods=["GET", "HEAD"]),
        Route("/queries/{name}", server.named_form, methods=["GET", "HEAD"]),
        Route("/status", server.status, methods=["GET", "HEAD"]),
        Route("/complete", server.complete, methods=["GET", "HEAD"]),
        Route("/diagnose", server.diagnose, methods=["POST"]),
        Route("/download", server.download, methods=["GET", "HEAD"]),
        Route("/triples", server.triples, methods=["POST"]),
        Route("/entity/", server.entities, methods=["GET", "HEAD"]),
        Route("/entity/{name:path}", server.entity, methods=["GET", "HEAD"]),
        Route("/path", server.path, methods=["GET", "HEAD"]),
        Route("/view/entity/{name:path}", server.view_entity, methods=["GET", "HEAD"]),
        Route("/view/path", server.view_path, methods=["GET", "HEAD"]),
        Route("/view/results", server.view_results, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    # Outermost: a request for another host name gets nothing else.
    hosts = tuple(allowed_hosts) if allowed_hosts is not None else default_hosts()
    middleware = [Middleware(TrustedHosts, allowed=hosts)]
    sparql: Any = server.sparql_app  # adds the security headers itself
    origins = [o for o in cors_origins if o]
    if origins:
        from starlette.middleware.cors import CORSMiddleware

        cors = {"allow_origins": origins, "allow_methods": ["GET", "POST"],
                "allow_headers": ["Content-Type", "Accept"],
                "expose_headers": ["X-KG-Truncated", "X-KG-Max-Rows", "X-KG-Cache"], "max_age": 600}
        middleware.append(Middleware(CORSMiddleware, **cors))
        sparql = CORSMiddleware(sparql, **cors)
    middleware.append(Middleware(SecurityHeaders, policy=PAGE_POLICY))
    app = Application(sparql=TrustedHosts(sparql, allowed=hosts), routes=routes, middleware=middleware,
                      lifespan=lifespan,
                      exception_handlers={404: server.not_found, 405: server.not_found,
                                          RemoteError: server.upstream_failed})
    app.state.server = server
    app.state.allowed_hosts = hosts
    return app
