"""Unit tests of the graph view (kg.viz): view data, escaping, CSP, template, notebook iframe.

No browser: the graph is the shared curated fixture graph (``real_graph``) with one hostile
entity added (a label that is an HTML tag, a quote that closes a script); the few tests about a
particular shape build a tiny graph inline.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from importlib import resources

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.errors import KGError
from kg.paths.finder import find_paths, neighbourhood
from kg.query.results import AskResult, GraphResult, ResultTable
from kg.viz import Emphasis, GraphView, build_view, render_html, show, write_html
from kg.viz.layout import numpy_available, spring_positions
from kg.viz.model import LABEL_LIMIT
from kg.viz.render import content_security_policy, json_for_script, script_hash, vis_assets
from kg.viz.select import (neighbourhood_selection, path_selection, result_selection,
                           whole_selection)
from kg.viz.styles import CATEGORY_STYLES, RESOLVERS, category_style, identifier_url
from tests.hostile import (HOSTILE_STATEMENT, XSS_LABEL, XSS_QUOTE, edges_where,
                           with_hostile_entity)

E = "https://w3id.org/myoclonus-kg/entity/"
S = "https://w3id.org/myoclonus-kg/statement/"
DATA_BLOCK = re.compile(r'<script type="application/json" id="kg-data">(.*?)</script>', re.S)
SCRIPTS = re.compile(r"<script([^>]*)>(.*?)</script>", re.S | re.I)


class Tags(HTMLParser):
    """Start and end tags as an HTML tokenizer sees them (script contents are raw text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict]] = []
        self.ends: list[str] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.script_text.append("")

    def handle_endtag(self, tag):
        self.ends.append(tag)
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text[-1] += data


@pytest.fixture(scope="module")
def graph(real_graph) -> nx.MultiDiGraph:
    return with_hostile_entity(real_graph.to_networkx())


@pytest.fixture(scope="module")
def page(graph) -> str:
    return render_html(build_view(graph, title="curated <graph>"))


def embedded(page: str) -> dict:
    blocks = DATA_BLOCK.findall(page)
    assert len(blocks) == 1
    return json.loads(blocks[0])


# ------------------------------------------------------------------ escaping
def test_json_for_script_escapes_everything_that_could_end_the_block():
    data = {"a": "</script><!-- <img src=x onerror=alert(1)> & \u2028\u2029 'q' \"d\""}
    text = json_for_script(data)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == data


def test_json_for_script_rejects_nan():
    with pytest.raises(ValueError):
        json_for_script({"x": float("nan")})


def test_hostile_text_never_appears_raw_in_the_page(page):
    assert XSS_LABEL not in page
    assert "<img" not in page.lower()
    assert "alert(2)</script>" not in page
    assert "</script><script>alert('q')" not in page
    assert "sourceMappingURL" not in page
    # Tokenised like a browser would: three script elements, the data block intact.
    tags = Tags()
    tags.feed(page)
    assert [t for t, _ in tags.starts].count("script") == 3
    assert tags.ends.count("script") == 3
    assert not any(t in ("img", "iframe", "object", "embed") for t, _ in tags.starts)
    assert json.loads(tags.script_text[0]) == embedded(page)


def test_hostile_text_survives_as_data(page):
    data = embedded(page)
    labels = {n["label"] for n in data["info"]["nodes"].values()}
    assert XSS_LABEL in labels
    quotes = {e["quote"] for e in data["info"]["edges"].values()}
    assert XSS_QUOTE in quotes
    assert data["meta"]["title"] == "curated <graph>"


def test_title_is_escaped_in_markup(page):
    assert "<title>curated &lt;graph&gt;</title>" in page


# ------------------------------------------------------------------ CSP and no network
def test_csp_meta_forbids_outside_sources(page):
    metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert len(metas) == 1
    policy = html.unescape(metas[0])
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    assert directives["img-src"] == "data:"
    for kind in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[kind]
        assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", h) for h in directives[kind].split())
    assert "'unsafe-eval'" not in directives["script-src"]
    # The CSP comes before any script or style.
    assert page.index("Content-Security-Policy") < page.index("<script")
    assert page.index("Content-Security-Policy") < page.index("<style")


def test_csp_hashes_match_the_executable_scripts_and_style_sheets(page):
    policy = html.unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1))
    allowed = set(re.search(r"script-src ([^;]*)", policy).group(1).split())
    executable = [body for attrs, body in SCRIPTS.findall(page) if "application/json" not in attrs]
    assert len(executable) == 2
    assert {script_hash(body) for body in executable} == allowed
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(styles) == 2
    assert {script_hash(body) for body in styles} == set(re.search(r"style-src ([^;]*)", policy).group(1).split())
    assert 'style="' not in page.split('id="kg-data"')[0]  # no style attribute to allow


def test_csp_hash_of_known_text():
    # echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
    assert script_hash("alert(1)") == "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    policy = content_security_policy(["'sha256-a'", "'sha256-b'"], ["'sha256-c'"])
    assert "script-src 'sha256-a' 'sha256-b'; style-src 'sha256-c'" in policy


def test_no_outside_script_style_or_image_sources(page):
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"<img[^>]*\ssrc\s*=", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", page, re.I)
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "googleapis", "bootstrapcdn", "cloudflare"):
        assert cdn not in page.lower()


def test_own_template_has_no_cdn_or_outside_url():
    base = resources.files("kg.viz")
    for name in ("template.html", "app.css"):
        text = base.joinpath(name).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, name
    app = base.joinpath("app.js").read_text(encoding="utf-8")
    # The only URL in the script is the SVG namespace; it is never fetched.
    assert set(re.findall(r"https?://[^\s\"']+", app)) == {"http://www.w3.org/2000/svg"}
    assert "innerHTML" not in app and "outerHTML" not in app and "insertAdjacentHTML" not in app
    assert "document.write" not in app and "eval(" not in app


def test_inlines_the_vis_network_build_shipped_with_pyvis(page):
    js, css = vis_assets()
    assert "@version 9.1.2" in js
    assert js[:2000] in page
    assert css[:2000] in page


# ------------------------------------------------------------------ counts and view data
def test_counts_of_nodes_and_edges_are_embedded(page, graph):
    data = embedded(page)
    assert data["meta"]["nodeCount"] == len(data["nodes"]) == graph.number_of_nodes()
    assert data["meta"]["edgeCount"] == len(data["edges"]) == graph.number_of_edges()
    assert len(data["info"]["nodes"]) == graph.number_of_nodes()
    assert len(data["info"]["edges"]) == graph.number_of_edges()


def test_node_details(graph):
    view = build_view(graph)
    clz = view.info["nodes"]["mk:clonazepam"]
    data = graph.nodes[E + "clonazepam"]
    assert clz["label"] == data["label"] == "clonazepam"
    assert clz["definition"] == data["definition"] and "benzodiazepine" in clz["definition"]
    assert clz["synonyms"] == data["synonyms"] and "Klonopin" in clz["synonyms"]
    assert [x["id"] for x in clz["xrefs"]] == data["xrefs"]
    assert {"id": "DRUGBANK:DB01068", "url": "https://go.drugbank.com/drugs/DB01068"} in clz["xrefs"]
    assert (clz["in"], clz["out"]) == (graph.in_degree(E + "clonazepam"), graph.out_degree(E + "clonazepam"))
    assert clz["url"] == E + "clonazepam"
    hostile = view.info["nodes"]["mk:hostile"]
    assert hostile["xrefs"][1] == {"id": "XYZ:javascript:alert(1)", "url": None}


def test_edge_details_carry_evidence(graph):
    view = build_view(graph)
    by_statement = {e["statement"]: e for e in view.info["edges"].values()}
    corrected = edges_where(graph, lambda d: d["status"] == "corrected" and d["correction"] and d["reference"])
    qualified = edges_where(graph, lambda d: d["qualifiers"])
    plain = edges_where(graph, lambda d: not d["correction"])
    assert corrected and qualified and plain
    for _, _, key, data in corrected:
        shown = by_statement[key]
        assert shown["quote"] == data["quote"]
        assert (shown["quoteStart"], shown["quoteEnd"]) == (data["quote_start"], data["quote_end"])
        assert (shown["status"], shown["correction"], shown["reference"]) == (
            "corrected", data["correction"], data["reference"])
    for _, _, key, data in qualified:  # a qualifier naming an entity is shown by its label
        assert by_statement[key]["qualifiers"] == {
            name: graph.nodes[value]["label"] if value in graph else value
            for name, value in data["qualifiers"].items()}
    assert "quoteStart" not in by_statement[HOSTILE_STATEMENT]  # empty values are left out
    assert all("correction" not in by_statement[key] for _, _, key, _ in plain)


def test_edge_sentence_names_both_ends_and_the_qualifiers():
    g = nx.MultiDiGraph()
    g.add_node("c", label="clonazepam", curie="mk:clonazepam")
    g.add_node("a", label="action myoclonus", curie="mk:action_myoclonus")
    g.add_edge("c", "a", key="mks:F1", predicate="treats", label="treats", quote="q",
               qualifiers={"firstLine": "true"})
    shown = next(iter(build_view(g).info["edges"].values()))
    assert shown["qualifiers"] == {"firstLine": "true"}
    assert shown["sentence"] == "clonazepam treats action myoclonus (first-line)"


def test_vis_items_come_from_pyvis_with_categories_as_groups(graph):
    view = build_view(graph)
    assert all(e["arrows"] == "to" for e in view.edges)  # pyvis Network(directed=True)
    groups = view.options["groups"]
    for node in view.nodes:
        info = view.info["nodes"][node["id"]]
        assert node["group"] == info["category"]
        assert node["shape"] == category_style(info["category"]).shape
        assert groups[node["group"]]["color"]["background"] == category_style(info["category"]).color
    assert {e["category"] for e in view.legend} == set(groups)
    assert sum(e["count"] for e in view.legend) == graph.number_of_nodes()
    assert sum(p["count"] for p in view.predicates) == graph.number_of_edges()


def test_vis_items_are_exactly_those_pyvis_makes(graph):
    # build_view makes the vis-network items itself (importing pyvis loads IPython): each item
    # must be, key order included, what pyvis's Network(directed=True) makes of the same
    # arguments, with emphasis (bold, coloured and faint elements) in play; the one intended
    # difference is the colour of a bold node, which pyvis dropped for a node with a group.
    from pyvis.network import Network

    path = find_paths(graph, E + "nhlrc1", E + "hypoxia")[0]
    hops = frozenset(zip(path.nodes, path.nodes[1:]))
    strong_edges = frozenset((u, v, k) for u, v, k in graph.edges(keys=True) if (u, v) in hops)
    view = build_view(graph, emphasis=Emphasis(nodes=frozenset(path.nodes), edges=strong_edges,
                                               dim_others=True))
    net = Network(directed=True, height="100%", width="100%")
    bold = set()
    for item in view.nodes:
        args = {k: v for k, v in item.items() if k not in ("id", "label", "shape", "color")}
        if item["borderWidth"] == 4:  # a bold node: its own dark border over its group's colour
            bold.add(item["id"])
            assert item["color"]["border"] == "#1f2933", item
        net.add_node(item["id"], label=item["label"], shape=item["shape"], **args)
    for item in view.edges:
        net.add_edge(item["from"], item["to"], **{k: v for k, v in item.items() if k not in ("from", "to", "arrows")})
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    assert bold and any("opacity" in item for item in view.nodes)
    assert all(("color" in item) == (item["id"] in bold) for item in view.nodes)
    assert json.dumps([{k: v for k, v in item.items() if k != "color"} for item in view.nodes]) == json.dumps(nodes)
    assert json.dumps(view.edges) == json.dumps(edges)
    assert any(e.get("width") == 3.5 for e in view.edges)


def test_ids_are_unique_curies_and_edges_point_at_them(graph):
    view = build_view(graph)
    ids = [n["id"] for n in view.nodes]
    assert len(set(ids)) == len(ids) and "mk:clonazepam" in ids
    eids = [e["id"] for e in view.edges]
    assert len(set(eids)) == len(eids)
    assert all(e["from"] in ids and e["to"] in ids for e in view.edges)


def test_ids_stay_unique_when_curies_clash():
    g = nx.MultiDiGraph()
    g.add_node("a", label="A", curie="X:1")
    g.add_node("b", label="B", curie="X:1")
    g.add_edge("a", "b", predicate="p")
    view = build_view(g)
    assert len({n["id"] for n in view.nodes}) == 2
    assert view.info["nodes"]["X:1"]["label"] == "A"


def test_parallel_edges_are_curved_apart(graph):
    view = build_view(graph)
    between = [e for e in view.edges if {e["from"], e["to"]} == {"mk:clonazepam", "mk:myoclonus"}]
    assert len(between) == graph.number_of_edges(E + "clonazepam", E + "myoclonus") + \
        graph.number_of_edges(E + "myoclonus", E + "clonazepam") > 1
    assert ["smooth" in e for e in between].count(False) == 1


def test_long_labels_are_cut_on_the_canvas_only():
    g = nx.MultiDiGraph()
    long = "a very long label " * 5
    g.add_node("x", label=long, category="biolink:Disease", curie="mk:x")
    view = build_view(g)
    assert len(view.nodes[0]["label"]) == LABEL_LIMIT and view.nodes[0]["label"].endswith("\u2026")
    assert view.info["nodes"]["mk:x"]["label"] == long


def test_physics_from_python_positions_below_threshold_and_off_above(graph):
    small = build_view(graph)
    assert small.layout == "seeded"
    assert small.options["physics"]["enabled"] is True
    assert small.options["physics"]["stabilization"]["enabled"] is True
    assert small.options["layout"]["improvedLayout"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in small.nodes)
    big = build_view(graph, layout_threshold=3)
    assert big.layout == "precomputed"
    assert big.options["physics"] == {"enabled": False}
    assert [(n["x"], n["y"]) for n in big.nodes] == [(n["x"], n["y"]) for n in small.nodes]


@pytest.mark.slow  # lays out large synthetic graphs
def test_stabilisation_is_shorter_for_bigger_graphs():
    sizes = [build_view(nx.MultiDiGraph(nx.gnm_random_graph(n, 2 * n, seed=4, directed=True)),
                        layout_threshold=10_000)
             .options["physics"]["stabilization"]["iterations"] for n in (20, 400, 1400)]
    assert sizes[0] == 200 and sizes[0] > sizes[1] > sizes[2] == 25


def test_emphasis_and_dimming(graph):
    path = find_paths(graph, E + "nhlrc1", E + "hypoxia")[0]
    sel = path_selection([path], context=1)
    view = build_view(sel.graph, emphasis=sel.emphasis)
    strong = {i for i, n in view.info["nodes"].items() if n["emphasis"]}
    assert strong == {graph.nodes[n]["curie"] for n in path.nodes}
    assert {"mk:nhlrc1", "mk:hypoxia"} <= strong and len(strong) > 2
    assert len(view.nodes) > len(strong)
    for node in view.nodes:
        assert ("opacity" in node) == (node["id"] not in strong)
    strong_edges = [e for e in view.edges if view.info["edges"][e["id"]]["emphasis"]]
    assert len(strong_edges) == 4  # three hops; hypoxia-myoclonus has two statements
    assert all(e["width"] == 3.5 for e in strong_edges)


def test_empty_graph_renders():
    page = render_html(build_view(nx.MultiDiGraph()))
    data = embedded(page)
    assert data["nodes"] == [] and data["edges"] == [] and data["legend"] == []


def test_plain_graph_is_accepted():
    view = build_view(nx.path_graph(3))
    assert len(view.nodes) == 3 and len(view.edges) == 2


# ------------------------------------------------------------------ styles
def test_styles_are_safe_constants():
    for style in CATEGORY_STYLES.values():
        assert re.fullmatch(r"#[0-9a-f]{6}", style.color)
        assert style.shape in {"dot", "diamond", "square", "triangle", "triangleDown", "star", "hexagon"}
    assert len({s.color for s in CATEGORY_STYLES.values()}) == len(CATEGORY_STYLES)
    spare = category_style("biolink:SomethingNew")
    assert spare == category_style("biolink:SomethingNew")
    assert re.fullmatch(r"#[0-9a-f]{6}", spare.color)


@pytest.mark.parametrize("curie, url", [
    ("HP:0001336", "https://hpo.jax.org/browse/term/HP:0001336"),
    ("OMIM:254780", "https://omim.org/entry/254780"),
    ("ORPHA:308", "https://www.orpha.net/en/disease/detail/308"),
    ("NCBIGene:7957", "https://www.ncbi.nlm.nih.gov/gene/7957"),
    ("UMLS:C0027066", "https://uts.nlm.nih.gov/uts/umls/concept/C0027066"),
    ("DRUGBANK:DB01068", "https://go.drugbank.com/drugs/DB01068"),
    ("CHEBI:3756", "https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:3756"),
    ("XYZ:1", None),
    ("HP:<script>", None),
    ("HP:", None),
    ("nocolon", None),
])
def test_identifier_links(curie, url):
    assert identifier_url(curie) == url


def test_every_resolver_is_https():
    assert all(u.startswith("https://") for u in RESOLVERS.values())


# ------------------------------------------------------------------ layout
def test_python_layout_is_deterministic_and_spread(graph):
    g = graph
    a = spring_positions(g, seed=5, engine="python")
    assert a == spring_positions(g, seed=5, engine="python")
    assert set(a) == set(g)
    assert len(set(a.values())) == len(a)
    assert a != spring_positions(g, seed=6, engine="python")


def test_layout_engine_checks():
    with pytest.raises(ValueError):
        spring_positions(nx.path_graph(2), engine="dot")
    assert spring_positions(nx.Graph()) == {}
    if not numpy_available():
        with pytest.raises(ValueError):
            spring_positions(nx.path_graph(2), engine="networkx")


# ------------------------------------------------------------------ selections
def test_whole_and_neighbourhood_selection(graph):
    assert whole_selection(graph).graph is graph
    sub = neighbourhood(graph, E + "clonazepam", 1)
    sel = neighbourhood_selection(sub, E + "clonazepam", 1)
    assert sel.mode == "neighbourhood" and sel.emphasis.focus == E + "clonazepam"
    view = build_view(sel.graph, emphasis=sel.emphasis)
    assert view.info["nodes"]["mk:clonazepam"]["distance"] == 0
    assert view.info["nodes"]["mk:clonazepam"]["emphasis"] is True
    assert E + "nhlrc1" not in sub
    with pytest.raises(KGError):
        neighbourhood_selection(sub, E + "nhlrc1", 1)


def test_path_selection_alone_and_with_context(graph):
    paths = find_paths(graph, E + "nhlrc1", E + "hypoxia")
    alone = path_selection(paths, context=0)
    assert set(alone.graph) == set(paths[0].nodes)
    assert alone.emphasis.dim_others is False
    ctx = path_selection(paths, context=1)
    assert set(ctx.graph) > set(paths[0].nodes) and ctx.emphasis.dim_others
    capped = path_selection(paths, context=1, max_context=1)
    assert len(capped.graph) == len(paths[0].nodes) + 1
    assert "nearest" in capped.description
    with pytest.raises(KGError):
        path_selection([])
    with pytest.raises(KGError):
        path_selection(paths, context=-1)


def test_select_result_draws_entities_and_edges_among_them(graph):
    table = ResultTable(["d", "x", "n"], [
        (ox.NamedNode(E + "clonazepam"), ox.NamedNode(E + "action_myoclonus"), ox.Literal("x")),
        (ox.NamedNode(E + "myoclonus"), None, ox.Literal("y")),
    ])
    sel = result_selection(table, graph, "demo")
    entities = {E + "clonazepam", E + "action_myoclonus", E + "myoclonus"}
    assert set(sel.graph) == entities
    assert sel.graph.number_of_edges() == graph.subgraph(entities).number_of_edges() > 0
    assert sel.description.startswith("SELECT demo: 2 rows, 3 entities")


def test_select_result_with_a_statement_cell_brings_its_edge(graph):
    s, o, _, data = edges_where(graph, lambda d: d["status"] == "agrees")[0]
    table = ResultTable(["st"], [(ox.NamedNode(data["statement"]),)])
    sel = result_selection(table, graph)
    assert set(sel.graph) == {s, o}
    assert len(sel.emphasis.edges) == 1


def test_construct_result_keeps_evidence_and_skips_types_and_literals(graph):
    mkv = "https://w3id.org/myoclonus-kg/vocab/"
    s, o, _, data = edges_where(graph, lambda d: d["predicate"] == "treats")[0]
    triples = [
        ox.Triple(ox.NamedNode(s), ox.NamedNode(mkv + "treats"), ox.NamedNode(o)),
        ox.Triple(ox.NamedNode(E + "clonazepam"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                  ox.NamedNode(mkv + "Drug")),
        ox.Triple(ox.NamedNode(E + "clonazepam"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                  ox.Literal("clonazepam")),
        ox.Triple(ox.NamedNode(E + "nhlrc1"), ox.NamedNode(mkv + "relatedThing"), ox.NamedNode(E + "unknown")),
    ]
    sel = result_selection(GraphResult(triples), graph, "c")
    assert sel.graph.number_of_edges() == 2
    kept = sel.graph.get_edge_data(s, o)
    assert [d["quote"] for d in kept.values()] == [
        d["quote"] for d in graph.get_edge_data(s, o).values() if d["predicate"] == "treats"]
    assert sel.graph.nodes[E + "unknown"]["label"] == "mk:unknown"
    assert "2 triples with a literal or rdf:type left out" in sel.description
    build_view(sel.graph)  # an edge without evidence still draws


def test_results_that_cannot_be_drawn(graph):
    with pytest.raises(KGError, match="ASK"):
        result_selection(AskResult(True), graph, "q")
    with pytest.raises(KGError, match="no entity"):
        result_selection(ResultTable(["n"], [(ox.Literal("1"),)]), graph, "q")
    with pytest.raises(KGError, match="nothing to draw"):
        result_selection(GraphResult([]), graph, "q")
    with pytest.raises(KGError):
        result_selection(42, graph)


# ------------------------------------------------------------------ notebook
def test_repr_html_is_a_sandboxed_srcdoc_iframe(graph):
    view = show(graph, title='a "quoted" <title>', height=480)
    frame = view._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="([^"]*)" title="([^"]*)" width="100%" '
                         r'height="480" style="[^"]*" loading="eager"></iframe>', frame)
    assert match, frame[:200]
    assert html.unescape(match.group(1)) == view.html
    assert "allow-scripts" in match.group(2).split()
    assert "allow-same-origin" not in match.group(2)
    assert html.unescape(match.group(3)) == 'a "quoted" <title>'
    assert "<script" not in frame and XSS_LABEL not in frame


def test_show_accepts_graphs_paths_results_and_kg_objects(graph, tmp_path):
    class FakeKG:
        def to_networkx(self):
            return graph

    assert len(show(FakeKG()).view.nodes) == graph.number_of_nodes()
    paths = find_paths(graph, E + "nhlrc1", E + "hypoxia")
    assert show(paths[0], context=0).view.mode == "path"
    assert show(paths).view.mode == "path"
    near = show(neighbourhood(graph, E + "nhlrc1", 2))  # what KnowledgeGraph.neighbourhood returns
    assert near.view.mode == "neighbourhood" and near.view.info["nodes"]["mk:nhlrc1"]["emphasis"]
    focus = show(graph, focus="Klonopin", depth=1)
    assert focus.view.mode == "neighbourhood" and "clonazepam" in focus.view.description
    table = ResultTable(["x"], [(ox.NamedNode(E + "nhlrc1"),)])
    assert show(table, graph=FakeKG()).view.mode == "query"
    with pytest.raises(KGError, match="graph="):
        show(table)
    with pytest.raises(KGError, match="cannot draw"):
        show("not a graph")
    out = show(graph).save(tmp_path / "g.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert isinstance(show(graph), GraphView)


def test_write_html_reports_unwritable_paths(graph, tmp_path):
    with pytest.raises(KGError, match="cannot write"):
        write_html(build_view(graph), tmp_path / "missing" / "dir" / "g.html")


def test_emphasis_defaults():
    assert Emphasis().nodes == frozenset() and not Emphasis().dim_others


# ------------------------------------------------------------------ the overview of a large graph
def test_a_large_whole_graph_becomes_an_overview_of_its_categories(real_graph, hpo_graph):
    from kg.viz import whole_selection
    from kg.viz.overview import CLUSTER_PREFIX, OVERVIEW_THRESHOLD
    from kg.viz.render import render_html

    curated, graph = real_graph.to_networkx(), hpo_graph.to_networkx()
    assert len(curated) <= OVERVIEW_THRESHOLD < len(graph)
    assert whole_selection(curated).mode == "graph"
    sel = whole_selection(graph)
    assert sel.mode == "overview"
    view = build_view(sel.graph, mode=sel.mode, description=sel.description)
    clusters = {i: n for i, n in view.info["nodes"].items() if i.startswith(CLUSTER_PREFIX)}
    cluster_of = {n: d.get("entity_class") or d["category"] for n, d in graph.nodes(data=True)}
    categories = set(cluster_of.values())
    # One cluster per category, counting all its entities; together, every entity.
    assert len(clusters) == len(categories)
    assert sum(n["memberCount"] for n in clusters.values()) == graph.number_of_nodes()
    assert sum(e["count"] for e in view.legend) == graph.number_of_nodes()
    for cid, node in clusters.items():
        assert 0 < len(node["members"]) <= min(40, node["memberCount"])
        assert all(view.info["nodes"][m]["cluster"] == cid for m in node["members"])
    # The links between clusters count the statements between categories.
    links = [e for e in view.info["edges"].values() if e["predicate"] == "overviewLink"]
    by_category = {}
    for s, o in graph.edges():
        a, b = cluster_of[s], cluster_of[o]
        if a != b:
            by_category[(a, b)] = by_category.get((a, b), 0) + 1
    assert len(links) == len(by_category)
    assert sum(int(e["sentence"].split(" ")[0].replace(",", "")) for e in links) == sum(by_category.values())
    page = render_html(view)
    assert len(page.encode()) < 3_000_000


def test_overview_reads_the_compact_graph_like_networkx(hpo_graph):
    from kg.viz.overview import overview_selection

    compact = hpo_graph.search_graph()
    a = overview_selection(compact).graph
    b = overview_selection(compact.to_networkx()).graph
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
