"""The entailed graph: the edges the build derives from asserted ones, each reified with its rule.

Curation and the HPO import assert edges in one direction and under one IRI per entity. What a
query needs beyond that, the build materialises in its own named graph
(``https://w3id.org/myoclonus-kg/graph/entailed``), never mixed with asserted edges:

``mkv:InverseRule``
    ``s causes o`` gives ``o causedBy s``; ``s hasPhenotype o`` gives ``o phenotypeOf s``
    (every ``owl:inverseOf`` pair of the ontology).
``mkv:SymmetryRule``
    ``s usedWith o`` gives ``o usedWith s`` (every ``owl:SymmetricProperty``).
``mkv:NarrowMatchRule`` / ``mkv:BroadMatchRule``
    a curated entity ``e skos:narrowMatch x`` gives ``x subtypeOf e`` (``broadMatch``: ``e subtypeOf
    x``), when ``x`` is an entity of the graph of the same branch (OMIM:254780, the EPM2A form of
    Lafora disease, becomes a subtype of ``mk:lafora_body_disease``).
``mkv:ExactAliasRule``
    an identifier a curated entity matches exactly is an alias of it (the import writes the
    entity's IRI in its place, :mod:`kg.hpo.importer`); every edge ``s p e`` (asserted or derived
    by the rules above) whose object ``e`` has aliases gives ``s p a`` for each alias ``a``. So a
    pattern with the curated IRI or the HPO IRI as its object gets the same answer. These twins
    are in their own named graph, ``graph/aliases``, which a query's default graph includes only
    when the query names an alias (:mod:`kg.query.dataset`): so a pattern with a variable binds
    each entity once, under its own IRI, with no unlabelled alias twin beside it.

Each derived edge ``s p o`` is reified, like curated and imported ones, by a statement
``mks:ent-<16 hex digits of sha1(rule|s|p|o)>`` typed ``rdf:Statement`` and
``mkv:EntailedStatement``, with ``rdf:subject``/``rdf:predicate``/``rdf:object``,
``mkv:entailedBy`` the rule and ``mkv:derivedFrom`` every statement of the edge(s) it came from.
An edge that is already asserted is not derived again. The result is a pure function of the
curated and imported graphs, in a fixed order, so ``kg validate`` recomputes it and compares
(:func:`check_entailment`), and builds stay byte-identical.

The subtype closure (``mkv:subtypeOfClosure``, a query index without statements) is computed
from these edges by :mod:`kg.closure`.

Examples
--------
>>> from kg.curation.compiler import compile_curation
>>> result = entail(compile_curation().quads)
>>> ("https://w3id.org/myoclonus-kg/entity/myoclonus", MKV.causedBy,
...  "https://w3id.org/myoclonus-kg/entity/stroke") in result.edges
True
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from kg.identifiers import compress
from kg.namespace import ENTITY, GRAPH_ALIASES, GRAPH_ENTAILED, GRAPH_HPO
from kg.schema import INDEX_PROPERTIES, PROVENANCE_CLASSES, Schema, load_schema
from kg.vocab import MKV, RDF, hashed_statement, match_kind

__all__ = ["RULES", "ALIAS_PREFIXES", "ALIAS_RULE", "Derived", "EntailmentResult", "entail", "entail_store",
           "check_entailment", "statement_iri", "graph_edges"]

_TYPE, _SUBJECT, _PREDICATE, _OBJECT = RDF.type, RDF.subject, RDF.predicate, RDF.object
#: The rules, by local name in ``mkv:``.
RULES = ("InverseRule", "SymmetryRule", "NarrowMatchRule", "BroadMatchRule", "ExactAliasRule")
#: Identifier prefixes whose exact matches are aliases (the ones the HPO import can write).
ALIAS_PREFIXES = ("HP", "OMIM", "ORPHA", "NCBIGene")
_SUBTYPE = MKV.subtypeOf
#: The rule whose edges (alias twins) go to the aliases graph.
ALIAS_RULE = "ExactAliasRule"


def statement_iri(rule: str, s: str, p: str, o: str) -> str:
    """The IRI of the statement reifying the derived edge ``s p o`` (deterministic).

    Examples
    --------
    >>> statement_iri("InverseRule", "a", "b", "c").startswith("https://w3id.org/myoclonus-kg/statement/ent-")
    True
    """
    return hashed_statement("ent", rule, s, p, o)


@dataclass
class Derived:
    """One derived edge: the rule and the statements it came from."""

    rule: str
    sources: list[str]


@dataclass
class EntailmentResult:
    """The derived edges, ``(s, p, o) -> Derived``, counts per rule, and the aliases
    (``entity -> identifiers it matches exactly``)."""

    edges: dict[tuple[str, str, str], Derived] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Derived edges per rule."""
        out: dict[str, int] = {}
        for d in self.edges.values():
            out[d.rule] = out.get(d.rule, 0) + 1
        return dict(sorted(out.items()))

    def triple_count(self) -> int:
        """Quads of the entailed graph: per edge, the edge, seven statement triples and one
        ``derivedFrom`` per source."""
        return sum(7 + len(set(d.sources)) for d in self.edges.values())

    def nquads(self) -> Iterator[str]:
        """The derived edges as N-Quads text, one chunk per edge (edge and statement), in a fixed
        order: alias twins (``ExactAliasRule``) in the aliases graph, the others in the entailed graph."""
        for _graph, chunk in self.graph_chunks():
            yield chunk

    def graph_chunks(self) -> Iterator[tuple[str, str]]:
        """``(graph IRI, chunk)`` for each chunk of :meth:`nquads`, in the same order (the builder
        loads the aliases graph into another store than the rest)."""
        for (s, p, o) in sorted(self.edges):
            d = self.edges[(s, p, o)]
            graph = GRAPH_ALIASES if d.rule == ALIAS_RULE else GRAPH_ENTAILED
            g = f" <{graph}> .\n"
            head = (f" <{_TYPE}> <{RDF.Statement}>{g}", f" <{_TYPE}> <{MKV.EntailedStatement}>{g}")
            st = "<" + statement_iri(d.rule, s, p, o) + ">"
            parts = [f"<{s}> <{p}> <{o}>{g}", st + head[0], st + head[1],
                     f"{st} <{_SUBJECT}> <{s}>{g}", f"{st} <{_PREDICATE}> <{p}>{g}",
                     f"{st} <{_OBJECT}> <{o}>{g}", f"{st} <{MKV.entailedBy}> <{MKV.iri(d.rule)}>{g}"]
            parts += [f"{st} <{MKV.derivedFrom}> <{src}>{g}" for src in sorted(set(d.sources))]
            yield graph, "".join(parts)

    def quads(self) -> list[ox.Quad]:
        """The entailed graph as quads (small graphs; the builder streams :meth:`lines`)."""
        text = "".join(self.nquads())
        return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)) if text else []


def _edge_properties(schema: Schema) -> set[str]:
    return {MKV.iri(name) for name, info in schema.properties.items()
            if info.kind == "object" and not (info.domain & PROVENANCE_CLASSES) and name not in INDEX_PROPERTIES}


def graph_edges(quads: Iterable[ox.Quad], schema: Schema | None = None
                ) -> tuple[dict[tuple[str, str, str], list[str]], dict[str, set[str]], list[tuple[str, str, str, str]]]:
    """Edges, entity types and mappings of some quads (the curated graph, or a small import).

    Returns
    -------
    edges : dict
        ``(s, p, o) -> [statement IRIs]`` for every mkv edge between IRIs.
    types : dict
        ``IRI -> {class local names}`` of typed entities.
    mappings : list
        ``(entity, skos predicate, identifier IRI, mapping statement IRI)``.
    """
    schema = schema or load_schema()
    props = _edge_properties(schema)
    edges: dict[tuple[str, str, str], list[str]] = {}
    types: dict[str, set[str]] = {}
    statements: dict[str, dict[str, str]] = {}
    matches: list[tuple[str, str, str]] = []
    for q in quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        if not isinstance(o, ox.NamedNode):
            continue
        if p in props:
            edges.setdefault((s, p, o.value), [])
        elif p == _TYPE and (cls := MKV.local(o.value)) is not None:
            types.setdefault(s, set()).add(cls)
        elif p in (_SUBJECT, _PREDICATE, _OBJECT):
            statements.setdefault(s, {})[p] = o.value
        elif match_kind(p) is not None:
            matches.append((s, p, o.value))
    mapping_st: dict[tuple[str, str, str], str] = {}
    for st, f in statements.items():
        key = (f.get(_SUBJECT), f.get(_PREDICATE), f.get(_OBJECT))
        if key in edges:
            edges[key].append(st)
        elif key[1] and match_kind(key[1]) is not None:
            mapping_st[key] = st  # type: ignore[index]
    mappings = [(s, p, o, mapping_st.get((s, p, o), "")) for s, p, o in matches]
    return edges, types, mappings


def entail(curated: Iterable[ox.Quad], imported: Iterable[ox.Quad] = (), *, schema: Schema | None = None
           ) -> EntailmentResult:
    """Derive the entailed graph from the curated graph and (optionally) an import, as quads.

    For imports too big to hold as quads, the builder uses :func:`entail_store`.

    Parameters
    ----------
    curated : iterable of pyoxigraph.Quad
        The curated graph (entities, facts, mappings and their statements).
    imported : iterable of pyoxigraph.Quad
        The HPO graph, or nothing.
    schema : Schema, optional
        The ontology view (inverses, symmetric properties, branches).

    Returns
    -------
    EntailmentResult
    """
    schema = schema or load_schema()
    # One pass over both: an imported statement may reify a triple only the curated graph holds.
    edges, types, mappings = graph_edges(itertools.chain(curated, imported), schema)
    return _derive(edges, types.get, mappings, schema)


def _derive(edges: dict[tuple[str, str, str], list[str]], types_of: Callable[[str], set[str] | None],
            mappings: list[tuple[str, str, str, str]], schema: Schema) -> EntailmentResult:
    result = EntailmentResult()
    derived = result.edges

    def add(key: tuple[str, str, str], rule: str, sources: list[str]) -> None:
        if key in edges or not sources:
            return  # already asserted, or nothing to cite
        found = derived.get(key)
        if found is None:
            derived[key] = Derived(rule, list(sources))
        elif found.rule == rule:
            found.sources.extend(s for s in sources if s not in found.sources)

    inverse = {MKV.iri(info.inverse_of): MKV.iri(name) for name, info in schema.properties.items()
               if info.inverse_of}
    symmetric = {MKV.iri(name) for name, info in schema.properties.items() if info.symmetric}
    for (s, p, o), sts in sorted(edges.items()):
        if p in inverse:
            add((o, inverse[p], s), "InverseRule", sts)
        if p in symmetric:
            add((o, p, s), "SymmetryRule", sts)

    aliases: dict[str, list[str]] = {}
    for entity, p, target, st in sorted(mappings):
        if not entity.startswith(ENTITY) or not st:
            continue
        match = match_kind(p)
        if match == "exact":
            curie = compress(target)
            if curie and curie.partition(":")[0] in ALIAS_PREFIXES:
                aliases.setdefault(entity, []).append(target)
        elif match in ("narrow", "broad"):
            mine, theirs = types_of(entity), types_of(target)
            if not mine or not theirs or not schema.branches(mine) & schema.branches(theirs):
                continue  # not an entity of the graph, or not of the same branch
            key = (target, _SUBTYPE, entity) if match == "narrow" else (entity, _SUBTYPE, target)
            add(key, "NarrowMatchRule" if match == "narrow" else "BroadMatchRule", [st])

    result.aliases = {entity: sorted(set(names)) for entity, names in sorted(aliases.items())}
    if aliases:
        for (s, p, o), sts in sorted(edges.items()):
            for alias in aliases.get(o, ()):
                add((s, p, alias), "ExactAliasRule", sts)
        for (s, p, o) in sorted(derived):
            if derived[(s, p, o)].rule == "ExactAliasRule":
                continue
            st = statement_iri(derived[(s, p, o)].rule, s, p, o)
            for alias in aliases.get(o, ()):
                add((s, p, alias), "ExactAliasRule", [st])
    return result


def entail_store(store: ox.Store, curated: list[ox.Quad], *, schema: Schema | None = None) -> EntailmentResult:
    """:func:`entail` over a store holding the HPO graph (streamed per property, never held whole).

    Imported edges are read with one pattern per edge property; their statement IRIs are
    recomputed with the import's own function (:func:`kg.hpo.rdf.statement_iri`).
    """
    from kg.hpo.rdf import statement_iri as imported_statement

    schema = schema or load_schema()
    edges, types, mappings = graph_edges(curated, schema)
    hpo = ox.NamedNode(GRAPH_HPO)
    subject = ox.NamedNode(_SUBJECT)
    for (s, p, o), sts in edges.items():
        # The import gives a curated triple HPO's statement, not a second copy of the triple.
        st = imported_statement(s, p, o)
        if next(iter(store.quads_for_pattern(ox.NamedNode(st), subject, None, hpo)), None) is not None:
            sts.append(st)
    for prop in sorted(_edge_properties(schema)):
        for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, hpo):
            if isinstance(q.object, ox.NamedNode):
                s, o = q.subject.value, q.object.value
                edges.setdefault((s, prop, o), []).append(imported_statement(s, prop, o))
    rdf_type = ox.NamedNode(_TYPE)

    def types_of(node: str) -> set[str] | None:
        found = types.get(node)
        if found is not None:
            return found
        try:
            term = ox.NamedNode(node)
        except ValueError:
            return None
        found = {cls for q in store.quads_for_pattern(term, rdf_type, None, hpo)
                 if (cls := MKV.local(q.object.value)) is not None}
        return found or None

    return _derive(edges, types_of, mappings, schema)


def check_entailment(expected: EntailmentResult, found: Iterable[ox.Quad]) -> list[str]:
    """Compare the entailed graph of a build with a recomputation: one line per difference.

    Parameters
    ----------
    expected : EntailmentResult
        The recomputed entailment.
    found : iterable of pyoxigraph.Quad
        The quads of the build's entailed and aliases graphs (without the closure triples of
        the aliases graph, which :func:`kg.closure.check_closure` checks).

    Returns
    -------
    list of str
        Empty when the graph is complete and exact.
    """
    want, have = set(expected.quads()), set(found)  # quads compare as their N-Quads text does
    problems = []
    missing, extra = sorted(str(q) for q in want - have), sorted(str(q) for q in have - want)
    if missing:
        problems.append(f"entailed graph incomplete: {len(missing)} quad(s) missing, e.g. {missing[0]}")
    if extra:
        problems.append(f"entailed graph has {len(extra)} quad(s) no rule derives, e.g. {extra[0]}")
    return problems
