"""Node and edge tables of a graph: the shared shape behind KGX TSV, GraphML and NetworkX.

An *entity* is a subject typed with one of our domain classes; an *edge* is a triple whose
predicate is one of our object properties between two entities, joined with the evidence
of its statement(s): the quote of a curated statement, the evidence codes, publications and
source release of an imported one, the verification of a mapping, the rule and sources of an
entailed one. Entailed inverses, symmetric counterparts and alias edges are left out: they
restate an edge that is already in the table (or point to an identifier that is not a node).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox

from kg.identifiers import curie
from kg.schema import INDEX_PROPERTIES, PROVENANCE_CLASSES, Schema
from kg.vocab import MATCH_KINDS, MKV, RDF, RDFS, SKOS, match_kind

__all__ = ["NodeRow", "EdgeRow", "Tables", "make_tables", "MATCH_LABELS", "RESTATING_RULES"]

_MATCH_PHRASES = {"exact": "is the same as", "close": "closely matches", "broad": "has the broader match",
                  "narrow": "has the narrower match", "related": "is related to"}
#: English labels of the SKOS mapping edges (between a curated and an imported entity), by the
#: local name of each relation of :data:`kg.vocab.MATCH_KINDS` (``exactMatch``, ...).
MATCH_LABELS = {f"{kind}Match": _MATCH_PHRASES[kind] for kind in MATCH_KINDS}

#: Entailment rules whose edges restate another edge of the table (reversed, or to an alias).
RESTATING_RULES = frozenset({"InverseRule", "SymmetryRule", "ExactAliasRule"})


@dataclass
class NodeRow:
    """One entity of the graph, as a row of the node table."""

    iri: str
    types: list[str]
    label: str = ""
    definition: str = ""
    synonyms: list[str] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    #: The entity's category in the one scheme (:meth:`kg.schema.Schema.primary_class`).
    category: str = ""

    @property
    def id(self) -> str:
        return curie(self.iri)


@dataclass
class EdgeRow:
    """One asserted edge with its evidence, as a row of the edge table."""

    subject: str
    predicate: str  # local name in mkv
    object: str
    statement: str = ""
    quote: str = ""
    quote_start: int | None = None
    quote_end: int | None = None
    status: str = ""
    correction: str = ""
    reference: str = ""
    claim: int | None = None
    qualifiers: dict[str, str] = field(default_factory=dict)
    source: str = ""
    evidence_codes: list[str] = field(default_factory=list)  # imported statements only
    publications: list[str] = field(default_factory=list)  # imported statements only
    frequencies: list[str] = field(default_factory=list)  # imported statements only
    source_version: str = ""  # the release of an imported statement's source
    identifier_name: str = ""  # mapping statements: the identifier's name in its source
    rule: str = ""  # entailed statements: the rule's local name
    derived_from: list[str] = field(default_factory=list)  # entailed statements: source statements

    @property
    def kind(self) -> str:
        """``curated``, ``imported``, ``mapping`` or ``entailed``: where the evidence comes from."""
        if self.rule:
            return "entailed"
        if self.status == "mapping":
            return "mapping"
        if self.evidence_codes:
            return "imported"
        return "curated" if self.quote or self.status else ""


@dataclass
class Tables:
    """The node and edge tables behind KGX, GraphML and NetworkX."""

    nodes: dict[str, NodeRow]
    edges: list[EdgeRow]


def _value(term) -> str:
    return term.value if hasattr(term, "value") else str(term)


def make_tables(quads: Iterable[ox.Quad | ox.Triple], schema: Schema) -> Tables:
    """Derive node and edge rows from quads (any graphs), sorted for determinism.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> from kg.schema import load_schema
    >>> t = make_tables(compile_curation().quads, load_schema())
    >>> t.nodes["https://w3id.org/myoclonus-kg/entity/clonazepam"].label
    'clonazepam'
    """
    domain_classes = {MKV.iri(c) for c in schema.classes if c not in PROVENANCE_CLASSES}
    edge_props = {MKV.iri(p) for p, info in schema.properties.items()
                  if info.kind == "object" and not (info.domain & PROVENANCE_CLASSES) and p not in INDEX_PROPERTIES}
    by_subject: dict[str, list[tuple[str, object]]] = {}
    for q in quads:
        subject = q.subject.value
        pos = by_subject.get(subject)
        if pos is None:  # (not setdefault: it would make an empty list for every quad)
            pos = by_subject[subject] = []
        pos.append((q.predicate.value, q.object))

    nodes: dict[str, NodeRow] = {}
    for s, pos in by_subject.items():
        types = [MKV.local(o.value) or "" for p, o in pos if p == RDF.type and o.value in domain_classes]
        if types:
            ordered = sorted(set(types), key=lambda t: (len(schema.ancestors(t)) * -1, t))
            nodes[s] = NodeRow(s, ordered, category=schema.primary_class(ordered))
    statements: dict[tuple[str, str, str], list[str]] = {}
    for s, pos in by_subject.items():
        if s in nodes:
            continue
        fields = dict()
        for p, o in pos:
            fields.setdefault(p, o)
        if RDF.subject in fields and RDF.predicate in fields:
            key = (fields[RDF.subject].value, fields[RDF.predicate].value, _value(fields[RDF.object]))
            statements.setdefault(key, []).append(s)

    edges: list[EdgeRow] = []
    for s, node in nodes.items():
        for p, o in by_subject[s]:
            if p == RDFS.label:
                node.label = o.value
            elif p == SKOS.definition:
                node.definition = o.value
            elif p == SKOS.altLabel:
                node.synonyms.append(o.value)
            elif match_kind(p) is not None:
                node.xrefs.append(curie(o.value))
                if o.value in nodes:
                    # A mapping between two entities of the graph (a curated entity and an
                    # imported one) is an edge too: the link between them, never a merge.
                    for st in statements.get((s, p, o.value), [""]):
                        edges.append(_edge(s, p, o.value, st, by_subject.get(st, []), SKOS.local(p)))
            elif p == MKV.characteristic:
                node.characteristics.append(o.value)
            elif MKV.local(p) and isinstance(o, ox.Literal):
                node.values[MKV.local(p) or ""] = o.value
            elif p in edge_props and o.value in nodes:
                for st in statements.get((s, p, o.value), [""]):
                    row = _edge(s, p, o.value, st, by_subject.get(st, []), sources=by_subject)
                    if row.rule not in RESTATING_RULES:
                        edges.append(row)
        node.synonyms.sort()
        node.xrefs.sort()
        node.characteristics.sort()
    edges.sort(key=lambda e: (e.subject, e.predicate, e.object, e.statement))
    return Tables(dict(sorted(nodes.items())), edges)


def _edge(s: str, p: str, o: str, statement: str, fields: list[tuple[str, object]],
          name: str | None = None, sources: dict | None = None) -> EdgeRow:
    row = EdgeRow(s, name or MKV.local(p) or p, o, statement)
    publications: list[str] = []
    for fp, fo in fields:
        name = MKV.local(fp)
        if name == "evidenceQuote":
            row.quote = fo.value
        elif name == "quoteStart":
            row.quote_start = int(fo.value)
        elif name == "quoteEnd":
            row.quote_end = int(fo.value)
        elif name == "curationStatus":
            row.status = fo.value
        elif name == "correctionNote":
            row.correction = fo.value
        elif name == "authoritativeReference":
            row.reference = fo.value
        elif name == "claimNumber":
            row.claim = int(fo.value)
        elif name == "sourceDocument":
            row.source = fo.value
            for sp, so in (sources or {}).get(fo.value, ()):
                if sp == MKV.sourceVersion:
                    row.source_version = so.value
        elif name == "verificationSource":
            row.status, row.reference = "mapping", fo.value
        elif name == "evidenceCode":  # imported statements: the source's own evidence
            row.evidence_codes.append(fo.value)
        elif name == "publication":
            publications.append(fo.value)
        elif name == "frequencyValue":
            row.frequencies.append(fo.value)
        elif name == "identifierName":
            row.identifier_name = fo.value
        elif name == "entailedBy":
            row.rule = MKV.local(fo.value) or fo.value
        elif name == "derivedFrom":
            row.derived_from.append(fo.value)
        elif name in ("firstLine", "certainty", "frequency", "inContext"):
            row.qualifiers[name] = fo.value
    if row.evidence_codes:
        row.evidence_codes.sort()
        row.publications = sorted(publications)
        row.frequencies.sort()
        row.status = "imported " + "+".join(row.evidence_codes)
        row.reference = "; ".join(row.publications)
    if row.rule:
        row.derived_from.sort()
        row.status = "entailed " + row.rule
        row.reference = "; ".join(curie(st) for st in row.derived_from)
    return row
