"""Live builds: the running server notices a new build in its directory and switches to it.

``kg build`` replaces the build directory in one rename (:mod:`kg.build.builder`), so a
changed ``manifest.json`` (other inode, size or time) means a new, complete build. The
watcher polls it once a second (a ``stat``, nothing more) and calls
:meth:`kg.web.app.WebServer.switch_build`, which starts the new worker pool and warms the
new graph before swapping them in, so no request is dropped or answered from a half-loaded
build. A build that cannot be served is logged and the old one stays in use.
"""

from __future__ import annotations

import asyncio
import logging
import os

__all__ = ["BuildWatcher"]

log = logging.getLogger("kg.web")


def _signature(path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None  # between the two renames of a swap, or removed
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class BuildWatcher:
    """Polls a server's ``manifest.json`` and switches the server to a new build.

    Parameters
    ----------
    server : kg.web.app.WebServer
        A server on a build directory.
    interval : float
        Seconds between two looks.
    """

    def __init__(self, server, interval: float = 1.0) -> None:
        self.server = server
        self.interval = interval
        self.manifest = server.directory / "manifest.json"
        self.seen = _signature(self.manifest)
        self.task: asyncio.Task | None = None
        self.switches = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            now = _signature(self.manifest)
            if now is None or now == self.seen:
                continue
            await asyncio.sleep(0.2)  # let the swap finish (two renames)
            if _signature(self.manifest) != now:
                continue  # still changing: look again next time
            self.seen = now
            try:
                if await self.server.switch_build():
                    self.switches += 1
                    self.last_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep serving the old build
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("a new build in %s cannot be served (%s); still serving the previous one",
                          self.server.directory, self.last_error)
