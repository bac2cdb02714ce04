"""A pool of query worker processes, so that a runaway query can really be stopped.

pyoxigraph cannot interrupt a query from Python, so every query runs in a separate worker
process (``python -m kg.web.workers STORE``) that opens the store read-only. The web
process talks to each worker over its stdin/stdout pipes with length-prefixed pickled
frames. When a query outlives its time limit the worker is killed (SIGKILL) and a fresh one
is started in the background; the caller gets :class:`QueryTimeout`. Each worker also runs
under an address-space limit, so a query that tries to hold a huge intermediate result dies
alone (:class:`WorkerFailed`) instead of taking the machine with it, and without network
(:func:`kg.sandbox.drop_network`, on Linux): a query that got past the SERVICE check still
could not connect anywhere. Where the platform does not allow it, the pool logs so once.

Examples
--------
>>> import asyncio
>>> from kg.web.runner import Job
>>> async def ask(store):
...     pool = WorkerPool(store, size=1)
...     await pool.start()
...     try:
...         return (await pool.run(Job("ASK {}"), timeout=5)).body
...     finally:
...         await pool.close()
>>> asyncio.run(ask("build/store"))                      # doctest: +SKIP
b'{"head": {}, "boolean": true}'
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

from kg.errors import QueryTimeout, WorkerFailed

__all__ = ["WorkerPool", "QueryTimeout", "WorkerFailed", "worker_main"]

log = logging.getLogger("kg.web")
_HEADER = struct.Struct(">I")
_READY = b"ready"


class _Worker:
    """One worker process, spoken to over two raw pipes watched by the event loop.

    Frames are written with ``os.write`` and read by a reader callback
    (``loop.add_reader``), so a round trip costs two system calls on each side and no task.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, proc: subprocess.Popen, to_child: int,
                 from_child: int) -> None:
        self.loop = loop
        self.proc = proc
        self.to_child = to_child
        self.from_child = from_child
        self._buffer = bytearray()
        self._waiter: asyncio.Future | None = None
        self._dead = False
        os.set_blocking(from_child, False)
        loop.add_reader(from_child, self._readable)

    @classmethod
    def spawn(cls, loop: asyncio.AbstractEventLoop, args: list[str], env: dict) -> "_Worker":
        child_in, to_child = os.pipe()
        from_child, child_out = os.pipe()
        try:
            proc = subprocess.Popen(args, stdin=child_in, stdout=child_out, env=env, close_fds=True)
        except BaseException:
            for fd in (child_in, to_child, from_child, child_out):
                os.close(fd)
            raise
        os.close(child_in)
        os.close(child_out)
        return cls(loop, proc, to_child, from_child)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _readable(self) -> None:
        try:
            chunk = os.read(self.from_child, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close_reader()
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_exception(ConnectionError("the worker closed its pipe"))
            return
        self._buffer += chunk
        self._deliver()

    def _deliver(self) -> None:
        if self._waiter is None or self._waiter.done() or len(self._buffer) < _HEADER.size:
            return
        (size,) = _HEADER.unpack_from(self._buffer)
        if len(self._buffer) < _HEADER.size + size:
            return
        frame = bytes(self._buffer[_HEADER.size:_HEADER.size + size])
        del self._buffer[:_HEADER.size + size]
        self._waiter.set_result(frame)

    def _close_reader(self) -> None:
        if not self._dead:
            self._dead = True
            self.loop.remove_reader(self.from_child)

    def receive(self) -> asyncio.Future:
        """A future for the next frame (ConnectionError if the worker dies first)."""
        self._waiter = self.loop.create_future()
        if self._dead:
            self._waiter.set_exception(ConnectionError("the worker is gone"))
        else:
            self._deliver()
        return self._waiter

    def send(self, payload: bytes) -> None:
        data = memoryview(_HEADER.pack(len(payload)) + payload)
        while data:  # the worker is idle and reading: a large frame drains at once
            data = data[os.write(self.to_child, data):]

    async def call(self, payload: bytes) -> bytes:
        waiter = self.receive()
        self.send(payload)
        return await waiter

    def kill(self) -> None:
        self._close_reader()
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:  # pragma: no cover - it died on its own meanwhile
                pass
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.to_child = self.from_child = -1

    async def wait(self) -> int:
        """Wait for the process to end (without blocking the loop)."""
        while self.proc.poll() is None:
            await asyncio.sleep(0.01)
        return self.proc.returncode


class WorkerPool:
    """Worker processes that run :class:`~kg.web.runner.Job` s with a hard time limit.

    Parameters
    ----------
    store_path : path
        The build's ``store`` directory (opened read-only by every worker).
    size : int
        Number of worker processes.
    memory_limit : int
        Address-space limit of each worker, in bytes (0: none).

    Raises
    ------
    ValueError
        If ``size`` is below 1.

    Examples
    --------
    See the module docstring.
    """

    def __init__(self, store_path: Path | str, size: int = 2, *,
                 memory_limit: int = 4 * 1024 ** 3) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.store_path = str(store_path)
        self.size = size
        self.memory_limit = memory_limit
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.stats = {"queries": 0, "timeouts": 0, "crashes": 0, "restarts": 0}
        #: Why the workers keep their network (``None``: they have none, or none started yet).
        self.network_kept: str | None = None

    async def start(self) -> None:
        """Start the workers and wait until each has opened the store.

        Raises
        ------
        RuntimeError
            If a worker cannot start (its message is included).
        """
        # Last in, first out: the most recently used worker is the warmest (caches, pages).
        self._idle = asyncio.LifoQueue()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    def command(self) -> list[str]:
        """The command line of a worker process (:func:`worker_main`)."""
        return [sys.executable, "-m", "kg.web.workers", self.store_path, str(self.memory_limit)]

    async def _spawn(self) -> _Worker:
        from kg.resources import child_environment

        worker = _Worker.spawn(asyncio.get_running_loop(), self.command(), child_environment())
        try:
            hello = await asyncio.wait_for(worker.receive(), 60)
        except (ConnectionError, asyncio.TimeoutError, OSError):
            worker.kill()
            code = await worker.wait()
            raise RuntimeError(f"a query worker failed to start (exit {code})") from None
        if not hello.startswith(_READY):
            worker.kill()
            await worker.wait()
            raise RuntimeError(f"a query worker failed to start: {hello.decode('utf-8', 'replace')}")
        reason = hello[len(_READY):].strip().decode("utf-8", "replace")
        if reason and self.network_kept is None:
            self.network_kept = reason
            log.warning("query workers keep their network (%s): the SERVICE check alone stops "
                        "queries from reaching other servers", reason)
        self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement in the background."""
        worker.kill()
        self._all.discard(worker)
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._replace(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, old: _Worker) -> None:
        await old.wait()
        delay = 0.1
        while not self._closed:
            try:
                fresh = await self._spawn()
            except (RuntimeError, OSError) as exc:
                log.error("cannot restart a query worker: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if self._closed:
                fresh.kill()
                return
            self.stats["restarts"] += 1
            self._idle.put_nowait(fresh)
            return

    async def run(self, job, timeout: float):
        """Run a job on a free worker within ``timeout`` seconds (waiting included).

        Returns
        -------
        kg.web.runner.Outcome

        Raises
        ------
        QueryTimeout
            The query ran out of time (its worker was killed) or no worker came free in time.
        WorkerFailed
            The worker died while running it.
        """
        if self._idle is None or self._closed:
            raise RuntimeError("the worker pool is not running")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            # A free worker is taken at once; waiting for one costs a task and a timer.
            worker = (self._idle.get_nowait() if not self._idle.empty()
                      else await asyncio.wait_for(self._idle.get(), timeout))
        except asyncio.TimeoutError:
            raise QueryTimeout(f"all {self.size} query workers stayed busy for {timeout:g} s; "
                               "try again later") from None
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        self.stats["queries"] += 1
        try:
            waiter = worker.receive()
            worker.send(payload)
            answer = await asyncio.wait_for(waiter, max(deadline - loop.time(), 0.001))
        except asyncio.TimeoutError:
            self.stats["timeouts"] += 1
            self._retire(worker)
            raise QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was "
                               "stopped") from None
        except (ConnectionError, OSError):
            self.stats["crashes"] += 1
            self._retire(worker)
            raise WorkerFailed("the query worker died while running the query (probably out of "
                               "memory); the query was stopped") from None
        except BaseException:
            self._retire(worker)  # cancelled mid-call: the pipe is in an unknown state
            raise
        self._idle.put_nowait(worker)
        return pickle.loads(answer)

    @property
    def idle(self) -> int:
        """Workers free right now."""
        return self._idle.qsize() if self._idle is not None else 0

    async def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            worker.kill()
        for worker in list(self._all):
            await worker.wait()
        self._all.clear()


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker if the web process dies (even by SIGKILL),
    so that no runaway query outlives the server."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - best effort
        pass
    if os.getppid() == 1:  # the parent is already gone
        sys.exit(0)


def worker_main(argv: list[str] | None = None) -> int:
    """Entry point of a worker: ``python -m kg.web.workers STORE [MEMORY_LIMIT]``.

    Reads length-prefixed pickled jobs on stdin and writes pickled outcomes on stdout, until
    stdin closes. The first frame is ``ready`` (followed by why, when the worker could not
    drop its network).
    """
    args = sys.argv[1:] if argv is None else argv
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints go to stderr, never into the frames
    inp = sys.stdin.buffer

    def write(data: bytes) -> None:
        out.write(_HEADER.pack(len(data)) + data)

    # First, while the process has a single thread: no network from here on.
    from kg.sandbox import drop_network

    isolation = drop_network()
    _die_with_parent()
    try:  # Ctrl+C in a terminal reaches the whole process group: the web process decides
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    try:
        _limit_memory(int(args[1]) if len(args) > 1 else 0)
        from kg.web.runner import QueryRunner

        runner = QueryRunner(args[0])
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        write(f"{type(exc).__name__}: {exc}".encode("utf-8"))
        return 1
    write(_READY if isolation.active else _READY + b" " + isolation.how.encode("utf-8"))
    while True:
        header = inp.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        (size,) = _HEADER.unpack(header)
        job = pickle.loads(inp.read(size))
        outcome = runner.run(job)
        write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":  # pragma: no cover - runs in the worker process
    sys.exit(worker_main())
