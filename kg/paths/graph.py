"""The graph as a NetworkX MultiDiGraph, and entity resolution over it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol

from kg.errors import EntityNotFoundError
from kg.namespace import ENTITY
from kg.identifiers import curie

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    from kg.schema import Schema
    from kg.tables import EdgeRow, NodeRow, Tables

__all__ = ["to_networkx", "tables_to_networkx", "EntityIndex", "node_attributes", "edge_attributes", "edge_key",
           "preferred_entity", "NodeView", "resolve_name", "close_names", "lookup_key"]


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
    from kg.tables import make_tables

    return tables_to_networkx(make_tables(quads, schema), schema)


def tables_to_networkx(tables: Tables, schema: Schema) -> nx.MultiDiGraph:
    """The MultiDiGraph of :func:`to_networkx` from already-made node and edge tables.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> from kg.schema import load_schema
    >>> from kg.tables import make_tables
    >>> schema = load_schema()
    >>> g = tables_to_networkx(make_tables(compile_curation().quads, schema), schema)
    >>> g.nodes["https://w3id.org/myoclonus-kg/entity/clonazepam"]["label"]
    'clonazepam'
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for iri, node in tables.nodes.items():
        graph.add_node(iri, **node_attributes(node, schema))
    for e in tables.edges:
        graph.add_edge(e.subject, e.object, key=edge_key(e), **edge_attributes(e, schema))
    return graph


def node_attributes(node: NodeRow, schema: Schema) -> dict:
    """The attributes of one node of :func:`to_networkx` (plain data: str, list, dict)."""
    return dict(label=node.label or curie(node.iri), category=schema.category(node.types),
                entity_class=node.category, types=list(node.types), curie=curie(node.iri),
                definition=node.definition, synonyms=list(node.synonyms), xrefs=list(node.xrefs),
                characteristics=list(node.characteristics), values=dict(node.values))


def edge_key(edge: EdgeRow) -> str:
    """The key of an edge in the MultiDiGraph: its statement's CURIE, else its predicate."""
    return curie(edge.statement) if edge.statement else edge.predicate


def edge_attributes(e: EdgeRow, schema: Schema) -> dict:
    """The attributes of one edge of :func:`to_networkx` (plain data: str, int, None, list, dict)."""
    from kg.tables import MATCH_LABELS

    info = schema.properties.get(e.predicate)
    label = info.label if info and info.label else MATCH_LABELS.get(e.predicate, e.predicate)
    return dict(predicate=e.predicate, label=label,
                biolink=schema.predicate(e.predicate), quote=e.quote, quote_start=e.quote_start,
                quote_end=e.quote_end, status=e.status, correction=e.correction,
                reference=e.reference, qualifiers=dict(e.qualifiers), statement=e.statement,
                claim=e.claim, source=e.source, kind=e.kind, evidence_codes=list(e.evidence_codes),
                publications=list(e.publications), frequencies=list(e.frequencies),
                source_version=e.source_version, identifier_name=e.identifier_name,
                rule=e.rule, derived_from=list(e.derived_from))


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
        return sorted(self._keys.get(lookup_key(name), ()))

    def resolve(self, name: str) -> str:
        """The entity IRI for ``name``.

        Raises
        ------
        EntityNotFoundError
            No entity matches; ``suggestions`` lists the closest labels.
        """
        return resolve_name(name, self.candidates(name), self.graph.nodes, self.suggest)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Labels or synonyms close to ``name``."""
        return close_names(name, self._names, n)


class NodeView(Protocol):
    """``nodes[iri]``: a node's attributes (NetworkX's ``graph.nodes``, ``CompactGraph.nodes``)."""

    def __getitem__(self, iri: str) -> Mapping[str, Any]: ...


def resolve_name(name: str, found: list[str], nodes: NodeView,
                 suggest: Callable[[str], list[str]]) -> str:
    """The entity ``name`` resolves to among the ``found`` IRIs it denotes
    (:func:`preferred_entity`, reading each node's ``curie`` and ``label`` in ``nodes``).

    Raises
    ------
    EntityNotFoundError
        ``found`` is empty; its ``suggestions`` are ``suggest(name)``.
    """
    if found:
        return preferred_entity(found, name, lambda iri: nodes[iri].get("curie", ""),
                                lambda iri: nodes[iri].get("label", ""))
    raise EntityNotFoundError(name, suggest(name))


def close_names(name: str, names: Mapping[str, str], n: int = 5) -> list[str]:
    """The ``n`` names closest to ``name``: close spellings first, then names containing it.

    ``names`` maps each name's case-folded form to the name.

    Examples
    --------
    >>> close_names("clonazepan", {"clonazepam": "Clonazepam", "valproate": "valproate"})
    ['Clonazepam']
    """
    key = name.strip().casefold()
    close = difflib.get_close_matches(key, list(names), n=n, cutoff=0.5)
    contains = [k for k in names if key and key in k and k not in close]
    return [names[k] for k in (close + sorted(contains))[:n]]


def lookup_key(name: str) -> str:
    """The key a name is looked up by: trimmed, case-folded, without the ``<>`` of an IRI."""
    key = name.strip().casefold()
    if key.startswith("<") and key.endswith(">"):
        key = key[1:-1]
    return key


def preferred_entity(found: list[str], name: str, curie_of, label_of) -> str:
    """The one entity ``name`` resolves to among the ``found`` IRIs it denotes.

    The node that *is* the identifier first (OMIM:254780 itself, not the curated entity mapped
    to it); then a curated entity over an imported one ("Lafora disease" is the curated
    entity's synonym and an ORPHA name); then an exact label over a synonym; then the IRI.

    Examples
    --------
    >>> e = ENTITY + "x"
    >>> preferred_entity(["http://purl.obolibrary.org/obo/HP_1", e], "x", lambda i: "", lambda i: "x")
    'https://w3id.org/myoclonus-kg/entity/x'
    """
    key = name.strip().casefold().strip("<>")
    itself = [iri for iri in found if key in (iri.casefold(), curie_of(iri).casefold())]
    if itself:
        return min(itself)
    return min(found, key=lambda iri: (not iri.startswith(ENTITY), label_of(iri).casefold() != key, iri))
