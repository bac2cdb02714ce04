"""The compact path index (kg.paths.compact, kg.paths.search) against NetworkX.

Differential: the NetworkX view read from the compact file equals the one built from the
store's quads (nodes, edges, keys, attributes, order); every search on the compact graph
gives the answer NetworkX gives (all shortest paths, k shortest, directed or not, maximum
length, predicate and category filters, neighbourhoods), on the curated build, the HPO-subset
build and random small graphs (Hypothesis). And the file is part of the atomic build: a
missing or damaged one is a one-line error naming it and the rebuild command.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.cli import main
from kg.errors import KGError
from kg.query.engine import EDGE_GRAPHS
from kg.namespace import ENTITY
from kg.paths.compact import COMPACT_FILE, CompactGraph, CompactGraphError, write_compact
from kg.paths.finder import PathCache, PathFilter, find_paths, neighbourhood
from kg.paths.graph import tables_to_networkx, to_networkx
from kg.schema import load_schema
from kg.tables import EdgeRow, NodeRow, Tables


def _filters(predicates: list[str]) -> list[PathFilter]:
    half = frozenset(predicates[: max(1, len(predicates) // 2)])
    return [PathFilter(), PathFilter(True),
            PathFilter(False, exclude_predicates=frozenset({"subtypeOf"})),
            PathFilter(True, include_predicates=half),
            PathFilter(False, include_predicates=half, exclude_predicates=frozenset({"treats"})),
            PathFilter(False, exclude_categories=frozenset({"Disease"})),
            PathFilter(True, exclude_categories=frozenset({"biolink:Disease"})),
            PathFilter(False, include_categories=frozenset({"Drug", "Phenotype", "biolink:Gene"}))]


def _paths(graph, source, target, **kw):
    try:
        return [p.to_dict() for p in find_paths(graph, source, target, **kw)]
    except KGError as exc:  # the same error, in the same words
        return f"{type(exc).__name__}: {exc}"


def _hood(graph, center, depth, flt):
    sub = neighbourhood(graph, center, depth, flt)
    return (sorted(sub.nodes(data="distance")),
            sorted((s, o, k, json.dumps(d, sort_keys=True)) for s, o, k, d in sub.edges(keys=True, data=True)))


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    for n in a:  # the order NetworkX meets neighbours in decides ties between paths
        assert list(a.pred[n]) == list(b.pred[n])


class _EveryProjection(PathCache):
    """Keeps every projection the rounds ask for (the API keeps only the unfiltered ones).

    A projection depends on the endpoints only through those the filter's classes would leave
    out (:func:`kg.paths.finder._projection` keeps them anyway), so the key holds just those:
    the same projection is then not rebuilt for every pair of the round (0.15 s each on the
    HPO subset)."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        super().__init__(graph)
        self._made: dict[tuple, nx.Graph] = {}

    def projection(self, flt: PathFilter, endpoints: set[str]) -> nx.Graph:
        kept = frozenset(e for e in endpoints if not flt.node_ok(self.graph, e, set()))
        made = self._made.get((flt, kept))
        if made is None:
            made = self._made[flt, kept] = super().projection(flt, endpoints)
        return made


def _differential(compact: CompactGraph, reference: nx.MultiDiGraph, seed: int, rounds: int,
                  prefer: list[str] = ()) -> int:
    rng = random.Random(seed)
    nodes = list(reference)
    predicates = sorted({d["predicate"] for _, _, d in reference.edges(data=True)})
    found = 0
    cache = _EveryProjection(reference)
    for i in range(rounds):
        # Half the pairs among well-connected entities (the curated ones), half anywhere.
        pool = list(prefer) if prefer and i % 2 else nodes
        source, target = rng.sample(pool, 2)
        flt = rng.choice(_filters(predicates))
        k = rng.choice([None, None, 1, 2, 4])
        max_length = rng.choice([None, None, 2, 3])
        mine = _paths(compact, source, target, k=k, flt=flt, max_length=max_length)
        assert mine == _paths(reference, source, target, k=k, flt=flt, max_length=max_length, cache=cache), \
            (source, target, k, flt, max_length)
        found += isinstance(mine, list)
        depth = rng.choice([0, 1, 2])
        assert _hood(compact, source, depth, flt) == _hood(reference, source, depth, flt), (source, depth, flt)
    return found


# ------------------------------------------------------------------ the real builds
def test_networkx_view_from_the_compact_file_equals_the_one_from_the_store(real_graph):
    compact = real_graph._compact()
    assert isinstance(compact, CompactGraph)
    _same_graph(compact.to_networkx(), to_networkx(real_graph.engine.quads(EDGE_GRAPHS), load_schema()))


def test_curated_build_searches_agree_with_networkx(real_graph):
    compact = real_graph._compact()
    reference = to_networkx(real_graph.engine.quads(EDGE_GRAPHS), load_schema())
    curated = [n for n in reference if n.startswith(ENTITY)]
    assert _differential(compact, reference, seed=1, rounds=250, prefer=curated) > 50


def test_hpo_subset_build_searches_agree_with_networkx(hpo_graph):
    compact = hpo_graph._compact()
    reference = to_networkx(hpo_graph.engine.quads(EDGE_GRAPHS), load_schema())
    _same_graph(compact.to_networkx(), reference)
    curated = [n for n in reference if n.startswith(ENTITY)]
    assert _differential(compact, reference, seed=2, rounds=120, prefer=curated) > 20


def _edge_by_edge_projection(graph: nx.MultiDiGraph, flt: PathFilter, endpoints: set[str]) -> nx.Graph:
    """The projection as its definition says: every allowed node, then every allowed edge added
    one by one in the order graph.edges() lists them."""
    simple = nx.DiGraph() if flt.directed else nx.Graph()
    simple.add_nodes_from(n for n in graph if flt.node_ok(graph, n, endpoints))
    for s, o, d in graph.edges(data=True):
        if s in simple and o in simple and s != o and flt.edge_ok(d):
            simple.add_edge(s, o)
    return simple


def test_projection_keeps_the_order_of_nodes_and_neighbours(real_graph):
    from kg.paths.finder import _projection

    reference = to_networkx(real_graph.engine.quads(EDGE_GRAPHS), load_schema())
    predicates = sorted({d["predicate"] for _, _, d in reference.edges(data=True)})
    drug, disease = next(n for n, t in reference.nodes(data="category") if t == "biolink:Drug"), \
        next(n for n, t in reference.nodes(data="category") if t == "biolink:Disease")
    for flt in _filters(predicates):
        for endpoints in (set(), {drug, disease}):
            mine, theirs = _projection(reference, flt, endpoints), _edge_by_edge_projection(reference, flt, endpoints)
            assert type(mine) is type(theirs)
            assert list(mine.nodes) == list(theirs.nodes), flt
            # The order a search meets neighbours in decides ties between paths.
            assert [list(mine.adj[n]) for n in mine] == [list(theirs.adj[n]) for n in theirs], flt
            if flt.directed:
                assert [list(mine.pred[n]) for n in mine] == [list(theirs.pred[n]) for n in theirs], flt


def test_resolution_agrees_with_the_networkx_index(hpo_graph):
    from kg.paths.graph import EntityIndex

    compact = hpo_graph._compact()
    index = EntityIndex(compact.to_networkx())
    names = ["clonazepam", "Klonopin", "HP:0001336", "0001336", "Lafora disease", "ORPHA:501",
             "OMIM:254780", "myoclonus", "<" + ENTITY + "hypoxia>", "CSTB", "NCBIGene:1476"]
    for name in names:
        assert compact.candidates(name) == index.candidates(name), name
        if index.candidates(name):
            assert compact.resolve(name) == index.resolve(name), name
    for miss in ("clonazepan", "myoclonnus", "zzzz"):
        assert compact.candidates(miss) == []
        assert compact.suggest(miss) == index.suggest(miss)


# ------------------------------------------------------------------ random small graphs
_CLASSES = ["Drug", "Disease", "Phenotype", "MyoclonusType", "Gene", "Cause"]
_PREDICATES = ["treats", "causes", "subtypeOf", "hasPhenotype", "affects"]


@st.composite
def small_tables(draw) -> Tables:
    n = draw(st.integers(2, 9))
    nodes = {}
    for i in range(n):
        iri = f"{ENTITY}n{i:02d}"
        # Labels repeat on purpose: paths tie on their labels.
        nodes[iri] = NodeRow(iri, [draw(st.sampled_from(_CLASSES))], label=draw(st.sampled_from("abc")))
    iris = list(nodes)
    edges = draw(st.lists(st.tuples(st.sampled_from(iris), st.sampled_from(_PREDICATES),
                                    st.sampled_from(iris), st.integers(0, 2)), max_size=24))
    rows = [EdgeRow(s, p, o, f"https://w3id.org/myoclonus-kg/statement/s{j}" if j else "",
                    quote=f"{p} {j}", status="asserted") for s, p, o, j in edges]
    rows.sort(key=lambda e: (e.subject, e.predicate, e.object, e.statement))
    return Tables(nodes, rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=small_tables(), seed=st.integers(0, 1000))
def test_random_graphs_agree_with_networkx(tmp_path_factory, tables, seed):
    file = tmp_path_factory.mktemp("compact") / COMPACT_FILE
    info = write_compact(file, tables, load_schema())
    compact = CompactGraph.open(file, info)
    reference = tables_to_networkx(tables, load_schema())  # the public NetworkX view
    _same_graph(compact.to_networkx(), reference)
    _differential(compact, reference, seed=seed, rounds=12)


# ------------------------------------------------------------------ part of the atomic build
@pytest.fixture()
def build_copy(real_build, tmp_path) -> Path:
    target = tmp_path / "build"
    shutil.copytree(real_build, target)
    return target


def _path_cli(build: Path):
    return CliRunner().invoke(main, ["path", "hypoxia", "clonazepam", "--out", str(build)])


def test_manifest_records_the_compact_file(real_build):
    manifest = json.loads((real_build / "manifest.json").read_text())
    assert manifest["paths"]["file"] == COMPACT_FILE
    assert COMPACT_FILE in manifest["files"]  # checksummed like every output
    assert manifest["paths"]["nodes"] == manifest["counts"]["entities"]


def test_missing_compact_file_is_a_one_line_error(build_copy):
    (build_copy / COMPACT_FILE).unlink()
    with pytest.raises(CompactGraphError, match=f"{COMPACT_FILE}: missing.*kg build --out"):
        kg.load(build_copy, build=False).path("hypoxia", "clonazepam")
    result = _path_cli(build_copy)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert f"{COMPACT_FILE}: missing" in result.stderr and f"kg build --out {build_copy}" in result.stderr
    # The command it names repairs the build: its integrity check finds the file missing.
    from kg.build.builder import build_damage

    damage = build_damage(build_copy, json.loads((build_copy / "manifest.json").read_text()))
    assert damage and COMPACT_FILE in damage and "missing" in damage


@pytest.mark.parametrize("damage", ["garbage", "truncate", "array"])
def test_damaged_compact_file_is_a_one_line_error(build_copy, damage):
    file = build_copy / COMPACT_FILE
    if damage == "garbage":
        file.write_bytes(b"not a database at all" * 100)
    elif damage == "truncate":
        file.write_bytes(file.read_bytes()[:5000])
    else:
        db = sqlite3.connect(file)
        db.execute("UPDATE arrays SET data = substr(data, 1, 8) WHERE name = 'edge_dst'")
        db.commit()
        db.close()
    graph = kg.load(build_copy, build=False)
    with pytest.raises(CompactGraphError) as info:
        graph.path("hypoxia", "clonazepam")
    message = str(info.value)
    assert message.startswith(str(file)) and "damaged" in message
    assert f"kg build --out {build_copy}" in message and "\n" not in message
    result = _path_cli(build_copy)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {file}: damaged")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_build_without_the_compact_file_falls_back_to_networkx(build_copy, real_graph):
    manifest = json.loads((build_copy / "manifest.json").read_text())
    del manifest["paths"]  # as a build made before the compact file existed
    (build_copy / "manifest.json").write_text(json.dumps(manifest))
    (build_copy / COMPACT_FILE).unlink()
    old = kg.load(build_copy, build=False)
    assert old._compact() is None
    assert [p.to_dict() for p in old.path("hypoxia", "clonazepam")] == \
        [p.to_dict() for p in real_graph.path("hypoxia", "clonazepam")]


def test_the_compact_file_is_a_build_file_and_its_format_is_checked(build_copy):
    from kg.build.builder import build_damage
    from kg.build.directory import build_entries

    assert COMPACT_FILE in build_entries()  # replaced by the next build, never called foreign
    manifest = json.loads((build_copy / "manifest.json").read_text())
    assert build_damage(build_copy, manifest) is None
    manifest["paths"]["format"] = 0  # a build of an older version: stale, rebuilt
    assert "another format" in build_damage(build_copy, manifest)
