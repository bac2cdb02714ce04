"""What a push must change in one graph on the server: the triples to add and to remove.

``kg push`` (the ``diff`` swap of :mod:`kg.remote.gsp`) writes only what differs between the
graph on the server and the graph in ``kg.nq``. The server's copy is read once
(:class:`ServerCopy`), as *fingerprints*: a 128-bit BLAKE2b digest of each triple's
N-Triples form, so a graph of millions of triples costs tens of bytes a triple in memory,
not its text. Then each triple of the file is looked up (:meth:`GraphChanges.add`): a
triple the server has is marked; one it lacks is an addition; the server's unmarked
triples are the removals.

Blank nodes have no identity outside one document, so a triple with a blank node cannot be
looked up. A graph's blank-node triples (the ontology's OWL restrictions) are compared
whole instead: the server's and the file's are each put in canonical form (W3C RDF Dataset
Canonicalization, RDFC-1.0, :meth:`pyoxigraph.Dataset.canonicalize`), and if the two are the
same graph nothing changes; otherwise all of the server's blank-node triples are removed and
all of the file's added (:attr:`GraphChanges.replace_blank`).

Examples
--------
>>> import pyoxigraph as ox
>>> p = ox.NamedNode("http://example.org/p")
>>> t = ox.Triple(ox.NamedNode("http://example.org/a"), p, ox.Literal("x"))
>>> u = ox.Triple(ox.NamedNode("http://example.org/b"), p, ox.Literal("y"))
>>> changes = GraphChanges("http://example.org/g", ServerCopy([t]))
>>> changes.add(t), changes.add(u)
(False, True)
>>> changes.finish()
>>> changes.added, changes.removed, changes.count
(1, 0, 2)
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator

import pyoxigraph as ox

__all__ = ["fingerprint", "has_blank", "same_blank_part", "ServerCopy", "GraphChanges", "BLANK_LIMIT",
           "SAMPLE"]

#: Above this many blank-node triples (on either side) the canonical comparison is not
#: tried (its worst case grows exponentially with the blank nodes): they are replaced.
BLANK_LIMIT = 50_000
#: Added and removed triples kept per graph to check, after the push, that the change
#: landed (it is one transaction or one bulk load: all of it landed, or none).
SAMPLE = 20


def fingerprint(triple: ox.Triple) -> bytes:
    """A 128-bit digest of a triple (BLAKE2b of its N-Triples form).

    Two different triples have the same digest with a probability of about 2^-128, so in
    a graph of n triples a wrong match has a probability of about n^2 / 2^129.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> t = ox.Triple(ox.NamedNode("http://a"), ox.NamedNode("http://p"), ox.Literal("x", language="en"))
    >>> len(fingerprint(t)), fingerprint(t) == fingerprint(ox.Triple(t.subject, t.predicate, t.object))
    (16, True)
    """
    return hashlib.blake2b(str(triple).encode("utf-8"), digest_size=16).digest()


def has_blank(triple: ox.Triple) -> bool:
    """Whether the triple's subject or object is a blank node."""
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def same_blank_part(ours: Iterable[ox.Triple], theirs: Iterable[ox.Triple]) -> bool:
    """Whether two sets of blank-node triples are the same graph (blank nodes renamed).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> p, c = ox.NamedNode("http://p"), ox.NamedNode("http://c")
    >>> same_blank_part([ox.Triple(ox.BlankNode("x"), p, c)], [ox.Triple(ox.BlankNode("y"), p, c)])
    True
    >>> same_blank_part([ox.Triple(ox.BlankNode("x"), p, c)], [ox.Triple(c, p, ox.BlankNode("y"))])
    False
    """
    ours, theirs = set(ours), set(theirs)
    if len(ours) != len(theirs):
        return False
    if not ours:
        return True
    if len(ours) > BLANK_LIMIT:
        return False
    graphs = []
    for triples in (ours, theirs):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        graphs.append(dataset)
    return graphs[0] == graphs[1]


class ServerCopy:
    """One graph as the server holds it: fingerprints of its triples, and its blank-node
    triples whole.

    Parameters
    ----------
    triples : iterable of pyoxigraph.Triple
        The graph's triples, as the server sent them (read once, while they stream).
    """

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.marks: dict[bytes, bool] = {}
        self.blank: list[ox.Triple] = []
        for triple in triples:
            if has_blank(triple):
                self.blank.append(triple)
            else:
                self.marks[fingerprint(triple)] = False

    def __len__(self) -> int:
        return len(self.marks) + len(set(self.blank))


class GraphChanges:
    """The changes a push makes to one graph, found while the file's triples go by.

    Parameters
    ----------
    graph : str
        The graph's IRI.
    server : ServerCopy or None
        The server's copy; ``None`` when the server does not hold the graph (every triple is
        then an addition and nothing is fingerprinted).

    Attributes
    ----------
    count : int
        Triples of the graph in the file (distinct, when the server holds the graph).
    added : int
        Triples to add (blank-node triples included once :meth:`finish` decided it).
    added_sample, removed_sample : list of pyoxigraph.Triple
        Up to :data:`SAMPLE` of the added triples and of the removed ones (without blank
        nodes; the removed ones once :meth:`removals` has run).
    """

    def __init__(self, graph: str, server: ServerCopy | None) -> None:
        self.graph = graph
        self.server = server
        self.count = 0
        self.added = 0
        self._matched = 0
        self._new: set[bytes] = set()
        self.blank: list[ox.Triple] = []
        self.replace_blank = False
        self._finished = False
        self.added_sample: list[ox.Triple] = []
        self.removed_sample: list[ox.Triple] = []

    @property
    def fresh(self) -> bool:
        """Whether the server does not hold the graph at all."""
        return self.server is None

    def add(self, triple: ox.Triple) -> bool:
        """Take the file's next triple; return whether it must be uploaded now.

        Blank-node triples of a graph the server holds are kept until :meth:`finish`.
        """
        if self.server is None:
            self.count += 1
            self.added += 1
            if len(self.added_sample) < SAMPLE and not has_blank(triple):
                self.added_sample.append(triple)
            return True
        if has_blank(triple):
            self.blank.append(triple)
            return False
        key = fingerprint(triple)
        marks = self.server.marks
        seen = marks.get(key)
        if seen is None:
            if key in self._new:
                return False  # repeated in the file
            self._new.add(key)
            self.count += 1
            self.added += 1
            if len(self.added_sample) < SAMPLE:
                self.added_sample.append(triple)
            return True
        if not seen:
            marks[key] = True
            self._matched += 1
            self.count += 1
        return False

    def finish(self) -> None:
        """Decide about the blank-node triples, once the whole file has been read."""
        if self._finished:
            return
        self._finished = True
        if self.server is None:
            return
        self.blank = list(dict.fromkeys(self.blank))
        self.count += len(self.blank)
        if not same_blank_part(self.blank, self.server.blank):
            self.replace_blank = True
            self.added += len(self.blank)

    @property
    def removed(self) -> int:
        """Triples without blank nodes that the server has and the file does not."""
        if self.server is None:
            return 0
        return len(self.server.marks) - self._matched

    @property
    def removed_blank(self) -> int:
        """Blank-node triples of the server's copy that go (all of them, or none)."""
        return len(set(self.server.blank)) if self.server is not None and self.replace_blank else 0

    @property
    def changed(self) -> bool:
        """Whether the graph on the server must change at all."""
        return bool(self.added or self.removed or self.removed_blank)

    @property
    def needs_removal(self) -> bool:
        """Whether anything must be removed (which the bulk loader cannot do)."""
        return bool(self.removed or self.removed_blank)

    def removals(self, server_triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
        """The triples to remove, from a second reading of the server's copy.

        Parameters
        ----------
        server_triples : iterable of pyoxigraph.Triple
            The graph as the server sends it again.
        """
        marks = self.server.marks if self.server is not None else {}
        self.removed_sample.clear()
        for triple in server_triples:
            if not has_blank(triple) and marks.get(fingerprint(triple)) is False:
                if len(self.removed_sample) < SAMPLE:
                    self.removed_sample.append(triple)
                yield triple
