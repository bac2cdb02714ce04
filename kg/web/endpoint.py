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
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from kg.errors import QueryStopped, QueryTimeout
from kg.remote.errors import RemoteError, RemoteTimeout
from kg.web.backend import Backend, RemoteBackend
from kg.web.cache import ResponseCache
from kg.web.protocol import (GRAPH_TYPES, INLINE_PARSE_BYTES, MAX_QUERY_BYTES, MEDIA_FORMATS,
                             TABULAR_TYPES, ProtocolError, SparqlRequest, negotiate, parse_request)
from kg.web.runner import Job, Outcome

__all__ = ["SparqlRoutes", "text_response", "upstream_error", "upstream_message",
           "upstream_status"]

log = logging.getLogger("kg.web")

_TEXT = "text/plain; charset=utf-8"
_TEXT_BYTES = _TEXT.encode("latin-1")


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text response: the message and a line feed."""
    return Response(message.rstrip("\n") + "\n", status_code=status,
                    headers={"content-type": _TEXT, **(headers or {})})


def _plain(status: int, message: str,
           extra: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A plain-text answer as ``(status, headers, body)`` (see :func:`text_response`)."""
    return status, [(b"content-type", _TEXT_BYTES), *extra], (message.rstrip("\n") + "\n").encode("utf-8")


@lru_cache(maxsize=64)
def _content_type_bytes(content_type: str) -> bytes:
    return content_type.encode("latin-1")


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
    security_headers: list[tuple[bytes, bytes]]
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

    async def sparql_app(self, scope, receive, send) -> None:
        """The SPARQL 1.1 Protocol endpoint as a plain ASGI application: what ``/sparql`` runs
        (:class:`kg.web.app.Application` sends it the requests for ``/sparql`` behind the Host
        check, and CORS when configured), without Starlette's router, request and response
        objects; the security headers of every page are added here (``security_headers``).
        An unexpected failure is answered 500 and logged, as Starlette would."""
        started = False

        async def send_once(message) -> None:
            nonlocal started
            started = True
            await send(message)

        async def respond(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
            headers.append((b"content-length", str(len(body)).encode("latin-1")))
            headers.extend(self.security_headers)
            await send_once({"type": "http.response.start", "status": status, "headers": headers})
            await send_once({"type": "http.response.body", "body": body})

        try:
            answer = await self._sparql_answer(scope, receive)
            if isinstance(answer, Response):  # rare: service description, redirect
                answer.raw_headers.extend(self.security_headers)
                await answer(scope, receive, send_once)
                return
            await respond(*answer)
        except ClientDisconnect:
            return  # nobody to answer
        except Exception:
            log.exception("the SPARQL endpoint failed on a request")
            if not started:
                await respond(*_plain(500, "Internal Server Error"))

    async def _sparql_answer(self, scope, receive) -> tuple[int, list[tuple[bytes, bytes]], bytes] | Response:
        """The answer to a protocol request: ``(status, headers, body)`` (headers without
        ``content-length`` and the security headers), or a Starlette response for the rare
        cases (the service description and its redirect)."""
        method = scope["method"]
        body = b""
        if method == "POST":
            try:
                posted = await asyncio.wait_for(self._read_body(receive), self.read_timeout)
            except asyncio.TimeoutError:
                return _plain(408, f"the request body did not arrive within {self.read_timeout:g} s",
                              ((b"connection", b"close"),))
            if posted is None:
                return _plain(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KiB")
            body = posted
        accept = content_type = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        query_string = scope.get("query_string", b"").decode("latin-1")
        try:
            if len(query_string) + len(body) <= INLINE_PARSE_BYTES:
                req = parse_request(method, query_string, content_type, body)
            else:  # parsing up to 256 KiB of query (kg.sparql) would hold the event loop
                req = await run_in_threadpool(parse_request, method, query_string, content_type, body)
            if req is None:
                return self._service_description(Request(scope, receive), accept)
            outcome, hit = await self.answer(req, accept)
        except ProtocolError as exc:
            return _plain(exc.status, exc.message,
                          ((b"allow", b"GET, POST"),) if exc.status == 405 else ())
        except QueryStopped as exc:
            log.warning("query stopped: %s", exc)
            return _plain(503, str(exc))
        except RemoteError as exc:
            log.warning("upstream failure: %s", exc)
            return _plain(upstream_status(exc), upstream_message(exc))
        headers = [(b"content-type", _content_type_bytes(outcome.content_type)), (b"vary", b"Accept"),
                   (b"x-kg-cache", b"hit" if hit else b"miss")]
        if outcome.status == 200:
            headers.append((b"x-kg-truncated", b"true" if outcome.truncated else b"false"))
            if outcome.truncated:
                headers.append((b"x-kg-max-rows", str(self.max_rows).encode("latin-1")))
        return outcome.status, headers, outcome.body

    @staticmethod
    async def _read_body(receive) -> bytes | None:
        """The request body, or ``None`` if it is larger than ``MAX_QUERY_BYTES``.

        Raises
        ------
        starlette.requests.ClientDisconnect
            If the client went away before the whole body came.
        """
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_QUERY_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
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
