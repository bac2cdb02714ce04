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
