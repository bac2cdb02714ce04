"""The graph as a NetworkX MultiDiGraph, and entity resolution over it."""

from __future__ import annotations

import difflib
from typing import Iterable

import networkx as nx
import pyoxigraph as ox

from kg.errors import EntityNotFoundError
from kg.namespace import ENTITY
from kg.schema import Schema
from kg.identifiers import curie
from kg.tables import MATCH_LABELS, make_tables

__all__ = ["to_networkx", "EntityIndex"]


def to_networkx(quads: Iterable[ox.Quad], schema: Schema) -> nx.MultiDiGraph:
    """Build a MultiDiGraph: nodes are entity IRIs, edges are evidence-carrying statements.

    Node attributes: ``label``, ``category`` (Biolink), ``entity_class`` (the one category scheme:
    :meth:`kg.schema.Schema.primary_class`), ``types``, ``curie``, ``definition``, ``synonyms``,
    ``xrefs``. Edge attributes (the key is the statement CURIE): ``predicate`` (our local name),
    ``label`` (its English label), ``biolink``, ``kind`` (curated, imported, mapping or entailed),
    ``quote``, ``quote_start``, ``quote_end``, ``status``, ``correction``, ``reference``,
    ``qualifiers``, ``statement``, ``claim``, ``source``, and for imported edges
    ``evidence_codes``, ``publications``, ``frequencies``, ``source_version``; for mappings
    ``identifier_name``; for entailed edges ``rule`` and ``derived_from``.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> from kg.schema import load_schema
    >>> g = to_networkx(compile_curation().quads, load_schema())
    >>> g.nodes["https://w3id.org/myoclonus-kg/entity/clonazepam"]["label"]
    'clonazepam'
    """
    tables = make_tables(quads, schema)
    graph = nx.MultiDiGraph()
    for iri, node in tables.nodes.items():
        graph.add_node(iri, label=node.label or curie(iri), category=schema.category(node.types),
                       entity_class=node.category, types=list(node.types), curie=curie(iri),
                       definition=node.definition,
                       synonyms=list(node.synonyms), xrefs=list(node.xrefs),
                       characteristics=list(node.characteristics), values=dict(node.values))
    for e in tables.edges:
        info = schema.properties.get(e.predicate)
        label = info.label if info and info.label else MATCH_LABELS.get(e.predicate, e.predicate)
        graph.add_edge(e.subject, e.object, key=curie(e.statement) if e.statement else e.predicate,
                       predicate=e.predicate, label=label,
                       biolink=schema.predicate(e.predicate), quote=e.quote, quote_start=e.quote_start,
                       quote_end=e.quote_end, status=e.status, correction=e.correction,
                       reference=e.reference, qualifiers=dict(e.qualifiers), statement=e.statement,
                       claim=e.claim, source=e.source, kind=e.kind, evidence_codes=list(e.evidence_codes),
                       publications=list(e.publications), frequencies=list(e.frequencies),
                       source_version=e.source_version, identifier_name=e.identifier_name,
                       rule=e.rule, derived_from=list(e.derived_from))
    return graph


class EntityIndex:
    """Resolve a label, synonym, identifier (CURIE or IRI) or entity id to an entity IRI,
    case-insensitively, with "did you mean" suggestions on a miss.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> from kg.schema import load_schema
    >>> index = EntityIndex(to_networkx(compile_curation().quads, load_schema()))
    >>> index.resolve("Clonazepam").endswith("/clonazepam")
    True
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self._keys: dict[str, set[str]] = {}
        self._names: dict[str, str] = {}
        for iri, data in graph.nodes(data=True):
            names = [data.get("label", ""), *data.get("synonyms", ())]
            keys = names + [iri, data.get("curie", ""), data.get("curie", "").partition(":")[2],
                            *data.get("xrefs", ())]
            for key in keys:
                if key:
                    self._keys.setdefault(key.casefold(), set()).add(iri)
            for name in names:
                if name:
                    self._names.setdefault(name.casefold(), name)

    def candidates(self, name: str) -> list[str]:
        """All entity IRIs that ``name`` denotes (several if a synonym is shared)."""
        key = name.strip().casefold()
        if key.startswith("<") and key.endswith(">"):
            key = key[1:-1]
        return sorted(self._keys.get(key, ()))

    def resolve(self, name: str) -> str:
        """The entity IRI for ``name``.

        Raises
        ------
        EntityNotFoundError
            No entity matches; ``suggestions`` lists the closest labels.
        """
        found = self.candidates(name)
        if found:
            # The node that *is* the identifier first (OMIM:254780 itself, not the curated
            # entity mapped to it); then a curated entity over an imported one ("Lafora
            # disease" is the curated entity's synonym and an ORPHA name); then an exact label
            # over a synonym.
            key = name.strip().casefold().strip("<>")
            itself = [iri for iri in found
                      if key in (iri.casefold(), self.graph.nodes[iri].get("curie", "").casefold())]
            if itself:
                return min(itself)
            return min(found, key=lambda iri: (not iri.startswith(ENTITY),
                                               self.graph.nodes[iri].get("label", "").casefold() != key, iri))
        raise EntityNotFoundError(name, self.suggest(name))

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Labels or synonyms close to ``name``."""
        key = name.strip().casefold()
        close = difflib.get_close_matches(key, list(self._names), n=n, cutoff=0.5)
        contains = [k for k in self._names if key and key in k and k not in close]
        return [self._names[k] for k in (close + sorted(contains))[:n]]
