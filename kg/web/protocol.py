"""The SPARQL 1.1 Protocol's request side: parameters, media types and content negotiation.

Everything here is pure (no I/O): :func:`parse_request` turns the method, query string,
``Content-Type`` and body of a request into a :class:`SparqlRequest` or raises
:class:`ProtocolError` with the HTTP status the protocol asks for; :func:`negotiate` picks the
response media type from an ``Accept`` header.

Examples
--------
>>> req = parse_request("GET", "query=ASK%20%7B%7D", None, b"")
>>> req.query, req.form
('ASK {}', 'ASK')
>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", TABULAR_TYPES)
'application/sparql-results+xml'
>>> parse_request("PUT", "query=ASK%20%7B%7D", None, b"")
Traceback (most recent call last):
...
kg.web.protocol.ProtocolError: 405: the SPARQL endpoint accepts GET and POST, not PUT
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from kg.errors import QueryError
from kg.sparql import analyse

__all__ = [
    "ProtocolError",
    "SparqlRequest",
    "parse_request",
    "negotiate",
    "query_form",
    "has_dataset_clause",
    "TABULAR_TYPES",
    "GRAPH_TYPES",
    "MEDIA_FORMATS",
    "CONTENT_TYPES",
    "MAX_QUERY_BYTES",
    "INLINE_PARSE_BYTES",
]

#: Media types offered for SELECT/ASK results, in order of preference (the first is the default).
TABULAR_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                 "text/csv", "text/tab-separated-values", "application/json", "application/xml",
                 "text/xml")
#: Media types offered for CONSTRUCT/DESCRIBE results, in order of preference.
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json",
               "application/rdf+xml", "application/x-turtle", "text/plain")
#: Media type -> serialisation format name (see :mod:`kg.web.runner`).
MEDIA_FORMATS = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/n-triples": "ntriples", "text/plain": "ntriples",
    "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml",
}
#: Format name -> the ``Content-Type`` we answer with.
CONTENT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
#: Largest query accepted (bytes of the request body or query string).
MAX_QUERY_BYTES = 256 * 1024
#: Requests up to this size are parsed on the event loop (well under a millisecond of
#: kg.sparql for a typical query); larger ones in a thread, so they hold no other request.
INLINE_PARSE_BYTES = 4096


class ProtocolError(Exception):
    """A request the protocol refuses; ``status`` is the HTTP status to answer with.

    Parameters
    ----------
    status : int
        400 bad request, 403 forbidden (updates), 405 method, 406 not acceptable,
        413 too large, 415 unsupported media type.
    message : str
        A one-line explanation for the client.
    """

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status}: {message}")


@dataclass(frozen=True)
class SparqlRequest:
    """A parsed query request.

    Attributes
    ----------
    query : str
        The query text.
    default_graphs, named_graphs : tuple of str or None
        The ``default-graph-uri`` / ``named-graph-uri`` protocol parameters, ``None`` when the
        request gives no dataset (both are ``None`` or both tuples).
    form : str or None
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` as read from the text; ``None`` if
        it could not be told (the engine's parser has the last word).
    """

    query: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    form: str | None = None


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    options = {}
    for p in params:
        key, _, value = p.partition("=")
        options[key.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), options


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {what} is not valid UTF-8 ({exc.reason} at byte {exc.start})") \
            from None


def _pairs(text: str, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {what} has percent-escapes that are not UTF-8") from None
    except ValueError as exc:  # pragma: no cover - parse_qsl is lenient without strict_parsing
        raise ProtocolError(400, f"malformed {what}: {exc}") from None


def query_form(query: str) -> str | None:
    """The query form (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``), read from the parse
    (:func:`kg.sparql.analyse`); ``None`` for an update or a text that does not parse (the
    worker then answers with the error).

    Examples
    --------
    >>> query_form("PREFIX ex: <http://ex.org/ask#> # SELECT?\\nCONSTRUCT { ?s ?p 'ASK' } WHERE {}")
    'CONSTRUCT'
    >>> query_form("garbage") is None
    True
    >>> query_form("PREFIX ask: <urn:x> SELECT ?ask WHERE { ?ask ask:describe ask:x }")
    'SELECT'
    """
    try:
        form = analyse(query).form
    except QueryError:
        return None
    return None if form == "UPDATE" else form


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset with ``FROM`` / ``FROM NAMED`` (``False`` for a
    text that does not parse).

    Examples
    --------
    >>> has_dataset_clause("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause("SELECT * WHERE { ?s ?p 'from' }")
    False
    >>> has_dataset_clause("PREFIX from: <urn:x> SELECT ?from WHERE { ?from from:from from:x }")
    False
    """
    try:
        return bool(analyse(query).dataset)
    except QueryError:
        return False


def parse_request(method: str, query_string: str, content_type: str | None,
                  body: bytes) -> SparqlRequest | None:
    """Read a SPARQL Protocol query request.

    Parameters
    ----------
    method : str
        The HTTP method.
    query_string : str
        The raw (still percent-encoded) URL query string.
    content_type : str or None
        The request's ``Content-Type`` header.
    body : bytes
        The request body.

    Returns
    -------
    SparqlRequest or None
        ``None`` for a plain ``GET`` with no parameters (the service description).

    Raises
    ------
    ProtocolError
        405 for a method other than GET and POST; 403 for an update; 415 for a body that is
        neither ``application/x-www-form-urlencoded`` nor ``application/sparql-query`` in
        UTF-8; 400 for no query, several queries, or text that is not UTF-8; 413 for a query
        over :data:`MAX_QUERY_BYTES`.

    Examples
    --------
    >>> parse_request("POST", "", "application/sparql-query", b"SELECT * {}").form
    'SELECT'
    >>> parse_request("GET", "update=CLEAR%20ALL", None, b"")
    Traceback (most recent call last):
    ...
    kg.web.protocol.ProtocolError: 403: this endpoint is read-only: SPARQL Update is not accepted
    """
    if method not in ("GET", "POST", "HEAD"):
        raise ProtocolError(405, f"the SPARQL endpoint accepts GET and POST, not {method}")
    if len(query_string) > MAX_QUERY_BYTES or len(body) > MAX_QUERY_BYTES:
        raise ProtocolError(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KiB")
    params = _pairs(query_string, "query string") if query_string else []
    direct: str | None = None
    if method == "POST":
        mtype, options = _media_type(content_type)
        charset = options.get("charset", "utf-8")
        if mtype == "application/sparql-update":
            raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if mtype not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            shown = mtype or "no Content-Type"
            raise ProtocolError(415, f"cannot read a query sent as {shown}; send "
                                     "application/x-www-form-urlencoded or application/sparql-query")
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"the request body must be UTF-8, not {charset}")
        text = _decode(body, "request body")
        if mtype == "application/x-www-form-urlencoded":
            params += _pairs(text, "request body")
        else:
            direct = text
    if any(k == "update" for k, _ in params):
        raise ProtocolError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = [v for k, v in params if k == "query"]
    if direct is not None:
        queries.append(direct)
    if not queries:
        if method == "POST" or params and any(k in ("default-graph-uri", "named-graph-uri")
                                              for k, _ in params):
            raise ProtocolError(400, "no query: give the SPARQL text in the 'query' parameter "
                                     "or as an application/sparql-query body")
        return None
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} queries in one request; send exactly one")
    query = queries[0]
    if not query.strip():
        raise ProtocolError(400, "the query is empty")
    default = tuple(v for k, v in params if k == "default-graph-uri")
    named = tuple(v for k, v in params if k == "named-graph-uri")
    dataset = bool(default or named)
    return SparqlRequest(query, default if dataset else None, named if dataset else None,
                         query_form(query))


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for item in header.split(","):
        mtype, options = _media_type(item)
        if not mtype:
            continue
        try:
            q = float(options.get("q", "1"))
        except ValueError:
            q = 0.0
        main, _, sub = mtype.partition("/")
        ranges.append((main, sub or "*", max(0.0, min(q, 1.0))))
    return ranges


def negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered media type the ``Accept`` header prefers, or ``None`` if none is acceptable.

    The most specific matching range gives a type its quality; ties go to the order of
    ``offered``. A missing or empty header accepts the first offered type.

    Examples
    --------
    >>> negotiate(None, GRAPH_TYPES)
    'text/turtle'
    >>> negotiate("application/*;q=0.8, text/turtle;q=0.1", GRAPH_TYPES)
    'application/n-triples'
    >>> negotiate("image/png", GRAPH_TYPES) is None
    True
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = _parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for candidate in offered:
        main, _, sub = candidate.partition("/")
        quality, specificity = None, -1
        for rmain, rsub, q in ranges:
            if rmain == main and rsub == sub:
                level = 2
            elif rmain == main and rsub == "*":
                level = 1
            elif rmain == "*" and rsub == "*":
                level = 0
            else:
                continue
            if level > specificity:
                quality, specificity = q, level
        if quality is not None and quality > best_q:
            best, best_q = candidate, quality
    return best
