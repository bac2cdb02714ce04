"""Engine profiles: everything that differs between SPARQL servers, in one place.

The SPARQL 1.1 Protocol, Update and Graph Store Protocol are standards, but servers differ
in where they put them, how they authenticate writes, how they stop a long query, how many
rows they return, and which update operations they have. A :class:`Dialect` holds one
server's answers to these questions; :class:`~kg.remote.engine.RemoteEngine` and
:func:`~kg.remote.gsp.push` ask it instead of testing server names themselves.

================  ===================  ======================================  =================
server            endpoints            server-side query limit                 writes
================  ===================  ======================================  =================
``oxigraph``      /query /update       ``oxigraph serve --timeout-s N`` (the   none (put a proxy
                  /store               server cuts the answer); no per-query   with Basic auth
                                       parameter                               in front)
``virtuoso``      /sparql              ``timeout`` parameter (ms) on each      HTTP Digest, a
                  /sparql-auth         query, capped by ``MaxQueryExecution-   user granted
                  /sparql-graph-       Time``; a query stopped by it answers   SPARQL_UPDATE
                  crud-auth            200 with a *partial* result, which is
                                       refused here
``fuseki``        /ds/query /ds/update ``--timeout`` / ``arq:queryTimeout``    HTTP Basic
                  /ds/data             (server configuration)
``qlever``        one URL for all      its ``default-query-timeout`` setting   bearer token
``generic``       like oxigraph        none known                              HTTP Basic
================  ===================  ======================================  =================

With ``server="auto"`` (the default of :class:`~kg.remote.engine.RemoteEngine`) the profile
is recognised from the ``Server`` header of the server's first answer (Oxigraph and
Virtuoso send one); an unrecognised server gets the ``generic`` profile.

Examples
--------
>>> dialect("virtuoso").endpoints("http://127.0.0.1:8890").store
'http://127.0.0.1:8890/sparql-graph-crud-auth'
>>> dialect("virtuoso").query_params(timeout=10, limit=100)
[('timeout', '5000'), ('maxrows', '101')]
>>> recognise("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu").name
'virtuoso'
>>> recognise("Oxigraph/0.5.13").name, recognise("nginx").name, recognise(None).name
('oxigraph', 'generic', 'generic')
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import KGError
from kg.remote.errors import RemoteError, RemoteTimeout
from kg.remote.http import Endpoints

__all__ = ["Dialect", "DIALECTS", "SERVER_CHOICES", "SERVER_SHARE", "SWAPS", "dialect", "recognise",
           "has_arbitrary_length_path"]

#: How ``kg push`` may replace the graphs atomically (``none``, not atomic, is the fourth way).
SWAPS = ("diff", "move", "insert")

#: The share of the client's timeout given to the server as its own limit: the server stops
#: the query before the client would give up, so the client learns why. Half, because a
#: server overruns its limit: Virtuoso answered 1.5 times its ``timeout`` late for a plain
#: SELECT here, and its documentation allows up to three limits for an aggregate query
#: with ORDER BY.
SERVER_SHARE = 0.5


@dataclass(frozen=True)
class Dialect:
    """What one kind of SPARQL server needs (see the module docstring).

    Parameters
    ----------
    name : str
        Short name (``oxigraph``, ``virtuoso``, ``fuseki``, ``qlever``, ``generic``).
    label : str
        The server's name, for messages.
    query_path, update_path, store_path : str
        The endpoints, relative to the server's base URL (``""``: the base URL itself).
    auth : {"basic", "digest", "bearer"}
        How the server takes credentials for writes: ``digest`` means that a user and
        password are never sent in the clear (no preemptive Basic), only in answer to the
        server's Digest challenge.
    timeout_param : str, optional
        The query parameter that sets a per-query, server-side time limit.
    timeout_unit : float
        Units of ``timeout_param`` per second (1000 for milliseconds).
    timeout_suffix : str
        Appended to the value (QLever takes ``30s``).
    rows_param : str, optional
        The query parameter that caps the rows of an answer (Virtuoso: ``maxrows``).
    partial_header : str, optional
        A response header that, when present, says the answer is partial (cut by the
        server's time limit) although its status is 200.
    rows_cap_header : str, optional
        A response header that says the answer was cut at the server's row cap.
    swap : {"diff", "move", "insert"}
        How ``kg push`` replaces the graphs by default (:mod:`kg.remote.gsp`): ``diff``
        writes only the changes (needs ``atomic_bulk`` and ``dataset_upload``); ``move``
        and ``insert`` upload a whole copy and swap it in.
    replace : {"MOVE", "ADD"}
        What the ``move`` swap sends: ``MOVE <copy> TO <graph>``, or ``DROP SILENT GRAPH
        <graph> ; ADD <copy> TO <graph>`` and the copy dropped afterwards, outside the
        transaction (``cleanup_prologue`` then makes that drop cheap).
    bulk_params : tuple of (str, str)
        Query parameters that make the Graph Store endpoint load an upload with the
        server's bulk loader (Oxigraph: ``no_transaction``).
    upload_batch : int
        Triples per upload request when whole copies are uploaded (``move``, ``insert``,
        ``none``) and the push does not say: Virtuoso reads each request whole before loading
        it, and took 2.9 s for 173,526 triples in one request against 3.7 s in batches of
        50,000; Oxigraph's bulk loader streams a request of any size.
    atomic_bulk : bool
        Whether one bulk-loaded upload request becomes visible at once (all of it or, if it
        fails, nothing). Oxigraph 0.5: its bulk loader writes its files aside and adds them
        to the store in one step at the end (RocksDB ``IngestExternalFiles``).
    dataset_upload : bool
        Whether a ``POST`` of N-Quads to the Graph Store endpoint, without ``graph``, loads
        each quad into its own graph (Oxigraph does; Virtuoso 7.2.5 answers 200 with its
        HTML form and loads nothing).
    retry_markers : tuple of str
        Error codes that, in a 5xx answer to an upload, mean the server rolled the request
        back and it may simply be sent again (Virtuoso: ``SR172``, a deadlock, which its
        multi-threaded loader ran into with itself on a 500,000-triple upload).
    hints : tuple of (str, str)
        Error codes of the server's answers, and what the operator can do about them
        (appended to the error message; :meth:`hint`).
    drop_by_delete : bool
        Empty a temporary graph with ``DELETE WHERE`` before its ``DROP`` (Oxigraph 0.5: a
        ``DROP`` of a big graph re-reads the graph through its own pending deletions, and
        took twice as long as ``DELETE WHERE``, which reads it once).
    cleanup_prologue : str
        Put in front of the ``DROP`` of temporary graphs. Empty for every profile:
        Virtuoso's ``DEFINE sql:log-enable 3`` (no transaction log, row by row) was tried and
        measured wrong: after such a cleanup, the next push's ontology graph (which has blank
        nodes) held more triples than were pushed.
    bnode_scheme : str, optional
        A prefix the server puts on blank-node labels in SPARQL JSON results, which makes
        them invalid labels (Virtuoso: ``nodeID://b10000``); such answers are parsed with
        :mod:`json` and the labels made valid (:meth:`normalise_results`).
    path_defect : str, optional
        Why queries with an arbitrary-length property path (``*``, ``+``) are not sent to
        this server: it answers them wrongly (Virtuoso 7.2.5 loses rows, differently from
        run to run). Such a query is refused with this reason (see
        :func:`has_arbitrary_length_path`).
    describe_defect : str, optional
        Why DESCRIBE queries are not sent to this server: it reads graphs outside the
        request's dataset (Virtuoso 7.2.5 returned the alias-twin triples of ``graph/aliases``
        to a DESCRIBE whose dataset left that graph out). Such a query is refused with this
        reason; a CONSTRUCT gives the same triples.
    prologue : str
        Put in front of every query, on its first line (Virtuoso: ``define
        sql:describe-mode "SPO"``, so that DESCRIBE gives the triples whose subject is the
        resource, as Oxigraph does, rather than Virtuoso's default, which adds those whose
        object it is).
    server_names : tuple of str
        Lower-case prefixes of the ``Server`` header that identify the server.
    """

    name: str
    label: str
    query_path: str = "query"
    update_path: str = "update"
    store_path: str = "store"
    auth: str = "basic"
    timeout_param: str | None = None
    timeout_unit: float = 1.0
    timeout_suffix: str = ""
    rows_param: str | None = None
    partial_header: str | None = None
    rows_cap_header: str | None = None
    swap: str = "move"
    replace: str = "MOVE"
    bulk_params: tuple[tuple[str, str], ...] = ()
    upload_batch: int = 50_000
    atomic_bulk: bool = False
    dataset_upload: bool = False
    retry_markers: tuple[str, ...] = ()
    hints: tuple[tuple[str, str], ...] = ()
    drop_by_delete: bool = False
    cleanup_prologue: str = ""
    bnode_scheme: str | None = None
    path_defect: str | None = None
    describe_defect: str | None = None
    prologue: str = ""
    server_names: tuple[str, ...] = ()

    # ------------------------------------------------------------------ endpoints
    def endpoints(self, base: str, *, query_url: str | None = None, update_url: str | None = None,
                  store_url: str | None = None) -> Endpoints:
        """The query, update and Graph Store URLs of a server at ``base``.

        ``base`` is the server's base URL, or its query endpoint when its last path
        segment is the profile's query path, ``query`` or ``sparql`` (then the other
        endpoints sit next to it). Explicit URLs win.

        Raises
        ------
        RemoteError
            If a URL is not http(s) or carries credentials.

        Examples
        --------
        >>> dialect("oxigraph").endpoints("http://h:7878/query").update
        'http://h:7878/update'
        >>> dialect("virtuoso").endpoints("http://h:8890/sparql").update
        'http://h:8890/sparql-auth'
        >>> dialect("fuseki").endpoints("http://h:3030/ds").store
        'http://h:3030/ds/data'
        >>> dialect("qlever").endpoints("http://h:7001").query
        'http://h:7001/'
        """
        Endpoints.from_url(base)  # validates the URL (scheme, no credentials)
        parts = urllib.parse.urlsplit(base)
        path = parts.path.rstrip("/")
        given_query = None
        last = path.rsplit("/", 1)[-1]
        if last and last in {self.query_path, "query", "sparql"}:
            given_query = urllib.parse.urlunsplit(parts._replace(path=path, fragment=""))
            path = path.rsplit("/", 1)[0]
        root = urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))

        def at(relative: str) -> str:
            return root + "/" + relative

        return Endpoints.from_url(root or base, query_url=query_url or given_query or at(self.query_path),
                                  update_url=update_url or at(self.update_path),
                                  store_url=store_url or at(self.store_path))

    # -------------------------------------------------------------------- queries
    def query_params(self, *, timeout: float | None = None, limit: int | None = None) -> list[tuple[str, str]]:
        """Extra protocol parameters of a query: the server-side time limit (a share of the
        client's timeout, :data:`SERVER_SHARE`, so the server stops what the client would
        give up on) and a row cap one above ``limit`` (so the client still sees that
        the answer was longer).

        Examples
        --------
        >>> dialect("oxigraph").query_params(timeout=10, limit=5)
        []
        >>> dialect("qlever").query_params(timeout=10)
        []
        """
        params = []
        if self.timeout_param and timeout:
            value = max(1, int(timeout * SERVER_SHARE * self.timeout_unit))
            params.append((self.timeout_param, f"{value}{self.timeout_suffix}"))
        if self.rows_param and limit is not None:
            params.append((self.rows_param, str(limit + 1)))
        return params

    def check_answer(self, headers, url: str, what: str, *, limit: int | None = None) -> None:
        """Refuse an answer the server marked as incomplete (status 200 nonetheless).

        Parameters
        ----------
        headers : mapping
            The response headers (``headers.get(name)``).
        url, what : str
            For the message.
        limit : int, optional
            The rows the client asked for: a row cap above it does not matter.

        Raises
        ------
        RemoteTimeout
            The server stopped the query at its time limit and sent what it had (Virtuoso's
            "anytime" answers): a partial answer would be a wrong one, so it is not used.
        RemoteError
            The answer was cut at the server's row cap, below what was asked for.

        Examples
        --------
        >>> dialect("virtuoso").check_answer({"X-SQL-State": "S1TAT"}, "http://h/sparql", "the query")
        Traceback (most recent call last):
        ...
        kg.remote.errors.RemoteTimeout: the query failed: no answer from http://h/sparql within the \
server's time limit: OpenLink Virtuoso stopped the query and sent a partial result, which is not used \
(X-SQL-State: S1TAT)
        """
        if self.partial_header:
            state = headers.get(self.partial_header)
            if state:
                raise RemoteTimeout(
                    f"{what} failed: no answer from {url} within the server's time limit: {self.label} "
                    f"stopped the query and sent a partial result, which is not used "
                    f"({self.partial_header}: {state})", url=url)
        if self.rows_cap_header:
            cap = headers.get(self.rows_cap_header)
            if cap is not None:
                try:
                    rows = int(cap)
                except ValueError:
                    rows = 0
                if limit is None or rows <= limit:
                    raise RemoteError(
                        f"{what} failed: {url} cut its answer at {cap} rows, the server's row cap "
                        f"({self.rows_cap_header}); raise it (Virtuoso: ResultSetMaxRows in the "
                        "[SPARQL] section of virtuoso.ini) or ask for fewer rows", url=url)

    def normalise_results(self, body: bytes) -> bytes:
        """SPARQL JSON results with the server's blank-node labels made valid ones.

        Examples
        --------
        >>> body = b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "bnode", "value": "nodeID://b1"}}]}}'
        >>> dialect("virtuoso").normalise_results(body)
        b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "bnode", "value": "b1"}}]}}'
        """
        if not self.bnode_scheme:
            return body
        data = json.loads(body)
        for row in (data.get("results") or {}).get("bindings") or ():
            for term in row.values():
                if isinstance(term, dict) and term.get("type") == "bnode":
                    term["value"] = _bnode_label(term.get("value", ""), self.bnode_scheme)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    # ----------------------------------------------------------------------- push
    @property
    def can_diff(self) -> bool:
        """Whether ``kg push --swap diff`` works here: one upload of N-Quads can carry
        every graph's changes and becomes visible at once."""
        return self.atomic_bulk and self.dataset_upload

    def swap_label(self, swap: str | None = None) -> str:
        """What the swap does, for progress messages.

        Examples
        --------
        >>> dialect("oxigraph").swap_label("move"), dialect("virtuoso").swap_label()
        ('MOVE', 'DROP + ADD')
        """
        if (swap or self.swap) == "insert":
            return "DROP + INSERT"
        return "MOVE" if self.replace == "MOVE" else "DROP + ADD"

    def swap_keeps_copies(self, swap: str | None = None) -> bool:
        """Whether the uploaded copies are still there after :meth:`swap_text` (they are
        then dropped by a request of their own, outside the swap's transaction)."""
        return (swap or self.swap) == "move" and self.replace == "ADD"

    def swap_text(self, pairs: list[tuple[str, str]], swap: str | None = None) -> str:
        """The SPARQL Update request that replaces each graph by its uploaded copy.

        Parameters
        ----------
        pairs : list of (graph IRI, temporary graph IRI)
        swap : {"move", "insert"}, optional
            ``move``: ``MOVE <tmp> TO <graph>`` (or, with ``replace="ADD"``, ``DROP SILENT
            GRAPH <graph> ; ADD <tmp> TO <graph>``); ``insert``: ``DROP SILENT GRAPH <graph>;
            INSERT { GRAPH <graph> { ?s ?p ?o } } WHERE { GRAPH <tmp> { ?s ?p ?o } };
            DROP SILENT GRAPH <tmp>``, for servers without MOVE. Default: the profile's.

        Examples
        --------
        >>> print(dialect("generic").swap_text([("http://g", "http://g-upload-1")]))
        MOVE <http://g-upload-1> TO <http://g>
        >>> print(dialect("virtuoso").swap_text([("http://g", "http://g-upload-1")]))
        DROP SILENT GRAPH <http://g> ;
        ADD <http://g-upload-1> TO <http://g>
        """
        swap = swap or self.swap
        ops = []
        for graph, tmp in pairs:
            if swap == "insert":
                ops += [f"DROP SILENT GRAPH <{graph}>",
                        f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{tmp}> {{ ?s ?p ?o }} }}",
                        f"DROP SILENT GRAPH <{tmp}>"]  # Virtuoso refuses DROP of a graph never CREATEd
            elif self.replace == "ADD":
                ops += [f"DROP SILENT GRAPH <{graph}>", f"ADD <{tmp}> TO <{graph}>"]
            else:
                ops.append(f"MOVE <{tmp}> TO <{graph}>")
        return " ;\n".join(ops)

    def retryable(self, error: RemoteError) -> bool:
        """Whether a failed upload was rolled back by the server and may be sent again.

        Examples
        --------
        >>> dialect("virtuoso").retryable(RemoteError("... Error SR172: Transaction deadlocked", status=500))
        True
        >>> dialect("oxigraph").retryable(RemoteError("... SR172 ...", status=500))
        False
        """
        return bool(error.status and error.status >= 500) and any(m in str(error) for m in self.retry_markers)

    def hint(self, error: RemoteError) -> str:
        """What the operator can do about a server's error, or ``""``.

        Examples
        --------
        >>> dialect("virtuoso").hint(RemoteError("... Error SR325: Transaction aborted ..."))[:40]
        ' (OpenLink Virtuoso gave up the transact'
        """
        for marker, text in self.hints:
            if marker in str(error):
                return f" ({self.label} {text})"
        return ""

    def drop_text(self, iris: list[str]) -> str:
        """The SPARQL Update request that drops temporary graphs.

        Examples
        --------
        >>> dialect("virtuoso").drop_text(["http://g-upload-1"])
        'DROP SILENT GRAPH <http://g-upload-1>'
        """
        ops = []
        for iri in iris:
            if self.drop_by_delete:
                ops.append(f"DELETE WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
            ops.append(f"DROP SILENT GRAPH <{iri}>")
        return self.cleanup_prologue + " ;\n".join(ops)


def has_arbitrary_length_path(text: str) -> bool:
    """Whether a SPARQL query has a ``*`` or ``+`` property path, by its parse tree
    (:func:`kg.sparql.analyse`, cached per text), not by searching the text.

    Raises
    ------
    QueryError
        If the text is not SPARQL.

    Examples
    --------
    >>> has_arbitrary_length_path("SELECT ?x WHERE { ?x mkv:subtypeOf* mk:myoclonus }")
    True
    >>> has_arbitrary_length_path("SELECT ?x WHERE { ?x mkv:a/mkv:b+ ?y }")
    True
    >>> has_arbitrary_length_path('SELECT ?x WHERE { ?x mkv:a? ?y FILTER(?y = 3*2) } # mkv:b*')
    False
    """
    from kg.sparql import analyse

    return analyse(text).arbitrary_length_path


def _bnode_label(value: str, scheme: str) -> str:
    label = value[len(scheme):] if value.startswith(scheme) else value
    try:
        return ox.BlankNode(label).value
    except ValueError:  # not a valid label: a stable one made from it
        return "b" + hashlib.sha1(value.encode("utf-8")).hexdigest()


DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("oxigraph", "Oxigraph", swap="diff", bulk_params=(("no_transaction", "true"),), upload_batch=1_000_000,
            atomic_bulk=True, dataset_upload=True, drop_by_delete=True, server_names=("oxigraph",)),
    Dialect("virtuoso", "OpenLink Virtuoso", query_path="sparql", update_path="sparql-auth",
            store_path="sparql-graph-crud-auth", auth="digest", timeout_param="timeout",
            timeout_unit=1000.0, rows_param="maxrows", partial_header="X-SQL-State",
            rows_cap_header="X-SPARQL-MaxRows", bnode_scheme="nodeID://",
            path_defect="OpenLink Virtuoso (7.2.5 tested) answers arbitrary-length property paths "
                        "(* and +) joined with other patterns wrongly: rows go missing, differently "
                        "from run to run (docs/remote.md)",
            describe_defect="OpenLink Virtuoso (7.2.5 tested) answers DESCRIBE from graphs outside the "
                            "request's dataset (docs/remote.md); ask with CONSTRUCT { <x> ?p ?o } "
                            "WHERE { <x> ?p ?o }",
            prologue='define sql:describe-mode "SPO" ', replace="ADD", upload_batch=100_000,
            retry_markers=("SR172",),
            hints=(("SR325", "gave up the transaction: it outgrew TransactionAfterImageLimit ([Parameters] of "
                             "virtuoso.ini, 50 MB by default); raise it above the size of the push's swap, "
                             "or push with --swap none, or bulk-load (docs/remote.md)"),
                   ("SR171", "stopped the transaction at its time limit (MaxQueryExecutionTime in the "
                             "[SPARQL] section of virtuoso.ini, or a lock wait): raise the limit, or "
                             "push when fewer clients read (docs/remote.md)")),
            server_names=("virtuoso",)),
    Dialect("fuseki", "Apache Jena Fuseki", store_path="data", server_names=("apache jena fuseki", "fuseki")),
    # QLever takes a ``timeout`` parameter ("30s") but refuses one above its configured
    # default without the access token: its own default-query-timeout applies instead.
    Dialect("qlever", "QLever", query_path="", update_path="", store_path="", auth="bearer",
            server_names=("qlever",)),
    Dialect("generic", "SPARQL server"),
)}

#: Values of ``--server``: a profile's name, or ``auto`` (recognise it from its answers).
SERVER_CHOICES = ("auto",) + tuple(DIALECTS)


def dialect(name: str) -> Dialect:
    """The profile called ``name``.

    Raises
    ------
    KGError
        If there is none.

    Examples
    --------
    >>> dialect("fuseki").label
    'Apache Jena Fuseki'
    >>> dialect("blazegraph")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: unknown server 'blazegraph'; choose from oxigraph, virtuoso, fuseki, qlever, generic
    """
    try:
        return DIALECTS[name]
    except KeyError:
        raise KGError(f"unknown server {name!r}; choose from {', '.join(DIALECTS)}") from None


def recognise(server_header: str | None) -> Dialect:
    """The profile of the server whose ``Server`` response header is ``server_header``
    (``generic`` when it is missing or unknown)."""
    text = (server_header or "").strip().lower()
    for candidate in DIALECTS.values():
        if any(text.startswith(prefix) for prefix in candidate.server_names):
            return candidate
    return DIALECTS["generic"]
