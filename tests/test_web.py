"""The web application against a real server (``kg serve`` in a subprocess on loopback).

Protocol conformance is checked with real clients (SPARQLWrapper, rdflib's SPARQLStore) and
with the negative cases of the W3C SPARQL 1.1 Protocol test suite
(https://github.com/w3c/rdf-tests, ``sparql/sparql11/protocol/manifest.ttl``), each test
naming the W3C test it ports. Then safety (read-only, SERVICE/LOAD/FROM, a runaway query
stopped by the time limit while ``/health`` stays fast, the row cap), a bounded load test,
and the HTML pages.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rdflib

from kg.namespace import ENTITY, GRAPH_CLOSURE, GRAPH_CURATED, GRAPH_ENTAILED, GRAPH_HPO, GRAPH_ONTOLOGY
from kg.web.testing import serve

SPARQLWrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is in the test extra")

TIMEOUT = 2.0
MAX_ROWS = 1000
SELECT = "SELECT ?drug WHERE { ?drug mkv:treats mk:action_myoclonus } ORDER BY ?drug"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FORM = "application/x-www-form-urlencoded"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def web_build(real_build) -> Path:
    """The session's curated build (the server and the runners only read it)."""
    return real_build


@pytest.fixture(scope="module")
def server(web_build, tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("web-log") / "server.log"
    with serve(web_build, timeout=TIMEOUT, max_rows=MAX_ROWS, workers=2, log=log) as base:
        yield base


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def call(base: str, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    """One raw HTTP request (http.client sends exactly what we give it)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        conn.close()


def q(text: str, **extra: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text, **extra})


# ------------------------------------------------------------------- real clients
def test_sparqlwrapper_select_get_and_post(server):
    """W3C ``query_get`` and ``query_post_form``: the same SELECT by GET and by POST."""
    from SPARQLWrapper import GET, JSON, POST, SPARQLWrapper as Client

    drugs = []
    for method in (GET, POST):
        client = Client(server + "/sparql")
        client.setMethod(method)
        client.setQuery(SELECT)
        client.setReturnFormat(JSON)
        result = client.query()
        assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
        drugs.append([b["drug"]["value"] for b in result.convert()["results"]["bindings"]])
    assert drugs[0] == drugs[1]
    assert ENTITY + "clonazepam" in drugs[0]


def test_sparqlwrapper_formats(server):
    """W3C ``query_content_type_select``/``_ask``/``_construct``/``_describe``: each form in
    the media types a client asks for."""
    from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TSV, TURTLE, XML, SPARQLWrapper as Client

    client = Client(server + "/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(XML)
    doc = client.query().convert()
    assert doc.getElementsByTagName("uri")[0].firstChild.data.startswith(ENTITY)
    client.setReturnFormat(CSV)
    assert client.query().convert().splitlines()[0] == b"drug"
    client.setReturnFormat(TSV)
    assert client.query().convert().splitlines()[0] == b"?drug"

    client.setQuery("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True

    client.setQuery("CONSTRUCT { ?d mkv:treats mk:action_myoclonus } WHERE { ?d mkv:treats mk:action_myoclonus }")
    for fmt in (RDFXML, JSONLD):
        client.setReturnFormat(fmt)
        graph = client.query().convert()
        assert (rdflib.URIRef(ENTITY + "clonazepam"), None, rdflib.URIRef(ENTITY + "action_myoclonus")) in graph
    client.setReturnFormat(TURTLE)
    turtle = client.query().convert()
    assert (rdflib.URIRef(ENTITY + "clonazepam"), None, None) in rdflib.Graph().parse(data=turtle, format="turtle")

    client.setQuery("DESCRIBE mk:clonazepam")
    client.setReturnFormat(TURTLE)
    described = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (rdflib.URIRef(ENTITY + "clonazepam"), rdflib.RDFS.label, rdflib.Literal("clonazepam")) in described


def test_rdflib_sparqlstore(server):
    """rdflib's SPARQLStore: SELECT, ASK, CONSTRUCT and triple patterns through our endpoint."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(SPARQLStore(server + "/sparql"))
    clonazepam = rdflib.URIRef(ENTITY + "clonazepam")
    rows = list(graph.query(
        "SELECT ?d ?label WHERE { ?d <https://w3id.org/myoclonus-kg/vocab/treats> "
        "<https://w3id.org/myoclonus-kg/entity/action_myoclonus> ; rdfs:label ?label }"))
    assert (clonazepam, rdflib.Literal("clonazepam")) in rows
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    triples = list(graph.triples((clonazepam, rdflib.RDFS.label, None)))
    assert triples == [(clonazepam, rdflib.RDFS.label, rdflib.Literal("clonazepam"))]
    built = graph.query(f"CONSTRUCT {{ <{clonazepam}> ?p ?o }} WHERE {{ <{clonazepam}> ?p ?o }}").graph
    assert (clonazepam, rdflib.RDFS.label, rdflib.Literal("clonazepam")) in built


def test_project_remote_client(server):
    """Our own remote client (``kg.load(endpoint=...)``) works against our server (named
    queries, ASK). Whole-graph views through it are not checked here: this server caps
    results at MAX_ROWS, marked only by the X-KG-Truncated header."""
    pytest.importorskip("kg.remote.engine", reason="the remote client is not in this tree")
    import kg

    graph = kg.load(endpoint=server + "/sparql")
    rows = graph.named("first-line-drug").to_dicts()
    assert {r["drug"] for r in rows} == {ENTITY + "clonazepam"}
    assert graph.sparql("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }").value is True


def test_sparqlwrapper_update_is_refused(server):
    """W3C ``update_post_form`` / ``update_post_direct`` expect 2xx from an updatable store;
    ours is read-only by design, so the same requests get 403."""
    from SPARQLWrapper import POST, SPARQLWrapper as Client
    from urllib.error import HTTPError

    client = Client(server + "/sparql", updateEndpoint=server + "/sparql")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(HTTPError) as info:
        client.query()
    assert info.value.code == 403


# --------------------------------------------------------- W3C protocol, positive cases
def test_query_post_direct(server):
    """W3C ``query_post_direct``: ``ASK {}`` as an application/sparql-query body."""
    answer = call(server, "POST", "/sparql/", "ASK {}", {"Content-Type": "application/sparql-query"})
    assert answer.status == 200
    assert answer.json() == {"head": {}, "boolean": True}


def test_query_post_form_with_dataset_in_url(server):
    """W3C ``query_post_form``: form body, ``default-graph-uri`` in the URL (ours must be
    one of the store's graphs)."""
    answer = call(server, "POST", "/sparql/?" + urllib.parse.urlencode({"default-graph-uri": GRAPH_CURATED}),
                  "query=ASK%20%7B%7D", {"Content-Type": FORM})
    assert answer.status == 200 and answer.json()["boolean"] is True


def test_query_dataset_parameters(server):
    """W3C ``query_dataset_default_graphs_get``/``_post``, ``query_dataset_named_graphs_*``,
    ``query_dataset_full`` and ``query_multiple_dataset``, over our own graphs."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    n = lambda a: int(a.json()["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    everything = n(call(server, "GET", q(count)))
    curated = n(call(server, "GET", q(count, **{"default-graph-uri": GRAPH_CURATED})))
    ontology = n(call(server, "POST", "/sparql?" + urllib.parse.urlencode({"default-graph-uri": GRAPH_ONTOLOGY}),
                      count, {"Content-Type": "application/sparql-query"}))
    entailed = n(call(server, "GET", q(count, **{"default-graph-uri": GRAPH_ENTAILED})))
    closure = n(call(server, "GET", q(count, **{"default-graph-uri": GRAPH_CLOSURE})))
    assert 0 < curated < everything and 0 < ontology < everything and 0 < entailed < everything
    # The default graph: every graph but the aliases graph (the query names no alias).
    assert curated + ontology + entailed + closure == everything
    both = "/sparql?" + urllib.parse.urlencode([("query", count), ("default-graph-uri", GRAPH_CURATED),
                                                ("default-graph-uri", GRAPH_ONTOLOGY)])
    assert n(call(server, "GET", both)) == curated + ontology
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert n(call(server, "GET", q(named, **{"named-graph-uri": GRAPH_ONTOLOGY}))) == ontology
    full = "/sparql?" + urllib.parse.urlencode([
        ("query", "ASK { mk:clonazepam mkv:treats mk:action_myoclonus GRAPH ?g { mkv:Drug a owl:Class } }"),
        ("default-graph-uri", GRAPH_CURATED), ("named-graph-uri", GRAPH_ONTOLOGY)])
    assert call(server, "GET", full).json()["boolean"] is True
    # FROM in the query names the dataset when the protocol does not.
    from_query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert n(call(server, "GET", q(from_query))) == ontology


def test_content_negotiation(server):
    """Accept with q-values and wildcards picks the format; Content-Type says which."""
    cases = {
        "application/sparql-results+xml": "application/sparql-results+xml",
        "text/csv;q=0.9, text/tab-separated-values": "text/tab-separated-values",
        "text/*": "text/csv",
        "application/json": "application/sparql-results+json",
        "*/*": "application/sparql-results+json",
    }
    for accept, expected in cases.items():
        answer = call(server, "GET", q(SELECT), headers={"Accept": accept})
        assert answer.status == 200, accept
        assert answer.headers["content-type"].startswith(expected), accept
        assert answer.headers["vary"] == "Accept"
    construct = "CONSTRUCT { ?d mkv:treats mk:action_myoclonus } WHERE { ?d mkv:treats mk:action_myoclonus }"
    for accept, expected in {"": "text/turtle", "application/n-triples": "application/n-triples",
                             "application/ld+json": "application/ld+json",
                             "application/rdf+xml": "application/rdf+xml"}.items():
        answer = call(server, "GET", q(construct), headers={"Accept": accept} if accept else {})
        assert answer.status == 200 and answer.headers["content-type"].startswith(expected), accept
        fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}[expected]
        assert len(rdflib.Graph().parse(data=answer.body, format=fmt)) >= 2


def test_service_description(server):
    """GET on the endpoint without a query: a SPARQL 1.1 Service Description (Turtle by
    default), naming the endpoint, the language and the graphs; a browser goes to the UI."""
    answer = call(server, "GET", "/sparql")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    service = graph.value(None, rdflib.RDF.type, sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(server + "/sparql")
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (None, sd.name, rdflib.URIRef(GRAPH_CURATED)) in graph
    nt = call(server, "GET", "/sparql", headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    browser = call(server, "GET", "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status == 303 and browser.headers["location"] == "/"


# --------------------------------------------------------- W3C protocol, negative cases
def test_bad_query_method(server):
    """W3C ``bad_query_method``: PUT with a query -> 4xx (we answer 405 with Allow)."""
    answer = call(server, "PUT", "/sparql/?query=ASK%20%7B%7D&default-graph-uri=" + urllib.parse.quote(GRAPH_CURATED),
                  b"", {"Content-Type": FORM})
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, POST"


def test_bad_multiple_queries(server):
    """W3C ``bad_multiple_queries``: two ``query`` parameters -> 400."""
    answer = call(server, "GET", "/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert answer.status == 400 and "2 queries" in answer.text


def test_bad_query_wrong_media_type(server):
    """W3C ``bad_query_wrong_media_type``: POST ``text/plain`` -> 415."""
    answer = call(server, "POST", "/sparql/", "ASK {}", {"Content-Type": "text/plain"})
    assert answer.status == 415


def test_bad_query_missing_form_type(server):
    """W3C ``bad_query_missing_form_type``: a form body without its Content-Type -> 415."""
    answer = call(server, "POST", "/sparql/", "query=ASK%20%7B%7D")
    assert answer.status == 415


def test_bad_query_missing_direct_type(server):
    """W3C ``bad_query_missing_direct_type``: a query body without a Content-Type -> 415."""
    answer = call(server, "POST", "/sparql/", "ASK {}")
    assert answer.status == 415


def test_bad_query_non_utf8(server):
    """W3C ``bad_query_non_utf8``: a UTF-16 body (with BOM) declared as such -> 415; bytes
    that are not UTF-8 under the default charset -> 400."""
    answer = call(server, "POST", "/sparql/", "ASK {}".encode("utf-16"),
                  {"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert answer.status == 415
    answer = call(server, "POST", "/sparql/", b"ASK { \xff\xfe }", {"Content-Type": "application/sparql-query"})
    assert answer.status == 400 and "UTF-8" in answer.text
    answer = call(server, "GET", "/sparql?query=ASK%20%7B%20%FF%20%7D")
    assert answer.status == 400


def test_bad_query_syntax(server):
    """W3C ``bad_query_syntax``: ``ASK {`` -> 400, with the parser's line and column."""
    answer = call(server, "GET", "/sparql/?query=ASK%20%7B")
    assert answer.status == 400
    assert "line 1, column" in answer.text
    answer = call(server, "GET", q("SELECT ?x WHERE {\n  ?x mkv:treats\n}"))
    assert answer.status == 400 and "line 3" in answer.text


def test_bad_update_get(server):
    """W3C ``bad_update_get``: ``update=`` by GET -> 4xx (403: read-only)."""
    assert call(server, "GET", "/sparql/?update=CLEAR%20ALL").status == 403


def test_bad_updates_by_post(server):
    """W3C ``bad_multiple_updates``, ``bad_update_wrong_media_type``,
    ``bad_update_missing_form_type``, ``bad_update_non_utf8``, ``bad_update_syntax``,
    ``bad_update_dataset_conflict``: all 4xx; every update is refused."""
    cases = [
        ("update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", {"Content-Type": FORM}, "/sparql/"),
        ("CLEAR NAMED", {"Content-Type": "text/plain"}, "/sparql/"),
        ("update=CLEAR%20NAMED", {}, "/sparql/"),
        ("CLEAR NAMED".encode("utf-16"), {"Content-Type": "application/sparql-update; charset=UTF-16"}, "/sparql/"),
        ("update=CLEAR%20XYZ", {"Content-Type": FORM}, "/sparql/"),
        ("WITH <http://example/addresses> DELETE { ?p ?q 'Bill' } WHERE { ?p ?q 'Bill' }",
         {"Content-Type": "application/sparql-update"}, "/sparql/?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople"),
    ]
    for body, headers, path in cases:
        answer = call(server, "POST", path, body, headers)
        assert 400 <= answer.status < 500, (body, answer.status)
    assert call(server, "POST", "/sparql", "update=CLEAR%20ALL", {"Content-Type": FORM}).status == 403
    assert call(server, "POST", "/sparql", "CLEAR ALL", {"Content-Type": "application/sparql-update"}).status == 403


def test_unsatisfiable_accept(server):
    """No acceptable media type for the query form -> 406."""
    assert call(server, "GET", q(SELECT), headers={"Accept": "image/png"}).status == 406
    assert call(server, "GET", q("CONSTRUCT WHERE { ?s ?p ?o }"), headers={"Accept": "text/csv"}).status == 406


def test_empty_and_oversized_requests(server):
    assert call(server, "POST", "/sparql", b"", {"Content-Type": "application/sparql-query"}).status == 400
    big = b"ASK {}" + b" " * (300 * 1024)
    assert call(server, "POST", "/sparql", big, {"Content-Type": "application/sparql-query"}).status == 413


# ------------------------------------------------------------------------- safety
@pytest.mark.parametrize("query, word", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
])
def test_outside_access_refused(server, query, word):
    """SERVICE, LOAD, FROM a remote or file IRI, and updates sent as queries: 400."""
    for answer in (call(server, "GET", q(query)),
                   call(server, "POST", "/sparql", query, {"Content-Type": "application/sparql-query"})):
        assert answer.status == 400
        assert word in answer.text


def test_refused_in_the_web_process_before_any_worker(server):
    """The safety check runs once, in the web process: a refused query (SERVICE, a FROM or a
    protocol graph outside the store) never reaches a query worker."""
    before = call(server, "GET", "/health").json()["workers"]["queries"]
    for path in (q("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } # w1"),
                 q("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o } # w2"),
                 q("ASK {} # w3", **{"default-graph-uri": "file:///etc/passwd"})):
        assert call(server, "GET", path).status == 400
    assert call(server, "GET", "/health").json()["workers"]["queries"] == before
    assert call(server, "GET", q("ASK {} # w4")).status == 200
    assert call(server, "GET", "/health").json()["workers"]["queries"] == before + 1


def test_runner_checks_jobs_not_screened(web_build):
    """Run directly (tests, or a job that did not come through the web process), the runner
    applies the same check itself; a screened job keeps its query's own dataset."""
    from kg.web.runner import Job, QueryRunner, allowed_graphs, screen

    runner = QueryRunner(web_build / "store")
    refused = runner.run(Job("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"))
    assert refused.status == 400 and "SERVICE" in refused.body.decode()
    own = f"ASK FROM <{GRAPH_HPO}> WHERE {{ ?s ?p ?o }}"
    job, refusal = screen(Job(own), allowed_graphs(runner.graph_iris))
    assert refusal is None and job.checked and job.own_dataset
    assert runner.run(job).body == runner.run(Job(own)).body


def test_runner_answers_a_long_json_result_in_one_run(web_build):
    """A JSON answer longer than its fewest possible bytes per row times the cap, but with
    fewer rows than the cap, is counted (JSON parser) and sent as it came: one run of the
    query, the same bytes and flag as the row-by-row path."""
    from kg.query.results import serialize_solutions
    from kg.web.runner import Job, QueryRunner

    runner = QueryRunner(web_build / "store")
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
    calls = []

    class Counting:  # the store, counting the queries it runs
        def __init__(self, store) -> None:
            self.store = store

        def query(self, *args, **kwargs):
            calls.append(args[0])
            return self.store.query(*args, **kwargs)

    real = runner.stores.main  # the store that answers a query naming no alias
    runner.stores.main = Counting(real)
    out = runner.run(Job(text, max_rows=50))
    assert len(out.body) > 3 * 50 and not out.truncated
    assert len(calls) == 1
    from kg.namespace import PREFIXES

    expected, cut = serialize_solutions(real.query(text, prefixes=PREFIXES, **runner._dataset(Job(text))[1]),
                                        "json", 50)
    assert out.body == expected and cut is False
    capped = runner.run(Job(text, max_rows=10))  # over the cap: still cut to 10 rows
    assert capped.truncated and len(json.loads(capped.body)["results"]["bindings"]) == 10


def test_dataset_outside_store_refused(server):
    """Protocol graphs must be the store's own; a graph of the project that this build lacks
    (the HPO import) is accepted and empty."""
    for param in ("default-graph-uri", "named-graph-uri"):
        answer = call(server, "GET", q("ASK {}", **{param: "file:///etc/passwd"}))
        assert answer.status == 400 and "not in this store" in answer.text
    empty = call(server, "GET", q("ASK { ?s ?p ?o }", **{"default-graph-uri": GRAPH_HPO}))
    assert empty.status == 200 and empty.json()["boolean"] is False


def test_row_cap_signals_truncation(server):
    """More rows than --max-rows: the first MAX_ROWS, valid JSON, X-KG-Truncated: true."""
    answer = call(server, "GET", q("SELECT * WHERE { ?s ?p ?o }"))
    assert answer.status == 200
    assert answer.headers["x-kg-truncated"] == "true"
    assert answer.headers["x-kg-max-rows"] == str(MAX_ROWS)
    assert len(answer.json()["results"]["bindings"]) == MAX_ROWS
    for accept, count in (("text/tab-separated-values", lambda b: len(b.splitlines()) - 1),
                          ("text/csv", lambda b: len(b.split(b"\r\n")) - 2)):
        cut = call(server, "GET", q("SELECT ?s ?p WHERE { ?s ?p ?o }"), headers={"Accept": accept})
        assert cut.headers["x-kg-truncated"] == "true" and count(cut.body) == MAX_ROWS
    graph = call(server, "GET", q("CONSTRUCT WHERE { ?s ?p ?o }"), headers={"Accept": "application/n-triples"})
    assert graph.headers["x-kg-truncated"] == "true" and len(graph.body.splitlines()) == MAX_ROWS
    small = call(server, "GET", q(SELECT))
    assert small.headers["x-kg-truncated"] == "false"


def test_repeated_query_is_cached(server):
    text = SELECT + " # cache test"
    first = call(server, "GET", q(text))
    second = call(server, "POST", "/sparql", text, {"Content-Type": "application/sparql-query"})
    assert first.headers["x-kg-cache"] == "miss" and second.headers["x-kg-cache"] == "hit"
    assert first.body == second.body


def test_runaway_query_stopped_health_stays_fast(server):
    """A cross product that would run for hours: 503 after the 2 s limit, never a 200;
    /health answers all the while without waiting for the query; the pool recovers."""
    result = {}

    def runaway() -> None:
        started = time.perf_counter()
        result["answer"] = call(server, "GET", q(RUNAWAY), timeout=60)
        result["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=runaway)
    worker.start()
    latencies = []
    conn = http.client.HTTPConnection("127.0.0.1", int(server.rsplit(":", 1)[1]), timeout=5)
    while worker.is_alive():
        started = time.perf_counter()
        conn.request("GET", "/health")
        response = conn.getresponse()
        body = json.loads(response.read())
        latencies.append(time.perf_counter() - started)
        assert response.status == 200 and body["status"] == "ok"
        time.sleep(0.02)
    conn.close()
    worker.join()
    answer = result["answer"]
    assert answer.status == 503
    assert "stopped" in answer.text
    assert TIMEOUT - 0.1 <= result["seconds"] < TIMEOUT + 3
    assert len(latencies) >= 20
    # An event loop held by the query would keep a /health request waiting until the query is
    # stopped (TIMEOUT); the bounds leave room for the scheduler of a busy two-core machine
    # (a single request once took 192 ms there, with the other test worker running).
    median, slowest = sorted(latencies)[len(latencies) // 2], max(latencies)
    assert median < 0.05, f"/health took {median * 1000:.0f} ms (median)"
    assert slowest < TIMEOUT / 4, f"/health took {slowest * 1000:.0f} ms"
    assert call(server, "GET", q("ASK {}")).status == 200
    health = call(server, "GET", "/health").json()
    assert health["workers"]["timeouts"] >= 1


@pytest.mark.slow  # a worker process filling 1 GiB until it is killed
def test_worker_killed_when_out_of_memory(web_build):
    """A query that tries to hold a huge intermediate result dies alone (address-space
    limit) and its worker is replaced."""
    import asyncio

    from kg.web.runner import Job
    from kg.web.workers import WorkerFailed, WorkerPool

    async def scenario():
        pool = WorkerPool(web_build / "store", size=1, memory_limit=1024 ** 3)
        await pool.start()
        try:
            with pytest.raises(WorkerFailed):
                await pool.run(Job("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"), 30)
            return (await pool.run(Job("ASK {}"), 30)).status
        finally:
            await pool.close()

    assert asyncio.run(scenario()) == 200


# ---------------------------------------------------------------------------- load
@pytest.mark.slow  # 8,000 requests: a load test, not the edit loop's
def test_load_concurrent_clients(server):
    """16 concurrent keep-alive clients x 500 queries (named queries, one in ten made
    distinct so the workers run too): zero errors."""
    from kg.web.examples import editor_queries

    texts = [x["query"] for x in editor_queries()]
    port = int(server.rsplit(":", 1)[1])

    def client(index: int) -> tuple[int, list[int]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        failures, statuses = 0, []
        for i in range(500):
            text = texts[(index + i) % len(texts)]
            if i % 10 == 0:
                text += f"\nLIMIT {100000 + index * 1000 + i}"
            conn.request("POST", "/sparql", urllib.parse.urlencode({"query": text}),
                         {"Content-Type": FORM, "Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            data = response.read()
            if response.status != 200 or not data.startswith(b"{"):
                failures += 1
                statuses.append(response.status)
        conn.close()
        return failures, statuses

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(client, range(16)))
    seconds = time.perf_counter() - started
    errors = sum(f for f, _ in results)
    assert errors == 0, [s for _, s in results if s][:5]
    print(f"load: 8000 requests in {seconds:.1f} s ({8000 / seconds:.0f} req/s)")


# --------------------------------------------------------------------------- pages
def test_health(server):
    started = time.perf_counter()
    answer = call(server, "GET", "/health")
    assert time.perf_counter() - started < 0.5
    body = answer.json()
    assert body["status"] == "ok" and body["counts"]["entities"] > 50
    assert body["workers"]["size"] == 2


def test_endpoint_answers_carry_the_page_headers(server):
    """``/sparql`` is answered without Starlette's router (kg.web.app.Application), yet every
    answer of it (result, refusal, 405, 406, service description, redirect) has the hardening
    headers and the Content-Security-Policy of the pages, and an exact Content-Length."""
    page = call(server, "GET", "/")
    expected = {name: page.headers[name] for name in ("content-security-policy", "x-content-type-options",
                                                      "referrer-policy", "x-frame-options")}
    answers = [call(server, "GET", q("ASK {}")), call(server, "POST", "/sparql", "query=ASK%20%7B%7D",
                                                       {"Content-Type": "application/x-www-form-urlencoded"}),
               call(server, "GET", q("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")),
               call(server, "PUT", q("ASK {}")), call(server, "GET", q("ASK {}"), headers={"Accept": "image/png"}),
               call(server, "GET", "/sparql", headers={"Accept": "text/turtle"}),
               call(server, "GET", "/sparql/", headers={"Accept": "text/html"})]
    assert [a.status for a in answers] == [200, 200, 400, 405, 406, 200, 303]
    for answer in answers:
        assert {name: answer.headers.get(name) for name in expected} == expected, answer.status
        assert int(answer.headers["content-length"]) == len(answer.body), answer.status
    assert answers[3].headers["allow"] == "GET, POST"
    assert answers[0].headers["x-kg-cache"] in ("hit", "miss") and answers[1].headers["x-kg-cache"] == "hit"
    assert call(server, "GET", q("ASK {}"), headers={"Host": "evil.example"}).status == 400


def test_endpoint_failure_is_a_500_with_the_page_headers(caplog):
    """An unexpected failure inside ``/sparql`` is logged and answered 500, with the page
    headers and an exact Content-Length, as every other answer of the endpoint."""
    import asyncio

    from kg.web.endpoint import SparqlRoutes

    class Broken(SparqlRoutes):
        security_headers = [(b"x-frame-options", b"SAMEORIGIN")]

        async def _sparql_answer(self, scope, receive):
            raise RuntimeError("boom")

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    asyncio.run(Broken().sparql_app({"type": "http", "method": "GET", "headers": []}, None, send))
    start, body = sent
    headers = dict(start["headers"])
    assert start["status"] == 500 and body["body"] == b"Internal Server Error\n"
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert int(headers[b"content-length"]) == len(body["body"])
    assert headers[b"content-type"].startswith(b"text/plain")
    assert "boom" in caplog.text


def test_triples_route_reads_its_posted_query(server):
    """``POST /triples`` (the UI's table of a CONSTRUCT) reads its form body with the
    endpoint's body reader and answers the rows of the same job as ``/sparql``."""
    text = "CONSTRUCT { ?d mkv:treats ?t } WHERE { ?d mkv:treats ?t }"
    form = urllib.parse.urlencode({"query": text})
    triples = call(server, "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                      "Accept": "application/n-triples"})
    assert triples.status == 200
    answer = call(server, "POST", "/triples", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                      "Accept": "application/json"})
    assert answer.status == 200, answer.text
    body = answer.json()
    import pyoxigraph as ox

    sent = list(ox.parse(triples.body, format=ox.RdfFormat.N_TRIPLES))
    assert body["count"] == len(body["results"]["bindings"]) == len(sent) > 5
    too_big = call(server, "POST", "/triples", b"query=" + b"x" * (300 * 1024),
                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert too_big.status == 413


def test_index_page(server):
    answer = call(server, "GET", "/")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "first-line-drug" in answer.text and "/static/vendor/yasqe/yasqe.min.js" in answer.text
    assert "<script>" not in answer.text  # no inline script: CSP allows none
    assert " style=" not in answer.text
    for asset in ("/static/app.js", "/static/style.css", "/static/vendor/yasqe/yasqe.min.js",
                  "/static/vendor/yasqe/yasqe.min.css"):
        assert call(server, "GET", asset).status == 200, asset


def test_named_queries_json(server):
    queries = call(server, "GET", "/queries").json()
    by_name = {x["name"]: x for x in queries}
    assert "VALUES ?type { mk:action_myoclonus }" in by_name["first-line-drug"]["query"]
    assert "PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab/>" in by_name["first-line-drug"]["query"]
    for x in queries:  # every example runs as shipped
        assert call(server, "GET", q(x["query"])).status == 200, x["name"]


def test_entity_page(server):
    answer = call(server, "GET", "/entity/clonazepam")
    assert answer.status == 200
    page = answer.text
    assert "<h1>clonazepam" in page
    assert "Common side effects of the drug are drowsiness and loss of coordination" in page
    assert "Correction:" in page
    assert 'href="https://go.drugbank.com/drugs/DB01068"' in page
    assert 'href="/entity/action_myoclonus"' in page
    assert 'src="/view/entity/clonazepam"' in page
    assert "content-security-policy" in answer.headers
    by_label = call(server, "GET", "/entity/" + urllib.parse.quote("Klonopin"))
    assert by_label.status == 200 and "<h1>clonazepam" in by_label.text
    missing = call(server, "GET", "/entity/clonazepan")
    assert missing.status == 404 and 'href="/entity/clonazepam"' in missing.text
    index = call(server, "GET", "/entity/")
    assert index.status == 200 and 'href="/entity/clonazepam"' in index.text


def test_graph_views(server):
    for path in ("/view/entity/clonazepam", "/view/path?from=hypoxia&to=clonazepam",
                 "/view/results?" + urllib.parse.urlencode({"query": SELECT})):
        answer = call(server, "GET", path)
        assert answer.status == 200, path
        policy = answer.headers["content-security-policy"]
        assert "'sha256-" in policy and "frame-ancestors 'self'" in policy and "connect-src 'none'" in policy
        assert "vis" in answer.text
    ask = call(server, "GET", "/view/results?" + urllib.parse.urlencode({"query": "ASK {}"}))
    assert ask.status == 200 and "ASK" in ask.text
    bad = call(server, "GET", "/view/results?" + urllib.parse.urlencode({"query": "ASK {"}))
    assert bad.status == 400


def test_path_page(server):
    answer = call(server, "GET", "/path?from=hypoxia&to=clonazepam")
    assert answer.status == 200
    page = answer.text
    assert "brain hypoxia causes posthypoxic myoclonus" in page
    assert "Prolonged oxygen deprivation" in page
    # Directed by default; no directed path here, so the page says so and shows the others.
    assert "No path follows the edges in their direction" in page
    assert 'src="/view/path?from=hypoxia&amp;to=clonazepam&amp;directed=0"' in page
    assert "1 path of 3 hops." in page and "broader class myoclonus" in page
    assert call(server, "GET", "/path?from=hypoxia&to=nothing-like-this").status == 404
    assert call(server, "GET", "/path?from=hypoxia&to=clonazepam&k=99").status == 400
    assert call(server, "GET", "/path").status == 200


def test_cors_off_by_default(server):
    answer = call(server, "GET", q("ASK {}"), headers={"Origin": "https://example.org"})
    assert not any(h.startswith("access-control-") for h in answer.headers)
    preflight = call(server, "OPTIONS", "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status == 405
    assert not any(h.startswith("access-control-") for h in preflight.headers)


def test_cors_when_enabled(web_build):
    with serve(web_build, cors=["https://example.org"], workers=1) as base:
        answer = call(base, "GET", q("ASK {}"), headers={"Origin": "https://example.org"})
        assert answer.headers["access-control-allow-origin"] == "https://example.org"
        assert "X-KG-Truncated" in answer.headers["access-control-expose-headers"]
        preflight = call(base, "OPTIONS", "/sparql", headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status == 200 and "POST" in preflight.headers["access-control-allow-methods"]
        other = call(base, "GET", q("ASK {}"), headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# ----------------------------------------------------------------------- unit level
def test_labels_are_escaped_in_pages():
    """A label, quote or correction holding markup is shown as text."""
    import networkx as nx

    from kg.web.pages import entity_context, render

    evil = "<script>alert(1)</script>"
    iri_a, iri_b = ENTITY + "a", ENTITY + "b"
    graph = nx.MultiDiGraph()
    graph.add_node(iri_a, label=evil)
    graph.add_node(iri_b, label="b\" onmouseover=\"x")
    graph.add_edge(iri_a, iri_b, key="s1", predicate="treats", label="treats", statement="urn:s1")
    entity = {"iri": iri_a, "label": evil, "curie": "mk:a", "definition": evil, "types": [],
              "synonyms": [evil], "xrefs": ["HP:0001336", "javascript:alert(1)"], "category": "biolink:Drug",
              "edges": [{"subject": iri_a, "object": iri_b, "predicate": "treats", "statement": "urn:s1",
                         "sentence": f"{evil} treats b", "quote": evil, "correction": evil,
                         "reference": "javascript:alert(1)", "quote_start": 1, "quote_end": 2}]}
    page = render("entity.html", title=evil, entity=entity_context(entity, graph),
                  graph_url="/view/entity/a", counts={"entities": 1, "edges": 1})
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
    assert 'onmouseover="x' not in page
    assert 'href="javascript:' not in page


def test_protocol_units():
    from kg.web.protocol import GRAPH_TYPES, ProtocolError, negotiate, parse_request

    assert parse_request("GET", "", None, b"") is None
    req = parse_request("POST", "default-graph-uri=urn%3Ag", "application/x-www-form-urlencoded; charset=UTF-8",
                        b"query=SELECT+*+%7B%7D&named-graph-uri=urn%3Ah")
    assert (req.query, req.default_graphs, req.named_graphs, req.form) == ("SELECT * {}", ("urn:g",), ("urn:h",), "SELECT")
    with pytest.raises(ProtocolError) as info:
        parse_request("POST", "query=ASK%7B%7D", "application/sparql-query", b"ASK {}")
    assert info.value.status == 400
    assert negotiate("text/turtle;q=0, */*;q=0.1", GRAPH_TYPES) == "application/n-triples"
    assert negotiate("application/ld+json;q=0.5, text/turtle;q=0.4", GRAPH_TYPES) == "application/ld+json"
