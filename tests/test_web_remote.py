"""``kg serve --endpoint``: the web application over each real server (Oxigraph, Virtuoso).

The session's server (tests/conftest.py) gets the real curated build pushed into it, and
``kg serve --endpoint`` runs for real on another port in front of it. Its answers must be the
embedded store's (compared as multisets of rows); refusals (update, SERVICE, malformed)
are the embedded app's; a server that stops answers makes ``/sparql`` say 502 while
``/health`` still answers.
"""

from __future__ import annotations

import html
import urllib.parse

import pyoxigraph as ox
import pytest

import kg
from kg.query.engine import GRAPHS
from kg.query.results import GraphResult, materialize
from kg.remote import Endpoints, push
from kg.web.examples import editor_queries
from kg.web.testing import serve
from tests.servers import ENGINES, Oxigraph, free_port
from tests.test_remote import _plain, refused_on
from tests.test_web import call, q

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)

MAX_ROWS = 500
FORM = "application/x-www-form-urlencoded"
NAMED = [x for x in editor_queries() if not x["name"].startswith("hpo-")]


@pytest.fixture(scope="module", params=ENGINES)
def target(request, real_build):
    """Each server in turn, holding the real build."""
    target = request.getfixturevalue(f"{request.param}_target")
    push(real_build, target.endpoints, client=target.client())
    return target


@pytest.fixture(scope="module")
def web(target, tmp_path_factory):
    log = tmp_path_factory.mktemp("web-remote-log") / "server.log"
    with serve(endpoint=target.query_url, timeout=10, max_rows=MAX_ROWS, workers=2, log=log) as base:
        yield base


@pytest.fixture(scope="module")
def embedded(real_build):
    return kg.load(real_build, build=False)


def _table(body: bytes):
    return materialize(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))


# ------------------------------------------------------------------------------ tests
def test_health(web, target, embedded):
    answer = call(web, "GET", "/health")
    assert answer.status == 200
    data = answer.json()
    assert data["status"] == "ok"
    assert data["endpoint"] == target.query_url
    store = embedded.engine.store
    local = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
             for g in store.named_graphs()}
    assert data["graphs"] == local
    assert data["counts"]["entities"] == embedded.manifest["counts"]["entities"]
    assert data["counts"]["edges"] == embedded.manifest["counts"]["edges"]


@pytest.mark.parametrize("named", NAMED, ids=lambda x: x["name"])
def test_named_queries_answer_as_embedded(named, target, web, embedded):
    text = named["query"]
    if refused_on(target.name, text):  # Virtuoso answers * and + paths wrongly: 400, no answer
        answer = call(web, "GET", q(text))
        assert answer.status == 400 and "arbitrary-length property paths" in answer.text
        return
    local = _plain(embedded.sparql(text), text)
    assert sum(local.values()) > 0
    get = call(web, "GET", q(text))
    post = call(web, "POST", "/sparql", urllib.parse.urlencode({"query": text}), {"content-type": FORM})
    for answer in (get, post):
        assert answer.status == 200, answer.text
        assert answer.headers["content-type"].startswith("application/sparql-results+json")
        assert answer.headers["x-kg-truncated"] == "false"
        assert _plain(_table(answer.body), text) == local


def test_cache_and_formats(web):
    text = "SELECT ?drug WHERE { ?drug mkv:treats mk:action_myoclonus } ORDER BY ?drug"
    first, second = call(web, "GET", q(text)), call(web, "GET", q(text))
    assert second.headers["x-kg-cache"] == "hit" and second.body == first.body
    csv = call(web, "GET", q(text), headers={"accept": "text/csv"})
    assert csv.status == 200 and csv.text.splitlines()[0] == "drug"
    ask = call(web, "GET", q("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }"))
    assert ask.json()["boolean"] is True


def test_construct(web, embedded):
    text = "CONSTRUCT WHERE { mk:clonazepam ?p ?o }"
    local = _plain(embedded.sparql(text))
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
        answer = call(web, "GET", q(text), headers={"accept": accept})
        assert answer.status == 200, answer.text
        assert answer.headers["content-type"].startswith(accept)
        triples = [x.triple for x in ox.parse(answer.body, format=fmt)]
        assert _plain(GraphResult(triples)) == local


def test_row_cap(web):
    answer = call(web, "GET", q("SELECT * WHERE { ?s ?p ?o }"))
    assert answer.status == 200, answer.text
    assert answer.headers["x-kg-truncated"] == "true"
    assert answer.headers["x-kg-max-rows"] == str(MAX_ROWS)
    assert len(answer.json()["results"]["bindings"]) == MAX_ROWS
    graph = call(web, "GET", q("CONSTRUCT WHERE { ?s ?p ?o }"), headers={"accept": "application/n-triples"})
    assert graph.headers["x-kg-truncated"] == "true"
    assert len(graph.body.splitlines()) == MAX_ROWS


def test_dataset(web, embedded):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    ontology = GRAPHS["ontology"]
    expected = embedded.sparql(count, graphs=("ontology",)).to_records()[0][0]
    by_protocol = call(web, "GET", q(count, **{"default-graph-uri": ontology}))
    assert by_protocol.status == 200, by_protocol.text
    assert int(by_protocol.json()["results"]["bindings"][0]["n"]["value"]) == expected
    own_from = call(web, "GET", q(f"SELECT (COUNT(*) AS ?n) FROM <{ontology}> WHERE {{ ?s ?p ?o }}"))
    assert int(own_from.json()["results"]["bindings"][0]["n"]["value"]) == expected
    foreign = call(web, "GET", q(count, **{"default-graph-uri": "file:///etc/passwd"}))
    assert foreign.status == 400 and "not in this store" in foreign.text


def test_refusals(web):
    assert call(web, "GET", "/sparql?" + urllib.parse.urlencode({"update": "CLEAR ALL"})).status == 403
    update = call(web, "POST", "/sparql", "CLEAR ALL", {"content-type": "application/sparql-update"})
    assert update.status == 403
    service = call(web, "GET", q("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"))
    assert service.status == 400 and "SERVICE" in service.text
    bad = call(web, "GET", q("SELECT ?x WHERE { ?x mkv:treats }"))
    assert bad.status == 400
    assert "malformed SPARQL (line 1, column" in bad.text


def test_entity_and_path_pages(web, embedded):
    page = call(web, "GET", "/entity/clonazepam")
    assert page.status == 200
    quotes = {e["quote"] for e in embedded.entity("clonazepam")["edges"] if e["quote"]}
    assert quotes
    for quote in quotes:
        assert html.escape(quote) in page.text
    path = call(web, "GET", "/path?from=hypoxia&to=clonazepam")
    assert path.status == 200
    assert 'class="path"' in path.text and 'role="alert"' not in path.text
    assert call(web, "GET", "/view/path?from=hypoxia&to=clonazepam").status == 200


def test_server_down_gives_502_and_health_answers(real_build, tmp_path_factory):
    server = Oxigraph(tmp_path_factory.mktemp("oxigraph-down") / "store")
    url, proc = server.url, server.proc
    try:
        push(real_build, Endpoints.from_url(url))
        with serve(endpoint=url, timeout=1.5, max_rows=MAX_ROWS, workers=2) as base:
            # A runaway query: the client gets 503 after the limit (the thread gives up).
            runaway = call(base, "GET", q("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))
            assert runaway.status == 503, runaway.text
            server.stop()
            answer = call(base, "GET", q("SELECT * WHERE { ?s ?p ?o } LIMIT 3"))
            assert answer.status == 502
            assert url in answer.text and "SPARQL server" in answer.text
            health = call(base, "GET", "/health", timeout=2)
            assert health.status == 200 and health.json()["status"] == "ok"
            assert call(base, "GET", "/entity/clonazepam").status == 200  # the graph is cached
    finally:
        server.stop()


def test_serve_refuses_a_server_that_is_down():
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, ["serve", "--endpoint", f"http://127.0.0.1:{free_port()}",
                                       "--port", str(free_port())])
    assert result.exit_code == 1
    assert "cannot reach" in result.output + (result.stderr if result.stderr_bytes is not None else "")
