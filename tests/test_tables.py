"""make_tables over quads in any order (``ordered=``) gives the tables of the deciding order.

The build reads the path index's quads from an in-memory copy of the store, whose order is not
the store's; make_tables reads again, in the store's order, the subjects whose rows depend on
it. The property: for any graph (nodes with several labels, definitions and values; statements
with several quotes, statuses, sources, qualifiers, frequencies, derivations, bad integers;
quads in several graphs) and any order of its quads, the tables (or the error) are those of the
deciding order.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.schema import load_schema
from kg.tables import make_tables
from kg.vocab import MKV, RDF, RDFS, SKOS

SCHEMA = load_schema()
GRAPHS = [ox.NamedNode(f"https://example.org/graph/{n}") for n in range(2)]
NODES = [ox.NamedNode(f"https://example.org/node/{n}") for n in range(3)]
STATEMENTS = [ox.NamedNode(f"https://example.org/statement/{n}") for n in range(3)]
SOURCES = [ox.NamedNode(f"https://example.org/source/{n}") for n in range(2)]
TEXT = st.sampled_from([ox.Literal(v) for v in ("a", "b", "1", "2", "x")])

# (predicate, objects) a node may have; a statement's fields; a source's version.
NODE_FIELDS = [(RDFS.label, TEXT), (SKOS.definition, TEXT), (SKOS.altLabel, TEXT),
               (MKV.characteristic, TEXT), (MKV.minimumNumberOfForms, TEXT), (MKV.maxFrequencyPerMinute, TEXT),
               (MKV.sourceVersion, TEXT), (SKOS.exactMatch, st.sampled_from(NODES))]
STATEMENT_FIELDS = [(RDF.object, st.sampled_from(NODES)), *[(MKV.iri(name), TEXT) for name in (
    "evidenceQuote", "quoteStart", "quoteEnd", "claimNumber", "curationStatus", "correctionNote",
    "authoritativeReference", "identifierName", "evidenceCode", "publication", "frequencyValue",
    "firstLine", "certainty", "frequency", "inContext")],
    (MKV.verificationSource, st.sampled_from(SOURCES)), (MKV.sourceDocument, st.sampled_from(SOURCES + NODES[:1])),
    (MKV.entailedBy, st.sampled_from([MKV.iri("InverseRule"), MKV.iri("NarrowMatchRule")]).map(ox.NamedNode)),
    (MKV.derivedFrom, st.sampled_from(STATEMENTS))]


@st.composite
def graphs(draw) -> list[ox.Quad]:
    triples = []
    edges = []
    for node in NODES:
        triples.append((node, RDF.type, ox.NamedNode(MKV.iri(draw(st.sampled_from(["Disease", "Phenotype"]))))))
        for predicate, objects in draw(st.lists(st.sampled_from(NODE_FIELDS), max_size=5)):
            triples.append((node, predicate, draw(objects)))
            if predicate == SKOS.exactMatch:
                edges.append(triples[-1])
        for other in draw(st.lists(st.sampled_from(NODES), max_size=2)):
            edges.append((node, MKV.hasPhenotype, other))
            triples.append(edges[-1])
    for statement in STATEMENTS:
        if edges:  # a statement of an edge of the graph (or of none)
            s, p, o = draw(st.sampled_from(edges))
            triples += [(statement, RDF.subject, s), (statement, RDF.predicate, ox.NamedNode(p)),
                        (statement, RDF.object, o)]
        for predicate, objects in draw(st.lists(st.sampled_from(STATEMENT_FIELDS), max_size=10)):
            triples.append((statement, predicate, draw(objects)))
    for source in SOURCES + NODES[:1]:
        for version in draw(st.lists(st.one_of(TEXT, st.sampled_from(NODES)), max_size=2)):
            triples.append((source, MKV.sourceVersion, version))
    quads = [ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, draw(st.sampled_from(GRAPHS)))
             for s, p, o in triples]
    return list(dict.fromkeys(quads))  # a store holds each quad once per graph


def _tables_or_error(quads, **kwargs):
    try:  # repr: the dictionaries of values and qualifiers keep the order they were read in
        return repr(make_tables(quads, SCHEMA, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the error is part of the result compared
        return (type(exc), str(exc))


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_tables_from_any_order_are_those_of_the_deciding_order(data):
    quads = data.draw(graphs())
    shuffled = data.draw(st.permutations(quads))

    def ordered(subject):
        return list(quads) if subject is None else [q for q in quads if q.subject == subject]

    assert _tables_or_error(shuffled, ordered=ordered) == _tables_or_error(quads)


def _q(s, p, o, graph=0):
    return ox.Quad(s, ox.NamedNode(p) if isinstance(p, str) else p, o, GRAPHS[graph])


def _edge_with_statement(*fields):
    """Two nodes, an edge between them, its statement with ``fields`` ((predicate, object, graph))."""
    node, other, statement = NODES[0], NODES[1], STATEMENTS[0]
    return [_q(node, RDF.type, ox.NamedNode(MKV.Disease)), _q(other, RDF.type, ox.NamedNode(MKV.Phenotype)),
            _q(node, MKV.hasPhenotype, other), _q(statement, RDF.subject, node),
            _q(statement, RDF.predicate, ox.NamedNode(MKV.hasPhenotype)), _q(statement, RDF.object, other),
            *(_q(statement, p, o, g) for p, o, g in fields)]


A, B = ox.Literal("a"), ox.Literal("b")
# Each case: quads in which the order of the last two decides something of the tables.
CASES = {
    "two labels": [_q(NODES[0], RDF.type, ox.NamedNode(MKV.Disease)), _q(NODES[0], RDFS.label, A),
                   _q(NODES[0], RDFS.label, B, 1)],
    "two definitions": [_q(NODES[0], RDF.type, ox.NamedNode(MKV.Disease)), _q(NODES[0], SKOS.definition, A),
                        _q(NODES[0], SKOS.definition, B)],
    "two values": [_q(NODES[0], RDF.type, ox.NamedNode(MKV.Disease)), _q(NODES[0], MKV.minimumNumberOfForms, A),
                   _q(NODES[0], MKV.minimumNumberOfForms, B)],
    "values of two properties": [_q(NODES[0], RDF.type, ox.NamedNode(MKV.Disease)),
                                 _q(NODES[0], MKV.minimumNumberOfForms, A),
                                 _q(NODES[0], MKV.maxFrequencyPerMinute, A)],
    "two quotes": _edge_with_statement((MKV.evidenceQuote, A, 0), (MKV.evidenceQuote, B, 1)),
    "two qualifiers": _edge_with_statement((MKV.certainty, A, 0), (MKV.frequency, A, 0)),
    "a status and a verification": _edge_with_statement((MKV.curationStatus, A, 0),
                                                        (MKV.verificationSource, SOURCES[0], 0)),
    "two frequencies without evidence": _edge_with_statement((MKV.frequencyValue, A, 0),
                                                             (MKV.frequencyValue, B, 0)),
    "two derivations without a rule": _edge_with_statement((MKV.derivedFrom, STATEMENTS[1], 0),
                                                           (MKV.derivedFrom, STATEMENTS[2], 0)),
    "two source versions": [*_edge_with_statement((MKV.sourceDocument, SOURCES[0], 0)),
                            _q(SOURCES[0], MKV.sourceVersion, A), _q(SOURCES[0], MKV.sourceVersion, B)],
}


@pytest.mark.parametrize("case", CASES)
def test_the_order_decides_and_only_those_subjects_are_read_again(case):
    quads = CASES[case]
    swapped = quads[:-2] + quads[-2:][::-1]
    assert repr(make_tables(swapped, SCHEMA)) != repr(make_tables(quads, SCHEMA))  # the order decides
    read_again = []

    def ordered(subject):
        read_again.append(subject)
        return [q for q in quads if subject is None or q.subject == subject]

    assert repr(make_tables(swapped, SCHEMA, ordered=ordered)) == repr(make_tables(quads, SCHEMA))
    assert read_again == [quads[-1].subject]


def test_an_error_is_the_one_the_deciding_order_meets_first():
    quads = []
    for n, bad in enumerate(("x", "y")):
        node, statement = NODES[n], STATEMENTS[n]
        quads += [ox.Quad(node, ox.NamedNode(RDF.type), ox.NamedNode(MKV.Disease), GRAPHS[0]),
                  ox.Quad(node, ox.NamedNode(MKV.hasPhenotype), NODES[2], GRAPHS[0]),
                  ox.Quad(statement, ox.NamedNode(RDF.subject), node, GRAPHS[0]),
                  ox.Quad(statement, ox.NamedNode(RDF.predicate), ox.NamedNode(MKV.hasPhenotype), GRAPHS[0]),
                  ox.Quad(statement, ox.NamedNode(RDF.object), NODES[2], GRAPHS[0]),
                  ox.Quad(statement, ox.NamedNode(MKV.quoteStart), ox.Literal(bad), GRAPHS[0])]
    quads.append(ox.Quad(NODES[2], ox.NamedNode(RDF.type), ox.NamedNode(MKV.Phenotype), GRAPHS[0]))
    with pytest.raises(ValueError, match="'y'"):
        make_tables(quads[::-1], SCHEMA)
    with pytest.raises(ValueError, match="'x'"):
        make_tables(quads[::-1], SCHEMA, ordered=lambda s: [q for q in quads if s is None or q.subject == s])
