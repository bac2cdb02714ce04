"""A query can never make the engine contact another server (issue 11, items 1 and 2).

The old check lexed SPARQL with regular expressions that differ from the grammar: a comment
ended by a carriage return, a ``<`` operator followed by a quote, or a ``<`` ... ``>`` pair
of operators hid a ``SERVICE`` clause, pyoxigraph connected to it and the service's rows came
back. Each bypass, and look-alikes that must stay accepted (``?from``, ``?service``, the
keywords in strings, comments and IRIs), is run through every interface: the Python API,
``kg query`` (a real process), the endpoint's ``/sparql`` (GET) and ``/view/results``, and
``kg serve --endpoint`` in front of a real ``oxigraph serve``. A loopback HTTP listener
that answers like a SPARQL endpoint counts the connections it receives: none may arrive.

The second defence (no network in the processes that run queries) has its own tests in
``test_security_sandbox.py``; the API runs in the test process, which keeps its network, so
the API cases test the check alone.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import QueryError, UnsafeQueryError
from kg.web.testing import serve

SECRET = "internal-secret-row"


class Listener:
    """A loopback HTTP server that answers every request with one SPARQL JSON row holding
    :data:`SECRET`, and counts the TCP connections it accepts."""

    def __init__(self) -> None:
        self.count = 0
        lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self) -> None:
                body = json.dumps({"head": {"vars": ["secret"]}, "results": {"bindings": [
                    {"secret": {"type": "literal", "value": SECRET}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                request = super().get_request()
                with lock:
                    owner.count += 1
                return request

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


def bypasses(url: str) -> list[tuple[str, str]]:
    """(name, query) of the texts that slipped a SERVICE past the old regex check."""
    return [
        # A comment ends at \r (grammar: '#' [^\r\n]*); the old lexer ran it to the \n.
        ("comment-ended-by-cr", f"SELECT * WHERE {{ # note\rSERVICE <{url}> {{ ?s ?p ?secret }}\n}}"),
        # '<' then a quote was read as an IRI, its quote then opened a string over SERVICE.
        ("less-than-then-quote", f"SELECT * WHERE {{ BIND(1<'>' AS ?z) SERVICE <{url}> {{ ?s ?p ?secret }} "
                                 f"BIND(1='x' AS ?y) }}"),
        # From a '<' operator to a later '>' operator was blanked as one IRI.
        ("operator-pair-as-iri", f"PREFIX : <{url}#> SELECT * WHERE {{FILTER(COALESCE(?a<?b,true))"
                                 "SERVICE:{?s?p?secret}FILTER(COALESCE(?c>?d,true))}"),
        # Read with its \u escapes applied first (SPARQL 1.1 section 19.2, as some engines do),
        # the two "\u0022" open and close a long string over the SERVICE; pyoxigraph runs it.
        ("escape-reading", 'SELECT * WHERE { BIND("\\u0022" AS ?a) SERVICE <' + url + '> { ?s ?p ?secret } '
                           'BIND("\\u0022" AS ?b) }'),
        ("in-exists", f"SELECT * WHERE {{ ?x ?y ?z FILTER NOT EXISTS {{ SERVICE SILENT <{url}> {{ ?x ?p ?o }} }} }}"),
        ("variable-target", f"SELECT * WHERE {{ VALUES ?svc {{ <{url}> }} SERVICE ?svc {{ ?s ?p ?secret }} }}"),
    ]


LOOKALIKES = [
    "SELECT ?from WHERE { ?from rdfs:label ?l }",
    "SELECT ?service ?load WHERE { ?service rdfs:label ?load }",
    "SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?l != 'SERVICE <http://127.0.0.1:9/> { }') }",
    'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?l != """FROM <file:///etc/passwd>\nLOAD <http://x/>""") }',
    "SELECT ?l WHERE { ?s rdfs:label ?l } # SERVICE <http://127.0.0.1:9/> { } and DROP ALL\r",
    "SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?s != <http://example.org/SERVICE/FROM/LOAD>) }",
    "PREFIX service: <http://example.org/> SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?s != service:load) }",
    "SELECT ?l WHERE { ?s rdfs:label ?l FILTER(STRLEN(?l)<100 && STRLEN(?l)>0) }",
    "SELECT ?x WHERE { VALUES ?x { 'from' \"\"\"service\"\"\" 'insert data' } }",
    "SELECT ?l WHERE { ?s rdfs:label ?l FILTER(?l != '\\u0053ERVICE') }",
]


def _kg(build_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "query", "--out", str(build_dir), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KG_BUILD_DIR": str(build_dir)})


def _get(base: str, path: str, query: str) -> tuple[int, str]:
    url = f"{base}{path}?{urllib.parse.urlencode({'query': query})}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _refused_message(text: str) -> bool:
    return "SERVICE is not allowed" in text or "malformed SPARQL" in text


# ------------------------------------------------------------------------------ API
def test_every_bypass_is_refused_by_the_api(mini_graph, listener):
    for name, query in bypasses(listener.url):
        before = listener.count
        with pytest.raises(QueryError) as info:
            mini_graph.sparql(query)
        assert listener.count == before, name
        assert _refused_message(str(info.value)), (name, str(info.value))
        if "SERVICE is not allowed" in str(info.value):
            assert isinstance(info.value, UnsafeQueryError) and info.value.line == 1, name


def test_lookalikes_are_accepted_by_the_api(mini_graph, listener):
    before = listener.count
    for query in LOOKALIKES:
        mini_graph.sparql(query)
    assert listener.count == before


# ------------------------------------------------------------------------------ CLI
@pytest.mark.parametrize("index", range(6))
def test_every_bypass_exits_2_from_kg_query(mini_graph, listener, index):
    name, query = bypasses(listener.url)[index]
    before = listener.count
    out = _kg(mini_graph.directory, query, "--format", "csv")
    assert out.returncode == 2, (name, out.returncode, out.stderr)
    assert _refused_message(out.stderr) and SECRET not in out.stdout, name
    assert "Traceback" not in out.stderr
    assert listener.count == before, name


def test_lookalikes_run_from_kg_query(mini_graph):
    for query in LOOKALIKES[::2]:  # a process each: half of them (the API and endpoint run all)
        out = _kg(mini_graph.directory, query, "--format", "csv")
        assert out.returncode == 0, (query, out.stderr)


# ------------------------------------------------------------------------- endpoint
@pytest.fixture(scope="module")
def endpoint(mini_graph):
    with serve(mini_graph.directory, timeout=10, workers=1) as base:
        yield base


@pytest.mark.parametrize("path", ["/sparql", "/view/results"])
def test_every_bypass_is_refused_by_the_endpoint(endpoint, listener, path):
    for name, query in bypasses(listener.url):
        before = listener.count
        status, body = _get(endpoint, path, query)
        assert status == 400, (name, status, body[:300])
        assert SECRET not in body and _refused_message(body), (name, body[:300])
        assert listener.count == before, name


@pytest.mark.parametrize("path", ["/sparql", "/view/results"])
def test_lookalikes_are_answered_by_the_endpoint(endpoint, path):
    for query in LOOKALIKES:
        status, body = _get(endpoint, path, query)
        assert status == 200, (query, body[:300])


# ------------------------------------------------------------ kg serve --endpoint
@pytest.fixture(scope="module")
def remote_endpoint(oxigraph_target):
    """``kg serve --endpoint`` in front of the session's ``oxigraph serve`` (tests/servers.py)."""
    with serve(endpoint=oxigraph_target.url, timeout=10, workers=1) as base:
        yield base


def test_every_bypass_is_refused_by_serve_endpoint(remote_endpoint, listener):
    for name, query in bypasses(listener.url):
        before = listener.count
        status, body = _get(remote_endpoint, "/sparql", query)
        assert status == 400, (name, status, body[:300])
        assert SECRET not in body and _refused_message(body), (name, body[:300])
        assert listener.count == before, name


def test_lookalikes_are_answered_by_serve_endpoint(remote_endpoint, listener):
    before = listener.count
    for query in LOOKALIKES:
        status, body = _get(remote_endpoint, "/sparql", query)
        assert status == 200, (query, body[:300])
    assert listener.count == before
