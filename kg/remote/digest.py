"""HTTP Digest authentication (RFC 7616), for servers that take passwords that way.

OpenLink Virtuoso authenticates its write endpoints (``/sparql-auth``,
``/sparql-graph-crud-auth``) with HTTP Digest only: the password never travels, only a
hash of it with the server's one-time ``nonce``. :class:`DigestSession` answers the
server's challenge (the ``WWW-Authenticate: Digest …`` header of a 401) and then signs
every further request to that server with the same nonce and an increasing count, so a
push of many batches costs one extra round trip, not one per batch. When the server
declares the nonce stale, the next 401 carries a fresh challenge and the session starts
over with it.

The challenge header is split by the standard library's HTTP list parser
(``urllib.request.parse_http_list``), not by hand.

Examples
--------
>>> session = DigestSession("Mufasa", "Circle of Life",
...     'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
...     'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
...     'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"', cnonce=lambda: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
>>> header = session.authorization("GET", "http://www.example.org/dir/index.html")
>>> 'response="8ca523f5e9506fed4657c9700eebdbec"' in header
True
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import urllib.parse
import urllib.request
from typing import Callable

__all__ = ["DigestSession", "digest_challenge"]

_HASHES = {"MD5": hashlib.md5, "MD5-SESS": hashlib.md5, "SHA-256": hashlib.sha256,
           "SHA-256-SESS": hashlib.sha256}


def digest_challenge(headers) -> str | None:
    """The ``Digest`` challenge among a 401 answer's ``WWW-Authenticate`` headers, if any.

    Examples
    --------
    >>> from email.message import Message
    >>> m = Message(); m["WWW-Authenticate"] = 'Basic realm="x"'; m["WWW-Authenticate"] = 'Digest realm="y"'
    >>> digest_challenge(m)
    'Digest realm="y"'
    """
    for value in headers.get_all("WWW-Authenticate") or ():
        if value.strip().lower().startswith("digest "):
            return value.strip()
    return None


class DigestSession:
    """Signs requests to one server with HTTP Digest (``qop=auth``; MD5 or SHA-256).

    Parameters
    ----------
    user, password : str
        The credentials (from the environment or ``~/.netrc``, never the command line).
    challenge : str
        The server's ``WWW-Authenticate: Digest …`` header value.
    cnonce : callable, optional
        Makes the client nonce (tests fix it).

    Raises
    ------
    ValueError
        If the challenge has no nonce or asks for an algorithm or quality of protection
        this client does not implement.
    """

    def __init__(self, user: str, password: str, challenge: str,
                 cnonce: Callable[[], str] | None = None) -> None:
        fields = urllib.request.parse_keqv_list(
            urllib.request.parse_http_list(challenge.split(" ", 1)[1] if " " in challenge else ""))
        self.realm = fields.get("realm", "")
        self.nonce = fields.get("nonce")
        self.opaque = fields.get("opaque")
        self.algorithm = (fields.get("algorithm") or "MD5").upper()
        qops = [q.strip() for q in (fields.get("qop") or "").split(",") if q.strip()]
        if not self.nonce:
            raise ValueError("the Digest challenge has no nonce")
        if self.algorithm not in _HASHES:
            raise ValueError(f"the Digest algorithm {self.algorithm} is not supported")
        if qops and "auth" not in qops:
            raise ValueError(f"the Digest challenge asks for qop={','.join(qops)}; only auth is supported")
        self.qop = "auth" if qops else None
        self.user = user
        self._password = password
        self._count = 0
        self._lock = threading.Lock()
        self._cnonce = cnonce or (lambda: secrets.token_hex(16))

    def _hash(self, text: str) -> str:
        return _HASHES[self.algorithm](text.encode("utf-8")).hexdigest()

    def authorization(self, method: str, url: str) -> str:
        """The ``Authorization`` header value for one request.

        Parameters
        ----------
        method : str
            The HTTP method.
        url : str
            The full request URL (its path and query are the digest's ``uri``).
        """
        parts = urllib.parse.urlsplit(url)
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        with self._lock:
            self._count += 1
            count = f"{self._count:08x}"
        cnonce = self._cnonce()
        ha1 = self._hash(f"{self.user}:{self.realm}:{self._password}")
        if self.algorithm.endswith("-SESS"):
            ha1 = self._hash(f"{ha1}:{self.nonce}:{cnonce}")
        ha2 = self._hash(f"{method}:{uri}")
        if self.qop:
            response = self._hash(f"{ha1}:{self.nonce}:{count}:{cnonce}:{self.qop}:{ha2}")
        else:
            response = self._hash(f"{ha1}:{self.nonce}:{ha2}")

        def quoted(value: str) -> str:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

        fields = [f"username={quoted(self.user)}", f"realm={quoted(self.realm)}",
                  f"nonce={quoted(self.nonce)}", f"uri={quoted(uri)}", f"algorithm={self.algorithm}",
                  f"response={quoted(response)}"]
        if self.opaque is not None:
            fields.append(f"opaque={quoted(self.opaque)}")
        if self.qop:
            fields += [f"qop={self.qop}", f"nc={count}", f"cnonce={quoted(cnonce)}"]
        return "Digest " + ", ".join(fields)
