"""The graph view in real headless Chromium (Debian's ``chromium`` driven by Playwright).

Locally these tests skip, with the reason, when Playwright or Chromium is missing; with
``CI`` set they fail instead. The page's own CSP forbids eval, so the tests wait with
``page.evaluate`` (which the CSP does not govern) rather than ``wait_for_function``: the
condition is polled in the page, in the source of the function evaluated (see
:meth:`Session.wait`).

Every test loads its page afresh (a new document, so no state is carried over), in the one
tab of the module: reusing the tab's renderer, whose compiled scripts are cached, halves the
cost of a load compared with a new browser context per test.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import networkx as nx
import pytest

from kg.viz import build_view, show, write_html
from tests.hostile import HOSTILE_STATEMENT, XSS_LABEL, XSS_QUOTE, edges_where, with_hostile_entity
from tests.inpage import wait_in_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium  # the module's one Chromium (tests/conftest.py)


class Session:
    """One test's use of the module's tab, recording console errors, requests and dialogs.

    It starts from an empty document (``about:blank``, the mouse in the corner, as in a new
    tab) and records only what happens from then on."""

    def __init__(self, page) -> None:
        self.page = page
        page.goto("about:blank")
        page.mouse.move(0, 0)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.listeners = {
            "console": lambda m: self.errors.append(m.text) if m.type == "error" else None,
            "pageerror": lambda e: self.errors.append(str(e)),
            "request": lambda r: self.requests.append(r.url),
            "dialog": self._dialog,
        }
        for event, listener in self.listeners.items():
            page.on(event, listener)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path, timeout: float = 60.0) -> None:
        self.page.goto(path.resolve().as_uri())
        self.wait("!!(window.kgView && window.kgView.interactive)", timeout)

    def wait(self, expression: str, timeout: float = 10.0, frame=None) -> None:
        """Wait until ``expression`` is true in the page (or ``frame``): see
        :func:`tests.inpage.wait_in_page`."""
        if not wait_in_page(frame or self.page, expression, timeout):
            raise AssertionError(f"timed out waiting for {expression}; errors: {self.errors}")

    def focus(self, node: str) -> bool:
        """``kgView.focusNode(node)``, returning once the page has drawn a frame of its
        animation (the whole 400 ms animation takes seconds of software rendering here)."""
        return self.js("(id) => new Promise((resolve, reject) => {"
                       " setTimeout(() => reject(new Error('no frame drawn after the focus')), 10000);"
                       " kgView.network.once('afterDrawing', () => resolve(true));"
                       " if (!kgView.focusNode(id)) resolve(false); })", node)

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def outbound(self) -> list[str]:
        return [u for u in self.requests if urlparse(u).scheme in NETWORK_SCHEMES]

    def close(self) -> None:
        for event, listener in self.listeners.items():
            self.page.remove_listener(event, listener)


@pytest.fixture(scope="module")
def tab(browser):
    """The module's one tab (each test loads its own page in it: see :class:`Session`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture
def session(tab):
    s = Session(tab)
    yield s
    s.close()


@pytest.fixture(scope="module")
def graph(real_graph) -> nx.MultiDiGraph:
    """The curated fixture graph with one hostile entity (tests/hostile.py)."""
    return with_hostile_entity(real_graph.to_networkx())


@pytest.fixture(scope="module")
def sample_page(graph, tmp_path_factory) -> Path:
    return write_html(build_view(graph, title="sample"), tmp_path_factory.mktemp("viz") / "sample.html")


def group_of(data: dict) -> str:
    """The legend group of a node (its entity class, else its Biolink category)."""
    return data.get("entity_class") or data["category"]


def edge_id(session: Session, statement: str) -> str:
    return session.js("(s) => Object.keys(kgView.data.info.edges).find("
                      "(id) => kgView.data.info.edges[id].statement === s)", statement)


def details_text(session: Session) -> str:
    return session.js("document.getElementById('kg-details').textContent")


# ---------------------------------------------------------------------- tests
def test_loads_offline_without_errors(session, sample_page):
    session.open(sample_page)
    assert session.errors == []
    assert session.outbound() == []
    assert session.requests == [sample_page.resolve().as_uri()]
    assert session.js("kgView.errors") == []
    assert session.js("document.body.getAttribute('data-state')") == "ready"


def test_counts_in_the_datasets_equal_the_graph(session, sample_page, graph):
    g = graph
    session.open(sample_page)
    assert session.js("kgView.nodes.length") == g.number_of_nodes()
    assert session.js("kgView.edges.length") == g.number_of_edges()
    assert session.js("kgView.visibleCounts()") == {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}


def test_physics_stabilises_then_stops(session, sample_page):
    session.open(sample_page)
    assert session.js("kgView.settledBy") == "stabilizationIterationsDone"
    assert session.js("kgView.stabilized") is True
    assert session.js("kgView.timings.interactive >= kgView.timings.stabilized")
    assert session.js("kgView.network.physics.options.enabled") is False
    before = session.js("JSON.stringify(kgView.network.getPositions())")
    session.page.wait_for_timeout(300)
    assert session.js("JSON.stringify(kgView.network.getPositions())") == before


def test_clicking_an_edge_shows_its_quote(session, sample_page, graph):
    session.open(sample_page)
    # The first straight edge whose midpoint is clear of nodes and other edges.
    point = session.js("""() => {
        const net = kgView.network;
        for (const e of kgView.edges.get()) {
            if (e.smooth) continue;
            const p = net.getPositions([e.from, e.to]);
            const mid = {x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2};
            net.moveTo({position: mid, scale: 1.5});
            const dom = net.canvasToDOM(mid);
            if (net.getEdgeAt(dom) !== e.id || net.getNodeAt(dom) !== undefined) continue;
            const box = document.getElementById('kg-canvas').getBoundingClientRect();
            return {x: box.left + dom.x, y: box.top + dom.y, edge: e.id,
                    statement: kgView.data.info.edges[e.id].statement};
        }
        return null;
    }""")
    assert point is not None
    eid = point["edge"]
    (data,) = [d for _, _, k, d in graph.edges(keys=True, data=True) if k == point["statement"]]
    session.page.mouse.click(point["x"], point["y"])
    session.wait("document.getElementById('kg-details').getAttribute('data-kind') === 'edge'")
    assert session.js("document.getElementById('kg-details').getAttribute('data-id')") == eid
    text = details_text(session)
    assert data["quote"] in text
    assert f"characters {data['quote_start']}\u2013{data['quote_end']}" in text
    assert session.js("kgView.network.getSelectedEdges()") == [eid]


def test_selected_edge_shows_status_correction_and_reference(session, sample_page, graph):
    session.open(sample_page)
    _, _, key, data = edges_where(graph, lambda d: d["correction"] and d["reference"])[0]
    eid = edge_id(session, key)
    assert session.js("(id) => kgView.selectEdge(id)", eid)
    text = details_text(session)
    assert data["quote"] in text
    assert session.js("document.querySelector('#kg-details .kg-status').textContent") == data["status"]
    assert session.js("document.querySelector('#kg-details .kg-correction').textContent") == data["correction"]
    assert session.js("document.querySelector('#kg-details .kg-reference').textContent") == data["reference"]


def test_hostile_label_and_quote_are_shown_as_text(session, sample_page):
    session.open(sample_page)
    assert session.focus("mk:hostile")  # and the focused view has been drawn
    assert session.js("document.querySelector('#kg-details .kg-label').textContent") == XSS_LABEL
    assert "<b>tags</b>" in session.js("document.querySelector('#kg-details .kg-definition').textContent")
    eid = edge_id(session, HOSTILE_STATEMENT)
    session.js("(id) => kgView.selectEdge(id)", eid)
    assert session.js("document.querySelector('#kg-details .kg-quote').textContent") == XSS_QUOTE
    # The search list shows the label too.
    session.page.fill("#kg-search", "<img")
    assert session.js("document.querySelector('#kg-search-results button').firstChild.textContent") == XSS_LABEL
    assert session.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert session.js("document.querySelectorAll('#kg-details b, #kg-details script').length") == 0
    # The non-https identifier is plain text; the HP one is a link.
    links = session.js("(id) => { kgView.selectNode(id); return Array.from("
                       "document.querySelectorAll('#kg-details a')).map((a) => a.href); }", "mk:hostile")
    assert links == ["https://w3id.org/myoclonus-kg/entity/hostile", "https://hpo.jax.org/browse/term/HP:0000001"]
    assert session.dialogs == []
    assert session.errors == [] and session.outbound() == []


def test_node_details_identifiers_and_degree(session, sample_page, graph):
    session.open(sample_page)
    session.js("kgView.selectNode('mk:clonazepam')")
    text = details_text(session)
    clz = "https://w3id.org/myoclonus-kg/entity/clonazepam"
    assert graph.nodes[clz]["definition"] in text
    n_in, n_out = graph.in_degree(clz), graph.out_degree(clz)
    assert f"{n_in + n_out} (in {n_in}, out {n_out})" in session.js(
        "document.querySelector('#kg-details .kg-degree').textContent")
    hrefs = session.js("Array.from(document.querySelectorAll('#kg-details a')).map((a) => [a.textContent, a.href, a.target, a.rel])")
    assert ["DRUGBANK:DB01068", "https://go.drugbank.com/drugs/DB01068", "_blank", "noopener noreferrer"] in hrefs


def test_hover_previews_a_node(session, sample_page, graph):
    session.open(sample_page)
    point = session.js("""() => {
        const dom = kgView.network.canvasToDOM(kgView.network.getPositions(['mk:nhlrc1'])['mk:nhlrc1']);
        const box = document.getElementById('kg-canvas').getBoundingClientRect();
        return {x: box.left + dom.x, y: box.top + dom.y};
    }""")
    session.page.mouse.move(point["x"], point["y"])
    session.wait("document.getElementById('kg-details').getAttribute('data-id') === 'mk:nhlrc1'")
    assert graph.nodes["https://w3id.org/myoclonus-kg/entity/nhlrc1"]["definition"] in details_text(session)


def test_selection_highlights_neighbours(session, sample_page, graph):
    session.open(sample_page)
    session.js("kgView.selectNode('mk:nhlrc1')")
    opacity = session.js("Object.fromEntries(kgView.nodes.get().map((n) => [n.id, n.opacity ?? 1]))")
    nhlrc1 = "https://w3id.org/myoclonus-kg/entity/nhlrc1"
    near = {graph.nodes[n]["curie"] for n in nx.all_neighbors(graph, nhlrc1)} | {"mk:nhlrc1"}
    assert len(near) > 1
    assert all(opacity[i] == 1 for i in near)
    assert all(opacity[i] < 0.5 for i in opacity if i not in near)
    session.js("kgView.select({nodes: [], edges: []})")
    opacity = session.js("Object.fromEntries(kgView.nodes.get().map((n) => [n.id, n.opacity ?? 1]))")
    assert set(opacity.values()) == {1}


def test_search_finds_a_node_by_synonym_and_focuses_it(session, sample_page):
    session.open(sample_page)
    session.page.fill("#kg-search", "klonopin")
    assert session.js("document.querySelector('#kg-search-results button').getAttribute('data-id')") == "mk:clonazepam"
    session.page.press("#kg-search", "Enter")
    assert session.js("kgView.network.getSelectedNodes()") == ["mk:clonazepam"]
    assert session.js("document.querySelector('#kg-details .kg-label').textContent") == "clonazepam"
    assert session.js("kgView.search('HP:0001336')") == ["mk:myoclonus"]  # its HPO cross-reference


def test_filters_hide_categories_and_predicates(session, sample_page, graph):
    session.open(sample_page)
    total = session.js("kgView.visibleCounts()")
    group = "MyoclonusType"
    hidden = {n for n, d in graph.nodes(data=True) if group_of(d) == group}
    touching = sum(1 for s, o in graph.edges() if s in hidden or o in hidden)
    assert hidden and touching
    session.page.click(f"#kg-legend input[value='{group}']")
    counts = session.js("kgView.visibleCounts()")
    assert counts["nodes"] == total["nodes"] - len(hidden)
    assert counts["edges"] == total["edges"] - touching  # every edge touching a hidden node
    assert session.js("kgView.nodes.length") == total["nodes"]  # hidden, not removed
    session.page.click(f"#kg-legend input[value='{group}']")
    assert session.js("kgView.visibleCounts()") == total
    causes = sum(1 for *_, d in graph.edges(data=True) if d["predicate"] == "causes")
    assert causes
    session.page.click("#kg-predicates input[value='causes']")
    assert session.js("kgView.visibleCounts()") == {"nodes": total["nodes"], "edges": total["edges"] - causes}
    session.page.click("#kg-side button[data-group='predicates'][data-value='none']")
    assert session.js("kgView.visibleCounts().edges") == 0
    session.page.click("#kg-side button[data-group='predicates'][data-value='all']")
    assert session.js("kgView.visibleCounts()") == total
    # Focusing a node of a hidden category shows the category again.
    gene = group_of(graph.nodes["https://w3id.org/myoclonus-kg/entity/nhlrc1"])
    session.page.click(f"#kg-legend input[value='{gene}']")
    session.js("kgView.focusNode('mk:nhlrc1')")
    assert session.js(f"document.querySelector(\"#kg-legend input[value='{gene}']\").checked") is True
    assert session.errors == []


def test_large_graph_uses_python_positions_and_no_physics(session, tmp_path, graph):
    view = build_view(graph, layout_threshold=3)
    page = write_html(view, tmp_path / "big.html")
    session.open(page)
    assert session.js("kgView.settledBy") == "firstDraw"
    assert session.js("kgView.network.physics.options.enabled") is False
    positions = session.js("kgView.network.getPositions()")
    for node in view.nodes:
        assert positions[node["id"]] == pytest.approx({"x": node["x"], "y": node["y"]}, abs=1)  # vis rounds
    assert session.errors == [] and session.outbound() == []


def test_notebook_iframe_runs_sandboxed(session, tmp_path, graph):
    host = tmp_path / "notebook.html"
    frame_html = show(graph, title="in a notebook", height=500)._repr_html_()
    host.write_text(f"<!DOCTYPE html><html><body><h1>notebook</h1>{frame_html}</body></html>",
                    encoding="utf-8")
    session.page.goto(host.as_uri())
    session.wait("document.querySelector('iframe') !== null")
    deadline = time.monotonic() + 30
    while len(session.page.frames) < 2 and time.monotonic() < deadline:
        session.page.wait_for_timeout(25)
    frame = session.page.frames[1]
    session.wait("!!(window.kgView && window.kgView.interactive)", 30, frame=frame)
    assert frame.evaluate("kgView.nodes.length") == graph.number_of_nodes()
    assert frame.evaluate("document.getElementById('kg-title').textContent") == "in a notebook"
    # Sandboxed without allow-same-origin: the frame cannot reach the notebook page.
    assert frame.evaluate("(() => { try { return !!window.parent.document; } catch (e) { return false; } })()") is False
    assert session.dialogs == [] and session.errors == [] and session.outbound() == []


def test_curated_graph_in_the_browser_and_screenshot(session, tmp_path_factory, real_graph):
    graph = real_graph.to_networkx()
    page = write_html(build_view(graph, title="myoclonus-kg"), tmp_path_factory.mktemp("curated") / "kg.html")
    session.open(page)
    assert session.js("kgView.nodes.length") == graph.number_of_nodes()
    assert session.js("kgView.edges.length") == graph.number_of_edges()
    assert session.errors == [] and session.outbound() == [] and session.dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / "viz-curated.png"))
    session.js("kgView.focusNode('mk:clonazepam')")
    session.page.wait_for_timeout(600)  # some of the animation, for the screenshot only
    session.page.screenshot(path=str(ARTIFACTS / "viz-curated-clonazepam.png"))
    assert (ARTIFACTS / "viz-curated.png").stat().st_size > 10_000


# ------------------------------------------------------------------ the overview of a large graph
@pytest.fixture(scope="module")
def overview_page(tmp_path_factory, hpo_graph) -> Path:
    from kg.viz import whole_selection

    sel = whole_selection(hpo_graph.to_networkx())
    assert sel.mode == "overview"
    return write_html(build_view(sel.graph, title="overview", mode=sel.mode, description=sel.description),
                      tmp_path_factory.mktemp("overview") / "overview.html")


def test_overview_shows_clusters_and_expands_one_in_the_page(session, overview_page):
    session.open(overview_page)
    shown = session.js("window.kgView.nodeView.getIds()")
    assert shown and all(i.startswith("cluster:") for i in shown)  # clusters only, members folded
    cluster = max(shown, key=lambda i: session.js("(id) => window.kgView.data.info.nodes[id].memberCount", i))
    members = session.js("(id) => window.kgView.data.info.nodes[id].members", cluster)
    assert 0 < len(members) <= 40
    # Expanding through the details panel's button: the members replace the cluster.
    session.js("(id) => window.kgView.selectNode(id)", cluster)
    assert session.page.locator("#kg-details .kg-expand").is_visible()
    session.page.locator("#kg-details .kg-expand").click()
    session.wait(f"!window.kgView.nodeView.getIds().includes({cluster!r})")
    now = set(session.js("window.kgView.nodeView.getIds()"))
    assert set(members) <= now and cluster not in now
    # The edges drawn join drawn nodes only; some join two members.
    drawn = session.js("window.kgView.edgeView.get()")
    assert all(e["from"] in now and e["to"] in now for e in drawn)
    # Searching a folded member of another cluster expands that cluster.
    other = next(i for i in shown if i != cluster)
    member = session.js("(id) => window.kgView.data.info.nodes[id].members[0]", other)
    assert session.js("(id) => window.kgView.focusNode(id)", member)
    assert member in session.js("window.kgView.nodeView.getIds()")
    assert session.errors == [] and session.outbound() == [] and session.dialogs == []
