"""The browser UI in headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

Runs an example query, sees the result table and the result graph, opens an entity page
with its neighbourhood graph and the path finder, and records every request the browser
makes: none may leave 127.0.0.1. Without Chromium the tests skip, unless ``CI`` is set
(then they fail: CI installs Chromium).
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest

from kg.build import build
from kg.web.testing import serve

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser() -> None:
    missing = []
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing.append(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so this is an error)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    _require_browser()
    out = tmp_path_factory.mktemp("web-ui") / "build"
    build(out, hpo="none", validate=False)
    with serve(out, timeout=5, max_rows=500, workers=2) as base:
        yield base


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser, site):
    """A fresh page that records every request and every console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []
    page.problems = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def _outside(urls: list[str], base: str) -> list[str]:
    """Requests to anywhere but our server (data: and about: URLs are not requests out)."""
    host = urllib.parse.urlsplit(base).netloc
    return [u for u in urls if not u.startswith(("data:", "about:", "blob:"))
            and urllib.parse.urlsplit(u).netloc != host]


def test_query_table_graph_and_entity(page, site):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("body", "data-ready") == "yasqe", "the YASQE editor did not start"
    assert page.locator(".CodeMirror").count() == 1

    page.select_option("#named-query", "first-line-drug")
    assert "VALUES ?type { mk:action_myoclonus }" in page.evaluate(
        "document.querySelector('.CodeMirror').CodeMirror.getValue()")
    page.click("#run")
    page.wait_for_selector("#result-table tbody tr")
    headers = page.locator("#result-table thead th").all_text_contents()
    assert headers == ["type", "drug", "label", "quote", "correction"]
    assert "clonazepam" in page.locator("#result-table tbody").inner_text()
    assert "row" in page.text_content("#status")
    assert page.locator("#warning").is_hidden()

    page.click("#tab-graph")
    frame = page.frame_locator("#graph-frame")
    frame.locator("canvas").first.wait_for(timeout=20000)
    assert page.locator("#graph-frame").get_attribute("src").startswith("/view/results?query=")

    page.click("#tab-table")
    page.click("#result-table tbody a[href='/entity/clonazepam']")
    page.wait_for_url(site + "/entity/clonazepam")
    assert page.locator("h1").inner_text().startswith("clonazepam")
    assert page.locator("blockquote.quote").count() >= 3
    page.frame_locator("#neighbourhood").locator("canvas").first.wait_for(timeout=20000)

    assert not _outside(page.requests, site), _outside(page.requests, site)
    assert not page.problems, page.problems


def test_errors_and_truncation_shown(page, site):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready]")
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT * WHERE { ?s ?p }')")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert "400" in page.text_content("#error") and "line 1" in page.text_content("#error")

    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue("
                  "'SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 2000')")
    page.click("#run")
    page.wait_for_selector("#warning:not([hidden])", timeout=20000)
    assert "truncated" in page.text_content("#warning")
    assert not _outside(page.requests, site), _outside(page.requests, site)


def test_path_finder(page, site):
    page.goto(site + "/path")
    page.fill("input[name=from]", "hypoxia")
    page.fill("input[name=to]", "clonazepam")
    page.click("form.path-form button[type=submit]")
    page.wait_for_selector("section.path")
    text = page.locator("section.path").first.inner_text()
    assert "brain hypoxia causes posthypoxic myoclonus" in text
    assert "Prolonged oxygen deprivation" in text
    page.frame_locator("#path-graph").locator("canvas").first.wait_for(timeout=20000)
    assert not _outside(page.requests, site), _outside(page.requests, site)
    assert not page.problems, page.problems
