"""Namespaces of myoclonus-kg, with our own vocabulary closed.

``MKV`` is an rdflib :class:`~rdflib.namespace.DefinedNamespace`: ``MKV.treats`` is
an IRI, ``MKV.treat`` raises :class:`AttributeError`, so a misspelt term can never mint
a new IRI. The term list must equal the terms declared in ``ontology/myoclonus.ttl``
(a test checks both directions).

The plain string constants (``VOCAB``, ``ENTITY``, ...) are importable without rdflib,
so the query path does not pay rdflib's import time.

Examples
--------
>>> from kg.namespace import MKV
>>> str(MKV.treats)
'https://w3id.org/myoclonus-kg/vocab/treats'
>>> MKV.treatz
Traceback (most recent call last):
...
AttributeError: term 'treatz' not in namespace 'https://w3id.org/myoclonus-kg/vocab/'
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

__all__ = [
    "BASE",
    "VOCAB",
    "ENTITY",
    "STATEMENT",
    "SOURCE",
    "GRAPH_CURATED",
    "GRAPH_ONTOLOGY",
    "GRAPH_HPO",
    "MKV",
    "MK",
    "MKS",
    "PREFIXES",
]

BASE = "https://w3id.org/myoclonus-kg/"
VOCAB = BASE + "vocab/"
ENTITY = BASE + "entity/"
STATEMENT = BASE + "statement/"
SOURCE = BASE + "source/"
GRAPH_CURATED = BASE + "graph/curated"
GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_HPO = BASE + "graph/hpo"


class MKV(DefinedNamespace):
    """The myoclonus-kg vocabulary (classes and properties of ``ontology/myoclonus.ttl``)."""

    _fail = True
    _NS = Namespace(VOCAB)

    # --- classes: domain entities
    Phenotype: URIRef
    MyoclonusType: URIRef
    AdverseEffect: URIRef
    Condition: URIRef
    Disease: URIRef
    DiseaseGroup: URIRef
    Gene: URIRef
    Neurotransmitter: URIRef
    NeurotransmitterReceptor: URIRef
    Drug: URIRef
    DrugClass: URIRef
    Therapy: URIRef
    AnatomicalSite: URIRef
    BrainRegion: URIRef
    Trigger: URIRef
    InheritancePattern: URIRef
    AgeOfOnset: URIRef
    ClinicalCourse: URIRef
    PopulationGroup: URIRef
    BodyFunction: URIRef
    # --- classes: provenance
    CuratedStatement: URIRef
    MappingStatement: URIRef
    ImportedStatement: URIRef
    SourceDocument: URIRef

    # --- object properties between entities (each asserted edge is reified with evidence)
    subtypeOf: URIRef
    memberOf: URIRef
    causes: URIRef
    causedBy: URIRef
    hasPhenotype: URIRef
    phenotypeOf: URIRef
    treats: URIRef
    usedWith: URIRef
    hasAdverseEffect: URIRef
    mayWorsen: URIRef
    precursorOf: URIRef
    receptorFor: URIRef
    implicatedIn: URIRef
    triggeredBy: URIRef
    affects: URIRef
    originatesIn: URIRef
    coOccursWith: URIRef
    occursIn: URIRef
    impairs: URIRef
    causalGeneFor: URIRef
    hasInheritance: URIRef
    hasOnset: URIRef
    hasCourse: URIRef

    # --- datatype properties of entities
    maxFrequencyPerMinute: URIRef
    characteristic: URIRef

    # --- statement qualifiers
    firstLine: URIRef
    inContext: URIRef
    certainty: URIRef
    frequency: URIRef

    # --- evidence / provenance properties
    evidenceQuote: URIRef
    quoteStart: URIRef
    quoteEnd: URIRef
    sourceDocument: URIRef
    claimNumber: URIRef
    factId: URIRef
    curationStatus: URIRef
    correctionNote: URIRef
    authoritativeReference: URIRef
    verificationSource: URIRef
    sha256: URIRef
    # --- evidence carried over from imported sources (HPO annotations)
    evidenceCode: URIRef
    publication: URIRef
    frequencyValue: URIRef
    sourceVersion: URIRef


MK = Namespace(ENTITY)
MKS = Namespace(STATEMENT)

#: Prefixes bound in every serialisation and accepted in SPARQL queries.
PREFIXES: dict[str, str] = {
    "mk": ENTITY,
    "mkv": VOCAB,
    "mks": STATEMENT,
    "mksrc": SOURCE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "OMIM": "https://omim.org/entry/",
    "ORPHA": "https://www.orpha.net/ORDO/Orphanet_",
    "NCBIGene": "https://identifiers.org/ncbigene:",
    "UMLS": "https://uts.nlm.nih.gov/uts/umls/concept/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "MESH": "http://id.nlm.nih.gov/mesh/",
}
