"""The subtype closure: ``mkv:subtypeOfClosure``, a query index materialised at build time.

``?k mkv:subtypeOf* ?p`` is the question most named queries ask ("myoclonus or any kind of
it"). SPARQL engines evaluate such a path per query, from scratch; over the full HPO (about
19,000 terms) that takes seconds, and some servers answer it wrongly (Virtuoso 7.2.5,
:mod:`kg.remote.dialects`). So the build materialises the reflexive-transitive closure of
``subtypeOf``, as Monarch's closure tables do:

``x mkv:subtypeOfClosure y``
    ``x`` is ``y``, or a chain of one or more ``subtypeOf`` edges (curated, imported, or
    entailed by a mapping rule; never an alias twin) leads from ``x`` to ``y``. Every entity
    (an IRI typed with a class of the ontology in the curated or the HPO graph) and every
    node of a ``subtypeOf`` edge is a ``subtypeOfClosure`` of itself.

It answers what ``x mkv:subtypeOf* y`` answers whenever ``x`` or ``y`` is an entity (the
named queries' differential tests check it row for row); ``?x mkv:subtypeOfClosure ?y .
FILTER(?x != ?y)`` is ``subtypeOf+`` on an acyclic hierarchy. The triples are in their own
named graph (``graph/closure``), unreified: the closure is an index, its evidence is the
chain of ``subtypeOf`` edges, each with its statement.

**Aliases.** For an entity ``e`` with aliases (identifiers it matches exactly, HP:0001336 for
``mk:myoclonus``, :mod:`kg.entailment`), the closure repeats what the path gives with the
alias named: ``x subtypeOfClosure a`` for every ``x`` other than ``e`` with ``x
subtypeOfClosure e``, and ``a subtypeOfClosure a``. These twins go to the aliases graph
(``graph/aliases``), which a query sees only when it names an alias (:mod:`kg.query.dataset`);
``a subtypeOfClosure a`` is also how the engines recognise an alias.

The result is a pure function of the graph, in a fixed order (byte-identical builds), and
``kg validate`` recomputes it and compares (:func:`check_closure`).

Examples
--------
>>> c = subtype_closure([("b", "a"), ("c", "b")], entities=["d"], aliases={"a": ["A"]})
>>> sorted(c.pairs)
[('a', 'a'), ('b', 'a'), ('b', 'b'), ('c', 'a'), ('c', 'b'), ('c', 'c'), ('d', 'd')]
>>> sorted(c.alias_pairs)
[('A', 'A'), ('b', 'A'), ('c', 'A')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

import pyoxigraph as ox

from kg.vocab import GRAPH_ALIASES, GRAPH_CLOSURE, GRAPH_CURATED, GRAPH_HPO, MKV, RDF

if TYPE_CHECKING:
    from kg.entailment import EntailmentResult
    from kg.schema import Schema

__all__ = ["ClosureResult", "subtype_closure", "closure_from_store", "check_closure", "store_holds_exactly"]


@dataclass
class ClosureResult:
    """The closure pairs ``(x, y)``: ``pairs`` for the closure graph, ``alias_pairs`` (twins
    into aliases) for the aliases graph."""

    pairs: set[tuple[str, str]] = field(default_factory=set)
    alias_pairs: set[tuple[str, str]] = field(default_factory=set)

    def nquads(self) -> Iterator[str]:
        """The triples as N-Quads lines, sorted: the closure graph, then the alias twins."""
        for _graph, line in self.graph_lines():
            yield line

    def graph_lines(self) -> Iterator[tuple[str, str]]:
        """``(graph IRI, line)`` for each line of :meth:`nquads`, in the same order."""
        predicate = f"> <{MKV.subtypeOfClosure}> <"
        for graph, pairs in ((GRAPH_CLOSURE, self.pairs), (GRAPH_ALIASES, self.alias_pairs)):
            tail = f"> <{graph}> .\n"
            for x, y in sorted(pairs):
                yield graph, "<" + x + predicate + y + tail

    def quads(self) -> list[ox.Quad]:
        """The triples as quads (for comparison with a store)."""
        text = "".join(self.nquads())
        return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)) if text else []


def subtype_closure(edges: Iterable[tuple[str, str]], entities: Iterable[str] = (),
                    aliases: Mapping[str, Iterable[str]] | None = None) -> ClosureResult:
    """The reflexive-transitive closure of ``subtypeOf`` edges.

    Parameters
    ----------
    edges : iterable of (str, str)
        ``(child, parent)``: every ``subtypeOf`` edge (asserted or entailed, not alias twins).
    entities : iterable of str
        Every entity of the graph (each gets its reflexive pair).
    aliases : mapping, optional
        ``entity -> aliases`` (identifiers it matches exactly).

    Returns
    -------
    ClosureResult

    Examples
    --------
    A cycle is closed too (every member reaches every other and itself):

    >>> sorted(subtype_closure([("a", "b"), ("b", "a")]).pairs)
    [('a', 'a'), ('a', 'b'), ('b', 'a'), ('b', 'b')]
    """
    parents: dict[str, set[str]] = {}
    nodes: set[str] = set(entities)
    for child, parent in edges:
        parents.setdefault(child, set()).add(parent)
        nodes.add(child)
        nodes.add(parent)
    result = ClosureResult()
    ancestors: dict[str, frozenset[str]] = {}
    for node in sorted(nodes):
        # Breadth-first over the parents; the ancestors of a node already done are taken whole.
        seen = {node}
        todo = [node]
        while todo:
            current = todo.pop()
            for parent in parents.get(current, ()):
                if parent in seen:
                    continue
                done = ancestors.get(parent)
                if done is not None and node not in done:
                    seen |= done
                else:
                    seen.add(parent)
                    todo.append(parent)
        ancestors[node] = frozenset(seen)
        result.pairs.update((node, ancestor) for ancestor in seen)
    aliases = aliases or {}
    below: dict[str, list[str]] = {}
    for x, y in result.pairs:
        if y in aliases and x != y:
            below.setdefault(y, []).append(x)
    for entity, names in aliases.items():
        for alias in names:
            result.alias_pairs.add((alias, alias))
            result.alias_pairs.update((x, alias) for x in below.get(entity, ()))
    return result


def closure_from_store(store: ox.Store, entailed: "EntailmentResult", schema: "Schema | None" = None
                       ) -> ClosureResult:
    """:func:`subtype_closure` of a build: the ``subtypeOf`` edges of the store's curated and HPO
    graphs and of the entailment (``entailed``, not its alias twins), the entities typed with a
    domain class of the ontology in those graphs, and the entailment's aliases."""
    from kg.entailment import ALIAS_RULE
    from kg.schema import PROVENANCE_CLASSES, load_schema

    schema = schema or load_schema()
    classes = [MKV.iri(c) for c in sorted(schema.classes) if c not in PROVENANCE_CLASSES]
    sources = [ox.NamedNode(GRAPH_CURATED), ox.NamedNode(GRAPH_HPO)]
    subtype, rdf_type = ox.NamedNode(MKV.subtypeOf), ox.NamedNode(RDF.type)
    edges = [(q.subject.value, q.object.value) for g in sources
             for q in store.quads_for_pattern(None, subtype, None, g)
             if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]
    edges.extend((s, o) for (s, p, o), d in entailed.edges.items()
                 if p == MKV.subtypeOf and d.rule != ALIAS_RULE)
    entities = {q.subject.value for g in sources for cls in classes
                for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(cls), g)
                if isinstance(q.subject, ox.NamedNode)}
    return subtype_closure(edges, entities, entailed.aliases)


def check_closure(expected: ClosureResult, store: ox.Store) -> list[str]:
    """Compare the closure triples of a build with a recomputation: one line per difference.

    Returns
    -------
    list of str
        Empty when both graphs hold exactly the expected closure triples.
    """
    problems = []
    predicate = ox.NamedNode(MKV.subtypeOfClosure)
    for graph, pairs in ((GRAPH_CLOSURE, expected.pairs), (GRAPH_ALIASES, expected.alias_pairs)):
        graph_node = ox.NamedNode(graph)
        try:
            # (str() of a term is its N-Triples form: the IRIs are checked terms.)
            if store_holds_exactly(
                    store, (ox.Quad(ox.NamedNode(x), predicate, ox.NamedNode(y), graph_node) for x, y in pairs),
                    len(pairs), [f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph_node} {{ ?s {predicate} ?o }} }}"]):
                continue  # no difference: nothing to read
        except ValueError:  # not an IRI: the comparison below says which
            pass
        quads = list(store.quads_for_pattern(None, predicate, None, ox.NamedNode(graph)))
        have = {(q.subject.value, q.object.value) for q in quads
                if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)}
        if len(have) != len(quads):
            problems.append(f"subtype closure in <{graph}> has {len(quads) - len(have)} triple(s) "
                            "whose subject or object is not an IRI")
        missing, extra = sorted(pairs - have), sorted(have - pairs)
        if missing:
            problems.append(f"subtype closure incomplete in <{graph}>: {len(missing)} pair(s) missing, "
                            f"e.g. {missing[0][0]} subtypeOfClosure {missing[0][1]}")
        if extra:
            problems.append(f"subtype closure in <{graph}> has {len(extra)} pair(s) the graph does not "
                            f"entail, e.g. {extra[0][0]} subtypeOfClosure {extra[0][1]}")
    return problems


def store_holds_exactly(store: ox.Store, quads: Iterable[ox.Quad], size: int, counts: Iterable[str]) -> bool:
    """Whether a part of ``store`` holds exactly ``quads`` (``size`` of them, each in that part):
    the ``counts`` queries (each a SELECT of one number) add up to ``size``, and each quad is
    there: a lookup each, without reading the store's quads back (their text is what takes most
    of the time of a comparison).

    Raises
    ------
    ValueError
        If making a quad of ``quads`` does (a term that cannot be one).
    """
    held = 0
    for text in counts:
        held += int(next(iter(store.query(text)))[0].value)  # type: ignore[arg-type]
    return held == size and all(q in store for q in quads)
