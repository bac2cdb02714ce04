"""The ontology: parses, matches the closed Python namespace, and every term is documented
and mapped to a real Biolink class or predicate."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pytest

from kg.schema import INDEX_PROPERTIES
import rdflib
import yaml
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import kg.vocab as vocab
from kg.resources import ontology_dir
from kg.vocab import MKV, VOCAB

BIOLINK = "https://w3id.org/biolink/vocab/"


@lru_cache(maxsize=1)
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "myoclonus.ttl", format="turtle")


def declared_terms() -> set[str]:
    g = ontology()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    return {str(s)[len(VOCAB):] for k in kinds for s in g.subjects(RDF.type, k) if str(s).startswith(VOCAB)}


@lru_cache(maxsize=1)
def biolink_names() -> tuple[set[str], set[str]]:
    path = Path(str(resources.files("biolink_model") / "schema" / "biolink_model.yaml"))
    model = yaml.safe_load(path.read_text(encoding="utf-8"))
    classes = {"".join(w[:1].upper() + w[1:] for w in name.split(" ")) for name in model["classes"]}
    slots = {name.replace(" ", "_") for name in model["slots"]}
    return classes, slots


def test_ontology_and_shapes_parse():
    assert len(ontology()) > 300
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    assert len(shapes) > 50


def test_closed_namespace_equals_the_ontology():
    assert set(MKV.terms()) == declared_terms()


@pytest.mark.parametrize("name", ["RDF", "RDFS", "OWL", "XSD", "SKOS", "DCTERMS", "VOID"])
def test_standard_vocabularies_are_real_terms(name):
    # rdflib's closed namespaces of the W3C and DCMI vocabularies are the reference.
    import rdflib.namespace

    reference = getattr(rdflib.namespace, name)
    ours = getattr(vocab, name)
    assert ours.base == str(reference)
    for local, iri in ours.terms().items():
        assert iri in reference, f"{name}.{local} is not a term of {reference}"


def test_misspelt_term_raises():
    assert MKV.treats == VOCAB + "treats"
    with pytest.raises(AttributeError):
        MKV.treat  # noqa: B018
    with pytest.raises(KeyError):
        MKV.iri("treat")


def test_modules_reading_schema_names_refuse_a_misspelt_term():
    """The entailment rules and the UI's completion make each schema name an IRI through
    ``MKV``: a name the vocabulary does not have raises, it never becomes a new IRI."""
    import dataclasses

    import networkx as nx

    from kg.entailment import entail
    from kg.schema import load_schema
    from kg.web.lookup import Lookup

    schema = load_schema()
    entail([], schema=schema)  # the shipped schema: every name is a term
    Lookup(nx.MultiDiGraph(), schema)
    misspelt = dataclasses.replace(schema, properties={
        **schema.properties, "treatz": dataclasses.replace(schema.properties["treats"], name="treatz")})
    with pytest.raises(KeyError, match="treatz"):
        entail([], schema=misspelt)
    with pytest.raises(KeyError, match="treatz"):
        Lookup(nx.MultiDiGraph(), misspelt)


def test_vocabulary_needs_no_rdflib():
    import subprocess
    import sys

    code = "import sys, kg.vocab; sys.exit('rdflib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("term", sorted(declared_terms()))
def test_every_term_has_label_definition_and_one_biolink_mapping(term):
    g = ontology()
    node = rdflib.URIRef(VOCAB + term)
    assert g.value(node, RDFS.label), f"{term} has no label"
    assert g.value(node, SKOS.definition), f"{term} has no definition"
    matches = [o for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
               for o in g.objects(node, p) if str(o).startswith(BIOLINK)]
    # Provenance terms and query indexes (kg.schema.INDEX_PROPERTIES), which are not entities or
    # edges of the graph, carry no Biolink mapping.
    provenance = ("inContext", "sourceDocument", "entailedBy", "derivedFrom", "EntailmentRule",
                  *INDEX_PROPERTIES)
    is_edge_term = term not in provenance and (
        (node, RDF.type, OWL.Class) in g or (node, RDF.type, OWL.ObjectProperty) in g)
    assert len(matches) <= 1, f"{term} has {len(matches)} Biolink mappings"
    if is_edge_term:
        assert len(matches) == 1, f"{term} has no Biolink mapping"
    classes, slots = biolink_names()
    for match in matches:
        name = str(match)[len(BIOLINK):]
        assert name in (classes if name[:1].isupper() else slots), f"{term}: biolink:{name} does not exist"


def test_obo_mappings_are_real_hpo_terms():
    from tests.test_identifiers import hpo_terms

    g = ontology()
    hp = [str(o) for _, _, o in g if str(o).startswith("http://purl.obolibrary.org/obo/HP_")]
    assert hp, "no HPO mappings in the ontology"
    for iri in hp:
        curie = "HP:" + iri.rsplit("_", 1)[1]
        assert curie in hpo_terms() and not hpo_terms()[curie][1], curie


def test_inverses_are_declared():
    g = ontology()
    assert (rdflib.URIRef(VOCAB + "causedBy"), OWL.inverseOf, rdflib.URIRef(VOCAB + "causes")) in g or \
        (rdflib.URIRef(VOCAB + "causes"), OWL.inverseOf, rdflib.URIRef(VOCAB + "causedBy")) in g
