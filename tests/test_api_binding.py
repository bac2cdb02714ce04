"""API parameters are RDF terms or documented Python types (issue 11, item 8; issue 16's
"``_bind`` guesses term types from strings").

Before: any object was bound as the literal of its ``str()`` (a list, ``None``, a blank
node...), and strings were guessed: ``mk:x`` and ``<...>`` became IRIs, ``http://...`` a
literal. Now: RDF terms pass, Python values become typed literals, a ``str`` is a plain
literal, a string that looks like an IRI or CURIE is refused (never guessed), anything else
is a ``TypeError`` naming the parameter and the type.
"""

from __future__ import annotations

import datetime
import decimal

import pyoxigraph as ox
import pytest
import rdflib

from kg.errors import KGError
from kg.namespace import ENTITY, PREFIXES

XSD = PREFIXES["xsd"]
ECHO = "SELECT ?v (DATATYPE(?v) AS ?t) (LANG(?v) AS ?l) (isIRI(?v) AS ?iri) WHERE { }"


@pytest.fixture(scope="module")
def graph(mini_graph):
    """The session's fixture graph (tests/conftest.py)."""
    return mini_graph


def _echo(graph, value):
    [row] = graph.sparql(ECHO, {"v": value}).rows
    return row


@pytest.mark.parametrize("value, lexical, datatype", [
    ("plain text", "plain text", "string"),
    ("Note: a colon", "Note: a colon", "string"),
    ("", "", "string"),
    (True, "true", "boolean"),
    (False, "false", "boolean"),
    (42, "42", "integer"),
    (-7, "-7", "integer"),
    (1.5, "1.5", "double"),
    (float("inf"), "INF", "double"),
    (decimal.Decimal("1E+2"), "100", "decimal"),
    (decimal.Decimal("-0.25"), "-0.25", "decimal"),
    (datetime.date(2024, 2, 29), "2024-02-29", "date"),
    (datetime.datetime(2024, 2, 29, 13, 5, 1), "2024-02-29T13:05:01", "dateTime"),
    (datetime.datetime(2024, 2, 29, 13, 5, tzinfo=datetime.timezone.utc), "2024-02-29T13:05:00Z", "dateTime"),
])
def test_python_values_become_typed_literals(graph, value, lexical, datatype):
    term, dtype, _, is_iri = _echo(graph, value)
    assert isinstance(term, ox.Literal) and term.value == lexical
    assert dtype.value == XSD + datatype and is_iri.value == "false"


def test_rdf_terms_pass_through(graph):
    iri = ENTITY + "clonazepam"
    assert _echo(graph, ox.NamedNode(iri))[0] == ox.NamedNode(iri)
    assert _echo(graph, ox.Literal("x", language="fr"))[2].value == "fr"
    assert _echo(graph, rdflib.URIRef(iri))[0] == ox.NamedNode(iri)
    assert _echo(graph, rdflib.Literal("chat", lang="fr"))[0] == ox.Literal("chat", language="fr")
    assert _echo(graph, rdflib.Literal(3))[0] == ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))
    assert _echo(graph, rdflib.Literal("s"))[0] == ox.Literal("s")


@pytest.mark.parametrize("value", [None, [1], ("a",), {"a": 1}, b"bytes", object(), ox.BlankNode("b"),
                                   rdflib.BNode("b"), rdflib.Variable("v"), 1j],
                         ids=lambda v: type(v).__name__)
def test_anything_else_is_a_type_error_naming_parameter_and_type(graph, value):
    with pytest.raises(TypeError, match=rf"parameter 'v': cannot bind an? {type(value).__name__}\b"):
        graph.sparql(ECHO, {"v": value})


@pytest.mark.parametrize("text", ["mk:clonazepam", "HP:0001336", "<https://example.org/x>", "http://example.org/x",
                                  "https://example.org/x", "urn:isbn:123"])
def test_strings_that_look_like_iris_are_refused_not_guessed(graph, text):
    with pytest.raises(KGError, match="looks like an IRI or CURIE; pass graph.iri"):
        graph.sparql(ECHO, {"v": text})
    # Either explicit form works.
    assert _echo(graph, ox.Literal(text))[0] == ox.Literal(text)
    assert _echo(graph, graph.iri(text))[3].value == "true"


def test_a_string_with_spaces_is_a_literal_whatever_it_holds(graph):
    text = "mk:x> } ; DROP ALL ; #"
    assert _echo(graph, text)[0] == ox.Literal(text)
    assert graph.sparql("ASK { ?s ?p ?o }").value is True


def test_nan_decimal_has_no_rdf_form(graph):
    with pytest.raises(KGError, match="no xsd:decimal form"):
        graph.sparql(ECHO, {"v": decimal.Decimal("NaN")})


def test_named_queries_still_resolve_labels_and_take_terms(graph):
    drugs = graph.named("first-line-drug", {"type": "action myoclonus"}).to_records()
    assert drugs
    assert graph.named("first-line-drug", {"type": graph.iri("mk:action_myoclonus")}).to_records() == drugs
    assert graph.named("first-line-drug", {"type": rdflib.URIRef(ENTITY + "action_myoclonus")}).to_records() == drugs
    with pytest.raises(TypeError, match="parameter 'type': cannot bind a list"):
        graph.named("first-line-drug", {"type": ["action myoclonus"]})
    with pytest.raises(KGError, match="no parameter drug"):
        graph.named("first-line-drug", {"drug": 1})
