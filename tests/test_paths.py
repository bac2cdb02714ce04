"""``kg path`` / ``kg neighbourhood`` and the path API, checked against NetworkX run on a graph built
independently from the curation records (every fact with an object is an edge)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import EntityNotFoundError, KGError, NoPathError
from kg.namespace import ENTITY


def E(local: str) -> str:
    return ENTITY + local


@pytest.fixture(scope="module")
def yaml_graph(cur) -> nx.MultiDiGraph:
    """The curated graph rebuilt from the YAML records, without kg.paths or kg.tables."""
    g = nx.MultiDiGraph()
    for e in cur.entities:
        g.add_node(E(e.id), label=e.label, types=set(e.types))
    for f in cur.facts:
        if f.object is not None:
            g.add_edge(E(f.subject), E(f.object), key=f.id, predicate=f.predicate, quote=f.quote)
    return g


@pytest.fixture(scope="module")
def subclasses(real_graph) -> dict[str, set[str]]:
    """Class name -> itself and all its subclasses, from the ontology graph (SPARQL)."""
    rows = real_graph.sparql("SELECT ?sub ?sup WHERE { ?sub rdfs:subClassOf* ?sup . "
                             "FILTER(STRSTARTS(STR(?sub), STR(mkv:)) && STRSTARTS(STR(?sup), STR(mkv:))) }",
                             graphs=["ontology"]).to_records()
    out: dict[str, set[str]] = {}
    for sub, sup in rows:
        out.setdefault(sup.rsplit("/", 1)[1], set()).add(sub.rsplit("/", 1)[1])
    return out


def project(g: nx.MultiDiGraph, *, directed=False, edge_ok=lambda d: True, node_ok=lambda n: True,
            keep=()) -> nx.Graph:
    simple = nx.DiGraph() if directed else nx.Graph()
    nodes = [n for n in g if n in keep or node_ok(n)]
    simple.add_nodes_from(nodes)
    for s, o, d in g.edges(data=True):
        if s in simple and o in simple and s != o and edge_ok(d):
            simple.add_edge(s, o)
    return simple


def distance(simple: nx.Graph, a: str, b: str) -> int | None:
    try:
        return nx.shortest_path_length(simple, a, b)
    except nx.NetworkXNoPath:
        return None


def cli(build_dir: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--out", str(build_dir)])


def clean_exit(result) -> bool:
    return result.exception is None or isinstance(result.exception, SystemExit)


def path_json(build_dir: Path, *args: str) -> list[dict]:
    result = cli(build_dir, "path", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def check_hops(p: dict, yaml_graph, article, *, directed=False, predicates=None):
    """Every hop joins consecutive nodes with real edges of the curation, with verbatim evidence."""
    nodes = p["nodes"]
    assert len(set(nodes)) == len(nodes), "not a simple path"
    assert len(p["hops"]) == len(nodes) - 1
    for (a, b), hop in zip(zip(nodes, nodes[1:]), p["hops"]):
        assert hop, f"empty hop {a} -> {b}"
        for edge in hop:
            forward = (edge["subject"], edge["object"]) == (a, b)
            assert forward or (not directed and (edge["subject"], edge["object"]) == (b, a))
            data = yaml_graph.get_edge_data(edge["subject"], edge["object"])
            assert data and edge["predicate"] in {d["predicate"] for d in data.values()}
            if predicates is not None:
                assert predicates(edge["predicate"]), edge
            quote = edge["quote"]
            assert quote and quote in article
            assert article[edge["quote_start"]:edge["quote_end"]] == quote


# ------------------------------------------------------------------ kg path hypoxia clonazepam
def test_path_prints_each_hop_with_verbatim_evidence(real_build, real_graph, yaml_graph, article):
    result = cli(real_build, "path", "hypoxia", "clonazepam")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    head = re.match(r"Path 1 \((\d+) hops?\): (.+)$", lines[0])
    assert head, lines[0]
    n_hops = int(head.group(1))
    labels = head.group(2).split(" → ")
    assert labels[0] == real_graph.to_networkx().nodes[E("hypoxia")]["label"]
    assert labels[-1] == "clonazepam" and len(labels) == n_hops + 1
    hop_numbers, evidence = [], []
    for i, line in enumerate(lines):
        m = re.match(r"\s+(\d+)\. (.+)\.$", line)
        if m:
            hop_numbers.append(int(m.group(1)))
            ev = re.match(r"\s+evidence \[(\d+):(\d+)\]: \u201c(.+)\u201d$", lines[i + 1])
            assert ev, f"hop without evidence: {line!r}"
            evidence.append((int(ev.group(1)), int(ev.group(2)), ev.group(3)))
    assert set(hop_numbers) == set(range(1, n_hops + 1))
    for start, end, quote in evidence:
        assert quote in article and article[start:end] == quote


def test_path_is_a_shortest_path_of_real_edges(real_build, real_graph, yaml_graph, article):
    paths = path_json(real_build, "hypoxia", "clonazepam")
    undirected = project(yaml_graph)
    expected = nx.shortest_path_length(undirected, E("hypoxia"), E("clonazepam"))
    assert expected == nx.shortest_path_length(real_graph.to_networkx().to_undirected(),
                                               E("hypoxia"), E("clonazepam"))
    g = real_graph.to_networkx()
    for p in paths:
        assert p["nodes"][0] == E("hypoxia") and p["nodes"][-1] == E("clonazepam")
        assert len(p["nodes"]) - 1 == expected
        for a, b in zip(p["nodes"], p["nodes"][1:]):
            assert g.has_edge(a, b) or g.has_edge(b, a)
        check_hops(p, yaml_graph, article)
    # By default all shortest paths are returned.
    assert sorted(p["nodes"] for p in paths) == \
        sorted(nx.all_shortest_paths(undirected, E("hypoxia"), E("clonazepam")))


def test_k_shortest_paths(real_build, yaml_graph, article):
    paths = path_json(real_build, "hypoxia", "clonazepam", "--k", "3")
    assert len(paths) == 3
    assert len({tuple(p["nodes"]) for p in paths}) == 3
    lengths = [len(p["nodes"]) - 1 for p in paths]
    assert lengths == sorted(lengths)
    reference = itertools.islice(nx.shortest_simple_paths(project(yaml_graph), E("hypoxia"),
                                                          E("clonazepam")), 3)
    assert lengths == [len(p) - 1 for p in reference]
    for p in paths:
        check_hops(p, yaml_graph, article)


def test_k_must_be_positive(real_build, real_graph):
    result = cli(real_build, "path", "hypoxia", "clonazepam", "--k", "0")
    assert result.exit_code == 1 and clean_exit(result) and "k must be" in result.stderr
    with pytest.raises(KGError):
        real_graph.path("hypoxia", "clonazepam", k=-1)


# ----------------------------------------------------------------------------- --directed
def test_directed_respects_edge_direction(real_build, real_graph, yaml_graph, article):
    undirected, directed = project(yaml_graph), project(yaml_graph, directed=True)
    a, b = E("hypoxia"), E("clonazepam")
    if not (nx.has_path(undirected, a, b) and not nx.has_path(directed, a, b)):
        a, b = next((x, y) for x, y in itertools.permutations(sorted(undirected), 2)
                    if nx.has_path(undirected, x, y) and not nx.has_path(directed, x, y))
    la, lb = yaml_graph.nodes[a]["label"], yaml_graph.nodes[b]["label"]
    assert cli(real_build, "path", la, lb).exit_code == 0
    result = cli(real_build, "path", la, lb, "--directed")
    assert result.exit_code == 1 and clean_exit(result)
    assert "no directed path" in result.stderr and result.stdout == ""
    with pytest.raises(NoPathError):
        real_graph.path(la, lb, directed=True)

    # A pair joined in the asserted direction: every hop goes forward.
    a, b = E("hypoxia"), E("myoclonus")
    assert nx.has_path(directed, a, b)
    paths = path_json(real_build, "hypoxia", "myoclonus", "--directed")
    for p in paths:
        assert len(p["nodes"]) - 1 == nx.shortest_path_length(directed, a, b)
        check_hops(p, yaml_graph, article, directed=True)


# ---------------------------------------------------------------------------- --max-length
def test_max_length(real_build, yaml_graph):
    shortest = nx.shortest_path_length(project(yaml_graph), E("hypoxia"), E("clonazepam"))
    too_short = cli(real_build, "path", "hypoxia", "clonazepam", "--max-length", str(shortest - 1))
    assert too_short.exit_code == 1 and clean_exit(too_short)
    assert f"at most {shortest - 1} hops" in too_short.stderr
    paths = path_json(real_build, "hypoxia", "clonazepam", "--max-length", str(shortest))
    assert paths and all(len(p["nodes"]) - 1 == shortest for p in paths)
    capped = path_json(real_build, "hypoxia", "clonazepam", "--k", "10", "--max-length", str(shortest + 1))
    assert capped and all(len(p["nodes"]) - 1 <= shortest + 1 for p in capped)
    uncapped = path_json(real_build, "hypoxia", "clonazepam", "--k", "10")
    assert len(capped) == sum(1 for p in uncapped if len(p["nodes"]) - 1 <= shortest + 1)


# ------------------------------------------------------------------------ predicate filters
def _pair_changed_by(yaml_graph, filtered: nx.Graph):
    """A pair (sorted, deterministic) whose distance grows under the filter but stays finite."""
    plain = project(yaml_graph)
    lengths = dict(nx.all_pairs_shortest_path_length(plain))
    for a in sorted(plain):
        for b in sorted(lengths[a]):
            if a < b and lengths[a][b] >= 2 and a in filtered and b in filtered:
                d = distance(filtered, a, b)
                if d is not None and d > lengths[a][b]:
                    return a, b, lengths[a][b], d
    pytest.skip("no pair whose path the filter lengthens")


def test_exclude_predicate(real_build, yaml_graph, article):
    filtered = project(yaml_graph, edge_ok=lambda d: d["predicate"] != "subtypeOf")
    a, b, plain, want = _pair_changed_by(yaml_graph, filtered)
    la, lb = yaml_graph.nodes[a]["label"], yaml_graph.nodes[b]["label"]
    paths = path_json(real_build, la, lb, "--exclude-predicate", "subtypeOf")
    assert paths
    for p in paths:
        assert len(p["nodes"]) - 1 == want > plain
        check_hops(p, yaml_graph, article, predicates=lambda pr: pr != "subtypeOf")


def test_include_predicates(real_build, yaml_graph, article):
    allowed = {"causes", "subtypeOf", "treats"}
    filtered = project(yaml_graph, edge_ok=lambda d: d["predicate"] in allowed)
    want = distance(filtered, E("hypoxia"), E("clonazepam"))
    assert want is not None
    for args in (["--predicate", "causes,subtypeOf,treats"],
                 ["--predicate", "causes", "--predicate", "subtypeOf", "--predicate", "treats"]):
        paths = path_json(real_build, "hypoxia", "clonazepam", *args)
        for p in paths:
            assert len(p["nodes"]) - 1 == want
            check_hops(p, yaml_graph, article, predicates=lambda pr: pr in allowed)
    # Filters that leave no path.
    none = cli(real_build, "path", "hypoxia", "clonazepam", "--predicate", "hasAdverseEffect")
    assert none.exit_code == 1 and "no undirected path" in none.stderr and clean_exit(none)


def test_unknown_predicate_is_a_clean_error(real_build):
    result = cli(real_build, "path", "hypoxia", "clonazepam", "--predicate", "treat")
    assert result.exit_code == 1 and clean_exit(result)
    assert "unknown predicate" in result.stderr and "treats" in result.stderr


# ------------------------------------------------------------------------- category filters
def test_exclude_category(real_build, yaml_graph, article):
    bad = "MyoclonusType"
    filtered_nodes = lambda n: bad not in yaml_graph.nodes[n]["types"]  # noqa: E731
    plain = project(yaml_graph)
    lengths = dict(nx.all_pairs_shortest_path_length(plain))
    found = None
    for a in sorted(plain):
        for b in sorted(lengths[a]):
            if a < b and lengths[a][b] >= 2:
                d = distance(project(yaml_graph, node_ok=filtered_nodes, keep={a, b}), a, b)
                if d is not None and d > lengths[a][b]:
                    found = (a, b, d)
                    break
        if found:
            break
    assert found, "no pair whose path excluding MyoclonusType nodes gets longer"
    a, b, want = found
    la, lb = yaml_graph.nodes[a]["label"], yaml_graph.nodes[b]["label"]
    for p in path_json(real_build, la, lb, "--exclude-category", bad):
        assert len(p["nodes"]) - 1 == want
        assert all(bad not in yaml_graph.nodes[n]["types"] for n in p["nodes"][1:-1])
        check_hops(p, yaml_graph, article)
    # Excluding the class every path needs: no path (hypoxia reaches clonazepam only via myoclonus types).
    keep = {E("hypoxia"), E("clonazepam")}
    if distance(project(yaml_graph, node_ok=filtered_nodes, keep=keep), *sorted(keep)) is None:
        none = cli(real_build, "path", "hypoxia", "clonazepam", "--exclude-category", bad)
        assert none.exit_code == 1 and "no undirected path" in none.stderr


def test_include_category(real_build, real_graph, yaml_graph, article):
    allowed = {"MyoclonusType", "Disease"}
    keep = {E("lafora_body_disease"), E("clonazepam")}
    node_ok = lambda n: bool(yaml_graph.nodes[n]["types"] & allowed)  # noqa: E731
    want = distance(project(yaml_graph, node_ok=node_ok, keep=keep), *sorted(keep))
    assert want is not None
    paths = path_json(real_build, "Lafora body disease", "clonazepam", "--category", "MyoclonusType,Disease")
    for p in paths:
        assert len(p["nodes"]) - 1 == want
        assert all(yaml_graph.nodes[n]["types"] & allowed for n in p["nodes"][1:-1])
        check_hops(p, yaml_graph, article)
    # A Biolink category works like the class it maps to.
    g = real_graph.to_networkx()
    category = g.nodes[E("myoclonus")]["category"]
    assert category.startswith("biolink:")
    for p in path_json(real_build, "hypoxia", "clonazepam", "--category", category):
        assert all(g.nodes[n]["category"] == category for n in p["nodes"][1:-1])
    # Only drugs inside: nothing joins hypoxia and clonazepam.
    none = cli(real_build, "path", "hypoxia", "clonazepam", "--category", "Drug")
    assert none.exit_code == 1 and clean_exit(none)


def test_exclude_category_counts_subclasses(real_graph, yaml_graph, subclasses):
    banned = subclasses["Phenotype"]
    assert "MyoclonusType" in banned
    node_ok = lambda n: not (yaml_graph.nodes[n]["types"] & banned)  # noqa: E731
    keep = {E("hypoxia"), E("clonazepam")}
    want = distance(project(yaml_graph, node_ok=node_ok, keep=keep), E("hypoxia"), E("clonazepam"))
    try:
        paths = real_graph.path("hypoxia", "clonazepam", exclude_categories=["Phenotype"])
    except NoPathError:
        assert want is None
        return
    for p in paths:
        assert not any(yaml_graph.nodes[n]["types"] & banned for n in p.nodes[1:-1]), p.labels


def test_include_category_counts_subclasses(real_graph, yaml_graph, subclasses):
    allowed = subclasses["Phenotype"]
    node_ok = lambda n: bool(yaml_graph.nodes[n]["types"] & allowed)  # noqa: E731
    keep = {E("hypoxia"), E("clonazepam")}
    want = distance(project(yaml_graph, node_ok=node_ok, keep=keep), E("hypoxia"), E("clonazepam"))
    assert want is not None
    paths = real_graph.path("hypoxia", "clonazepam", include_categories=["Phenotype"])
    assert all(len(p) == want for p in paths)


# ----------------------------------------------------------------------- kg neighbourhood
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_neighbourhood_equals_networkx_ego_graph(real_build, real_graph, yaml_graph, depth):
    center = E("clonazepam")
    ego = nx.ego_graph(real_graph.to_networkx().to_undirected(), center, radius=depth)
    assert set(ego) == set(nx.ego_graph(yaml_graph.to_undirected(), center, radius=depth))
    sub = real_graph.neighbourhood("clonazepam", depth)
    assert set(sub) == set(ego)
    dist = nx.single_source_shortest_path_length(project(yaml_graph), center, cutoff=depth)
    assert {n: d["distance"] for n, d in sub.nodes(data=True)} == dist
    # The CLI prints the same nodes, by distance, and the edges among them.
    result = cli(real_build, "neighbourhood", "clonazepam", "--depth", str(depth))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for d in range(depth + 1):
        names = sorted((yaml_graph.nodes[n]["label"] for n, k in dist.items() if k == d), key=str.casefold)
        if names:
            assert f"distance {d}: {', '.join(names)}" in lines
    induced = yaml_graph.subgraph(dist)
    assert f"edges ({induced.number_of_edges()}):" in lines


def test_directed_neighbourhood_follows_outgoing_edges(real_graph, yaml_graph):
    for depth in (1, 2):
        ego = nx.ego_graph(project(yaml_graph, directed=True), E("hypoxia"), radius=depth)
        assert set(real_graph.neighbourhood("hypoxia", depth, directed=True)) == set(ego)


def test_neighbourhood_predicate_filter(real_graph, yaml_graph):
    filtered = project(yaml_graph, edge_ok=lambda d: d["predicate"] != "hasAdverseEffect")
    sub = real_graph.neighbourhood("clonazepam", 2, exclude_predicates=["hasAdverseEffect"])
    assert set(sub) == set(nx.ego_graph(filtered, E("clonazepam"), radius=2))
    assert all(d["predicate"] != "hasAdverseEffect" for *_, d in sub.edges(data=True))


def test_old_neighbors_names_still_answer(real_build, real_graph):
    """``kg neighbors`` (hidden from --help) and ``KnowledgeGraph.neighbors`` (deprecated) are the
    old names of ``kg neighbourhood`` and ``KnowledgeGraph.neighbourhood``, and answer the same."""
    old, new = cli(real_build, "neighbors", "clonazepam"), cli(real_build, "neighbourhood", "clonazepam")
    assert old.exit_code == new.exit_code == 0, old.stderr
    assert old.stdout == new.stdout
    listed = CliRunner().invoke(main, ["--help"]).stdout
    assert " neighbourhood " in listed and " neighbors " not in listed
    with pytest.warns(DeprecationWarning, match="neighbourhood"):
        sub = real_graph.neighbors("clonazepam", 1)
    assert set(sub) == set(real_graph.neighbourhood("clonazepam", 1))


# ----------------------------------------------------------------------------- resolution
@pytest.mark.parametrize("name,expected", [
    ("clonazepam", "clonazepam"),
    ("CLONAZEPAM", "clonazepam"),
    ("Action Myoclonus", "action_myoclonus"),
    ("Klonopin", "clonazepam"),               # synonym
    ("hiccough", "hiccup"),                   # synonym
    ("action_myoclonus", "action_myoclonus"),  # entity id
    ("mk:clonazepam", "clonazepam"),          # CURIE
    (f"<{ENTITY}clonazepam>", "clonazepam"),  # IRI
    ("HP:0034360", "action_myoclonus"),       # identifier
])
def test_resolution_in_the_cli(real_build, cur, name, expected):
    label = {e.id: e.label for e in cur.entities}[expected]
    result = cli(real_build, "neighbourhood", name, "--depth", "0")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"distance 0: {label}"


def test_every_curated_label_synonym_id_and_identifier_resolves(real_graph, cur):
    names: dict[str, set[str]] = {}
    for e in cur.entities:
        for key in (e.label, *e.synonyms, e.id, f"mk:{e.id}", *(m.curie for m in e.mappings)):
            names.setdefault(key.casefold(), set()).add(e.id)
    checked = 0
    for e in cur.entities:
        for key in (e.label, e.label.upper(), *e.synonyms, e.id, f"mk:{e.id}", *(m.curie for m in e.mappings)):
            if names[key.casefold()] == {e.id}:
                assert real_graph.resolve(key) == E(e.id), key
                checked += 1
    assert checked > 4 * len(cur.entities)
    xrefs = [(m.curie, e.id) for e in cur.entities for m in e.mappings]
    assert any(c.startswith("HP:") for c, _ in xrefs) and any(c.startswith("OMIM:") for c, _ in xrefs)


def test_unknown_entity_exits_1_with_suggestions(real_build, real_graph):
    result = cli(real_build, "path", "hypoxa", "clonazepam")
    assert result.exit_code == 1 and clean_exit(result)
    assert "did you mean" in result.stderr and "hypoxia" in result.stderr
    assert result.stdout == ""
    result = cli(real_build, "neighbourhood", "clonazepan")
    assert result.exit_code == 1 and "clonazepam" in result.stderr
    with pytest.raises(EntityNotFoundError) as info:
        real_graph.resolve("clonazepan")
    assert "clonazepam" in info.value.suggestions


def test_no_path_between_components(real_build, real_graph, yaml_graph):
    components = sorted((sorted(c) for c in nx.connected_components(project(yaml_graph))), key=len)
    if len(components) < 2:
        pytest.skip("the curated graph is connected")
    a, b = components[0][0], components[-1][0]
    la, lb = yaml_graph.nodes[a]["label"], yaml_graph.nodes[b]["label"]
    result = cli(real_build, "path", la, lb)
    assert result.exit_code == 1 and clean_exit(result)
    assert "no undirected path" in result.stderr and la in result.stderr and result.stdout == ""
    with pytest.raises(NoPathError):
        real_graph.path(la, lb)


def test_same_source_and_target_is_a_clean_error(real_build):
    result = cli(real_build, "path", "clonazepam", "Klonopin")
    assert result.exit_code == 1 and clean_exit(result) and "same entity" in result.stderr


def test_path_api_text_and_dict(real_graph):
    [p] = real_graph.path("hypoxia", "clonazepam")[:1]
    assert p.labels[0] == real_graph.to_networkx().nodes[E("hypoxia")]["label"]
    assert p.labels[-1] == "clonazepam"
    text = p.text()
    assert text.splitlines()[0] == " → ".join(p.labels)
    for hop in p.to_dict()["hops"]:
        for edge in hop:
            assert edge["sentence"] and f"\u201c{edge['quote']}\u201d" in text


def test_path_filters_use_the_schema_the_graph_was_built_with(real_build, monkeypatch):
    """Excluding Phenotype excludes its subclass MyoclonusType, by the class hierarchy of the
    ontology built into the graph, even when the shipped ontology has changed since."""
    import kg.schema
    from kg.errors import NoPathError

    with pytest.raises(NoPathError):
        kg.load(real_build, build=False).path("hypoxia", "clonazepam", exclude_categories=["Phenotype"])
    graph = kg.load(real_build, build=False)
    monkeypatch.setattr(kg.schema, "load_schema", lambda path=None: kg.schema.Schema())  # no classes at all
    assert "MyoclonusType" in graph.schema.classes
    with pytest.raises(NoPathError):
        graph.path("hypoxia", "clonazepam", exclude_categories=["Phenotype"])
