"""One graph: natural questions get complete answers across the curated facts and HPO.

Each test states a question as a user writes it and checks the answer against expectations
computed from the HPO release files and the curation records (``tests/hpo_oracle.py``), never
from the graph's own output. The build is the session's HPO-subset build (``hpo_build``).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.namespace import (ENTITY, GRAPH_ALIASES, GRAPH_CURATED, GRAPH_ENTAILED, GRAPH_HPO, GRAPH_ONTOLOGY, STATEMENT,
                          VOCAB)
from tests import hpo_oracle as raw
from tests.hpo_oracle import iri, node

ROOTS = ("HP:0000005", "HP:0003674", "HP:0031797")  # inheritance, onset, course


def E(local: str) -> str:
    return ENTITY + local


def column(result, name: str) -> list:
    return [r[name] for r in result.to_dicts()]


def curated_diseases_with(root: str) -> set[str]:
    """Curated diseases with ``root`` or a curated subtype of it as a phenotype."""
    kinds = raw.curated_closure(root, ("subtypeOf",), reverse=True)
    types = raw.curated_types()
    return {E(f.subject) for f in raw.curation().facts
            if f.predicate == "hasPhenotype" and f.object in kinds and "Disease" in types[E(f.subject)]}


def diseases_with_myoclonus() -> set[str]:
    return {node(d) for d in raw.diseases_with(raw.myoclonus_terms())} | curated_diseases_with("myoclonus")


def diseases_with_seizures() -> set[str]:
    return {node(d) for d in raw.diseases_with(raw.seizure_terms())}


def kinds_of_myoclonus() -> set[str]:
    curated = {E(k) for k in raw.curated_closure("myoclonus", ("subtypeOf",), reverse=True)}
    return (curated | {node(t) for t in raw.myoclonus_terms()}) - {E("myoclonus")}


@lru_cache(maxsize=1)
def genes_per_disease() -> dict[str, frozenset[str]]:
    """Disease IRI -> gene IRIs (one-graph IRIs) of genes_to_phenotype.txt, read once (its rows
    are genes x phenotypes: the same pair many times over)."""
    out: dict[str, set[str]] = {}
    for disease, gene in {(g["disease_id"], g["ncbi_gene_id"]) for g in raw.genes()}:
        out.setdefault(node(disease), set()).add(node("NCBIGene:" + gene))
    return {d: frozenset(genes) for d, genes in out.items()}


def disease_genes(diseases: set[str]) -> dict[str, set[str]]:
    """Gene IRI -> diseases (one-graph IRIs), from genes_to_phenotype.txt and curated causal genes."""
    out: dict[str, set[str]] = {}
    for d, genes in genes_per_disease().items():
        if d in diseases:
            for gene in genes:
                out.setdefault(gene, set()).add(d)
    for f in raw.curation().facts:
        if f.predicate == "causalGeneFor" and E(f.object) in diseases:
            out.setdefault(E(f.subject), set()).add(E(f.object))
    return out


# ------------------------------------------------------------ 1. one traversable graph
@pytest.mark.parametrize("root", ["mk:myoclonus", "HP:0001336"])
def test_diseases_with_myoclonus_from_either_side(hpo_graph, root):
    found = hpo_graph.sparql(f"""SELECT DISTINCT ?d WHERE {{ VALUES ?r {{ {root} }}
        ?k mkv:subtypeOf* ?r . ?d mkv:hasPhenotype ?k ; a mkv:Disease }}""").column("d")
    assert len(found) == len(set(found)) and set(found) == diseases_with_myoclonus()
    # every one of HPO's 377 diseases is there, once, under its one-graph IRI
    assert {node(d) for d in raw.diseases_with(raw.myoclonus_terms())} <= set(found)
    assert len(raw.diseases_with(raw.myoclonus_terms())) == 377
    # no entity twice: an identifier a curated entity matches exactly never comes back as itself
    assert not set(found) & {iri(c) for c in raw.aliases()}


def test_disorders_with_myoclonus_is_complete(hpo_graph):
    assert set(column(hpo_graph.named("disorders-with-myoclonus"), "disorder")) == diseases_with_myoclonus()


@pytest.mark.parametrize("root", ["mk:myoclonus", "HP:0001336"])
def test_kinds_of_myoclonus_from_either_side(hpo_graph, root):
    found = hpo_graph.sparql(f"SELECT ?k WHERE {{ ?k mkv:subtypeOf+ {root} }}").column("k")
    assert sorted(found) == sorted(kinds_of_myoclonus())
    # kinds of myoclonus are phenotypes only: no disease, no disease group
    types = hpo_graph.sparql(f"""SELECT DISTINCT ?k WHERE {{ ?k mkv:subtypeOf+ {root} .
        FILTER NOT EXISTS {{ ?k a mkv:MyoclonusType }} }}""").to_records()
    assert types == []


def test_kinds_of_myoclonus_query(hpo_graph):
    for param in ("mk:myoclonus", "HP:0001336", "myoclonus"):
        rows = hpo_graph.named("kinds-of-myoclonus", {"kind": param})
        assert set(column(rows, "subtype")) == kinds_of_myoclonus(), param
    direct = hpo_graph.sparql("SELECT ?k WHERE { ?k mkv:subtypeOf HP:0001336 }").column("k")
    assert set(direct) == set(hpo_graph.sparql("SELECT ?k WHERE { ?k mkv:subtypeOf mk:myoclonus }").column("k"))


def test_drugs_reachable_from_lafora_disease(hpo_graph):
    """From Lafora disease, by any of its identifiers, to the drugs that treat it, its group or
    its phenotypes (or a broader kind of one)."""
    _, parents, _ = raw.obo()
    lafora = E("lafora_body_disease")
    curated = raw.curation().facts
    up_edges: dict[str, set[str]] = {}
    phenotypes: dict[str, set[str]] = {}
    for f in curated:
        if f.predicate in ("subtypeOf", "memberOf"):
            up_edges.setdefault(E(f.subject), set()).add(E(f.object))
        elif f.predicate == "hasPhenotype":
            phenotypes.setdefault(E(f.subject), set()).add(E(f.object))
    names: dict[str, set[str]] = {}
    for r in raw.positive():
        names.setdefault(r["database_id"], set()).add(r["disease_name"])
        if not any(a in raw.above(r["hpo_id"]) for a in ROOTS):
            phenotypes.setdefault(node(r["database_id"]), set()).add(node(r["hpo_id"]))
    for d, ns in names.items():
        if any(raw.PME.search(n) for n in ns):
            up_edges.setdefault(node(d), set()).add(E("progressive_myoclonus_epilepsy"))
    for e in raw.curation().entities:  # narrow matches are subtypes of the entity
        for m in e.mappings:
            if m.match == "narrow" and m.curie in raw.imported_diseases():
                up_edges.setdefault(node(m.curie), set()).add(E(e.id))
    term_parents = {node(t): {node(p) for p in ps} for t, ps in parents.items()}
    for f in curated:
        if f.predicate == "subtypeOf":
            term_parents.setdefault(E(f.subject), set()).add(E(f.object))

    def up(start: str, edges: dict) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def expected(disease: str) -> set[tuple[str, str]]:
        targets = set()
        for x in up(disease, up_edges):
            targets |= up(x, term_parents)
            for p in phenotypes.get(x, ()):
                targets |= up(p, term_parents)
        return {(E(f.subject), E(f.object)) for f in curated if f.predicate == "treats" and E(f.object) in targets}

    want = expected(lafora)
    assert (E("clonazepam"), E("myoclonus")) in want and (E("five_hydroxytryptophan"),
                                                          E("progressive_myoclonus_epilepsy")) in want
    for param in ("mk:lafora_body_disease", "ORPHA:501", "Lafora disease"):
        rows = hpo_graph.named("hpo-drugs-from-disease", {"disease": param}).to_dicts()
        assert {(r["drug"], r["treated"]) for r in rows} == want, param
    rows = hpo_graph.named("hpo-drugs-from-disease").to_dicts()  # default: OMIM:254780, a subtype
    assert {(r["drug"], r["treated"]) for r in rows} == expected(iri("OMIM:254780"))


# ------------------------------------------------------------ 2. inverses and declared properties
def test_caused_by_is_the_inverse_of_causes(hpo_graph):
    facts = {(E(f.object), E(f.subject)) for f in raw.curation().facts if f.predicate == "causes"}
    found = hpo_graph.sparql("SELECT ?x ?y WHERE { ?x mkv:causedBy ?y . FILTER(STRSTARTS(STR(?y), STR(mk:))) }")
    assert set(found.to_records()) == facts
    # each names the statement it comes from
    rows = hpo_graph.sparql("""SELECT ?x ?y ?from WHERE { ?st rdf:subject ?x ; rdf:predicate mkv:causedBy ;
        rdf:object ?y ; mkv:entailedBy mkv:InverseRule ; mkv:derivedFrom ?from .
        FILTER(STRSTARTS(STR(?y), STR(mk:))) }""").to_records()
    by_fact = {(E(f.object), E(f.subject), STATEMENT + f.id) for f in raw.curation().facts if f.predicate == "causes"}
    assert set(rows) == by_fact


def test_phenotype_of_is_the_inverse_of_has_phenotype(hpo_graph):
    has = set(hpo_graph.sparql("SELECT ?d ?p WHERE { ?d mkv:hasPhenotype ?p }", graphs=("curated", "hpo")).to_records())
    # phenotypeOf also reaches each alias of a disease (ORPHA:501 for Lafora): compare the entities
    of = {(d, p) for p, d in hpo_graph.sparql("SELECT ?p ?d WHERE { ?p mkv:phenotypeOf ?d . ?d a ?t }").to_records()}
    assert has == of and len(has) > 10_000
    assert hpo_graph.sparql("ASK { mk:dementia mkv:phenotypeOf mk:lafora_body_disease }").value


def test_symmetric_properties_hold_both_ways(hpo_graph):
    for f in raw.curation().facts:
        if f.predicate in ("usedWith", "coOccursWith"):
            assert hpo_graph.sparql(f"ASK {{ mk:{f.object} mkv:{f.predicate} mk:{f.subject} }}").value, f.id


def test_every_entailed_edge_names_its_rule_and_sources(hpo_graph):
    # The alias twins are in their own graph (seen by queries naming an alias), reified alike;
    # the closure index there (subtypeOfClosure) has no statements (kg.closure).
    # Every edge has such a statement: the edges a join from the statements side reaches are all
    # the edges. (The same check as MINUS over every edge, which pyoxigraph took ~20 s to
    # evaluate; each pattern in its own GRAPH ?g, in the graphs the statements may be in,
    # instead of a default graph of five, which it evaluates pattern by pattern per graph.)
    scope = ", ".join(f"<{g}>" for g in (GRAPH_CURATED, GRAPH_ONTOLOGY, GRAPH_HPO, GRAPH_ENTAILED, GRAPH_ALIASES))
    edge = """GRAPH <%s> { ?s ?p ?o . FILTER(?p != rdf:type && STRSTARTS(STR(?p), STR(mkv:))
            && ?p NOT IN (mkv:entailedBy, mkv:derivedFrom, mkv:subtypeOfClosure)) }"""
    for graph in (GRAPH_ENTAILED, GRAPH_ALIASES):
        edges = hpo_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { %s }" % (edge % graph)).to_records()
        stated = hpo_graph.sparql("""SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
            GRAPH ?g1 { ?st a mkv:EntailedStatement } GRAPH ?g2 { ?st rdf:subject ?s }
            GRAPH ?g3 { ?st rdf:predicate ?p } GRAPH ?g4 { ?st rdf:object ?o }
            GRAPH ?g5 { ?st mkv:entailedBy ?rule } GRAPH ?g6 { ?st mkv:derivedFrom ?src }
            GRAPH ?g7 { ?rule a mkv:EntailmentRule } GRAPH ?g8 { ?src rdf:subject ?x }
            FILTER(?g1 IN (%s) && ?g2 IN (%s) && ?g3 IN (%s) && ?g4 IN (%s) && ?g5 IN (%s) && ?g6 IN (%s)
                   && ?g7 IN (%s) && ?g8 IN (%s))
            %s } }""" % ((scope,) * 8 + (edge % graph,))).to_records()
        assert edges[0][0] > 1000 and stated == edges, graph
    rules = hpo_graph.sparql("SELECT ?r (COUNT(*) AS ?n) WHERE { ?st mkv:entailedBy ?r } GROUP BY ?r",
                             graphs=("entailed", "aliases")).to_records()
    assert {r.rsplit("/", 1)[1] for r, _ in rules} >= {"InverseRule", "SymmetryRule", "NarrowMatchRule", "ExactAliasRule"}
    assert hpo_graph.manifest["entailed"] == {r.rsplit("/", 1)[1]: n for r, n in rules}


def test_kg_validate_recomputes_the_entailment(hpo_build):
    from kg.validation import validate_build

    report = validate_build(hpo_build, shacl=False)
    assert report.conforms, report.text()


def test_kg_validate_catches_a_missing_or_extra_entailed_edge(mini_graph, tmp_path):
    import shutil

    import pyoxigraph as ox

    from kg.validation import validate_build

    copy = tmp_path / "build"
    shutil.copytree(mini_graph.directory, copy)
    store = ox.Store(str(copy / "store"))
    graph = ox.NamedNode(GRAPH_ENTAILED)
    edge = next(q for q in store.quads_for_pattern(None, ox.NamedNode(VOCAB + "causedBy"), None, graph))
    store.remove(edge)
    store.add(ox.Quad(ox.NamedNode(E("x")), ox.NamedNode(VOCAB + "causes"), ox.NamedNode(E("y")), graph))
    store.flush()
    del store
    report = validate_build(copy, shacl=False)
    assert not report.conforms
    text = report.text()
    assert "entailed graph incomplete: 1 quad(s) missing" in text and "causedBy" in text
    assert "entailed graph has 1 quad(s) no rule derives" in text


# ------------------------------------------------------------ 3. the myoclonic seizure branch
def test_myoclonic_seizures_are_linked_not_merged(hpo_graph):
    links = hpo_graph.sparql("""SELECT ?root WHERE { ?root mkv:manifestsAs mk:myoclonus .
        ?st rdf:subject ?root ; rdf:predicate mkv:manifestsAs ; mkv:evidenceCode "KG-BRANCH-RULE" }""").column("root")
    assert set(links) == {node(r) for r in raw.seizure_roots()}
    merged = hpo_graph.sparql("ASK { ?t a mkv:MyoclonicSeizureType ; mkv:subtypeOf+ mk:myoclonus }")
    assert merged.value is False


def test_diseases_with_myoclonic_seizures(hpo_graph):
    found = column(hpo_graph.named("hpo-diseases-with-myoclonic-seizures"), "disease")
    assert sorted(found) == sorted(diseases_with_seizures())
    assert iri("OMIM:611726") in found  # progressive myoclonic epilepsy 3 (KCTD7)
    both = column(hpo_graph.named("hpo-diseases-with-both-branches"), "disease")
    assert sorted(both) == sorted(diseases_with_seizures() & diseases_with_myoclonus())


def test_counts_per_branch_match_the_files(hpo_graph):
    rows = {r["branch"]: r for r in hpo_graph.named("hpo-diseases-per-branch").to_dicts()}
    myo, msz = diseases_with_myoclonus(), diseases_with_seizures()
    for branch, diseases in (("myoclonus", myo), ("myoclonic seizure", msz), ("both", myo & msz)):
        assert rows[branch]["diseases"] == len(diseases), branch
        assert rows[branch]["genes"] == len(disease_genes(diseases)), branch


def test_counts_cover_every_graph_by_default_like_the_other_methods(hpo_graph):
    """counts(), like sparql(), paths and entity(), reads every graph unless told otherwise:
    the imported diseases count by default, and only the curated ones when asked."""
    everything, curated = hpo_graph.counts(), hpo_graph.counts(graphs=("curated",))
    diseases = hpo_graph.sparql("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a mkv:Disease }")
    assert everything["Disease"] > curated["Disease"]
    assert everything["Disease"] <= int(diseases.to_records()[0][0])


def test_myoclonic_seizure_types(hpo_graph):
    rows = hpo_graph.named("hpo-myoclonic-seizure-types").to_dicts()
    assert {r["type"] for r in rows} == {node(t) for t in raw.seizure_terms()}
    for r in rows:
        assert raw.above(raw.curie(r["type"])) & raw.seizure_roots()
        assert r["manifestsAs"] == "myoclonus"


def test_genes_of_diseases_with_myoclonic_seizures(hpo_graph):
    want = disease_genes(diseases_with_seizures())
    rows = hpo_graph.named("hpo-genes-of-myoclonic-seizure-diseases").to_dicts()
    assert {r["gene"]: r["diseases"] for r in rows} == {g: len(d) for g, d in want.items()}
    assert "KCTD7" in {r["symbol"] for r in rows}  # of progressive myoclonic epilepsy 3


# ------------------------------------------------------------ 7. competency questions
@pytest.mark.parametrize("param", ["mk:myoclonus", "HP:0001336"])
def test_diseases_with_phenotype(hpo_graph, param):
    rows = hpo_graph.named("diseases-with-phenotype", {"phenotype": param})
    assert sorted(column(rows, "disease")) == sorted(diseases_with_myoclonus())


def test_genes_of_diseases_with_myoclonus(hpo_graph):
    want = disease_genes(diseases_with_myoclonus())
    for param in ("mk:myoclonus", "HP:0001336"):
        rows = hpo_graph.named("genes-of-diseases-with-phenotype", {"phenotype": param}).to_dicts()
        assert {r["gene"]: r["diseases"] for r in rows} == {g: len(d) for g, d in want.items()}, param


def test_causes_of_myoclonus_through_the_inverse_property(hpo_graph):
    kinds = raw.curated_closure("myoclonus", ("subtypeOf",), reverse=True) | {
        k.rsplit("/", 1)[1] for k in kinds_of_myoclonus()}
    want = {(E(f.subject), E(f.object)) for f in raw.curation().facts if f.predicate == "causes" and f.object in kinds}
    rows = hpo_graph.named("causes-of-phenotype").to_dicts()
    assert {(r["cause"], r["effect"]) for r in rows} == want
    assert (E("hypoxia"), E("posthypoxic_myoclonus")) in want


def test_diseases_with_very_frequent_myoclonus(hpo_graph):
    want = {(node(r["database_id"]), node(r["hpo_id"])) for r in raw.positive()
            if r["hpo_id"] in raw.myoclonus_terms() and r["frequency"] == "HP:0040281"}
    rows = hpo_graph.named("hpo-diseases-with-frequent-phenotype").to_dicts()
    assert {(r["disease"], r["kind"]) for r in rows} == want and len(want) >= 20
    obligate = hpo_graph.named("hpo-diseases-with-frequent-phenotype", {"frequency": "HP:0040280"}).to_dicts()
    assert {(r["disease"], r["kind"]) for r in obligate} == {
        (node(r["database_id"]), node(r["hpo_id"])) for r in raw.positive()
        if r["hpo_id"] in raw.myoclonus_terms() and r["frequency"] == "HP:0040280"}


def pme_members() -> set[str]:
    names: dict[str, set[str]] = {}
    for r in raw.positive():
        names.setdefault(r["database_id"], set()).add(r["disease_name"])
    members = {node(d) for d in raw.imported_diseases() if any(raw.PME.search(n) for n in names[d])}
    groups = raw.curated_closure("progressive_myoclonus_epilepsy", ("subtypeOf",), reverse=True)
    curated = {f.subject for f in raw.curation().facts if f.predicate == "memberOf" and f.object in groups}
    members |= {E(c) for c in curated}
    for e in raw.curation().entities:
        if E(e.id) in members:
            members |= {node(m.curie) for m in e.mappings if m.match == "narrow" and m.curie in raw.imported_diseases()}
    return members


def test_members_of_the_progressive_myoclonus_epilepsies(hpo_graph):
    found = column(hpo_graph.named("group-members"), "disease")
    assert sorted(found) == sorted(pme_members())
    assert {E("lafora_body_disease"), iri("OMIM:254780"), iri("OMIM:620681"), iri("OMIM:611726")} <= set(found)


def test_genes_of_progressive_myoclonus_epilepsies(hpo_graph):
    want = {(g, d) for g, ds in disease_genes(pme_members()).items() for d in ds}
    rows = hpo_graph.named("hpo-pme-genes").to_dicts()
    assert {(r["gene"], r["disease"]) for r in rows} == want
    assert {"EPM2A", "NHLRC1", "CSTB", "KCTD7"} <= {r["symbol"] for r in rows}


def test_phenotypes_of_lafora_disease_from_either_side(hpo_graph):
    lafora = E("lafora_body_disease")
    want = {E(f.object) for f in raw.curation().facts if f.predicate == "hasPhenotype" and f.subject == "lafora_body_disease"}
    want |= {node(r["hpo_id"]) for r in raw.positive() if node(r["database_id"]) == lafora
             and not any(a in raw.above(r["hpo_id"]) for a in ROOTS)}
    for param in ("mk:lafora_body_disease", "ORPHA:501", "Lafora disease"):
        rows = hpo_graph.named("phenotypes-of-disease", {"disease": param}).to_dicts()
        assert {r["phenotype"] for r in rows} == want, param
    sources = {r["phenotype"]: r["sources"] for r in hpo_graph.named("phenotypes-of-disease").to_dicts()}
    assert set(sources[E("dementia")].split("; ")) == {"curated", "HPO"}  # confirmed by both


@pytest.mark.parametrize("query,root,kind", [
    ("inheritance-of-diseases-with-phenotype", "HP:0000005", "hasInheritance"),
    ("hpo-onset-of-diseases-with-phenotype", "HP:0003674", "hasOnset"),
])
def test_inheritance_and_onset_of_diseases_with_myoclonus(hpo_graph, query, root, kind):
    diseases = diseases_with_myoclonus()
    terms = raw.below(root)
    per: dict[str, set[str]] = {}
    for r in raw.positive():
        d = node(r["database_id"])
        if d not in diseases:
            continue
        for t in (r["hpo_id"], r["onset"] if kind == "hasOnset" else ""):
            if t in terms:
                per.setdefault(node(t), set()).add(d)
    for f in raw.curation().facts:
        if f.predicate == kind and E(f.subject) in diseases:
            per.setdefault(E(f.object), set()).add(E(f.subject))
    rows = hpo_graph.named(query).to_dicts()
    assert {r[kind[3:].lower()]: r["diseases"] for r in rows} == {t: len(d) for t, d in per.items()}


# ------------------------------------------------------------ 4/5. labels, resolution, path evidence
def test_statements_never_share_a_label_with_entities(hpo_graph):
    assert hpo_graph.sparql('SELECT ?x WHERE { ?x rdfs:label ?l FILTER(LCASE(STR(?l)) = "myoclonus") }'
                            ).column("x") == [E("myoclonus")]
    assert hpo_graph.sparql("ASK { ?st a rdf:Statement ; rdfs:label ?l }").value is False
    names = hpo_graph.sparql("""SELECT ?name WHERE { ?st a mkv:MappingStatement ; rdf:subject mk:myoclonus ;
        rdf:object HP:0001336 ; mkv:identifierName ?name }""").column("name")
    assert names == ["Myoclonus"]


def test_curated_entities_win_name_resolution(hpo_graph):
    assert hpo_graph.resolve("Lafora disease") == E("lafora_body_disease")
    assert hpo_graph.resolve("ORPHA:501") == E("lafora_body_disease")
    assert hpo_graph.resolve("Myoclonus") == E("myoclonus")
    assert hpo_graph.resolve("OMIM:254780") == iri("OMIM:254780")  # a node of its own: itself


def path_json(build, *args):
    result = CliRunner().invoke(main, ["path", *args, "--json", "--out", str(build)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def check_evidence(edge, article):
    ev = edge["evidence"]
    assert ev["statement"] and ev["kind"] in ("curated", "imported", "mapping", "entailed"), edge
    if ev["kind"] == "curated":
        assert article[ev["quote_start"]:ev["quote_end"]] == ev["quote"] and ev["source"] and ev["claim"] is not None
    elif ev["kind"] == "imported":
        assert ev["evidence_codes"] and ev["source_version"] == "2025-01-16"
        # an annotation cites its references; an is_a of hp.obo is the ontology's own statement
        assert ev["publications"] or ev["evidence_codes"] == ["HPO-IS-A"]
    elif ev["kind"] == "mapping":
        assert ev["verified_in"] and ev["identifier_name"]
    else:
        assert ev["rule"] and ev["derived_from"]
    return ev["kind"]


def test_path_json_carries_the_evidence_of_every_hop(hpo_build, hpo_graph, article):
    paths = path_json(hpo_build, "Lafora disease", "clonazepam")
    assert paths and all(p["nodes"][0] == E("lafora_body_disease") for p in paths)
    kinds = Counter(check_evidence(edge, article) for p in paths for hop in p["hops"] for edge in hop)
    for start in ("OMIM:254780", "OMIM:254800"):  # the same data as --json, through the API
        for p in hpo_graph.path(start, "clonazepam", k=4):
            for hop in p.to_dict()["hops"]:
                for edge in hop:
                    kinds[check_evidence(edge, article)] += 1
    assert kinds["curated"] and kinds["imported"] and (kinds["mapping"] or kinds["entailed"]), kinds
