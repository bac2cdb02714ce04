"""Writers for the build's output files. Each takes sorted data and writes bytes that depend
on nothing but their input (no timestamps, no blank nodes, sorted rows)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

import networkx as nx
import pyoxigraph as ox

from kg.namespace import PREFIXES
from kg.schema import Schema
from kg.identifiers import curie
from kg.tables import Tables

__all__ = ["write_rdf", "write_graphml", "write_kgx", "OUTPUT_FILES"]

#: File name -> what it holds.
OUTPUT_FILES = {
    "kg.ttl": "curated graph, Turtle",
    "kg.nt": "curated graph, N-Triples (sorted)",
    "kg.jsonld": "curated graph, JSON-LD",
    "kg.nq": "every named graph (curated, ontology, imports), N-Quads (sorted)",
    "kg.graphml": "entities and evidence-carrying edges, GraphML",
    "nodes.tsv": "KGX nodes with Biolink categories",
    "edges.tsv": "KGX edges with Biolink predicates and evidence",
    "manifest.json": "inputs' fingerprints, counts, outputs' checksums",
}



def _sorted_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    # Sorted by the terms' N-Triples forms, compared as tuples: the order of the file's
    # lines, without ever splitting serialized text into lines (a literal may hold
    # U+2028, U+0085, ... which str.splitlines takes for line ends).
    return sorted(set(quads), key=lambda q: (str(q.subject), str(q.predicate), str(q.object),
                                             str(q.graph_name)))


def write_rdf(directory: Path, curated: list[ox.Quad], all_quads: list[ox.Quad]) -> None:
    """Write ``kg.ttl``, ``kg.nt``, ``kg.jsonld`` (curated graph) and ``kg.nq`` (all graphs).

    Every file is written by pyoxigraph's serializer from sorted, de-duplicated terms.
    """
    triples = _sorted_triples(curated)
    ox.serialize(triples, str(directory / "kg.ttl"), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    ox.serialize(triples, str(directory / "kg.nt"), ox.RdfFormat.N_TRIPLES)
    ox.serialize(triples, str(directory / "kg.jsonld"), ox.RdfFormat.JSON_LD, prefixes=PREFIXES)
    ox.serialize(_sorted_quads(all_quads), str(directory / "kg.nq"), ox.RdfFormat.N_QUADS)


def write_graphml(directory: Path, tables: Tables, schema: Schema) -> None:
    """Write ``kg.graphml``: one node per entity, one edge per evidence-carrying statement.

    Text must hold only characters XML 1.0 can carry (the curation reader makes sure).
    """
    graph = nx.MultiDiGraph()
    for iri, node in tables.nodes.items():
        graph.add_node(curie(iri), label=node.label, category=schema.category(node.types),
                       types="|".join(node.types), definition=node.definition,
                       xrefs="|".join(node.xrefs), synonyms="|".join(node.synonyms))
    for edge in tables.edges:
        graph.add_edge(curie(edge.subject), curie(edge.object), key=curie(edge.statement) or edge.predicate,
                       predicate="mkv:" + edge.predicate, biolink_predicate=schema.predicate(edge.predicate),
                       quote=edge.quote, status=edge.status, correction=edge.correction)
    buffer = io.BytesIO()
    nx.write_graphml_xml(graph, buffer, encoding="utf-8")
    # XML parsers read a raw CR in character data as LF (end-of-line normalisation), so a
    # CR must be written as the reference &#13;. ElementTree escapes CR in attribute values
    # and never writes one in markup, but leaves it raw in element text (where GraphML keeps
    # its data): every raw CR in its output is a CR of the data.
    (directory / "kg.graphml").write_bytes(buffer.getvalue().replace(b"\r", b"&#13;"))


def _tsv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # QUOTE_MINIMAL quotes a field holding a tab, a quote or LF, but not a lone CR, which
    # readers take for a line end: a row with a CR anywhere is written fully quoted.
    quoted = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        (quoted if any("\r" in field for field in row) else writer).writerow(row)
    path.write_bytes(out.getvalue().encode("utf-8"))


def write_kgx(directory: Path, tables: Tables, schema: Schema) -> None:
    """Write the KGX TSV pair ``nodes.tsv`` and ``edges.tsv``.

    Multi-valued columns are ``|``-separated, as KGX expects.
    """
    node_header = ["id", "category", "name", "description", "synonym", "xref", "iri", "provided_by"]
    node_rows = []
    for iri, node in tables.nodes.items():
        categories = []
        for t in node.types:
            c = schema.category([t])
            if c not in categories:
                categories.append(c)
        node_rows.append([curie(iri), "|".join(categories), node.label, node.definition,
                          "|".join(node.synonyms), "|".join(node.xrefs), iri, "infores:myoclonus-kg"])
    _tsv(directory / "nodes.tsv", node_header, node_rows)
    edge_header = ["id", "subject", "predicate", "object", "original_predicate", "category",
                   "knowledge_level", "agent_type", "primary_knowledge_source", "supporting_text",
                   "supporting_text_start", "supporting_text_end", "curation_status",
                   "correction_note", "authoritative_reference", "qualifiers"]
    edge_rows = []
    for e in tables.edges:
        qualifiers = "|".join(f"{k}={curie(v)}" for k, v in sorted(e.qualifiers.items()))
        edge_rows.append([
            curie(e.statement), curie(e.subject), schema.predicate(e.predicate), curie(e.object),
            "mkv:" + e.predicate, "biolink:Association", "knowledge_assertion", "manual_agent",
            "infores:myoclonus-kg", e.quote,
            "" if e.quote_start is None else str(e.quote_start),
            "" if e.quote_end is None else str(e.quote_end),
            e.status, e.correction, e.reference, qualifiers])
    _tsv(directory / "edges.tsv", edge_header, edge_rows)
