"""HTTP for the remote backend: endpoint URLs, credentials, requests and their errors.

Only the standard library is used (:mod:`urllib.request`), so the remote backend needs no
extra dependency.

**Endpoints.** A server has three URLs: the SPARQL query endpoint, the SPARQL update
endpoint and the Graph Store Protocol (GSP) endpoint. :class:`Endpoints` derives them from
one base URL with Oxigraph's layout (``/query``, ``/update``, ``/store``); each can be given
explicitly for other servers (Fuseki: ``/ds/query``, ``/ds/update``, ``/ds/data``). A base
URL whose last path segment is ``query`` or ``sparql`` is taken to be the query endpoint
itself, so ``http://host:3030/ds/sparql`` works for ``kg query --endpoint``.

**Credentials** never come from the command line (they would land in the shell history and
the process list) nor from the URL: a URL with ``user:password@`` is refused. They are read,
in this order, from

1. ``KG_ENDPOINT_TOKEN``: sent as ``Authorization: Bearer <token>`` (QLever's access token);
2. ``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``: HTTP Basic;
3. ``~/.netrc`` (or the file named by ``$NETRC``), the entry of the URL's host: HTTP Basic.

A user and password are also answered to a server's HTTP Digest challenge (a 401 with
``WWW-Authenticate: Digest``, :mod:`kg.remote.digest`); a client made with
``auth="digest"`` (Virtuoso's profile) never sends them as Basic at all.

The ``Authorization`` header is never forwarded on a redirect, and credentials are never
printed, not even in part: a malformed ``~/.netrc`` is reported by file and line only, and
an error body that echoes them is shown with them blanked out.

**Proxies.** The usual ``http_proxy`` / ``https_proxy`` / ``no_proxy`` variables apply, with
two exceptions: a loopback server (``localhost``, ``127.0.0.0/8``, ``::1``) is always
reached directly, and a request carrying credentials (Basic or Digest) to a plain
``http://`` URL never goes through a proxy (the proxy would read them); it is sent
directly. Over ``https://`` a proxy only relays the encrypted stream (``CONNECT``), so it
is used.

Examples
--------
>>> e = Endpoints.from_url("http://127.0.0.1:7878")
>>> e.query, e.update, e.store
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> Endpoints.from_url("http://host:3030/ds/sparql").query
'http://host:3030/ds/sparql'
>>> Endpoints.from_url("http://host:3030/ds", store_url="http://host:3030/ds/data").store
'http://host:3030/ds/data'
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import netrc
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from kg.version import __version__
from kg.remote.digest import DigestSession, digest_challenge
from kg.remote.errors import RemoteError, RemoteQueryError, RemoteTimeout

__all__ = ["Endpoints", "HttpClient", "authorization", "credentials", "is_loopback", "ResponseReadGuard", "TOKEN_VAR",
           "USER_VAR", "PASSWORD_VAR"]

TOKEN_VAR = "KG_ENDPOINT_TOKEN"
USER_VAR = "KG_ENDPOINT_USER"
PASSWORD_VAR = "KG_ENDPOINT_PASSWORD"
_QUERY_NAMES = ("query", "sparql")
_BODY_SHOWN = 500  # characters of an error body quoted in the message


def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{what} {url!r} is not an http:// or https:// URL", url=url)
    if parts.username is not None or parts.password is not None:
        raise RemoteError(
            f"{what} {parts.scheme}://…@{parts.hostname}: credentials may not be part of the URL; "
            f"set {TOKEN_VAR}, or {USER_VAR} and {PASSWORD_VAR}, or use ~/.netrc", url=None)
    return url


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a SPARQL server.

    Parameters
    ----------
    query : str
        SPARQL 1.1 Protocol query endpoint.
    update : str
        SPARQL 1.1 Protocol update endpoint.
    store : str
        SPARQL 1.1 Graph Store HTTP Protocol endpoint (graphs addressed with ``?graph=IRI``).
    """

    query: str
    update: str
    store: str

    @classmethod
    def from_url(cls, base: str, *, query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None) -> "Endpoints":
        """Derive the endpoints from a base URL (Oxigraph's layout), with overrides.

        Parameters
        ----------
        base : str
            The server's base URL (``http://host:7878``), or its query endpoint
            (a URL ending in ``/query`` or ``/sparql``).
        query_url, update_url, store_url : str, optional
            Explicit endpoints, for servers with another layout.

        Raises
        ------
        RemoteError
            If a URL is not http(s) or carries credentials.

        Examples
        --------
        >>> Endpoints.from_url("https://example.org/kg/").store
        'https://example.org/kg/store'
        >>> Endpoints.from_url("ftp://example.org")
        Traceback (most recent call last):
        ...
        kg.remote.errors.RemoteError: endpoint 'ftp://example.org' is not an http:// or https:// URL
        """
        _check_url(base, "endpoint")
        parts = urllib.parse.urlsplit(base)
        path = parts.path.rstrip("/")
        default_query = None
        if path.rsplit("/", 1)[-1] in _QUERY_NAMES:
            default_query = urllib.parse.urlunsplit(parts._replace(path=path, fragment=""))
            path = path.rsplit("/", 1)[0]
        root = urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))
        query = query_url or default_query or root + "/query"
        update = update_url or root + "/update"
        store = store_url or root + "/store"
        for url, what in ((query, "query URL"), (update, "update URL"), (store, "store URL")):
            _check_url(url, what)
        return cls(query, update, store)


def _netrc_entry(host: str) -> tuple[str, str] | None:
    named = os.environ.get("NETRC")
    path = Path(named) if named else Path.home() / ".netrc"
    if not path.is_file():
        return None
    try:
        # ~/.netrc itself is read with file=None, so Python refuses it when others can read it.
        entry = netrc.netrc(str(path) if named else None).authenticators(host)
    except netrc.NetrcParseError as exc:
        # The parser's message quotes the offending token, which may be part of a password
        # (``password two words``): say only where, except for the permission check.
        why = exc.msg if "access too permissive" in str(exc.msg) else "a syntax error (its text is not shown)"
        where = f", line {exc.lineno}" if exc.lineno else ""
        raise RemoteError(f"{path}{where}: cannot read the credentials: {why}") from None
    except OSError as exc:
        raise RemoteError(f"{path}: cannot read the credentials: {exc.strerror or exc.__class__.__name__}") from None
    if not entry:
        return None
    login, _account, password = entry
    return login or "", password or ""


def credentials(url: str) -> tuple[str, str] | None:
    """The user and password for ``url``: from ``KG_ENDPOINT_USER``/``KG_ENDPOINT_PASSWORD``,
    else from the ``~/.netrc`` entry of its host; ``None`` if neither is set.

    Raises
    ------
    RemoteError
        If only one of user and password is set, or ``~/.netrc`` cannot be parsed.
    """
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    if user or password:
        if not (user and password is not None):
            raise RemoteError(f"set both {USER_VAR} and {PASSWORD_VAR} (or {TOKEN_VAR})")
        return user, password
    return _netrc_entry(urllib.parse.urlsplit(url).hostname or "")


def authorization(url: str) -> str | None:
    """The ``Authorization`` header value for ``url``, from the environment or ``~/.netrc``.

    Parameters
    ----------
    url : str
        The request URL (its host selects the ``~/.netrc`` entry).

    Returns
    -------
    str or None
        ``"Bearer …"``, ``"Basic …"``, or ``None`` when no credentials are configured.

    Raises
    ------
    RemoteError
        If only one of user and password is set, or ``~/.netrc`` cannot be parsed.

    Examples
    --------
    >>> import os
    >>> os.environ["KG_ENDPOINT_TOKEN"] = "s3cret"
    >>> authorization("http://127.0.0.1:7878/query")
    'Bearer s3cret'
    >>> del os.environ["KG_ENDPOINT_TOKEN"]
    """
    token = os.environ.get(TOKEN_VAR)
    if token:
        return "Bearer " + token
    pair = credentials(url)
    if pair is None:
        return None
    return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode("utf-8")).decode("ascii")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` names this machine's loopback interface.

    Examples
    --------
    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "api.localhost", "example.org")]
    [True, True, True, True, False]
    """
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _redact(text: str, authorization: str | None) -> str:
    """``text`` with the credentials of ``authorization`` (and their parts) blanked out."""
    if not authorization:
        return text
    scheme, _, secret = authorization.partition(" ")
    secrets_ = {secret}
    if scheme == "Basic":
        try:
            user, _, password = base64.b64decode(secret).decode("utf-8").partition(":")
            secrets_ |= {password} if len(password) >= 4 else set()
        except (ValueError, UnicodeDecodeError):
            pass
    for value in sorted(secrets_, key=len, reverse=True):
        if value:
            text = text.replace(value, "…")
    return text


def _hint(status: int) -> str:
    if status in (401, 403):
        return (f" (check the credentials: {TOKEN_VAR}, {USER_VAR}/{PASSWORD_VAR} or ~/.netrc; "
                "write access may need to be enabled on the server)")
    if status == 404:
        return (" (no such endpoint: check the URL; Oxigraph serves /query, /update and /store, "
                "Fuseki /<dataset>/query, /<dataset>/update and /<dataset>/data; "
                "see --query-url, --update-url and --store-url)")
    if status == 405:
        return " (the endpoint does not allow this method: is it read-only, or the wrong endpoint?)"
    return ""


class HttpClient:
    """Sends HTTP requests and turns every failure into a :class:`RemoteError`.

    Parameters
    ----------
    timeout : float
        Seconds to wait for the connection and for each read.
    auth : {"basic", "digest"}
        ``basic``: a user and password are sent as HTTP Basic with every request;
        ``digest``: only in answer to the server's Digest challenge (never in the clear).
        Either way a Digest challenge is answered, and its session reused.
    credentials : (str, str), optional
        A user and password for every server, instead of ``KG_ENDPOINT_USER`` /
        ``KG_ENDPOINT_PASSWORD`` or ``~/.netrc`` (Python callers; never the command line).

    Examples
    --------
    >>> HttpClient(timeout=5).timeout
    5.0
    """

    def __init__(self, timeout: float = 60.0, *, auth: str = "basic",
                 credentials: tuple[str, str] | None = None) -> None:
        self.timeout = float(timeout)
        self.auth = auth
        self._credentials = credentials
        self._auth: dict[str, str | None] = {}
        self._digest: dict[str, DigestSession] = {}
        # Built on first use (the environment's proxies are read then).
        self._openers: dict[bool, urllib.request.OpenerDirector] = {}

    def _opener(self, url: str, credentials: bool) -> urllib.request.OpenerDirector:
        """A direct opener for loopback, and for credentials over plain http; else one that
        uses the environment's proxies."""
        parts = urllib.parse.urlsplit(url)
        direct = is_loopback(parts.hostname) or (credentials and parts.scheme == "http")
        if direct not in self._openers:
            proxies = {} if direct else urllib.request.getproxies()
            self._openers[direct] = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))
        return self._openers[direct]

    def _authorization(self, url: str) -> str | None:
        parts = urllib.parse.urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._auth:
            if self._credentials is not None and not os.environ.get(TOKEN_VAR):
                pair = ":".join(self._credentials).encode("utf-8")
                self._auth[key] = "Basic " + base64.b64encode(pair).decode("ascii")
            else:
                self._auth[key] = authorization(url)
        return self._auth[key]

    def _user_password(self, url: str) -> tuple[str, str] | None:
        return self._credentials or credentials(url)

    def _digest_session(self, url: str, origin: str) -> DigestSession | None:
        pair = self._user_password(url)
        if pair is None:
            return None
        probe = urllib.request.Request(url, method="GET")
        probe.add_header("User-Agent", f"myoclonus-kg/{__version__}")
        try:
            self._opener(url, True).open(probe, timeout=self.timeout).close()
        except urllib.error.HTTPError as exc:
            challenge = digest_challenge(exc.headers) if exc.code == 401 else None
            exc.close()
            if challenge:
                try:
                    self._digest[origin] = DigestSession(pair[0], pair[1], challenge)
                except ValueError:
                    return None
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            pass  # the request itself will say what is wrong
        return self._digest.get(origin)

    def request(self, method: str, url: str, *, params: Iterable[tuple[str, str]] = (),
                body: bytes | BinaryIO | None = None, content_type: str | None = None,
                accept: str | None = None, what: str = "request",
                query_error: bool = False, _challenged: bool = False) -> http.client.HTTPResponse:
        """Send one request; return the open response (the caller reads and closes it).

        Parameters
        ----------
        method : str
            ``GET``, ``POST``, ``PUT`` or ``DELETE``.
        url : str
            The endpoint; ``params`` are appended as its query string.
        params : iterable of (str, str)
            URL query parameters (e.g. ``("graph", iri)``).
        body : bytes or binary file, optional
            The request body. A file (opened in binary mode, seekable) is sent from its
            current position to its end, with that length as ``Content-Length``, without
            being read into memory.
        content_type, accept : str, optional
            The ``Content-Type`` and ``Accept`` headers.
        what : str
            What the request does, for the error message ("upload batch 3 of <graph>").
        query_error : bool
            Raise :class:`RemoteQueryError` (a QueryError) for a 4xx answer other than
            401/403/404/405: the server refused the query itself.

        Returns
        -------
        http.client.HTTPResponse

        Raises
        ------
        RemoteError
            The server cannot be reached, does not answer in time, or answers with an
            HTTP error status; the message names the URL and the status.
        """
        full = url
        params = list(params)
        if params:
            full += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(params)
        start = None
        if body is not None and not isinstance(body, (bytes, bytearray)):
            start = body.tell()
            length = body.seek(0, os.SEEK_END) - start
            body.seek(start)
        request = urllib.request.Request(full, data=body, method=method)
        request.add_header("User-Agent", f"myoclonus-kg/{__version__}")
        if start is not None:
            request.add_header("Content-Length", str(length))
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        session = self._digest.get(origin)
        if session is None and self.auth == "digest" and body:
            # A server that wants Digest may answer a big upload's first request with its
            # challenge before reading the body, and drop the connection under it: ask for
            # the challenge first, with a GET (no body, no effect).
            session = self._digest_session(url, origin)
        auth = None
        if session is not None:
            request.add_unredirected_header("Authorization", session.authorization(method, full))
        else:
            auth = self._authorization(url)
            if auth and self.auth == "digest" and auth.startswith("Basic "):
                auth = None  # a Digest server never gets the password as Basic
            if auth:
                request.add_unredirected_header("Authorization", auth)
        try:
            return self._opener(full, session is not None or bool(auth)).open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            challenge = digest_challenge(exc.headers) if exc.code == 401 else None
            pair = self._user_password(url) if challenge and not os.environ.get(TOKEN_VAR) else None
            fresh = challenge is not None and (
                session is None or "stale=true" in challenge.replace('"', "").replace(" ", "").lower())
            if pair and fresh and not _challenged:
                # Answer the Digest challenge (a first one, or a fresh nonce), then reuse it.
                exc.close()
                try:
                    self._digest[origin] = DigestSession(pair[0], pair[1], challenge)
                except ValueError as bad:
                    raise RemoteError(f"{what} failed: {url} asks for HTTP Digest authentication "
                                      f"that cannot be answered: {bad}", url=url, status=401) from None
                if start is not None:
                    body.seek(start)  # the same body again, with the answer to the challenge
                return self.request(method, url, params=params, body=body, content_type=content_type,
                                    accept=accept, what=what, query_error=query_error, _challenged=True)
            try:
                text = _redact(exc.read().decode("utf-8", "replace").strip(),
                               auth or self._authorization(url))
            except (OSError, http.client.HTTPException):
                text = ""
            finally:
                exc.close()
            if len(text) > _BODY_SHOWN:
                text = text[:_BODY_SHOWN] + "…"
            status = exc.code
            detail = f": {text}" if text else ""
            message = f"{what} failed: {method} {full} answered HTTP {status} {exc.reason}{detail}"
            if query_error and 400 <= status < 500 and status not in (401, 403, 404, 405):
                raise RemoteQueryError(f"the server refused the query: {method} {url} answered "
                                       f"HTTP {status}{detail}", url=url, status=status) from None
            raise RemoteError(message + _hint(status), url=full, status=status) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise RemoteTimeout(f"{what} failed: no answer from {full} within {self.timeout:g} s",
                                  url=full) from None
            raise RemoteError(f"{what} failed: cannot reach {full}: {reason} "
                              "(is the server running, and is the URL right?)", url=full) from None
        except (socket.timeout, TimeoutError):
            raise RemoteTimeout(f"{what} failed: no answer from {full} within {self.timeout:g} s",
                              url=full) from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise RemoteError(f"{what} failed: {method} {full}: the connection broke: "
                              f"{exc.__class__.__name__}: {exc}", url=full) from None


class ResponseReadGuard:
    """Context manager: turn a failure while reading a response body into a RemoteError.

    Parameters
    ----------
    url : str
        The URL the response came from.
    what : str
        What the request was for.

    Examples
    --------
    >>> with ResponseReadGuard("http://127.0.0.1:7878/query", "query"):
    ...     pass
    """

    def __init__(self, url: str, what: str) -> None:
        self.url = url
        self.what = what

    def __enter__(self) -> "ResponseReadGuard":
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or isinstance(exc, RemoteError):
            return False
        if isinstance(exc, (socket.timeout, TimeoutError)):
            raise RemoteTimeout(f"{self.what} failed: {self.url} stopped answering mid-way",
                              url=self.url) from None
        if isinstance(exc, (http.client.HTTPException, ConnectionError, OSError)):
            raise RemoteError(f"{self.what} failed: the answer of {self.url} broke off: "
                              f"{exc.__class__.__name__}: {exc}", url=self.url) from None
        return False
