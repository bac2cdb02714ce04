"""The compact graph: the build's path index, read without rebuilding anything.

The build writes ``paths.sqlite`` (:func:`write_compact`) next to the query store. It holds:

* the nodes (integer ids in IRI order) with their attributes, and every name each is found by
  (label, synonyms, IRI, CURIE, identifiers), case-folded and indexed, for resolution;
* the edges (integer ids in the order NetworkX iterates them) with their key and attributes
  (the evidence a path shows);
* the adjacency as arrays of integer ids (:mod:`array`, stored as blobs): each edge's
  subject, object and predicate; each node's incident edges in edge order; and the
  neighbour lists of the unfiltered projections (undirected, successors, predecessors) in
  the order NetworkX would build them, so that the searches of :mod:`kg.paths.search` give
  the same answers, tie for tie, as NetworkX on :meth:`CompactGraph.to_networkx`;
* per node, its kind (its classes with their superclasses, and its Biolink category), for the
  category filters without the schema.

:class:`CompactGraph` opens it read-only and loads only the arrays (a few MB for the full HPO
build); node and edge attributes are read on demand. It answers the part of the NetworkX
``MultiDiGraph`` interface that paths, neighbourhoods and views use (``nodes[iri]``, ``in``,
``degree``, ``get_edge_data``, ``out_edges``/``in_edges``, ``subgraph``), and builds the whole
NetworkX view on request (:meth:`CompactGraph.to_networkx`).

Examples
--------
>>> import tempfile, pathlib
>>> from kg.curation.compiler import compile_curation
>>> from kg.schema import load_schema
>>> from kg.tables import make_tables
>>> file = pathlib.Path(tempfile.mkdtemp()) / COMPACT_FILE
>>> info = write_compact(file, make_tables(compile_curation().quads, load_schema()), load_schema())
>>> graph = CompactGraph.open(file, info)
>>> graph.nodes[graph.resolve("Klonopin")]["label"]
'clonazepam'
"""

from __future__ import annotations

import array
import hashlib
import json
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from kg.errors import KGError
from kg.layout import PATHS_FILE, PATHS_FORMAT
from kg.paths.graph import close_names, edge_attributes, edge_key, lookup_key, node_attributes, resolve_name

if TYPE_CHECKING:
    import networkx as nx

    from kg.schema import Schema
    from kg.tables import Tables

__all__ = ["COMPACT_FILE", "FORMAT", "CompactGraph", "CompactGraphError", "write_compact"]

#: The file name of the compact graph in a build directory, and the version of the file's
#: layout (a reader refuses any other); defined in kg.layout so readers need not import this.
COMPACT_FILE = PATHS_FILE
FORMAT = PATHS_FORMAT
#: Type code of the stored arrays (32-bit signed integers: ids and ``~edge`` entries).
TYPECODE = "i"

_ARRAYS = ("edge_src", "edge_dst", "edge_pred", "node_kind", "inc_off", "inc_edge",
           "und_off", "und_nbr", "succ_off", "succ_nbr", "pred_off", "pred_nbr")


class CompactGraphError(KGError):
    """The compact graph file is missing, damaged or of another format."""


def _ints(values: Iterable[int] = ()) -> array.array:
    return array.array(TYPECODE, values)


def write_compact(path: Path | str, tables: "Tables", schema: "Schema") -> dict:
    """Write the compact graph of ``tables`` (all named graphs of a build) to ``path``.

    Parameters
    ----------
    path : path
        The file to create (it must not exist: the build writes it in its temporary directory).
    tables : Tables
        :func:`kg.tables.make_tables` of every quad of the build, in the store's order.
    schema : Schema
        For the attributes (labels, Biolink names) and the class hierarchy.

    Returns
    -------
    dict
        What the manifest records: ``file``, ``format``, ``nodes``, ``edges``.
    """
    path = Path(path)
    iris = list(tables.nodes)  # sorted by IRI (make_tables)
    if max(len(iris), len(tables.edges)) >= 2 ** 31 - 1:
        raise KGError(f"{len(iris)} nodes and {len(tables.edges)} edges: too many for the compact "
                      "graph's 32-bit ids")
    index = {iri: i for i, iri in enumerate(iris)}
    # The MultiDiGraph that to_networkx builds, simulated: edges grouped by subject (in node
    # order), then by object in order of first appearance, then by key; a repeated key keeps
    # its place and takes the later attributes.
    by_subject: dict[int, dict[int, dict[str, dict]]] = {}
    for e in tables.edges:
        s, o = index[e.subject], index[e.object]
        by_subject.setdefault(s, {}).setdefault(o, {})[edge_key(e)] = edge_attributes(e, schema)
    predicates: dict[str, int] = {}
    src, dst, pred = _ints(), _ints(), _ints()
    edge_rows: list[tuple[int, str, str]] = []
    for s in sorted(by_subject):
        for o, keyed in by_subject[s].items():
            for key, data in keyed.items():
                edge_rows.append((len(src), key, json.dumps(data, ensure_ascii=False, sort_keys=True)))
                src.append(s)
                dst.append(o)
                pred.append(predicates.setdefault(data["predicate"], len(predicates)))
    n, m = len(iris), len(src)

    incident: list[list[int]] = [[] for _ in range(n)]
    for edge in range(m):  # in edge order: each list stays sorted by edge id
        incident[src[edge]].append(edge)
        incident[dst[edge]].append(~edge)
    undirected: list[list[int]] = [[] for _ in range(n)]
    successors: list[list[int]] = [[] for _ in range(n)]
    predecessors: list[list[int]] = [[] for _ in range(n)]
    for x in range(n):
        seen_any: set[int] = set()
        seen_out: set[int] = set()
        seen_in: set[int] = set()
        for entry in incident[x]:
            out = entry >= 0
            edge = entry if out else ~entry
            other = dst[edge] if out else src[edge]
            if other == x:
                continue
            if other not in seen_any:
                seen_any.add(other)
                undirected[x].append(other)
            if out and other not in seen_out:
                seen_out.add(other)
                successors[x].append(other)
            if not out and other not in seen_in:
                seen_in.add(other)
                predecessors[x].append(other)

    kinds: dict[tuple, int] = {}
    node_kind = _ints()
    node_rows = []
    name_rows: list[tuple[str, int]] = []
    label_rows: dict[str, str] = {}
    for i, iri in enumerate(iris):
        node = tables.nodes[iri]
        data = node_attributes(node, schema)
        classes = set().union(*(schema.ancestors(t) | {t} for t in node.types)) if node.types else set()
        kind = (tuple(sorted(classes | {data["category"]})),)
        node_kind.append(kinds.setdefault(kind, len(kinds)))
        node_rows.append((i, iri, json.dumps(data, ensure_ascii=False, sort_keys=True)))
        names = [data["label"], *data["synonyms"]]
        keys = names + [iri, data["curie"], data["curie"].partition(":")[2], *data["xrefs"]]
        for key in dict.fromkeys(k.casefold() for k in keys if k):
            name_rows.append((key, i))
        for name in names:
            if name:
                label_rows.setdefault(name.casefold(), name)

    arrays = {
        "edge_src": src, "edge_dst": dst, "edge_pred": pred, "node_kind": node_kind,
        **_csr("inc", incident), **_csr("und", undirected), **_csr("succ", successors),
        **_csr("pred", predecessors),
    }
    blobs = {name: values.tobytes() for name, values in arrays.items()}
    meta = {"format": FORMAT, "nodes": n, "edges": m, "byteorder": sys.byteorder,
            "itemsize": array.array(TYPECODE).itemsize,
            # Checked on every load: a changed array is refused, never followed.
            "digests": {name: hashlib.sha256(blob).hexdigest() for name, blob in sorted(blobs.items())},
            "predicates": list(predicates), "kinds": [list(k[0]) for k in kinds]}
    if path.exists():
        raise KGError(f"{path}: already exists; the compact graph is written only into a new build")
    db = sqlite3.connect(path)
    try:
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE arrays (name TEXT PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE nodes (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
            CREATE TABLE edges (id INTEGER PRIMARY KEY, key TEXT NOT NULL, data TEXT NOT NULL);
            CREATE TABLE names (key TEXT NOT NULL, node INTEGER NOT NULL);
            CREATE TABLE labels (key TEXT PRIMARY KEY, name TEXT NOT NULL);
        """)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        db.executemany("INSERT INTO arrays VALUES (?, ?)", list(blobs.items()))
        db.executemany("INSERT INTO nodes VALUES (?, ?, ?)", node_rows)
        db.executemany("INSERT INTO edges VALUES (?, ?, ?)", edge_rows)
        db.executemany("INSERT INTO names VALUES (?, ?)", name_rows)
        db.executemany("INSERT INTO labels VALUES (?, ?)", list(label_rows.items()))
        db.execute("CREATE INDEX names_key ON names (key)")
        db.commit()
    finally:
        db.close()
    return {"file": path.name, "format": FORMAT, "nodes": n, "edges": m}


def _csr(name: str, lists: list[list[int]]) -> dict[str, array.array]:
    offsets, values = _ints([0]), _ints()
    for items in lists:
        values.extend(items)
        offsets.append(len(values))
    return {f"{name}_off": offsets, f"{name}_{'edge' if name == 'inc' else 'nbr'}": values}


class _Nodes:
    """``graph.nodes[iri]``: a node's attributes, read on first use."""

    def __init__(self, graph: "CompactGraph") -> None:
        self._graph = graph

    def __getitem__(self, iri: str) -> dict:
        return self._graph.node_data(self._graph.id_of(iri))

    def __contains__(self, iri: object) -> bool:
        return iri in self._graph

    def __iter__(self) -> Iterator[str]:
        return iter(self._graph)

    def __len__(self) -> int:
        return self._graph.n


class CompactGraph:
    """A build's graph read from its compact file (see the module's description).

    Use :meth:`open`; ids are integers ``0 .. n-1`` in IRI order, edges ``0 .. m-1``.
    """

    def __init__(self, path: Path, db: sqlite3.Connection, meta: dict, arrays: dict[str, array.array]) -> None:
        self.path = path
        self._db = db
        self.meta = meta
        self.n: int = meta["nodes"]
        self.m: int = meta["edges"]
        self.predicates: list[str] = meta["predicates"]
        self.kinds: list[frozenset[str]] = [frozenset(k) for k in meta["kinds"]]
        self.edge_src: array.array = arrays["edge_src"]
        self.edge_dst: array.array = arrays["edge_dst"]
        self.edge_pred: array.array = arrays["edge_pred"]
        self.node_kind: array.array = arrays["node_kind"]
        self.inc_off: array.array = arrays["inc_off"]
        self.inc_edge: array.array = arrays["inc_edge"]
        self.und_off: array.array = arrays["und_off"]
        self.und_nbr: array.array = arrays["und_nbr"]
        self.succ_off: array.array = arrays["succ_off"]
        self.succ_nbr: array.array = arrays["succ_nbr"]
        self.pred_off: array.array = arrays["pred_off"]
        self.pred_nbr: array.array = arrays["pred_nbr"]
        self._ids: dict[str, int] = {}
        self._iris: dict[int, str] = {}
        self._node_data: dict[int, dict] = {}
        self.nodes = _Nodes(self)
        # One connection, shared by the threads of a server: one statement at a time.
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path | str, expected: dict | None = None) -> "CompactGraph":
        """Open and check the compact graph file ``path``.

        Parameters
        ----------
        expected : dict, optional
            What the build's manifest recorded (``format``, ``nodes``, ``edges``); the file
            must agree.

        Raises
        ------
        CompactGraphError
            The file is missing, not a compact graph, of another format, or inconsistent
            (naming the file and the command that rebuilds it).
        """
        path = Path(path)
        rebuild = f"rebuild it: kg build --out {path.parent}"
        if not path.is_file():
            raise CompactGraphError(f"{path}: missing (the build's path index); {rebuild}")
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            meta = {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM meta")}
            if meta.get("format") != FORMAT:
                raise CompactGraphError(f"{path}: format {meta.get('format')!r}, not {FORMAT}; {rebuild}")
            arrays: dict[str, array.array] = {}
            swap = meta.get("byteorder") != sys.byteorder
            digests = meta.get("digests") or {}
            for name, blob in db.execute("SELECT name, data FROM arrays"):
                values = array.array(TYPECODE)
                if values.itemsize != meta.get("itemsize"):
                    raise CompactGraphError(f"{path}: written with {meta.get('itemsize')}-byte "
                                            f"integers; {rebuild}")
                if hashlib.sha256(blob).hexdigest() != digests.get(name):
                    raise CompactGraphError(f"{path}: damaged (array {name} differs from its "
                                            f"checksum); {rebuild}")
                values.frombytes(blob)
                if swap:
                    values.byteswap()
                arrays[name] = values
        except CompactGraphError:
            raise
        except (sqlite3.Error, ValueError, TypeError, AttributeError) as exc:
            raise CompactGraphError(f"{path}: damaged ({exc}); {rebuild}") from None
        problem = _inconsistency(meta, arrays, expected)
        if problem:
            raise CompactGraphError(f"{path}: damaged ({problem}); {rebuild}")
        return cls(path, db, meta, arrays)

    # ------------------------------------------------------------------ nodes
    def id_of(self, iri: str) -> int:
        """The integer id of ``iri``.

        Raises
        ------
        KeyError
            If ``iri`` is not a node.
        """
        found = self._ids.get(iri)
        if found is None:
            row = self._query_one("SELECT id FROM nodes WHERE iri = ?", (iri,))
            if row is None:
                raise KeyError(iri)
            found = self._ids[iri] = row[0]
            self._iris[found] = iri
        return found

    def iri_of(self, node: int) -> str:
        """The IRI of node ``node``."""
        found = self._iris.get(node)
        if found is None:
            self._load_nodes([node])
            found = self._iris[node]
        return found

    def node_data(self, node: int) -> dict:
        """The attributes of node ``node`` (as :func:`kg.paths.graph.to_networkx` gives them)."""
        data = self._node_data.get(node)
        if data is None:
            self._load_nodes([node])
            data = self._node_data[node]
        return data

    def _load_nodes(self, ids: Iterable[int]) -> None:
        todo = sorted({i for i in ids if i not in self._node_data})
        for chunk in _chunks(todo):
            marks = ",".join("?" * len(chunk))
            for i, iri, data in self._query(f"SELECT id, iri, data FROM nodes WHERE id IN ({marks})", chunk):
                self._node_data[i] = json.loads(data)
                self._iris[i] = iri
                self._ids[iri] = i

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str):
            return False
        try:
            self.id_of(iri)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        for i, iri in self._query("SELECT id, iri FROM nodes ORDER BY id"):
            yield iri

    def __len__(self) -> int:
        return self.n

    def number_of_nodes(self) -> int:
        return self.n

    def number_of_edges(self) -> int:
        return self.m

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return True

    def degree(self, iri: str) -> int:
        """In- plus out-edges of ``iri`` (a self-loop counts twice), as NetworkX counts them."""
        x = self.id_of(iri)
        return self.inc_off[x + 1] - self.inc_off[x]

    # ------------------------------------------------------------------ edges
    def edges_data(self, ids: Iterable[int]) -> dict[int, tuple[str, dict]]:
        """``{edge id: (key, attributes)}`` for the given edges."""
        out: dict[int, tuple[str, dict]] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for e, key, data in self._query(f"SELECT id, key, data FROM edges WHERE id IN ({marks})", chunk):
                out[e] = (key, json.loads(data))
        return out

    def incident(self, node: int) -> array.array:
        """Incident edges of ``node`` in edge order: ``e`` for an out-edge, ``~e`` for an in-edge."""
        return self.inc_edge[self.inc_off[node]:self.inc_off[node + 1]]

    def get_edge_data(self, u: str, v: str, default: Any = None) -> Any:
        """``{key: attributes}`` of the edges from ``u`` to ``v``, or ``default`` if none."""
        if u not in self or v not in self:
            return default
        x, y = self.id_of(u), self.id_of(v)
        ids = [entry for entry in self.incident(x) if entry >= 0 and self.edge_dst[entry] == y]
        if not ids:
            return default
        data = self.edges_data(ids)
        return {data[e][0]: data[e][1] for e in ids}

    def out_edges(self, iri: str, data: bool = False) -> list:
        return self._edges(iri, out=True, data=data)

    def in_edges(self, iri: str, data: bool = False) -> list:
        return self._edges(iri, out=False, data=data)

    def _edges(self, iri: str, *, out: bool, data: bool) -> list:
        x = self.id_of(iri)
        ids = [entry if out else ~entry for entry in self.incident(x) if (entry >= 0) == out]
        self._load_nodes([self.edge_dst[e] if out else self.edge_src[e] for e in ids])
        rows = self.edges_data(ids) if data else {}
        edges = []
        for e in ids:
            s, o = self.iri_of(self.edge_src[e]), self.iri_of(self.edge_dst[e])
            edges.append((s, o, rows[e][1]) if data else (s, o))
        return edges

    def subgraph(self, iris: Iterable[str]) -> "nx.MultiDiGraph":
        """The subgraph induced by ``iris``, as a new NetworkX MultiDiGraph (a copy)."""
        ids = {self.id_of(i) for i in iris if i in self}
        return self.materialise(ids, self.induced_edges(ids))

    def induced_edges(self, ids: set[int]) -> list[int]:
        """The edges between nodes of ``ids``, in edge order."""
        edges = []
        for x in ids:
            for entry in self.incident(x):
                if entry >= 0 and self.edge_dst[entry] in ids:
                    edges.append(entry)
        return sorted(edges)

    def materialise(self, ids: Iterable[int], edges: Iterable[int],
                    extra: dict[int, dict] | None = None) -> "nx.MultiDiGraph":
        """A NetworkX MultiDiGraph of the given nodes (in id order, with ``extra`` attributes
        added) and edges (in edge order)."""
        import networkx as nx

        ids = sorted(ids)
        self._load_nodes(ids)
        graph = nx.MultiDiGraph()
        for i in ids:
            graph.add_node(self._iris[i], **self._node_data[i], **(extra or {}).get(i, {}))
        edges = list(edges)
        rows = self.edges_data(edges)
        for e in edges:
            key, data = rows[e]
            graph.add_edge(self._iris[self.edge_src[e]], self._iris[self.edge_dst[e]], key=key, **data)
        return graph

    def to_networkx(self) -> "nx.MultiDiGraph":
        """The whole graph as NetworkX MultiDiGraph, equal (nodes, edges, keys, attributes and
        their order) to :func:`kg.paths.graph.to_networkx` over the build's quads."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        iris = []
        for i, iri, data in self._query("SELECT id, iri, data FROM nodes ORDER BY id"):
            graph.add_node(iri, **json.loads(data))
            iris.append(iri)
        src, dst = self.edge_src, self.edge_dst
        for e, key, data in self._query("SELECT id, key, data FROM edges ORDER BY id"):
            graph.add_edge(iris[src[e]], iris[dst[e]], key=key, **json.loads(data))
        return graph

    # ------------------------------------------------------------------ names
    def candidates(self, name: str) -> list[str]:
        """All entity IRIs that ``name`` denotes (as :meth:`kg.paths.graph.EntityIndex.candidates`)."""
        ids = [row[0] for row in self._query("SELECT node FROM names WHERE key = ?", (lookup_key(name),))]
        self._load_nodes(ids)
        return sorted({self._iris[i] for i in ids})

    def resolve(self, name: str) -> str:
        """The entity IRI for ``name`` (as :meth:`kg.paths.graph.EntityIndex.resolve`).

        Raises
        ------
        EntityNotFoundError
            No entity matches; ``suggestions`` lists the closest labels.
        """
        return resolve_name(name, self.candidates(name), self.nodes, self.suggest)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Labels or synonyms close to ``name`` (as :meth:`kg.paths.graph.EntityIndex.suggest`)."""
        return close_names(name, dict(self._query("SELECT key, name FROM labels ORDER BY rowid")), n)

    # ------------------------------------------------------------------ sqlite
    def _query(self, sql: str, params: Iterable = ()) -> list:
        try:
            with self._lock:
                return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise CompactGraphError(f"{self.path}: damaged ({exc}); rebuild it: "
                                    f"kg build --out {self.path.parent}") from None

    def _query_one(self, sql: str, params: Iterable = ()):
        rows = self._query(sql, params)
        return rows[0] if rows else None

    def __repr__(self) -> str:
        return f"CompactGraph({str(self.path)!r}, {self.n} nodes, {self.m} edges)"


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _inconsistency(meta: dict, arrays: dict[str, array.array], expected: dict | None) -> str | None:
    """What does not add up in a compact graph, or ``None``."""
    missing = [name for name in _ARRAYS if name not in arrays]
    if missing:
        return f"no array {missing[0]}"
    n, m = meta.get("nodes"), meta.get("edges")
    if not isinstance(n, int) or not isinstance(m, int):
        return "no node or edge count"
    if expected is not None:
        for key in ("format", "nodes", "edges"):
            if expected.get(key) != meta.get(key):
                return f"{key} {meta.get(key)!r}, but the manifest says {expected.get(key)!r}"
    if not (len(arrays["edge_src"]) == len(arrays["edge_dst"]) == len(arrays["edge_pred"]) == m):
        return "edge arrays of the wrong length"
    if len(arrays["node_kind"]) != n:
        return "node array of the wrong length"
    for name in ("inc", "und", "succ", "pred"):
        offsets = arrays[f"{name}_off"]
        values = arrays[f"{name}_{'edge' if name == 'inc' else 'nbr'}"]
        if len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != len(values):
            return f"offsets of {name} do not match its values"
    if len(arrays["inc_edge"]) != 2 * m:
        return "incidence array of the wrong length"
    return None
