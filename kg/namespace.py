"""Namespaces of myoclonus-kg, with our own vocabulary closed.

``MKV`` is an rdflib :class:`~rdflib.namespace.DefinedNamespace`: ``MKV.treats`` is
an IRI, ``MKV.treat`` raises :class:`AttributeError`, so a misspelt term can never mint
a new IRI. The term list must equal the terms declared in ``ontology/myoclonus.ttl``
(a test checks both directions).

The class itself lives in :mod:`kg.vocab` and is loaded on first access of ``MKV``, ``MK``
or ``MKS``: the plain string constants (``VOCAB``, ``ENTITY``, ...) need no rdflib, so the
query path does not pay rdflib's import time.

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

__all__ = [
    "BASE",
    "VOCAB",
    "ENTITY",
    "STATEMENT",
    "SOURCE",
    "GRAPH_CURATED",
    "GRAPH_ONTOLOGY",
    "GRAPH_HPO",
    "GRAPH_ENTAILED",
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
#: Edges the build derives by named rules (inverses, symmetric pairs, aliases): kg.entailment.
GRAPH_ENTAILED = BASE + "graph/entailed"


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


def __getattr__(name: str):
    # MKV, MK and MKS need rdflib: import it only when they are used.
    if name in ("MKV", "MK", "MKS"):
        from kg import vocab

        return getattr(vocab, name)
    raise AttributeError(f"module 'kg.namespace' has no attribute {name!r}")
