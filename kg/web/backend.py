"""Where the endpoint's queries run: the :class:`Backend` contract and its two implementations.

* :class:`LocalBackend`: a build's store, queried in sandboxed worker processes
  (:class:`kg.web.workers.WorkerPool`) that are killed at the time limit; the safety check
  runs here, once per text, before a worker sees it (:func:`kg.web.runner.screen`).
* :class:`InProcessBackend`: a build's store, queried in threads of this very process; only
  for the pre-forked server processes of :mod:`kg.web.prefork`, which are sandboxed
  themselves and end (after answering 503) when a query outlives the time limit.
* :class:`RemoteBackend`: a remote SPARQL server (``kg serve --endpoint``), queried through
  :class:`kg.remote.engine.RemoteEngine` from a pool of threads.

The web server (:mod:`kg.web.app`) talks to either through the same calls, and tells their
failures apart by type: :class:`kg.errors.QueryTimeout` and :class:`kg.errors.WorkerFailed`
(503), :class:`kg.remote.errors.RemoteTimeout` (503) and any other
:class:`kg.remote.errors.RemoteError` (502).

Examples
--------
>>> import asyncio
>>> from kg.web.runner import Job
>>> async def ask(store):
...     backend = LocalBackend(store, size=1, timeout=5)
...     await backend.start()
...     try:
...         return (await backend.run(Job("ASK {}"), set())).status
...     finally:
...         await backend.close()
>>> asyncio.run(ask("build/store"))                                # doctest: +SKIP
200
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable

from kg.errors import QueryTimeout
from kg.query.engine import GRAPHS
from kg.remote.errors import RemoteError
from kg.web.protocol import INLINE_PARSE_BYTES
from kg.web.runner import Job, Outcome, allowed_graphs, run_remote, screen
from kg.web.workers import WorkerPool

__all__ = ["Backend", "InProcessBackend", "LocalBackend", "RemoteBackend"]


@runtime_checkable
class Backend(Protocol):
    """What the web server needs from the place its queries run.

    Attributes
    ----------
    size : int
        Queries it runs at once (worker processes or threads).
    watches_builds : bool
        Whether it serves a build directory (the server then switches to a new build there).
    """

    size: int
    watches_builds: bool

    async def start(self) -> None:
        """Start (workers, threads); raise ``RuntimeError`` if it cannot."""

    async def close(self) -> None:
        """Stop, abandoning running queries."""

    async def run(self, job: Job, graph_iris: set[str]) -> Outcome:
        """Answer a job within the time limit (refusals are 4xx outcomes).

        Raises
        ------
        kg.errors.QueryTimeout, kg.errors.WorkerFailed
            The query was stopped (503).
        kg.remote.errors.RemoteError
            The remote server failed (502, or 503 for :class:`~kg.remote.errors.RemoteTimeout`).
        """

    def graph_counts(self, graph: Any, graph_iris: set[str]) -> dict[str, int]:
        """Triples in each graph (blocking: call it off the event loop)."""

    def stats(self) -> dict[str, Any]:
        """The ``workers`` part of ``/health`` (never waits for a query)."""


async def _close_when_idle(backend, grace: float) -> None:
    """Wait until ``backend.running`` is 0 or ``grace`` seconds have passed, then close it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while backend.running and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await backend.close()


async def _within(loop: asyncio.AbstractEventLoop, running: asyncio.Future, deadline: float) -> bool:
    """Wait for ``running`` until the loop time ``deadline``; whether it finished by then.

    One timer armed and disarmed per query (what :func:`asyncio.wait_for` on a shielded
    future does with two more futures and their callbacks); ``running`` is never cancelled.
    """
    if running.done():
        return True
    woken = loop.create_future()

    def wake(_=None) -> None:
        if not woken.done():
            woken.set_result(None)

    timer = loop.call_at(deadline, wake)
    running.add_done_callback(wake)
    try:
        await woken
    finally:
        timer.cancel()
        running.remove_done_callback(wake)
    return running.done()


class LocalBackend:
    """A build's store, queried in killable, sandboxed worker processes.

    Parameters
    ----------
    store_path : path
        The build's ``store`` directory.
    size : int
        Worker processes.
    timeout : float
        Per-query time limit in seconds.
    memory_limit : int
        Address-space limit of each worker, in bytes.
    """

    watches_builds = True

    def __init__(self, store_path: Path | str, size: int, *, timeout: float,
                 memory_limit: int = 4 * 1024 ** 3) -> None:
        self.store_path = Path(store_path)
        self.size = size
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.pool = WorkerPool(self.store_path, size, memory_limit=memory_limit)
        self.running = 0

    def successor(self, store_path: Path | str) -> "LocalBackend":
        """A backend like this one on another store (a new build), not started."""
        return LocalBackend(store_path, self.size, timeout=self.timeout, memory_limit=self.memory_limit)

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    async def retire(self, grace: float) -> None:
        """Close once the queries running now are done, or after ``grace`` seconds."""
        await _close_when_idle(self, grace)

    async def run(self, job: Job, graph_iris: set[str]) -> Outcome:
        # The safety check, here once per text (its analysis is cached: parsing the request
        # already made it), so the worker does not parse the text again.
        allowed = allowed_graphs(graph_iris)
        if len(job.query) <= INLINE_PARSE_BYTES:
            checked, refusal = screen(job, allowed)
        else:  # a long text not analysed yet would hold the event loop
            from starlette.concurrency import run_in_threadpool

            checked, refusal = await run_in_threadpool(screen, job, allowed)
        if refusal is not None:
            return refusal
        self.running += 1
        try:
            return await self.pool.run(checked, self.timeout)
        finally:
            self.running -= 1

    def graph_counts(self, graph: Any, graph_iris: set[str]) -> dict[str, int]:
        counts = {}
        for iri in sorted(graph_iris):
            rows = graph.engine.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
            counts[iri] = int(next(iter(rows))[0].value)
        return counts

    def stats(self) -> dict[str, Any]:
        return {"size": self.pool.size, "idle": self.pool.idle, **self.pool.stats}


class InProcessBackend:
    """A build's store, queried in threads of this process (pyoxigraph releases the GIL while
    it evaluates and serialises, so the event loop keeps answering).

    A thread cannot be stopped, so this backend is only safe in a process that is itself
    disposable and sandboxed: the pre-forked server processes of :mod:`kg.web.prefork`. When
    a query outlives ``timeout`` the caller gets :class:`~kg.errors.QueryTimeout` (503) and
    ``on_runaway`` is called, which ends the process (after it has answered the requests in
    flight); its supervisor starts a fresh one.

    Parameters
    ----------
    store_path : path
        The build's ``store`` directory.
    size : int
        Queries run at once in this process (threads).
    timeout : float
        Per-query time limit in seconds (waiting for a thread included).
    on_runaway : callable
        Called (on the event loop) once a query has run out of time.
    """

    watches_builds = True

    def __init__(self, store_path: Path | str, size: int, *, timeout: float,
                 on_runaway: Callable[[], None], memory_limit: int = 0) -> None:
        self.store_path = Path(store_path)
        self.size = size
        self.timeout = timeout
        self.on_runaway = on_runaway
        self.memory_limit = memory_limit
        self.runner: Any = None
        self.threads: ThreadPoolExecutor | None = None
        self.slots: asyncio.Semaphore | None = None
        self.running = 0
        self.counters = {"queries": 0, "timeouts": 0, "crashes": 0, "restarts": 0}

    def successor(self, store_path: Path | str) -> "InProcessBackend":
        """A backend like this one on another store (a new build), not started."""
        return InProcessBackend(store_path, self.size, timeout=self.timeout,
                                on_runaway=self.on_runaway, memory_limit=self.memory_limit)

    async def start(self) -> None:
        from starlette.concurrency import run_in_threadpool

        from kg.web.runner import QueryRunner

        self.runner = await run_in_threadpool(QueryRunner, self.store_path)
        self.threads = ThreadPoolExecutor(self.size, thread_name_prefix="kg-query")
        self.slots = asyncio.Semaphore(self.size)

    async def close(self) -> None:
        if self.threads is not None:
            self.threads.shutdown(wait=False, cancel_futures=True)

    async def retire(self, grace: float) -> None:
        """Close once the queries running now are done, or after ``grace`` seconds."""
        await _close_when_idle(self, grace)

    async def run(self, job: Job, graph_iris: set[str]) -> Outcome:
        if self.threads is None or self.slots is None:
            raise RuntimeError("the in-process backend is not started")
        allowed = allowed_graphs(graph_iris)
        if len(job.query) <= INLINE_PARSE_BYTES:
            checked, refusal = screen(job, allowed)
        else:  # a long text not analysed yet would hold the event loop
            from starlette.concurrency import run_in_threadpool

            checked, refusal = await run_in_threadpool(screen, job, allowed)
        if refusal is not None:
            return refusal
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        self.running += 1
        try:
            if self.slots.locked():  # wait for a thread only when all are busy
                try:
                    await asyncio.wait_for(self.slots.acquire(), self.timeout)
                except asyncio.TimeoutError:
                    raise QueryTimeout(f"all {self.size} query threads of this server process stayed "
                                       f"busy for {self.timeout:g} s; try again later") from None
            else:
                await self.slots.acquire()
            released = False
            try:
                self.counters["queries"] += 1
                running = loop.run_in_executor(self.threads, self.runner.run, checked)
                if not await _within(loop, running, deadline):
                    # The thread cannot be stopped: it keeps its slot, and the process ends.
                    released = True
                    self.counters["timeouts"] += 1
                    self.on_runaway()
                    raise QueryTimeout(f"the query ran longer than the {self.timeout:g} s limit "
                                       "and was stopped")
                return running.result()
            finally:
                if not released:
                    self.slots.release()
        finally:
            self.running -= 1

    def graph_counts(self, graph: Any, graph_iris: set[str]) -> dict[str, int]:
        return LocalBackend.graph_counts(self, graph, graph_iris)  # type: ignore[arg-type]

    def stats(self) -> dict[str, Any]:
        idle = self.slots._value if self.slots is not None else 0  # noqa: SLF001 - a counter
        return {"size": self.size, "idle": idle, "in_process": True, **self.counters}


class RemoteBackend:
    """A remote SPARQL server, queried from ``size`` threads within a client-side limit.

    Parameters
    ----------
    engine : kg.remote.engine.RemoteEngine
        The server (its checks, dialect and row cap).
    size : int
        Queries sent at once.
    timeout : float
        Seconds a query may take, waiting for a free thread included.
    """

    watches_builds = False

    def __init__(self, engine: Any, size: int, *, timeout: float) -> None:
        self.engine = engine
        self.size = size
        self.timeout = timeout
        self.threads: ThreadPoolExecutor | None = None
        self.counters = {"queries": 0, "timeouts": 0, "upstream_errors": 0}

    @property
    def url(self) -> str:
        return self.engine.url

    async def start(self) -> None:
        self.threads = ThreadPoolExecutor(self.size, thread_name_prefix="kg-remote")

    async def close(self) -> None:
        if self.threads is not None:
            self.threads.shutdown(wait=False, cancel_futures=True)

    async def run(self, job: Job, graph_iris: set[str]) -> Outcome:
        """Run a job on the server in a thread; the thread itself ends by the HTTP client's
        timeout. Raises :class:`~kg.errors.QueryTimeout` when no answer came in time."""
        if self.threads is None:
            raise RuntimeError("the remote backend is not started")
        self.counters["queries"] += 1
        future = self.threads.submit(run_remote, self.engine, job, graph_iris)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            future.cancel()
            self.counters["timeouts"] += 1
            raise QueryTimeout(f"the SPARQL server at {self.engine.url} gave no answer within the "
                               f"{self.timeout:g} s limit; the query was abandoned") from None
        except RemoteError:
            self.counters["upstream_errors"] += 1
            raise

    def graph_counts(self, graph: Any, graph_iris: set[str]) -> dict[str, int]:
        return dict(self.engine.counts(sorted(graph_iris)))

    def footer_counts(self, graph: Any, counts: dict[str, int]) -> dict[str, int]:
        """The page footer's counts, from the server's graphs (there is no manifest)."""
        curated = graph.to_networkx(("curated",))
        return {"entities": curated.number_of_nodes(), "edges": curated.number_of_edges(),
                "triples_curated": counts.get(GRAPHS["curated"], 0),
                "triples_ontology": counts.get(GRAPHS["ontology"], 0),
                "triples_imported": counts.get(GRAPHS["hpo"], 0)}

    def stats(self) -> dict[str, Any]:
        return {"size": self.size, "threads": True, **self.counters}
