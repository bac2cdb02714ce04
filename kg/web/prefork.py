"""Pre-forked, sandboxed server processes: one process and one wake-up per SPARQL request.

``kg serve --prefork`` runs a :class:`Supervisor` that creates the listening socket and
starts ``size`` server processes (``python -m kg.web.prefork``) that inherit it. Each one,
before it starts a thread or opens the store:

* drops its network (:func:`kg.sandbox.drop_network`: a new network namespace with no
  usable interface; the inherited listening socket keeps working, any new connection,
  such as a ``SERVICE`` call that got past the check, fails), asks the kernel to kill it
  when the supervisor dies, and takes the address-space limit of the query workers;
* then serves the whole application (:func:`kg.web.app.create_app`) on the shared socket,
  the kernel handing each new connection to one of them, and runs the queries in its own
  threads (:class:`kg.web.backend.InProcessBackend`: pyoxigraph releases the GIL while it
  evaluates, so the event loop keeps answering).

A query that outlives the time limit is answered 503 like in the worker-pool server, and
its process retires: it tells the supervisor (which starts a fresh process at once), stops
accepting, finishes the requests in flight, and ends (at most ``timeout + 2`` seconds later,
whatever runs). A process whose event loop stops turning for ``timeout + 10`` seconds is
killed by the kernel (``SIGALRM`` left at its default action, re-armed by the loop), and any
process that ends is replaced, so the server stays up.

The cost: every process holds its own graph and caches (memory times ``size``), ``/health``
describes the process that answered, and a retiring process closes its idle keep-alive
connections (clients reconnect).

Examples
--------
>>> sup = Supervisor.listen("127.0.0.1", 8000, size=2,
...                         config={"directory": "build", "timeout": 10})  # doctest: +SKIP
>>> sup.run()                                                             # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

__all__ = ["Supervisor", "server_main"]

log = logging.getLogger("kg.web")

_READY = "ready"
_RETIRE = "retire"
_ERROR = "error"
#: Seconds a process whose event loop stopped turning lives on past the time limit.
_LOOP_STALL_GRACE = 10


class _Child:
    def __init__(self, proc: subprocess.Popen, status: int) -> None:
        self.proc = proc
        self.status = status          # read end of the pipe the process reports on
        self.buffer = b""
        self.ready = False
        self.retiring = False
        self.started = time.monotonic()


class Supervisor:
    """Starts the server processes on a listening socket and replaces any that ends.

    Parameters
    ----------
    sock : socket.socket
        The listening socket (inherited by every process).
    size : int
        Server processes.
    config : dict
        The options of :func:`kg.web.app.create_app` for a build directory (JSON types:
        ``directory``, ``timeout``, ``max_rows``, ``cors_origins``, ``threads``,
        ``memory_limit``, ``allowed_hosts``, ``read_timeout``, ``view_budget``,
        ``access_log``).

    Raises
    ------
    ValueError
        If ``size`` is below 1.
    """

    def __init__(self, sock: socket.socket, size: int, config: dict[str, Any]) -> None:
        if size < 1:
            raise ValueError("a pre-forked server needs at least one process")
        self.sock = sock
        self.size = size
        self.config = dict(config)
        self.children: dict[int, _Child] = {}
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.restarts = 0
        self.network_kept: str | None = None

    @classmethod
    def listen(cls, host: str, port: int, size: int, config: dict[str, Any]) -> "Supervisor":
        """Bind ``host:port`` (``OSError`` if it is taken) and make the supervisor."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=2048)
        sock.set_inheritable(True)
        return cls(sock, size, config)

    def command(self, status_fd: int) -> list[str]:
        """The command line of one server process (:func:`server_main`)."""
        return [sys.executable, "-m", "kg.web.prefork", str(self.sock.fileno()), str(status_fd),
                json.dumps(self.config)]

    def _spawn(self) -> _Child:
        status, child_end = os.pipe()
        from kg.resources import child_environment

        env = child_environment()
        # Few malloc arenas: the address-space limit counts each thread's reserved arena.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        try:
            proc = subprocess.Popen(self.command(child_end), env=env,
                                    pass_fds=(self.sock.fileno(), child_end))
        finally:
            os.close(child_end)
        os.set_blocking(status, False)
        child = _Child(proc, status)
        self.children[proc.pid] = child
        self.selector.register(status, selectors.EVENT_READ, child)
        return child

    def _accepting(self) -> int:
        return sum(1 for c in self.children.values() if not c.retiring)

    def _read(self, child: _Child) -> list[str]:
        try:
            chunk = os.read(child.status, 4096)
        except BlockingIOError:
            return []
        except OSError:
            chunk = b""
        if not chunk:
            self.selector.unregister(child.status)
            os.close(child.status)
            child.status = -1
            return []
        child.buffer += chunk
        *lines, child.buffer = child.buffer.split(b"\n")
        return [line.decode("utf-8", "replace") for line in lines]

    def _handle(self, child: _Child, message: str) -> None:
        word, _, rest = message.partition(" ")
        if word == _READY:
            child.ready = True
            if rest and self.network_kept is None:
                self.network_kept = rest
                log.warning("server processes keep their network (%s): the SERVICE check alone "
                            "stops queries from reaching other servers", rest)
        elif word == _RETIRE:
            child.retiring = True
        elif word == _ERROR:
            child.buffer = rest.encode("utf-8")  # kept for the start-up error

    def _poll(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            child = key.data
            for message in self._read(child):
                self._handle(child, message)

    def _reap(self) -> list[_Child]:
        ended = []
        for pid, child in list(self.children.items()):
            if child.proc.poll() is not None:
                if child.status >= 0:
                    for message in self._read(child):
                        self._handle(child, message)
                    if child.status >= 0:
                        self.selector.unregister(child.status)
                        os.close(child.status)
                        child.status = -1
                del self.children[pid]
                ended.append(child)
        return ended

    def start(self, timeout: float = 600.0) -> None:
        """Start the processes and wait until each serves.

        Raises
        ------
        RuntimeError
            If one fails to start (with its message).
        """
        for _ in range(self.size):
            self._spawn()
        deadline = time.monotonic() + timeout
        while not all(c.ready for c in self.children.values()):
            self._poll(0.1)
            for child in self._reap():
                self.stop()
                why = child.buffer.decode("utf-8", "replace").strip()
                raise RuntimeError(f"a server process failed to start (exit {child.proc.returncode})"
                                   + (f": {why}" if why else ""))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server processes did not start within {timeout:g} s")

    def run(self) -> None:
        """Keep ``size`` processes accepting until :meth:`stop` (SIGTERM, SIGINT)."""
        delay = 0.1
        while not self.stopping:
            self._poll(0.2)
            for child in self._reap():
                if not child.retiring:
                    log.warning("a server process ended (exit %s); starting another",
                                child.proc.returncode)
                    if time.monotonic() - child.started < 2:  # failing at start: back off
                        time.sleep(delay)
                        delay = min(delay * 2, 5.0)
                    else:
                        delay = 0.1
            while not self.stopping and self._accepting() < self.size:
                self._spawn()
                self.restarts += 1

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 5 s) and close the socket."""
        self.stopping = True
        for child in self.children.values():
            if child.proc.poll() is None:
                child.proc.terminate()
        deadline = time.monotonic() + 5
        for child in self.children.values():
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        self._reap()
        self.sock.close()

    def serve_forever(self) -> None:
        """:meth:`start`, then :meth:`run` until SIGTERM or SIGINT, then :meth:`stop`."""
        def ask_stop(signum, frame) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, ask_stop)
        signal.signal(signal.SIGINT, ask_stop)
        self.start()
        try:
            self.run()
        finally:
            self.stop()


# ------------------------------------------------------------------ one server process
def server_main(argv: list[str] | None = None) -> int:
    """Entry point of a server process: ``python -m kg.web.prefork SOCKET_FD STATUS_FD CONFIG``.

    Sandboxes itself first (no thread has started yet), then serves the application on the
    inherited socket until SIGTERM, or until a query runs out of time.
    """
    args = sys.argv[1:] if argv is None else argv
    sock_fd, status_fd, config = int(args[0]), int(args[1]), json.loads(args[2])
    status = os.fdopen(status_fd, "wb", buffering=0)
    report_lock = threading.Lock()

    def report(line: str) -> None:
        with report_lock:
            try:
                status.write(line.encode("utf-8") + b"\n")
            except OSError:  # the supervisor is gone; the kernel ends us too
                pass

    from kg.sandbox import drop_network
    from kg.web.workers import _die_with_parent, _limit_memory

    isolation = drop_network()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the group: the supervisor decides
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the loop-stall backstop (below) kills
    timeout = float(config["timeout"])
    try:
        _limit_memory(int(config.get("memory_limit", 0)))
        import uvicorn

        from kg.web.app import create_app
        from kg.web.hardening import uvicorn_settings

        holder: dict[str, Any] = {}

        def on_runaway() -> None:
            """A query outlived the limit: hand over to a fresh process and end."""
            if holder.get("retiring"):
                return
            holder["retiring"] = True
            server = holder["server"]
            for listener in getattr(server, "servers", ()):
                listener.close()  # stop accepting now (uvicorn notices should_exit later)
            report(_RETIRE)
            server.should_exit = True  # finish what is in flight, close idle connections
            # Whatever still runs then (the runaway query), the process ends.
            killer = threading.Timer(timeout + 2, os._exit, (0,))
            killer.daemon = True
            killer.start()

        app = create_app(config["directory"], timeout=timeout, max_rows=int(config["max_rows"]),
                         cors_origins=config.get("cors_origins", ()),
                         workers=int(config.get("threads", 2)),
                         allowed_hosts=config.get("allowed_hosts"),
                         read_timeout=float(config["read_timeout"]),
                         view_budget=float(config["view_budget"]), on_runaway=on_runaway)
        sock = socket.socket(fileno=sock_fd)
    except Exception as exc:  # noqa: BLE001 - reported to the supervisor, which raises
        report(f"{_ERROR} {type(exc).__name__}: {exc}".replace("\n", " "))
        return 1

    class _Server(uvicorn.Server):
        _announced = False

        async def on_tick(self, counter: int) -> bool:
            if counter % 10 == 0:  # every second: the loop turns, so push the backstop back
                signal.alarm(int(timeout) + _LOOP_STALL_GRACE)
            if not self._announced:
                self._announced = True
                report(_READY if isolation.active else f"{_READY} {isolation.how}")
            return await super().on_tick(counter)

    server = _Server(uvicorn.Config(app, log_level="warning",
                                    access_log=bool(config.get("access_log", False)),
                                    timeout_graceful_shutdown=int(timeout) + 1,
                                    **uvicorn_settings(float(config["read_timeout"]))))
    holder["server"] = server
    server.run(sockets=[sock])
    # A runaway query's thread may still run: end without waiting for it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover - runs in the server process
    sys.exit(server_main())
