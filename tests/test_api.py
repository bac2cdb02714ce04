"""The Python API: kg.load, KnowledgeGraph (sparql, named, resolve, entity, subgraph, exports)
and the result objects."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter

import networkx as nx
import pyoxigraph as ox
import pytest

import kg
from kg.identifiers import expand
import kg.build.builder as builder
from kg.errors import KGError, QueryError
from kg.namespace import ENTITY, GRAPH_CURATED, GRAPH_ONTOLOGY, VOCAB
from kg.paths.finder import GraphPath, Hop
from kg.query.library import list_queries
from kg.query.results import AskResult, GraphResult, ResultTable


def E(local: str) -> str:
    return ENTITY + local


# ------------------------------------------------------------------------------ kg.load
@pytest.fixture()
def fast_build(monkeypatch):
    """kg.load's own build call, without the (slow, separately tested) SHACL run; records calls."""
    calls = []
    real = builder.build

    def wrapper(directory=None, **kwargs):
        calls.append((directory, kwargs))
        kwargs["validate"] = False
        return real(directory, **kwargs)

    monkeypatch.setattr(builder, "build", wrapper)
    return calls


def test_load_builds_when_missing(tmp_path, fast_build):
    out = tmp_path / "fresh" / "build"
    graph = kg.load(out)
    assert len(fast_build) == 1 and (out / "manifest.json").is_file() and (out / "store").is_dir()
    assert graph.sparql("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }").value is True
    kg.load(out)  # up to date now: no second build
    assert len(fast_build) == 1


def test_load_uses_kg_build_dir(tmp_path, fast_build, monkeypatch):
    out = tmp_path / "env-build"
    monkeypatch.setenv("KG_BUILD_DIR", str(out))
    graph = kg.load()
    assert graph.directory == out and (out / "store").is_dir()


def test_load_without_build_on_an_empty_dir_raises(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(KGError, match="kg build"):
        kg.load(tmp_path / "empty", build=False)
    with pytest.raises(KGError):
        kg.load(tmp_path / "missing", build=False)


def test_manifest_counts_match_the_curation(real_graph, cur):
    counts = real_graph.manifest["counts"]
    assert counts["entities"] == len(cur.entities)
    assert counts["facts"] == len(cur.facts)
    assert counts["edges"] == sum(1 for f in cur.facts if f.object is not None)


# ------------------------------------------------------------------------- sparql / named
def test_sparql_with_params(real_graph, cur):
    q = "SELECT ?drug ?type WHERE { ?drug mkv:treats ?type }"
    want = {E(f.subject) for f in cur.facts if f.predicate == "treats" and f.object == "myoclonus"}
    assert set(real_graph.sparql(q, {"type": real_graph.iri("mk:myoclonus")}).column("drug")) == want
    assert set(real_graph.sparql(q, {"type": ox.NamedNode(E("myoclonus"))}).column("drug")) == want
    assert set(real_graph.sparql(q).column("drug")) == {E(f.subject) for f in cur.facts if f.predicate == "treats"}


def test_sparql_graphs_and_limit(real_graph, cur):
    q = "SELECT ?e WHERE { ?e a mkv:Drug }"
    n_drugs = sum(1 for e in cur.entities if "Drug" in e.types)
    assert len(real_graph.sparql(q, graphs=["curated"])) == n_drugs
    assert len(real_graph.sparql(q, graphs=["ontology"])) == 0
    limited = real_graph.sparql(q, limit=2)
    assert len(limited) == 2 and limited.truncated
    assert not real_graph.sparql(q, limit=n_drugs).truncated
    with pytest.raises(KGError, match="unknown graph"):
        real_graph.sparql(q, graphs=["nope"])
    with pytest.raises(QueryError):
        real_graph.sparql("SELECT ?x WHERE {")


def test_named_and_queries(real_graph):
    assert [q.name for q in real_graph.queries()] == [q.name for q in list_queries()]
    table = real_graph.named("adverse-effects", {"drug": "clonazepam"})
    assert sorted(table.column("label")) == ["adverse drug reaction", "drowsiness", "drug tolerance",
                                             "incoordination"]
    assert real_graph.named("adverse-effects").to_records() == table.to_records()
    with pytest.raises(KGError, match="no named query"):
        real_graph.named("no-such-query")
    with pytest.raises(KGError, match="no parameter"):
        real_graph.named("adverse-effects", {"nope": "x"})


def test_ask_and_construct_results(real_graph, cur):
    ask = real_graph.sparql("ASK { mk:clonazepam mkv:hasAdverseEffect mk:drowsiness }")
    assert isinstance(ask, AskResult) and bool(ask) and ask.text() == "true"
    graph = real_graph.sparql("CONSTRUCT { ?s mkv:causes ?o } WHERE { ?s mkv:causes ?o }")
    assert isinstance(graph, GraphResult)
    # With a variable object, each fact once (no alias twins: they answer only queries that name
    # an alias, kg.query.dataset); naming an identifier the object matches exactly finds the facts.
    aliases = {e.id: [expand(m.curie) for m in e.mappings
                      if m.match == "exact" and m.curie.split(":")[0] in ("HP", "OMIM", "ORPHA", "NCBIGene")]
               for e in cur.entities}
    facts = {(E(f.subject), E(f.object)) for f in cur.facts if f.predicate == "causes"}
    aliased = {(E(f.subject), a) for f in cur.facts if f.predicate == "causes" for a in aliases[f.object]}
    assert aliased and {(t.subject.value, t.object.value) for t in graph} == facts
    alias = sorted(a for _, a in aliased)[0]
    named = real_graph.sparql(f"CONSTRUCT {{ ?s mkv:causes <{alias}> }} WHERE {{ ?s mkv:causes <{alias}> }}")
    assert {(t.subject.value, t.object.value) for t in named} == {(s, a) for s, a in aliased if a == alias}
    curated = real_graph.sparql("CONSTRUCT { ?s mkv:causes ?o } WHERE { ?s mkv:causes ?o }", graphs=["curated"])
    assert {(t.subject.value, t.object.value) for t in curated} == facts


# ---------------------------------------------------------------------------- ResultTable
def test_result_table_conversions(real_graph, cur):
    table = real_graph.sparql("SELECT ?s ?n ?b WHERE { ?s mkv:maxFrequencyPerMinute ?n . "
                              "BIND(?n > 100 AS ?b) }")
    [fact] = [f for f in cur.facts if f.predicate == "maxFrequencyPerMinute"]
    assert table.variables == ["s", "n", "b"]
    assert table.to_records() == [(E(fact.subject), fact.value, fact.value > 100)]
    assert table.to_dicts() == [{"s": E(fact.subject), "n": fact.value, "b": fact.value > 100}]
    assert list(table) == table.to_dicts() and len(table) == 1
    assert table.column("n") == [fact.value] and isinstance(table.column("n")[0], int)
    with pytest.raises(KGError, match="no column"):
        table.column("nope")
    optional = real_graph.sparql("SELECT ?s ?x WHERE { BIND(mk:clonazepam AS ?s) OPTIONAL { ?s mkv:nope ?x } }")
    assert optional.to_records() == [(E("clonazepam"), None)]
    assert "mk:clonazepam" in optional.text() and "(1 row)" in optional.text()


def test_result_table_html_escapes():
    table = ResultTable(["label"], [(ox.Literal("<script>alert('x')</script> & co"),), (None,)])
    html = table._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; co" in html
    assert html.count("<tr>") == 3  # header + 2 rows


def test_to_pandas(real_graph):
    table = real_graph.named("antiepileptic-drugs")
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(KGError, match="pandas"):
            table.to_pandas()
        return
    frame = table.to_pandas()
    assert list(frame.columns) == table.variables
    assert frame.values.tolist() == [list(r) for r in table.to_records()]


# -------------------------------------------------------------------------- graph views
def test_to_networkx_attributes(real_graph, cur, article):
    g = real_graph.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert set(g) == {E(e.id) for e in cur.entities}
    object_facts = [f for f in cur.facts if f.object is not None]
    assert g.number_of_edges() == len(object_facts)
    by_id = {e.id: e for e in cur.entities}
    for node, data in g.nodes(data=True):
        for attr in ("label", "category", "types", "curie", "xrefs"):
            assert attr in data, (node, attr)
        e = by_id[node[len(ENTITY):]]
        assert data["label"] == e.label and set(data["types"]) == set(e.types)
        assert data["curie"] == "mk:" + e.id and data["category"].startswith("biolink:")
        assert sorted(data["xrefs"]) == sorted(m.curie for m in e.mappings)
    edges = Counter()
    for s, o, key, data in g.edges(keys=True, data=True):
        for attr in ("predicate", "label", "quote", "statement"):
            assert data.get(attr), (s, o, key, attr)
        assert data["quote"] in article
        edges[(s, data["predicate"], o, data["quote"])] += 1
    assert edges == Counter((E(f.subject), f.predicate, E(f.object), f.quote) for f in object_facts)
    assert real_graph.to_networkx() is g  # cached


def test_to_rdflib_has_the_same_triples_per_graph(real_graph):
    import rdflib

    dataset = real_graph.to_rdflib()
    assert isinstance(dataset, rdflib.Dataset)
    store_counts = dict(real_graph.sparql(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").to_records())
    assert {GRAPH_CURATED, GRAPH_ONTOLOGY} <= set(store_counts)
    rdflib_counts = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert rdflib_counts == store_counts
    curated = dataset.graph(rdflib.URIRef(GRAPH_CURATED))
    assert (rdflib.URIRef(E("clonazepam")), rdflib.URIRef(VOCAB + "treats"),
            rdflib.URIRef(E("action_myoclonus"))) in curated
    only = real_graph.to_rdflib(graphs=["curated"])
    assert {str(g.identifier) for g in only.graphs() if len(g)} == {GRAPH_CURATED}


def test_to_rdflib_terms_are_those_rdflib_parses_from_n_triples(real_graph):
    # to_rdflib makes rdflib terms directly; each graph must be the one rdflib's own
    # N-Triples parser makes of pyoxigraph's serialisation (blank nodes up to renaming).
    import pyoxigraph as ox
    import rdflib
    from rdflib.compare import isomorphic

    dataset = real_graph.to_rdflib()
    seen = 0
    for short, name in (("curated", GRAPH_CURATED), ("ontology", GRAPH_ONTOLOGY)):
        quads = list(real_graph.engine.quads((short,)))
        assert quads and {q.graph_name.value for q in quads} == {name}
        payload = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                               format=ox.RdfFormat.N_TRIPLES)
        parsed = rdflib.Graph().parse(data=payload.decode("utf-8"), format="nt")
        mine = rdflib.Graph()
        for triple in dataset.graph(rdflib.URIRef(name)):
            mine.add(triple)
        assert len(mine) == len(parsed) and isomorphic(mine, parsed), name
        seen += sum(isinstance(o, rdflib.BNode) for o in mine.objects())
        seen += sum(isinstance(o, rdflib.Literal) and o.datatype is not None for o in mine.objects())
    assert seen  # blank nodes and typed literals were compared


def test_subgraph(real_graph):
    g = real_graph.to_networkx()
    names = ["clonazepam", "Action Myoclonus", "mk:myoclonus", "drowsiness"]
    sub = real_graph.subgraph(names)
    iris = {E("clonazepam"), E("action_myoclonus"), E("myoclonus"), E("drowsiness")}
    assert set(sub) == iris
    want = sorted((s, o, k) for s, o, k in g.edges(keys=True) if s in iris and o in iris)
    assert sorted(sub.edges(keys=True)) == want and want
    sub.remove_node(E("clonazepam"))  # a copy: the cached graph is untouched
    assert E("clonazepam") in real_graph.to_networkx()


def test_entity_lists_edges_with_evidence(real_graph, cur, article):
    info = real_graph.entity("Klonopin")
    e = next(x for x in cur.entities if x.id == "clonazepam")
    assert info["iri"] == E("clonazepam") and info["label"] == e.label
    assert info["definition"] == e.definition
    want = Counter((E(f.subject), f.predicate, E(f.object)) for f in cur.facts
                   if f.object is not None and "clonazepam" in (f.subject, f.object))
    assert Counter((x["subject"], x["predicate"], x["object"]) for x in info["edges"]) == want
    for edge in info["edges"]:
        assert edge["quote"] and article[edge["quote_start"]:edge["quote_end"]] == edge["quote"]
        assert edge["sentence"] and edge["statement"]


def primary(types, order) -> str:
    """The documented rule of the one category scheme: the first of an entity's types in the order."""
    return next(t for t in order if t in types)


def test_counts_match_the_curation(real_graph, cur):
    from kg.schema import CATEGORY_ORDER

    # One category per entity (the one scheme), not one count per asserted class.
    expected = Counter(primary(e.types, CATEGORY_ORDER) for e in cur.entities)
    assert real_graph.counts() == dict(expected)
    assert sum(real_graph.counts().values()) == len(cur.entities)


def test_one_category_scheme_everywhere(real_graph):
    """counts(), the web entity index, the viz legend and the manifest agree."""
    from kg.viz.model import build_view
    from kg.web.pages import entities_context

    counts = real_graph.counts()
    assert {g["name"]: g["count"] for g in entities_context(real_graph.to_networkx())} == counts
    legend = build_view(real_graph.to_networkx()).legend
    assert {entry["category"]: entry["count"] for entry in legend} == counts
    assert real_graph.manifest["entities_per_class"] == counts


def test_path_html_escapes():
    g = nx.MultiDiGraph()
    g.add_node("urn:a", label="<script>alert(1)</script>")
    g.add_node("urn:b", label="b & c")
    data = {"predicate": "treats", "label": "treats", "quote": "<img src=x onerror=alert(1)>"}
    g.add_edge("urn:a", "urn:b", key="k", **data)
    p = GraphPath(g, ["urn:a", "urn:b"], [Hop("urn:a", "urn:b", [("urn:a", "urn:b", data)])])
    html = p._repr_html_()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html and "b &amp; c" in html


def test_path_html_of_a_real_path(real_graph):
    p = real_graph.path("hypoxia", "clonazepam")[0]
    html = p._repr_html_()
    assert html.count("<li>") == sum(len(h.edges) for h in p.hops)


def test_entity_is_a_typed_record_readable_by_key(real_graph):
    from kg.api import Entity, EntityEdge

    info = real_graph.entity("clonazepam")
    assert isinstance(info, Entity) and all(isinstance(e, EntityEdge) for e in info.edges)
    assert info["label"] == info.label and info["edges"] == info.edges and "edges" in info
    assert info.get("no such field", 3) == 3
    with pytest.raises(KeyError):
        info["no such field"]
    plain = info.to_dict()
    assert plain["iri"] == info.iri and plain["edges"][0]["sentence"] == info.edges[0].sentence
    json.dumps(plain)


def test_both_engines_meet_the_engine_protocol():
    import inspect

    from kg.api import Engine
    from kg.query.engine import SparqlEngine
    from kg.remote.engine import RemoteEngine

    wanted = {name for name in dir(Engine) if not name.startswith("_")} | set(Engine.__annotations__)
    for engine in (SparqlEngine, RemoteEngine):
        for name in wanted - {"graph_iris"}:
            assert callable(getattr(engine, name, None)), (engine.__name__, name)
        query = inspect.signature(engine.query).parameters
        assert {"bindings", "graphs", "limit"} <= set(query), engine.__name__
