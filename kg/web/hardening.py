"""Transport-level defences of ``kg serve``: the Host allow-list and the read deadlines.

**Host allow-list (DNS rebinding).** A web page on ``evil.example`` can make its own name
resolve to ``127.0.0.1`` and then read the local server as if it were same-origin. The
browser still sends ``Host: evil.example``, so :class:`TrustedHosts` answers any request
whose ``Host`` is not allowed with 400 and no data. Allowed by default: the loopback names
(:data:`LOOPBACK_HOSTS`) and the address ``kg serve`` is bound to (unless it is a wildcard
such as ``0.0.0.0``); more with ``--allowed-host NAME`` (repeatable; ``*.example.org``
allows the sub-domains of ``example.org``, ``*`` turns the check off).

**Read deadlines (slow clients).** uvicorn closes a keep-alive connection that stays idle,
but waits forever for the headers of a request that dribble in one byte at a time (and a
connection that sends nothing at all is held too). :func:`protocol_class` returns
uvicorn's HTTP protocol with a deadline: the headers of each request must be complete
within ``read_timeout`` seconds of the connection opening (or of the previous response),
else the connection is closed. The body of a request is read by the application within
its own deadline (``WebServer.read_timeout``); uvicorn's ``limit_concurrency`` bounds the
connections held at once (further requests get 503).

Examples
--------
>>> allowed_hosts("127.0.0.1", ["kg.example.org"])
('localhost', '127.0.0.1', '::1', 'kg.example.org')
>>> host_allowed("LOCALHOST:8000", allowed_hosts("127.0.0.1"))
True
>>> host_allowed("evil.example:8000", allowed_hosts("127.0.0.1"))
False
>>> host_allowed("[::1]:8000", allowed_hosts("::1"))
True
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Iterable

__all__ = ["LOOPBACK_HOSTS", "READ_TIMEOUT", "KEEP_ALIVE", "MAX_HEADER_BYTES", "LIMIT_CONCURRENCY",
           "TrustedHosts", "allowed_hosts", "host_allowed", "host_name", "protocol_class",
           "uvicorn_settings"]

#: Names that always reach this machine only.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: Seconds a client has to send a request's headers (and, in the app, its body).
READ_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection is kept open.
KEEP_ALIVE = 5.0
#: Largest request head (request line and headers) h11 buffers, in bytes.
MAX_HEADER_BYTES = 16 * 1024
#: Connections and requests in progress at once; beyond it requests get 503.
LIMIT_CONCURRENCY = 256


def host_name(host: str) -> str | None:
    """The host name of a ``Host`` header value (lower case, no port, no IPv6 brackets), or
    ``None`` if it is malformed.

    Examples
    --------
    >>> host_name("Example.ORG:8000"), host_name("[::1]:80"), host_name("::1"), host_name("a b")
    ('example.org', '::1', '::1', None)
    """
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or (host[end + 1:] and not host[end + 1:].startswith(":")):
            return None
        name = host[1:end]
    elif host.count(":") > 1:  # a bare IPv6 address (only from the bind address)
        name = host
    else:
        name, _, port = host.partition(":")
        if port and not port.isdigit():
            return None
    if not name or any(c.isspace() or c in "/\\@?#" for c in name):
        return None
    return name.rstrip(".")


def _wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host in ("", "*")


def allowed_hosts(bind: str | None = None, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The Host names a server bound to ``bind`` answers: loopback names, ``bind`` itself
    (unless it is a wildcard address) and ``extra``."""
    names = list(LOOPBACK_HOSTS)
    for host in ([bind] if bind and not _wildcard(bind) else []) + list(extra):
        name = host if host == "*" or host.startswith("*.") else host_name(host)
        if name and name not in names:
            names.append(name.lower())
    return tuple(names)


def host_allowed(header: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request with this ``Host`` header value may be answered."""
    allowed = tuple(allowed)
    if "*" in allowed:
        return True
    name = host_name(header) if header else None
    if name is None:
        return False
    return any(name == a or (a.startswith("*.") and name.endswith(a[1:])) for a in allowed)


class TrustedHosts:
    """ASGI middleware: 400 (plain text, no data) for a request whose ``Host`` header is
    missing or not in ``allowed``.

    Parameters
    ----------
    app : ASGI application
    allowed : iterable of str
        Host names (see :func:`allowed_hosts`).
    """

    def __init__(self, app, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)
        if host_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        shown = (host or "")[:100]
        name = host_name(host) if host else None
        hint = f"; to allow it, start kg serve with --allowed-host {name}" if name else ""
        body = (f"the Host header {shown!r} is not one this server answers to{hint}\n").encode("utf-8")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def protocol_class(read_timeout: float = READ_TIMEOUT) -> type[asyncio.Protocol]:
    """The HTTP protocol of uvicorn (httptools if installed, else h11) with a deadline on the
    request head: a connection whose next request's headers are not complete within
    ``read_timeout`` seconds (from the connection or the previous response) is closed."""
    try:  # the module imports httptools: an ImportError means it is not installed
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # pragma: no cover - uvicorn[standard] installs it
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    class DeadlineProtocol(Base):  # type: ignore[misc, valid-type]
        # uvicorn sets ``self.cycle`` to a new object when a request's headers are complete.
        _head_timer = None
        _head_cycle = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm_head_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_head_deadline()

        def connection_lost(self, exc) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def _arm_head_deadline(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_cycle = self.cycle
            self._head_timer = self.loop.call_later(read_timeout, self._head_deadline)

        def _head_deadline(self) -> None:
            self._head_timer = None
            if self.cycle is self._head_cycle and not self.transport.is_closing():
                self.transport.close()  # no request head within the deadline

    DeadlineProtocol.__name__ = DeadlineProtocol.__qualname__ = f"Deadline{Base.__name__}"
    return DeadlineProtocol


def uvicorn_settings(read_timeout: float = READ_TIMEOUT) -> dict:
    """The uvicorn options of ``kg serve`` (to pass to :func:`uvicorn.run`)."""
    return {"http": protocol_class(read_timeout), "timeout_keep_alive": KEEP_ALIVE,
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES, "limit_concurrency": LIMIT_CONCURRENCY}
