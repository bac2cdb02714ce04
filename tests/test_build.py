"""The real build: every format, determinism, atomicity, counts, evidence, corrections."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.build import build
from kg.curation import load_curation
from kg.namespace import GRAPH_CURATED
from kg.resources import article_path

EXPORTS = ["kg.ttl", "kg.nt", "kg.jsonld", "kg.nq", "kg.graphml", "nodes.tsv", "edges.tsv", "manifest.json"]


def _triples(path: Path, fmt) -> set:
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(path=str(path), format=fmt)}


def test_every_format_is_written_and_parses_to_the_same_graph(real_build):
    for name in EXPORTS:
        assert (real_build / name).is_file(), name
    nt = _triples(real_build / "kg.nt", ox.RdfFormat.N_TRIPLES)
    assert _triples(real_build / "kg.ttl", ox.RdfFormat.TURTLE) == nt
    assert _triples(real_build / "kg.jsonld", ox.RdfFormat.JSON_LD) == nt
    curated = {(str(q.subject), str(q.predicate), str(q.object))
               for q in ox.parse(path=str(real_build / "kg.nq"), format=ox.RdfFormat.N_QUADS)
               if q.graph_name == ox.NamedNode(GRAPH_CURATED)}
    assert curated == nt
    lines = (real_build / "kg.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) or len(lines) == len(set(lines))


def test_graphml_and_kgx_agree_with_the_rdf(real_build):
    graph = nx.read_graphml(real_build / "kg.graphml")
    with open(real_build / "nodes.tsv", newline="", encoding="utf-8") as fh:
        nodes = list(csv.DictReader(fh, delimiter="\t"))
    with open(real_build / "edges.tsv", newline="", encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh, delimiter="\t"))
    curation = load_curation()
    assert {n["id"] for n in nodes} == {f"mk:{e.id}" for e in curation.entities} == set(graph.nodes)
    object_facts = [f for f in curation.facts if f.object is not None]
    assert len(edges) == len(object_facts) == graph.number_of_edges()
    assert all(n["category"].startswith("biolink:") for n in nodes)
    assert all(e["predicate"].startswith("biolink:") and e["supporting_text"] for e in edges)
    by_id = {e["id"]: e for e in edges}
    for fact in object_facts:
        row = by_id[f"mks:{fact.id}"]
        assert (row["subject"], row["original_predicate"], row["object"]) == \
            (f"mk:{fact.subject}", f"mkv:{fact.predicate}", f"mk:{fact.object}")
        assert row["supporting_text"] == fact.quote


def test_build_is_deterministic(tmp_path, real_build):
    again = tmp_path / "again"
    build(again, validate=False)
    for name in EXPORTS:
        if name == "manifest.json":
            continue
        assert (again / name).read_bytes() == (real_build / name).read_bytes(), name
    assert json.loads((again / "manifest.json").read_text())["files"] == \
        json.loads((real_build / "manifest.json").read_text())["files"]


def test_unchanged_inputs_skip_the_build(real_build):
    result = build(real_build)
    assert result.skipped


def test_counts_per_category_match_the_curation(real_graph):
    from kg.schema import CATEGORY_ORDER

    # One category per entity: the first of its classes in the documented order.
    expected = Counter(next(t for t in CATEGORY_ORDER if t in e.types) for e in load_curation().entities)
    assert real_graph.counts() == dict(expected)
    manifest = real_graph.manifest
    assert manifest["entities_per_class"] == dict(sorted(expected.items()))
    assert manifest["counts"]["entities"] == len(load_curation().entities)
    assert manifest["counts"]["facts"] == len(load_curation().facts)


def test_every_edge_has_evidence_from_the_article(real_graph):
    missing = real_graph.sparql("""
        SELECT ?s ?p ?o WHERE {
          GRAPH <https://w3id.org/myoclonus-kg/graph/curated> { ?s ?p ?o }
          FILTER(STRSTARTS(STR(?p), STR(mkv:)))
          FILTER NOT EXISTS { ?st a mkv:CuratedStatement ; rdf:subject ?s ; rdf:predicate ?p ;
                                  rdf:object ?o ; mkv:evidenceQuote ?q ; mkv:quoteStart ?a ;
                                  mkv:quoteEnd ?b ; mkv:sourceDocument ?doc }
          FILTER NOT EXISTS { ?s a ?c . FILTER(?c IN (mkv:CuratedStatement, mkv:MappingStatement,
                                                      mkv:SourceDocument)) }
        }""", graphs=["curated"])
    assert missing.to_records() == []
    article = article_path().read_text(encoding="utf-8")
    rows = real_graph.sparql("""SELECT ?q ?a ?b WHERE { ?st a mkv:CuratedStatement ;
        mkv:evidenceQuote ?q ; mkv:quoteStart ?a ; mkv:quoteEnd ?b }""").to_records()
    assert len(rows) == len(load_curation().facts)
    for quote, start, end in rows:
        assert article[start:end] == quote


def test_corrected_statements_carry_note_and_reference(real_graph):
    rows = real_graph.sparql("""SELECT ?st ?note ?ref WHERE { ?st mkv:curationStatus "corrected" .
        OPTIONAL { ?st mkv:correctionNote ?note } OPTIONAL { ?st mkv:authoritativeReference ?ref } }""")
    assert len(rows) > 20
    assert all(note and ref for _, note, ref in rows.to_records())


def test_every_mapping_carries_its_verification_source(real_graph):
    rows = real_graph.sparql("""SELECT ?e ?id ?src WHERE {
        ?e skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?id .
        ?e a ?c . FILTER(STRSTARTS(STR(?c), STR(mkv:)))
        OPTIONAL { ?st a mkv:MappingStatement ; rdf:subject ?e ; rdf:object ?id ; mkv:verificationSource ?src }
    }""", graphs=["curated"]).to_records()
    assert rows and all(src for _, _, src in rows)


WRONG_CLAIMS = [
    # reversed causality (#3, #28)
    "ASK { mk:positive_myoclonus mkv:causes ?x }",
    "ASK { mk:action_myoclonus mkv:causes mk:hypoxic_brain_damage }",
    # essential tremor is not a form of dystonia (#35)
    "ASK { mk:essential_tremor mkv:subtypeOf ?x . ?x rdfs:label ?l . FILTER(CONTAINS(LCASE(?l), 'dystonia')) }",
    # the subject of #32 is essential myoclonus, not epilepsy
    "ASK { mk:epilepsy mkv:characteristic ?c . FILTER(CONTAINS(LCASE(?c), 'absence')) }",
    # ACTH or any named hormone (#89)
    "ASK { ?x rdfs:label ?l . FILTER(REGEX(?l, 'ACTH|corticotropin', 'i')) }",
]
GARBLED_WORDS = ["body disease", "concussion", "immunity", "stimulant", "confusion", "postoxic",
                 "keto", "make money", "replies", "leave a reply", "başlıksız", "learn more", "e1559891"]


@pytest.mark.parametrize("ask", WRONG_CLAIMS)
def test_wrong_claims_are_never_asserted(real_graph, ask):
    assert real_graph.sparql(ask).value is False


def test_right_versions_of_corrected_claims_are_asserted(real_graph):
    assert real_graph.sparql("ASK { mk:hypoxic_brain_damage mkv:causes mk:action_myoclonus }").value
    assert real_graph.sparql("ASK { mk:essential_myoclonus mkv:coOccursWith mk:essential_tremor }").value
    assert real_graph.sparql("ASK { mk:hypoxia mkv:causes mk:posthypoxic_myoclonus }").value
    assert real_graph.sparql("ASK { mk:palatal_myoclonus mkv:maxFrequencyPerMinute 150 }").value


@pytest.mark.parametrize("word", GARBLED_WORDS)
def test_garbled_terms_and_web_noise_yield_no_entity(real_graph, word):
    labels = real_graph.sparql("""SELECT ?l WHERE { ?e a ?c ; rdfs:label|skos:altLabel ?l .
        FILTER(STRSTARTS(STR(?c), STR(mkv:))) }""", graphs=["curated"]).column("l")
    hits = [label for label in labels if word in label.casefold()]
    # "Lafora body disease" is the disease's name; the garbled "body disease" entity must not exist.
    assert [h for h in hits if h.casefold() != "lafora body disease"] == []


def test_every_fact_check_claim_is_asserted_or_excluded_with_a_reason():
    curation = load_curation()
    covered = {f.claim for f in curation.facts} | {x.claim for x in curation.exclusions}
    assert set(range(1, 90)) <= covered
    assert all(x.reason.strip() for x in curation.exclusions)


def test_vendored_article_is_the_provenance_anchor(real_graph):
    import hashlib

    sha = hashlib.sha256(article_path().read_bytes()).hexdigest()
    assert real_graph.sparql(f'ASK {{ ?doc a mkv:SourceDocument ; mkv:sha256 "{sha}" }}').value
    assert real_graph.manifest["source_sha256"] == sha


def test_validate_reports_a_tampered_quote(tmp_path, real_build):
    from kg.validation import validate_build

    copy = tmp_path / "copy"
    shutil.copytree(real_build, copy, ignore=shutil.ignore_patterns("store"))
    nt = copy / "kg.nt"
    text = nt.read_text(encoding="utf-8")
    assert '"drowsiness and loss of coordination"' in text or "drowsiness and loss of coordination" in text
    nt.write_text(text.replace("drowsiness and loss of coordination", "drowsiness and loss of balance"),
                  encoding="utf-8")
    report = validate_build(copy, shacl=False)
    assert not report.conforms
    assert any("not the source text" in p or "not in the source" in p for p in report.problems)


@pytest.mark.slow  # several `kg validate` processes, SHACL each
def test_kg_validate_cli_exit_codes(tmp_path, real_build):
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "kg", "validate", "--out", str(real_build)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("PASS")
    copy = tmp_path / "copy"
    shutil.copytree(real_build, copy, ignore=shutil.ignore_patterns("store"))
    nt = copy / "kg.nt"
    nt.write_text(nt.read_text(encoding="utf-8").replace("phenytoin may cause liver failure",
                                                         "phenytoin may cure liver failure"), encoding="utf-8")
    # The quote check fails it; the SHACL pass (run above on the same graph) is left out.
    bad = subprocess.run([sys.executable, "-m", "kg", "validate", "--no-shacl", "--out", str(copy)],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stdout.startswith("FAIL") and "not the source text" in bad.stdout
    missing = subprocess.run([sys.executable, "-m", "kg", "validate", "--out", str(tmp_path / "nothing")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "run `kg build` first" in missing.stderr


@pytest.mark.slow  # pySHACL: about 2 s
def test_shacl_reports_a_fact_or_a_mapping_without_its_statement(mini_build):
    """The shapes' SPARQL targets find each fact or mapping that lost its statement, and a
    statement of another kind does not count as its evidence."""
    from kg.validation import validate_quads
    from kg.vocab import MKV, RDF

    quads = [ox.Quad(t.subject, t.predicate, t.object)
             for t in ox.parse(path=str(mini_build / "kg.nt"), format=ox.RdfFormat.N_TRIPLES)]

    def statements(kind: str) -> list:
        return sorted((q.subject for q in quads if q.predicate.value == RDF.type and q.object.value == kind),
                      key=str)

    def triple_of(statement) -> tuple:
        parts = {q.predicate.value: q.object for q in quads if q.subject == statement}
        return parts[RDF.subject], parts[RDF.predicate], parts[RDF.object]

    untyped, retyped = statements(MKV.CuratedStatement)[:2]
    unlinked = statements(MKV.MappingStatement)[0]
    damaged = [q for q in quads
               if not (q.subject in (untyped, retyped) and q.predicate.value == RDF.type)
               and not (q.subject == unlinked and q.predicate.value == RDF.subject)]
    damaged.append(ox.Quad(retyped, ox.NamedNode(RDF.type), ox.NamedNode(MKV.MappingStatement)))
    problems = validate_quads(damaged).problems
    for statement, what in ((untyped, "edge"), (retyped, "edge"), (unlinked, "identifier mapping")):
        subject, predicate, obj = triple_of(statement)
        expected = f"SHACL: {subject.value} path {predicate.value}: {what} {subject.value} {predicate.value}"
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    # Nothing else is reported: the undamaged graph conforms.
    focus = {n.value for s in (untyped, retyped, unlinked) for n in (s, triple_of(s)[0])}
    assert {p.split()[1] for p in problems} <= focus, problems
