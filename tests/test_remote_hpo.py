"""The HPO named queries on each server, loaded with the server's own bulk loader.

A build with the HPO subset import is bulk-loaded offline into an Oxigraph of its own
(``oxigraph load``, then ``oxigraph serve``) and into the session's Virtuoso (``ld_dir`` +
``rdf_loader_run``, after clearing our graphs there; they are cleared again at the end, so
the next module pushes its own). Every ``hpo-*`` named query must answer as the embedded
store does, or be refused where the server is known to answer it wrongly (Virtuoso and
``*``/``+`` property paths, see :func:`tests.test_remote.refused_on`).
"""

from __future__ import annotations

import pytest

import kg
from kg.query.engine import GRAPHS
from kg.query.library import list_queries
from tests.servers import ENGINES, Oxigraph
from tests.test_remote import _plain, assert_refused, refused_on

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)

HPO_QUERIES = [q for q in list_queries() if q.name.startswith("hpo-")]


def _clear_ours(virtuoso) -> None:
    virtuoso.sql("\n".join(f"SPARQL CLEAR GRAPH <{iri}>;" for iri in GRAPHS.values()))


@pytest.fixture(scope="module", params=ENGINES)
def hpo_pair(request, hpo_build, tmp_path_factory):
    """(embedded, remote) KnowledgeGraphs of the HPO build, bulk-loaded into the server."""
    embedded = kg.load(hpo_build, build=False)
    if request.param == "oxigraph":
        with Oxigraph(tmp_path_factory.mktemp("oxigraph-hpo") / "store", preload=hpo_build / "kg.nq") as server:
            yield request.param, embedded, kg.load(endpoint=server.url)
        return
    target = request.getfixturevalue("virtuoso_target")
    _clear_ours(target.server)
    try:
        target.server.bulk_load(hpo_build / "kg.nq")
        yield request.param, embedded, kg.load(endpoint=target.query_url)
    finally:
        _clear_ours(target.server)


def test_bulk_load_holds_every_graph(hpo_pair):
    _, embedded, remote = hpo_pair
    store = embedded.engine.store
    # Counted by pyoxigraph itself (not by kg's counts(), the code under test): a SPARQL count
    # in the store, which is 20 times cheaper than making a Python object of each of 450k quads.
    counted = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    local = {g.value: counted.get(g.value, 0) for g in store.named_graphs()}
    assert GRAPHS["hpo"] in local
    assert remote.engine.counts(local) == local


@pytest.mark.parametrize("nq", HPO_QUERIES, ids=lambda q: q.name)
def test_hpo_named_queries_answer_as_embedded(nq, hpo_pair):
    engine, embedded, remote = hpo_pair
    if refused_on(engine, nq.text):
        assert_refused(lambda: remote.named(nq.name))
        return
    local, there = embedded.named(nq.name), remote.named(nq.name)
    assert len(local) > 0
    assert there.variables == local.variables
    assert _plain(there, nq.text) == _plain(local, nq.text)
