"""The SPARQL 1.1 Service Description of the endpoint (answered at ``GET /sparql``).

The description is built as RDF terms (never by pasting text), so an odd ``Host`` header
cannot inject Turtle; it says what the endpoint does: SPARQL 1.1 Query only, the result
formats, the default dataset (the union of the store's graphs) with triple counts.

Examples
--------
>>> text = service_description("http://127.0.0.1:8000/sparql",
...                            {"https://w3id.org/myoclonus-kg/graph/curated": 3}).decode()
>>> "sd:SPARQL11Query" in text and "<http://127.0.0.1:8000/sparql>" in text
True
"""

from __future__ import annotations

import pyoxigraph as ox

__all__ = ["service_description", "SD", "FORMATS"]

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                   "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
_SERIALIZERS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str, graphs: dict[str, int], fmt: str = "turtle") -> bytes:
    """The service description document.

    Parameters
    ----------
    endpoint : str
        The endpoint's absolute IRI; if it is not a valid IRI, the description names no
        endpoint rather than a wrong one.
    graphs : dict
        ``{graph IRI: number of triples}`` of the store's named graphs.
    fmt : {"turtle", "ntriples", "jsonld", "rdfxml"}
        Serialisation.

    Returns
    -------
    bytes

    Raises
    ------
    KeyError
        For an unknown ``fmt``.
    """
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _TITLE, ox.Literal("myoclonus-kg SPARQL endpoint (read-only)")),
    ]
    try:
        triples.append(ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)))
    except ValueError:
        pass
    triples += [
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultEntailmentRegime"),
                  ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
    ]
    triples += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + name))
                for name in _RESULT_FORMATS]
    triples += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, _RDF_TYPE, _sd("Graph")),
        ox.Triple(default, _VOID_TRIPLES, ox.Literal(str(sum(graphs.values())), datatype=_XSD_INTEGER)),
    ]
    for i, (iri, count) in enumerate(sorted(graphs.items())):
        named, graph = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, _RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, _RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, _VOID_TRIPLES, ox.Literal(str(count), datatype=_XSD_INTEGER)),
        ]
    options = {} if fmt == "ntriples" else {
        "prefixes": {"sd": SD, "formats": FORMATS, "void": "http://rdfs.org/ns/void#",
                     "dcterms": "http://purl.org/dc/terms/"}}
    return ox.serialize(triples, format=_SERIALIZERS[fmt], **options)
