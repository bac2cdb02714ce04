"""Push a build's named graphs to a SPARQL server: batched, atomic, verified.

The SPARQL 1.1 Graph Store HTTP Protocol (GSP) uploads each graph, and SPARQL 1.1 Update
swaps it into place:

1. ``ASK {}`` on the query endpoint: a server that is down fails here, before anything is
   written, with an error naming the URL.
2. ``kg.nq`` is read once, as it streams. Each graph goes to a *temporary* graph
   ``<graph>-upload-<random>``: the first batch with ``PUT {store}?graph=<tmp>``, every
   further batch with ``POST`` (which appends), as N-Triples of at most ``batch_size``
   triples. Triples with a blank node are all sent in one request of their own (a blank
   node's label only holds within one request), so blank-node structures (the ontology's
   OWL restrictions) stay whole. Progress goes to ``progress``.
3. The temporary graphs are counted (``SELECT (COUNT(*) …)``) and must hold exactly the
   triples read from ``kg.nq``.
4. One SPARQL Update request swaps them all in: ``MOVE <tmp> TO <graph>`` for each graph
   (or, with ``swap="insert"``, for servers without MOVE: ``DROP SILENT GRAPH <graph>;
   INSERT { GRAPH <graph> { ?s ?p ?o } } WHERE { GRAPH <tmp> { ?s ?p ?o } }; DROP GRAPH
   <tmp>``). MOVE replaces the target graph, so pushing again replaces and never
   duplicates. Oxigraph, Virtuoso and Fuseki run one update request as one transaction
   (though at millions of triples, Oxigraph 0.5's readers were seen to catch it half-way;
   a Virtuoso swap that exceeds ``MaxQueryExecutionTime`` is rolled back whole: see
   ``docs/remote.md``). The request's text comes from the server's profile
   (:meth:`kg.remote.dialects.Dialect.swap_text`).
5. The graphs are counted again against ``kg.nq``.

The swap copies the data once more on the server (MOVE is a drop, a copy and a drop in
one transaction), which for a large graph costs more than the upload itself (see
``docs/remote.md``). ``swap="none"`` uploads straight into the graphs instead (the first
batch PUT replaces, the others append): faster, but a failure in the middle leaves a
partial graph, which the error then says; push again to repair it.

On any failure in steps 2–4 (a 5xx in the middle of an upload, a count mismatch, a broken
connection, Ctrl+C), the temporary graphs are dropped (``DROP SILENT GRAPH``) and the
graphs already on the server are left exactly as they were.

A push that could not clean up (killed by a signal, the server or the network gone) leaves
its temporary graphs behind. Every push first removes such leftovers (step 1b), and
:func:`clean_uploads` (``kg push --clean-uploads``) removes them on demand. Only graphs named
exactly as this module names them are touched: ``<graph>-upload-<12 hex digits>``, where
``<graph>`` is one of our graphs (:data:`~kg.query.engine.GRAPHS`) or a graph being pushed.
Two pushes to one server at the same time are not supported: the second would remove the
first one's temporary graphs, and the first then fails its count check (leaving the
server's graphs unchanged).

Examples
--------
>>> temporary_iri("https://w3id.org/myoclonus-kg/graph/curated", "ab12")
'https://w3id.org/myoclonus-kg/graph/curated-upload-ab12'
>>> push("build", Endpoints.from_url("http://127.0.0.1:7878"))  # doctest: +SKIP
PushReport(graphs={...}, seconds=..., batches=...)
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from kg.errors import KGError
from kg.query.engine import GRAPHS
from kg.remote.dialects import Dialect
from kg.remote.engine import RemoteEngine
from kg.remote.errors import RemoteError
from kg.remote.http import Endpoints, HttpClient, reading

__all__ = ["push", "PushReport", "temporary_iri", "resolve_graph", "upload_leftovers", "clean_uploads",
           "DEFAULT_BATCH_SIZE", "SWAP_TIMEOUT", "BIG_GRAPH"]

#: Triples per upload request.
DEFAULT_BATCH_SIZE = 50_000
#: Seconds the swap request may take at least (it copies the graphs on the server).
SWAP_TIMEOUT = 3600.0
#: Above this many triples in a graph, the atomic swap is costly enough to warn about.
BIG_GRAPH = 1_000_000
_MANIFEST_COUNTS = {"curated": "triples_curated", "ontology": "triples_ontology", "hpo": "triples_imported"}


@dataclass
class PushReport:
    """What a push did.

    Attributes
    ----------
    graphs : dict of str to int
        Triples pushed (and verified on the server) per graph IRI.
    seconds : float
        Wall-clock time of the whole push, verification included.
    batches : int
        Upload requests sent.
    upload_seconds : float
        Time spent in upload requests only.
    """

    graphs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    batches: int = 0
    upload_seconds: float = 0.0

    @property
    def triples(self) -> int:
        """Triples pushed, all graphs together."""
        return sum(self.graphs.values())

    @property
    def triples_per_second(self) -> float:
        """Overall throughput (whole push, verification and swap included)."""
        return self.triples / self.seconds if self.seconds > 0 else 0.0


_UPLOAD = "-upload-"
_TOKEN_LENGTH = 12  # secrets.token_hex(6)


def temporary_iri(graph: str, token: str | None = None) -> str:
    """The temporary graph a graph is uploaded into before the swap."""
    return f"{graph}{_UPLOAD}{token or secrets.token_hex(_TOKEN_LENGTH // 2)}"


def _is_upload_of(iri: str, graphs: Iterable[str]) -> bool:
    base, sep, token = iri.rpartition(_UPLOAD)
    return (bool(sep) and base in graphs and len(token) == _TOKEN_LENGTH
            and all(c in "0123456789abcdef" for c in token))


def upload_leftovers(engine: RemoteEngine, graphs: Iterable[str] = ()) -> list[str]:
    """The temporary upload graphs on the server, of our graphs and of ``graphs``.

    Examples
    --------
    >>> _is_upload_of("https://w3id.org/myoclonus-kg/graph/curated-upload-0123456789ab", GRAPHS.values())
    True
    >>> _is_upload_of("https://w3id.org/myoclonus-kg/graph/curated-upload-mine", GRAPHS.values())
    False
    >>> _is_upload_of("http://example.org/g-upload-0123456789ab", GRAPHS.values())
    False
    """
    ours = set(GRAPHS.values()) | set(graphs)
    # GRAPH ?g {} binds ?g to every named graph without reading their triples.
    table = engine._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
                           what="listing the named graphs to find leftover uploads")
    found = {row[0].value for row in table.rows if isinstance(row[0], ox.NamedNode)}
    return sorted(g for g in found if _is_upload_of(g, ours))


def clean_uploads(endpoints: Endpoints, *, graphs: Iterable[str] = (), client: HttpClient | None = None,
                  timeout: float = 300.0, server: str | Dialect = "auto") -> list[str]:
    """Drop the temporary upload graphs that interrupted pushes left on the server.

    Parameters
    ----------
    endpoints : Endpoints
        The server's query and update endpoints.
    graphs : iterable of str
        Graph IRIs besides ours whose uploads are looked for.
    client : HttpClient, optional
        The HTTP client (default: one with ``timeout``).
    server : str or Dialect
        The server's profile (:mod:`kg.remote.dialects`), or ``auto``.

    Returns
    -------
    list of str
        The graphs dropped.

    Raises
    ------
    RemoteError
        If the server cannot be reached or refuses the update.
    """
    client = client or HttpClient(timeout=timeout)
    pusher = _Pusher(endpoints, client, DEFAULT_BATCH_SIZE, lambda message: None, {}, server)
    if pusher.engine.dialect.auth == "digest":
        client.auth = "digest"
    left = upload_leftovers(pusher.engine, graphs)
    if left:
        pusher.update(" ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in left),
                      "dropping leftover temporary graphs")
    return left


def resolve_graph(name: str) -> str:
    """A graph given as a short name (``curated``, ``ontology``, ``hpo``) or an IRI.

    Raises
    ------
    KGError
        If ``name`` is neither.

    Examples
    --------
    >>> resolve_graph("curated")
    'https://w3id.org/myoclonus-kg/graph/curated'
    >>> resolve_graph("<http://example.org/g>")
    'http://example.org/g'
    """
    if name in GRAPHS:
        return GRAPHS[name]
    iri = name[1:-1] if name.startswith("<") and name.endswith(">") else name
    try:
        return ox.NamedNode(iri).value
    except ValueError:
        raise KGError(f"--graph {name!r} is neither a graph name ({', '.join(GRAPHS)}) nor an IRI") from None


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _expected_totals(directory: Path) -> dict[str, int]:
    # Only for progress messages: the manifest's counts per graph, if any.
    try:
        counts = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["counts"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {GRAPHS[g]: int(counts[key]) for g, key in _MANIFEST_COUNTS.items() if key in counts}


class _Upload:
    """Uploads one graph into its temporary graph, batch by batch."""

    def __init__(self, graph: str, tmp: str, pusher: "_Pusher") -> None:
        self.graph = graph
        self.tmp = tmp
        self.pusher = pusher
        self.buffer: list[ox.Triple] = []
        self.blank: list[ox.Triple] = []
        self.count = 0
        self.sent = 0
        self.requests = 0

    def add(self, triple: ox.Triple) -> None:
        self.count += 1
        if _has_blank(triple):
            self.blank.append(triple)
            return
        self.buffer.append(triple)
        if len(self.buffer) >= self.pusher.batch_size:
            self.flush(self.buffer)
            self.buffer = []

    def finish(self) -> None:
        if self.buffer:
            self.flush(self.buffer)
            self.buffer = []
        if self.blank:
            self.flush(self.blank)  # every blank node of the graph in one request
            self.blank = []

    def flush(self, triples: list[ox.Triple]) -> None:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        method = "PUT" if self.requests == 0 else "POST"
        self.requests += 1
        what = f"uploading batch {self.requests} of <{self.graph}>"
        self.pusher.send(method, self.tmp, body, what)
        self.sent += len(triples)
        self.pusher.sent += len(triples)
        self.pusher.report(self)


class _Pusher:
    def __init__(self, endpoints: Endpoints, client: HttpClient, batch_size: int,
                 progress: Callable[[str], None], totals: dict[str, int],
                 server: str | Dialect = "auto") -> None:
        self.endpoints = endpoints
        self.client = client
        self.batch_size = batch_size
        self.progress = progress
        self.totals = totals
        self.started = time.perf_counter()
        self.upload_seconds = 0.0
        self.batches = 0
        self.sent = 0
        self.engine = RemoteEngine(endpoints.query, query_url=endpoints.query, client=client, server=server)

    def send(self, method: str, tmp: str, body: bytes, what: str) -> None:
        start = time.perf_counter()
        response = self.client.request(method, self.endpoints.store, params=[("graph", tmp)], body=body,
                                       content_type="application/n-triples", what=what)
        with reading(self.endpoints.store, what):
            response.read()
            response.close()
        self.upload_seconds += time.perf_counter() - start
        self.batches += 1

    def report(self, upload: _Upload) -> None:
        total = self.totals.get(upload.graph)
        of = f"/{total}" if total else ""
        elapsed = time.perf_counter() - self.started
        rate = self.sent / elapsed if elapsed > 0 else 0.0
        self.progress(f"<{upload.graph}>: {upload.sent}{of} triples sent "
                      f"({upload.requests} request{'s' if upload.requests != 1 else ''}, "
                      f"{rate:,.0f} triples/s)")

    def update(self, text: str, what: str, client: HttpClient | None = None) -> None:
        response = (client or self.client).request(
            "POST", self.endpoints.update, body=text.encode("utf-8"),
            content_type="application/sparql-update", what=what)
        with reading(self.endpoints.update, what):
            response.read()
            response.close()

    def drop(self, iris: Iterable[str]) -> list[str]:
        """Drop graphs, best effort; return those that could not be dropped."""
        iris = list(iris)
        if not iris:
            return []
        try:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in iris),
                        "dropping the temporary graphs")
        except RemoteError:
            return iris
        return []


def push(source: Path | str, endpoints: Endpoints, *, graphs: Iterable[str] | None = None,
         batch_size: int = DEFAULT_BATCH_SIZE, client: HttpClient | None = None,
         progress: Callable[[str], None] | None = None, swap: str = "move",
         timeout: float = 300.0, server: str | Dialect = "auto") -> PushReport:
    """Upload a build's named graphs to a SPARQL server, atomically, and verify them.

    Parameters
    ----------
    source : path
        A build directory (its ``kg.nq`` is pushed) or an N-Quads file.
    endpoints : Endpoints
        The server's query, update and Graph Store endpoints.
    graphs : iterable of str, optional
        Graphs to push (short names or IRIs); every graph of the file by default.
    batch_size : int
        Triples per upload request.
    client : HttpClient, optional
        The HTTP client (default: one with ``timeout``).
    progress : callable, optional
        Receives one-line progress messages.
    swap : {"move", "insert", "none"}
        How the uploaded graph replaces the old one: ``MOVE`` (Oxigraph, Fuseki), or
        ``DROP`` + ``INSERT … WHERE`` for servers without ``MOVE``; ``none`` uploads
        straight into the graphs (not atomic).
    timeout : float
        Seconds to wait for each request.
    server : str or Dialect
        The server's profile (:mod:`kg.remote.dialects`), or ``auto``: recognised from its
        ``Server`` header. Virtuoso's profile sends a user and password only as HTTP Digest.

    Returns
    -------
    PushReport

    Raises
    ------
    KGError
        No ``kg.nq`` (build first), a graph not in the file, bad arguments.
    RemoteError
        The server cannot be reached, refuses a request, or the counts do not match; the
        graphs on the server are then unchanged (unless the final check fails, which
        the message says).

    Examples
    --------
    >>> report = push("build", Endpoints.from_url("http://127.0.0.1:7878"),
    ...               progress=print)                                  # doctest: +SKIP
    >>> report.graphs["https://w3id.org/myoclonus-kg/graph/curated"]    # doctest: +SKIP
    3448
    """
    if batch_size < 1:
        raise KGError("the batch size must be at least 1")
    if swap not in ("move", "insert", "none"):
        raise KGError(f"unknown swap {swap!r}; choose move, insert or none")
    path = Path(source)
    directory = path if path.is_dir() else path.parent
    nq = path / "kg.nq" if path.is_dir() else path
    if not nq.is_file():
        raise KGError(f"{nq}: no N-Quads file to push; run `kg build --out {directory}` first")
    wanted = {resolve_graph(g) for g in graphs} if graphs else None
    say = progress or (lambda message: None)
    client = client or HttpClient(timeout=timeout)
    pusher = _Pusher(endpoints, client, batch_size, say, _expected_totals(directory), server)

    # 1. Is the server there at all? (Nothing is written before this answers.)
    pusher.engine.query("ASK {}", graphs=())
    dialect = pusher.engine.dialect
    if dialect.auth == "digest":
        client.auth = "digest"  # never a password in the clear to a Digest server
    # 1b. Temporary graphs an interrupted push left behind.
    leftovers = upload_leftovers(pusher.engine, wanted or ())
    if leftovers:
        pusher.update(" ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in leftovers),
                      "dropping leftover temporary graphs")
        say(f"removed {len(leftovers)} temporary graph(s) left by an interrupted push: "
            + ", ".join(f"<{g}>" for g in leftovers))
    big = {g: n for g, n in pusher.totals.items() if n > BIG_GRAPH and (wanted is None or g in wanted)}
    if big and swap != "none":
        say(f"note: {', '.join(f'<{g}> has {n:,} triples' for g, n in big.items())}; the atomic swap "
            "copies them once more on the server, which can take longer than the upload and, on "
            "Oxigraph, several GB of memory: --swap none or an offline load is faster (docs/remote.md)")

    uploads: dict[str, _Upload] = {}
    token = secrets.token_hex(6)
    swapping = False
    try:
        # 2. Upload every graph into its temporary graph, in one pass over kg.nq.
        try:
            for quad in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    raise KGError(f"{nq}: a triple in the default graph; kg push uploads named graphs only")
                iri = quad.graph_name.value
                if wanted is not None and iri not in wanted:
                    continue
                upload = uploads.get(iri)
                if upload is None:
                    target = iri if swap == "none" else temporary_iri(iri, token)
                    upload = uploads[iri] = _Upload(iri, target, pusher)
                    say(f"<{iri}>: uploading into <{upload.tmp}>")
                upload.add(ox.Triple(quad.subject, quad.predicate, quad.object))
        except SyntaxError as exc:
            raise KGError(f"{nq}: not valid N-Quads: {exc}") from None
        missing = sorted((wanted or set()) - set(uploads))
        if missing:
            raise KGError(f"{nq} has no graph {', '.join(f'<{m}>' for m in missing)}; "
                          f"it has {', '.join(f'<{g}>' for g in sorted(uploads)) or 'none'}")
        if not uploads:
            raise KGError(f"{nq} holds no named graph to push")
        for upload in uploads.values():
            upload.finish()

        if swap != "none":
            # 3. Verify the temporary graphs.
            say("verifying the uploaded triple counts")
            counted = pusher.engine.counts(u.tmp for u in uploads.values())
            wrong = [f"<{u.graph}>: {counted.get(u.tmp)} on the server, {u.count} in {nq.name}"
                     for u in uploads.values() if counted.get(u.tmp) != u.count]
            if wrong:
                raise RemoteError(f"the upload to {endpoints.store} is incomplete: " + "; ".join(wrong),
                                  url=endpoints.store)
            # 4. Swap them all in, in one update request.
            say(f"replacing {len(uploads)} graph{'s' if len(uploads) != 1 else ''} "
                f"({'MOVE' if swap == 'move' else 'DROP + INSERT'})")
            swapping = True
            # The swap copies every triple once more: give it time (an hour at least).
            patient = copy.copy(client)  # same credentials and Digest session
            patient.timeout = max(client.timeout, SWAP_TIMEOUT)
            pusher.update(dialect.swap_text([(u.graph, u.tmp) for u in uploads.values()], swap),
                          "replacing the graphs with the uploaded ones", client=patient)
    except BaseException as exc:
        if swapping and isinstance(exc, RemoteError) and exc.status is None:
            # No answer to the swap: the server may still be running (or have run) it.
            raise RemoteError(f"{exc}; the server may still be replacing the graphs: check their "
                              "triple counts, and push again if they are wrong",
                              url=exc.url) from None
        if swap == "none":
            touched = [f"<{u.graph}>" for u in uploads.values() if u.requests]
            if isinstance(exc, RemoteError) and touched:
                raise RemoteError(f"{exc}; pushed without a swap, so {', '.join(touched)} may now "
                                  "be incomplete: push again", url=exc.url, status=exc.status) from None
            raise
        left = pusher.drop(u.tmp for u in uploads.values() if u.requests)
        if isinstance(exc, RemoteError):
            note = "; the graphs on the server are unchanged"
            if left:
                note += f" (could not drop the temporary graph(s) {', '.join(f'<{t}>' for t in left)})"
            raise RemoteError(str(exc) + note, url=exc.url, status=exc.status) from None
        raise

    # 5. Verify the result.
    say("verifying the graphs")
    counted = pusher.engine.counts(uploads)
    wrong = [f"<{g}>: {counted.get(g)} on the server, {u.count} in {nq.name}"
             for g, u in uploads.items() if counted.get(g) != u.count]
    if wrong:
        why = ("pushed without a swap: push again" if swap == "none"
               else "another client writing at the same time?")
        raise RemoteError(f"the graphs on {endpoints.query} do not hold what was pushed ({why}): "
                          + "; ".join(wrong), url=endpoints.query)
    seconds = time.perf_counter() - pusher.started
    for g, u in uploads.items():
        say(f"<{g}>: {u.count} triples, verified")
    return PushReport({g: u.count for g, u in uploads.items()}, seconds, pusher.batches,
                      pusher.upload_seconds)
