"""The model made honest: facts are edges, kinds of myoclonus are phenotypes, diseases join their
groups with memberOf, statements carry no entity label, references are primary sources."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from kg.curation.compiler import REFERENCE_KINDS
from kg.namespace import ENTITY
from kg.schema import load_schema
from tests import hpo_oracle as raw

#: Question-and-answer sites, mirrors and paraphrases: never a reference.
NOT_REFERENCES = ("fedest.com", "wikidoc", "loyolamedicine.org", "222health", "cigna.com", "latins.xyz",
                  "familydiagnosis", "medicalhearingsystems", "onlymyhealth", "mymlc.com", "wikipedia.org",
                  "wikisum", "huggingface", "scribd", "medicalmcq", "droracle", "epainassist")


def test_at_least_90_percent_of_facts_are_edges_or_numbers(cur):
    schema = load_schema()

    def is_edge(f) -> bool:
        info = schema.properties[f.predicate]
        return info.kind == "object" or any(r.endswith("#integer") for r in info.range)

    edges = sum(1 for f in cur.facts if is_edge(f))
    text = [f for f in cur.facts if not is_edge(f)]
    assert edges / len(cur.facts) >= 0.9, f"{len(text)} of {len(cur.facts)} facts are free text"
    assert all(f.predicate == "characteristic" for f in text)


def test_kinds_of_myoclonus_are_phenotypes_only(cur):
    types = {e.id: set(e.types) for e in cur.entities}
    kinds = raw.curated_closure("myoclonus", ("subtypeOf",), reverse=True)
    assert kinds - {"myoclonus"} and all("MyoclonusType" in types[k] for k in kinds)


def test_diseases_join_their_groups_with_member_of(cur):
    types = {e.id: set(e.types) for e in cur.entities}
    for f in cur.facts:
        if f.predicate == "subtypeOf":
            s, o = types[f.subject], types[f.object]
            assert not ("Disease" in s and "DiseaseGroup" in o), f.id
        if f.predicate == "memberOf" and "Disease" in types[f.subject]:
            assert "DiseaseGroup" in types[f.object], f.id
    assert any(f.predicate == "memberOf" and f.subject == "lafora_body_disease"
               and f.object == "progressive_myoclonus_epilepsy" for f in cur.facts)


def test_disease_groups_are_not_diseases(real_graph):
    assert real_graph.sparql("ASK { mk:progressive_myoclonus_epilepsy a mkv:Disease }").value is False
    assert real_graph.sparql("ASK { mkv:DiseaseGroup rdfs:subClassOf* mkv:Disease }").value is False


def test_statements_carry_no_rdfs_label(real_graph):
    assert real_graph.sparql("ASK { ?st a rdf:Statement ; rdfs:label ?l }").value is False
    for text in ("Myoclonus", "Lafora disease", "Seizure"):
        found = real_graph.sparql("SELECT ?x WHERE { ?x rdfs:label ?l FILTER(LCASE(STR(?l)) = LCASE(?t)) }",
                                  {"t": text}).column("x")
        assert all(x.startswith(ENTITY) for x in found), (text, found)


# ------------------------------------------------------------------ references
def test_every_fact_cites_a_primary_source_that_was_checked(cur):
    refs = {r.id: r for r in cur.references}
    used = set()
    for f in cur.facts:
        assert f.reference, f"{f.id} cites nothing"
        used |= {i for i, _ in f.reference}
    assert used == set(refs), "every reference is used, and only references of the catalogue"
    for r in refs.values():
        host = urlparse(r.url).netloc
        assert r.url.startswith("https://") and host, r.id
        assert not any(bad in r.url or bad in r.title for bad in NOT_REFERENCES), r.id
        assert r.kind in REFERENCE_KINDS and r.verified.strip(), r.id


def test_no_reference_text_names_a_mirror(cur):
    for f in cur.facts:
        for field in (f.correction or "",):
            assert not any(bad in field for bad in NOT_REFERENCES), f.id


def test_identifiers_named_in_reference_locators_exist_in_the_hpo_files(cur):
    names, _, _ = raw.obo()
    diseases = {r["database_id"] for r in raw.rows()}
    for f in cur.facts:
        for _, locator in f.reference:
            for term in re.findall(r"HP:\d{7}", locator):
                assert term in names, (f.id, term)
            for disease in re.findall(r"(?:ORPHA|OMIM):\d+", locator):
                assert disease in diseases, (f.id, disease)


@pytest.mark.parametrize("term,name", [("HP:0034360", "Action myoclonus"), ("HP:0012323", "Sleep myoclonus"),
                                       ("HP:0040148", "Cortical myoclonus"), ("HP:0010530", "Palatal tremor")])
def test_hpo_definitions_cited_say_what_the_facts_say(term, name):
    """The HPO definitions cited for action and sleep myoclonus are the text the facts follow."""
    names, _, _ = raw.obo()
    assert names[term] == name
    with raw.DATA.obo.open(encoding="utf-8") as fh:
        text = fh.read()
    stanza = text[text.index(f"id: {term}\n"):]
    stanza = stanza[:stanza.index("\n\n")]
    if term == "HP:0034360":
        assert "induced by voluntary movement" in stanza and "precise or coordinated movement" in stanza
    if term == "HP:0012323":
        assert "initial phases of sleep" in stanza
