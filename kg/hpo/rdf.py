"""N-Quads text for the HPO graph, handed on in batches (parsed to quads, or written to a file).

Building a pyoxigraph ``Quad`` from Python costs about as much as parsing its N-Quads line
in Rust, so the import formats lines (cheap string work) and passes them on in batches of
about :data:`BATCH_LINES` lines to a consumer: :class:`QuadCollector` parses each batch into
quads, a file's ``write`` streams it to disk. Nothing holds the whole graph as text.

Every edge goes through :meth:`QuadSink.edge`, which also writes its reification: an
``rdf:Statement`` and ``mkv:ImportedStatement`` with ``rdf:subject``/``rdf:predicate``/
``rdf:object``, the evidence codes, the references (``mkv:publication``), the raw frequencies
(``mkv:frequencyValue``) and ``mkv:sourceDocument``. Its IRI is deterministic:
``mks:hpo-`` plus the first 16 hex digits of the SHA-1 of ``subject|predicate|object``.

Examples
--------
>>> collector = QuadCollector()
>>> sink = QuadSink("https://example.org/src", collector)
>>> sink.edge("http://purl.obolibrary.org/obo/HP_0001", MKV.subtypeOf,
...           "http://purl.obolibrary.org/obo/HP_0002", evidence=["KG-IS-A"])
>>> sink.close()
>>> len(collector.quads), sink.triples
(8, 8)
>>> statement_iri("a", "b", "c") == statement_iri("a", "b", "c")
True
"""

from __future__ import annotations

from typing import Callable, Iterable

import pyoxigraph as ox

from kg.hpo.errors import HPOImportError
from kg.namespace import GRAPH_HPO
from kg.vocab import MKV, RDF as RDF_TERMS, RDFS, hashed_statement

__all__ = ["QuadSink", "QuadCollector", "statement_iri", "literal", "iri", "RDF_TYPE", "RDFS_LABEL",
           "BATCH_LINES"]

RDF_TYPE = RDF_TERMS.type
RDFS_LABEL = RDFS.label
#: Lines per batch handed to the consumer.
BATCH_LINES = 100_000

_ESCAPE = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
_ESCAPE.update({c: f"\\u{c:04X}" for c in range(0x20) if c not in _ESCAPE})
_ESCAPE[0x7F] = "\\u007F"


def literal(text: str) -> str:
    """An N-Quads plain literal.

    Examples
    --------
    >>> literal('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    """
    return '"' + text.translate(_ESCAPE) + '"'


def iri(value: str) -> str:
    """An N-Quads IRI (the value is trusted: built from checked identifiers)."""
    return "<" + value + ">"


def statement_iri(s: str, p: str, o: str) -> str:
    """The deterministic IRI of the statement reifying ``s p o`` (IRIs or literal text)."""
    return hashed_statement("hpo", s, p, o)


class QuadCollector:
    """A consumer that parses each batch of N-Quads text into pyoxigraph quads."""

    def __init__(self) -> None:
        self.quads: list[ox.Quad] = []

    def __call__(self, text: str) -> None:
        """Parse one batch.

        Raises
        ------
        HPOImportError
            If the text is not valid N-Quads (a bug in the import, never bad input).
        """
        try:
            self.quads.extend(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
        except SyntaxError as exc:
            raise HPOImportError(f"internal error: the HPO import wrote invalid N-Quads: {exc}") from None


class QuadSink:
    """Formats the quads of the HPO named graph, in the order they are added.

    Parameters
    ----------
    source : str
        IRI of the ``mkv:SourceDocument`` every statement points to.
    consumer : callable
        Receives the text of each batch of lines (e.g. a :class:`QuadCollector`, or a
        file's ``write``); call :meth:`close` to flush the last batch.
    graph : str
        The named graph (default: the HPO graph).
    asserted : set of str, optional
        Edges (``"s|p|o"``) another graph already asserts: :meth:`edge` writes only their
        statement (the evidence), not the triple again, so a query over the union of the graphs
        sees each triple once.
    """

    def __init__(self, source: str, consumer: Callable[[str], object], graph: str = GRAPH_HPO,
                 asserted: set[str] | None = None) -> None:
        self._asserted = asserted or set()
        self._tail = " <" + graph + "> .\n"
        self._source = "<" + source + ">"
        self._consumer = consumer
        self._chunks: list[str] = []
        self._pending = 0
        self._statements: dict[str, str] = {}
        self._literals: dict[str, str] = {}
        self.triples = 0
        self.edges = 0
        t = self._tail
        self._st_head = (" <" + RDF_TYPE + "> <" + RDF_TERMS.Statement + ">" + t, " <" + RDF_TYPE + "> <"
                         + MKV.ImportedStatement + ">" + t, " <" + RDF_TERMS.subject + "> <",
                         " <" + RDF_TERMS.predicate + "> <", " <" + RDF_TERMS.object + "> <", ">" + t)
        self._ev = " <" + MKV.evidenceCode + "> "
        self._pub = " <" + MKV.publication + "> "
        self._freq = " <" + MKV.frequencyValue + "> "
        self._src = " <" + MKV.sourceDocument + "> " + self._source + t

    def _lit(self, text: str) -> str:
        found = self._literals.get(text)
        if found is None:
            found = literal(text)
            if len(self._literals) < 200_000:
                self._literals[text] = found
        return found

    def _push(self, text: str, lines: int) -> None:
        self._chunks.append(text)
        self.triples += lines
        self._pending += lines
        if self._pending >= BATCH_LINES:
            self.flush()

    def flush(self) -> None:
        """Hand the pending lines to the consumer."""
        if self._chunks:
            text = "".join(self._chunks)
            self._chunks = []
            self._pending = 0
            self._consumer(text)

    def close(self) -> None:
        """Flush the last batch."""
        self.flush()

    def add(self, s: str, p: str, o_term: str) -> None:
        """Add ``<s> <p> o_term`` (``o_term`` already formatted with :func:`iri`/:func:`literal`)."""
        self._push("<" + s + "> <" + p + "> " + o_term + self._tail, 1)

    def node(self, s: str, types: Iterable[str], label: str | None = None) -> None:
        """Type a node with our classes (local names) and give it a label."""
        for t in types:
            self.add(s, RDF_TYPE, "<" + MKV.iri(t) + ">")
        if label:
            self.add(s, RDFS_LABEL, literal(label))

    def edge(self, s: str, p: str, o: str, *, evidence: Iterable[str] = (),
             publications: Iterable[str] = (), frequencies: Iterable[str] = ()) -> None:
        """Add the edge ``<s> <p> <o>`` and its reified statement with the evidence.

        Evidence codes, publications and frequencies are de-duplicated and sorted.

        Raises
        ------
        HPOImportError
            If two different edges hash to the same statement IRI (never seen; checked anyway).
        """
        key = f"{s}|{p}|{o}"
        st = hashed_statement("hpo", s, p, o)
        previous = self._statements.setdefault(st, key)
        if previous is not key and previous != key:
            raise HPOImportError(f"statement IRI collision between {previous} and {key}")
        self.edges += 1
        t = self._tail
        head = self._st_head
        sub = "<" + st + ">"
        parts = [] if key in self._asserted else ["<", s, "> <", p, "> <", o, ">", t]
        lines = 5 + (0 if key in self._asserted else 1)
        parts += [sub, head[0], sub, head[1], sub, head[2], s, head[5], sub, head[3], p, head[5],
                  sub, head[4], o, head[5]]
        lit = self._lit
        for prop, values in ((self._ev, evidence), (self._pub, publications), (self._freq, frequencies)):
            for value in sorted(set(values)):
                parts += [sub, prop, lit(value), t]
                lines += 1
        parts += [sub, self._src]
        self._push("".join(parts), lines + 1)
