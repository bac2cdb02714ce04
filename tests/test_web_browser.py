"""The browser UI in headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

One Chromium for the module (``chromium`` in conftest), one ``kg serve`` on the curated
build for this module, one page shared by the query-page tests. Every request the browser
makes goes through a route that lets only the local server through and records the rest:
``test_no_outbound_requests_and_no_console_errors`` (last) checks the record and the
console. A screenshot of each page goes to ``tests/artifacts/`` (git-ignored).

Without Chromium the tests skip, unless ``CI`` is set (then they fail: CI installs it).
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.web.testing import serve
from tests.inpage import wait_in_page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
CM = "document.querySelector('.CodeMirror').CodeMirror"
#: Chromium logs every 4xx answer as a console error; the tests that send a bad query on
#: purpose expect exactly these.
EXPECTED_4XX = "Failed to load resource: the server responded with a status of 400"


class Recorder:
    """What the browser did that it must not: requests to other hosts, console errors."""

    def __init__(self, base: str) -> None:
        self.host = urllib.parse.urlsplit(base).netloc
        self.outbound: list[str] = []
        self.errors: list[str] = []
        self.allowed_errors = 0

    def route(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urllib.parse.urlsplit(url).netloc == self.host:
            route.continue_()
        else:
            self.outbound.append(url)
            route.abort()

    def console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture(scope="module")
def site(request, real_build):
    """The UI over the session's curated build (the server only reads it).

    The server starts while the module's Chromium does (each takes about a second)."""
    from concurrent.futures import ThreadPoolExecutor

    server = serve(real_build, timeout=10, max_rows=20000, workers=2)
    with ThreadPoolExecutor(1) as pool:
        starting = pool.submit(server.__enter__)
        try:
            request.getfixturevalue("chromium")
        except BaseException:  # no Chromium (a skip, or a failure in CI): stop the server
            starting.result()
            server.__exit__(None, None, None)
            raise
        base = starting.result()
    try:
        yield base
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def recorder(site) -> Recorder:
    return Recorder(site)


@pytest.fixture(scope="module")
def context(site, chromium, recorder):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    ctx.route("**/*", recorder.route)
    ctx.on("console", recorder.console)
    ctx.on("weberror", lambda e: recorder.errors.append(str(e.error)))
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def page(context, site):
    """The query page, shared by the tests of this module."""
    page = context.new_page()
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready]")
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def set_query(page, text: str) -> None:
    page.evaluate(f"(t) => {CM}.setValue(t)", text)


def editor_text(page) -> str:
    return page.evaluate(f"{CM}.getValue()")


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Wait until ``expression`` is true in the page (:func:`tests.inpage.wait_in_page`)."""
    if not wait_in_page(page, expression, timeout):
        raise AssertionError(f"timed out waiting for {expression}")


def run(page, expect: str = "#result-table tbody tr") -> None:
    page.evaluate("document.getElementById('status').textContent = ''")
    page.click("#run")
    wait_until(page, "document.getElementById('status').textContent.indexOf(' in ') > 0 || "
                           "document.getElementById('status').textContent.indexOf('failed') === 0")
    if expect:
        page.wait_for_selector(expect)


def fetch(site: str, path: str, accept: str | None = None) -> bytes:
    request = urllib.request.Request(site + path, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.read()


# ----------------------------------------------------------------------- editor
def test_editor_knows_the_predeclared_prefixes(page):
    assert page.get_attribute("body", "data-ready") == "yasqe"
    # YASQE checks the query in the change itself (so no wait here: the undefined prefix
    # below shows its error as soon as it is set, which this test asserts too).
    set_query(page, "SELECT ?drug WHERE {\n  ?drug mkv:treats mk:action_myoclonus ;\n  rdfs:label ?l .\n}")
    assert page.locator(".parseErrorIcon").count() == 0      # no "Prefix 'mkv' is not defined"
    # Typing a prefix adds no PREFIX line by itself.
    page.evaluate(f"{CM}.setCursor({{line: 2, ch: 14}})")
    page.click(".CodeMirror-code")
    page.evaluate(f"{CM}.setCursor({{line: 2, ch: 14}})")
    page.keyboard.type(" skos:")
    page.wait_for_timeout(400)
    assert "PREFIX" not in editor_text(page)
    # An undefined prefix is still an error in the margin, there as soon as the query is set.
    set_query(page, "SELECT ?x WHERE { ?x foo:bar ?y }")
    assert page.locator(".parseErrorIcon").count() == 1
    shot(page, "editor-undefined-prefix")


def test_autocompletion_by_label(page):
    set_query(page, "SELECT ?x WHERE {\n  ?x mkv:treats \n}")
    page.click(".CodeMirror-code")
    page.evaluate(f"{CM}.setCursor({{line: 1, ch: 16}})")
    page.keyboard.type("mk:clonaz")
    page.wait_for_selector(".CodeMirror-hints li")
    items = page.locator(".CodeMirror-hints li").all_text_contents()
    assert any(i.startswith("mk:clonazepam") and "clonazepam" in i.split("\u2014")[-1] for i in items), items
    shot(page, "editor-completion")
    page.keyboard.press("Enter")
    assert "?x mkv:treats mk:clonazepam" in editor_text(page)
    # By label where the local name differs: "Klonopin" is a synonym of clonazepam.
    set_query(page, "SELECT ?x WHERE {\n  ?x \n}")
    page.evaluate(f"{CM}.setCursor({{line: 1, ch: 5}})")
    page.click(".CodeMirror-code")
    page.evaluate(f"{CM}.setCursor({{line: 1, ch: 5}})")
    page.keyboard.type("mkv:trea")
    page.wait_for_selector(".CodeMirror-hints li")
    assert "mkv:treats" in page.locator(".CodeMirror-hints li").first.text_content()
    page.keyboard.press("Escape")


def test_format_lays_out_a_query_that_still_runs(page):
    messy = ("select ?d (count(?t) as ?n) where { ?d mkv:treats ?t . ?t rdfs:label ?l . "
             "filter(?d != ?t) } group by ?d order by desc(?n) limit 5")
    set_query(page, messy)
    run(page)
    before = page.locator("#result-table tbody").inner_text()
    page.click("#format")
    formatted = editor_text(page)
    assert formatted.splitlines()[0] == "SELECT ?d (COUNT(?t) AS ?n) WHERE {"
    assert "  ?d mkv:treats ?t ." in formatted.splitlines()
    assert "GROUP BY ?d" in formatted and "ORDER BY DESC(?n)" in formatted
    run(page)
    assert page.locator("#result-table tbody").inner_text() == before


# ------------------------------------------------------------ named query forms
def test_named_query_form_validates_and_follows_the_editor(page, site):
    page.select_option("#named-query", "adverse-effects")
    page.wait_for_selector("#param-drug")
    assert page.input_value("#param-drug") == "mk:clonazepam"
    # A label (synonym) resolves to the entity; the editor's VALUES follows.
    page.fill("#param-drug", "Klonopin")
    wait_until(page, "document.getElementById('param-resolved-drug').textContent.indexOf('mk:clonazepam') === 0")
    # A misspelt one is refused, with suggestions that fix it in one click.
    page.fill("#param-drug", "phenytion")
    page.wait_for_selector("#param-error-drug button")
    assert page.get_attribute("#param-drug", "aria-invalid") == "true"
    assert page.is_disabled("#run")
    shot(page, "named-form-invalid")
    page.click("#param-error-drug button >> text=phenytoin")
    wait_until(page, "document.getElementById('param-resolved-drug').textContent.indexOf('mk:phenytoin') === 0")
    assert "VALUES ?drug { mk:phenytoin }" in editor_text(page)
    run(page)
    assert "liver failure" in page.locator("#result-table tbody").inner_text()
    # The menu and the description follow the editor: never "choose", "custom query" once edited.
    assert page.eval_on_selector("#named-query", "e => e.value") == "adverse-effects"
    page.evaluate(f"{CM}.replaceRange(' # edited', {{line: {CM}.lastLine(), ch: 0}})")
    assert page.eval_on_selector("#named-query", "e => e.value") == ""
    assert page.eval_on_selector("#named-query", "e => e.selectedOptions[0].textContent") == "custom query"
    assert page.text_content("#query-description").startswith("Custom query (edited from")
    assert "choose" not in page.locator("#named-query").inner_text().lower()


def test_hpo_queries_are_disabled_with_the_reason(page):
    options = page.locator("#named-query option[data-needs='hpo']")
    assert options.count() >= 4
    for i in range(options.count()):
        option = options.nth(i)
        assert option.is_disabled() and "(needs HPO)" in option.text_content()
        assert "no HPO import" in option.get_attribute("title")
    note = page.text_content("#unavailable-note")
    assert "need the HPO import" in note and "kg build --hpo subset" in note


# ------------------------------------------------------------------ URL state
def test_permalink_back_and_reload(page, context, site):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready]")
    page.select_option("#named-query", "triggers")
    page.wait_for_selector("#param-type")
    page.evaluate("document.getElementById('status').textContent = ''")
    page.fill("#param-type", "mk:action_myoclonus")
    page.keyboard.press("Enter")
    wait_until(page, "location.search.indexOf('name=triggers') >= 0 && "
                     "location.search.indexOf('action_myoclonus') >= 0 && "
                     "document.getElementById('status').textContent.indexOf(' in ') > 0")
    named_url = page.url
    named_rows = page.locator("#result-table tbody").inner_text()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(named_url).query)["p.type"] == ["mk:action_myoclonus"]

    # A custom query lives in the URL as text.
    custom = "SELECT ?kind WHERE { ?kind mkv:subtypeOf mk:myoclonus } ORDER BY ?kind"
    set_query(page, custom)
    run(page)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["query"] == [custom]

    # Back: the named query, its parameter and its results again.
    page.go_back()
    wait_until(page, "location.search.indexOf('name=triggers') >= 0")
    wait_until(page, "document.getElementById('param-type') && "
                           "document.getElementById('param-type').value === 'mk:action_myoclonus'")
    wait_until(page, f"document.querySelector('#result-table tbody') && "
                           f"document.querySelector('#result-table tbody').innerText === {json.dumps(named_rows)}")
    assert page.eval_on_selector("#named-query", "e => e.value") == "triggers"

    # The permalink in a fresh page (and so on reload) restores query, form and results.
    other = context.new_page()
    other.goto(named_url)
    other.wait_for_selector("#result-table tbody tr")
    assert other.input_value("#param-type") == "mk:action_myoclonus"
    assert other.locator("#result-table tbody").inner_text() == named_rows
    other.reload()
    other.wait_for_selector("#result-table tbody tr")
    assert other.locator("#result-table tbody").inner_text() == named_rows
    shot(other, "permalink")
    other.close()


def test_history_restores_a_query(page):
    options = page.locator("#history option")
    texts = options.all_text_contents()
    assert len(texts) >= 3 and texts[0].startswith("History (")
    # The newest entry is the last query run (triggers, after Back).
    page.select_option("#history", "1")
    page.wait_for_selector("#result-table tbody tr")
    assert "mkv:subtypeOf mk:myoclonus" in editor_text(page)


# -------------------------------------------------------------------- results
def test_downloads_are_the_endpoints_own_answers(page, site):
    query = "SELECT ?drug ?label WHERE { ?drug mkv:treats mk:action_myoclonus ; rdfs:label ?label } ORDER BY ?label"
    set_query(page, query)
    run(page)
    shown = page.locator("#result-table tbody tr").count()
    expected = {fmt: fetch(site, "/sparql?" + urllib.parse.urlencode({"query": query}), accept)
                for fmt, accept in (("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                    ("json", "application/sparql-results+json"))}
    for fmt in ("csv", "tsv", "json"):
        with page.expect_download() as info:
            page.click(f"#dl-{fmt}")
        download = info.value
        assert download.suggested_filename == f"query.{fmt}"
        assert Path(download.path()).read_bytes() == expected[fmt], fmt
    rows = list(csv.reader(io.StringIO(expected["csv"].decode())))
    assert rows[0] == ["drug", "label"] and len(rows) - 1 == shown
    assert len(json.loads(expected["json"])["results"]["bindings"]) == shown


def test_construct_as_triples_graph_and_downloads(page, site):
    query = "CONSTRUCT { ?d mkv:treats ?t } WHERE { ?d mkv:treats ?t }"
    set_query(page, query)
    run(page, expect="#graph-frame[src]")
    status = page.text_content("#status")
    count = int(status.split()[0])
    assert status.startswith(f"{count} triple") and count > 5
    assert page.get_attribute("#tab-graph", "aria-selected") == "true"
    page.frame_locator("#graph-frame").locator("canvas").first.wait_for(timeout=20000)
    shot(page, "construct-graph")
    page.click("#tab-table")
    assert page.locator("#result-table thead th").all_text_contents() == ["subject", "predicate", "object"]
    assert page.locator("#result-table tbody tr").count() == count
    assert page.is_hidden("#dl-csv") and page.is_visible("#dl-turtle")
    with page.expect_download() as info:
        page.click("#dl-ntriples")
    triples = list(ox.parse(Path(info.value.path()).read_bytes(), format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == count
    with page.expect_download() as info:
        page.click("#dl-turtle")
    assert len(list(ox.parse(Path(info.value.path()).read_bytes(), format=ox.RdfFormat.TURTLE))) == count


def test_sort_filter_and_page_ten_thousand_rows(page):
    digits = "VALUES ?{0} {{ 0 1 2 3 4 5 6 7 8 9 }}"
    query = ("SELECT ?n ?word WHERE { " + " ".join(digits.format(v) for v in "abcd") +
             " BIND(?a * 1000 + ?b * 100 + ?c * 10 + ?d AS ?n) BIND(CONCAT('w', STR(?n)) AS ?word) }")
    set_query(page, query)
    run(page)
    assert page.text_content("#status").startswith("10,000 rows")
    assert page.text_content("#table-summary") == "rows 1\u2013100 of 10,000 rows"
    assert page.locator("#result-table tbody tr").count() == 100          # one page in the DOM
    started = time.perf_counter()
    page.click("#result-table thead th:nth-child(1) button")
    page.click("#result-table thead th:nth-child(1) button")             # descending
    sort_ms = (time.perf_counter() - started) * 1000
    first = page.locator("#result-table tbody tr").first.locator("td").all_text_contents()
    assert first == ["9999", "w9999"]
    assert page.get_attribute("#result-table thead th:nth-child(1)", "aria-sort") == "descending"
    page.click("#pager .next")
    assert page.text_content("#table-summary") == "rows 101\u2013200 of 10,000 rows"
    assert page.locator("#result-table tbody tr").first.locator("td").first.text_content() == "9899"
    page.click("#pager .last")
    assert page.locator("#result-table tbody tr").last.locator("td").first.text_content() == "0"
    page.fill("#table-filter", "w999")
    wait_until(page, "document.getElementById('table-summary').textContent.indexOf('match') > 0")
    assert page.text_content("#table-summary") == "11 rows of 10,000 match"   # w999, w9990..w9999
    shot(page, "table-10k-filtered")
    print(f"sorting 10,000 rows twice took {sort_ms:.0f} ms (two clicks, round trip included)")


def test_select_star_columns_in_query_order(page):
    set_query(page, "SELECT * WHERE { ?subject mkv:treats ?object . ?subject rdfs:label ?name } LIMIT 3")
    run(page)
    assert page.locator("#result-table thead th").all_text_contents() == ["subject", "object", "name"]
    assert page.text_content("#status").startswith("3 rows")


def test_chart_of_a_label_and_a_number(page):
    set_query(page, "SELECT ?class (COUNT(?e) AS ?entities) WHERE { ?e a ?class . "
                    "FILTER(STRSTARTS(STR(?class), STR(mkv:))) } GROUP BY ?class ORDER BY DESC(?entities)")
    run(page)
    assert not page.is_disabled("#tab-chart")
    page.click("#tab-chart")
    page.wait_for_selector("#chart[data-kind='bar']")
    rows = page.locator("#result-table tbody tr").count()
    assert int(page.get_attribute("#chart", "data-points")) == min(rows, 60)
    drawn = page.evaluate("(() => { const c = window.Chart.getChart('chart'); "
                          "return c.data.datasets[0].data.length; })()")
    assert drawn == min(rows, 60)
    shot(page, "chart-bar")
    page.select_option("#chart-kind", "line")
    page.wait_for_selector("#chart[data-kind='line']")
    # A single row of one string has nothing to chart.
    set_query(page, "SELECT ?l WHERE { mk:clonazepam rdfs:label ?l }")
    run(page)
    assert page.is_disabled("#tab-chart")
    assert page.get_attribute("#tab-table", "aria-selected") == "true"


def test_did_you_mean_for_a_misspelt_term(page, recorder):
    set_query(page, "SELECT ?drug WHERE { ?drug mkv:treat mk:action_myoclonus }")
    run(page, expect="#hints:not([hidden])")
    assert page.text_content("#status").startswith("0 rows")
    hint = page.text_content("#hints")
    assert "mkv:treat is not a term of the vocabulary; did you mean mkv:treats?" in hint
    shot(page, "did-you-mean")
    page.click("#hints button.fix")
    assert "?drug mkv:treats mk:action_myoclonus" in editor_text(page)
    run(page)
    assert "clonazepam" in page.locator("#result-table tbody").inner_text()
    # An undefined prefix: a 400 (expected in the console), and the prefix named.
    before = len(recorder.errors)
    set_query(page, "SELECT ?x WHERE { ?x foo:bar ?y }")
    run(page, expect="#hints:not([hidden])")
    assert page.text_content("#error").startswith("Syntax error at line 1, column")
    assert "Unicode" not in page.text_content("#error") and "\\u{" not in page.text_content("#error")
    hints = page.text_content("#hints")
    assert "prefix 'foo:'" in hints and "is not defined" in hints
    # A misspelt keyword: the position, and the keyword it should be, fixed in one click.
    set_query(page, "SELEC ?x WHERE { ?x mkv:treats ?y }")
    run(page, expect="#hints:not([hidden])")
    assert "\u201cSELEC\u201d (line 1) is not SPARQL; did you mean SELECT?" in page.text_content("#hints")
    page.click("#hints button.fix")
    assert editor_text(page).startswith("SELECT ?x WHERE")
    new = recorder.errors[before:]
    assert len(new) == 2 and all(EXPECTED_4XX in e for e in new), new
    recorder.allowed_errors += len(new)


# ------------------------------------------------------------------- other pages
def test_entity_page_and_graph(context, site):
    page = context.new_page()
    page.goto(site + "/entity/clonazepam")
    assert page.locator("h1").inner_text().startswith("clonazepam")
    assert page.locator("blockquote.quote").count() >= 3
    page.frame_locator("#neighbourhood").locator("canvas").first.wait_for(timeout=20000)
    assert "build " in page.text_content("#build-info")
    shot(page, "entity")
    page.goto(site + "/entity/")
    shot(page, "entities")
    page.close()


def test_path_page_counts_generalisation_and_suggestions(context, site, recorder):
    page = context.new_page()
    page.goto(site + "/path?from=hypoxia&to=clonazepam&k=3")
    assert page.text_content("#path-summary") == "3 paths: 1 of 3 hops, 2 of 4 hops."
    assert page.locator("section.path h2").first.inner_text().startswith("Path 1 (3 hops)")
    # No path follows the edges from hypoxia to clonazepam: said, then the undirected ones.
    assert "No path follows the edges in their direction" in page.text_content(".note")
    note = page.locator("section.path").first.locator(".generalisation").text_content()
    assert "broader class myoclonus" in note and "not about posthypoxic myoclonus" in note
    assert page.locator(".hop-kind").first.text_content() == "to a broader class"
    frame = page.frame_locator("#path-graph")
    frame.locator("canvas").first.wait_for(timeout=20000)
    status = frame.locator("#kg-status").text_content()
    assert "Python" not in status and "physics" not in status
    description = frame.locator("#kg-description").text_content()
    assert "(3 or 4 hops)" in description and "at most 8 neighbours" in description
    shot(page, "path")
    # A misspelt end: the suggestions stay in the path finder, with the other end and filters.
    before = len(recorder.errors)
    page.goto(site + "/path?from=hypoxa&to=clonazepam&directed=0&exclude_predicate=usedWith")
    new = recorder.errors[before:]
    assert all("status of 404" in e for e in new), new   # the page answers 404, as it should
    recorder.allowed_errors += len(new)
    links = page.locator(".error a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links and all(h.startswith("/path?") and "to=clonazepam" in h and "exclude_predicate=usedWith" in h
                         for h in links), links
    page.click(".error a >> text=brain hypoxia")
    page.wait_for_selector("section.path")
    assert page.input_value("input[name=from]") == "brain hypoxia"
    assert page.eval_on_selector("select[name=exclude_predicate]",
                                 "e => Array.from(e.selectedOptions).map(o => o.value)") == ["usedWith"]
    # No hop of the path goes through sodium valproate (a correction note may still name it).
    sentences = page.locator("section.path").first.locator(".sentence").all_inner_texts()
    assert sentences and not any("sodium valproate" in t for t in sentences)
    # The filters of the CLI are in the form; directed is the default.
    page.goto(site + "/path")
    assert page.eval_on_selector("select[name=directed]", "e => e.value") == "1"
    assert page.locator("select[name=predicate] option[value=treats]").count() == 1
    assert page.locator("select[name=category] option[value=Drug]").count() == 1
    page.close()


def test_no_outbound_requests_and_no_console_errors(page, recorder):
    """Runs last: everything above went through the recorder."""
    assert recorder.outbound == [], recorder.outbound
    # Only the 400 and 404 answers the tests asked for on purpose (counted there).
    assert len(recorder.errors) == recorder.allowed_errors, recorder.errors


# ---------------------------------------------------------------- live builds
def test_a_rebuild_is_picked_up_without_dropping_requests(chromium, fixture_copy, tmp_path):
    """``kg build`` into the served directory while a browser and a client use the server."""
    import threading

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    out = tmp_path / "build"
    build(out, data=fixture_copy, validate=False)
    with serve(out, timeout=10, workers=1) as base:
        ctx = chromium.new_context()
        # The page looks at /status on a timer (every 3 s): the test moves the page's clock on
        # (Playwright's clock, which runs in real time until then) rather than waiting for it.
        ctx.clock.install()
        recorder = Recorder(base)
        ctx.route("**/*", recorder.route)
        ctx.on("console", recorder.console)
        page = ctx.new_page()
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready]")
        first = json.loads(fetch(base, "/status"))
        assert first["generation"] == 0
        ask = "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        before = json.loads(fetch(base, ask))["results"]["bindings"][0]["n"]["value"]

        statuses: list[int] = []
        stop = threading.Event()

        def client() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                query = "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ ?s ?p ?o }} # {n}"})
                try:
                    with urllib.request.urlopen(base + query, timeout=20) as r:
                        statuses.append(r.status)
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
                except OSError:
                    statuses.append(0)

        thread = threading.Thread(target=client)
        thread.start()
        try:
            entities = fixture_copy / "entities.yaml"
            text = entities.read_text(encoding="utf-8")
            entities.write_text(text + "\n# rebuilt\n", encoding="utf-8")
            facts = fixture_copy / "facts.yaml"
            facts.write_text(facts.read_text(encoding="utf-8") + "\n", encoding="utf-8")
            build(out, data=fixture_copy, validate=False, force=True)
            deadline = time.monotonic() + 30
            while json.loads(fetch(base, "/status"))["generation"] == 0:
                assert time.monotonic() < deadline, "the server did not switch to the new build"
                time.sleep(0.05)
        finally:
            time.sleep(0.5)
            stop.set()
            thread.join()
        after = json.loads(fetch(base, "/status"))
        assert after["generation"] == 1 and after["fingerprint"] != first["fingerprint"]
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        assert json.loads(fetch(base, ask))["results"]["bindings"][0]["n"]["value"] == before
        # The page notices (at its next look at /status) and its footer names the new build.
        deadline = time.monotonic() + 15
        while page.is_hidden("#build-notice"):
            assert time.monotonic() < deadline, "the page did not notice the new build"
            page.clock.fast_forward(json.loads(page.text_content("#page-data"))["status_interval"])
            try:
                page.wait_for_selector("#build-notice:not([hidden])", timeout=250)
            except PlaywrightTimeout:
                pass  # a look at /status was under way when the clock moved: the next one
        built = after["built_at"].replace("T", " ").replace("+00:00", " UTC")
        wait_until(page, f"document.getElementById('build-info').textContent.indexOf({json.dumps(built)}) >= 0")
        shot(page, "rebuild-noticed")
        health = json.loads(fetch(base, "/health"))
        assert health["build"]["switches"] == 1 and health["workers"]["size"] == 1
        assert recorder.outbound == [] and recorder.errors == []
        ctx.close()
