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

A new build in the served directory is picked up while the server runs (:mod:`kg.web.live`).

Examples
--------
>>> import uvicorn                                                   # doctest: +SKIP
>>> uvicorn.run(create_app("build", timeout=5), port=8000)          # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kg.errors import EntityNotFoundError, KGError
from kg.query.engine import GRAPHS
from kg.remote.errors import RemoteError
from kg.web.cache import ResponseCache
from kg.web.protocol import (GRAPH_TYPES, MAX_QUERY_BYTES, MEDIA_FORMATS, TABULAR_TYPES,
                             ProtocolError, SparqlRequest, negotiate, parse_request)
from kg.web.runner import Job, Outcome, allowed_graphs, screen
from kg.web.uidata import UIDataRoutes
from kg.web.workers import QueryTimeout, WorkerFailed, WorkerPool

__all__ = ["create_app", "SecurityHeaders", "WebServer", "default_workers", "ViewTooLarge", "VIEW_BUDGET",
           "VIEW_MAX_NODES", "VIEW_MAX_EDGES", "VIEW_MAX_BYTES"]

log = logging.getLogger("kg.web")

_SPARQL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_TEXT = "text/plain; charset=utf-8"
_MAX_K = 10
_MAX_DEPTH = 3
_VIEW_ROWS = 2000
#: Graph views (``/view/...``): seconds a request waits for its page, entities and edges a
#: neighbourhood view draws at most, and the largest page served, in bytes.
VIEW_BUDGET = 10.0
VIEW_MAX_NODES = 1000
VIEW_MAX_EDGES = 4000
VIEW_MAX_BYTES = 4 * 1024 * 1024
#: Requests up to this size are parsed on the event loop (well under a millisecond of
#: kg.sparql for a typical query); larger ones in a thread, so they hold no other request.
INLINE_PARSE_BYTES = 4096
#: Graph views drawn at once (each in a thread); more wait, within their budget.
VIEW_RENDERS = 2


class ViewTooLarge(KGError):
    """A graph view would exceed the size caps (``VIEW_MAX_*``)."""


class SecurityHeaders:
    """ASGI middleware: a Content-Security-Policy (unless the response has its own) and the
    usual hardening headers on every HTTP response.

    Parameters
    ----------
    app : ASGI application
    policy : str
        The default Content-Security-Policy.
    """

    def __init__(self, app, policy: str) -> None:
        self.app = app
        self.extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                      (b"x-frame-options", b"SAMEORIGIN")]
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


def default_workers() -> int:
    """Query worker processes when not given: the number of CPUs, at least 2 and at most 8."""
    return min(max(2, os.cpu_count() or 2), 8)


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message.rstrip("\n") + "\n", status_code=status,
                    headers={"content-type": _TEXT, **(headers or {})})


def _upstream_status(exc: Exception) -> int:
    """503 when the remote server did not answer in time, 502 for any other failure."""
    text = str(exc)
    timed_out = getattr(exc, "status", None) is None and ("no answer from" in text
                                                          or "stopped answering" in text)
    return 503 if timed_out else 502


def _upstream_message(exc: Exception) -> str:
    return f"the SPARQL server behind this endpoint failed: {exc}"


def _upstream_error(exc: Exception) -> Response:
    return _text(_upstream_status(exc), _upstream_message(exc))


class WebServer(UIDataRoutes):
    """The state behind the routes: the graph, the worker pool, the caches.

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
                 view_max_edges: int = VIEW_MAX_EDGES, view_max_bytes: int = VIEW_MAX_BYTES) -> None:
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
        self.remote = None
        self.pool = None
        if endpoint is not None:
            if graph_dir is not None:
                raise KGError("serve a build directory or an endpoint, not both")
            from kg.remote.engine import RemoteEngine

            self.directory = None
            self.manifest: dict = {}
            # The remote server enforces its own limits; ours is the client-side timeout
            # (per connection and read here, for the whole query in ``execute``).
            self.remote = RemoteEngine(endpoint, query_url=query_url, timeout=self.timeout)
            self.graph = KnowledgeGraph(None, engine=self.remote)
            self.threads = ThreadPoolExecutor(size, thread_name_prefix="kg-remote")
            self.remote_size = size
            self.remote_stats = {"queries": 0, "timeouts": 0, "upstream_errors": 0}
        else:
            self.directory = Path(graph_dir)
            manifest = self.directory / "manifest.json"
            if not manifest.is_file() or not (self.directory / STORE_DIR).is_dir():
                raise KGError(f"{self.directory}: no built graph here; run `kg build --out {self.directory}`")
            self.graph = KnowledgeGraph(self.directory)
            # Both fail here, in one line naming the file, rather than in the workers.
            self.manifest = self.graph.manifest
            self.graph.engine  # noqa: B018 - opens the store
            self.pool = WorkerPool(self.directory / STORE_DIR, size, memory_limit=memory_limit)
        self.cache = ResponseCache(cache_bytes)
        self.views = ResponseCache(cache_bytes)
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
        self._busy: dict[int, int] = {}

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start the workers, warm the in-process graph (NetworkX view, entity index), and
        watch the build directory for a new build."""
        if self.pool is not None:
            await self.pool.start()
        await run_in_threadpool(self._warm)
        if self.pool is not None:
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
        state: dict[str, Any] = {"graph": graph, "graph_iris": set(engine.graph_iris), "counts": {}}
        if self.remote is not None:
            state["counts"].update(self.remote.counts(sorted(state["graph_iris"])))
            curated = graph.to_networkx(("curated",))
            # No manifest: the page footer's counts, from the server's graphs.
            state["manifest"] = {"counts": {
                "entities": curated.number_of_nodes(), "edges": curated.number_of_edges(),
                "triples_curated": state["counts"].get(GRAPHS["curated"], 0),
                "triples_ontology": state["counts"].get(GRAPHS["ontology"], 0),
                "triples_imported": state["counts"].get(GRAPHS["hpo"], 0)}}
        else:
            from kg.build.status import build_status

            for iri in sorted(state["graph_iris"]):
                rows = engine.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
                state["counts"][iri] = int(next(iter(rows))[0].value)
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
        new worker pool on its store and warm a new graph while the old ones keep answering,
        then swap them in one step, clear the caches, and retire the old pool once its
        running queries are done. Returns whether it switched (always, unless it raises).

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
        pool = WorkerPool(self.directory / STORE_DIR, self.pool.size, memory_limit=self.memory_limit)
        await pool.start()
        try:
            state = await run_in_threadpool(self._prepare, KnowledgeGraph(self.directory))
        except BaseException:
            await pool.close()
            raise
        old = self.pool
        # One step on the event loop: every request from here on sees the new build.
        self.pool = pool
        self.generation += 1
        self._apply(state)
        self.cache.clear()
        self.views.clear()
        log.warning("switched to the new build in %s (%s)", self.directory,
                    state["build"].to_dict()["contents"])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout + 5
        while self._busy.get(id(old)) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self._busy.pop(id(old), None)
        await old.close()
        return True

    async def stop(self) -> None:
        if self.watcher is not None:
            await self.watcher.stop()
        if self.pool is not None:
            await self.pool.close()
        else:
            self.threads.shutdown(wait=False, cancel_futures=True)

    async def _graph_call(self, fn, *args, **kwargs):
        """Run a KnowledgeGraph call in a thread. Calls run concurrently: after :meth:`start`
        the graph, its NetworkX view and indexes are only read (KnowledgeGraph builds its
        lazy caches under a lock), so no page waits for another."""
        return await run_in_threadpool(fn, *args, **kwargs)

    # ---------------------------------------------------------------- SPARQL
    async def execute(self, job: Job) -> Outcome:
        """Run a job on the pool; identical jobs in flight share one run.

        Raises
        ------
        QueryTimeout, WorkerFailed
        """
        key = (self.generation, job)
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = future
        try:
            if self.pool is not None:
                # The safety check, here once per text (its analysis is cached: parsing the
                # request already made it), so the worker does not parse the text again.
                allowed = allowed_graphs(self.graph_iris)
                if len(job.query) <= INLINE_PARSE_BYTES:
                    checked, refusal = screen(job, allowed)
                else:
                    checked, refusal = await run_in_threadpool(screen, job, allowed)
                if refusal is not None:
                    outcome = refusal
                else:
                    pool = self.pool
                    self._busy[id(pool)] = self._busy.get(id(pool), 0) + 1
                    try:
                        outcome = await pool.run(checked, self.timeout)
                    finally:
                        self._busy[id(pool)] = self._busy.get(id(pool), 1) - 1
            else:
                outcome = await self._run_remote(job)
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc if isinstance(exc, Exception) else QueryTimeout("cancelled"))
            raise
        else:
            future.set_result(outcome)
            return outcome
        finally:
            self._inflight.pop(key, None)

    async def _run_remote(self, job: Job) -> Outcome:
        """Run a job on the remote server in a thread, within the time limit (waiting for a
        free thread included); the thread itself ends by the HTTP client's timeout.

        Raises
        ------
        QueryTimeout
            No answer within the limit.
        RemoteError
            The server cannot be reached or failed (not a refusal of the query itself).
        """
        from kg.web.runner import run_remote

        self.remote_stats["queries"] += 1
        future = self.threads.submit(run_remote, self.remote, job, self.graph_iris)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            future.cancel()
            self.remote_stats["timeouts"] += 1
            raise QueryTimeout(f"the SPARQL server at {self.remote.url} gave no answer within the "
                               f"{self.timeout:g} s limit; the query was abandoned") from None
        except RemoteError:
            self.remote_stats["upstream_errors"] += 1
            raise

    async def answer(self, req: SparqlRequest, accept: str | None) -> tuple[Outcome, bool]:
        """The outcome of a protocol request (from the cache when possible) and whether it was
        a cache hit.

        Raises
        ------
        ProtocolError
            406 when no acceptable media type fits the query form.
        QueryTimeout, WorkerFailed
        """
        tabular = MEDIA_FORMATS.get(negotiate(accept, TABULAR_TYPES) or "")
        graph = MEDIA_FORMATS.get(negotiate(accept, GRAPH_TYPES) or "")
        if req.form in ("SELECT", "ASK"):
            graph = None
            if tabular is None:
                raise ProtocolError(406, f"{_article(req.form)} {req.form} result can be sent as "
                                         f"{', '.join(TABULAR_TYPES[:4])}; none is acceptable")
        elif req.form in ("CONSTRUCT", "DESCRIBE"):
            tabular = None
            if graph is None:
                raise ProtocolError(406, f"{_article(req.form)} {req.form} result can be sent as "
                                         f"{', '.join(GRAPH_TYPES[:4])}; none is acceptable")
        job = Job(req.query, req.default_graphs, req.named_graphs, tabular, graph, self.max_rows)
        cached = self.cache.get(job)
        if cached is not None:
            return cached, True
        generation = self.generation
        # The worker checks the query (SERVICE, LOAD, updates, FROM) and the dataset first.
        outcome = await self.execute(job)
        if outcome.status in (200, 400, 406) and generation == self.generation:
            self.cache.put(job, outcome)
        return outcome, False

    async def sparql(self, request: Request) -> Response:
        """The SPARQL 1.1 Protocol endpoint."""
        body = b""
        if request.method == "POST":
            try:
                body = await asyncio.wait_for(self._read_body(request), self.read_timeout)
            except asyncio.TimeoutError:
                return _text(408, f"the request body did not arrive within {self.read_timeout:g} s",
                             {"connection": "close"})
            if body is None:
                return _text(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KiB")
        accept = request.headers.get("accept")
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        content_type = request.headers.get("content-type")
        try:
            if len(query_string) + len(body) <= INLINE_PARSE_BYTES:
                req = parse_request(request.method, query_string, content_type, body)
            else:  # parsing up to 256 KiB of query (kg.sparql) would hold the event loop
                req = await run_in_threadpool(parse_request, request.method, query_string,
                                              content_type, body)
            if req is None:
                return self._service_description(request, accept)
            outcome, hit = await self.answer(req, accept)
        except ProtocolError as exc:
            headers = {"allow": "GET, POST"} if exc.status == 405 else None
            return _text(exc.status, exc.message, headers)
        except (QueryTimeout, WorkerFailed) as exc:
            log.warning("query stopped: %s", exc)
            return _text(503, str(exc))
        except RemoteError as exc:
            log.warning("upstream failure: %s", exc)
            return _upstream_error(exc)
        headers = {"content-type": outcome.content_type, "vary": "Accept",
                   "x-kg-cache": "hit" if hit else "miss"}
        if outcome.status == 200:
            headers["x-kg-truncated"] = "true" if outcome.truncated else "false"
            if outcome.truncated:
                headers["x-kg-max-rows"] = str(self.max_rows)
        return Response(outcome.body, status_code=outcome.status, headers=headers)

    @staticmethod
    async def _read_body(request: Request) -> bytes | None:
        """The request body, or ``None`` if it is larger than ``MAX_QUERY_BYTES``."""
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_QUERY_BYTES:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _service_description(self, request: Request, accept: str | None) -> Response:
        from kg.web.service import service_description

        choice = negotiate(accept, GRAPH_TYPES + ("text/html",))
        if choice == "text/html":
            return RedirectResponse("/", status_code=303)
        if choice is None:
            return _text(406, f"the service description can be sent as {', '.join(GRAPH_TYPES[:4])}")
        fmt = MEDIA_FORMATS[choice]
        endpoint = str(request.base_url).rstrip("/") + "/sparql"
        body = service_description(endpoint, self.graph_counts, fmt)
        from kg.web.protocol import CONTENT_TYPES

        return Response(body, headers={"content-type": CONTENT_TYPES[fmt], "vary": "Accept"})

    # ---------------------------------------------------------------- health
    async def health(self, request: Request) -> Response:
        body = {
            "status": "ok" if self.started else "starting",
            "counts": self.manifest.get("counts", {}),
            "graphs": self.graph_counts,
            "cache": self.cache.stats(),
            "limits": {"timeout": self.timeout, "max_rows": self.max_rows},
        }
        if self.pool is not None:
            body["workers"] = {"size": self.pool.size, "idle": self.pool.idle, **self.pool.stats}
            body["build"] = {"directory": str(self.directory), "generation": self.generation,
                             "fingerprint": self.manifest.get("fingerprint"),
                             "switches": self.watcher.switches if self.watcher else 0,
                             "switch_error": self.watcher.last_error if self.watcher else None}
        else:  # never asks the server: /health answers even when it is down
            body["endpoint"] = self.remote.url
            body["workers"] = {"size": self.remote_size, "threads": True, **self.remote_stats}
        return JSONResponse(body)

    async def queries(self, request: Request) -> Response:
        from kg.web.examples import editor_queries

        return JSONResponse(editor_queries())

    # ----------------------------------------------------------------- pages
    def _page(self, template: str, status: int = 200, **context) -> HTMLResponse:
        from kg.web.pages import render

        context.setdefault("counts", self.manifest.get("counts", {}))
        context.setdefault("build", self.build_info())
        return HTMLResponse(render(template, **context), status_code=status)

    def _error_page(self, status: int, title: str, message: str, suggestions=()) -> HTMLResponse:
        from urllib.parse import quote

        links = [{"label": s, "url": "/entity/" + quote(s, safe="")} for s in suggestions]
        return self._page("error.html", status, title=title, message=message, suggestions=links)

    def _menu(self) -> list[dict]:
        from kg.query.library import list_queries

        reason = ("this build has no HPO import; `kg build --hpo subset` adds it (this server "
                  "switches to the new build by itself)")
        menu = []
        for q in list_queries():
            available = "hpo" not in q.graphs or self.has_hpo
            menu.append({"name": q.name, "title": q.title, "description": q.description,
                         "needs": list(q.graphs), "available": available,
                         "reason": "" if available else reason})
        return menu

    async def index(self, request: Request) -> Response:
        from kg.namespace import PREFIXES
        from kg.query.library import get_query
        from kg.web.examples import inline_parameters

        menu = self._menu()
        default = "first-line-drug" if any(q["name"] == "first-line-drug" for q in menu) else \
            (menu[0]["name"] if menu else None)
        initial = inline_parameters(get_query(default)) if default else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        page_data = {"queries": menu, "prefixes": PREFIXES, "default_query": default,
                     "max_rows": self.max_rows, "view_rows": min(self.max_rows, _VIEW_ROWS),
                     "generation": self.generation, "has_hpo": self.has_hpo,
                     "status_interval": 3000}
        return self._page("index.html", title="Query", active="query", queries=menu,
                          unavailable=[q for q in menu if not q["available"]],
                          prefix_names=list(PREFIXES), initial_query=initial, page_data=page_data,
                          max_rows=self.max_rows, timeout=f"{self.timeout:g}")

    async def entities(self, request: Request) -> Response:
        from kg.web.pages import entities_context

        groups = await self._graph_call(lambda: entities_context(self.graph.to_networkx()))
        return self._page("entities.html", title="Entities", active="entity", groups=groups)

    async def entity(self, request: Request) -> Response:
        from kg.web.pages import entity_context, entity_path

        name = request.path_params["name"]
        try:
            entity = await self._graph_call(self.graph.entity, name)
        except EntityNotFoundError as exc:
            return self._error_page(404, "No such entity", str(exc), exc.suggestions)
        context = await self._graph_call(lambda: entity_context(entity, self.graph.to_networkx()))
        return self._page("entity.html", title=context["label"], active="entity", entity=context,
                          graph_url="/view" + entity_path(entity["iri"]))

    def _path_args(self, request: Request) -> dict:
        """The path finder's arguments from the query string: ``from``, ``to``, ``k``,
        ``directed`` (``1`` by default, ``0`` to ignore direction), ``max`` (hops), and the
        CLI's filters ``predicate``, ``exclude_predicate``, ``category``, ``exclude_category``
        (repeatable).

        Raises
        ------
        KGError
            For a bad ``k`` or ``max``.
        """
        q = request.query_params

        def whole(name: str, low: int, high: int) -> int | None:
            text = q.get(name, "").strip()
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                raise KGError(f"{name} must be a whole number, not {text!r}") from None
            if not low <= value <= high:
                raise KGError(f"{name} must be between {low} and {high}")
            return value

        return {"source": q.get("from", "").strip(), "target": q.get("to", "").strip(),
                "k": whole("k", 1, _MAX_K), "max_length": whole("max", 1, 12),
                "directed": q.get("directed", "1") not in ("0", "false", "no"),
                "include_predicates": tuple(v for v in q.getlist("predicate") if v),
                "exclude_predicates": tuple(v for v in q.getlist("exclude_predicate") if v),
                "include_categories": tuple(v for v in q.getlist("category") if v),
                "exclude_categories": tuple(v for v in q.getlist("exclude_category") if v)}

    @staticmethod
    def _path_query(args: dict, **change) -> str:
        """The query string of a path search (for links and the graph frame)."""
        args = {**args, **change}
        pairs = [("from", args["source"]), ("to", args["target"])]
        if args.get("k"):
            pairs.append(("k", str(args["k"])))
        if args.get("max_length"):
            pairs.append(("max", str(args["max_length"])))
        pairs.append(("directed", "1" if args["directed"] else "0"))
        for key, name in (("include_predicates", "predicate"), ("exclude_predicates", "exclude_predicate"),
                          ("include_categories", "category"), ("exclude_categories", "exclude_category")):
            pairs.extend((name, v) for v in args.get(key, ()))
        return urlencode(pairs)

    def _find_paths(self, args: dict):
        return self.graph.path(args["source"], args["target"], k=args["k"], directed=args["directed"],
                               max_length=args["max_length"],
                               include_predicates=args["include_predicates"],
                               exclude_predicates=args["exclude_predicates"],
                               include_categories=args["include_categories"],
                               exclude_categories=args["exclude_categories"])

    def _path_choices(self) -> dict:
        from kg.schema import load_schema

        schema = load_schema()
        graph = self.graph.to_networkx()
        used = {d.get("predicate") for _, _, d in graph.edges(data=True)}
        predicates = sorted(((n, i.label or n) for n, i in schema.properties.items()
                             if i.kind == "object" and n in used), key=lambda x: x[1].casefold())
        types = {t for _, d in graph.nodes(data=True) for t in d.get("types", ())}
        categories = sorted(((n, i.label or n) for n, i in schema.classes.items()
                             if n in types and not n.endswith("Statement")), key=lambda x: x[1].casefold())
        names = sorted({str(d.get("label")) for _, d in graph.nodes(data=True) if d.get("label")},
                       key=str.casefold)
        return {"names": names, "predicates": predicates, "categories": categories}

    async def path(self, request: Request) -> Response:
        from kg.errors import NoPathError
        from kg.web.pages import path_context

        choices = await self._graph_call(self._path_choices)
        context: dict[str, Any] = {"title": "Paths", "active": "path", "max_k": _MAX_K, **choices,
                                   "source": request.query_params.get("from", ""),
                                   "target": request.query_params.get("to", ""),
                                   "k": request.query_params.get("k", ""),
                                   "max_length": request.query_params.get("max", ""),
                                   "directed": True, "selected": {}}
        try:
            args = self._path_args(request)
        except KGError as exc:
            return self._page("path.html", 400, error=str(exc), **context)
        context["directed"] = args["directed"]
        context["selected"] = {key: set(args[key]) for key in ("include_predicates", "exclude_predicates",
                                                               "include_categories", "exclude_categories")}
        context["filtered"] = any(args[key] for key in context["selected"]) or bool(args["max_length"])
        if not (args["source"] and args["target"]):
            return self._page("path.html", **context)
        notice = None
        try:
            paths = await self._graph_call(self._find_paths, args)
        except EntityNotFoundError as exc:
            # The suggestions keep the search: the unknown end replaced, the rest as it was.
            end = "target" if exc.name == args["target"] and exc.name != args["source"] else "source"
            links = [{"label": s, "url": "/path?" + self._path_query(args, **{end: s})}
                     for s in exc.suggestions]
            return self._page("path.html", 404, error=str(exc), suggestions=links, **context)
        except NoPathError as exc:
            if not args["directed"]:
                return self._page("path.html", 404, error=str(exc), **context)
            # No path along the edges' direction: say so, and show what ignoring it gives.
            reverse = None
            try:
                await self._graph_call(self._find_paths, {**args, "source": args["target"],
                                                          "target": args["source"], "k": 1})
                reverse = "/path?" + self._path_query(args, source=args["target"], target=args["source"])
            except KGError:
                pass
            try:
                paths = await self._graph_call(self._find_paths, {**args, "directed": False})
            except KGError:
                return self._page("path.html", 404, error=str(exc), reverse_url=reverse, **context)
            args = {**args, "directed": False}
            notice = {"text": f"No path follows the edges in their direction from {args['source']} to "
                              f"{args['target']}. These paths ignore the direction: read each hop's "
                              "sentence for which way it goes.", "reverse_url": reverse}
        except KGError as exc:
            return self._page("path.html", 404, error=str(exc), **context)
        view = path_context(paths)
        return self._page("path.html", paths=view["paths"], summary=view["summary"], notice=notice,
                          graph_url="/view/path?" + self._path_query(args), **context)

    # ----------------------------------------------------------- graph views
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
        generation = self.generation
        inflight = (generation, key)  # a drawing of the previous build is not shared
        future = self._drawing.get(inflight)
        if future is None:
            async def draw() -> str:
                async with self._draw_slots:
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
        depth = max(0, min(depth, _MAX_DEPTH))
        try:
            iri = await self._graph_call(self.graph.resolve, name)
        except EntityNotFoundError as exc:
            return self._view_message(404, str(exc))

        def make() -> str:
            label = self.graph.to_networkx().nodes[iri].get("label") or iri
            sub = self.graph.neighbors(iri, depth)
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
            outcome = await self.execute(Job(query, None, None, "json", "ntriples", min(self.max_rows, _VIEW_ROWS)))
        except (QueryTimeout, WorkerFailed) as exc:
            return self._view_message(503, str(exc))
        except RemoteError as exc:
            return self._view_message(_upstream_status(exc), _upstream_message(exc))
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

    async def upstream_failed(self, request: Request, exc: Exception) -> Response:
        """A page whose graph call reached a remote server that failed (502/503)."""
        log.warning("upstream failure: %s", exc)
        if request.url.path.startswith(("/sparql", "/health", "/queries", "/view/", "/status",
                                        "/complete", "/diagnose", "/download", "/triples")):
            return _upstream_error(exc)
        return self._error_page(_upstream_status(exc), "SPARQL server unavailable",
                                _upstream_message(exc))

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if request.url.path.startswith(("/sparql", "/health", "/static", "/queries", "/status",
                                        "/complete", "/diagnose", "/download", "/triples")):
            return _text(status, getattr(exc, "detail", "not found"))
        return self._error_page(status, "Not found" if status == 404 else "Error",
                                f"nothing at {request.url.path}")


def create_app(graph_dir: Path | str | None = None, *, timeout: float = 10.0, max_rows: int = 10000,
               cors_origins: Iterable[str] = (), workers: int | None = None,
               cache_bytes: int = 64 * 1024 * 1024, memory_limit: int = 4 * 1024 ** 3,
               endpoint: str | None = None, query_url: str | None = None,
               allowed_hosts: Iterable[str] | None = None, read_timeout: float = 10.0,
               view_budget: float = VIEW_BUDGET) -> Starlette:
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

    Returns
    -------
    starlette.applications.Starlette

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
                       query_url=query_url, read_timeout=read_timeout, view_budget=view_budget)

    @asynccontextmanager
    async def lifespan(app):
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    routes = [
        Route("/", server.index, methods=["GET", "HEAD"]),
        Route("/sparql", server.sparql, methods=_SPARQL_METHODS),
        Route("/sparql/", server.sparql, methods=_SPARQL_METHODS),
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
    origins = [o for o in cors_origins if o]
    if origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type", "Accept"],
                                     expose_headers=["X-KG-Truncated", "X-KG-Max-Rows", "X-KG-Cache"],
                                     max_age=600))
    middleware.append(Middleware(SecurityHeaders, policy=PAGE_POLICY))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={404: server.not_found, 405: server.not_found,
                                        RemoteError: server.upstream_failed})
    app.state.server = server
    app.state.allowed_hosts = hosts
    return app
