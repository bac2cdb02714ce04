"""Run a real ``kg serve`` in a subprocess on a free loopback port (for tests and benchmarks).

Examples
--------
>>> import urllib.request
>>> with serve("build", timeout=2) as base:                         # doctest: +SKIP
...     urllib.request.urlopen(base + "/health").status
200
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from kg.resources import child_environment

__all__ = ["serve", "free_ports", "wait_for", "ServerURL"]


class ServerURL(str):
    """The base URL of a running server (``http://127.0.0.1:PORT``); ``pid`` is its process."""

    pid: int = 0

    @property
    def port(self) -> int:
        return int(self.rsplit(":", 1)[1])


def free_ports(n: int = 1) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (all held while choosing)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200.

    Raises
    ------
    RuntimeError
        If it does not within ``timeout`` seconds, or ``proc`` exits first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def serve(graph_dir: Path | str | None = None, *, timeout: float = 10.0, max_rows: int = 10000,
          workers: int | None = 2, cors: Iterable[str] = (), startup: float = 120.0,
          log: Path | str | None = None, endpoint: str | None = None,
          args: Iterable[str] = ()) -> Iterator[ServerURL]:
    """Start ``python -m kg serve`` on a free port, wait for ``/health``, yield the base URL
    (``http://127.0.0.1:PORT``, a :class:`ServerURL`), and stop the server afterwards.

    Parameters
    ----------
    graph_dir : path, optional
        The build directory to serve.
    endpoint : str, optional
        Instead of ``graph_dir``: a remote SPARQL server to serve (``kg serve --endpoint``).
    timeout, max_rows, workers, cors
        The ``kg serve`` options of the same names.
    startup : float
        Seconds to wait for the server to answer.
    log : path, optional
        File for the server's stderr (discarded otherwise).
    args : iterable of str
        More ``kg serve`` options (``--allowed-host``, ``--read-timeout``, ...).

    Raises
    ------
    RuntimeError
        If the server does not come up.
    """
    (port,) = free_ports(1)
    source = ["--endpoint", endpoint] if endpoint is not None else ["--out", str(graph_dir)]
    cmd = [sys.executable, "-m", "kg", "serve", *source, "--port", str(port),
           "--timeout", str(timeout), "--max-rows", str(max_rows)]
    if workers:
        cmd += ["--workers", str(workers)]
    for origin in cors:
        cmd += ["--cors", origin]
    cmd += list(args)
    sink = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=sink, stderr=sink, env=child_environment())
    base = ServerURL(f"http://127.0.0.1:{port}")
    base.pid = proc.pid
    try:
        wait_for(base + "/health", startup, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            sink.close()
