"""The remote backend's pieces that need no server: endpoint URLs, parameter binding,
credentials, refusing unsafe queries before any request, and ``kg push`` argument checks."""

from __future__ import annotations

import socket

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import KGError, QueryError, UnsafeQueryError
from kg.namespace import PREFIXES
from kg.remote import Endpoints, RemoteError
from kg.query.binding import inject_values, values_block
from kg.remote.engine import PREFIX_HEADER, RemoteEngine
from kg.remote.gsp import push, resolve_graph, temporary_iri
from kg.remote.http import authorization

IRI = ox.NamedNode("https://w3id.org/myoclonus-kg/entity/action_myoclonus")


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# ------------------------------------------------------------------------------ endpoints
@pytest.mark.parametrize("base,query,update,store", [
    ("http://h:7878", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("http://h:7878/", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("https://h/kg/query", "https://h/kg/query", "https://h/kg/update", "https://h/kg/store"),
    ("http://h:3030/ds/sparql", "http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/store"),
])
def test_endpoints_derive_from_one_url(base, query, update, store):
    assert Endpoints.from_url(base) == Endpoints(query, update, store)


def test_endpoint_overrides():
    e = Endpoints.from_url("http://h:3030/ds", store_url="http://h:3030/ds/data",
                           query_url="http://h:3030/ds/sparql", update_url="http://h:3030/ds/update")
    assert (e.query, e.update, e.store) == ("http://h:3030/ds/sparql", "http://h:3030/ds/update",
                                            "http://h:3030/ds/data")


@pytest.mark.parametrize("url", ["ftp://h/x", "h:7878", "http://", "file:///tmp/store"])
def test_bad_urls_are_refused(url):
    with pytest.raises(RemoteError):
        Endpoints.from_url(url)


# -------------------------------------------------------------------------------- binding
def _parses(query: str) -> None:
    ox.Store().query(query, prefixes=PREFIXES)


@pytest.mark.parametrize("query", [
    "SELECT ?type ?d WHERE { ?d mkv:treats ?type }",
    "SELECT ?type ?d { ?d mkv:treats ?type }",
    "select ?type ?d where{?d mkv:treats ?type}",
    "PREFIX where: <http://where/> SELECT ?type ?w WHERE { ?w where:WHERE ?type FILTER(?w != \"WHERE {\") }",
    "SELECT ?type (EXISTS { ?x ?p ?type } AS ?e) WHERE { ?x ?p ?o }",
    "SELECT ?type ?d WHERE { { SELECT ?d WHERE { ?d ?p ?o } LIMIT 1 } ?d ?q ?type } # } WHERE {",
    "ASK { ?d mkv:treats ?type }",
    "ASK WHERE { ?d mkv:treats ?type }",
    "CONSTRUCT { ?d mkv:treats ?type } WHERE { ?d mkv:treats ?type }",
    "CONSTRUCT { ?d mkv:treats ?type } { ?d mkv:treats ?type } LIMIT 2",
    "CONSTRUCT WHERE { ?d mkv:treats ?type }",
    "DESCRIBE ?d WHERE { ?d mkv:treats ?type }",
    "# a comment: WHERE {\nSELECT ?type ?d\nWHERE {\n  ?d mkv:treats ?type .\n}\nORDER BY ?d",
])
def test_values_block_is_the_first_element_of_the_where_group(query):
    sent = inject_values(query, {"type": IRI})
    _parses(sent)
    block = values_block({"type": IRI})
    assert sent.count(block) == 1
    before = sent[:sent.index(block)].rstrip()
    assert before.endswith("{")
    assert sent.count("\n") == query.count("\n")  # line numbers of the user's text kept


def test_short_construct_spells_out_the_template():
    sent = inject_values("CONSTRUCT WHERE { ?d mkv:treats ?type }", {"type": IRI})
    assert sent.startswith("CONSTRUCT { ?d mkv:treats ?type } WHERE { VALUES (?type)")
    _parses(sent)


@pytest.mark.parametrize("value", ['"} DROP ALL #', "a\\\"b", "x\ny\rz\t", "\u2028\x00\x7f", "'''\"\"\""])
def test_literal_parameters_stay_one_term(value):
    sent = inject_values("SELECT ?v WHERE { }", {"v": ox.Literal(value)})
    rows = list(ox.Store().query(sent))
    assert [r["v"] for r in rows] == [ox.Literal(value)]


def test_typed_and_language_literals():
    terms = {"n": ox.Literal("41", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer")),
             "l": ox.Literal("chat", language="fr")}
    sent = inject_values("SELECT ?n ?l WHERE { }", terms)
    rows = list(ox.Store().query(sent))
    assert rows[0]["n"] == terms["n"] and rows[0]["l"] == terms["l"]


def test_unsendable_bindings_are_refused():
    with pytest.raises(QueryError, match="only IRIs and literals"):
        values_block({"b": ox.BlankNode("b0")})
    with pytest.raises(QueryError, match="variable name"):
        values_block({"x) } DROP ALL #": IRI})
    with pytest.raises(QueryError, match="no WHERE group"):
        inject_values("DESCRIBE <http://example.org/x>", {"x": IRI})
    assert inject_values("DESCRIBE <http://example.org/x>", {}) == "DESCRIBE <http://example.org/x>"


def test_prefix_header_is_one_line_and_overridable():
    assert "\n" not in PREFIX_HEADER
    text = PREFIX_HEADER + "PREFIX mk: <http://example.org/> SELECT ?x WHERE { BIND(mk:a AS ?x) }"
    assert [r["x"].value for r in ox.Store().query(text)] == ["http://example.org/a"]


# ------------------------------------------------------------------------- credentials
def test_token_wins_then_user_then_netrc(monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine example.org login carol password pw\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.delenv("KG_ENDPOINT_TOKEN", raising=False)
    monkeypatch.delenv("KG_ENDPOINT_USER", raising=False)
    monkeypatch.delenv("KG_ENDPOINT_PASSWORD", raising=False)
    assert authorization("https://example.org/sparql") == "Basic Y2Fyb2w6cHc="
    assert authorization("https://other.example/sparql") is None
    monkeypatch.setenv("KG_ENDPOINT_USER", "u")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "p")
    assert authorization("https://example.org/sparql") == "Basic dTpw"
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", "t")
    assert authorization("https://example.org/sparql") == "Bearer t"


def test_broken_netrc_is_a_clear_error(monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("nonsense example.org\n")
    monkeypatch.setenv("NETRC", str(netrc))
    for var in ("KG_ENDPOINT_TOKEN", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RemoteError, match="cannot read the credentials"):
        authorization("https://example.org/")


# ---------------------------------------------------------------------- no server needed
@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "LOAD <http://example.org/x.ttl>",
])
def test_unsafe_queries_never_reach_the_server(query):
    with pytest.raises(UnsafeQueryError):
        RemoteEngine(_closed_url()).query(query)


def test_malformed_query_is_reported_locally():
    with pytest.raises(QueryError) as info:
        RemoteEngine(_closed_url()).query("SELECT ?x WHERE {\n ?x ?p \n}")
    assert info.value.line == 3


def test_load_with_endpoint_gives_a_remote_graph():
    graph = kg.load(endpoint="http://127.0.0.1:7878")
    assert isinstance(graph.engine, RemoteEngine)
    assert graph.engine.url == "http://127.0.0.1:7878/query"


def test_push_argument_checks(tmp_path):
    with pytest.raises(KGError, match="no N-Quads file"):
        push(tmp_path, Endpoints.from_url("http://127.0.0.1:7878"))
    with pytest.raises(KGError, match="batch size"):
        push(tmp_path, Endpoints.from_url("http://127.0.0.1:7878"), batch_size=0)
    with pytest.raises(KGError, match="unknown swap"):
        push(tmp_path, Endpoints.from_url("http://127.0.0.1:7878"), swap="rename")
    assert resolve_graph("hpo") == "https://w3id.org/myoclonus-kg/graph/hpo"
    with pytest.raises(KGError):
        resolve_graph("not an iri")
    assert temporary_iri("http://g", "x") == "http://g-upload-x"


def test_push_cli_needs_an_endpoint():
    result = CliRunner().invoke(main, ["push"])
    assert result.exit_code == 2 and "--endpoint" in result.output


# ---------------------------------------------------------------------- HTTP Digest
class _DigestServer:
    """A loopback server that wants HTTP Digest (as Virtuoso's write endpoints do): it
    checks each answer to its challenge and records every Authorization header."""

    def __init__(self, user: str, password: str):
        import http.server
        import threading

        from kg.remote.digest import DigestSession

        self.seen: list[str | None] = []
        challenge = 'Digest realm="SPARQL", nonce="n0nce", opaque="op", qop="auth", algorithm="MD5"'
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                header = self.headers.get("Authorization")
                server.seen.append(header)
                ok = False
                if header and header.startswith("Digest "):
                    fields = dict(part.strip().split("=", 1) for part in header[7:].split(", "))
                    expected = DigestSession(user, password, challenge, cnonce=lambda: fields["cnonce"].strip('"'))
                    expected._count = int(fields["nc"], 16) - 1
                    ok = expected.authorization(self.command, self.path) == header
                self.send_response(201 if ok else 401)
                if not ok:
                    self.send_header("WWW-Authenticate", challenge)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST = _handle

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sparql-graph-crud-auth"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("mode", ["digest", "basic"])
def test_digest_challenge_is_answered_and_reused(mode, monkeypatch):
    from kg.remote.http import HttpClient

    for var in ("KG_ENDPOINT_TOKEN", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    server = _DigestServer("kgpush", "s3cret")
    try:
        client = HttpClient(5, auth=mode, credentials=("kgpush", "s3cret"))
        for method in ("PUT", "POST", "POST"):
            answer = client.request(method, server.url, params=[("graph", "urn:g")], body=b"x" * 1000)
            assert answer.status == 201
            answer.close()
    finally:
        server.close()
    basic = [h for h in server.seen if h and h.startswith("Basic ")]
    digest = [h for h in server.seen if h and h.startswith("Digest ")]
    assert len(digest) == 3  # one per request: the challenge is reused, nc counts up
    assert [h.split("nc=")[1][:8] for h in digest] == ["00000001", "00000002", "00000003"]
    assert "s3cret" not in " ".join(h or "" for h in server.seen)
    if mode == "digest":
        assert not basic  # the password never travels, not even base64
        assert server.seen[0] is None  # the challenge was asked for without credentials
    else:
        assert basic


def test_wrong_digest_password_is_a_clear_401(monkeypatch):
    from kg.remote.http import HttpClient

    server = _DigestServer("kgpush", "s3cret")
    try:
        client = HttpClient(5, auth="digest", credentials=("kgpush", "wrong"))
        with pytest.raises(RemoteError, match="HTTP 401") as info:
            client.request("PUT", server.url, body=b"x")
    finally:
        server.close()
    assert "wrong" not in str(info.value)


def test_virtuoso_profile_refuses_unbounded_paths_before_any_request():
    from kg.remote.errors import RemoteQueryError

    engine = RemoteEngine(_closed_url(), server="virtuoso")  # nothing listens there
    assert engine.url.endswith("/sparql")
    with pytest.raises(RemoteQueryError, match=r"property paths \(\* and \+\)"):
        engine.query("SELECT ?x WHERE { ?x mkv:subtypeOf+ mk:myoclonus }")
    with pytest.raises(RemoteError, match="cannot reach"):  # a ? path is sent
        engine.query("SELECT ?x WHERE { ?x mkv:subtypeOf? mk:myoclonus }")


# ------------------------------------------------------------------ push: what changes
def _t(s: str, o, p: str = "http://example.org/p") -> ox.Triple:
    subject = ox.BlankNode(s[2:]) if s.startswith("_:") else ox.NamedNode(s)
    return ox.Triple(subject, ox.NamedNode(p), o)


def test_changes_find_additions_removals_and_repeats():
    from kg.remote.changes import GraphChanges, ServerCopy

    a, b, c = (_t(f"http://example.org/{x}", ox.Literal(x)) for x in "abc")
    changes = GraphChanges("http://example.org/g", ServerCopy([a, b]))
    assert [changes.add(t) for t in (b, c, c, b)] == [False, True, False, False]  # repeats count once
    changes.finish()
    assert (changes.count, changes.added, changes.removed) == (2, 1, 1)
    assert list(changes.removals([a, b])) == [a] and changes.removed_sample == [a]
    assert changes.added_sample == [c] and changes.needs_removal and changes.changed


def test_changes_tell_literals_apart_exactly():
    from kg.remote.changes import GraphChanges, ServerCopy, fingerprint

    xsd = "http://www.w3.org/2001/XMLSchema#"
    variants = [ox.Literal("1"), ox.Literal("1", datatype=ox.NamedNode(xsd + "integer")),
                ox.Literal("1", language="en"), ox.Literal("1 "), ox.NamedNode("http://example.org/1")]
    triples = [_t("http://example.org/s", v) for v in variants]
    assert len({fingerprint(t) for t in triples}) == len(triples)
    changes = GraphChanges("http://example.org/g", ServerCopy(triples[:1]))
    assert [changes.add(t) for t in triples[1:]] == [True] * 4


def test_blank_node_structures_compare_by_shape_not_by_label():
    from kg.remote.changes import GraphChanges, ServerCopy, same_blank_part

    on, some = "http://www.w3.org/2002/07/owl#onProperty", "http://www.w3.org/2002/07/owl#someValuesFrom"
    c = ox.NamedNode("http://example.org/C")

    def restriction(label: str, prop: str) -> list[ox.Triple]:
        return [_t("http://example.org/X", ox.BlankNode(label), "http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                _t(f"_:{label}", ox.NamedNode(prop), on), _t(f"_:{label}", c, some)]

    server = restriction("b1", "http://example.org/treats")
    assert same_blank_part(server, restriction("x9", "http://example.org/treats"))
    assert not same_blank_part(server, restriction("x9", "http://example.org/causes"))
    same = GraphChanges("http://example.org/g", ServerCopy(server))
    assert not any(same.add(t) for t in restriction("other", "http://example.org/treats"))
    same.finish()
    assert not same.changed and same.count == 3
    other = GraphChanges("http://example.org/g", ServerCopy(server))
    for t in restriction("other", "http://example.org/causes"):
        other.add(t)
    other.finish()
    assert other.replace_blank and (other.added, other.removed_blank) == (3, 3)


def test_a_graph_the_server_lacks_is_all_additions():
    from kg.remote.changes import GraphChanges

    fresh = GraphChanges("http://example.org/g", None)
    triples = [_t(f"http://example.org/{i}", ox.Literal(str(i))) for i in range(3)] + [_t("_:b", ox.Literal("x"))]
    assert all(fresh.add(t) for t in triples)
    fresh.finish()
    assert fresh.fresh and (fresh.count, fresh.added, fresh.removed) == (4, 4, 0)
    assert len(fresh.added_sample) == 3  # blank-node triples cannot be looked up afterwards


def test_update_body_is_sparql_that_round_trips_any_literal():
    from kg.remote.gsp import _UpdateBody

    g = ox.NamedNode("http://example.org/g")
    texts = ['a\\u0022b', "x\\\\u0041y", "\x01", 'q"q', "nl\nx", "\u2028", "é", "\\", "'''", "\U0001F600"]
    quads = [ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(t), g) for i, t in enumerate(texts)]
    store = ox.Store()
    body = _UpdateBody()
    try:
        assert body.data("INSERT", quads) == len(quads)
        assert body.data("DELETE", []) == 0  # nothing written for no data
        store.update(body.ready().read().decode("utf-8"))
    finally:
        body.close()
    assert set(store) == set(quads)
    body = _UpdateBody()
    try:
        body.data("DELETE", quads[:4])
        body.operation("DELETE { GRAPH <http://example.org/g> { ?s ?p ?o } } WHERE { GRAPH <http://example.org/g> "
                       "{ ?s ?p ?o FILTER(isBlank(?s)) } }")
        body.data("INSERT", quads[:1])
        store.update(body.ready().read().decode("utf-8"))
    finally:
        body.close()
    assert set(store) == set(quads[:1] + quads[4:])


def test_diff_is_refused_where_uploads_are_not_atomic():
    from kg.remote.dialects import dialect

    assert dialect("oxigraph").can_diff and dialect("oxigraph").swap == "diff"
    for name in ("virtuoso", "fuseki", "qlever", "generic"):
        assert not dialect(name).can_diff and dialect(name).swap == "move"
