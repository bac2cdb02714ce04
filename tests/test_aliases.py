"""Alias twins (issue 12): a query naming an alias gets the curated answer; a query with variables
gets each entity once, never also its unlabelled alias twin.

The expectations come from the curation records (``kg/data/*.yaml``), not from our output: the
aliases are the exact mappings to HP/OMIM/ORPHA/NCBIGene identifiers, the edges are the facts.
"""

from __future__ import annotations

import json

import pytest

from kg.entailment import ALIAS_PREFIXES
from kg.namespace import ENTITY, PREFIXES, VOCAB
from kg.query.dataset import default_graph_iris

INVERSES = {"causes": "causedBy", "hasPhenotype": "phenotypeOf"}


def expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


@pytest.fixture(scope="module")
def aliases(cur) -> dict[str, str]:
    """``alias IRI -> entity IRI`` from the curated exact mappings."""
    return {expand(m.curie): ENTITY + e.id for e in cur.entities for m in e.mappings
            if m.match == "exact" and m.curie.partition(":")[0] in ALIAS_PREFIXES}


def facts(cur, predicate: str, *, subject: str | None = None, obj: str | None = None) -> list:
    return [f for f in cur.facts if f.predicate == predicate and f.object is not None
            and (subject is None or f.subject == subject) and (obj is None or f.object == obj)]


def column(result) -> set[str]:
    return {row[0].value for row in result.rows}


def test_curated_iri_with_a_variable_object_binds_each_entity_once(real_graph, cur, aliases):
    # The defect: mk:liver_failure came back with its twin HP:0001399.
    found = real_graph.sparql("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }")
    expected = {ENTITY + f.subject for f in facts(cur, "causes", obj="myoclonus")}
    assert expected and column(found) == expected
    assert len(found.rows) == len(expected)
    lafora = real_graph.sparql("SELECT ?d WHERE { ?p mkv:phenotypeOf ?d }")
    assert column(lafora) == {ENTITY + f.subject for f in facts(cur, "hasPhenotype")}


def test_no_variable_binds_an_alias_unless_the_query_names_one(real_graph, aliases):
    objects = column(real_graph.sparql(
        "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?p), STR(mkv:))) }"))
    assert aliases and not objects & set(aliases)
    # The aliases are there, and found when asked for by name (here the rule).
    named = column(real_graph.sparql(
        "SELECT DISTINCT ?o WHERE { ?st mkv:entailedBy mkv:ExactAliasRule ; rdf:object ?o }"))
    twinned = {a for a, e in aliases.items()
               if real_graph.sparql("ASK { ?s ?p ?e FILTER(STRSTARTS(STR(?p), STR(mkv:)) "
                                    "&& ?p != mkv:subtypeOfClosure) }",
                                    {"e": real_graph.iri(e)}).value}
    assert named == twinned


@pytest.mark.parametrize("alias_curie, entity, predicate", [
    ("HP:0001336", "myoclonus", "causes"),
    ("ORPHA:501", "lafora_body_disease", "phenotypeOf"),
])
def test_an_alias_as_object_gets_the_curated_answer(real_graph, cur, aliases, alias_curie, entity, predicate):
    assert aliases[expand(alias_curie)] == ENTITY + entity
    if predicate in INVERSES.values():
        forward = next(k for k, v in INVERSES.items() if v == predicate)
        expected = {ENTITY + f.object for f in facts(cur, forward, subject=entity)}
    else:
        expected = {ENTITY + f.subject for f in facts(cur, predicate, obj=entity)}
    assert expected
    by_alias = real_graph.sparql(f"SELECT ?x WHERE {{ ?x mkv:{predicate} {alias_curie} }}")
    by_entity = real_graph.sparql(f"SELECT ?x WHERE {{ ?x mkv:{predicate} mk:{entity} }}")
    assert column(by_alias) == column(by_entity) == expected
    # The alias given as a bound parameter counts as naming it.
    bound = real_graph.sparql(f"SELECT ?x WHERE {{ ?x mkv:{predicate} ?t }}", {"t": real_graph.iri(alias_curie)})
    assert column(bound) == expected


def test_subtypes_by_alias_and_by_entity(real_graph, cur):
    children: dict[str, set[str]] = {}
    for f in facts(cur, "subtypeOf"):
        children.setdefault(f.object, set()).add(f.subject)
    below, todo = set(), ["myoclonus"]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in below:
                below.add(child)
                todo.append(child)
    descendants = {ENTITY + c for c in below}
    assert len(descendants) > 10
    for path in ("mkv:subtypeOf*", "mkv:subtypeOfClosure"):
        by_entity = column(real_graph.sparql(f"SELECT ?k WHERE {{ ?k {path} mk:myoclonus }}"))
        by_alias = column(real_graph.sparql(f"SELECT ?k WHERE {{ ?k {path} HP:0001336 }}"))
        assert by_entity == descendants | {ENTITY + "myoclonus"}, path
        assert by_alias == descendants | {expand("HP:0001336")}, path


def test_chosen_graphs_decide(real_graph, cur):
    expected = {ENTITY + f.subject for f in facts(cur, "causes", obj="myoclonus")}
    query = "SELECT ?x WHERE { ?x mkv:causes HP:0001336 }"
    assert column(real_graph.sparql(query, graphs=("curated", "entailed"))) == expected
    assert column(real_graph.sparql(query, graphs=("curated",))) == set()
    assert column(real_graph.sparql(query, graphs=("curated", "aliases"))) == expected
    twins = real_graph.sparql("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }", graphs=("entailed", "aliases"))
    assert column(twins) > expected  # asked for explicitly: the twins are there


def test_endpoint_worker_applies_the_same_rule(real_build, cur, aliases):
    from kg.build.inputs import STORE_DIR
    from kg.web.runner import Job, QueryRunner

    runner = QueryRunner(real_build / STORE_DIR)

    def run(query: str) -> set[str]:
        outcome = runner.run(Job(query))
        assert outcome.status == 200, outcome.body
        return {b["x"]["value"] for b in json.loads(outcome.body)["results"]["bindings"]}

    expected = {ENTITY + f.subject for f in facts(cur, "causes", obj="myoclonus")}
    assert run("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }") == expected
    assert run("SELECT ?x WHERE { ?x mkv:causes HP:0001336 }") == expected
    # A comment or a string holding the alias is not naming it: the grammar decides.
    assert run('SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x FILTER(?x != "HP:0001336") } # HP:0001336') \
        == expected


def test_default_graph_rule():
    graphs = {"curated": "urn:c", "entailed": "urn:e", "aliases": "urn:a"}
    never = lambda iri: False  # noqa: E731
    assert default_graph_iris("ASK { ?s mkv:entailedBy mkv:ExactAliasRule }", None, graphs, never) == \
        ["urn:c", "urn:e", "urn:a"]
    assert default_graph_iris("ASK { ?s ?p ?o }", ("aliases",), graphs, never) == ["urn:a"]
    assert default_graph_iris("ASK { ?s ?p ?o }", None, {"curated": "urn:c"}, never) == ["urn:c"]


def test_hpo_build_variables_bind_entities_once(hpo_graph, aliases):
    """On curated + HPO (where the defect was reported): the causes of myoclonus and the
    diseases Lafora's phenotypes belong to, each entity once, none an alias."""
    causes = hpo_graph.sparql("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }")
    assert causes.rows and not column(causes) & set(aliases)
    assert len(causes.rows) == len(column(causes))
    diseases = hpo_graph.sparql("SELECT ?d WHERE { mk:dementia mkv:phenotypeOf ?d }")
    assert ENTITY + "lafora_body_disease" in column(diseases)
    assert not column(diseases) & set(aliases)
    assert len(diseases.rows) == len(column(diseases))
    # Named by its alias, the same diseases.
    assert column(hpo_graph.sparql("SELECT ?d WHERE { ?d mkv:hasPhenotype HP:0000726 }")) == column(diseases)


# ------------------------------------------ two stores: the aliases graph only in store-full
def test_the_main_store_holds_every_graph_but_the_aliases_graph(real_build, aliases):
    """The build's main store lacks the aliases graph; its full store is the main one plus the
    twins; the alias list names exactly the aliases of the curation."""
    import pyoxigraph as ox

    from kg.layout import ALIASES_FILE, FULL_STORE_DIR, STORE_DIR
    from kg.vocab import GRAPH_ALIASES

    def per_graph(store):
        return {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
                for g in store.named_graphs()}

    main = per_graph(ox.Store.read_only(str(real_build / STORE_DIR)))
    full = per_graph(ox.Store.read_only(str(real_build / FULL_STORE_DIR)))
    assert GRAPH_ALIASES not in main and full.pop(GRAPH_ALIASES) > 0
    assert full == main
    listed = json.loads((real_build / ALIASES_FILE).read_text(encoding="utf-8"))
    assert set(listed) == set(aliases)


def test_a_query_naming_no_alias_runs_on_the_union_of_the_main_store(real_graph):
    """The point of the two stores: pyoxigraph evaluates a union default graph once, a listed
    one once per graph. Every named query here names no alias."""
    engine = real_graph.engine
    for nq in real_graph.queries():
        store, dataset = engine.plan(nq.text)
        assert store is engine.stores.main, nq.name
        assert dataset == {"use_default_graph_as_union": True}, nq.name
    store, dataset = engine.plan("SELECT ?x WHERE { ?x mkv:causes HP:0001336 }")
    assert store is engine.stores.full and dataset == {"use_default_graph_as_union": True}


def test_named_graphs_are_every_graph_of_the_build(real_graph):
    """A GRAPH pattern sees the aliases graph as before (it is a named graph of the build),
    while the default graph still leaves it out."""
    from kg.vocab import GRAPH_ALIASES

    listed = column(real_graph.sparql("SELECT DISTINCT ?x WHERE { GRAPH ?x { ?s ?p ?o } }"))
    assert GRAPH_ALIASES in listed
    assert listed == {g.value for g in real_graph.engine.store.named_graphs()}
    twins = real_graph.sparql("SELECT ?x WHERE { GRAPH ?g { mk:myoclonus mkv:causedBy ?x } "
                              "FILTER(?g = <%s>) }" % GRAPH_ALIASES)
    assert twins.rows and column(twins) - column(real_graph.sparql(
        "SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }"))  # the twins: only in the named graph


def test_endpoint_worker_uses_the_union_of_the_main_store(real_build):
    from kg.build.inputs import STORE_DIR
    from kg.web.runner import Job, QueryRunner

    runner = QueryRunner(real_build / STORE_DIR)
    store, dataset = runner._dataset(Job("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }"))
    assert store is runner.stores.main and dataset == {"use_default_graph_as_union": True}
    store, _ = runner._dataset(Job("SELECT ?x WHERE { ?x mkv:causes HP:0001336 }"))
    assert store is runner.stores.full
    outcome = runner.run(Job("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert outcome.status == 200 and b"graph/aliases" in outcome.body
