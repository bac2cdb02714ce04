"""The namespaces of myoclonus-kg, under the name earlier versions gave them.

Everything here is :mod:`kg.vocab` (the one vocabulary module), re-exported so that
``from kg.namespace import MKV, PREFIXES`` keeps working; new code imports :mod:`kg.vocab`.

Examples
--------
>>> from kg.namespace import MKV
>>> MKV.treats
'https://w3id.org/myoclonus-kg/vocab/treats'
"""

from __future__ import annotations

from kg.vocab import (BASE, ENTITY, GRAPH_ALIASES, GRAPH_CLOSURE, GRAPH_CURATED, GRAPH_ENTAILED, GRAPH_HPO,
                      GRAPH_ONTOLOGY, MK, MKS, MKV, PREFIXES, SOURCE, STATEMENT, VOCAB)

__all__ = ["BASE", "VOCAB", "ENTITY", "STATEMENT", "SOURCE", "GRAPH_CURATED", "GRAPH_ONTOLOGY", "GRAPH_HPO",
           "GRAPH_ENTAILED", "GRAPH_ALIASES", "GRAPH_CLOSURE", "MKV", "MK", "MKS", "PREFIXES"]
