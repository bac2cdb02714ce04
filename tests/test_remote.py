"""The remote backend against real servers: ``kg push`` and ``--endpoint``.

Every test of a server runs against each engine of :data:`tests.servers.ENGINES`: Oxigraph
(``oxigraph serve``, the ``oxigraph`` package's binary) and OpenLink Virtuoso (a private
``virtuoso-t`` instance, Debian's ``virtuoso-opensource-7``), one instance of each per
session (``tests/conftest.py``). The suite pushes the real curated build (to Virtuoso with
HTTP Digest, as it requires) and checks that every named query, paths and
neighbourhoods answer as the embedded store does. Failures are provoked with a small
HTTP proxy (``http.server`` in a thread) in front of the server: a 5xx in the middle of
an upload, an upload silently lost, a failing swap; the server's graphs must then be
unchanged and no temporary graph left behind.
"""

from __future__ import annotations

import http.client
import http.server
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import KGError, QueryError, UnsafeQueryError
from kg.query.engine import GRAPHS
from kg.query.library import list_queries
from kg.query.results import GraphResult, ResultTable, term_to_python
from kg.remote import Endpoints, RemoteError, push
from kg.remote.engine import RemoteEngine
from kg.remote.dialects import dialect, has_arbitrary_length_path
from kg.remote.errors import RemoteQueryError
from kg.remote.http import authorization
from kg.sparql import analyse
from kg.vocab import PREFIXES
from tests.servers import ENGINES, Oxigraph, free_port

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)

CURATED = GRAPHS["curated"]
ONTOLOGY = GRAPHS["ontology"]


# --------------------------------------------------------------------------- the servers
def refused_on(engine: str, text: str) -> bool:
    """Whether ``kg`` refuses to send this query to the server: Virtuoso answers ``*`` and
    ``+`` property paths wrongly, differently from run to run (``Dialect.path_defect``), and
    DESCRIBE from graphs outside the dataset (``Dialect.describe_defect``)."""
    server = dialect(engine)
    return (bool(server.path_defect) and has_arbitrary_length_path(text)) or \
        (bool(server.describe_defect) and analyse(text, PREFIXES).form == "DESCRIBE")


def assert_refused(call) -> None:
    """The query is refused, naming the server's defect, without an answer."""
    with pytest.raises(RemoteQueryError,
                       match=r"arbitrary-length property paths \(\* and \+\)|answers DESCRIBE from graphs"):
        call()


def _serve(tmp_path_factory, preload: Path | None = None):
    """A private ``oxigraph serve`` for one module (tests/servers.py): yields its base URL."""
    with Oxigraph(tmp_path_factory.mktemp("oxigraph") / "store", preload=preload) as server:
        yield server.url


@pytest.fixture(scope="module", params=ENGINES)
def target(request):
    """Each server in turn (tests/servers.py): one private instance per session."""
    return request.getfixturevalue(f"{request.param}_target")


@pytest.fixture(scope="module")
def server(target) -> str:
    return target.query_url


@pytest.fixture(scope="module")
def pushed(target, real_build):
    """The real build, pushed once; the push report."""
    return push(real_build, target.endpoints, batch_size=1000, client=target.client())


@pytest.fixture(scope="module")
def embedded(real_build):
    return kg.load(real_build, build=False)


@pytest.fixture(scope="module")
def remote(target, pushed):
    return kg.load(endpoint=target.query_url)


def _select(url: str, query: str) -> list[tuple]:
    engine = RemoteEngine(url)
    return engine._select(query, what="test").to_records()


OURS = CURATED.rsplit("/", 1)[0] + "/"  # our graphs and their temporary upload graphs


def _server_graphs(url: str) -> dict[str, int]:
    """Triples per graph of ours on the server (Virtuoso holds system graphs too)."""
    rows = _select(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {g: n for g, n in rows if g.startswith(OURS)}


def _graph_content(url: str, iri: str) -> set[str]:
    engine = RemoteEngine(url)
    triples = engine._post(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
                           "application/n-triples", what="test", graph=True).triples
    # Blank-node labels differ between answers: compare with them blanked out.
    return {" ".join("_:b" if isinstance(t, ox.BlankNode) else str(t)
                     for t in (x.subject, x.predicate, x.object)) for x in triples}


def _local_counts(graph) -> dict[str, int]:
    store = graph.engine.store
    return {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
            for g in store.named_graphs()}


def _plain(result, text: str = "") -> Counter:
    """A result as a multiset of plain-value rows (blank nodes made comparable).

    GROUP_CONCAT joins its values in no defined order (engines, and runs, differ), so the
    parts of a GROUP_CONCAT column of ``text`` are compared sorted.
    """
    concat = {m.group(2): m.group(1) for m in re.finditer(
        r'GROUP_CONCAT\(.*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', text, re.I | re.S)}

    def value(term, column=None):
        if isinstance(term, ox.BlankNode):
            return "_:b"
        plain = term_to_python(term)
        if column in concat and isinstance(plain, str):
            return tuple(sorted(plain.split(concat[column])))
        return plain

    if isinstance(result, ResultTable):
        return Counter(tuple(value(t, v) for t, v in zip(row, result.variables)) for row in result.rows)
    if isinstance(result, GraphResult):
        return Counter(tuple(value(t) for t in (x.subject, x.predicate, x.object)) for x in result.triples)
    return Counter([bool(result)])


# ---------------------------------------------------------------------------------- push
def test_push_uploads_every_graph_and_counts_match(target, server, pushed, embedded):
    local = _local_counts(embedded)
    assert set(local) >= {CURATED, ONTOLOGY}
    assert pushed.graphs == local
    assert pushed.swap == target.dialect.swap
    if pushed.swap == "diff":
        # Only what the server lacked was written, in one bulk request (none if it had it all).
        assert pushed.batches <= 1 and pushed.removed == 0
    else:
        assert pushed.batches >= 4  # 1000 triples a batch: the curated graph took several
    on_server = _server_graphs(server)
    for iri, n in local.items():
        assert on_server[iri] == n
    assert not [g for g in on_server if "-upload-" in g]


def test_repush_replaces_and_never_duplicates(target, server, pushed, real_build):
    before = _server_graphs(server)
    content = _graph_content(server, ONTOLOGY)
    again = push(real_build, target.endpoints, batch_size=700, client=target.client())
    assert again.graphs == pushed.graphs
    assert _server_graphs(server) == before
    assert _graph_content(server, ONTOLOGY) == content  # blank-node structures included
    if again.swap == "diff":  # the server already held it all: nothing was written
        assert (again.added, again.removed, again.batches) == (0, 0, 0)


@pytest.mark.parametrize("swap", ["diff", "move", "insert"])
def test_every_atomic_swap_replaces_exactly(swap, target, server, pushed, real_build, edited_nq):
    if swap == "diff" and not target.dialect.can_diff:
        with pytest.raises(KGError, match="--swap diff needs"):
            push(edited_nq, target.endpoints, swap=swap, client=target.client())
        return
    report = push(edited_nq, target.endpoints, swap=swap, batch_size=900, client=target.client())
    expected = _nq_content(edited_nq)
    assert _graph_content(server, CURATED) == expected[CURATED]
    assert _graph_content(server, ONTOLOGY) == expected[ONTOLOGY]
    assert report.graphs == Counter(q.graph_name.value for q in ox.parse(path=str(edited_nq),
                                                                        format=ox.RdfFormat.N_QUADS))
    if swap == "diff":
        assert (report.added, report.removed) == (1, 1)
    back = push(real_build, target.endpoints, swap=swap, client=target.client())
    assert back.graphs == pushed.graphs
    assert _graph_content(server, CURATED) == _nq_content(real_build / "kg.nq")[CURATED]
    assert not [g for g in _server_graphs(server) if "-upload-" in g]


@pytest.mark.parametrize("swap", ["auto", "insert"])
def test_push_one_graph_only(swap, target, server, pushed, real_build):
    report = push(real_build, target.endpoints, graphs=["ontology"], swap=swap, client=target.client())
    assert list(report.graphs) == [ONTOLOGY]
    assert _server_graphs(server)[ONTOLOGY] == pushed.graphs[ONTOLOGY]
    with pytest.raises(KGError, match="has no graph"):
        push(real_build, target.endpoints, graphs=["http://example.org/absent"], client=target.client())


def test_blank_nodes_survive_batching(server, pushed, real_build, embedded):
    # The ontology's OWL restrictions are blank nodes: batches must not split them.
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?r a owl:Restriction ; owl:onProperty ?p }"
    remote = kg.load(endpoint=server)
    assert remote.sparql(query).to_records() == embedded.sparql(query).to_records()


def test_cli_push(target, pushed, real_build):
    result = CliRunner().invoke(main, ["push", *target.push_args, "--out", str(real_build),
                                       "--batch-size", "2000"], env=target.env)
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t") for line in result.stdout.splitlines())
    assert {k: int(v) for k, v in lines.items()} == pushed.graphs
    assert "verified" in result.stderr and "triples/s" in result.stderr


# ------------------------------------------------------------------------------- queries
@pytest.mark.parametrize("nq", list_queries(), ids=lambda q: q.name)
def test_every_named_query_answers_as_embedded(nq, target, remote, embedded):
    if nq.name.startswith("hpo-") and GRAPHS["hpo"] not in embedded.engine.graph_iris:
        pytest.skip("the build has no HPO graph")
    if refused_on(target.name, nq.text):
        assert_refused(lambda: remote.named(nq.name))
        return
    local = embedded.named(nq.name)
    there = remote.named(nq.name)
    assert type(there) is type(local)
    assert there.variables == local.variables
    assert len(local) > 0 or nq.name.startswith("hpo-")
    assert _plain(there, nq.text) == _plain(local, nq.text)


def test_named_query_with_a_label_parameter(remote, embedded):
    params = {"type": "action myoclonus"}
    assert _plain(remote.named("first-line-drug", params)) == _plain(embedded.named("first-line-drug", params))


@pytest.mark.parametrize("query", [
    "ASK { mk:clonazepam mkv:treats mk:action_myoclonus }",
    "ASK { mk:clonazepam mkv:treats mk:epilepsy_absent_here }",
    "CONSTRUCT WHERE { mk:clonazepam ?p ?o }",
    "CONSTRUCT { ?d mkv:treats ?t } WHERE { ?d mkv:treats ?t }",
    "DESCRIBE mk:clonazepam",
    "SELECT ?c (COUNT(*) AS ?n) WHERE { ?x a ?c } GROUP BY ?c",
    "SELECT * WHERE { ?x mkv:subtypeOf+ mk:myoclonus OPTIONAL { ?x rdfs:comment ?c } }",
    "PREFIX mk: <http://example.org/other/> SELECT ?x WHERE { ?x ?p mk:myoclonus }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?s WHERE { ?s rdfs:label \"clonazepam\" }",
    "SELECT ?r ?p WHERE { ?r a owl:Restriction ; owl:onProperty ?p }",  # blank nodes in a table
    "SELECT ?l WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, \"é\") || LANG(?l) != \"\") }",
])
def test_sparql_answers_as_embedded(query, target, remote, embedded):
    if refused_on(target.name, query):
        assert_refused(lambda: remote.sparql(query))
        return
    local, there = embedded.sparql(query), remote.sparql(query)
    assert type(there) is type(local)
    assert _plain(there) == _plain(local)


@pytest.mark.parametrize("graphs", [("curated",), ("ontology",), ("curated", "ontology"), ()])
def test_graph_choice_as_embedded(graphs, remote, embedded):
    query = "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
    assert _plain(remote.sparql(query, graphs=graphs)) == _plain(embedded.sparql(query, graphs=graphs))


@pytest.mark.parametrize("query", [
    "SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }",      # no alias named: no twins
    "SELECT ?x WHERE { ?x mkv:causes HP:0001336 }",          # an alias named: its twins answer
    "SELECT ?k WHERE { ?k mkv:subtypeOfClosure HP:0001336 }",
])
def test_alias_twins_join_only_queries_naming_an_alias_as_embedded(query, remote, embedded):
    local, there = embedded.sparql(query), remote.sparql(query)
    assert len(local) > 0
    assert _plain(there) == _plain(local)


def test_explicit_dataset_as_a_protocol_request_gives_it(server, pushed, remote, embedded):
    engine = remote.engine
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_ontology = engine.query(query, default_graph_iris=[ONTOLOGY], named_graph_iris=[])
    assert only_ontology.to_records() == embedded.sparql(query, graphs=("ontology",)).to_records()
    own_from = engine.query(f"SELECT (COUNT(*) AS ?n) FROM <{CURATED}> WHERE {{ ?s ?p ?o }}",
                            default_graph_iris=(), named_graph_iris=())
    assert own_from.to_records() == embedded.sparql(query, graphs=("curated",)).to_records()
    with pytest.raises(UnsafeQueryError):
        engine.query(query, default_graph_iris=["http://example.org/other"])


def test_limit_truncates_like_embedded(remote, embedded):
    # (Blank-node labels are the server's own, so they would sort differently.)
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p ?o"
    local, there = embedded.sparql(query, limit=5), remote.sparql(query, limit=5)
    assert there.truncated and local.truncated
    assert there.to_records() == local.to_records()


@pytest.mark.parametrize("value", [
    'a"} . } ; DROP ALL #', "line\nbreak\r\ttab \\ backslash", "\u00e9t\u00e9 \u2028 \U0001F600",
    "'''", '"""', "\x01control", "",
])
def test_parameters_are_bound_as_terms(value, server, remote, embedded):
    # A parameter must be projected (pyoxigraph's substitutions refuse it otherwise).
    query = "SELECT ?v (STRLEN(?v) AS ?n) WHERE { }"
    there = remote.sparql(query, {"v": value})
    assert there.to_records() == embedded.sparql(query, {"v": value}).to_records()
    assert there.to_records()[0][0] == value
    assert _server_graphs(server)[CURATED] > 0  # nothing was dropped


def test_iri_and_typed_parameters(remote, embedded):
    query = "SELECT ?d ?t ?k ?n WHERE { ?d mkv:treats ?t . BIND(?k + 1 AS ?n) }"
    params = {"t": embedded.iri("mk:action_myoclonus"), "k": 41}
    assert _plain(remote.sparql(query, params)) == _plain(embedded.sparql(query, params))
    assert {r[3] for r in remote.sparql(query, params).to_records()} == {42}


def test_malformed_query_reports_the_same_position(remote, embedded):
    query = "SELECT ?x WHERE {\n  ?x mkv:treats \n}"
    with pytest.raises(QueryError) as local:
        embedded.sparql(query)
    with pytest.raises(QueryError) as there:
        remote.sparql(query)
    assert (there.value.line, there.value.column) == (local.value.line, local.value.column)
    assert str(there.value) == str(local.value)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "DROP ALL",
])
def test_unsafe_queries_are_refused_before_sending(query, remote):
    with pytest.raises(UnsafeQueryError):
        remote.sparql(query)


def test_paths_and_neighbourhoods_as_embedded(remote, embedded):
    for source, target in (("hypoxia", "clonazepam"), ("clonazepam", "drowsiness")):
        local = [p.text() for p in embedded.path(source, target, k=3)]
        assert [p.text() for p in remote.path(source, target, k=3)] == local
    a, b = embedded.neighbourhood("clonazepam", 2), remote.neighbourhood("clonazepam", 2)
    assert dict(a.nodes(data="distance")) == dict(b.nodes(data="distance"))
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    assert remote.entity("clonazepam")["edges"] == embedded.entity("clonazepam")["edges"]


def test_remote_graph_is_fetched_once(server, pushed, monkeypatch):
    engine = RemoteEngine(server)
    calls = []
    original = engine._post

    def counting(query, *args, **kwargs):
        calls.append(query)
        return original(query, *args, **kwargs)

    monkeypatch.setattr(engine, "_post", counting)
    graph = kg.api.KnowledgeGraph(None, engine=engine)
    graph.path("hypoxia", "clonazepam")
    graph.path("clonazepam", "drowsiness")
    graph.neighbourhood("myoclonus")
    fetches = [q for q in calls if "CONSTRUCT" in q]
    assert fetches and len(fetches) == len(set(fetches))  # each graph the view reads, once


@pytest.mark.parametrize("command", [
    ["query", "--name", "first-line-drug", "--format", "json"],
    ["query", "SELECT ?d WHERE { ?d mkv:treats mk:action_myoclonus } ORDER BY ?d", "--format", "csv"],
    ["path", "hypoxia", "clonazepam"],
    ["neighbourhood", "clonazepam", "--depth", "1"],
])
def test_cli_endpoint_option_as_embedded(command, server, pushed, real_build):
    runner = CliRunner()
    local = runner.invoke(main, command + ["--out", str(real_build)])
    there = runner.invoke(main, command + ["--endpoint", server])
    assert local.exit_code == 0, local.output
    assert there.exit_code == 0, there.output
    assert there.stdout == local.stdout


def test_endpoint_and_out_exclude_each_other(server, real_build):
    with pytest.raises(KGError, match="not both"):
        kg.load(real_build, endpoint=server)


# ------------------------------------------------------------------------------ failures
def _closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_server_down_push(real_build):
    url = _closed_port_url()
    result = CliRunner().invoke(main, ["push", "--endpoint", url, "--out", str(real_build), "-q"])
    assert result.exit_code == 1
    assert f"{url}/query" in result.stderr and "cannot reach" in result.stderr
    assert "Traceback" not in result.output


def test_server_down_query():
    url = _closed_port_url()
    result = CliRunner().invoke(main, ["query", "ASK {}", "--endpoint", url])
    assert result.exit_code == 1
    assert url in result.stderr and "cannot reach" in result.stderr


def test_wrong_url_is_a_clear_404(target, server, pushed, real_build):
    before = _server_graphs(server)
    result = CliRunner().invoke(main, ["push", *target.push_args, "--store-url", target.url + "/nope",
                                       "--out", str(real_build), "-q"], env=target.env)
    assert result.exit_code == 1
    unknown = {"oxigraph": "HTTP 404", "virtuoso": "HTTP 501"}[target.name]  # Virtuoso: PUT not implemented
    assert unknown in result.stderr and f"{target.url}/nope" in result.stderr
    assert _server_graphs(server) == before
    result = CliRunner().invoke(main, ["query", "ASK {}", "--endpoint", target.url + "/nothing/here"])
    assert result.exit_code == 1 and "HTTP 404" in result.stderr


class _Proxy:
    """A loopback HTTP proxy in front of the server that can break one request.

    ``fail``: ``(method, path, n)``: the n-th such request is answered ``status`` without
    being forwarded (``status`` 204 loses it silently). Headers are recorded.
    """

    def __init__(self, upstream: str, fail: tuple[str, str, int] | None = None, status: int = 503):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.url_path = self.upstream.path.rstrip("/")
        self.fail = fail
        self.status = status
        self.seen: Counter = Counter()
        self.headers: list[dict] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urllib.parse.urlsplit(self.path).path
                proxy.headers.append(dict(self.headers))
                proxy.seen[(self.command, path)] += 1
                if proxy.fail and (self.command, path) == proxy.fail[:2] and \
                        proxy.seen[(self.command, path)] == proxy.fail[2]:
                    self.send_response(proxy.status)
                    self.send_header("Content-Length", "0" if proxy.status == 204 else "13")
                    self.end_headers()
                    if proxy.status != 204:
                        self.wfile.write(b"server broke\n")
                    return
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.base + self.url_path
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _extra(text: str = "pushed by a failing test") -> ox.Quad:
    return ox.Quad(ox.NamedNode("https://w3id.org/myoclonus-kg/entity/clonazepam"),
                   ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(text),
                   ox.NamedNode(CURATED))


def _write_nq(path: Path, quads) -> Path:
    path.write_bytes(ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS))
    return path


def _nq_content(path: Path) -> dict[str, set[str]]:
    """The triples of each graph of an N-Quads file, blank nodes blanked (as _graph_content)."""
    content: dict[str, set[str]] = {}
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        content.setdefault(q.graph_name.value, set()).add(
            " ".join("_:b" if isinstance(t, ox.BlankNode) else str(t) for t in (q.subject, q.predicate, q.object)))
    return content


@pytest.fixture()
def changed_nq(real_build, tmp_path) -> Path:
    """The build's N-Quads with one extra curated triple: a push that must not land."""
    quads = list(ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    return _write_nq(tmp_path / "changed.nq", quads + [_extra()])


@pytest.fixture()
def grown_nq(real_build, tmp_path) -> Path:
    """The build's N-Quads with 12,000 more curated triples: enough for the bulk loader."""
    quads = list(ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    p = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    quads += [ox.Quad(ox.NamedNode(f"https://w3id.org/myoclonus-kg/entity/grown{i}"), p, ox.Literal(f"g{i}"),
                      ox.NamedNode(CURATED)) for i in range(12_000)]
    return _write_nq(tmp_path / "grown.nq", quads)


@pytest.fixture()
def edited_nq(real_build, tmp_path) -> Path:
    """The build's N-Quads with one curated triple replaced by another: a push that adds
    and removes (so the ``diff`` swap needs its transaction)."""
    quads = list(ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    gone = next(i for i, q in enumerate(quads) if q.graph_name.value == CURATED
                and not isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode))
    return _write_nq(tmp_path / "edited.nq", quads[:gone] + quads[gone + 1:] + [_extra("an edit")])


@pytest.mark.parametrize("swap,edit,fail,status,message", [
    # move: whole copies in batches, then one swap
    ("move", "changed", ("POST", "store", 3), 503, "HTTP 503"),   # a 5xx in the middle of the upload
    ("move", "changed", ("PUT", "store", 2), 500, "HTTP 500"),    # the first batch of the second graph
    ("move", "changed", ("POST", "store", 2), 204, "incomplete"),  # a batch silently lost: count mismatch
    ("move", "changed", ("POST", "update", 1), 500, "HTTP 500"),  # the swap itself fails
    # diff: the server's copy read back, then only the changes
    ("diff", "changed", ("GET", "store", 2), 500, "HTTP 500"),    # reading the server's copy fails
    ("diff", "changed", ("POST", "update", 1), 500, "HTTP 500"),  # the INSERT DATA of a few additions
    ("diff", "grown", ("POST", "store", 1), 503, "HTTP 503"),     # the bulk upload of many additions
    ("diff", "edited", ("GET", "store", 3), 500, "HTTP 500"),     # reading again for the removals
    ("diff", "edited", ("POST", "update", 1), 500, "HTTP 500"),   # the transaction of removals + additions
])
def test_failed_push_leaves_the_server_unchanged(swap, edit, fail, status, message, target, server, pushed,
                                                 request):
    if swap == "diff" and not target.dialect.can_diff:
        pytest.skip(f"{target.dialect.label} has no atomic bulk upload: no diff swap")
    nq = request.getfixturevalue(f"{edit}_nq")
    before = _server_graphs(server)
    content = _graph_content(server, CURATED)
    fail = (fail[0], target.path(fail[1]), fail[2])
    with _Proxy(target.url, fail, status) as proxy:
        with pytest.raises(RemoteError, match=message) as info:
            push(nq, target.dialect.endpoints(proxy.url), batch_size=500, client=target.client(),
                 server=target.dialect, swap=swap)
        assert proxy.seen[fail[:2]] >= fail[2]
    assert "unchanged" in str(info.value) and proxy.url in str(info.value)
    assert _server_graphs(server) == before  # no temporary graph left, counts as they were
    assert _graph_content(server, CURATED) == content


@pytest.mark.parametrize("edit,fail", [("grown", ("POST", "store", 1)), ("edited", ("POST", "update", 1))])
def test_lost_diff_write_is_caught_by_the_final_check(edit, fail, target, server, pushed, request):
    # The diff swap writes the graphs with one request and no temporary graph: if that
    # request is lost silently, the final count finds it (and the graphs are as they were).
    if not target.dialect.can_diff:
        pytest.skip(f"{target.dialect.label} has no atomic bulk upload: no diff swap")
    nq = request.getfixturevalue(f"{edit}_nq")
    before = _server_graphs(server)
    with _Proxy(target.url, (fail[0], target.path(fail[1]), fail[2]), 204) as proxy:
        with pytest.raises(RemoteError, match="do not hold what was pushed"):
            push(nq, target.dialect.endpoints(proxy.url), client=target.client(), server=target.dialect)
    assert _server_graphs(server) == before


class _CutProxy(_Proxy):
    """A proxy that forwards only the first half of one upload's body, then hangs up on
    both sides: the server sees a request cut off mid-body, as when a push is killed."""

    def __init__(self, upstream: str, method: str, path: str):
        super().__init__(upstream)
        proxy = self
        proxy.cut = 0
        handler = self.httpd.RequestHandlerClass
        forward = handler._handle

        def cut(self):
            if (self.command, urllib.parse.urlsplit(self.path).path) != (method, path) or proxy.cut:
                return forward(self)
            proxy.cut += 1
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for key, value in self.headers.items():
                if key.lower() != "connection":
                    conn.putheader(key, value)
            conn.endheaders()
            conn.send(body[: length // 2])
            time.sleep(0.5)
            conn.close()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        handler.do_POST = handler.do_PUT = cut
        self.httpd.handle_error = lambda *args: None  # the connection it cut is expected to fail


def _drop_graph(target, iri: str) -> None:
    answer = target.client().request("POST", target.endpoints.update, body=f"DROP SILENT GRAPH <{iri}>".encode(),
                                      content_type="application/sparql-update", what="test")
    answer.read()
    answer.close()


class _Reader(threading.Thread):
    """Counts the triples of some graphs, in one query, over and over, until stopped."""

    def __init__(self, url: str, graphs: list[str]):
        super().__init__(daemon=True)
        values = " ".join(f"<{g}>" for g in graphs)
        self.query = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                      "GROUP BY ?g")
        self.engine = RemoteEngine(url)
        self.seen: list[tuple[float, dict[str, int]]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                rows = self.engine._select(self.query, what="reading during a push").to_records()
                self.seen.append((time.monotonic(), {g: n for g, n in rows}))
            except RemoteError as exc:  # noqa: PERF203 - a reader that failed is a finding
                self.errors.append(str(exc))
            time.sleep(0.002)  # a sliver of CPU for the push (the machine may have two cores)


def test_readers_never_see_a_graph_missing_or_half_loaded(target, server, pushed, real_build, tmp_path):
    # While a push replaces the graphs, another client queries them without pause: every
    # answer must be the graphs before the push, or after it, all together; never a graph
    # missing, partly loaded, or some graphs old and others new. Three pushes: one that only
    # adds (a new graph, and triples to a graph), one that adds and removes, one back.
    extra = ox.NamedNode("http://example.org/reader-test")
    p = ox.NamedNode("http://example.org/p")
    base = list(ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    size = 8_000  # triples added to the curated graph, and in a new graph (above BULK_FROM)
    more = [ox.Quad(ox.NamedNode(f"https://w3id.org/myoclonus-kg/entity/reader{i}"), p, ox.Literal(f"v{i}"),
                    ox.NamedNode(CURATED)) for i in range(size)]
    other = [ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), p, ox.Literal(f"w{i}"), extra)
             for i in range(size)]
    gone = set([q for q in base if q.graph_name.value == CURATED and not isinstance(q.subject, ox.BlankNode)
                and not isinstance(q.object, ox.BlankNode)][:200])
    grown = _write_nq(tmp_path / "grown.nq", base + more + other)
    edited = _write_nq(tmp_path / "edited.nq", [q for q in base if q not in gone] + more[3_000:] + other)
    graphs = [CURATED, ONTOLOGY, extra.value]
    state0 = {g: n for g, n in _server_graphs(server).items() if g in graphs}
    state1 = {CURATED: state0[CURATED] + size, ONTOLOGY: state0[ONTOLOGY], extra.value: size}
    state2 = {CURATED: state0[CURATED] - 200 + size - 3_000, ONTOLOGY: state0[ONTOLOGY], extra.value: size}
    state3 = {**state0, extra.value: size}  # a push only touches the graphs of its file
    seen_torn: list[str] = []
    wrong_after: list[str] = []
    try:
        for source, old, new in ((grown, state0, state1), (edited, state1, state2), (real_build, state2, state3)):
            reader = _Reader(server, graphs)
            reader.start()
            try:
                while not reader.seen and not reader.errors:
                    time.sleep(0.01)
                start = time.monotonic()
                try:
                    report = push(source, target.endpoints, client=target.client(timeout=600))
                except RemoteError as exc:
                    # Virtuoso, measured: once in four runs, DROP + ADD under this reader
                    # left a graph with more triples than pushed; the final check caught it.
                    if target.name != "virtuoso" or "do not hold what was pushed" not in str(exc):
                        raise
                    wrong_after.append(f"{source.name}: {exc}")
                    break
                end = time.monotonic()
                time.sleep(0.2)
            finally:
                reader.halt.set()
                reader.join(timeout=120)
            assert not reader.errors
            assert report.graphs[CURATED] == new[CURATED]
            key = lambda state: tuple(sorted(state.items()))  # noqa: E731
            states = Counter(key(seen) for _, seen in reader.seen)
            torn = {state: n for state, n in states.items() if state not in (key(old), key(new))}
            if torn and target.name == "virtuoso":
                seen_torn.append(f"{source.name}: {sum(torn.values())} of {sum(states.values())} answers, "
                                 f"{sorted(dict(state) for state in torn)}")
            else:
                assert not torn, (source.name, states)
            assert states[key(new)] > 0  # the new graphs were seen, whole
            during = [seen for t, seen in reader.seen if start <= t <= end]
            assert len(during) >= 3, f"the reader got only {len(during)} answers during the push"
    finally:
        _drop_graph(target, extra.value)
        if wrong_after:
            push(real_build, target.endpoints, client=target.client(timeout=600))  # no reader: repairs
    assert _server_graphs(server) == pushed.graphs
    if wrong_after:
        pytest.xfail("a Virtuoso push under a reader ended with the graphs wrong (caught by its final "
                     "check; docs/remote.md): " + "; ".join(wrong_after + seen_torn))
    if seen_torn:
        # Virtuoso 7.2.5 runs the swap as one transaction (a failure rolls all of it back), but
        # its readers (READ COMMITTED, row locks) can catch the commit half-way: measured from
        # none to about 1 answer in 50 while a reader polls without pause (docs/remote.md).
        pytest.xfail("Virtuoso's readers saw a swap half-committed: " + "; ".join(seen_torn))


def test_upload_cut_off_mid_body_changes_nothing(target, server, pushed, real_build, tmp_path):
    # A graph the server does not hold yet, big enough that half of it is a real part.
    graph = ox.NamedNode("http://example.org/cut-off-test")
    quads = [ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(f"value {i}"), graph) for i in range(20_000)]
    quads += list(ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    nq = _write_nq(tmp_path / "cut.nq", quads)
    before = _server_graphs(server)
    content = _graph_content(server, CURATED)
    method = "POST" if target.dialect.can_diff else "PUT"  # the one request of diff; a first batch
    with _CutProxy(target.url, method, target.path("store")) as proxy:
        with pytest.raises(RemoteError):
            push(nq, target.dialect.endpoints(proxy.url), client=target.client(), server=target.dialect,
                 batch_size=50_000)
        assert proxy.cut == 1
    assert graph.value not in {row[0] for row in _select(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    assert _server_graphs(server) == before
    assert _graph_content(server, CURATED) == content


def test_push_of_changed_graph_lands_when_nothing_fails(target, server, pushed, changed_nq, real_build):
    report = push(changed_nq, target.endpoints, batch_size=500, client=target.client())
    assert report.graphs[CURATED] == pushed.graphs[CURATED] + 1
    push(real_build, target.endpoints, client=target.client())  # put the build back
    assert _server_graphs(server)[CURATED] == pushed.graphs[CURATED]


def test_push_without_swap(target, server, pushed, changed_nq, real_build):
    report = push(changed_nq, target.endpoints, batch_size=800, swap="none", client=target.client())
    assert report.graphs[CURATED] == pushed.graphs[CURATED] + 1
    with _Proxy(target.url, ("POST", target.path("store"), 2), 503) as proxy:
        with pytest.raises(RemoteError, match="may now be incomplete"):
            push(real_build, target.dialect.endpoints(proxy.url), batch_size=800, swap="none",
                 client=target.client())
    push(real_build, target.endpoints, swap="none", client=target.client())  # repaired by pushing again
    assert {g: n for g, n in _server_graphs(server).items()} == pushed.graphs


# --------------------------------------------------------------------------- credentials
def test_credentials_come_from_the_environment_or_netrc(oxigraph_target, monkeypatch, tmp_path):
    server = oxigraph_target.url
    for var in ("KG_ENDPOINT_TOKEN", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "absent"))
    assert authorization("http://127.0.0.1:1/") is None
    with _Proxy(server) as proxy:
        monkeypatch.setenv("KG_ENDPOINT_TOKEN", "t0ken")
        RemoteEngine(proxy.url).query("ASK {}")
        assert proxy.headers[-1].get("Authorization") == "Bearer t0ken"
        monkeypatch.delenv("KG_ENDPOINT_TOKEN")
        netrc_file = tmp_path / "netrc"
        netrc_file.write_text("machine 127.0.0.1 login alice password s3cr3t\n")
        netrc_file.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc_file))
        RemoteEngine(proxy.url).query("ASK {}")
        assert proxy.headers[-1].get("Authorization") == "Basic YWxpY2U6czNjcjN0"
        monkeypatch.setenv("KG_ENDPOINT_USER", "bob")
        with pytest.raises(RemoteError, match="KG_ENDPOINT_PASSWORD"):
            RemoteEngine(proxy.url).query("ASK {}")


def test_credentials_in_the_url_are_refused():
    with pytest.raises(RemoteError, match="may not be part of the URL") as info:
        Endpoints.from_url("http://alice:s3cr3t@127.0.0.1:7878")
    assert "s3cr3t" not in str(info.value)


def test_push_has_no_credential_options():
    result = CliRunner().invoke(main, ["push", "--help"])
    assert result.exit_code == 0
    assert "--password" not in result.output and "--token" not in result.output
    assert "KG_ENDPOINT_TOKEN" in result.output
