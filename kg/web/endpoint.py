"""The protocol routes: the SPARQL 1.1 Protocol endpoint (``/sparql``), ``/health`` and
``/queries``, and the plain-text responses they share.

:class:`SparqlRoutes` is a mixin of :class:`kg.web.app.WebServer`, whose state it reads (the
backend, the response cache, the graphs served); it runs every query through the server's
:class:`kg.web.backend.Backend` and tells failures apart by their type
(:class:`kg.errors.QueryStopped`: 503; :class:`kg.remote.errors.RemoteTimeout`: 503; any
other :class:`kg.remote.errors.RemoteError`: 502).

Examples
--------
>>> upstream_status(RemoteTimeout("no answer", url="http://h/sparql"))
503
>>> upstream_status(RemoteError("HTTP 500", url="http://h/sparql", status=500))
502
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from kg.errors import QueryStopped, QueryTimeout
from kg.remote.errors import RemoteError, RemoteTimeout
from kg.web.backend import Backend, RemoteBackend
from kg.web.cache import ResponseCache
from kg.web.protocol import (GRAPH_TYPES, INLINE_PARSE_BYTES, MAX_QUERY_BYTES, MEDIA_FORMATS,
                             TABULAR_TYPES, ProtocolError, SparqlRequest, negotiate, parse_request)
from kg.web.runner import Job, Outcome

__all__ = ["SparqlRoutes", "SPARQL_METHODS", "text_response", "upstream_error", "upstream_message",
           "upstream_status"]

log = logging.getLogger("kg.web")

#: Methods routed to ``/sparql`` (all but GET, HEAD and POST get 405 with ``Allow``).
SPARQL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_TEXT = "text/plain; charset=utf-8"


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text response: the message and a line feed."""
    return Response(message.rstrip("\n") + "\n", status_code=status,
                    headers={"content-type": _TEXT, **(headers or {})})


def upstream_status(exc: RemoteError) -> int:
    """503 when the remote server did not answer in time (:class:`RemoteTimeout`), 502 for any
    other failure."""
    return 503 if isinstance(exc, RemoteTimeout) else 502


def upstream_message(exc: RemoteError) -> str:
    """The message of a failure of the remote server, as the client sees it."""
    return f"the SPARQL server behind this endpoint failed: {exc}"


def upstream_error(exc: RemoteError) -> Response:
    """The plain-text answer to a failure of the remote server (502/503)."""
    return text_response(upstream_status(exc), upstream_message(exc))


class SparqlRoutes:
    """``/sparql``, ``/health`` and ``/queries`` (a mixin of :class:`kg.web.app.WebServer`)."""

    # The server state these routes read (set by kg.web.app.WebServer).
    _inflight: dict[Any, asyncio.Future]
    backend: Backend
    cache: ResponseCache
    directory: Path | None
    generation: int
    graph_counts: dict[str, int]
    graph_iris: set[str]
    manifest: dict
    max_rows: int
    read_timeout: float
    started: bool
    timeout: float
    watcher: Any

    async def execute(self, job: Job) -> Outcome:
        """Run a job on the backend; identical jobs in flight share one run.

        Raises
        ------
        kg.errors.QueryStopped
            The query ran out of time, or its worker died (503).
        kg.remote.errors.RemoteError
            The remote server failed (502; 503 for a RemoteTimeout).
        """
        key = (self.generation, job)
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = future
        try:
            outcome = await self.backend.run(job, self.graph_iris)
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc if isinstance(exc, Exception) else QueryTimeout("cancelled"))
            raise
        else:
            future.set_result(outcome)
            return outcome
        finally:
            self._inflight.pop(key, None)

    async def answer(self, req: SparqlRequest, accept: str | None) -> tuple[Outcome, bool]:
        """The outcome of a protocol request (from the cache when possible) and whether it was
        a cache hit.

        Raises
        ------
        ProtocolError
            406 when no acceptable media type fits the query form.
        kg.errors.QueryStopped, kg.remote.errors.RemoteError
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
                posted = await asyncio.wait_for(self._read_body(request), self.read_timeout)
            except asyncio.TimeoutError:
                return text_response(408, f"the request body did not arrive within {self.read_timeout:g} s",
                                     {"connection": "close"})
            if posted is None:
                return text_response(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KiB")
            body = posted
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
            return text_response(exc.status, exc.message, headers)
        except QueryStopped as exc:
            log.warning("query stopped: %s", exc)
            return text_response(503, str(exc))
        except RemoteError as exc:
            log.warning("upstream failure: %s", exc)
            return upstream_error(exc)
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
            return text_response(406, f"the service description can be sent as {', '.join(GRAPH_TYPES[:4])}")
        fmt = MEDIA_FORMATS[choice]
        endpoint = str(request.base_url).rstrip("/") + "/sparql"
        body = service_description(endpoint, self.graph_counts, fmt)
        from kg.web.protocol import CONTENT_TYPES

        return Response(body, headers={"content-type": CONTENT_TYPES[fmt], "vary": "Accept"})

    async def health(self, request: Request) -> Response:
        body = {
            "status": "ok" if self.started else "starting",
            "counts": self.manifest.get("counts", {}),
            "graphs": self.graph_counts,
            "cache": self.cache.stats(),
            "limits": {"timeout": self.timeout, "max_rows": self.max_rows},
        }
        body["workers"] = self.backend.stats()
        if self.directory is not None:
            body["build"] = {"directory": str(self.directory), "generation": self.generation,
                             "fingerprint": self.manifest.get("fingerprint"),
                             "switches": self.watcher.switches if self.watcher else 0,
                             "switch_error": self.watcher.last_error if self.watcher else None}
        elif isinstance(self.backend, RemoteBackend):  # never asks the server: /health
            body["endpoint"] = self.backend.url       # answers even when it is down
        return JSONResponse(body)

    async def queries(self, request: Request) -> Response:
        from kg.web.examples import editor_queries

        return JSONResponse(editor_queries())
