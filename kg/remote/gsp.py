"""Push a build's named graphs to a SPARQL server: atomic, verified, at bulk-load speed.

The graphs on the server change **at one moment**, by one request that the server applies
whole or not at all: a reader sees the old graphs or the new ones, never a graph missing or
half-loaded, and a push that fails (a 5xx, a broken connection, Ctrl+C) leaves them as they
were. (Virtuoso 7.2.5 applies the swap in one transaction, but its readers can catch the
commit half-way: ``docs/remote.md``.) How, depends on the server (``swap``, by default the
server's profile, :attr:`kg.remote.dialects.Dialect.swap`):

``diff`` (Oxigraph): write only what changed.
    1. ``ASK {}``: a server that is down fails here, before anything is written; the
       named graphs on the server are listed.
    2. Each graph of ``kg.nq`` that the server holds is read back from it once (Graph
       Store Protocol ``GET``) as fingerprints (:mod:`kg.remote.changes`); ``kg.nq`` is
       read once, and each triple is looked up: the triples the server lacks are
       *additions*, the ones it has and the file does not are *removals*. A graph the
       server does not hold is all additions, and is not read back.
    3. If nothing is to be removed (a first push, or a push that only adds) and there are at
       least :data:`BULK_FROM` additions, all additions of all graphs go in **one** ``POST
       {store}`` of N-Quads that the server loads with its bulk loader (Oxigraph:
       ``?no_transaction``), which makes the whole request visible at once, or nothing of
       it if it fails. Nothing else is written.
    4. Otherwise one SPARQL Update request (one transaction) carries the changes:
       ``DELETE DATA`` with the removals (read back from the server a second time), a
       ``DELETE … WHERE`` of the graph's blank-node triples if they changed, and
       ``INSERT DATA`` with the additions. Its cost grows with the changes, not with the
       graph; at millions of changed triples it is slow and takes gigabytes of the
       server's memory (Oxigraph holds a transaction in memory), see ``docs/remote.md``.

    An unchanged graph costs one read of it and no write; pushing again never duplicates;
    no temporary graph is made.

``move`` (Virtuoso, and servers of unknown kind): a temporary copy, then a swap.
    Each graph is uploaded into its temporary graph in batches of ``batch_size`` triples
    (N-Triples; the first batch ``PUT``, the others ``POST``; the triples with a blank
    node all in one request, as a blank node's label only holds within one request),
    counted, and one SPARQL Update request replaces the graphs by their copies
    (:meth:`~kg.remote.dialects.Dialect.swap_text`; Virtuoso: ``DROP`` of the graph and
    ``ADD`` of the copy, in one transaction). The copies are dropped afterwards, outside
    that transaction. Every triple is written twice on the server.
``insert``: as ``move``, with ``INSERT … WHERE`` for servers without ``MOVE`` or ``ADD``.
``none``: straight into the graphs (the first batch ``PUT`` replaces, the others append):
    not atomic — readers see a partial graph during the push, and a failure leaves it
    partial, which the error says; push again to repair it.

At the end the graphs are counted against ``kg.nq``, and (``diff``) some of the added
triples must be there and some of the removed ones gone: the change is applied whole or not
at all, so a sample tells whether it landed, even when it kept the counts.

A push that could not clean up (killed by a signal, the server or the network gone) may
leave temporary graphs behind. Every push first removes such leftovers, and
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
PushReport(graphs={...}, seconds=..., batches=..., swap='diff', ...)
"""

from __future__ import annotations

import copy
import json
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import pyoxigraph as ox

from kg.errors import KGError
from kg.query.engine import GRAPHS
from kg.remote.changes import GraphChanges, ServerCopy, has_blank
from kg.remote.dialects import SWAPS, Dialect
from kg.remote.engine import RemoteEngine
from kg.remote.errors import RemoteError
from kg.remote.http import Endpoints, HttpClient, ResponseReadGuard

__all__ = ["push", "PushReport", "temporary_iri", "resolve_graph", "upload_leftovers", "clean_uploads",
           "DEFAULT_BATCH_SIZE", "SWAP_TIMEOUT", "BIG_GRAPH", "BULK_FROM"]

#: Triples per upload request of the ``move``, ``insert`` and ``none`` swaps, unless the
#: server's profile says otherwise (:attr:`kg.remote.dialects.Dialect.upload_batch`).
DEFAULT_BATCH_SIZE = 50_000
#: Seconds the requests that write on the server may take at least (a bulk load of millions
#: of triples, a swap).
SWAP_TIMEOUT = 3600.0
#: Above this many triples in a graph, a swap that copies every triple is costly enough to
#: warn about.
BIG_GRAPH = 1_000_000
#: From this many additions (and no removals) the ``diff`` swap sends them to the server's bulk
#: loader; fewer go in one ``INSERT DATA`` (a bulk load has a fixed cost of a fraction of a
#: second, a transaction a cost per triple: on Oxigraph 0.5 they met at a few thousand).
BULK_FROM = 3_000
_MANIFEST_COUNTS = {"curated": "triples_curated", "ontology": "triples_ontology", "hpo": "triples_imported",
                    "entailed": "triples_entailed", "closure": "triples_closure"}
_CHUNK = 20_000  # quads serialized at a time into an upload body
_ATTEMPTS = 3  # sends of an upload the server rolled back (Dialect.retryable)
_NQUADS = "application/n-quads"
_NTRIPLES = "application/n-triples"


@dataclass
class PushReport:
    """What a push did.

    Attributes
    ----------
    graphs : dict of str to int
        Triples of each graph IRI, as pushed and verified on the server.
    seconds : float
        Wall-clock time of the whole push, verification included.
    batches : int
        Upload requests sent.
    upload_seconds : float
        Time spent in upload requests.
    swap : str
        How the graphs were replaced: ``diff``, ``move``, ``insert`` or ``none``.
    added, removed : int
        Triples written to and removed from the graphs (``diff``; for the other swaps every
        triple counts as added).
    read_seconds : float
        Time spent reading the server's copies (``diff``).
    swap_seconds : float
        Time spent in the update request that swapped the graphs in (0 when none was needed).
    samples : dict of str to (list, list)
        Per graph, some added and some removed triples (``diff``), checked on the server at
        the end.
    """

    graphs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    batches: int = 0
    upload_seconds: float = 0.0
    swap: str = "move"
    added: int = 0
    removed: int = 0
    read_seconds: float = 0.0
    swap_seconds: float = 0.0
    samples: dict[str, tuple[list[ox.Triple], list[ox.Triple]]] = field(default_factory=dict, repr=False)

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
    """The temporary graph a graph (or its changes) is uploaded into before the swap."""
    return f"{graph}{_UPLOAD}{token or secrets.token_hex(_TOKEN_LENGTH // 2)}"


def _is_upload_of(iri: str, graphs: Iterable[str]) -> bool:
    base, sep, token = iri.rpartition(_UPLOAD)
    return (bool(sep) and base in graphs and len(token) == _TOKEN_LENGTH
            and all(c in "0123456789abcdef" for c in token))


def _named_graphs(engine: RemoteEngine, what: str) -> set[str]:
    # GRAPH ?g {} binds ?g to every named graph without reading their triples.
    table = engine._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", what=what)
    return {row[0].value for row in table.rows if isinstance(row[0], ox.NamedNode)}


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
    found = _named_graphs(engine, "listing the named graphs to find leftover uploads")
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
        pusher.update(pusher.engine.dialect.drop_text(left), "dropping leftover temporary graphs")
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


def _expected_totals(directory: Path) -> dict[str, int]:
    # Only for progress messages: the manifest's counts per graph, if any.
    try:
        counts = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["counts"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {GRAPHS[g]: int(counts[key]) for g, key in _MANIFEST_COUNTS.items() if key in counts}


def _quads(nq: Path, wanted: set[str] | None) -> Iterator[ox.Quad]:
    """The quads of ``kg.nq`` in the wanted graphs; a triple in the default graph is an error."""
    try:
        for quad in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise KGError(f"{nq}: a triple in the default graph; kg push uploads named graphs only")
            if wanted is None or quad.graph_name.value in wanted:
                yield quad
    except SyntaxError as exc:
        raise KGError(f"{nq}: not valid N-Quads: {exc}") from None


class _Body:
    """An N-Quads upload body, written to a temporary file as it is made (never all in memory)."""

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile(prefix="kg-push-")
        self.buffer: list[ox.Quad] = []
        self.counts: dict[str, int] = {}

    def add(self, quad: ox.Quad) -> None:
        self.buffer.append(quad)
        graph = quad.graph_name.value
        self.counts[graph] = self.counts.get(graph, 0) + 1
        if len(self.buffer) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.file.write(ox.serialize(self.buffer, format=ox.RdfFormat.N_QUADS))
            self.buffer = []

    def __len__(self) -> int:
        return sum(self.counts.values())

    def quads(self) -> Iterator[ox.Quad]:
        self.flush()
        self.file.seek(0)
        return ox.parse(self.file, format=ox.RdfFormat.N_QUADS)

    def ready(self) -> BinaryIO:
        self.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


_DELETE_BLANK = ("DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} "
                 "{{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }} }}")


class _UpdateBody:
    """A SPARQL Update request of ``DELETE DATA`` / ``INSERT DATA`` operations, written to a
    temporary file as it is made. The data is N-Triples from pyoxigraph's serializer, which
    is SPARQL's triple syntax (its escapes are SPARQL's too), inside ``GRAPH <g> { }``
    blocks (a graph may have several)."""

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile(prefix="kg-push-")
        self.operations = 0

    def _separate(self) -> None:
        if self.operations:
            self.file.write(b" ;\n")
        self.operations += 1

    def operation(self, text: str) -> None:
        self._separate()
        self.file.write(text.encode("utf-8"))

    def data(self, keyword: str, quads: Iterable[ox.Quad]) -> int:
        """Write ``KEYWORD DATA { … }`` with ``quads``, if there are any; return how many."""
        count = 0
        chunk: list[ox.Quad] = []

        def flush() -> None:
            by_graph: dict[str, list[ox.Triple]] = {}
            for quad in chunk:
                by_graph.setdefault(str(quad.graph_name), []).append(quad.triple)
            for graph, triples in by_graph.items():
                self.file.write(f"GRAPH {graph} {{\n".encode("utf-8"))
                self.file.write(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
                self.file.write(b"}\n")
            chunk.clear()

        for quad in quads:
            if not count:
                self._separate()
                self.file.write(f"{keyword} DATA {{\n".encode("ascii"))
            count += 1
            chunk.append(quad)
            if len(chunk) >= _CHUNK:
                flush()
        if count:
            flush()
            self.file.write(b"}")
        return count

    def ready(self) -> BinaryIO:
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


class _Upload:
    """Uploads one graph into its temporary graph (or itself), batch by batch."""

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
        if has_blank(triple):
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
        self.pusher.send(method, [("graph", self.tmp)], body, _NTRIPLES, what,
                         bulk=bool(self.pusher.engine.dialect.bulk_params))
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
        self.read_seconds = 0.0
        self.swap_seconds = 0.0
        self.batches = 0
        self.sent = 0
        self.engine = RemoteEngine(endpoints.query, query_url=endpoints.query, client=client, server=server)

    def patient(self) -> HttpClient:
        """The client with time for big writes (same credentials and Digest session)."""
        patient = copy.copy(self.client)
        patient.timeout = max(self.client.timeout, SWAP_TIMEOUT)
        return patient

    def send(self, method: str, params: list[tuple[str, str]], body, content_type: str, what: str,
             bulk: bool = False) -> None:
        start = time.perf_counter()
        dialect = self.engine.dialect
        if bulk:
            params = params + list(dialect.bulk_params)
        client = self.patient() if bulk else self.client
        position = None if isinstance(body, (bytes, bytearray)) else body.tell()
        for attempt in range(1, _ATTEMPTS + 1):
            if position is not None:
                body.seek(position)
            try:
                response = client.request(method, self.endpoints.store, params=params, body=body,
                                          content_type=content_type, what=what)
                with ResponseReadGuard(self.endpoints.store, what):
                    response.read()
                    response.close()
                break
            except RemoteError as exc:
                if attempt == _ATTEMPTS or not dialect.retryable(exc):
                    raise RemoteError(str(exc) + dialect.hint(exc), url=exc.url, status=exc.status) from None
                self.progress(f"{what}: the server rolled it back ({exc.status}); sending it again")
                time.sleep(attempt)
        self.upload_seconds += time.perf_counter() - start
        self.batches += 1

    def read_graph(self, graph: str) -> Iterator[ox.Triple]:
        """The graph's triples as the server sends them (Graph Store Protocol ``GET``)."""
        what = f"reading <{graph}> from the server"
        start = time.perf_counter()
        response = self.patient().request("GET", self.endpoints.store, params=[("graph", graph)],
                                          accept=_NTRIPLES, what=what)
        try:
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            fmt = ox.RdfFormat.from_media_type(media) if media else None
            if fmt is None or fmt.supports_datasets:
                raise RemoteError(f"{what}: {self.endpoints.store} answered with {media or 'no media type'}, "
                                  "not N-Triples or another RDF graph format", url=self.endpoints.store)
            with ResponseReadGuard(self.endpoints.store, what):
                try:
                    yield from ox.parse(response, format=fmt)
                except SyntaxError as exc:
                    raise RemoteError(f"{what}: the answer of {self.endpoints.store} is malformed: {exc}",
                                      url=self.endpoints.store) from None
        finally:
            response.close()
            self.read_seconds += time.perf_counter() - start

    def report(self, upload: _Upload) -> None:
        total = self.totals.get(upload.graph)
        of = f"/{total}" if total else ""
        elapsed = time.perf_counter() - self.started
        rate = self.sent / elapsed if elapsed > 0 else 0.0
        self.progress(f"<{upload.graph}>: {upload.sent}{of} triples sent "
                      f"({upload.requests} request{'s' if upload.requests != 1 else ''}, "
                      f"{rate:,.0f} triples/s)")

    def update(self, text: str | BinaryIO, what: str, client: HttpClient | None = None) -> None:
        body = text.encode("utf-8") if isinstance(text, str) else text
        response = (client or self.client).request(
            "POST", self.endpoints.update, body=body, content_type="application/sparql-update", what=what)
        with ResponseReadGuard(self.endpoints.update, what):
            response.read()
            response.close()

    def swap(self, text: str | BinaryIO) -> None:
        """The update request that replaces the graphs (timed; an hour at least)."""
        start = time.perf_counter()
        try:
            self.update(text, "replacing the graphs with the uploaded ones", client=self.patient())
        except RemoteError as exc:
            raise RemoteError(str(exc) + self.engine.dialect.hint(exc), url=exc.url, status=exc.status) from None
        finally:
            self.swap_seconds += time.perf_counter() - start

    def drop(self, iris: Iterable[str]) -> list[str]:
        """Drop temporary graphs, best effort; return those that could not be dropped."""
        iris = list(iris)
        if not iris:
            return []
        try:
            self.update(self.engine.dialect.drop_text(iris), "dropping the temporary graphs",
                        client=self.patient())
        except RemoteError:
            return iris
        return []

    def check_counts(self, expected: dict[str, int], what: str) -> None:
        """The graphs must hold exactly ``expected`` triples (temporary graphs before a swap)."""
        counted = self.engine.counts(expected)
        wrong = [f"<{g}>: {counted.get(g)} on the server, {n} expected" for g, n in expected.items()
                 if counted.get(g) != n]
        if wrong:
            raise RemoteError(f"the upload to {self.endpoints.store} is incomplete ({what}): "
                              + "; ".join(wrong), url=self.endpoints.store)


def push(source: Path | str, endpoints: Endpoints, *, graphs: Iterable[str] | None = None,
         batch_size: int | None = None, client: HttpClient | None = None,
         progress: Callable[[str], None] | None = None, swap: str = "auto",
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
    batch_size : int, optional
        Triples per upload request (``move``, ``insert`` and ``none``; ``diff`` sends all
        its changes in one request). Default: the server profile's
        (:attr:`~kg.remote.dialects.Dialect.upload_batch`).
    client : HttpClient, optional
        The HTTP client (default: one with ``timeout``).
    progress : callable, optional
        Receives one-line progress messages.
    swap : {"auto", "diff", "move", "insert", "none"}
        How the graphs are replaced (see the module docstring): ``auto`` is the server
        profile's choice (Oxigraph: ``diff``; others: ``move``); ``none`` is not atomic.
    timeout : float
        Seconds to wait for each request (requests that write the graphs, and reading them
        back, get an hour at least, :data:`SWAP_TIMEOUT`).
    server : str or Dialect
        The server's profile (:mod:`kg.remote.dialects`), or ``auto``: recognised from its
        ``Server`` header. Virtuoso's profile sends a user and password only as HTTP Digest.

    Returns
    -------
    PushReport

    Raises
    ------
    KGError
        No ``kg.nq`` (build first), a graph not in the file, bad arguments, ``diff`` asked
        of a server that cannot do it.
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
    if batch_size is not None and batch_size < 1:
        raise KGError("the batch size must be at least 1")
    if swap not in ("auto",) + SWAPS + ("none",):
        raise KGError(f"unknown swap {swap!r}; choose auto, {', '.join(SWAPS)} or none")
    path = Path(source)
    directory = path if path.is_dir() else path.parent
    nq = path / "kg.nq" if path.is_dir() else path
    if not nq.is_file():
        raise KGError(f"{nq}: no N-Quads file to push; run `kg build --out {directory}` first")
    wanted = {resolve_graph(g) for g in graphs} if graphs else None
    say = progress or (lambda message: None)
    client = client or HttpClient(timeout=timeout)
    pusher = _Pusher(endpoints, client, batch_size or DEFAULT_BATCH_SIZE, say, _expected_totals(directory), server)

    # 1. Is the server there at all? (Nothing is written before this answers.)
    pusher.engine.query("ASK {}", graphs=())
    dialect = pusher.engine.dialect
    pusher.batch_size = batch_size or dialect.upload_batch
    if dialect.auth == "digest":
        client.auth = "digest"  # never a password in the clear to a Digest server
    swap = dialect.swap if swap == "auto" else swap
    if swap == "diff" and not dialect.can_diff:
        raise KGError(f"--swap diff needs a server whose bulk upload of N-Quads is atomic (Oxigraph); "
                      f"{dialect.label} has no such upload: use --swap move")
    # 1b. Temporary graphs an interrupted push left behind.
    on_server = _named_graphs(pusher.engine, "listing the named graphs on the server")
    ours = set(GRAPHS.values()) | (wanted or set())
    leftovers = sorted(g for g in on_server if _is_upload_of(g, ours))
    if leftovers:
        pusher.update(dialect.drop_text(leftovers), "dropping leftover temporary graphs")
        on_server -= set(leftovers)
        say(f"removed {len(leftovers)} temporary graph(s) left by an interrupted push: "
            + ", ".join(f"<{g}>" for g in leftovers))

    if swap == "diff":
        report = _push_changes(nq, wanted, pusher, on_server, say)
    else:
        report = _push_copies(nq, wanted, pusher, swap, say)

    # 5. Verify the result: the counts, and that the changes (diff) landed.
    say("verifying the graphs")
    counted = pusher.engine.counts(report.graphs)
    wrong = [f"<{g}>: {counted.get(g)} on the server, {n} in {nq.name}"
             for g, n in report.graphs.items() if counted.get(g) != n]
    for graph, (added, removed) in report.samples.items():
        there = _present(pusher.engine, graph, added + removed)
        missing, kept = len(set(added) - there), len(there & set(removed))
        if missing or kept:
            wrong.append(f"<{graph}>: {missing} of {len(added)} added triples checked are missing, "
                         f"{kept} of {len(removed)} removed ones are still there")
    if wrong:
        why = ("pushed without a swap: push again" if swap == "none"
               else "another client writing at the same time, or triples repeated in the file?")
        raise RemoteError(f"the graphs on {endpoints.query} do not hold what was pushed ({why}): "
                          + "; ".join(wrong), url=endpoints.query)
    report.seconds = time.perf_counter() - pusher.started
    report.batches = pusher.batches
    report.upload_seconds = pusher.upload_seconds
    report.read_seconds = pusher.read_seconds
    report.swap_seconds = pusher.swap_seconds
    for g, n in report.graphs.items():
        say(f"<{g}>: {n} triples, verified")
    return report


def _present(engine: RemoteEngine, graph: str, triples: list[ox.Triple]) -> set[ox.Triple]:
    """Which of ``triples`` (no blank nodes) the server's ``graph`` holds, by one query."""
    if not triples:
        return set()
    rows = " ".join(f"({t.subject} {t.predicate} {t.object})" for t in triples)
    table = engine._select(f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {rows} }} "
                           f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}",
                           what=f"checking changed triples of <{graph}>")
    return {ox.Triple(*row) for row in table.rows}


def _missing_graphs(nq: Path, wanted: set[str] | None, found: Iterable[str]) -> None:
    found = set(found)
    missing = sorted((wanted or set()) - found)
    if missing:
        raise KGError(f"{nq} has no graph {', '.join(f'<{m}>' for m in missing)}; "
                      f"it has {', '.join(f'<{g}>' for g in sorted(found)) or 'none'}")
    if not found:
        raise KGError(f"{nq} holds no named graph to push")


def _push_changes(nq: Path, wanted: set[str] | None, pusher: _Pusher, on_server: set[str],
                  say: Callable[[str], None]) -> PushReport:
    """The ``diff`` swap: write only the differences (module docstring, steps 2-4)."""
    changes: dict[str, GraphChanges] = {}
    additions = _Body()
    writing = False  # a request that changes the graphs themselves is under way
    try:
        # 2. Read back the server's copy of each graph it holds; one pass over kg.nq.
        for quad in _quads(nq, wanted):
            graph = quad.graph_name.value
            found = changes.get(graph)
            if found is None:
                copy_ = None
                if graph in on_server:
                    say(f"<{graph}>: reading the server's copy")
                    copy_ = ServerCopy(pusher.read_graph(graph))
                    say(f"<{graph}>: {len(copy_):,} triples on the server")
                found = changes[graph] = GraphChanges(graph, copy_)
            if found.add(quad.triple):
                additions.add(quad)
        _missing_graphs(nq, wanted, changes)
        for found in changes.values():
            found.finish()
            if found.replace_blank:
                for triple in found.blank:
                    additions.add(ox.Quad(triple.subject, triple.predicate, triple.object,
                                          ox.NamedNode(found.graph)))
        report = PushReport({g: c.count for g, c in changes.items()}, swap="diff",
                            added=sum(c.added for c in changes.values()),
                            removed=sum(c.removed + c.removed_blank for c in changes.values()),
                            samples={g: (c.added_sample, c.removed_sample) for g, c in changes.items()})
        for found in changes.values():
            if not found.fresh:
                say(f"<{found.graph}>: {found.added:,} triples to add, "
                    f"{found.removed + found.removed_blank:,} to remove")
        if not any(c.changed for c in changes.values()):
            say("the graphs on the server are already what is pushed: nothing to write")
            return report
        big = [c for c in changes.values() if c.needs_removal and c.added > BIG_GRAPH]
        if big:
            say(f"note: {', '.join(f'<{c.graph}> gets {c.added:,} new triples' for c in big)} in one "
                "transaction (triples are also removed, which the bulk loader cannot do): this "
                "takes time and memory on the server (docs/remote.md)")

        if not any(c.needs_removal for c in changes.values()) and len(additions) >= BULK_FROM:
            # 3. Only additions: one bulk request, visible all at once.
            say(f"adding {len(additions):,} triples in one bulk upload")
            writing = True
            pusher.send("POST", [], additions.ready(), _NQUADS, "adding the new triples", bulk=True)
            return report

        # 4. Removals and additions in one update request: one transaction.
        update = _UpdateBody()
        try:
            for found in changes.values():
                if found.removed:
                    say(f"<{found.graph}>: reading the server's copy again for the triples to remove")
                    update.data("DELETE", (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(found.graph))
                                           for t in found.removals(pusher.read_graph(found.graph))))
            for found in changes.values():
                if found.replace_blank:
                    update.operation(_DELETE_BLANK.format(graph=ox.NamedNode(found.graph)))
            update.data("INSERT", additions.quads())
            say(f"applying the changes to {sum(c.changed for c in changes.values())} graph(s) in one update "
                f"({report.added:,} triples added, {report.removed:,} removed)")
            writing = True
            pusher.swap(update.ready())
        finally:
            update.close()
        return report
    except BaseException as exc:
        if writing and isinstance(exc, RemoteError) and exc.status is None:
            # No answer to the request that writes the graphs: the server may still be
            # running it, or have run it (the temporary graphs are left to the next push).
            raise RemoteError(f"{exc}; the server may still be writing the changes: check the "
                              "graphs' triple counts, and push again if they are wrong",
                              url=exc.url) from None
        if isinstance(exc, RemoteError):
            raise RemoteError(f"{exc}; the graphs on the server are unchanged", url=exc.url,
                              status=exc.status) from None
        raise
    finally:
        additions.close()


def _push_copies(nq: Path, wanted: set[str] | None, pusher: _Pusher, swap: str,
                 say: Callable[[str], None]) -> PushReport:
    """The ``move``, ``insert`` and ``none`` swaps: upload whole copies (module docstring)."""
    dialect = pusher.engine.dialect
    big = {g: n for g, n in pusher.totals.items() if n > BIG_GRAPH and (wanted is None or g in wanted)}
    if big and swap != "none":
        say(f"note: {', '.join(f'<{g}> has {n:,} triples' for g, n in big.items())}; the swap copies "
            "them once more on the server, which can take longer than the upload (docs/remote.md)")
    uploads: dict[str, _Upload] = {}
    token = secrets.token_hex(6)
    swapping = False
    try:
        # 2. Upload every graph into its temporary graph, in one pass over kg.nq.
        for quad in _quads(nq, wanted):
            iri = quad.graph_name.value
            upload = uploads.get(iri)
            if upload is None:
                target = iri if swap == "none" else temporary_iri(iri, token)
                upload = uploads[iri] = _Upload(iri, target, pusher)
                say(f"<{iri}>: uploading into <{upload.tmp}>")
            upload.add(quad.triple)
        _missing_graphs(nq, wanted, uploads)
        for upload in uploads.values():
            upload.finish()

        if swap != "none":
            # 3. Verify the temporary graphs.
            say("verifying the uploaded triple counts")
            pusher.check_counts({u.tmp: u.count for u in uploads.values()}, "the copies")
            # 4. Swap them all in, in one update request.
            say(f"replacing {len(uploads)} graph{'s' if len(uploads) != 1 else ''} "
                f"({dialect.swap_label(swap)})")
            swapping = True
            pusher.swap(dialect.swap_text([(u.graph, u.tmp) for u in uploads.values()], swap))
            swapping = False
            if dialect.swap_keeps_copies(swap):
                left = pusher.drop(u.tmp for u in uploads.values())
                if left:
                    say(f"could not drop the temporary graph(s) {', '.join(f'<{t}>' for t in left)}: "
                        "the next push, or kg push --clean-uploads, removes them")
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
    return PushReport({g: u.count for g, u in uploads.items()}, swap=swap,
                      added=sum(u.count for u in uploads.values()))
