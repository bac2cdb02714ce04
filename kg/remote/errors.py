"""Errors of the remote backend: a server that cannot be reached, or answers with an error.

Both are :class:`~kg.errors.KGError` subclasses, so the CLI reports them as one line on
stderr with a non-zero exit code. The message always names the URL, and the HTTP status
when there was one.

Examples
--------
>>> err = RemoteError("no answer", url="http://127.0.0.1:9/query", status=None)
>>> isinstance(err, KGError), err.url
(True, 'http://127.0.0.1:9/query')
"""

from __future__ import annotations

from kg.errors import KGError, QueryError

__all__ = ["RemoteError", "RemoteQueryError", "RemoteTimeout"]


class RemoteError(KGError):
    """A remote SPARQL server cannot be reached, refuses a request, or answers wrongly.

    Parameters
    ----------
    message : str
        What went wrong; it names the URL (and the HTTP status when there was one).
    url : str, optional
        The URL of the failed request.
    status : int, optional
        The HTTP status of the answer, if the server answered.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class RemoteQueryError(RemoteError, QueryError):
    """The server refused a query as malformed or failed to run it (HTTP 400 and the like).

    A :class:`~kg.errors.QueryError` too, so ``kg query`` exits with code 2 as it does for
    a query the embedded store refuses.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        RemoteError.__init__(self, message, url=url, status=status)
        self.line = None
        self.column = None


class RemoteTimeout(RemoteError):
    """The server gave no answer (or stopped answering) within the client's time limit, or
    stopped a query at its own limit (and may have sent a partial answer, which is never
    used). ``kg serve --endpoint`` answers 503 to it, and 502 to any other RemoteError."""
