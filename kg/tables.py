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
from collections import Counter
from typing import Any, Callable, Iterable

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


def make_tables(quads: Iterable[ox.Quad | ox.Triple], schema: Schema, *,
                ordered: Callable[[ox.NamedNode | ox.BlankNode | None], Iterable[ox.Quad]] | None = None
                ) -> Tables:
    """Derive node and edge rows from quads (any graphs), sorted for determinism.

    The rows depend on the order of the quads in two ways only: where a field takes one value
    of several (a node with two labels, a statement with two quotes: the last one read wins, and
    a dictionary of values or qualifiers keeps the order they were read in), and in which error a
    damaged value raises (the first one read).

    Parameters
    ----------
    quads : iterable of pyoxigraph.Quad or Triple
        The graph, in the order that decides the cases above (unless ``ordered`` is given).
    schema : Schema
        The domain classes and the edge properties.
    ordered : callable, optional
        Says that ``quads`` come in any order, each quad once per graph (e.g. from an in-memory
        copy of a store, which iterates faster), and gives the order that decides:
        ``ordered(subject)`` returns the quads of one subject and ``ordered(None)`` all of them,
        in that order. The quads of each subject whose rows depend on their order are read again
        with it; on an error, all of them are (so the error is the one the order gives).

    Returns
    -------
    Tables

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> from kg.schema import load_schema
    >>> t = make_tables(compile_curation().quads, load_schema())
    >>> t.nodes["https://w3id.org/myoclonus-kg/entity/clonazepam"].label
    'clonazepam'
    """
    by_subject: dict[str, list[tuple[str, object]]] = {}
    subjects: dict[str, object] = {}  # subject -> its term, for ``ordered``
    if ordered is None:
        for q in quads:
            subject = q.subject.value
            pos = by_subject.get(subject)
            if pos is None:  # (not setdefault: it would make an empty list for every quad)
                pos = by_subject[subject] = []
            pos.append((q.predicate.value, q.object))
        return _tables(by_subject, schema)
    for q in quads:
        subject = q.subject.value
        pos = by_subject.get(subject)
        if pos is None:
            pos = by_subject[subject] = []
            subjects[subject] = q.subject
        pos.append((q.predicate.value, q.object))
    try:
        return _tables(by_subject, schema, subjects, ordered)
    except Exception:  # noqa: BLE001 - whatever it is, the deciding order raises it again
        del by_subject, subjects
        return make_tables(ordered(None), schema)


class _OtherQuads(Exception):
    """The ordered reading of a subject holds other quads than the unordered one."""


def _tables(by_subject: dict[str, list[tuple[str, object]]], schema: Schema,
            subjects: dict[str, object] | None = None,
            ordered: Callable[[Any], Iterable[ox.Quad]] | None = None) -> Tables:
    domain_classes = {MKV.iri(c) for c in schema.classes if c not in PROVENANCE_CLASSES}
    edge_props = {MKV.iri(p) for p, info in schema.properties.items()
                  if info.kind == "object" and not (info.domain & PROVENANCE_CLASSES) and p not in INDEX_PROPERTIES}
    nodes: dict[str, NodeRow] = {}
    for s, pos in by_subject.items():
        types = [MKV.local(o.value) or "" for p, o in pos if p == RDF.type and o.value in domain_classes]
        if types:
            ordered_types = sorted(set(types), key=lambda t: (len(schema.ancestors(t)) * -1, t))
            nodes[s] = NodeRow(s, ordered_types, category=schema.primary_class(ordered_types))
    if ordered is not None and subjects is not None:
        for s in [s for s, pos in by_subject.items() if _order_decides(pos, s in nodes)]:
            again = [(q.predicate.value, q.object) for q in ordered(subjects[s])]
            if Counter(again) != Counter(by_subject[s]):
                raise _OtherQuads(s)
            by_subject[s] = again
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


#: Fields of a statement that keep one value (the last one read; the first for rdf:subject,
#: rdf:predicate and rdf:object), and its qualifiers, kept in the order they are read (_edge).
_STATEMENT_SCALARS = frozenset({RDF.subject, RDF.predicate, RDF.object, *(MKV.iri(name) for name in (
    "evidenceQuote", "quoteStart", "quoteEnd", "curationStatus", "correctionNote", "authoritativeReference",
    "claimNumber", "sourceDocument", "verificationSource", "identifierName", "entailedBy"))})
_QUALIFIERS = frozenset(MKV.iri(name) for name in ("firstLine", "certainty", "frequency", "inContext"))
#: A statement's lists that keep their order (frequencies without an evidence code, sources without
#: a rule), what decides it, and the fields that both its own status or reference and a
#: verification source set.
_STATEMENT_LISTS = frozenset(MKV.iri(name) for name in (
    "frequencyValue", "evidenceCode", "derivedFrom", "entailedBy", "verificationSource", "curationStatus",
    "authoritativeReference"))


def _order_decides(pos: list[tuple[str, object]], is_node: bool) -> bool:
    """Whether the rows made from one subject's ``(predicate, object)`` pairs can depend on their
    order (see :func:`make_tables`): as a node, two labels, two definitions, or two literal
    values of our vocabulary (or values of two properties: a dictionary); as a statement, two
    values of one of its single fields or of a qualifier, two qualifiers, two frequencies
    without an evidence code, two sources without a rule, a verification source with a status or
    a reference; as a source document, two versions."""
    seen: dict[str, object] = {}
    names: set[str] = set()
    many: dict[str, set] = {}  # a statement's objects of _STATEMENT_LISTS
    for p, o in pos:
        if is_node:
            if p == RDFS.label or p == SKOS.definition:
                pass
            elif p != MKV.characteristic and MKV.local(p) and isinstance(o, ox.Literal):
                names.add(p)
            elif p != MKV.sourceVersion:
                continue
        elif p in _QUALIFIERS:
            names.add(p)
        elif p in _STATEMENT_LISTS:
            many.setdefault(p, set()).add(o)
            if p not in _STATEMENT_SCALARS:
                continue
        elif p not in _STATEMENT_SCALARS and p != MKV.sourceVersion:
            continue
        if seen.setdefault(p, o) != o:
            return True
    if len(names) > 1:
        return True
    if not many:
        return False
    if len(many.get(MKV.frequencyValue, ())) > 1 and MKV.evidenceCode not in many:
        return True
    if len(many.get(MKV.derivedFrom, ())) > 1 and not any(
            getattr(o, "value", "") for o in many.get(MKV.entailedBy, ())):
        return True
    return MKV.verificationSource in many and (MKV.curationStatus in many
                                               or MKV.authoritativeReference in many)


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
